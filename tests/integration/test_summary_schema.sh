#!/usr/bin/env bash
# test_summary_schema.sh -- every summary the pipeline writes is valid
# against docs/summary.schema.json (and every entity's Text is exactly its
# offset span): the bundled samples and, when ../shared is present, the
# PDF robustness corpus. A deliberately broken summary must be rejected, so
# the check itself can fail.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}" "${MS_SRC:?}"
py=/usr/bin/python3
validate="$MS_SRC/tests/support/validate_summaries.py"
schema="$MS_SRC/docs/summary.schema.json"
if ! "$py" -c 'import jsonschema' 2>/dev/null; then
  echo "skip: python3-jsonschema is not installed (scripts/setup.sh installs it)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-schema-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/in"
for txt in "$MS_SRC"/examples/*.txt; do
  "$MS_MKPDF" --header "Test Hospital" --footer "Page %d of %d" "$txt" \
    "$tmp/in/$(basename "$txt" .txt).pdf"
done
"$MS_BIN" run --once --set source.type=dir --set source.path="$tmp/in" \
  --set sink.file.dir="$tmp/out" --set sink.file.fsync=false --set log.level=warn \
  --set http.listen=off
"$py" "$validate" "$schema" "$tmp/out"

if [ -d "${MS_SHARED:-}/corpora/pdfs" ]; then
  for d in "$MS_SHARED"/corpora/pdfs/*/; do
    name=$(basename "$d")
    "$MS_BIN" run --once --set source.type=dir --set source.path="$d" \
      --set sink.file.dir="$tmp/corpus-$name" --set sink.file.fsync=false --set log.level=error \
      --set http.listen=off
    "$py" "$validate" "$schema" "$tmp/corpus-$name"
  done
else
  echo "note: ../shared absent, robustness corpus not validated"
fi

# The validator must reject a summary that breaks the schema.
first=$(ls "$tmp/out"/*.json | head -1)
sed 's/"schema": "medstream.summary\/v1"/"schema": "medstream.summary\/v0"/' "$first" > "$tmp/broken.json"
if "$py" "$validate" "$schema" "$tmp/broken.json" > "$tmp/broken.log"; then
  echo "FAIL: a summary with the wrong schema name was accepted"
  exit 1
fi
grep -q "medstream.summary/v1" "$tmp/broken.log"
echo "ok: broken summary rejected"
