#!/usr/bin/env bash
# resources.sh -- `make bench-resources`: medstream's peak RSS, fds and
# threads while `run --once` drains a Kafka backlog on `medstream kafka-mock`
# (bench/resources.py), once with the defaults and once with the low-memory
# setting of docs/operations.md. RES_REPORTS (default 100000) envelopes of
# small generated PDFs under distinct ids; RES_PROFILES (default
# "default low"); RES_INTERVAL seconds between samples (default 5).
# Prints each run's table of samples and figures for bench/RESULTS.md. Not
# part of `make test` (minutes, not seconds).
set -euo pipefail
BUILD=${BUILD:-build}
rc=0
for prof in ${RES_PROFILES:-default low}; do
  work=$(mktemp -d "${TMPDIR:-/tmp}/ms-res-XXXXXX")
  echo "== $prof ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs)"
  /usr/bin/python3 bench/resources.py --bin "$BUILD/medstream" --mkpdf "$BUILD/medstream-mkpdf" \
    --work "$work" --reports "${RES_REPORTS:-100000}" --profile "$prof" \
    --interval "${RES_INTERVAL:-5}" || { rc=1; echo "logs kept in $work"; continue; }
  rm -rf "$work"
done
exit "$rc"
