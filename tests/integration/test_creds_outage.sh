#!/usr/bin/env bash
# test_creds_outage.sh -- the credentials endpoint fails for a while around
# an expiry (issue 17): nothing lost, no crash, the pipeline resumes by
# itself, and the failure shows in the logs and /metrics without a secret.
#
# medstream gets its AWS credentials from a container credentials endpoint
# (AWS_CONTAINER_CREDENTIALS_FULL_URI on tests/support/aws_meta_peer.py)
# that hands out credentials living MS_CREDS_TTL_S seconds (default 20;
# the chain refreshes them at half their life). A watched dir source is fed
# one report every 200 ms; the S3 sink writes to s3rver through
# tests/support/s3_proxy.py, which counts requests signed with credentials
# that had already expired (the token carries its expiry). Right after a
# refresh the endpoint starts failing (HTTP 500, or connections closed
# unanswered with MS_CREDS_DOWN=close) for MS_CREDS_OUTAGE_S seconds
# (default 25): the credentials in hand stay valid for most of it, then
# expire while the endpoint is still down. Checked: writes go on with the
# unexpired credentials while the refresh fails; failed fetches are logged
# ("using previous credentials", then "none") and counted in
# medstream_aws_credentials_fetches_total{outcome="failed"}; no request is
# signed with expired credentials; medstream stays up; once the endpoint
# answers again every report is committed and in the bucket, none dead
# lettered or abandoned; no session token or signature in the log; SIGTERM
# exits 0. Timings are printed, not asserted.
set -euo pipefail
: "${MS_BIN:?}" "${MS_SRC:?}" "${MS_MKPDF:?}"
. "$MS_SRC/tests/support/campaign.sh"
campaign_start credout
smods=$(npm_mods s3rver s3rver@3) || skip "npm install s3rver failed (registry unreachable?)"
for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset MEDSTREAM_TEST_ECS_HOST 2>/dev/null || true
export HOME="$tmp" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

N=${MS_CREDS_N:-250}
TTL=${MS_CREDS_TTL_S:-20}
OUTAGE=${MS_CREDS_OUTAGE_S:-25}
DOWN=${MS_CREDS_DOWN:-500}
BUCKET=summaries
mkdir -p "$tmp/s3data" "$tmp/in" "$tmp/done" "$tmp/stage"
start_peer s3rver node "$MS_SRC/tests/support/s3rver_run.js" "$smods" "$tmp/s3data" "$BUCKET" \
  || skip "s3rver did not start: $(head -c 300 "$tmp/s3rver.err")"
s3_port=$port
start_peer proxy "$PY" "$MS_SRC/tests/support/s3_proxy.py" --upstream "$s3_port" \
  || { bad "s3_proxy started"; campaign_finish; }
proxy_port=$port
# aws_meta_peer prints its bare port number.
"$PY" "$MS_SRC/tests/support/aws_meta_peer.py" --port 0 > "$tmp/meta.port" 2> "$tmp/meta.err" &
pids+=("$!")
wait_for '[ -s "$tmp/meta.port" ]' 30 || { bad "credentials endpoint started"; campaign_finish; }
META="http://127.0.0.1:$(head -1 "$tmp/meta.port")"

