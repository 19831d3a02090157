#!/usr/bin/env bash
# test_lease_outage.sh -- the DynamoDB lease table unreachable for a while
# (issue 17): nothing lost, no crash, the checkpoints catch up by themselves.
#
# kinesalite and dynalite (npm); dynalite is reached through tcp_gate.py,
# which cuts every connection while closed (dynalite keeps its tables in
# memory, so it cannot be stopped and started again). One medstream process
# reads a 4-shard stream of envelopes with checkpoint.store = dynamodb
# (failover_ms short). Once it has delivered some reports, the gate closes
# for MS_OUTAGE_S seconds (default 15): renewals, scans and checkpoint
# writes fail; Kinesis and the sink are still there. Checked: the process
# stays up and logs the failed lease-table calls; every report is delivered;
# after the gate opens the checkpoints reach the table: once they stop
# moving the process is SIGKILLed, a second process (another worker id)
# takes the expired leases, reads to the tip (4 sentinel records put after
# it took them are delivered) and drains on SIGTERM, having delivered again
# at most max_inflight_docs of the old reports (0 expected: nothing was in
# flight).
set -euo pipefail
: "${MS_BIN:?}" "${MS_SRC:?}" "${MS_MKPDF:?}"
. "$MS_SRC/tests/support/campaign.sh"
campaign_start leaseout
. "$MS_SRC/tests/support/kinesis_campaign.sh"
kinesis_peers
ddb_port=${DDB##*:}
start_peer gate "$PY" "$MS_SRC/tests/support/tcp_gate.py" --upstream "$ddb_port" \
  || skip "tcp_gate.py did not start: $(head -c 300 "$tmp/gate.err")"
gate_pid=$peer_pid
GATE="http://127.0.0.1:$port"

N=${MS_OUTAGE_N:-240}
OUTAGE=${MS_OUTAGE_S:-15}
INFLIGHT=8
MAX_RECORDS=1
make_pdfs
fill lo d "$N"
lease_lines=("store = dynamodb" "table = lo-leases" "endpoint = $GATE" "failover_ms = 3000")
conf "$tmp/w1.ini" lo "$tmp/out1" "${lease_lines[@]}" "worker_id = w1"
conf "$tmp/w2.ini" lo "$tmp/out2" "${lease_lines[@]}" "worker_id = w2"
leases() { # "<shard> <owner> <checkpoint>" lines, sorted (straight to dynalite)
  "$PY" "$MS_SRC/tests/support/kinesis_put.py" --endpoint "$DDB" --stream lo-leases leases 2>/dev/null | sort
}

"$MS_BIN" run -c "$tmp/w1.ini" 2> "$tmp/w1.log" &
p1=$!
pids+=("$p1")
wait_for '[ "$(count "$tmp/out1" d)" -ge 30 ]' 120 || bad "30 reports delivered before the outage"
before=$(count "$tmp/out1" d)
kill -USR1 "$gate_pid"
down_at=$(now)
echo "# lease table unreachable after $before of $N reports delivered; for $OUTAGE s"
sleep "$OUTAGE"
during=$(count "$tmp/out1" d)
kill -0 "$p1" 2>/dev/null && ok "medstream is still running after $OUTAGE s without the lease table" \
  || bad "medstream died during the outage ($(tail -c 400 "$tmp/w1.log"))"
failed_calls=$(grep -c 'msg="lease table: .* failed"' "$tmp/w1.log" || true)
[ "$failed_calls" -gt 0 ] && ok "failed lease-table calls logged ($failed_calls)" || bad "no failed lease-table call logged"
kill -USR2 "$gate_pid"
outage_s=$(awk -v a="$(now)" -v b="$down_at" 'BEGIN { printf "%.1f", a - b }')
echo "# delivered during the outage: $before -> $during"

if wait_for '[ "$(count "$tmp/out1" d)" -ge "$N" ]' 180; then
  ok "every one of $N reports delivered"
else
  bad "only $(count "$tmp/out1" d) of $N delivered"
fi
# The checkpoints reach the table: wait until no lease says TRIM_HORIZON and
# two readings a second apart agree.
settled() {
  local a b
  a=$(leases)
  sleep 1
  b=$(leases)
  [ "$a" = "$b" ] && [ "$(grep -c . <<< "$b")" -eq 4 ] && ! grep -q TRIM_HORIZON <<< "$b"
}
wait_for settled 120 && ok "after the outage the checkpoints reach the lease table" \
  || bad "checkpoints not written after the outage: $(leases | tr '\n' ';')"
lost_leases=$(grep -c 'msg="lease lost"' "$tmp/w1.log" || true)
kill -9 "$p1"
wait "$p1" 2>/dev/null || true
collect "$tmp/out1" "$tmp/runs/w1"

# A second process takes the expired leases and resumes from the table.
"$MS_BIN" run -c "$tmp/w2.ini" 2> "$tmp/w2.log" &
p2=$!
pids+=("$p2")
wait_for '[ "$(leases | grep -c " w2 ")" -eq 4 ]' 120 && ok "a second process takes the 4 leases" \
  || bad "leases not taken: $(leases | tr '\n' ';')"
fill lo e 4 --append
wait_for '[ "$(count "$tmp/out2" e)" -ge 4 ]' 120 && ok "it reads to the tip (4 sentinels delivered)" \
  || bad "sentinels delivered: $(count "$tmp/out2" e) of 4"
kill -TERM "$p2"
wait "$p2" && rc=0 || rc=$?
[ "$rc" -eq 0 ] && ok "the second process drains and exits 0" || bad "second process exit status $rc"
collect "$tmp/out2" "$tmp/runs/w2"
read -r lost dups unexpected < <(tally d "$N" "$tmp"/runs/w1 "$tmp"/runs/w2)
again=$(count "$tmp/runs/w2" d)
echo "RESULT lease-outage reports=$N outage_s=$outage_s lost=$lost duplicates=$dups failed_calls=$failed_calls leases_lost=$lost_leases redelivered_after_kill=$again"
[ "$lost" -eq 0 ] && ok "0 lost" || bad "$lost of $N lost"
[ "$dups" -le "$INFLIGHT" ] && ok "delivered again after the kill: $dups <= max_inflight_docs ($INFLIGHT)" \
  || bad "$dups delivered again (more than max_inflight_docs: the checkpoints did not catch up)"
[ "$(dead_letters "$tmp/out1" "$tmp/out2")" -eq 0 ] && ok "no dead letters" || bad "dead letters written"
v=$(valid_summaries "$tmp"/runs/*)
[ "$v" -eq 0 ] && ok "every summary is complete JSON naming its id" || bad "$v summaries incomplete or misnamed"
campaign_finish
