#!/usr/bin/env bash
# make-samples.sh -- build the bundled sample reports: examples/*.txt -> *.pdf
#
#   scripts/make-samples.sh MKPDF_BINARY [DIR]
#
# Every text in DIR (default examples/) becomes a PDF with a hospital header
# and a "Page N of M" footer on every page, the way real reports look (the
# chunk stage removes them). A PDF newer than its text is left alone. The
# PDFs are generated, never committed.
set -euo pipefail

mkpdf=${1:?usage: make-samples.sh MKPDF_BINARY [DIR]}
dir=${2:-examples}
header="St. Example General Hospital - fictional record for testing"
footer="Page %d of %d"

shopt -s nullglob
texts=("$dir"/*.txt)
if [ ${#texts[@]} -eq 0 ]; then
  echo "make-samples: no .txt files in $dir" >&2
  exit 1
fi

made=0
for txt in "${texts[@]}"; do
  pdf=${txt%.txt}.pdf
  if [ -e "$pdf" ] && [ "$pdf" -nt "$txt" ] && [ "$pdf" -nt "$mkpdf" ]; then
    continue
  fi
  # The discharge summary is padded to 3 pages so the demo shows header and
  # footer removal, which needs the same line on at least 3 pages.
  extra=()
  case $(basename "$txt") in
    discharge-summary.txt) extra=(--min-pages 3) ;;
  esac
  "$mkpdf" --header "$header" --footer "$footer" "${extra[@]}" "$txt" "$pdf.tmp"
  mv "$pdf.tmp" "$pdf"
  made=$((made + 1))
done
echo "make-samples: ${#texts[@]} samples in $dir ($made built)"
