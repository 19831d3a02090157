#!/usr/bin/env bash
# test_sink_outage.sh -- the S3 sink's server goes away mid-run and comes
# back (issue 17): nothing lost, no crash, the pipeline resumes by itself and
# the metrics show what happened.
#
# A watched dir source fed one report every 200 ms, the S3 sink on s3rver
# (npm). Once some reports are committed, s3rver is SIGKILLed, stays down
# for MS_OUTAGE_S seconds (default 25) while reports keep arriving, and is
# started again on the same port with the same data directory. Checked:
# medstream stays up and answers /healthz during the outage; its failed
# writes show as medstream_sink_errors_total{sink="s3"} and "will retry"
# warnings; after the restart every report is committed without help
# (moved to done_dir) and its summary object is in the bucket (read back
# with boto3); the final metrics count every report once as delivered,
# none as dead letter or abandoned; SIGTERM drains and exits 0. No timing
# is asserted: the outage and recovery seconds are printed as figures.
set -euo pipefail
: "${MS_BIN:?}" "${MS_SRC:?}" "${MS_MKPDF:?}"
. "$MS_SRC/tests/support/campaign.sh"
campaign_start outage
smods=$(npm_mods s3rver s3rver@3) || skip "npm install s3rver failed (registry unreachable?)"
export HOME="$tmp" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 2>/dev/null || true

N=${MS_OUTAGE_N:-150}
OUTAGE=${MS_OUTAGE_S:-25}
BUCKET=summaries
mkdir -p "$tmp/s3data" "$tmp/in" "$tmp/done" "$tmp/stage"
start_peer s3rver node "$MS_SRC/tests/support/s3rver_run.js" "$smods" "$tmp/s3data" "$BUCKET" \
  || skip "s3rver did not start: $(head -c 300 "$tmp/s3rver.err")"
s3_port=$port
s3_pid=$peer_pid
S3="http://127.0.0.1:$s3_port"

for i in 1 2 3; do
  printf 'Clinic note %d\n\nFollow up of hypertension. Blood pressure 13%d/84.\nContinue lisinopril 10 mg daily. Return in %d months.\n' \
    "$i" "$i" "$i" > "$tmp/stage/r$i.txt"
  "$MS_MKPDF" "$tmp/stage/r$i.txt" "$tmp/stage/r$i.pdf"
done

cat > "$tmp/outage.ini" <<INI
[source]
type = dir
path = $tmp/in
watch = true
poll_interval_ms = 50
done_dir = $tmp/done

[engine]
workers = 2
max_inflight_docs = 16

[sink]
type = s3

[sink.s3]
bucket = $BUCKET
endpoint = $S3
path_style = true

[log]
level = info

[http]
listen = 127.0.0.1:0
INI
"$MS_BIN" run -c "$tmp/outage.ini" 2> "$tmp/medstream.log" &
ms_pid=$!
pids+=("$ms_pid")
wait_for "grep -q 'msg=\"admin endpoint listening\"' '$tmp/medstream.log'" 60 \
  || { bad "admin endpoint started"; campaign_finish; }
admin=$(sed -n 's/.*msg="admin endpoint listening".* port=\([0-9]*\).*/\1/p' "$tmp/medstream.log" | head -1)

# GET a path of the admin endpoint: "STATUS BODY" (STATUS 0 when no answer).
get() {
  "$PY" - "http://127.0.0.1:$admin$1" <<'PYEOF'
import sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
except Exception as e:
    print(0, e)
PYEOF
}
# The value of one series on /metrics (0 when absent).
metric() {
  get /metrics | awk -v s="$1" '$1 == s { v = $2 } END { print v + 0 }'
}
committed() { find "$tmp/done" -maxdepth 1 -name 'rep-*.pdf' | wc -l; }

# The feeder: one report every 200 ms, before, during and after the outage.
(
  for i in $(seq -f '%05g' 1 "$N"); do
    cp "$tmp/stage/r$(( 10#$i % 3 + 1 )).pdf" "$tmp/stage/.rep-$i.pdf"
    mv "$tmp/stage/.rep-$i.pdf" "$tmp/in/rep-$i.pdf"
    sleep 0.2
  done
) &
feeder=$!
pids+=("$feeder")

wait_for '[ "$(committed)" -ge 20 ]' 120 || bad "20 reports committed before the outage"
before=$(committed)
kill -9 "$s3_pid"
wait "$s3_pid" 2>/dev/null || true
down_at=$(now)
echo "# s3rver SIGKILLed after $before of $N reports committed; down for $OUTAGE s"
sleep "$OUTAGE"
kill -0 "$ms_pid" 2>/dev/null && ok "medstream is still running after $OUTAGE s without S3" \
  || bad "medstream died during the outage ($(tail -c 400 "$tmp/medstream.log"))"
