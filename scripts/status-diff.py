#!/usr/bin/python3
"""Fresh-document check for the summary's condition statuses (issue 14).

usage: status-diff.py sample MTSAMPLES_CSV SEED N OUTDIR [--exclude-dir DIR ...]
       status-diff.py diff OLD_MEDSTREAM NEW_MEDSTREAM DIR

sample: draws random.Random(SEED).sample(range(len(rows)), 150) from the MTSamples CSV
  and writes the first N transcriptions (',  ' -> ',\\n', as summary-dev does) to
  OUTDIR/mts-NNNN.txt, skipping every id named in ../shared/summary-dev/SELECTION.tsv,
  in tests/data/summary-gold (any file naming mts-NNNN), in the samples of seeds 7, 11,
  23, 31 (used by the third session) and in --exclude-dir folders, and any text identical
  to one of theirs.
diff: runs both binaries' `extract FILE --format json` on DIR/*.txt and prints, per
  document, every condition whose list (affirmed, negated, uncertain, historical, family,
  not_patient, or absent '-') differs, with each mention in ~100 characters of context and
  its own status before -> after. Judge each line by reading: that is the figure.
"""
import csv, glob, json, os, random, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sample(csvp, seed, n, out, extra):
    csv.field_size_limit(10 ** 9)
    rows = list(csv.DictReader(open(csvp, newline='', encoding='utf-8')))
    ex = set()
    sel = os.path.join(ROOT, '..', 'shared', 'summary-dev', 'SELECTION.tsv')
    if os.path.exists(sel):
        ex |= {l.split('\t')[0].strip() for l in open(sel) if l.strip()}
    for f in glob.glob(os.path.join(ROOT, 'tests', 'data', 'summary-gold', '**'), recursive=True):
        if os.path.isfile(f):
            ex |= set(re.findall(r'mts-\d{4}', f + open(f, errors='ignore').read()))
    for s in (7, 11, 23, 31):
        ex |= {'mts-%04d' % int(rows[i]['']) for i in random.Random(s).sample(range(len(rows)), 150)}
    for d in extra:
        ex |= {os.path.basename(f)[:-4] for f in glob.glob(os.path.join(d, 'mts-*.txt'))}
    extext = {r['transcription'].strip() for r in rows if 'mts-%04d' % int(r['']) in ex}
    os.makedirs(out, exist_ok=True)
    seen, k = set(), 0
    for i in random.Random(seed).sample(range(len(rows)), 150):
        r = rows[i]
        sid, t = 'mts-%04d' % int(r['']), (r['transcription'] or '').strip()
        if sid in ex or t in extext or t in seen or len(t) < 300:
            continue
        seen.add(t)
        open(os.path.join(out, sid + '.txt'), 'w').write(t.replace(',  ', ',\n'))
        print(sid, r['medical_specialty'].strip(), len(t), sep='\t')
        k += 1
        if k >= n:
            break


def conditions(binp, f):
    r = subprocess.run([binp, 'extract', f, '--format', 'json'], capture_output=True, text=True)
    out = {}
    for lst, items in json.loads(r.stdout)['findings']['conditions'].items():
        for it in items:
            out[(it.get('canonical') or it['text']).lower()] = (lst, it)
    return out


def diff(old, new, d):
    n = 0
    for f in sorted(glob.glob(os.path.join(d, '*.txt'))):
        text = open(f).read()
        a, b = conditions(old, f), conditions(new, f)
        for k in sorted(set(a) | set(b)):
            la, lb = a.get(k, ('-', None))[0], b.get(k, ('-', None))[0]
            if la == lb:
                continue
            n += 1
            print('%s  %-28s %s -> %s' % (os.path.basename(f), k[:28], la, lb))
            before = {m['begin']: m['status'] for m in (a[k][1]['mentions'] if k in a else [])}
            for m in (b.get(k) or a.get(k))[1]['mentions']:
                s, e = m['begin'], m['end']
                print('     [%s %s->%s] ...%s[[%s]]%s' % (
                    m['section'][:5], before.get(s, '?'), m['status'],
                    text[max(0, s - 100):s].replace('\n', ' '), text[s:e],
                    text[e:e + 50].replace('\n', ' ')))
    print(n, 'changes', file=sys.stderr)


if __name__ == '__main__':
    a = sys.argv[1:]
    if len(a) >= 5 and a[0] == 'sample':
        extra = [a[i + 1] for i in range(5, len(a) - 1) if a[i] == '--exclude-dir']
        sample(a[1], int(a[2]), int(a[3]), a[4], extra)
    elif len(a) == 4 and a[0] == 'diff':
        diff(a[1], a[2], a[3])
    else:
        sys.exit(__doc__)
