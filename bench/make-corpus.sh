#!/usr/bin/env bash
# make-corpus.sh OUT_DIR -- generate the benchmark corpus of multi-page PDFs.
#
# Each PDF joins 3 to 7 MTSamples transcriptions (../shared/corpora/text/
# mtsamples.csv, CC0) into one report, mostly 3 to 8 pages long, with a
# hospital header and a "Page N of M" footer, the way a multi-part clinical
# report looks. Deterministic: the same COUNT and SEED give the same corpus.
# Environment: MKPDF (default build/medstream-mkpdf), COUNT (default 1000),
# SEED (default 1), CSV (default ../shared/corpora/text/mtsamples.csv).
# The corpus is generated, never committed (bench/corpus/ is ignored).
set -euo pipefail
out=${1:?usage: bench/make-corpus.sh OUT_DIR}
MKPDF=${MKPDF:-build/medstream-mkpdf}
COUNT=${COUNT:-1000}
SEED=${SEED:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
CSV=${CSV:-$here/../shared/corpora/text/mtsamples.csv}
[ -x "$MKPDF" ] || { echo "make-corpus: $MKPDF not built (make build)" >&2; exit 1; }
[ -r "$CSV" ] || { echo "make-corpus: $CSV not found (it ships in ../shared)" >&2; exit 1; }

if [ -f "$out/.corpus" ] && [ "$(cat "$out/.corpus")" = "count=$COUNT seed=$SEED" ]; then
  echo "make-corpus: $out already holds count=$COUNT seed=$SEED"
  exit 0
fi
rm -rf "$out"
mkdir -p "$out"
txt=$(mktemp -d "${TMPDIR:-/tmp}/ms-corpus-XXXXXX")
trap 'rm -rf "$txt"' EXIT

# python3 here needs only the standard library (csv, random).
python3 - "$CSV" "$txt" "$COUNT" "$SEED" <<'PY'
import csv, random, re, sys
src, dst, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
csv.field_size_limit(1 << 24)
notes = []
with open(src, newline='', encoding='utf-8') as f:
    for row in csv.DictReader(f):
        t = (row.get('transcription') or '').strip()
        if len(t) < 400:
            continue
        # MTSamples writes section headings as "HEADING:,  text"; make lines.
        t = re.sub(r':,\s*', ':\n', t)
        t = re.sub(r'\.,\s*', '.\n', t)
        t = re.sub(r'[ \t]{2,}', ' ', t)
        notes.append(((row.get('medical_specialty') or '').strip(),
                      (row.get('sample_name') or '').strip(), t))
rng = random.Random(seed)
for i in range(count):
    parts = rng.sample(notes, rng.randint(3, 7))
    with open(f'{dst}/report-{i:04d}.txt', 'w', encoding='utf-8') as o:
        o.write(f'CLINICAL REPORT {i:04d}\n\n')
        for spec, name, body in parts:
            o.write(f'{spec.upper()} - {name}\n\n{body}\n\n')
print(f'make-corpus: {len(notes)} transcriptions -> {count} reports', file=sys.stderr)
PY

export MKPDF out
ls "$txt"/*.txt | xargs -P "$(nproc)" -n 1 sh -c '
  b=$(basename "$1" .txt)
  "$MKPDF" --header "St. Example General Hospital - benchmark corpus" \
           --footer "Page %d of %d" "$1" "$out/$b.pdf"' sh
echo "count=$COUNT seed=$SEED" > "$out/.corpus"
echo "make-corpus: $(ls "$out"/*.pdf | wc -l) PDFs in $out ($(du -sh "$out" | cut -f1))"
