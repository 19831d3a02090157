#!/usr/bin/python3
"""check-deps.py -- the layout rules of src/, checked.

usage: check-deps.py [--src DIR] [--build DIR]

  (a) modules: a module is a directory under src/ (base, core, aws,
      aws/creds, stages/comprehend, ...); the files directly in src/
      (pipeline.c, plugins.c) are the composition root "(root)", which may
      include anything. The include graph between modules must have no
      cycle, and base and core must not include the root.
  (b) files: with --build (a CMake build directory), the built objects are
      read with nm: file A calls file B when A's object has an undefined
      symbol that B's object defines. The call graph between .c files must
      have no cycle; each cycle is listed (a pair: "A <-> B"). Without
      --build this check is skipped and says so.
  (c) size: a .c file over 800 lines fails unless one of its lines
      contains "over 800 lines:" followed by the reason.

Exit status 0 when every check ran and passed, 1 otherwise; the findings
go to stdout, one per line.
"""
import argparse
import os
import re
import subprocess
import sys

MAX_LINES = 800
ROOT = "(root)"
# Modules the root must never be included from (they sit at the bottom).
BOTTOM = ("base", "core")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def source_files(src):
    for d, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def module_of(src, path):
    rel = os.path.relpath(os.path.dirname(path), src)
    return ROOT if rel == "." else rel


def resolve(src, path, inc):
    """The file an #include "inc" in path names, or None (system or
    generated header). Includes are src-relative; a bare name may also be
    a sibling."""
    for cand in (os.path.join(src, inc), os.path.join(os.path.dirname(path), inc)):
        if os.path.isfile(cand):
            return os.path.normpath(cand)
    return None


def sccs(nodes, edges):
    """Strongly connected components with more than one node (Tarjan,
    iterative so that deep graphs do not hit the recursion limit)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def report_cycles(kind, comps, edges, why):
    """One line per cycle: pairs as "A <-> B", with the evidence."""
    bad = []
    for comp in comps:
        members = set(comp)
        pairs = [(a, b) for a in comp for b in comp
                 if a < b and b in edges.get(a, ()) and a in edges.get(b, ())]
        if pairs:
            for a, b in pairs:
                bad.append("%s cycle: %s <-> %s (%s; %s)" %
                           (kind, a, b, why(a, b), why(b, a)))
        else:
            links = ["%s -> %s (%s)" % (a, b, why(a, b)) for a in comp
                     for b in sorted(edges.get(a, ())) if b in members]
            bad.append("%s cycle: %s: %s" % (kind, " / ".join(comp), "; ".join(links)))
    return bad


def check_modules(src):
    edges, evidence = {}, {}
    nodes = set()
    for path in source_files(src):
        m = module_of(src, path)
        nodes.add(m)
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                mt = INCLUDE.match(line)
                if not mt:
                    continue
                target = resolve(src, path, mt.group(1))
                if not target:
                    continue
                tm = module_of(src, target)
                if tm == m:
                    continue
                edges.setdefault(m, set()).add(tm)
                evidence.setdefault((m, tm), "%s includes %s" % (
                    os.path.relpath(path, src), os.path.relpath(target, src)))
    bad = []
    for b in BOTTOM:
        if ROOT in edges.get(b, ()):
            bad.append("module rule: %s includes the composition root (%s)" %
                       (b, evidence[(b, ROOT)]))
    bad += report_cycles("module", sccs(nodes, edges), edges,
                         lambda a, b: evidence[(a, b)])
    return bad


def nm_symbols(obj):
    out = subprocess.run(["nm", "-g", obj], check=True, capture_output=True,
                         text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] not in ("U", "w", "v"):
            defined.add(parts[2])
    return defined, used


def check_calls(src, build):
    """Objects of the src/ files under build's CMakeFiles/<target>.dir/src."""
    objs = {}
    cmf = os.path.join(build, "CMakeFiles")
    if not os.path.isdir(cmf):
        return ["calls: %s is not a CMake build directory" % build]
    for tdir in sorted(os.listdir(cmf)):
        base = os.path.join(cmf, tdir, "src")
        if not tdir.endswith(".dir") or not os.path.isdir(base):
            continue
        for d, _, files in os.walk(base):
            for f in files:
                if f.endswith(".c.o"):
                    rel = os.path.relpath(os.path.join(d, f[:-2]), base)
                    if os.path.isfile(os.path.join(src, rel)):
                        objs.setdefault(rel, os.path.join(d, f))
    if not objs:
        return ["calls: no objects of src/ under %s (not built?)" % build]
    defs, uses = {}, {}
    owner = {}
    for rel, obj in objs.items():
        defs[rel], uses[rel] = nm_symbols(obj)
        for s in defs[rel]:
            owner.setdefault(s, rel)
    edges, evidence = {}, {}
    for rel in objs:
        for s in sorted(uses[rel]):
            o = owner.get(s)
            if o and o != rel:
                edges.setdefault(rel, set()).add(o)
                evidence.setdefault((rel, o), []).append(s)
    def why(a, b):
        syms = evidence[(a, b)]
        more = ", ..." if len(syms) > 3 else ""
        return "%s uses %s%s" % (a, ", ".join(syms[:3]), more)
    return report_cycles("call", sccs(set(objs), edges), edges, why)


def check_sizes(src):
    bad = []
    for path in source_files(src):
        if not path.endswith(".c"):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
        if len(lines) > MAX_LINES and not any("over 800 lines:" in l for l in lines):
            bad.append("size: %s has %d lines (> %d) and no \"over 800 lines:\" reason" %
                       (os.path.relpath(path, src), len(lines), MAX_LINES))
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--src", default=os.path.join(here, "..", "src"))
    ap.add_argument("--build")
    a = ap.parse_args()
    src = os.path.normpath(a.src)
    bad = check_modules(src) + check_sizes(src)
    if a.build:
        bad += check_calls(src, a.build)
    else:
        print("calls: skipped (no --build directory)")
    for b in bad:
        print(b)
    if bad:
        print("check-deps: %d problem(s)" % len(bad))
        return 1
    print("check-deps: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
