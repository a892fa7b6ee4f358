#!/usr/bin/env bash
# Build the Kubernetes binaries Bascule's tests need, from Go modules (no prebuilt binary
# downloads), and cache them per machine in ${BASCULE_KUBE_CACHE:-$HOME/.cache/bascule-kube}/bin:
#
#   kube-apiserver, kubectl, helm                     control-plane tests (test/k8s)
#   kubelet, kube-scheduler, kube-controller-manager,
#   kube-proxy, coredns                               the single-node cluster (test/cluster)
#
# plus Debian's etcd-server package (/usr/bin/etcd) when `etcd` is missing.
#
# Idempotent: a binary is rebuilt only when it is missing or reports a
# different version than requested. Set BASCULE_KUBE_REBUILD=1 to force.
#
# Env:
#   BASCULE_KUBE_CACHE    cache dir            (default: $HOME/.cache/bascule-kube)
#   BASCULE_KUBE_VERSION  k8s.io/kubernetes    (default: v1.34.4)
#   BASCULE_HELM_VERSION  helm.sh/helm/v3      (default: v3.19.5, built on k8s.io v0.34)
#   BASCULE_COREDNS_VERSION  coredns           (default: v1.12.4, built on k8s.io v0.34)
#   BASCULE_KUBE_REBUILD  1 = rebuild even if the binaries exist
#   BASCULE_SKIP_HELM     1 = do not build helm
#   BASCULE_SKIP_NODE     1 = do not build the node binaries and coredns
#   BASCULE_SKIP_ETCD     1 = do not apt-get install etcd-server
#
# Cold build on 2 cores takes a while (kube-apiserver and kubelet are the big ones);
# the Go build cache (~/.cache/go-build) and module cache are reused. Concurrent runs (several
# checkouts on one machine) wait for each other on a lock in the cache dir.
set -euo pipefail

KUBE_VERSION="${BASCULE_KUBE_VERSION:-v1.34.4}"
HELM_VERSION="${BASCULE_HELM_VERSION:-v3.19.5}"
COREDNS_VERSION="${BASCULE_COREDNS_VERSION:-v1.12.4}"
CACHE="${BASCULE_KUBE_CACHE:-$HOME/.cache/bascule-kube}"
BIN="$CACHE/bin"
REBUILD="${BASCULE_KUBE_REBUILD:-0}"

log() { printf '[build-kube] %s\n' "$*" >&2; }
die() {
  printf '\n[build-kube] ERROR: %s\n\n' "$*" >&2
  trap - EXIT
  exit 1
}
trap 'rc=$?; if [ $rc -ne 0 ]; then printf "\n[build-kube] FAILED (exit %s); last command: %s\n\n" "$rc" "$BASH_COMMAND" >&2; fi' EXIT

