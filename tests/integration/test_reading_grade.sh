#!/usr/bin/env bash
# test_reading_grade.sh -- the patient texts stay plain: the mean
# Flesch-Kincaid grade (scripts/reading-grade.py) of the texts written for
# the bundled examples and the development set's own reports
# (tests/data/summary-gold/reports) is at most 8. The scorer is checked
# first on two fixed texts, so the check itself can fail.
set -euo pipefail
: "${MS_BIN:?}" "${MS_SRC:?}"
py=/usr/bin/python3
grade="$MS_SRC/scripts/reading-grade.py"

# the measure: a plain text scores low, a dense one high
"$py" - "$grade" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location('rg', sys.argv[1])
rg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rg)
plain = rg.grade('The cat sat on the mat. It was a good day.')
dense = rg.grade('Comprehensive echocardiographic evaluation demonstrated moderate '
                 'concentric left ventricular hypertrophy with preserved systolic function.')
assert plain < 3 < 12 < dense, (plain, dense)
print(f'measure: plain {plain:.1f}, dense {dense:.1f}')
PY

"$py" "$grade" --max 8 "$MS_BIN" "$MS_SRC"/examples/*.txt \
  "$MS_SRC"/tests/data/summary-gold/reports/*.txt
