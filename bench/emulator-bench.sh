#!/usr/bin/env bash
# emulator-bench.sh -- how many requests/s `medstream emulate` answers on one
# core (latency 0, quotas off), for small and large texts.
#
#   bash bench/emulator-bench.sh [BUILD_DIR]     (default ./build)
#
# The emulator is pinned to CPU 0 and the load generator (bench/emulator_bench.c,
# the emulator_bench target) to CPU 1, so the number is the emulator's alone.
# Env: SECONDS_PER_RUN (10), CONNS (32), PORT (4599).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
secs=${SECONDS_PER_RUN:-10}
conns=${CONNS:-32}
port=${PORT:-4599}
gen=$build/emulator_bench
[ -x "$gen" ] || { echo "emulator-bench: $gen not built (make build)" >&2; exit 1; }

taskset -c 0 "$build/medstream" emulate --listen 127.0.0.1:$port --tps 0 --cps 0 \
    --log-level warn > /dev/null &
emu=$!
trap 'kill $emu 2>/dev/null; wait $emu 2>/dev/null' EXIT
sleep 0.5

run() { taskset -c 1 "$gen" --port "$port" --conns "$conns" --seconds "$secs" "$@"; }
run --op DetectEntitiesV2
run --op DetectPHI
run --op InferRxNorm
run --op DetectEntitiesV2 --repeat 16          # ~1 KB
run --op DetectEntitiesV2 --repeat 300         # ~18 KB, on the thread pool
