#!/usr/bin/env bash
# test_prometheus.sh -- the admin endpoint as operators use it: a watching
# dir pipeline with http.listen on a free port; /healthz, /readyz, /stats,
# /metrics; `promtool check metrics` accepts the exposition; Debian's
# prometheus scrapes it and its query API returns our series.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-prom-XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
pass=0
ok()   { pass=$((pass + 1)); echo "ok   - $1"; }
bad()  { fails=$((fails + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
command -v curl >/dev/null || { echo "skip: curl not installed"; exit 77; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Poll until a command succeeds; a generous bound so a slow machine passes
# and a broken one fails instead of hanging.
wait_for() { local i; for i in $(seq 1 600); do if eval "$1"; then return 0; fi; sleep 0.1; done; return 1; }

mkdir -p "$tmp/in" "$tmp/out"
for i in 1 2 3; do
  printf 'Report %s\n\nPatient seen for chest pain. Lisinopril 10 mg daily.\n' "$i" > "$tmp/r$i.txt"
  "$MS_MKPDF" "$tmp/r$i.txt" "$tmp/in/report-$i.pdf"
done
echo "not a pdf" > "$tmp/in/broken.pdf"

port=$(free_port)
base="http://127.0.0.1:$port"
"$MS_BIN" run --set source.type=dir --set source.path="$tmp/in" --set source.watch=true \
  --set source.poll_interval_ms=50 --set sink.file.dir="$tmp/out" \
  --set http.listen="127.0.0.1:$port" --set log.level=info 2> "$tmp/run.log" &
ms_pid=$!
pids+=("$ms_pid")

check "/healthz answers ok" 'wait_for "curl -sf $base/healthz | grep -qx ok"'
stats_field() { curl -sf "$base/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
check "all four reports finish (/stats delivered 3, dead letters 1)" \
  'wait_for "[ \"\$(stats_field delivered 2>/dev/null)\" = 3 ] && [ \"\$(stats_field dead_letters)\" = 1 ]"'
check "/readyz is 200 while running" '[ "$(curl -s -o /dev/null -w "%{http_code}" "$base/readyz")" = 200 ]'
curl -sf "$base/stats" > "$tmp/stats.json"
check "/stats is JSON with the stages" \
  'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"running\"] is True and d[\"ready\"] is True; st={s[\"stage\"]: s for s in d[\"stages\"]}; assert {\"parse\",\"chunk\",\"extract\",\"assemble\"} <= set(st), d[\"stages\"]; assert st[\"parse\"][\"reports\"]==3 and st[\"parse\"][\"errors\"]==1, st" "$tmp/stats.json"'
check "unknown path is 404" '[ "$(curl -s -o /dev/null -w "%{http_code}" "$base/nope")" = 404 ]'
check "POST is 405" '[ "$(curl -s -o /dev/null -w "%{http_code}" -X POST -d x "$base/metrics")" = 405 ]'

if "$MS_BIN" help | grep -q "^  top "; then
  "$MS_BIN" top --once "$base" > "$tmp/top.txt"
  check "medstream top --once renders /stats" \
    'grep -q "delivered 3 *dead letters 1" "$tmp/top.txt" && grep -Eq "^parse +3 +1 " "$tmp/top.txt" && grep -q "READY" "$tmp/top.txt"'
  set +e
  "$MS_BIN" top --once "http://127.0.0.1:1" > /dev/null 2> "$tmp/top.err"; trc=$?
  set -e
  check "medstream top --once exits 1 when nothing answers" '[ $trc -eq 1 ] && grep -q "medstream top:" "$tmp/top.err"'
else
  echo "skip - this medstream has no 'top' command yet"
fi

curl -sf -D "$tmp/headers" "$base/metrics" > "$tmp/metrics.txt"
check "/metrics content type is the text format 0.0.4" 'grep -qi "^content-type: text/plain; version=0.0.4" "$tmp/headers"'
check "/metrics has delivered counters" \
  'grep -qx "medstream_reports_delivered_total{status=\"ok\"} 3" "$tmp/metrics.txt" && grep -qx "medstream_reports_delivered_total{status=\"dead_letter\"} 1" "$tmp/metrics.txt"'
check "/metrics has dead letters by reason" \
  'grep -qx "medstream_dead_letters_total{reason=\"not_pdf\"} 1" "$tmp/metrics.txt"'
check "/metrics has build info and the process collector" \
  'grep -Eq "^medstream_build_info\{version=\"[0-9.]+\",commit=\"([0-9a-f]{7,}(-dirty)?|unknown)\"\} 1$" "$tmp/metrics.txt" &&
   grep -Eq "^process_resident_memory_bytes [1-9][0-9]{5,}$" "$tmp/metrics.txt" &&
   grep -Eq "^process_open_fds [1-9][0-9]*$" "$tmp/metrics.txt" &&
   grep -Eq "^process_cpu_seconds_total [0-9.e+-]+$" "$tmp/metrics.txt" &&
   grep -Eq "^process_start_time_seconds 1[0-9]{9}" "$tmp/metrics.txt"'
check "/metrics histogram buckets are cumulative and end at +Inf = count" \
  'python3 - "$tmp/metrics.txt" <<"PY"
import re, sys
b = {}; c = {}
for line in open(sys.argv[1]):
    m = re.match(r"medstream_stage_seconds_bucket\{stage=\"(\w+)\",le=\"([^\"]+)\"\} (\d+)$", line)
    if m: b.setdefault(m[1], []).append((m[2], int(m[3])))
    m = re.match(r"medstream_stage_seconds_count\{stage=\"(\w+)\"\} (\d+)$", line)
    if m: c[m[1]] = int(m[2])
assert {"parse", "chunk", "extract", "assemble"} <= set(b), b.keys()
for st, v in b.items():
    vals = [n for _, n in v]
    assert vals == sorted(vals) and v[-1][0] == "+Inf" and v[-1][1] == c[st], (st, v, c)
PY'
if command -v promtool >/dev/null; then
  check "promtool check metrics accepts /metrics" 'promtool check metrics < "$tmp/metrics.txt" > "$tmp/promtool.out" 2>&1 || { cat "$tmp/promtool.out"; false; }'
else
  echo "skip - promtool not installed (Debian package prometheus)"
fi

if command -v prometheus >/dev/null; then
  pport=$(free_port)
  cat > "$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: medstream
    static_configs:
      - targets: ['127.0.0.1:$port']
YML
  prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
    --web.listen-address="127.0.0.1:$pport" > "$tmp/prometheus.log" 2>&1 &
  pids+=("$!")
  q() { curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1"; }
  query_value() {
    q "$1" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
  }
  check "prometheus scrapes: up{job=medstream} = 1" 'wait_for "[ \"\$(query_value "up{job=\\\"medstream\\\"}" 2>/dev/null)\" = 1 ]"'
  check "prometheus has medstream_reports_delivered_total{status=ok} = 3" \
    'wait_for "[ \"\$(query_value "medstream_reports_delivered_total{status=\\\"ok\\\"}" 2>/dev/null)\" = 3 ]"'
  check "prometheus computes a stage latency quantile" \
    '[ -n "$(query_value "histogram_quantile(0.9, medstream_stage_seconds_bucket{stage=\"parse\"})")" ]'
  nstages=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["stages"]))' "$tmp/stats.json")
  check "prometheus has one stage series per stage of /stats ($nstages)" \
    '[ "$(q "count(medstream_stage_reports_total)" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"data\"][\"result\"][0][\"value\"][1])")" = "$nstages" ]'
  dash="${MS_SRC:-}/deploy/grafana/medstream.json"
  if [ -f "$dash" ]; then
    cat > "$tmp/dash_check.py" <<"PY"
import json, sys, urllib.parse, urllib.request
d = json.load(open(sys.argv[1]))
n = empty = 0
for p in d["panels"]:
    for t in p["targets"]:
        e = t["expr"].replace("$__rate_interval", "1m").replace("$tps_quota", "40")
        url = sys.argv[2] + "/api/v1/query?" + urllib.parse.urlencode({"query": e})
        try:
            r = json.load(urllib.request.urlopen(url))
        except Exception as exc:
            title = p["title"]
            sys.exit(f"{title}: {e}: {exc}")
        assert r["status"] == "success", (e, r)
        n += 1
        empty += not r["data"]["result"]
print(f"{n} dashboard queries parsed, {n - empty} returned series")
assert n >= 20 and n - empty >= 8
PY
    # rate() needs two scrapes in its window: poll until the queries return data.
    check "prometheus accepts every query of the Grafana dashboard, and they return data" \
      'wait_for "python3 \"$tmp/dash_check.py\" \"$dash\" http://127.0.0.1:$pport > \"$tmp/dash.out\" 2>&1" || { cat "$tmp/dash.out"; false; }'
    cat "$tmp/dash.out"
  else
    echo "skip - MS_SRC not set: dashboard queries not checked"
  fi
else
  echo "skip - Debian's prometheus not installed (apt-get install prometheus); scrape not tested"
fi

kill -TERM "$ms_pid"
set +e
wait "$ms_pid"; rc=$?
set -e
check "medstream exits 0 on SIGTERM with the endpoint open" '[ $rc -eq 0 ]'
check "the log names the endpoint" 'grep -q "admin endpoint listening" "$tmp/run.log"'
check "logs never contain document text" '! grep -q "chest pain" "$tmp/run.log"'
echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
