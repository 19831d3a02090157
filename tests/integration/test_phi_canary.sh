#!/usr/bin/env bash
# test_phi_canary.sh -- no PHI outside the summaries. Reports carrying unique
# canary strings (patient names, an MRN, a phone number, an e-mail) go
# through the dir source (a good PDF, a corrupt PDF, a text file named .pdf,
# an encrypted PDF) and the Kafka source on `medstream kafka-mock` (a good
# envelope with the patient's contact and metadata, a raw PDF, and bad
# envelopes: wrong base64, truncated JSON, a field of the wrong type, a bad
# s3_uri, duplicate keys, a corrupt PDF, plain text; and an envelope, an S3
# event and an EventBridge event naming S3 objects whose keys carry the
# canaries, fetched from an unreachable S3 endpoint). Each pipeline runs at
# log.level=debug with --stats-interval 1, once with log.format=logfmt and
# once with json; while it runs /metrics, /stats, /healthz and /readyz are
# fetched. Then no canary may appear in stderr, stdout, those answers or
# any dead-letter record. The good reports must have summaries and every
# bad one a dead letter, so the canaries really went through the pipeline.
set -euo pipefail
: "${MS_BIN:?}" "${MS_MKPDF:?}"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
if ! /usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null; then
  echo "SKIP: python3-confluent-kafka is not installed (run scripts/setup.sh)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-phi-XXXXXX")
