#!/usr/bin/env bash
# setup.sh -- install what building, running and testing medstream need.
# Idempotent: installs only missing Debian packages. Run as root (or with
# sudo available) on Debian 12.
set -euo pipefail

PACKAGES=(
  # toolchain
  gcc make cmake pkg-config
  # runtime libraries (-dev: headers + pkg-config files)
  libuv1-dev librdkafka-dev libjansson-dev libinih-dev libutf8proc-dev libxxhash-dev
  # AWS layer: HTTP client and SigV4 crypto; Redis chunk cache (hiredis)
  libcurl4-openssl-dev libssl-dev libhiredis-dev
  # MuPDF is static-only in Debian: it needs its private dependencies too
  libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev libjpeg-dev
  libharfbuzz-dev libfreetype-dev zlib1g-dev
  # tests and benchmarks
  libcmocka-dev libck-dev qpdf python3 python3-jsonschema
  # independent AWS clients (SigV4 cross-check) and the TLS test certificate
  python3-botocore python3-boto3 openssl
  # the shared chunk cache test; the boto3 baselines of bench/run-comprehend.sh;
  # Prometheus scraping /metrics (and promtool) in the metrics test
  redis-server python3-fitz prometheus
  # deploy/ checks: schema validation (../shared/schemas/validate.py)
  python3-yaml python3-regex
  # the .deb (cpack: dpkg-shlibdeps, file) and the man page checks
  dpkg-dev file binutils groff-base man-db
  # deploy/systemd checks: systemd-analyze verify / security --offline
  systemd
)
# buildah and debootstrap (the container image test) are large: that test
# installs them itself (tests/integration/test_container.sh).
# `kubectl kustomize` renders deploy/kubernetes (tests/integration/
# test_deploy_k8s.sh). Debian 12 ships kubectl 1.20 as kubernetes-client;
# a kubectl already installed another way (package kubectl) is used as it
# is, since both own /usr/bin/kubectl.
if ! command -v kubectl >/dev/null 2>&1; then
  PACKAGES+=(kubernetes-client)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "setup: missing packages and not root; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
