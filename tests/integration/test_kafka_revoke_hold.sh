#!/usr/bin/env bash
# test_kafka_revoke_hold.sh -- a partition revoked while the Kafka source
# holds one of its records because the engine is full (issue 17): a second
# consumer joins (and leaves) the group until the first one's log shows a
# held record dropped at a revoke; that record is read again and delivered,
# nothing is lost, the lag reaches 0 and every running instance's in-flight
# gauges (medstream_inflight_reports, medstream_awaiting_commit_reports)
# return to 0. The driver is tests/support/kafka_revoke.py.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}" "${MS_SRC:?}"
if ! /usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null; then
  echo "SKIP: python3-confluent-kafka is not installed (run scripts/setup.sh)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-krevoke-XXXXXX")
rc=0
/usr/bin/python3 "$MS_SRC/tests/support/kafka_revoke.py" --bin "$MS_BIN" --mkpdf "$MS_MKPDF" \
  --work "$tmp" || rc=$?
if [ "$rc" -eq 0 ]; then
  rm -rf "$tmp"
else
  echo "logs kept in $tmp"
  for f in "$tmp"/*.log; do echo "== $f (last lines)"; tail -n 15 "$f"; done
fi
exit "$rc"
