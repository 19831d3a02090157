#!/usr/bin/env bash
# test_cli.sh -- the medstream command line as a user drives it:
# check-config errors and output, `run --once` over a directory, the demo,
# and a graceful SIGTERM drain of a watching pipeline.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
pass=0
ok()   { pass=$((pass + 1)); echo "ok   - $1"; }
bad()  { fails=$((fails + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# --- check-config ----------------------------------------------------------
printf '[engine]\nworkers = 2\nwrkers = 3\n' > "$tmp/bad.ini"
set +e
out=$("$MS_BIN" check-config -c "$tmp/bad.ini" 2>&1); rc=$?
set -e
check "unknown key exits 2" '[ $rc -eq 2 ]'
check "unknown key names file and line" 'grep -q "bad.ini:3" <<<"$out"'

printf '[engine]\nworkers = ${MS_TEST_WORKERS}\n[kafka]\nsasl.password = hunter2\n' > "$tmp/ok.ini"
out=$(MS_TEST_WORKERS=3 "$MS_BIN" check-config -c "$tmp/ok.ini" --set engine.max_inflight_docs=9)
check "env expansion applied" 'grep -Eq "^workers = 3" <<<"$out"'
check "--set applied" 'grep -Eq "^max_inflight_docs = 9" <<<"$out"'
check "secret masked" '! grep -q hunter2 <<<"$out"'

set +e
out=$("$MS_BIN" check-config --set engine.workers=lots 2>&1); rc=$?
set -e
check "bad value exits 2 and names --set" '[ $rc -eq 2 ] && grep -q -- "--set engine.workers=lots" <<<"$out"'

set +e
out=$("$MS_BIN" check-config --set source.type=kafka --set kafka.no.such.property=1 2>&1); rc=$?
set -e
check "librdkafka rejects unknown kafka.* key" '[ $rc -eq 2 ] && grep -q "kafka.no.such.property" <<<"$out"'

# --- run --once over a directory --------------------------------------------
mkdir -p "$tmp/in"
for i in 1 2 3; do
  printf 'Report %s\n\nPatient seen for chest pain. No fever.\n' "$i" > "$tmp/r$i.txt"
  "$MS_MKPDF" --header "Test Hospital" --footer "Page %d of %d" "$tmp/r$i.txt" "$tmp/in/report-$i.pdf"
done
echo "not a pdf" > "$tmp/in/broken.pdf"
"$MS_BIN" run --once --set source.type=dir --set source.path="$tmp/in" \
  --set sink.file.dir="$tmp/out" --set log.level=warn --set http.listen=off 2> "$tmp/run.log"
check "three summaries written" '[ "$(ls "$tmp/out"/*.json | wc -l)" -eq 3 ]'
check "dead letter for the non-PDF" 'grep -q "\"not_pdf\"" "$tmp/out/dead-letter/broken.json"'
check "summary has pages and chunks" 'grep -q "\"pages\": 1" "$tmp/out/report-1.json" && grep -q "\"chunks\"" "$tmp/out/report-1.json"'
check "logs never contain document text" '! grep -q "chest pain" "$tmp/run.log"'

# --- extract: one file, its summary on stdout -------------------------------------
cat > "$tmp/note.txt" <<'NOTE'
MEDICATIONS: Lipitor 40 mg po nightly. Metformin 500 mg twice daily.
ASSESSMENT: Hypertension. Denies chest pain. Hemoglobin 10.2 g/dL.
NOTE
"$MS_BIN" extract "$tmp/note.txt" > "$tmp/note.json"
check "extract prints summary JSON" 'grep -q "\"schema\": \"medstream.summary/v1\"" "$tmp/note.json"'
check "extract finds the brand and its generic" 'grep -q "\"generic\": \"atorvastatin\"" "$tmp/note.json"'
check "extract JSON has Comprehend-shaped entities" 'grep -q "\"Type\": \"BRAND_NAME\"" "$tmp/note.json"'
"$MS_BIN" extract "$tmp/note.txt" --format text > "$tmp/note.out"
check "extract --format text ends with the advice line" 'tail -1 "$tmp/note.out" | grep -q "not medical advice"'
check "extract text uses lay words" 'grep -q "by mouth" "$tmp/note.out"'
"$MS_BIN" extract - --format text < "$tmp/note.txt" > "$tmp/stdin.out"
check "extract reads stdin" 'cmp -s "$tmp/note.out" "$tmp/stdin.out"'
"$MS_BIN" extract "$tmp/in/report-1.pdf" > "$tmp/pdf.json"
check "extract reads a PDF" 'grep -q "\"pages\": 1" "$tmp/pdf.json"'
set +e
"$MS_BIN" extract "$tmp/note.txt" --format yaml 2> "$tmp/fmt.err"; rc_fmt=$?
"$MS_BIN" extract "$tmp/missing.txt" 2> "$tmp/missing.err"; rc_missing=$?
: > "$tmp/empty.txt"
"$MS_BIN" extract "$tmp/empty.txt" > /dev/null 2> "$tmp/empty.err"; rc_empty=$?
set -e
check "extract: bad --format is a usage error" '[ $rc_fmt -eq 2 ] && grep -q "json or text" "$tmp/fmt.err"'
check "extract: missing file is reported" '[ $rc_missing -ne 0 ] && grep -q "cannot read" "$tmp/missing.err"'
check "extract: empty file is a dead letter on stderr" '[ $rc_empty -eq 1 ] && grep -q "no_text" "$tmp/empty.err"'

# --- the demo -----------------------------------------------------------------
mkdir -p "$tmp/samples"
cp "$tmp/in"/report-*.pdf "$tmp/samples/"
out=$(cd "$tmp" && "$MS_BIN" demo --samples "$tmp/samples" --out "$tmp/demo-out" 2>&1)
check "demo prints a line per report" '[ "$(grep -c "^  summary" <<<"$out")" -eq 3 ]'
check "demo shows the dead letter" 'grep -q "^  dead-letter.*not_pdf" <<<"$out"'
check "demo writes summaries" '[ "$(ls "$tmp/demo-out"/*.json | wc -l)" -eq 3 ]'

# --- SIGTERM drains and exits 0 -------------------------------------------------
mkdir -p "$tmp/watch"
"$MS_BIN" run --set source.type=dir --set source.path="$tmp/watch" --set source.watch=true \
  --set source.poll_interval_ms=50 --set sink.file.dir="$tmp/wout" 2> "$tmp/watch.log" &
pid=$!
cp "$tmp/in"/report-*.pdf "$tmp/watch/"
for _ in $(seq 1 100); do
  [ "$(ls "$tmp/wout"/*.json 2>/dev/null | wc -l)" -eq 3 ] && break
  sleep 0.1
done
check "watch mode picks up new files" '[ "$(ls "$tmp/wout"/*.json 2>/dev/null | wc -l)" -eq 3 ]'
kill -TERM "$pid"
set +e
wait "$pid"; rc=$?
set -e
check "SIGTERM exits 0" '[ $rc -eq 0 ]'
check "shutdown logged" 'grep -q "stopping" "$tmp/watch.log"'

echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
