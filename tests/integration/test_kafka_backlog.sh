#!/usr/bin/env bash
# test_kafka_backlog.sh -- `run --once` drains a Kafka backlog much larger
# than librdkafka's prefetch under backpressure (issue 17): 3000 envelopes
# with engine.max_inflight_docs=8 and a 64 KiB prefetch, every wait a hold
# (no partition paused and resumed, per librdkafka's debug log); then 200
# with source.hold_ms=0 so that every hold falls back to pausing the
# partitions. Each: every id delivered exactly once, lag 0, exit 0. The
# driver is tests/support/kafka_backlog.py.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}" "${MS_SRC:?}"
if ! /usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null; then
  echo "SKIP: python3-confluent-kafka is not installed (run scripts/setup.sh)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-kbacklog-XXXXXX")
rc=0
/usr/bin/python3 "$MS_SRC/tests/support/kafka_backlog.py" --bin "$MS_BIN" --mkpdf "$MS_MKPDF" \
  --work "$tmp" --reports 3000 --pause-reports 200 || rc=$?
if [ "$rc" -eq 0 ]; then
  rm -rf "$tmp"
else
  echo "logs kept in $tmp"
  for f in "$tmp"/*.log; do echo "== $f (last lines)"; tail -n 15 "$f"; done
fi
exit "$rc"
