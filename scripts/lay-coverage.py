#!/usr/bin/env python3
"""lay-coverage.py -- how many of the conditions a summary shows have plain words.

usage: lay-coverage.py MEDSTREAM [--top N] FILE...            (reports: .txt or .pdf)
       lay-coverage.py MEDSTREAM [--top N] --mtsamples CSV [--seed N] [--count N]

Runs `MEDSTREAM extract FILE --format json` on each report and counts the
conditions of findings.conditions (every status but not_patient) that carry a
`lay` term, then lists the most frequent ones without, so that a curator can
see which terms patients meet in clinical words (the --top N most frequent,
default 40). With --mtsamples it draws
--count notes (default 400, seed 97) from the MTSamples CSV
(../shared/corpora/text/mtsamples.csv) into a temporary directory first;
notes shorter than 200 characters are skipped. Standard library only."""
import csv, json, os, random, subprocess, sys, tempfile


def sample(path, seed, count, into):
    csv.field_size_limit(10 ** 9)
    with open(path, encoding='utf-8', errors='replace') as f:
        rows = list(csv.DictReader(f))
    random.seed(seed)
    out = []
    for i in random.sample(range(len(rows)), min(count, len(rows))):
        t = rows[i].get('transcription') or ''
        if len(t) > 200:
            p = os.path.join(into, f'mts-{i}.txt')
            with open(p, 'w', encoding='utf-8') as f:
                f.write(t)
            out.append(p)
    return out


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ms, rest = argv[0], argv[1:]
    top = 40
    if rest[:1] == ['--top']:
        top, rest = int(rest[1]), rest[2:]
    tmp = None
    if rest[0] == '--mtsamples':
        opts = dict(zip(rest[2::2], rest[3::2]))
        tmp = tempfile.TemporaryDirectory()
        files = sample(rest[1], int(opts.get('--seed', 97)), int(opts.get('--count', 400)), tmp.name)
    else:
        files = rest
    total = with_lay = 0
    missing = {}
    for p in files:
        r = subprocess.run([ms, 'extract', p, '--format', 'json'], capture_output=True, text=True)
        if r.returncode != 0:
            print(f'lay-coverage: {p}: extract failed', file=sys.stderr)
            continue
        for status, items in json.loads(r.stdout)['findings']['conditions'].items():
            if status == 'not_patient':
                continue
            for c in items:
                total += 1
                if c.get('lay'):
                    with_lay += 1
                else:
                    k = (c.get('canonical') or c['text']).lower()
                    missing[k] = missing.get(k, 0) + 1
    print(f'reports {len(files)} conditions shown {total} with plain words {with_lay} '
          f'({with_lay / total if total else 0:.2f})')
    for k, n in sorted(missing.items(), key=lambda z: (-z[1], z[0]))[:top]:
        print(f'{n:5d}  {k}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
