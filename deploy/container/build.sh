#!/usr/bin/env bash
# build.sh -- build the medstream image with buildah from this checkout.
#
#   deploy/container/build.sh [TAG]     (default medstream:VERSION; run as root)
#
# Uses the local debian:bookworm-slim when there is one (make-base.sh makes
# it without a registry: MS_LOCAL_BASE=1 builds it first) and never pulls
# then. --isolation=chroot: no container runtime or daemon is needed;
# --format docker keeps the HEALTHCHECK (the OCI image format has none);
# --layers caches steps between builds; the toolchain stage is also tagged
# localhost/medstream-build-deps so that removing dangling images (as
# tests/integration/test_container.sh does) keeps that cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^project(medstream VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit=$commit-dirty
fi
source_url=${MS_SOURCE_URL:-https://github.com/medstream/medstream}
tag=${1:-medstream:$version}

pull=()
if [ "${MS_LOCAL_BASE:-0}" = 1 ]; then
  bash deploy/container/make-base.sh
  pull=(--pull=never)
fi
common=(--isolation=chroot --format docker --layers "${pull[@]}" -f deploy/container/Containerfile)
buildah bud "${common[@]}" --target build-deps -t localhost/medstream-build-deps:latest .
buildah bud "${common[@]}" \
  --build-arg MS_VERSION="$version" --build-arg MS_COMMIT="$commit" \
  --build-arg MS_SOURCE="$source_url" \
  -t "$tag" .
echo "build: $tag ($(buildah images --format '{{.Size}}' "$tag" | head -1))"
