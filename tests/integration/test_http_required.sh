#!/usr/bin/env bash
# test_http_required.sh -- a http.listen that cannot be bound is fatal by
# default (http.required = true: the probes and the scrape depend on it):
# with the port held by another process, `run` exits 1 before reading any
# report and says why; with http.required = false it logs the failure and
# runs without the endpoint; with the port free the endpoint answers.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-httpreq-XXXXXX")
holder=
cleanup() { [ -n "$holder" ] && kill "$holder" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
ok()  { echo "ok   - $1"; }
bad() { fails=$((fails + 1)); echo "FAIL - $1"; }

mkdir -p "$tmp/in"
printf 'Report\n\nLisinopril 10 mg daily.\n' > "$tmp/r.txt"
"$MS_MKPDF" "$tmp/r.txt" "$tmp/in/r.pdf"

# Hold a port: listen on an ephemeral one and print it.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(120)' > "$tmp/port" &
holder=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(cat "$tmp/port")
[ -n "$port" ] || { echo "could not hold a port"; exit 1; }

run() { "$MS_BIN" run --once --set source.path="$tmp/in" --set sink.file.dir="$tmp/out$1" \
          --set http.listen="127.0.0.1:$port" "${@:2}" 2> "$tmp/log$1"; }

rc=0; run 1 || rc=$?
if [ "$rc" -eq 1 ]; then ok "a taken port stops the start (exit 1)"; else bad "exit $rc with the port taken"; fi
if grep -q "http.required = true" "$tmp/log1" && grep -q "address already in use" "$tmp/log1"; then
  ok "the log says why"; else bad "no clear error line"; cat "$tmp/log1"; fi
if [ ! -e "$tmp/out1/r.json" ]; then ok "no report was processed"; else bad "a report was processed"; fi

rc=0; run 2 --set http.required=false || rc=$?
if [ "$rc" -eq 0 ] && [ -e "$tmp/out2/r.json" ]; then ok "http.required=false runs without the endpoint"
else bad "http.required=false: exit $rc"; fi
if grep -q "running without it" "$tmp/log2"; then ok "and logs that it does"; else bad "no log line"; fi

kill "$holder"; wait "$holder" 2>/dev/null || true; holder=
rc=0; run 3 || rc=$?
if [ "$rc" -eq 0 ] && grep -q "admin endpoint listening" "$tmp/log3"; then ok "a free port: the endpoint listens"
else bad "free port: exit $rc"; fi

exit $((fails > 0))
