#!/usr/bin/env bash
# test_sighup.sh -- SIGHUP reloads the configuration file instead of killing
# the process: a watching dir pipeline started with -c; the file is changed
# (log.level info -> error, log.format logfmt -> json, stats.interval_s, and
# the restart-only sink.file.dir); after SIGHUP the live keys take effect (a
# dead letter no longer logs its warn line, logs are JSON), the restart-only
# key is logged as "needs restart: sink.file.dir" and not applied (reports
# still land in the old directory); then a broken file is rejected with its
# error, the old configuration is kept and the process stays alive; SIGTERM
# still drains and exits 0. A Comprehend rate is live too (applied, not
# "needs restart"); then a comprehend pipeline against `medstream emulate`
# takes a lower rate and concurrency ceiling on SIGHUP (its stage reload op
# logs the limits it applied) and keeps delivering.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-hup-XXXXXX")
ms_pid=
cleanup() { [ -n "$ms_pid" ] && kill "$ms_pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
ok()   { echo "ok   - $1"; }
bad()  { fails=$((fails + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
wait_for() { local i; for i in $(seq 1 300); do if eval "$1"; then return 0; fi; sleep 0.1; done; return 1; }

mkdir -p "$tmp/in" "$tmp/stage"
printf 'Report\n\nPatient seen for chest pain. Lisinopril 10 mg daily.\n' > "$tmp/r.txt"
"$MS_MKPDF" "$tmp/r.txt" "$tmp/stage/good.pdf"
drop() { cp "$tmp/stage/good.pdf" "$tmp/stage/.$1.tmp"; mv "$tmp/stage/.$1.tmp" "$tmp/in/$1"; }
drop_bad() { echo "not a pdf" > "$tmp/stage/.$1.tmp"; mv "$tmp/stage/.$1.tmp" "$tmp/in/$1"; }

write_conf() { # level format stats outdir [cm-tps]
  cat > "$tmp/medstream.ini" <<INI
[comprehend]
detect_entities_v2.tps = ${5:-40}

[log]
level = $1
format = $2

[stats]
interval_s = $3

[source]
type = dir
path = $tmp/in
watch = true
poll_interval_ms = 50

[sink.file]
dir = $4

[http]
listen = off
INI
}

write_conf info logfmt 0 "$tmp/out"
"$MS_BIN" run -c "$tmp/medstream.ini" 2> "$tmp/run.log" &
ms_pid=$!
check "started" 'wait_for "grep -q \"msg=started\" $tmp/run.log"'
drop_bad bad1.pdf
check "before reload: a dead letter logs its warn line (logfmt)" \
  'wait_for "grep -q \"level=warn msg=\\\"dead letter\\\" id=bad1\" $tmp/run.log"'

# Live keys and one restart-only key change; SIGHUP.
write_conf error json 7 "$tmp/out-new" 12.5
kill -HUP "$ms_pid"
check "reload summary logged (1 restart-only key)" \
  'wait_for "grep -q \"msg=\\\"configuration reloaded\\\".*applied=4 needs_restart=1\" $tmp/run.log"'
check "a Comprehend rate is live, not restart-only" \
  'grep -q "msg=\"reload: applied\" key=comprehend.detect_entities_v2.tps old=40 new=12.5" "$tmp/run.log"'
check "log.level logged as applied" 'grep -q "msg=\"reload: applied\" key=log.level old=info new=error" "$tmp/run.log"'
check "stats.interval_s logged as applied" 'grep -q "msg=\"reload: applied\" key=stats.interval_s old=0 new=7" "$tmp/run.log"'
check "sink.file.dir logged as needs restart" 'grep -q "msg=\"needs restart: sink.file.dir\" key=sink.file.dir" "$tmp/run.log"'
check "process alive after SIGHUP" 'kill -0 "$ms_pid"'
drop good1.pdf
drop_bad bad2.pdf
check "restart-only key not applied: reports still go to the old dir" \
  'wait_for "test -f $tmp/out/good1.json && test -f $tmp/out/dead-letter/bad2.json"'
check "...and nothing in the new one" '! test -e "$tmp/out-new"'
sleep 0.3
check "log.level=error applied: no warn line for the new dead letter" '! grep -q "bad2" "$tmp/run.log"'

# A broken file: rejected with the error, old configuration kept.
printf '[log]\nlevel = shouting\n' > "$tmp/medstream.ini"
kill -HUP "$ms_pid"
check "broken file rejected with its error (in JSON: log.format was applied)" \
  'wait_for "grep -q \"\\\"msg\\\":\\\"configuration reload rejected; the running configuration is kept\\\".*shouting\" $tmp/run.log"'
check "process alive after a bad reload" 'kill -0 "$ms_pid"'
drop good2.pdf
check "old configuration still in force: the next report is delivered" \
  'wait_for "test -f $tmp/out/good2.json"'

kill -TERM "$ms_pid"
rc=0
wait "$ms_pid" || rc=$?
ms_pid=
check "SIGTERM still drains and exits 0" '[ "$rc" -eq 0 ]'

# The Comprehend stage applies new rates and a lower ceiling while running
# (against `medstream emulate`): its reload op logs the limits it applied
# and reports keep flowing.
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=test-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true HOME="$tmp"
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_COMPREHENDMEDICAL || true
"$MS_BIN" emulate --listen 127.0.0.1:0 --log-level error > "$tmp/emu.out" 2> "$tmp/emu.err" &
emu_pid=$!
cleanup() { [ -n "$ms_pid" ] && kill "$ms_pid" 2>/dev/null || true; kill "$emu_pid" 2>/dev/null || true; rm -rf "$tmp"; }
wait_for 'grep -q "^port " "$tmp/emu.out"' || { echo "FAIL - emulator did not start"; cat "$tmp/emu.err"; exit 1; }
emu_port=$(sed -n 's/^port //p' "$tmp/emu.out" | head -1)
rm -rf "$tmp/in" "$tmp/out"; mkdir -p "$tmp/in"
write_cm() { # tps concurrency_max
  cat > "$tmp/medstream.ini" <<INI
[log]
level = info
format = logfmt

[extract]
engine = comprehend

[comprehend]
endpoint = http://127.0.0.1:$emu_port
detect_entities_v2.tps = $1
concurrency_max = $2

[source]
type = dir
path = $tmp/in
watch = true
poll_interval_ms = 50

[sink.file]
dir = $tmp/out

[http]
listen = off
INI
}
write_cm 40 64
"$MS_BIN" run -c "$tmp/medstream.ini" 2> "$tmp/cm.log" &
ms_pid=$!
check "comprehend pipeline started" 'wait_for "grep -q \"msg=\\\"comprehend: ready\\\"\" $tmp/cm.log"'
drop cm1.pdf
check "a report through Comprehend (emulated)" 'wait_for "test -f $tmp/out/cm1.json"'
write_cm 5 3
kill -HUP "$ms_pid"
check "comprehend limits reloaded live (tps 5, ceiling 3)" \
  'wait_for "grep -q \"msg=\\\"comprehend: limits reloaded\\\" op=DetectEntitiesV2 tps=5 cps=40000 concurrency_max=3\" $tmp/cm.log"'
check "...logged as applied, not as needs restart" \
  'grep -q "msg=\"configuration reloaded\".*applied=2 needs_restart=0" "$tmp/cm.log"'
drop cm2.pdf
check "reports still flow after the reload" 'wait_for "test -f $tmp/out/cm2.json"'
kill -TERM "$ms_pid"
rc=0
wait "$ms_pid" || rc=$?
ms_pid=
check "comprehend pipeline drains and exits 0" '[ "$rc" -eq 0 ]'

if [ "$fails" -ne 0 ]; then
  echo "--- run.log"; cat "$tmp/run.log"
  [ -f "$tmp/cm.log" ] && { echo "--- cm.log"; cat "$tmp/cm.log"; }
  exit 1
fi
echo "all SIGHUP checks passed"
