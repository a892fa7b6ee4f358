// The pod sandbox ("pause") process of the test cluster's containerd: holds the pod's namespaces
// and does nothing else until it is told to stop. Built static and shipped alone in an image.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
