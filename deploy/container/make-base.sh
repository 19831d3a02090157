#!/usr/bin/env bash
# make-base.sh -- a local `debian:bookworm-slim` for building the image
# without a registry: `debootstrap --variant=minbase bookworm` from the apt
# mirror this machine already uses, committed into buildah's storage as
# docker.io/library/debian:bookworm-slim (what the Containerfile's FROM
# resolves to, so `buildah bud --pull=never` finds it).
#
#   deploy/container/make-base.sh [CACHE_DIR]   (root; default /var/cache/medstream-ci)
#
# The debootstrap tarball is cached in CACHE_DIR, keyed by the mirror and
# the month, and the committed image carries the key as a label: a second
# run the same month reuses both (seconds instead of minutes). Delete the
# cache directory to force a fresh base.
set -euo pipefail

cache=${1:-/var/cache/medstream-ci}
image=docker.io/library/debian:bookworm-slim

# The first Debian mirror apt is configured with (deb822 or one-line format).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null \
           | grep -v security | head -n1 || true)
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
             | awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')
fi
mirror=${mirror:-http://deb.debian.org/debian}
key=$(printf '%s %s' "$mirror" "$(date -u +%Y-%m)" | sha256sum | cut -c1-16)
tarball=$cache/bookworm-minbase-$key.tar

have=$(buildah inspect --type image --format '{{index .ImageAnnotations "io.medstream.base-key"}}' "$image" 2>/dev/null || true)
if [ "$have" = "$key" ]; then
  echo "make-base: $image is current (key $key, mirror $mirror)"
  exit 0
fi

mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  echo "make-base: debootstrap --variant=minbase bookworm from $mirror (a few minutes)"
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase bookworm "$root" "$mirror" > "$cache/debootstrap.log" 2>&1 || {
    tail -n 20 "$cache/debootstrap.log" >&2
    exit 1
  }
  # What the official slim image drops: apt lists, caches, most docs.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* \
         "$root"/usr/share/man/* "$root"/usr/share/info/*
  tar -C "$root" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  # Older keys' tarballs are stale.
  find "$cache" -maxdepth 1 -name 'bookworm-minbase-*.tar' ! -name "${tarball##*/}" -delete
fi

ctr=$(buildah from --pull=never scratch)
buildah add --quiet "$ctr" "$tarball" / >/dev/null
buildah config --annotation "io.medstream.base-key=$key" --cmd /bin/bash \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
buildah commit --quiet --rm "$ctr" "$image" >/dev/null
echo "make-base: committed $image (key $key, mirror $mirror)"
