# campaign.sh -- shell helpers shared by the reliability campaigns
# (tests/integration/test_crash_kinesis.sh, test_sink_outage.sh). Source it
# after `set -euo pipefail` and after setting $tmp (a scratch directory);
# it defines:
#   skip WHY             exit 77 (ctest: skipped) with the reason
#   ok/bad TEXT          one check's result; bad counts into $fails
#   wait_for COND SECS   eval COND every 50 ms until true; false after SECS
#   now                  seconds since the epoch, with fractions
#   npm_mods NAME SPEC   npm-install SPEC into $PWD/npm-NAME once (the
#                        prefix the C tests' ms_test_npm_install uses) and
#                        print its node_modules directory; false on failure
#   start_peer NAME CMD...  start a peer printing "port N" on stdout; sets
#                        $port and $peer_pid and appends the pid to $pids
#                        (call it directly, not in $(...): the peer must be
#                        a child of the test's shell, which kills $pids)
PY=/usr/bin/python3
fails=0
pids=()
skip() { echo "SKIP: $1"; exit 77; }
ok()  { echo "ok   - $1"; }
bad() { fails=$((fails + 1)); echo "FAIL - $1"; }
now() { date +%s.%N; }
wait_for() {
  local end
  end=$(( $(date +%s) + $2 ))
  while ! eval "$1"; do
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.05
  done
}
# npm_mods NAME SPEC (tests/support/npm.sh)
. "$(dirname "${BASH_SOURCE[0]}")/npm.sh"
start_peer() {
  local name=$1
  shift
  "$@" > "$tmp/$name.port" 2> "$tmp/$name.err" &
  peer_pid=$!
  pids+=("$peer_pid")
  wait_for "grep -q '^port ' '$tmp/$name.port'" 60 || return 1
  port=$(sed -n 's/^port //p' "$tmp/$name.port")
}
campaign_start() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-$1-XXXXXX")
  trap campaign_cleanup EXIT
  [ -x "$PY" ] && "$PY" -c 'import boto3' 2>/dev/null \
    || skip "Debian's python3 with boto3 (python3-boto3) is not installed"
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || skip "node or npm not installed"
}
# Kill every peer and process the test started, then remove $tmp.
campaign_cleanup() {
  local p
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
# Print the last lines of every log in $tmp and exit 1 when a check failed.
campaign_finish() {
  if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed; logs:"
    local f
    for f in "$tmp"/*.log; do echo "== $f"; tail -n 15 "$f"; done
    exit 1
  fi
  echo "all checks passed"
}