ctl() {  # ctl PATH [JSON]: the credentials peer's control API
  "$PY" - "$META$1" "${2:-}" <<'PYEOF'
import sys, urllib.request
url, body = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, data=body.encode() if body else None)
print(urllib.request.urlopen(req, timeout=10).read().decode())
PYEOF
}
meta_stat() { ctl /_ctl/stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
proxy_stat() {
  "$PY" -c 'import json,sys,urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1], timeout=10))[sys.argv[2]])' \
    "http://127.0.0.1:$proxy_port/_proxy/stats" "$1"
}
ctl /_ctl/config "{\"fixed_key\": [\"S3RVER\", \"S3RVER\"], \"token_exp\": true, \"expire_in\": $TTL}" >/dev/null
export AWS_CONTAINER_CREDENTIALS_FULL_URI="$META/ecs/creds"

for i in 1 2 3; do
  printf 'Clinic note %d\n\nFollow up of hypertension. Blood pressure 13%d/84.\nContinue lisinopril 10 mg daily. Return in %d months.\n' \
    "$i" "$i" "$i" > "$tmp/stage/r$i.txt"
  "$MS_MKPDF" "$tmp/stage/r$i.txt" "$tmp/stage/r$i.pdf"
done

cat > "$tmp/credout.ini" <<INI
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
endpoint = http://127.0.0.1:$proxy_port
path_style = true

[log]
level = info

[http]
listen = 127.0.0.1:0
INI
"$MS_BIN" run -c "$tmp/credout.ini" 2> "$tmp/medstream.log" &
ms_pid=$!
pids+=("$ms_pid")
wait_for "grep -q 'msg=\"admin endpoint listening\"' '$tmp/medstream.log'" 60 \
  || { bad "admin endpoint started"; campaign_finish; }
admin=$(sed -n 's/.*msg="admin endpoint listening".* port=\([0-9]*\).*/\1/p' "$tmp/medstream.log" | head -1)
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
metric() { get /metrics | awk -v s="$1" '$1 == s { v = $2 } END { print v + 0 }'; }
committed() { find "$tmp/done" -maxdepth 1 -name 'rep-*.pdf' | wc -l; }

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
# Start the outage right after a refresh: the credentials in hand then live
# about $TTL s, most of the outage, and expire before it ends.
f0=$(meta_stat fetches)
wait_for '[ "$(meta_stat fetches)" -gt "$f0" ]' 120 || bad "a credentials refresh before the outage"
ctl /_ctl/config "{\"ecs_down\": \"$DOWN\"}" >/dev/null
down_at=$(now)
expiry=$(meta_stat last_expiry)
c0=$(committed)
echo "# endpoint down ($DOWN) with $c0 of $N committed; the credentials in hand expire in $(( expiry - $(date +%s) )) s; down for $OUTAGE s"
# While the refresh fails, the unexpired credentials keep the writes going
# (the chain treats them as expired 5 s before their expiry).
valid_for=$(( expiry - 5 - $(date +%s) ))
sleep $(( valid_for > 8 ? valid_for - 3 : 5 ))
c1=$(committed)
[ "$c1" -gt "$c0" ] && ok "writes go on with the unexpired credentials while the refresh fails ($c0 -> $c1)" \
  || bad "no write while the old credentials were still valid ($c0 -> $c1)"
rest=$(awk -v a="$(now)" -v b="$down_at" -v o="$OUTAGE" 'BEGIN { r = o - (a - b); print (r > 0 ? int(r + 0.5) : 0) }')
sleep "$rest"
c2=$(committed)
kill -0 "$ms_pid" 2>/dev/null && ok "medstream still running after $OUTAGE s without a credentials endpoint" \
  || bad "medstream died during the outage ($(tail -c 400 "$tmp/medstream.log"))"
health=$(get /healthz | cut -d' ' -f1)
[ "$health" = 200 ] && ok "/healthz answers 200 during the outage" || bad "/healthz during the outage: $health"
failed_during=$(metric 'medstream_aws_credentials_fetches_total{provider="ecs",outcome="failed"}')
sink_err_during=$(metric 'medstream_sink_errors_total{sink="s3"}')
[ "$failed_during" -gt 0 ] && ok "failed refreshes counted ($failed_during)" || bad "no failed refresh counted on /metrics"
echo "# during the outage: committed $c0 -> $c1 (credentials valid) -> $c2 (expired), failed fetches $failed_during, s3 sink errors $sink_err_during, endpoint answers failed $(meta_stat down_answers)"

ctl /_ctl/config '{"ecs_down": null}' >/dev/null
up_at=$(now)
c_up=$(committed)
wait_for '[ "$(committed)" -gt "$c_up" ]' 120 || true
first_s=$(awk -v a="$(now)" -v b="$up_at" 'BEGIN { printf "%.1f", a - b }')
if wait_for '[ "$(committed)" -ge "$N" ]' 240; then
  ok "after the endpoint returns every one of $N reports is committed"
else
  bad "only $(committed) of $N reports committed after the endpoint returned"
fi
all_s=$(awk -v a="$(now)" -v b="$up_at" 'BEGIN { printf "%.1f", a - b }')
wait "$feeder" 2>/dev/null || true
kill -0 "$ms_pid" 2>/dev/null && ok "medstream still running after the recovery" || bad "medstream died"

ok_fetches=$(metric 'medstream_aws_credentials_fetches_total{provider="ecs",outcome="ok"}')
failed=$(metric 'medstream_aws_credentials_fetches_total{provider="ecs",outcome="failed"}')
expiry_metric=$(metric 'medstream_aws_credentials_expiry_timestamp_seconds{provider="ecs"}')
delivered=$(metric 'medstream_reports_delivered_total{status="ok"}')
dead=$(metric 'medstream_reports_delivered_total{status="dead_letter"}')
abandoned=$(metric 'medstream_reports_abandoned_total')
sink_errors=$(metric 'medstream_sink_errors_total{sink="s3"}')
expired_reqs=$(proxy_stat expired_token_requests)
tokens=$(proxy_stat tokens)
kept=$(grep -c 'msg="aws credentials fetch failed".*using="previous credentials"' "$tmp/medstream.log" || true)
none=$(grep -c 'msg="aws credentials fetch failed".*using=none' "$tmp/medstream.log" || true)
echo "# metrics: credential fetches ok $ok_fetches failed $failed, expiry gauge $expiry_metric; delivered $delivered, dead letters $dead, abandoned $abandoned, s3 sink errors $sink_errors; proxy: $tokens distinct tokens, $expired_reqs requests with expired ones; log: $kept failures with previous credentials, $none with none"
echo "RESULT creds-outage reports=$N ttl_s=$TTL outage_s=$OUTAGE down=$DOWN first_commit_after_s=$first_s all_committed_after_s=$all_s lost=$(( N - $(committed) )) failed_fetches=$failed sink_errors=$sink_errors expired_signed=$expired_reqs"
[ "$kept" -gt 0 ] && ok "log: a failed refresh keeps the previous, unexpired credentials" \
  || bad "no 'fetch failed ... using=\"previous credentials\"' warning"
[ "$none" -gt 0 ] && ok "log: after expiry a failed fetch says using=none" \
  || bad "no 'fetch failed ... using=none' warning (did the credentials expire during the outage?)"
[ "$expired_reqs" -eq 0 ] && ok "no request signed with expired credentials" \
  || bad "$expired_reqs requests signed with expired credentials"
[ "$tokens" -ge 3 ] && ok "credentials were refreshed ($tokens distinct session tokens used)" \
  || bad "only $tokens distinct session tokens used"
[ "$expiry_metric" -gt "$(date +%s)" ] && ok "metrics: the credentials in use expire in the future" \
  || bad "metrics: expiry gauge $expiry_metric is not in the future"
[ "$delivered" -eq "$N" ] && ok "metrics: $N reports delivered" || bad "metrics: delivered $delivered, not $N"
[ "$dead" -eq 0 ] && ok "metrics: no dead letter" || bad "metrics: $dead dead letters"
[ "$abandoned" -eq 0 ] && ok "metrics: nothing abandoned" || bad "metrics: $abandoned abandoned"
leaks=$(grep -cE 'token-[0-9]+\.exp|Signature=|X-Amz-Security-Token' "$tmp/medstream.log" || true)
[ "$leaks" -eq 0 ] && ok "no session token or signature in the log" || bad "$leaks log lines carry a token or signature"

kill -TERM "$ms_pid"
wait "$ms_pid" && rc=0 || rc=$?
[ "$rc" -eq 0 ] && ok "SIGTERM: drains and exits 0" || bad "exit status $rc after SIGTERM"
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
  "$PY" "$MS_SRC/tests/support/s3_readback.py" --endpoint "http://127.0.0.1:$s3_port" --bucket "$BUCKET" \
  --dest "$tmp/readback" >/dev/null
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
campaign_finish
