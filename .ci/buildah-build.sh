#!/usr/bin/env bash
# Build one image with buildah (no Docker engine): $IMAGE from $DOCKERFILE in $BUILD_CONTEXT, and
# push it when $PUSH_IMAGE=true. This is skaffold's custom-builder contract (profile "buildah" in
# skaffold.yaml); .ci/build-images.sh uses it too. Without DOCKERFILE, the Dockerfile is the one of
# the component the image names (bascule-controller, .../controller -> controller/Dockerfile).
#
# Base images: the Dockerfiles' defaults (node:26-alpine), or local ones given as NODE_IMAGE and
# NODE_BUILD_IMAGE (.ci/build-images.sh builds them and prints their names). A TLS-intercepting
# proxy's CA is taken from HOST_CA_BUNDLE (default: Debian's bundle) for the npm steps only.
set -euo pipefail
: "${IMAGE:?skaffold sets IMAGE}" "${BUILD_CONTEXT:?skaffold sets BUILD_CONTEXT}"

if [ -z "${DOCKERFILE:-}" ]; then
  repo="${IMAGE%:*}"
  component="${repo##*/}"
  DOCKERFILE="$BUILD_CONTEXT/${component#bascule-}/Dockerfile"
fi
[ -f "$DOCKERFILE" ] || { echo "buildah-build: no Dockerfile $DOCKERFILE for image $IMAGE" >&2; exit 1; }

args=(--isolation chroot --layers --pull=missing -f "$DOCKERFILE" -t "$IMAGE")
[ -z "${NODE_IMAGE:-}" ] || args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
[ -z "${NODE_BUILD_IMAGE:-}" ] || args+=(--build-arg "NODE_BUILD_IMAGE=$NODE_BUILD_IMAGE")
ca="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
if [ -f "$ca" ]; then
  args+=(--build-arg NODE_EXTRA_CA_CERTS=/run/host-ca.crt --volume "$ca:/run/host-ca.crt:ro")
fi
buildah bud "${args[@]}" "$BUILD_CONTEXT"
if [ "${PUSH_IMAGE:-false}" = true ]; then
  buildah push "$IMAGE"
fi
