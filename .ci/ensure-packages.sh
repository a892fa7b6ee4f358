#!/usr/bin/env bash
# Install Debian packages for the commands that are missing, once:
#
#   bash .ci/ensure-packages.sh buildah podman debootstrap runc=runc ctr=containerd
#
# Each argument is COMMAND or COMMAND=PACKAGE (the package defaults to the command's name); a
# COMMAND starting with / is a file that must exist (/usr/lib/cni/bridge=containernetworking-plugins).
# Idempotent: nothing happens when every command is already there. Needs root (or sudo).
set -euo pipefail

missing=()
for spec in "$@"; do
  cmd="${spec%%=*}"
  pkg="${spec#*=}"
  [ "$pkg" != "$spec" ] || pkg="$(basename "$cmd")"
  if [[ "$cmd" == /* ]]; then
    [ -e "$cmd" ] && continue
  else
    command -v "$cmd" >/dev/null 2>&1 && continue
  fi
  missing+=("$pkg")
done
[ ${#missing[@]} -gt 0 ] || exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "[ensure-packages] ERROR: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  }
  sudo=(sudo)
fi
echo "[ensure-packages] apt-get install ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
