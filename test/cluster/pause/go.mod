module bascule.local/pause

go 1.24
