#!/usr/bin/env bash
# soak.sh -- `make soak`: the Kafka crash campaign of the test suite
# (tests/support/kafka_crash.py), longer: SOAK_REPORTS envelopes, SOAK_KILLS
# SIGKILLs at random points, then `run --once`; then SOAK_PAIR_REPORTS
# through two instances of one consumer group, one SIGKILLed. Prints the
# figures (reports, kills, lost, duplicates) for bench/RESULTS.md and exits
# non-zero when a check failed. SOAK_SEED=N repeats a run's kill points;
# SOAK_COMMIT_MS sets source.commit_interval_ms (default 0, which makes the
# duplicate bound exact; 1000 is medstream's default, duplicates not bounded).
# The restarts write through the S3 sink on s3rver too when node and npm are
# there (npm install into $BUILD/tests/npm-s3rver, as the tests do);
# SOAK_S3=0 leaves S3 out.
#
# SOAK_MINUTES=N is the duration soak instead: a producer writes SOAK_RATE
# reports a second (default 20) to `medstream kafka-mock` for N minutes
# while one `medstream run` consumes them (bench/resources.py --minutes);
# it prints RSS, open fds and threads sampled every 30 s, at the start
# (after a minute of warm-up) and at the end, and checks every report has
# its summary.
set -euo pipefail
BUILD=${BUILD:-build}
if [ -n "${SOAK_MINUTES:-}" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/ms-soak-XXXXXX")
  echo "== duration soak: ${SOAK_MINUTES} min at ${SOAK_RATE:-20} reports/s ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs)"
  rc=0
  /usr/bin/python3 bench/resources.py --bin "$BUILD/medstream" --mkpdf "$BUILD/medstream-mkpdf" \
    --work "$work" --minutes "$SOAK_MINUTES" --rate "${SOAK_RATE:-20}" --interval 30 || rc=$?
  if [ "$rc" -eq 0 ]; then rm -rf "$work"; echo "soak: all reports delivered"; else echo "soak: FAILED (logs in $work)"; fi
  exit "$rc"
fi
reports=${SOAK_REPORTS:-2000}
kills=${SOAK_KILLS:-10}
pair=${SOAK_PAIR_REPORTS:-1000}
work=$(mktemp -d "${TMPDIR:-/tmp}/ms-soak-XXXXXX")
log="$work/campaign.out"
s3=()
npm_dir="$PWD/$BUILD/tests/npm-s3rver"
if [ "${SOAK_S3:-1}" != 0 ] && command -v npm >/dev/null &&
   { [ -r "$npm_dir/node_modules/s3rver/package.json" ] ||
     timeout 300 npm install --prefix "$npm_dir" --no-audit --no-fund --no-save \
       --loglevel=error s3rver@3 >/dev/null 2>&1; }; then
  s3=(--s3-modules "$npm_dir/node_modules")
fi
start=$(date +%s)
rc=0
/usr/bin/python3 tests/support/kafka_crash.py --bin "$BUILD/medstream" \
  --mkpdf "$BUILD/medstream-mkpdf" --work "$work" --reports "$reports" --kills "$kills" \
  --pair-reports "$pair" "${s3[@]}" --commit-interval-ms "${SOAK_COMMIT_MS:-0}" \
  ${SOAK_SEED:+--seed "$SOAK_SEED"} | tee "$log" || rc=$?
secs=$(( $(date +%s) - start ))
fig() { sed -n "s/^$1=//p" "$log" | tail -1; }
echo
echo "== soak figures ($(date -u +%Y-%m-%d), $(nproc) CPUs, ${secs}s, seed $(fig seed | cut -d' ' -f1), source.commit_interval_ms=$(fig commit_interval_ms))"
printf '%-28s %8s %6s %5s %11s\n' scenario reports kills lost duplicates
printf '%-28s %8s %6s %5s %11s\n' "restarts (SIGKILL, --once)" "$(fig restarts_reports)" \
  "$(fig restarts_kills)" "$(fig restarts_lost)" "$(fig restarts_duplicates)"
[ -n "$(fig restarts_s3_lost)" ] && printf '%-28s %8s %6s %5s %11s\n' "  same, S3 sink" \
  "$(fig restarts_reports)" "$(fig restarts_kills)" "$(fig restarts_s3_lost)" \
  "$(fig restarts_s3_duplicates)"
[ "$pair" -gt 0 ] && printf '%-28s %8s %6s %5s %11s\n' "consumer group, 1 of 2 killed" \
  "$(fig pair_reports)" 1 "$(fig pair_lost)" "$(fig pair_duplicates)"
if [ "$rc" -eq 0 ]; then
  rm -rf "$work"
  echo "soak: all checks passed"
else
  echo "soak: FAILED (logs in $work)"
fi
exit "$rc"
