#!/usr/bin/env bash
# run-local.sh DIR -- the parse stage against its physical floor, side by side.
#
# Runs, on the same files and the same number of cores:
#   floor:     N parse_floor processes (raw MuPDF text extraction, one per
#              worker, the files split round-robin between them)
#   medstream: medstream run --once with engine.workers=N (dir source ->
#              parse -> chunk -> assemble -> file sink)
# ROUNDS times, alternating, and prints pages/s for both and the ratio
# (median over the rounds), and the same ratio in CPU time (the floor's
# user + sys seconds over medstream's, from /usr/bin/time): on a machine
# other work shares, wall time swings with the neighbours while CPU time
# is the work done. Environment: BUILD (default build), WORKERS
# (default: nproc), ROUNDS (default 3), FSYNC (default false), SINK_DIR
# (where medstream writes its summaries; default a fresh directory under
# TMPDIR -- point it at tmpfs, e.g. /dev/shm, to leave the disk out).
set -euo pipefail
dir=${1:?usage: bench/run-local.sh DIR}
BUILD=${BUILD:-build}
WORKERS=${WORKERS:-$(nproc)}
ROUNDS=${ROUNDS:-3}
FSYNC=${FSYNC:-false}
floor_bin="$BUILD/parse_floor"
ms_bin="$BUILD/medstream"
for b in "$floor_bin" "$ms_bin"; do
  [ -x "$b" ] || { echo "run-local: $b not built (make build)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-bench-XXXXXX")
if [ -n "${SINK_DIR:-}" ]; then
  out=$(mktemp -d "$SINK_DIR/ms-bench-out-XXXXXX")
else
  out=$tmp/out
fi
trap 'rm -rf "$tmp" "$out" "$out.audit.jsonl"' EXIT   # the audit trail sits beside the summaries

mapfile -t files < <(find "$dir" -maxdepth 1 -type f -iname '*.pdf' | sort)
n=${#files[@]}
[ "$n" -gt 0 ] || { echo "run-local: no PDFs in $dir" >&2; exit 1; }
for ((w = 0; w < WORKERS; w++)); do : > "$tmp/list.$w"; done
for ((i = 0; i < n; i++)); do echo "${files[$i]}" >> "$tmp/list.$((i % WORKERS))"; done

now() { date +%s.%N; }
timer="/usr/bin/time -f %U+%S"
[ -x /usr/bin/time ] || { echo "run-local: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
cpu_of() { awk -F+ 'NF == 2 && $1 ~ /^[0-9.]+$/ {s = $1 + $2} END {printf "%.2f", s}' "$1"; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

run_floor() {
  local t0 t1 pages=0 cpu=0
  t0=$(now)
  for ((w = 0; w < WORKERS; w++)); do
    $timer -o "$tmp/floor.$w.cpu" "$floor_bin" --list "$tmp/list.$w" > "$tmp/floor.$w" 2> "$tmp/floor.$w.err" &
  done
  wait
  t1=$(now)
  for ((w = 0; w < WORKERS; w++)); do
    p=$(grep -o 'pages=[0-9]*' "$tmp/floor.$w" | head -1 | cut -d= -f2)
    pages=$((pages + p))
    cpu=$(calc "$cpu + $(cpu_of "$tmp/floor.$w.cpu")")
  done
  echo "$pages $(calc "$t1 - $t0") $cpu"
}

run_medstream() {
  local t0 t1 pages
  rm -rf "$out"
  t0=$(now)
  $timer -o "$tmp/ms.cpu" "$ms_bin" run --once --set source.type=dir --set source.path="$dir" \
    --set engine.workers="$WORKERS" --set sink.file.dir="$out" \
    --set sink.file.fsync="$FSYNC" --set log.level=error --set http.listen=off
  t1=$(now)
  pages=$(cat "$out"/*.json | grep -o '"pages": [0-9]*' | awk '{s += $2} END {print s + 0}')
  echo "$pages $(calc "$t1 - $t0") $(cpu_of "$tmp/ms.cpu")"
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

echo "run-local: $n PDFs in $dir, $WORKERS workers on $(nproc) cores, $ROUNDS rounds, summaries to $(df --output=fstype "$(dirname "$out")" | tail -1)"
: > "$tmp/floor.rates"; : > "$tmp/ms.rates"; : > "$tmp/ratios"; : > "$tmp/cpu.ratios"
for ((r = 1; r <= ROUNDS; r++)); do
  read -r fp fs fc < <(run_floor)
  read -r mp mt mc < <(run_medstream)
  fr=$(calc "$fp / $fs")
  mr=$(calc "$mp / $mt")
  ratio=$(calc "$mr / $fr")
  cratio=$(calc "($fc / $fp) / ($mc / $mp)")
  printf 'round %d: floor %d pages in %.2f s = %.1f pages/s | medstream %d pages in %.2f s = %.1f pages/s | ratio %.3f | cpu: floor %.2f s, medstream %.2f s, ratio %.3f\n' \
    "$r" "$fp" "$fs" "$fr" "$mp" "$mt" "$mr" "$ratio" "$fc" "$mc" "$cratio"
  echo "$fr" >> "$tmp/floor.rates"; echo "$mr" >> "$tmp/ms.rates"; echo "$ratio" >> "$tmp/ratios"
  echo "$cratio" >> "$tmp/cpu.ratios"
done
printf 'median: floor %.1f pages/s, medstream %.1f pages/s, ratio %.3f (target >= 0.85); cpu ratio %.3f\n' \
  "$(median < "$tmp/floor.rates")" "$(median < "$tmp/ms.rates")" "$(median < "$tmp/ratios")" \
  "$(median < "$tmp/cpu.ratios")"
