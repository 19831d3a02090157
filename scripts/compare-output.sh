#!/usr/bin/env bash
# compare-output.sh -- does a change leave medstream's output alone?
#
#   scripts/compare-output.sh OLD_BUILD_DIR NEW_BUILD_DIR
#
# Runs two builds (each a CMake build directory holding medstream,
# medstream-mkpdf and nlp_bench) over the same inputs and compares what they
# write, byte for byte, except the "timings_ms" block of each summary:
#   - `medstream extract --format json` of the bundled examples (the PDFs
#     make-samples builds in NEW_BUILD_DIR/share/examples, and their texts);
#   - the own summary-gold set rendered as integration.summary_gold renders
#     it (reports/*.txt as PDFs, lab/bill/intake reports again --cells), its
#     MTSamples texts (select.py) and the shared summary-dev texts;
#   - every summary `medstream run --once` writes for CORPUS (default
#     bench/corpus, `make corpus`; left out with a note when absent);
#   - `nlp_bench --digest` over the MTSamples CSV: entity count and a digest
#     of every entity's fields (the OLD build's nlp_bench must know --digest:
#     build bench/nlp_bench.c of this tree against the old library).
# Environment: MS_SHARED (default ../shared), CORPUS, WORK (kept when set).
# Exit 0 when everything is identical, 1 with the differing files listed.
set -euo pipefail
old=${1:?usage: compare-output.sh OLD_BUILD_DIR NEW_BUILD_DIR}
new=${2:?usage: compare-output.sh OLD_BUILD_DIR NEW_BUILD_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${MS_SHARED:-$here/../shared}
corpus=${CORPUS:-$here/bench/corpus}
py=/usr/bin/python3
for b in "$old" "$new"; do
  for t in medstream nlp_bench; do
    [ -x "$b/$t" ] || { echo "compare-output: $b/$t not built" >&2; exit 2; }
  done
done
[ -x "$new/medstream-mkpdf" ] || { echo "compare-output: $new/medstream-mkpdf not built" >&2; exit 2; }
if [ -n "${WORK:-}" ]; then
  work=$WORK
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/ms-compare-XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
in=$work/in
rm -rf "$in" "$work/old" "$work/new" "$work/run-old" "$work/run-new"
mkdir -p "$in" "$work/old" "$work/new"

# ---- inputs for `extract`
bash "$here/scripts/make-samples.sh" "$new/medstream-mkpdf" "$new/share/examples" > /dev/null 2>&1 ||
  true
cp "$here"/examples/*.txt "$in/"
for pdf in "$new"/share/examples/*.pdf; do
  [ -e "$pdf" ] && cp "$pdf" "$in/"
done
gold=$here/tests/data/summary-gold
hdr="Fictional Test Hospital - development set, not a real record"
for txt in "$gold"/reports/*.txt; do
  n=$(basename "$txt" .txt)
  "$new/medstream-mkpdf" --header "$hdr" --footer "Page %d of %d" "$txt" "$in/gold-$n.pdf"
done
for txt in "$gold"/reports/lab-*.txt "$gold"/reports/bill-*.txt "$gold"/reports/intake-*.txt; do
  n=$(basename "$txt" .txt)
  "$new/medstream-mkpdf" --cells --header "$hdr" --footer "Page %d of %d" "$txt" \
    "$in/gold-$n-cells.pdf"
done
csv=$shared/corpora/text/mtsamples.csv
notes=()
if [ -f "$csv" ] && [ -f "$shared/summary-dev/select.py" ]; then
  mkdir -p "$work/mts"
  "$py" "$shared/summary-dev/select.py" "$csv" "$work/mts" --ids "$gold/SELECTION.tsv" > /dev/null
  for f in "$work"/mts/*.txt; do cp "$f" "$in/goldmts-$(basename "$f")"; done
else
  notes+=("the own set's MTSamples texts left out ($csv or select.py absent)")
fi
if [ -d "$shared/summary-dev/mts" ]; then
  for f in "$shared"/summary-dev/mts/*.txt; do cp "$f" "$in/dev-$(basename "$f")"; done
else
  notes+=("the shared summary-dev texts left out ($shared/summary-dev absent)")
fi

strip() {   # the summary without its timings_ms block
  "$py" -c '
import re, sys
s = open(sys.argv[1], "rb").read()
s2, n = re.subn(rb"\n *\"timings_ms\": \{[^{}]*\},?", b"", s)
sys.stdout.buffer.write(s2)' "$1"
}

nin=0
for f in "$in"/*; do
  n=$(basename "$f")
  for side in old new; do
    b=$old; [ $side = new ] && b=$new
    "$b/medstream" extract "$f" --format json > "$work/$side/$n.raw" 2> /dev/null ||
      echo "exit $?" >> "$work/$side/$n.raw"
    strip "$work/$side/$n.raw" > "$work/$side/$n.json"
    rm -f "$work/$side/$n.raw"
  done
  nin=$((nin + 1))
done
diffs=$(cd "$work" && for f in old/*.json; do cmp -s "$f" "new/${f#old/}" || echo "${f#old/}"; done)
echo "extract: $nin inputs compared ($(ls "$in" | grep -c '\.pdf$') PDFs)"

# ---- the bench corpus through `run --once`
ncorp=0
if [ -d "$corpus" ] && ls "$corpus"/*.pdf > /dev/null 2>&1; then
  for side in old new; do
    b=$old; [ $side = new ] && b=$new
    mkdir -p "$work/run-$side"
    "$b/medstream" run --once --set source.type=dir --set source.path="$corpus" \
      --set engine.workers=2 --set sink.file.dir="$work/run-$side" --set log.level=error
    find "$work/run-$side" -type f | while read -r f; do
      strip "$f" > "$f.s"
      mv "$f.s" "$f"
    done
  done
  ncorp=$(cd "$work/run-old" && find . -type f | wc -l)
  [ "$ncorp" -eq "$(cd "$work/run-new" && find . -type f | wc -l)" ] ||
    diffs+=$'\n'"run --once: file counts differ"
  d2=$(cd "$work/run-old" && find . -type f | while read -r f; do
    cmp -s "$f" "../run-new/$f" || echo "run --once: ${f#./}"; done)
  [ -z "$d2" ] || diffs+=$'\n'"$d2"
  echo "run --once: $ncorp files written for $corpus compared"
else
  notes+=("$corpus absent (make corpus): the bench corpus left out")
fi

# ---- the engine alone
if [ -f "$csv" ]; then
  d_old=$("$old/nlp_bench" --digest "$csv")
  d_new=$("$new/nlp_bench" --digest "$csv")
  echo "nlp_bench old: $d_old"
  echo "nlp_bench new: $d_new"
  [ "$d_old" = "$d_new" ] || diffs+=$'\n'"nlp_bench --digest differs"
else
  notes+=("nlp_bench --digest left out ($csv absent)")
fi

for n in "${notes[@]+"${notes[@]}"}"; do echo "note: $n"; done
diffs=$(printf '%s\n' "$diffs" | sed '/^$/d')
if [ -n "$diffs" ]; then
  echo "DIFFERENT ($(printf '%s\n' "$diffs" | wc -l)):"
  printf '%s\n' "$diffs" | head -40
  [ -n "${WORK:-}" ] && echo "outputs kept under $work"
  exit 1
fi
echo "identical: every output byte for byte (timings_ms left out)"
