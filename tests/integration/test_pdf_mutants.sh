#!/usr/bin/env bash
# test_pdf_mutants.sh -- the bounded PDF mutation campaign
# (scripts/pdf-mutants.py; docs/reliability.md, "Hostile input"): 1,000
# byte-level mutants of PDFs made by medstream-mkpdf (and of up to 40
# small PDFs from ../shared when it is there) through `medstream run
# --once` with the dir source and the file sink. Every mutant must end as
# one summary or one dead letter; no crash, no hang; peak RSS bounded.
# It runs medstream itself, so the ASan and TSan suites run it with their
# binaries (RSS limit raised there: sanitizer shadow memory).
# `make fuzz` runs the long campaign (more mutants, more seeds, a new
# mutation seed each time: MUTANTS, MUTANT_SHARED, MUTANT_SEED).
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}" "${MS_SRC:?}"
count=${MUTANTS:-1000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-mutants-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/seeds"
for txt in "$MS_SRC"/examples/*.txt; do
  b=$(basename "$txt" .txt)
  "$MS_MKPDF" --header "St. Example General Hospital" --footer "Page %d of %d" \
    "$txt" "$tmp/seeds/$b.pdf" > /dev/null
done
"$MS_MKPDF" --min-pages 3 "$MS_SRC/examples/lab-results.txt" "$tmp/seeds/padded.pdf" > /dev/null
seeds=(--seeds "$tmp/seeds")
shared=${MS_SHARED:-}
if [ -n "$shared" ] && [ -d "$shared/corpora/pdfs" ]; then
  mkdir -p "$tmp/shared"
  # a fixed selection (sorted by name) so the run is reproducible; the
  # long campaign takes more and bigger ones
  # (no `| head` here: under pipefail, find/sort killed by SIGPIPE when head
  # stops reading would fail the test at random)
  mapfile -t picked < <(find "$shared/corpora/pdfs" -name '*.pdf' \
    -size "-${MUTANT_SHARED_KB:-128}k" | sort)
  for f in "${picked[@]:0:${MUTANT_SHARED:-40}}"; do
    cp "$f" "$tmp/shared/$(echo "$f" | md5sum | cut -c1-12).pdf"
  done
  seeds+=(--seeds "$tmp/shared")
  echo "seeds: generated PDFs and $(ls "$tmp/shared" | wc -l) from ../shared"
else
  echo "seeds: generated PDFs only (../shared absent)"
fi
rss=1024
if [ -n "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then
  rss=4096
fi
python3 "$MS_SRC/scripts/pdf-mutants.py" --bin "$MS_BIN" "${seeds[@]}" \
  --count "$count" --seed "${MUTANT_SEED:-1}" --batch 150 --max-rss-mib "$rss" \
  --work "$tmp/work"
