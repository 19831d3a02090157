#!/usr/bin/env bash
# test_crash_kinesis.sh -- the Kinesis crash campaign (issue 17), bounded for
# `make test`: 0 lost, duplicates bounded by what was in flight.
#
# kinesalite (and dynalite) from npm on 127.0.0.1, a stream of 4 shards
# filled with envelope records that carry ids (tests/support/
# kinesis_envelopes.py, boto3). The medstream binary runs with the file sink
# and checkpoint.interval_ms = 0 (a position is written as soon as every sink
# confirmed it), so what a SIGKILL can make it deliver again is what was in
# flight: at most engine.max_inflight_docs reports.
#
#  a) file checkpoints: medstream is SIGKILLed K times at random moments
#     (after a random number of summaries, plus a random delay), restarted
#     each time, then a final `run --once` delivers the rest. Summaries are
#     moved aside after each run, so a report delivered twice is seen twice.
#     Every id must have a summary; duplicates <= max_inflight_docs x K.
#  b) the DynamoDB lease table (dynalite, checkpoint.failover_ms short): two
#     processes share the stream; one is SIGKILLed mid-stream; the survivor
#     takes its leases and delivers everything. Duplicates <= max_inflight_docs
#     x (kills + leases lost, which the balancing between the two also causes:
#     a process that loses a lease drops what it had in flight on that shard).
#
# MS_CRASH_SEED=N replays a campaign's random choices; MS_CRASH_N and
# MS_CRASH_KILLS change its size (`make soak` style runs).
set -euo pipefail
: "${MS_BIN:?}" "${MS_SRC:?}" "${MS_MKPDF:?}"
. "$MS_SRC/tests/support/campaign.sh"
campaign_start crashkin
. "$MS_SRC/tests/support/kinesis_campaign.sh"
kinesis_peers

