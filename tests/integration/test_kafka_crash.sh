#!/usr/bin/env bash
# test_kafka_crash.sh -- the bounded Kafka crash campaign (docs/reliability.md):
# 300 envelopes on a `medstream kafka-mock` process, medstream (file sink)
# SIGKILLed at 3 random points and restarted, then `run --once`: 0 lost,
# lag 0, duplicates <= engine.max_inflight_docs x kills. Then two instances
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
rc=0
/usr/bin/python3 "$MS_SRC/tests/support/kafka_crash.py" --bin "$MS_BIN" --mkpdf "$MS_MKPDF" \
  --work "$tmp" --reports 300 --kills 3 --pair-reports 200 \
  ${MS_CRASH_SEED:+--seed "$MS_CRASH_SEED"} || rc=$?
if [ "$rc" -eq 0 ]; then
  rm -rf "$tmp"
else
  echo "logs kept in $tmp"
  for f in "$tmp"/*.log; do echo "== $f (last lines)"; tail -n 15 "$f"; done
fi
exit "$rc"
