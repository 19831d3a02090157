#!/usr/bin/env bash
# test_audit_sigkill.sh -- a committed report always has its audit record,
# whatever moment the process dies at, and the trail holds no PHI.
#
# Rounds of: a dir pipeline (source.done_dir: a committed report's input is
# moved there, so done/ is exactly the committed set) over reports whose
# text carries canary strings (a patient name, an MRN); once a random number
# of them are committed the process is SIGKILLed. After every round, each
# input in done/ must have a record in the audit file (by id, with the
# SHA-256 of that input); every line of the trail must be a whole JSON
# object; the canaries must never appear in it. A last --once run finishes
# the leftovers and the check runs again. A kill that lands after the round
# finished proves nothing, so the test fails unless most rounds were cut
# in the middle.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-audit-kill-XXXXXX")
ms_pid=
cleanup() { [ -n "$ms_pid" ] && kill -9 "$ms_pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
ok()  { echo "ok   - $1"; }
bad() { fails=$((fails + 1)); echo "FAIL - $1"; }

ROUNDS=5
PER_ROUND=60
CANARY_NAME="Quillon Zaberwocky"
CANARY_MRN="MRN-88217734"

mkdir -p "$tmp/in" "$tmp/done" "$tmp/src"
for k in 1 2 3; do
  cat > "$tmp/src/r$k.txt" <<TXT
DISCHARGE SUMMARY

Patient: $CANARY_NAME    $CANARY_MRN    Visit $k
History: hypertension and type 2 diabetes. Metformin 500 mg twice daily.
Lisinopril 10 mg daily. No chest pain. Denies shortness of breath.
Assessment: stable. Follow up in $k weeks.
TXT
  "$MS_MKPDF" "$tmp/src/r$k.txt" "$tmp/src/r$k.pdf"
done
grep -q "$CANARY_NAME" "$tmp/src/r1.txt"

cat > "$tmp/medstream.ini" <<INI
[source]
type = dir
path = $tmp/in
done_dir = $tmp/done

[sink.file]
dir = $tmp/out

[audit]
path = $tmp/audit.jsonl

[engine]
workers = 1
max_inflight_docs = 8

[log]
level = error

[http]
listen = off
INI

# Every input in done/ has a record naming it with that input's digest.
check_committed() { # label
  local f id sum missing=0 n=0
  for f in "$tmp"/done/*.pdf; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    id=$(basename "$f" .pdf)
    sum=$(sha256sum "$f" | cut -d' ' -f1)
    if ! grep -F "\"id\":\"$id\"" "$tmp/audit.jsonl" 2>/dev/null | grep -qF "\"sha256\":\"$sum\""; then
      missing=$((missing + 1))
      echo "  no audit record for committed $id"
    fi
  done
  if [ "$missing" -eq 0 ]; then ok "$1: all $n committed reports have their audit record"
  else bad "$1: $missing of $n committed reports have no audit record"; fi
}

mid=0
for r in $(seq 1 $ROUNDS); do
  for i in $(seq 1 $PER_ROUND); do
    cp "$tmp/src/r$(( (i % 3) + 1 )).pdf" "$tmp/in/round$r-$i.pdf"
  done
  before=$(ls "$tmp/done" | wc -l)
  target=$(( before + 1 + RANDOM % (PER_ROUND - 2) ))
  "$MS_BIN" run -c "$tmp/medstream.ini" 2> "$tmp/run$r.log" &
  ms_pid=$!
  for _ in $(seq 1 3000); do
    [ "$(ls "$tmp/done" | wc -l)" -ge "$target" ] && break
    kill -0 "$ms_pid" 2>/dev/null || break
    sleep 0.01
  done
  kill -9 "$ms_pid" 2>/dev/null || true
  wait "$ms_pid" 2>/dev/null || true
  ms_pid=
  after=$(ls "$tmp/done" | wc -l)
  left=$(ls "$tmp/in" | wc -l)
  echo "round $r: killed after $((after - before)) commits (aimed at $((target - before))), $left inputs left"
  [ "$left" -gt 0 ] && [ "$after" -gt "$before" ] && mid=$((mid + 1))
  check_committed "round $r"
done
if [ "$mid" -ge 3 ]; then ok "$mid of $ROUNDS kills landed mid-run"
else bad "only $mid of $ROUNDS kills landed mid-run (the test proved little)"; fi

"$MS_BIN" run --once -c "$tmp/medstream.ini" 2> "$tmp/final.log" || bad "final --once run failed"
total=$((ROUNDS * PER_ROUND))
if [ "$(ls "$tmp/done" | wc -l)" -eq "$total" ] && [ "$(ls "$tmp/in" | wc -l)" -eq 0 ]; then
  ok "the final run committed the rest ($total in all)"
else bad "after the final run: $(ls "$tmp/done" | wc -l) committed of $total"; fi
check_committed "final"

# Whole lines only, each a record of the schema.
if python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    r = json.loads(line)
    assert r["schema"] == "medstream.audit/v1", n
    assert len(r["input"]["sha256"]) == 64, n
' "$tmp/audit.jsonl"; then ok "every line of the trail is a whole record ($(wc -l < "$tmp/audit.jsonl") lines)"
else bad "the trail has a broken line"; fi
# Redelivered reports were recorded again, not lost: at least one per input.
if [ "$(wc -l < "$tmp/audit.jsonl")" -ge "$total" ]; then ok "at least one record per report"
else bad "fewer records than reports"; fi

# The clinical text did go through the pipeline (into the summaries)...
if grep -qil metformin "$tmp"/out/*.json; then ok "the reports' text reached the summaries"
else bad "no summary mentions metformin: the canary check below would prove nothing"; fi
# ...and none of it, nor the patient's identifiers, reached the trail.
if grep -qF -e "$CANARY_NAME" -e "$CANARY_MRN" -e "Zaberwocky" -e "Metformin" "$tmp/audit.jsonl"; then
  bad "PHI canary or clinical text found in the audit trail"
else ok "no canary (patient name, MRN) and no clinical text in the audit trail"; fi
if [ "$(stat -c %a "$tmp/audit.jsonl")" = 600 ]; then ok "audit file is 0600"
else bad "audit file mode $(stat -c %a "$tmp/audit.jsonl")"; fi

exit $((fails > 0))