[[ "$KUBE_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] ||
  die "BASCULE_KUBE_VERSION must look like v1.34.4 (got '$KUBE_VERSION')"
KUBE_MINOR="${BASH_REMATCH[1]}"
# Staging modules (k8s.io/api, k8s.io/client-go, ...) are published as v0.N.x.
STAGING_VERSION="v0.${KUBE_MINOR}.${BASH_REMATCH[2]}"

mkdir -p "$BIN"
exec 9>"$CACHE/.lock"
flock 9

# The binaries built from k8s.io/kubernetes (each one's main package is copied from cmd/<name>).
KUBE_BINS=(kube-apiserver kubectl)
[ "${BASCULE_SKIP_NODE:-0}" = 1 ] || KUBE_BINS+=(kubelet kube-scheduler kube-controller-manager kube-proxy)

# ---------------------------------------------------------------- etcd ----
ensure_etcd() {
  if [ "${BASCULE_SKIP_ETCD:-0}" = 1 ]; then
    log "etcd: skipped (BASCULE_SKIP_ETCD=1)"
    return
  fi
  if command -v etcd >/dev/null 2>&1; then
    log "etcd: found $(command -v etcd) ($(etcd --version 2>/dev/null | head -n1))"
    return
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "etcd not found on PATH and apt-get is unavailable; install etcd (>= 3.4) manually"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "etcd missing; need root or sudo to apt-get install etcd-server"
    sudo=(sudo)
  fi
  log "etcd: not found, installing Debian package etcd-server (apt-get update first)"
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends etcd-server
  command -v etcd >/dev/null 2>&1 || die "apt-get installed etcd-server but 'etcd' is still not on PATH"
  log "etcd: installed $(command -v etcd) ($(etcd --version | head -n1))"
}

# The node's runtime from Debian: containerd (CRI), runc, the CNI plugins, iptables (kube-proxy).
ensure_node_packages() {
  [ "${BASCULE_SKIP_NODE:-0}" != 1 ] || return 0
  bash "$(dirname "${BASH_SOURCE[0]}")/ensure-packages.sh" containerd ctr=containerd runc iptables \
    /usr/lib/cni/bridge=containernetworking-plugins nsenter=util-linux
  log "node runtime: $(containerd --version | cut -d' ' -f3), runc $(runc --version | head -n1 | cut -d' ' -f3)"
}

# ------------------------------------------------------------------ go ----
find_go() {
  if command -v go >/dev/null 2>&1; then
    GO="$(command -v go)"
  elif [ -x /usr/local/go/bin/go ]; then
    GO=/usr/local/go/bin/go
  else
    die "Go toolchain not found (looked on PATH and /usr/local/go/bin)"
  fi
  log "go: $GO ($("$GO" version))"
}

# True when $1 exists and its version output ($2...) contains the wanted string.
have_version() {
  local bin="$1" want="$2"
  shift 2
  [ "$REBUILD" != 1 ] || return 1
  [ -x "$bin" ] || return 1
  # Read all of the output before matching: `cmd | grep -q` under pipefail fails at random when
  # grep exits first and the command (kubectl prints two lines) then dies of SIGPIPE.
  local out
  out="$("$bin" "$@" 2>/dev/null)" || return 1
  grep -qF -- "$want" <<<"$out"
}

# The version check each binary answers.
version_args() { if [ "$1" = kubectl ]; then echo "version --client"; else echo "--version"; fi; }

# One field (Dir, GoMod, ...) of `go mod download -json module@version`.
module_field() {
  "$GO" mod download -json "$1" | sed -n "s/^[[:space:]]*\"$2\": \"\\(.*\\)\",*\$/\\1/p"
}

# ---------------------------------------------- binaries of k8s.io/kubernetes ----
build_kube() {
  local need=() b
  for b in "${KUBE_BINS[@]}"; do
    # shellcheck disable=SC2046 # version_args is two words for kubectl
    have_version "$BIN/$b" "$KUBE_VERSION" $(version_args "$b") || need+=("$b")
  done
  if [ ${#need[@]} -eq 0 ]; then
    log "${KUBE_BINS[*]} $KUBE_VERSION: already built in $BIN (skip)"
    return
  fi

  local src="$CACHE/src/kube-$KUBE_VERSION"
  mkdir -p "$src"
  log "kubernetes $KUBE_VERSION (staging modules $STAGING_VERSION): building ${need[*]} in $src"

  # Read the staging module list from the release's own go.mod.
  local gomod kdir
  gomod="$(module_field "k8s.io/kubernetes@$KUBE_VERSION" GoMod)"
  kdir="$(module_field "k8s.io/kubernetes@$KUBE_VERSION" Dir)"
  [ -f "$gomod" ] || die "could not download go.mod of k8s.io/kubernetes@$KUBE_VERSION"
  local staging
  staging="$(awk '/=> \.\/staging\/src\// { print $1 }' "$gomod")"
  [ -n "$staging" ] || die "no staging replace directives found in $gomod"
  local go_directive
  go_directive="$(awk '$1 == "go" { print $2; exit }' "$gomod")"
  log "  $(wc -w <<<"$staging") staging modules, upstream go directive $go_directive"

  {
    echo "// Generated by .ci/build-kube.sh - do not edit."
    echo "module bascule.local/kube-bins"
    echo
    echo "go $go_directive"
    echo
    echo "godebug default=go${go_directive%.*}"
    echo
    echo "require ("
    echo "	k8s.io/kubernetes $KUBE_VERSION"
    echo "	k8s.io/component-base $STAGING_VERSION"
    echo "	k8s.io/client-go $STAGING_VERSION"
    echo "	k8s.io/kubectl $STAGING_VERSION"
    echo ")"
    echo
    echo "replace ("
    local m
    for m in $staging; do echo "	$m => $m $STAGING_VERSION"; done
    echo ")"
  } >"$src/go.mod"

  # Each binary's main package, exactly as upstream's cmd/<name>/<name>.go.
  for b in "${KUBE_BINS[@]}"; do
    local mains=("$kdir/cmd/$b"/*.go)
    [ ${#mains[@]} -eq 1 ] || die "expected one main file in $kdir/cmd/$b, found ${#mains[@]}"
    mkdir -p "$src/cmd/$b"
    {
      echo "// Generated by .ci/build-kube.sh from k8s.io/kubernetes@$KUBE_VERSION/cmd/$b."
      cat "${mains[0]}"
    } >"$src/cmd/$b/main.go"
  done

  # Version stamping as in hack/lib/version.sh (otherwise /version says v0.0.0-master).
  local x=""
  local kv
  for kv in "gitVersion=$KUBE_VERSION" "gitMajor=1" "gitMinor=$KUBE_MINOR" \
    "gitTreeState=clean" "buildDate=1970-01-01T00:00:00Z"; do
    x+=" -X k8s.io/client-go/pkg/version.$kv -X k8s.io/component-base/version.$kv"
  done

  (
    cd "$src"
    export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
    log "  resolving modules (go mod tidy)..."
    "$GO" mod tidy
    local b t0
    for b in "${need[@]}"; do
      t0=$SECONDS
      log "  go build $b (this can take a long time on a cold cache)..."
      "$GO" build -trimpath -ldflags "-s -w$x" -o "$BIN/.$b.tmp" "./cmd/$b"
      mv -f "$BIN/.$b.tmp" "$BIN/$b"
      log "  built $BIN/$b ($(du -h "$BIN/$b" | cut -f1), $((SECONDS - t0))s)"
    done
  )
  for b in "${need[@]}"; do
    # shellcheck disable=SC2046
    grep -qF "$KUBE_VERSION" <<<"$("$BIN/$b" $(version_args "$b"))" || die "$b does not report $KUBE_VERSION"
  done
}

# ------------------------------------------------------------------ coredns ----
# The cluster's DNS. A wrapper main with only the plugins a test cluster uses (CoreDNS's documented
# way of choosing plugins at compile time), so the cloud SDKs of the full build are not compiled;
# the k8s.io modules are pinned to the cluster's release so the Go build cache is shared.
COREDNS_PLUGINS=(ready health errors log cache kubernetes) # in plugin.cfg's order
build_coredns() {
  if [ "${BASCULE_SKIP_NODE:-0}" = 1 ]; then
    log "coredns: skipped (BASCULE_SKIP_NODE=1)"
    return
  fi
  local want="CoreDNS-${COREDNS_VERSION#v}"
  if have_version "$BIN/coredns" "$want" -version; then
    log "coredns $COREDNS_VERSION: already built in $BIN (skip)"
    return
  fi
  local t0=$SECONDS src="$CACHE/src/coredns-$COREDNS_VERSION" p imports='' directives=''
  log "coredns $COREDNS_VERSION: building with plugins ${COREDNS_PLUGINS[*]}..."
  mkdir -p "$src"
  for p in "${COREDNS_PLUGINS[@]}"; do
    imports+=$'\t_ "github.com/coredns/coredns/plugin/'"$p"$'"\n'
    directives+=$'\t\t"'"$p"$'",\n'
  done
  cat >"$src/go.mod" <<EOF
// Generated by .ci/build-kube.sh - do not edit.
module bascule.local/coredns

go 1.24.0

require (
	github.com/coredns/coredns $COREDNS_VERSION
	k8s.io/api $STAGING_VERSION
	k8s.io/apimachinery $STAGING_VERSION
	k8s.io/client-go $STAGING_VERSION
)
EOF
  cat >"$src/main.go" <<EOF
// Generated by .ci/build-kube.sh: CoreDNS with the plugins a test cluster needs.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
$imports)

// The order in which the plugins see a query.
func init() {
	dnsserver.Directives = []string{
$directives	}
}

func main() { coremain.Run() }
EOF
  (
    cd "$src"
    export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
    "$GO" mod tidy
    "$GO" build -trimpath -ldflags "-s -w" -o "$BIN/.coredns.tmp" .
  )
  mv -f "$BIN/.coredns.tmp" "$BIN/coredns"
  grep -qF "$want" <<<"$("$BIN/coredns" -version)" || die "coredns -version does not report $want"
  log "  built $BIN/coredns ($(du -h "$BIN/coredns" | cut -f1), $((SECONDS - t0))s)"
}

# ---------------------------------------------------------------- helm ----
build_helm() {
  if [ "${BASCULE_SKIP_HELM:-0}" = 1 ]; then
    log "helm: skipped (BASCULE_SKIP_HELM=1)"
    return
  fi
  if have_version "$BIN/helm" "$HELM_VERSION" version --short; then
    log "helm $HELM_VERSION: already built in $BIN (skip)"
    return
  fi
  log "helm $HELM_VERSION: building helm.sh/helm/v3/cmd/helm..."
  local t0=$SECONDS tmp="$CACHE/tmp-helm"
  rm -rf "$tmp" && mkdir -p "$tmp"
  # Same ldflags as helm's Makefile; the k8s minor is what helm reports as
  # the default .Capabilities.KubeVersion.
  local x="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  x+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  local pkg
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    x+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$KUBE_MINOR"
  done
  GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS= GOTOOLCHAIN=local \
    "$GO" install -trimpath -ldflags "-s -w $x" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv -f "$tmp/helm" "$BIN/helm"
  rm -rf "$tmp"
  grep -qF "$HELM_VERSION" <<<"$("$BIN/helm" version --short)" || die "helm version does not report $HELM_VERSION"
  log "  built $BIN/helm ($(du -h "$BIN/helm" | cut -f1), $((SECONDS - t0))s)"
}

log "cache: $CACHE"
ensure_etcd
ensure_node_packages
find_go
build_kube
build_helm
build_coredns
log "done:"
for b in "${KUBE_BINS[@]}" helm coredns; do
  if [ -x "$BIN/$b" ]; then log "  $BIN/$b ($(du -h "$BIN/$b" | cut -f1))"; fi
done
log "  etcd: $(command -v etcd || echo 'NOT FOUND')"
