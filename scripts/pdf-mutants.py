#!/usr/bin/env python3
"""pdf-mutants.py -- byte-level mutants of real PDFs through the real pipeline.

    scripts/pdf-mutants.py --bin build/medstream --seeds DIR [--seeds DIR]...
                           [--count N] [--seed S] [--batch B] [--work DIR]

Writes N mutants of the seed PDFs (deterministic for a given --seed) into
batches of B files and runs `medstream run --once` over each batch with the
dir source and the file sink: parse, chunk, extract, assemble, as in
production. The bar (docs/reliability.md, "Hostile input"):
  - medstream exits 0 for every batch, within a generous time limit
    (no crash, no hang);
  - every mutant ends as exactly one summary or one dead letter;
  - peak RSS of any batch stays under --max-rss-mib.
When a batch fails, each of its mutants is run alone through `medstream
extract` to name the one that crashes; the mutant is kept in WORK/failed/.
Prints outcomes by dead-letter reason and the peak RSS; exits 1 on any
failure. Standard library only.
"""
import argparse
import collections
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

INTERESTING = [b"0", b"-1", b"4294967295", b"99999999999", b"2147483648", b"", b"R",
               b"obj", b"endobj", b"stream", b"endstream", b"<<", b">>", b"[", b"]",
               b"(", b")", b"/", b"\\", b"\x00", b"\xff", b"%%EOF", b"xref", b"trailer"]
NUMERIC_KEYS = [b"/Length", b"/Count", b"/Size", b"/Prev", b"/W", b"/First", b"/N",
                b"/Kids", b"/MediaBox", b"/Root", b"/Filter", b"/Font", b"/Parent"]


