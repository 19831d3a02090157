#!/usr/bin/env bash
# test_kafka_crash.sh -- the bounded Kafka crash campaign (docs/reliability.md):
# 300 envelopes on a `medstream kafka-mock` process, medstream (file and S3
# sinks; S3 = s3rver from npm, installed here under the build directory like
# integration.sinks_aws does; without node/npm/boto3 the file sink alone,
# said in the output) SIGKILLed at 3 random points and restarted, then
# `run --once`: 0 lost in each sink,
# lag 0, at each kill the deliveries not committed at the broker <=
# engine.max_inflight_docs (the hard bound), duplicates <= their sum <=
# max_inflight_docs x kills. Then two instances
# in one consumer group, one SIGKILLed: the survivor takes its partitions
# and delivers everything. The driver is tests/support/kafka_crash.py;
# `make soak` runs the same campaign longer. The seed is printed (random
# kill points); rerun one with MS_CRASH_SEED=N.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}" "${MS_SRC:?}"
if ! /usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null; then
  echo "SKIP: python3-confluent-kafka is not installed (run scripts/setup.sh)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-kcrash-XXXXXX")
# s3rver, shared with integration.sinks_aws (the same npm-s3rver directory).
s3=()
if command -v node >/dev/null && command -v npm >/dev/null &&
   /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
  . "$MS_SRC/tests/support/npm.sh"
  if mods=$(npm_mods s3rver s3rver@3); then
    s3=(--s3-modules "$mods")
  else
    echo "note: npm install s3rver@3 failed (registry unreachable?): file sink only"
  fi
else
  echo "note: node, npm or python3-boto3 missing: file sink only"
fi
rc=0
/usr/bin/python3 "$MS_SRC/tests/support/kafka_crash.py" --bin "$MS_BIN" --mkpdf "$MS_MKPDF" \
  --work "$tmp" --reports 300 --kills 3 --pair-reports 200 "${s3[@]}" \
  ${MS_CRASH_SEED:+--seed "$MS_CRASH_SEED"} || rc=$?
if [ "$rc" -eq 0 ]; then
  rm -rf "$tmp"
else
  echo "logs kept in $tmp"
  for f in "$tmp"/*.log; do echo "== $f (last lines)"; tail -n 15 "$f"; done
fi
exit "$rc"
