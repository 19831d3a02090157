#!/usr/bin/env bash
# test_lexicon_import.sh -- the terminology import is reproducible and the
# committed generated lexicon is what it writes: scripts/lexicon-import.py is
# run twice on ../shared/terminology into two scratch copies of
# src/nlp/lexicon, and each *.gen.tsv must be byte-identical to the other run
# and to the committed file. (A failure after a change to the import script
# means: run `make lexicon` and commit the regenerated files.)
# Skipped (exit 77) without ../shared/terminology. Runs no C code of ours, so
# it skips itself in sanitizer builds (ASAN_OPTIONS / TSAN_OPTIONS set by
# tests/CMakeLists.txt) to run only once.
set -euo pipefail
: "${MS_SRC:?}"
term="${MS_SHARED:-}/terminology"
if [ -z "${MS_SHARED:-}" ] || [ ! -d "$term" ]; then
  echo "skip: $term not found (../shared is absent)"
  exit 77
fi
if [ -n "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then
  echo "skip: sanitizer build; this test runs no C code of ours (the Release run covers it)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for run in a b; do
  mkdir "$tmp/$run"
  cp "$MS_SRC"/src/nlp/lexicon/*.tsv "$tmp/$run/"
  /usr/bin/python3 "$MS_SRC/scripts/lexicon-import.py" "$term" "$tmp/$run" 2>"$tmp/$run.log"
done
fail=0
for f in "$MS_SRC"/src/nlp/lexicon/*.gen.tsv; do
  n=$(basename "$f")
  if ! cmp -s "$tmp/a/$n" "$tmp/b/$n"; then
    echo "FAIL: $n differs between two runs of the import"; fail=1
  elif ! cmp -s "$tmp/a/$n" "$f"; then
    echo "FAIL: committed $n is not what the import writes (run make lexicon)"; fail=1
  else
    echo "ok: $n ($(grep -vc '^#' "$f") rows) reproducible and up to date"
  fi
done
exit $fail
