#!/usr/bin/env python3
"""Flesch-Kincaid grade level of medstream's patient texts.

usage: reading-grade.py [--max GRADE] MEDSTREAM FILE...
  Runs `MEDSTREAM extract FILE --format text` for every FILE (PDF or text) and prints the grade of
  each patient text, then the mean and the worst. With --max, exits 1 if the mean is above GRADE.

The grade is 0.39 * words/sentences + 11.8 * syllables/words - 15.59 (Kincaid et al., 1975).
A sentence ends at . ! ? or a line end (each list item is read as one sentence, as a reader does);
a word is a run of letters (digits and units are not words); syllables are counted with the usual
vowel-group rule (a silent final e dropped, at least one per word). The closing not-medical-advice
line is part of the text and is counted."""
import re
import subprocess
import sys


def syllables(word):
    w = word.lower()
    groups = re.findall(r'[aeiouy]+', w)
    n = len(groups)
    if w.endswith('e') and not w.endswith(('le', 'ee')) and n > 1:
        n -= 1
    return max(1, n)


def grade(text):
    sentences = [s for s in re.split(r'[.!?]+|\n', text) if re.search(r'[A-Za-z]', s)]
    words = re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)?", text)
    if not sentences or not words:
        return 0.0
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syl / len(words) - 15.59


def main(argv):
    limit = None
    if len(argv) > 1 and argv[0] == '--max':
        limit = float(argv[1])
        argv = argv[2:]
    if len(argv) < 2:
        sys.exit(__doc__)
    ms, files = argv[0], argv[1:]
    grades = []
    for f in files:
        p = subprocess.run([ms, 'extract', f, '--format', 'text'], capture_output=True, text=True)
        if p.returncode != 0:
            print(f'{f}: extract failed (exit {p.returncode})', file=sys.stderr)
            return 2
        g = grade(p.stdout)
        grades.append(g)
        print(f'{g:5.1f}  {f}')
    mean = sum(grades) / len(grades)
    print(f'reading grade: mean {mean:.1f}, worst {max(grades):.1f} over {len(grades)} texts')
    if limit is not None and mean > limit:
        print(f'FAIL: mean grade {mean:.1f} is above {limit}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
