#!/usr/bin/env bash
# test_kafka_faults.sh -- the bounded Kafka broker-fault campaign
# (docs/reliability.md): 300 envelopes produced at a steady pace to a
# `medstream kafka-mock --control` cluster of 3 brokers while medstream
# consumes; mid-stream the partition leaders move, the leader broker goes
# down for 15 s and comes back, then goes down again with the leaders
# failed over to another broker. 0 lost, duplicates <= in-flight limit x 3,
# lag 0, no restart needed, /metrics counts the broker errors. The driver
# is tests/support/kafka_faults.py (it reuses kafka_crash.py's helpers);
# the seed is printed, rerun one with MS_FAULT_SEED=N.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}" "${MS_SRC:?}"
if ! /usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null; then
  echo "SKIP: python3-confluent-kafka is not installed (run scripts/setup.sh)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-kfault-XXXXXX")
rc=0
/usr/bin/python3 "$MS_SRC/tests/support/kafka_faults.py" --bin "$MS_BIN" --mkpdf "$MS_MKPDF" \
  --work "$tmp" --reports "${MS_FAULT_REPORTS:-300}" --down-s "${MS_FAULT_DOWN_S:-15}" \
  ${MS_FAULT_SEED:+--seed "$MS_FAULT_SEED"} || rc=$?
if [ "$rc" -eq 0 ]; then
  rm -rf "$tmp"
else
  echo "logs kept in $tmp"
  for f in "$tmp"/*.log; do echo "== $f (last lines)"; tail -n 15 "$f"; done
fi
exit "$rc"
