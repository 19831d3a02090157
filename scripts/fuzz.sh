#!/usr/bin/env bash
# fuzz.sh -- run every libFuzzer target for a fixed time and report.
#
#   FUZZ_TIME=60 BUILD=build-fuzz MKPDF=build/medstream-mkpdf scripts/fuzz.sh [TARGET...]
#
# Needs a build made with -DMS_FUZZ=ON (make fuzz-build) and, for the
# generated PDF seeds, medstream-mkpdf from a normal build. Seeds for each
# target are fuzz/corpus/NAME/ (committed) plus inputs generated here into
# $BUILD/fuzz-seeds/NAME/: PDFs from medstream-mkpdf and the bundled sample
# texts, envelopes around them, the repository's configs, and -- when
# ../shared is present -- its PDF corpus, SigV4 test-suite requests and
# Comprehend Medical example responses (read, never copied into the tree).
# What the fuzzer learns accumulates in $BUILD/fuzz-work/NAME/ across runs.
#
# Prints one line per target: executions, executions/s, corpus size,
# crashes; writes the same table to $BUILD/fuzz-results.md. A crash leaves
# its input in $BUILD/fuzz-crashes/NAME/ and makes the script exit 1 (the
# fix: correct the code, then commit the input as fuzz/corpus/NAME/crash-*
# so unit.fuzz_replay keeps replaying it).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-fuzz}
FUZZ_TIME=${FUZZ_TIME:-60}
SHARED=${MS_SHARED:-../shared}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(chunk cm_parse config httpd labs nlp pdf record sigv4)
fi
for t in "${targets[@]}"; do
  if [ ! -x "$BUILD/fuzz/fuzz_$t" ]; then
    echo "fuzz: $BUILD/fuzz/fuzz_$t missing; run make fuzz-build" >&2
    exit 2
  fi
done

seeds=$BUILD/fuzz-seeds
rm -rf "$seeds"
for t in "${targets[@]}"; do
  rm -rf "$BUILD/fuzz-crashes/$t"   # this run's crashes only
  mkdir -p "$seeds/$t" "$BUILD/fuzz-work/$t" "$BUILD/fuzz-crashes/$t"
  cp fuzz/corpus/"$t"/* "$seeds/$t/"
done

# ---- generated seeds ---------------------------------------------------
mkpdf=${MKPDF:-build/medstream-mkpdf}
gen=$seeds/.gen
mkdir -p "$gen"
if [ -x "$mkpdf" ]; then
  for txt in examples/*.txt; do
    b=$(basename "$txt" .txt)
    "$mkpdf" --header "St. Example General Hospital" \
      --footer "Page %d of %d" "$txt" "$gen/$b.pdf" >/dev/null
  done
  "$mkpdf" --password pw examples/lab-results.txt \
    "$gen/encrypted.pdf" >/dev/null
fi
add() { # add TARGET FILE [PREFIX-BYTE-OCTAL]
  local out=$seeds/$1/gen-$(basename "$2")
  [ -d "$seeds/$1" ] || return 0
  if [ -n "${3:-}" ]; then
    { printf "\\$3"; cat "$2"; } > "$out"
  else
    cp "$2" "$out"
  fi
}
for pdf in "$gen"/*.pdf; do
  [ -e "$pdf" ] || continue
  add pdf "$pdf"
  add record "$pdf"
  if [ -d "$seeds/record" ]; then
    printf '{"id":"%s","patient":{"mrn":"0"},"pdf_base64":"%s"}' "$(basename "$pdf" .pdf)" \
      "$(base64 -w0 "$pdf")" > "$seeds/record/gen-envelope-$(basename "$pdf" .pdf)"
  fi
done
for txt in examples/*.txt; do
  add nlp "$txt"
  add labs "$txt"
  add chunk "$txt" 200
done
for ini in configs/*.ini deploy/kubernetes/overlays/*/medstream.ini; do
  [ -e "$ini" ] && add config "$ini"