ms_pid= mock_pid=
cleanup() {
  [ -n "$ms_pid" ] && kill -9 "$ms_pid" 2>/dev/null || true
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
ok()   { echo "ok   - $1"; }
bad()  { fails=$((fails + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
wait_for() { local i; for i in $(seq 1 1200); do if eval "$1"; then return 0; fi; sleep 0.1; done; return 1; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The canaries, and the fragments searched for (a leak may be partial or
# reformatted: the surname alone, the digits of the phone number).
NAME1="Zebulon Quaxworth" NAME2="Philomena Grizzelby" MRN="QX7731905"
PHONE="555-013-7789" EMAIL="zq.canary@example.org"
canaries=(Quaxworth Zebulon Grizzelby Philomena QX7731905 013-7789 0137789 zq.canary)
leaks() { # file... -> prints the canaries found
  local c
  for c in "${canaries[@]}"; do
    if grep -aqi -- "$c" "$@" 2>/dev/null; then echo "$c"; fi
  done
}

report="DISCHARGE SUMMARY
Patient: $NAME1    MRN: $MRN    Phone: $PHONE (mobile ${PHONE//-/})
Next of kin: $NAME2, e-mail $EMAIL

$NAME1 was admitted with chest pain. History of hypertension.
Started on lisinopril 10 mg daily. Call $PHONE with questions."
printf '%s\n' "$report" > "$tmp/report.txt"
mkdir -p "$tmp/in"
"$MS_MKPDF" "$tmp/report.txt" "$tmp/in/good.pdf" >/dev/null
"$MS_MKPDF" --password secret "$tmp/report.txt" "$tmp/in/locked.pdf" >/dev/null
printf '%%PDF-1.7\n1 0 obj << /Title (%s %s) >>\nstream %s\n' "$NAME1" "$MRN" "$report" \
  > "$tmp/in/corrupt.pdf"
printf '%s\n' "$report" > "$tmp/in/plain.pdf"
check "self-test: the canaries are found in the inputs" \
  '[ "$(leaks "$tmp/report.txt" | wc -l)" -eq "${#canaries[@]}" ] && [ -n "$(leaks "$tmp/in/corrupt.pdf")" ]'

# run NAME FORMAT EXPECTED-OUTPUTS --set...: a pipeline with the admin
# endpoint, stopped by SIGTERM once EXPECTED summaries + dead letters exist.
run() {
  local name=$1 fmt=$2 want=$3; shift 3
  local port; port=$(free_port)
  local d="$tmp/$name"
  mkdir -p "$d"
  "$MS_BIN" run --stats-interval 1 --set log.level=debug --set log.format="$fmt" \
    --set http.listen="127.0.0.1:$port" --set sink.type=file --set sink.file.dir="$d/out" \
    --set engine.workers=2 "$@" >"$d/stdout" 2>"$d/stderr" &
  ms_pid=$!
  local count='[ "$(ls "$d/out" "$d/out/dead-letter" 2>/dev/null | grep -c "\.json$")" -ge '"$want"' ]'
  check "$name: $want outputs (summaries + dead letters)" "wait_for '$count'"
  sleep 1.5 # let one --stats-interval line and the metrics catch up
  local ep
  for ep in metrics stats healthz readyz; do
    curl -s "http://127.0.0.1:$port/$ep" > "$d/$ep.out" || true
  done
  check "$name: /metrics answered" '[ -s "$d/metrics.out" ]'
  check "$name: /stats answered" '[ -s "$d/stats.out" ]'
  kill -TERM "$ms_pid"
  local rc=0; wait "$ms_pid" || rc=$?; ms_pid=
  check "$name: exits 0 on SIGTERM" '[ $rc -eq 0 ]'
  local found
  found=$(leaks "$d/stderr" "$d/stdout" "$d/metrics.out" "$d/stats.out" "$d/healthz.out" \
    "$d/readyz.out" "$d"/out/dead-letter/*.json | tr '\n' ' ')
  check "$name: no canary in logs ($fmt), stdout, /metrics, /stats, dead letters${found:+ (found: $found)}" \
    '[ -z "$found" ]'
  check "$name: it logged at debug level (the check saw real log lines)" \
    '[ "$(wc -l < "$d/stderr")" -ge 5 ]'
}
dead() { ls "$tmp/$1/out/dead-letter" 2>/dev/null | grep -c '\.json$' || true; }
sums() { ls "$tmp/$1/out" 2>/dev/null | grep -c '\.json$' || true; }

for fmt in logfmt json; do
  run "dir-$fmt" "$fmt" 4 --set source.type=dir --set source.path="$tmp/in" --set source.watch=true
  check "dir-$fmt: 1 summary, 3 dead letters (corrupt, not a PDF, encrypted)" \
    '[ "$(sums dir-$fmt)" -eq 1 ] && [ "$(dead dir-$fmt)" -eq 3 ]'
  check "dir-$fmt: the summary does carry canaries (allowed there; the search sees them)" \
    '[ -n "$(leaks "$tmp/dir-$fmt/out/good.json")" ]'
done

# Kafka: records built by python, produced to one partition.
"$MS_BIN" kafka-mock --brokers 1 --topic phi:1 > "$tmp/bs" 2>"$tmp/mock.err" &
mock_pid=$!
wait_for '[ -s "$tmp/bs" ]'
bs=$(head -1 "$tmp/bs")
/usr/bin/python3 - "$bs" "$tmp" "$NAME1" "$NAME2" "$MRN" "$PHONE" "$EMAIL" <<'PY'
import base64, json, sys
from confluent_kafka import Producer
bs, tmp, name1, name2, mrn, phone, email = sys.argv[1:]
good = open(tmp + "/in/good.pdf", "rb").read()
corrupt = open(tmp + "/in/corrupt.pdf", "rb").read()
patient = {"name": name1, "contact": {"email": email, "sms": phone}}
b64 = base64.b64encode
records = [
    json.dumps({"id": "env-good", "patient": patient, "pdf_base64": b64(good).decode(),
                "metadata": {"mrn": mrn, "kin": name2}}).encode(),
    good,                                                     # raw PDF
    json.dumps({"id": "env-b64", "patient": patient,
                "pdf_base64": "%s %s!" % (name1, mrn)}).encode(),
    ('{"id": "env-trunc", "patient": {"name": "%s", "mrn": "%s"' % (name1, mrn)).encode(),
    json.dumps({"id": "env-type", "pdf_base64": b64(good).decode(),
                "patient": "%s %s" % (name1, phone)}).encode(),
    json.dumps({"id": "env-s3", "s3_uri": "s3://%s/%s" % (name1, mrn)}).encode(),
    ('{"id": "env-dup", "patient": {"name": "%s"}, "pdf_base64": "%s", "pdf_base64": "%s"}'
     % (name1, b64(good).decode(), b64(corrupt).decode())).encode(),
    json.dumps({"id": "env-corrupt", "patient": patient,
                "pdf_base64": b64(corrupt).decode()}).encode(),
    ("Patient %s MRN %s phone %s" % (name1, mrn, phone)).encode(),   # not a PDF
    # S3 references whose keys carry the canaries; S3 is unreachable, so
    # each fetch fails (after the AWS layer's retries) into a dead letter.
    json.dumps({"id": "env-s3get", "patient": patient,
                "s3_uri": "s3://phi-bucket/%s %s.pdf" % (name1, mrn)}).encode(),
    json.dumps({"Records": [{"s3": {"bucket": {"name": "phi-bucket"}, "object": {
        "key": "%s+%s.pdf" % (name1.replace(" ", "+"), mrn), "size": 1000}}}]}).encode(),
    json.dumps({"detail-type": "Object Created", "source": "aws.s3", "detail": {
        "bucket": {"name": "phi-bucket"},
        "object": {"key": "%s %s.pdf" % (name2, phone)}}}).encode(),
]
p = Producer({"bootstrap.servers": bs})
for r in records:
    p.produce("phi", r, partition=0)
sys.exit(1 if p.flush(60) else 0)
PY
# S3 fetches go to a closed port with made-up credentials (nothing of the
# machine's AWS setup is used).
closed=$(free_port)
export HOME="$tmp" AWS_ACCESS_KEY_ID=AKIDCANARYTEST AWS_SECRET_ACCESS_KEY=canary-secret \
  AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
for fmt in logfmt json; do
  run "kafka-$fmt" "$fmt" 12 --set source.type=kafka --set source.topics=phi \
    --set kafka.bootstrap.servers="$bs" --set kafka.group.id="phi-$fmt" \
    --set source.s3.endpoint="http://127.0.0.1:$closed" --set source.s3.path_style=true
  check "kafka-$fmt: 2 summaries (envelope, raw PDF), 10 dead letters" \
    '[ "$(sums kafka-$fmt)" -eq 2 ] && [ "$(dead kafka-$fmt)" -eq 10 ]'
  check "kafka-$fmt: the envelope's summary does carry canaries (allowed there)" \
    '[ -n "$(leaks "$tmp/kafka-$fmt/out/env-good.json")" ]'
  echo "kafka-$fmt dead-letter reasons: $(cat "$tmp/kafka-$fmt"/out/dead-letter/*.json |
    /usr/bin/python3 -c 'import json,sys; d=json.JSONDecoder(); s=sys.stdin.read(); i=0; r=[]
while i < len(s):
    s2=s[i:].lstrip(); j,n=d.raw_decode(s2); r.append(j.get("reason")); i=len(s)-len(s2)+n
print(" ".join(sorted(map(str, r))))')"
done
kill "$mock_pid"; wait "$mock_pid" || true; mock_pid=

[ "$fails" -eq 0 ] || exit 1
echo "all PHI canary checks passed"