def mutate(rng, data, others):
    """One to four stacked byte-level mutations of data (bytes)."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        n = len(b)
        if n == 0:
            b += rng.choice(others)[:64]
            continue
        i = rng.randrange(n)
        if op == 0:                       # flip bits
            for _ in range(rng.randint(1, 8)):
                j = rng.randrange(n)
                b[j] ^= 1 << rng.randrange(8)
        elif op == 1:                     # random bytes over a range
            k = min(rng.randint(1, 64), n - i)
            b[i:i + k] = bytes(rng.randrange(256) for _ in range(k))
        elif op == 2:                     # delete a range
            del b[i:i + rng.randint(1, max(1, n // 8))]
        elif op == 3:                     # duplicate a range in place
            k = rng.randint(1, max(1, min(4096, n - i)))
            b[i:i] = b[i:i + k]
        elif op == 4:                     # truncate
            del b[rng.randrange(n):]
        elif op == 5:                     # insert a PDF token
            b[i:i] = rng.choice(INTERESTING)
        elif op == 6:                     # a key's value replaced by an odd number
            key = rng.choice(NUMERIC_KEYS)
            j = b.find(key, rng.randrange(n))
            if j < 0:
                j = b.find(key)
            if j >= 0:
                j += len(key)
                k = j
                while k < len(b) and k < j + 12 and b[k] not in b"/>]\n":
                    k += 1
                b[j:k] = b" " + rng.choice(INTERESTING[:5]) + b" "
        elif op == 7:                     # splice with another seed
            o = rng.choice(others)
            j = rng.randrange(len(o)) if o else 0
            b[i:] = o[j:j + rng.randint(1, max(1, len(o) - j))]
        else:                             # one byte set to a delimiter
            b[i] = rng.choice(b"()<>[]{}/%\n\r 0")
    return bytes(b)


def load_seeds(dirs, max_bytes):
    seeds = []
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in sorted(files):
                p = os.path.join(root, f)
                if f.lower().endswith(".pdf") and os.path.getsize(p) <= max_bytes:
                    with open(p, "rb") as fh:
                        seeds.append(fh.read())
    return seeds


def run_batch(args, indir, outdir):
    """Run the pipeline over indir; returns (returncode or None on timeout,
    seconds, stderr tail). Peak RSS is read from RUSAGE_CHILDREN."""
    cmd = [args.bin, "run", "--once",
           "--set", "source.type=dir", "--set", f"source.path={indir}",
           "--set", "sink.type=file", "--set", f"sink.file.dir={outdir}",
           "--set", "sink.file.fsync=false", "--set", "log.level=error",
           "--set", f"parse.timeout_ms={args.parse_timeout_ms}",
           "--set", "engine.workers=2", "--set", "http.listen=off"]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=args.batch_timeout)
        rc = p.returncode
        err = p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        rc = None
        err = (e.stderr or b"").decode(errors="replace")
    return rc, time.monotonic() - t0, err[-2000:]


def isolate(args, indir, faildir):
    """Run each mutant of a failed batch alone; keep those that crash."""
    found = []
    for f in sorted(os.listdir(indir)):
        try:
            p = subprocess.run([args.bin, "extract", os.path.join(indir, f)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=args.batch_timeout)
            bad = p.returncode not in (0, 1)
        except subprocess.TimeoutExpired:
            bad = True
        if bad:
            os.makedirs(faildir, exist_ok=True)
            shutil.copy(os.path.join(indir, f), faildir)
            found.append(f)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--seeds", action="append", required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=150)
    ap.add_argument("--work")
    ap.add_argument("--max-seed-bytes", type=int, default=1 << 20)
    ap.add_argument("--parse-timeout-ms", type=int, default=10000)
    ap.add_argument("--batch-timeout", type=int, default=600)
    ap.add_argument("--max-rss-mib", type=int, default=1024)
    args = ap.parse_args()

    seeds = load_seeds(args.seeds, args.max_seed_bytes)
    if not seeds:
        print("pdf-mutants: no seed PDFs", file=sys.stderr)
        return 2
    work = args.work or tempfile.mkdtemp(prefix="ms-mutants-")
    os.makedirs(work, exist_ok=True)
    rng = random.Random(args.seed)
    outcomes = collections.Counter()
    failures = []
    total_s = 0.0
    done = 0
    batch_no = 0
    while done < args.count:
        n = min(args.batch, args.count - done)
        indir = os.path.join(work, f"in-{batch_no}")
        outdir = os.path.join(work, f"out-{batch_no}")
        shutil.rmtree(indir, ignore_errors=True)
        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(indir)
        ids = []
        for k in range(n):
            mid = f"m{args.seed}-{done + k:06d}"
            with open(os.path.join(indir, mid + ".pdf"), "wb") as fh:
                fh.write(mutate(rng, rng.choice(seeds), seeds))
            ids.append(mid)
        rc, secs, err = run_batch(args, indir, outdir)
        total_s += secs
        if rc != 0:
            why = "timeout (hang)" if rc is None else (
                f"killed by signal {-rc}" if rc < 0 else f"exit {rc}")
            crashing = isolate(args, indir, os.path.join(work, "failed"))
            failures.append(f"batch {batch_no}: {why}; crashing alone: {crashing or 'none'}"
                            f"\n{err}")
        for mid in ids:
            s = os.path.join(outdir, mid + ".json")
            d = os.path.join(outdir, "dead-letter", mid + ".json")
            if os.path.exists(s) and not os.path.exists(d):
                outcomes["summary"] += 1
            elif os.path.exists(d) and not os.path.exists(s):
                try:
                    with open(d) as fh:
                        outcomes["dead letter: " + json.load(fh).get("reason", "?")] += 1
                except (OSError, ValueError):
                    outcomes["dead letter: unreadable"] += 1
                    failures.append(f"{mid}: dead letter is not JSON")
            else:
                outcomes["MISSING"] += 1
                if rc == 0:
                    failures.append(f"{mid}: neither a summary nor a dead letter")
        if rc == 0:
            shutil.rmtree(indir)
            shutil.rmtree(outdir)
        done += n
        batch_no += 1

    rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print(f"pdf-mutants: {done} mutants of {len(seeds)} seed PDFs (seed {args.seed}), "
          f"{batch_no} runs, {total_s:.1f} s")
    for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        print(f"  {v:6d}  {k}")
    print(f"pdf-mutants: peak RSS {rss_mib:.1f} MiB (limit {args.max_rss_mib} MiB)")
    if rss_mib > args.max_rss_mib:
        failures.append(f"peak RSS {rss_mib:.1f} MiB over {args.max_rss_mib} MiB")
    for f in failures:
        print("FAIL", f)
    if not failures and not args.work:
        shutil.rmtree(work)
    return 1 if failures else 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(main())