done
# ../shared, read in place
if [ -d "$SHARED/corpora/pdfs" ] && [ -d "$seeds/pdf" ]; then
  find "$SHARED/corpora/pdfs" -name '*.pdf' -size -512k | while read -r f; do
    cp "$f" "$seeds/pdf/shared-$(echo "$f" | md5sum | cut -c1-12).pdf"
  done
fi
cmx=$SHARED/aws/comprehend-medical-examples
if [ -d "$cmx" ] && [ -d "$seeds/cm_parse" ]; then
  [ -e "$cmx/detect_entities_v2_example.json" ] && add cm_parse "$cmx/detect_entities_v2_example.json" 000
  [ -e "$cmx/infer_snomedct_example.json" ] && add cm_parse "$cmx/infer_snomedct_example.json" 003
fi
suite=$SHARED/aws/sigv4-test-suite/v4
if [ -d "$suite" ]; then
  for req in "$suite"/*/request.txt; do
    name=$(basename "$(dirname "$req")")
    if [ -d "$seeds/httpd" ]; then
      { cat "$req"; printf '\r\n\r\n'; } > "$seeds/httpd/gen-$name"
    fi
    if [ -d "$seeds/sigv4" ]; then
      # request line "METHOD TARGET HTTP/1.1" -> our layout (fuzz_sigv4.c)
      awk 'NR == 1 { split($2, t, "?"); printf "\000%s\n%s\n%s\n", $1, t[1], t[2]; next }
           { print }' "$req" > "$seeds/sigv4/gen-$name"
    fi
  done
fi
rm -rf "$gen"

# ---- run -------------------------------------------------------------------
results=$BUILD/fuzz-results.md
{
  echo "| target | seconds | executions | exec/s | corpus | crashes | slow inputs |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} > "$results"
printf '%-9s %7s %12s %8s %7s %8s %5s\n' target seconds executions exec/s corpus crashes slow
failed=0
for t in "${targets[@]}"; do
  log=$BUILD/fuzz-work/$t.log
  crashdir=$BUILD/fuzz-crashes/$t
  rc=0
  # PDFs from ../shared are up to 512 KiB; elsewhere libFuzzer's default
  # (the largest seed, at least 4 KiB) keeps inputs small and runs fast.
  maxlen=()
  [ "$t" = pdf ] && maxlen=(-max_len=1048576)
  # -timeout: one input over 25 s is a hang (the PDF target's own budget
  # is 2 s); -rss_limit_mb: a leak or unbounded allocation is a crash too.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  "$BUILD/fuzz/fuzz_$t" -max_total_time="$FUZZ_TIME" -timeout=25 -rss_limit_mb=2048 \
    "${maxlen[@]}" -print_final_stats=1 -artifact_prefix="$crashdir/" \
    "$BUILD/fuzz-work/$t" "$seeds/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$BUILD/fuzz-work/$t" -type f | wc -l)
  # slow-unit-*: an input over 10 s, kept for a look but not a failure
  # (the PDF target's ASan build can take that long on an input that
  # parses in 0.1 s in Release); a hang is -timeout's timeout-*.
  crashes=$(find "$crashdir" -type f ! -name 'slow-unit-*' | wc -l)
  slow=$(find "$crashdir" -type f -name 'slow-unit-*' | wc -l)
  [ "$rc" -eq 0 ] || failed=1
  printf '%-9s %7s %12s %8s %7s %8s %5s\n' "$t" "$FUZZ_TIME" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes" "$slow"
  echo "| $t | $FUZZ_TIME | ${execs:-?} | ${rate:-?} | $corpus | $crashes | $slow |" >> "$results"
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $t failed (exit $rc); last lines of $log:" >&2
    grep -E "ERROR|SUMMARY|contract broken|Test unit written" "$log" | head -8 >&2 || tail -20 "$log" >&2
  fi
done
echo "fuzz: table in $results"
exit $failed