seed=${MS_CRASH_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$seed
N=${MS_CRASH_N:-300}
K=${MS_CRASH_KILLS:-3}
INFLIGHT=8
echo "# seed $seed (MS_CRASH_SEED=$seed replays the kill targets and delays), N=$N, K=$K, max_inflight_docs=$INFLIGHT"

make_pdfs

# ---- a) file checkpoints, K kills ------------------------------------------
S=crash
fill "$S" a "$N"
conf "$tmp/a.ini" "$S" "$tmp/a-out" "store = file" "path = $tmp/a-checkpoints.json"
t0=$(now)
per_run=()
for k in $(seq 1 "$K"); do
  # Kill after a random number of new summaries (at least 5, at most an even
  # share of the remainder), then a random 0-300 ms more.
  share=$(( N / (K + 1) ))
  target=$(( 5 + RANDOM % (share > 10 ? share - 5 : 5) ))
  delay=$(printf '0.%03d' $(( RANDOM % 300 )))
  "$MS_BIN" run -c "$tmp/a.ini" 2> "$tmp/a-run$k.log" &
  pid=$!
  pids+=("$pid")
  if ! wait_for "[ \$(count '$tmp/a-out' a) -ge $target ] || ! kill -0 $pid 2>/dev/null" 120; then
    bad "a: run $k reached $target summaries within 120 s (log: $(tail -c 400 "$tmp/a-run$k.log"))"
  fi
  sleep "$delay"
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
  else
    bad "a: run $k was still running when killed (log: $(tail -c 400 "$tmp/a-run$k.log"))"
  fi
  wait "$pid" 2>/dev/null || true
  got=$(count "$tmp/a-out" a)
  per_run+=("$got")
  echo "# a: run $k SIGKILLed after $got summaries (target $target + ${delay}s)"
  collect "$tmp/a-out" "$tmp/a-runs/$k"
done
timeout 300 "$MS_BIN" run --once -c "$tmp/a.ini" 2> "$tmp/a-final.log" && rc=0 || rc=$?
[ "$rc" -eq 0 ] && ok "a: the final --once run exits 0" || bad "a: the final --once run exits $rc ($(tail -c 400 "$tmp/a-final.log"))"
got=$(count "$tmp/a-out" a)
per_run+=("$got")
collect "$tmp/a-out" "$tmp/a-runs/final"
secs=$(awk -v a="$(now)" -v b="$t0" 'BEGIN{printf "%d", a - b}')
read -r lost dups unexpected < <(tally a "$N" "$tmp"/a-runs/*)
echo "# a: summaries per run: ${per_run[*]}; lost $lost, duplicates $dups, unexpected $unexpected, ${secs} s"
echo "RESULT kinesis-file reports=$N kills=$K lost=$lost duplicates=$dups bound=$((INFLIGHT * K)) seed=$seed"
[ "$lost" -eq 0 ] && ok "a: 0 lost: every one of $N ids has a summary" || bad "a: $lost of $N ids have no summary"
[ "$unexpected" -eq 0 ] && ok "a: no summary for an unknown id" || bad "a: $unexpected unexpected summaries"
[ "$dups" -le $((INFLIGHT * K)) ] && ok "a: duplicates $dups <= max_inflight_docs x kills = $((INFLIGHT * K))" \
  || bad "a: duplicates $dups > max_inflight_docs x kills = $((INFLIGHT * K))"
[ "$(dead_letters "$tmp/a-out")" -eq 0 ] && ok "a: no dead letters" || bad "a: dead letters written"
v=$(valid_summaries "$tmp"/a-runs/*)
[ "$v" -eq 0 ] && ok "a: every summary is complete JSON naming its id" || bad "a: $v summaries incomplete or misnamed"
# A write cut by SIGKILL leaves its temporary file (PHI); the next start
# removes those of processes that are gone.
left=$(find "$tmp/a-out" -name '.*.tmp' | wc -l)
[ "$left" -eq 0 ] && ok "a: no temporary file of a killed run left in the output" \
  || bad "a: $left temporary files of killed runs left in the output"
grep -q '"SHARD_END"\|shardId-000000000003' "$tmp/a-checkpoints.json" && ok "a: checkpoints written" \
  || bad "a: no checkpoint file"

# ---- b) DynamoDB leases, two processes, one SIGKILLed ----------------------
S=crashl
NB=$(( N + N / 3 ))
fill "$S" b "$NB"
lease_lines=("store = dynamodb" "table = crash-leases" "endpoint = $DDB" "failover_ms = 3000")
conf "$tmp/b1.ini" "$S" "$tmp/b-out1" "${lease_lines[@]}" "worker_id = w1"
conf "$tmp/b2.ini" "$S" "$tmp/b-out2" "${lease_lines[@]}" "worker_id = w2"
"$MS_BIN" run -c "$tmp/b1.ini" 2> "$tmp/b-w1.log" &
p1=$!
pids+=("$p1")
"$MS_BIN" run -c "$tmp/b2.ini" 2> "$tmp/b-w2.log" &
p2=$!
pids+=("$p2")
# Kill w1 once both read (w2 got leases by balancing) and w1 delivered a
# random number of reports, plus a random delay.
target=$(( 5 + RANDOM % 30 ))
delay=$(printf '0.%03d' $(( RANDOM % 300 )))
both() { [ "$(count "$tmp/b-out1" b)" -ge "$target" ] && [ "$(count "$tmp/b-out2" b)" -ge 1 ]; }
if wait_for "both || ! kill -0 $p1 2>/dev/null" 120; then
  sleep "$delay"
else
  bad "b: both processes delivered within 120 s (w1 $(count "$tmp/b-out1" b), w2 $(count "$tmp/b-out2" b))"
fi
kill -9 "$p1" 2>/dev/null || bad "b: w1 was still running when killed"
wait "$p1" 2>/dev/null || true
killed_at=$(( $(count "$tmp/b-out1" b) + $(count "$tmp/b-out2" b) ))
echo "# b: w1 SIGKILLed after w1 $(count "$tmp/b-out1" b), w2 $(count "$tmp/b-out2" b) summaries of $NB (target $target + ${delay}s)"
if [ "$killed_at" -ge "$NB" ]; then
  bad "b: the kill came after everything was delivered (the campaign proves nothing)"
fi
collect "$tmp/b-out1" "$tmp/b-runs/w1"
# The survivor delivers everything (the union: w1's part is already aside).
all_b() { [ "$(tally b "$NB" "$tmp/b-runs/w1" "$tmp/b-out2" | cut -d' ' -f1)" -eq 0 ]; }
if wait_for all_b 180; then
  ok "b: the survivor delivered every remaining report"
else
  bad "b: not everything delivered after the kill ($(tally b "$NB" "$tmp/b-runs/w1" "$tmp/b-out2"))"
fi
owners=$("$PY" "$MS_SRC/tests/support/kinesis_put.py" --endpoint "$DDB" --stream crash-leases leases \
  | awk '{print $2}' | sort | uniq -c | tr -s ' ' | tr '\n' ';')
echo "# b: lease owners: $owners"
grep -q "4 w2" <<< "$owners" && ok "b: the survivor holds all 4 leases" || bad "b: leases not all with w2: $owners"
kill -TERM "$p2"
wait "$p2" && rc=0 || rc=$?
[ "$rc" -eq 0 ] && ok "b: the survivor drains and exits 0 on SIGTERM" || bad "b: survivor exit status $rc"
collect "$tmp/b-out2" "$tmp/b-runs/w2"
lost_leases=$(cat "$tmp/b-w1.log" "$tmp/b-w2.log" | grep -c 'msg="lease lost"' || true)
taken=$(cat "$tmp/b-w1.log" "$tmp/b-w2.log" | grep -c 'msg="lease taken"' || true)
read -r lost dups unexpected < <(tally b "$NB" "$tmp"/b-runs/*)
bound=$(( INFLIGHT * (1 + lost_leases) ))
echo "# b: leases taken $taken, lost $lost_leases; lost $lost, duplicates $dups (bound $bound), unexpected $unexpected"
echo "RESULT kinesis-leases reports=$NB kills=1 lost=$lost duplicates=$dups bound=$bound leases_lost=$lost_leases seed=$seed"
[ "$lost" -eq 0 ] && ok "b: 0 lost: every one of $NB ids has a summary" || bad "b: $lost of $NB ids have no summary"
[ "$unexpected" -eq 0 ] && ok "b: no summary for an unknown id" || bad "b: $unexpected unexpected summaries"
[ "$dups" -le "$bound" ] && ok "b: duplicates $dups <= max_inflight_docs x (kills + leases lost) = $bound" \
  || bad "b: duplicates $dups > $bound"
[ "$(dead_letters "$tmp/b-out1" "$tmp/b-out2")" -eq 0 ] && ok "b: no dead letters" || bad "b: dead letters written"
v=$(valid_summaries "$tmp"/b-runs/*)
[ "$v" -eq 0 ] && ok "b: every summary is complete JSON naming its id" || bad "b: $v summaries incomplete or misnamed"

campaign_finish