health=$(get /healthz | cut -d' ' -f1)
[ "$health" = 200 ] && ok "/healthz answers 200 during the outage" || bad "/healthz during the outage: $health"
ready_during=$(get /readyz | cut -d' ' -f1)
errors_during=$(metric 'medstream_sink_errors_total{sink="s3"}')
paused_during=$(metric 'medstream_source_paused')
during=$(committed)
[ "$errors_during" -gt 0 ] && ok "sink errors counted during the outage ($errors_during)" \
  || bad "no sink error counted during the outage"
echo "# during the outage: committed $before -> $during, sink errors $errors_during, source paused $paused_during, /readyz $ready_during"

S3RVER_PORT=$s3_port start_peer s3rver node "$MS_SRC/tests/support/s3rver_run.js" "$smods" "$tmp/s3data" "$BUCKET" \
  || bad "s3rver restarted on port $s3_port: $(head -c 300 "$tmp/s3rver.err")"
up_at=$(now)
outage_s=$(awk -v a="$up_at" -v b="$down_at" 'BEGIN { printf "%.1f", a - b }')
if wait_for '[ "$(committed)" -ge "$N" ]' 240; then
  ok "after the restart every one of $N reports is committed"
else
  bad "only $(committed) of $N reports committed after the restart"
fi
recovered_s=$(awk -v a="$(now)" -v b="$up_at" 'BEGIN { printf "%.1f", a - b }')
wait "$feeder" 2>/dev/null || true
kill -0 "$ms_pid" 2>/dev/null && ok "medstream still running after the recovery" || bad "medstream died"

delivered=$(metric 'medstream_reports_delivered_total{status="ok"}')
dead=$(metric 'medstream_reports_delivered_total{status="dead_letter"}')
abandoned=$(metric 'medstream_reports_abandoned_total')
writes=$(metric 'medstream_sink_writes_total{sink="s3"}')
errors=$(metric 'medstream_sink_errors_total{sink="s3"}')
pauses=$(metric 'medstream_source_pauses_total')
ready_after=$(get /readyz | cut -d' ' -f1)
retry_logs=$(grep -c 'msg="sink write failed; will retry"' "$tmp/medstream.log" || true)
echo "# metrics: delivered ok $delivered, dead letters $dead, abandoned $abandoned, s3 writes $writes, s3 errors $errors, source pauses $pauses, /readyz $ready_after; 'will retry' warnings $retry_logs"
echo "RESULT sink-outage reports=$N outage_s=$outage_s recovered_s=$recovered_s lost=$(( N - $(committed) )) sink_errors=$errors dead_letters=$dead"
[ "$delivered" -eq "$N" ] && ok "metrics: $N reports delivered" || bad "metrics: delivered $delivered, not $N"
[ "$writes" -eq "$N" ] && ok "metrics: $N confirmed S3 writes" || bad "metrics: $writes S3 writes, not $N"
[ "$dead" -eq 0 ] && ok "metrics: no dead letter" || bad "metrics: $dead dead letters"
[ "$abandoned" -eq 0 ] && ok "metrics: nothing abandoned" || bad "metrics: $abandoned abandoned"
[ "$errors" -ge "$errors_during" ] && [ "$errors" -gt 0 ] && ok "metrics: the failed writes stay counted ($errors)" \
  || bad "metrics: sink errors $errors"
[ "$retry_logs" -gt 0 ] && ok "the failed writes were logged as retried" || bad "no retry warning logged"

kill -TERM "$ms_pid"
wait "$ms_pid" && rc=0 || rc=$?
[ "$rc" -eq 0 ] && ok "SIGTERM: drains and exits 0" || bad "exit status $rc after SIGTERM"
"$PY" "$MS_SRC/tests/support/s3_readback.py" --endpoint "$S3" --bucket "$BUCKET" --dest "$tmp/readback" >/dev/null
missing=$("$PY" - "$tmp/readback/summaries" "$N" <<'PYEOF'
import json, os, sys
d, n, bad = sys.argv[1], int(sys.argv[2]), 0
for i in range(1, n + 1):
    rid = "rep-%05d" % i
    try:
        with open(os.path.join(d, rid + ".json")) as f:
            bad += json.load(f).get("id") != rid
    except (OSError, ValueError):
        bad += 1
print(bad)
PYEOF
)
[ "$missing" -eq 0 ] && ok "every summary object is in the bucket, complete" || bad "$missing summary objects missing or broken"
dl=$(find "$tmp/readback" -path '*dead-letter*' -type f | wc -l)
[ "$dl" -eq 0 ] && ok "no dead-letter object" || bad "$dl dead-letter objects"
campaign_finish
