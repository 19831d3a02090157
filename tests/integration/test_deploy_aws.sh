#!/usr/bin/env bash
# test_deploy_aws.sh -- each AWS profile's IAM policy (deploy/aws/policies/
# <profile>.json) grants exactly the AWS actions that profile calls.
#
# Every profile that uses AWS runs against local peers (Comprehend Medical:
# `medstream emulate`; S3: s3rver; SNS: sns_capture.py; CloudWatch:
# cw_capture.py; Kinesis: kinesalite; DynamoDB: dynalite; Kafka: the demo's
# mock cluster), with MEDSTREAM_AWS_ACTION_LOG recording each action
# medstream called ("service:Action", docs/aws.md). The runs feed raw PDFs,
# one S3-pointer envelope (s3:GetObject on the input prefix) and, where the
# profile has a dead-letter path, one bad record. Then:
#   recorded + the documented extras for the profile == the policy's actions
# (deploy/aws/policies/extra-actions.tsv: actions AWS checks that no local
# peer can see, each with its reason). A missing action fails, and so does
# an action neither recorded nor documented. Every run has the audit
# trail's caller identity on (audit.caller_identity, STS: sts_stub.py), so
# sts:GetCallerIdentity is recorded: it needs no IAM permission, and the
# rows of profile `*` in extra-actions.tsv say so -- such an action must be
# recorded somewhere and must not be granted.
#
# Also: each policy validates against the IAM identity-policy schema
# (../shared/schemas, skipped without it), and cloudwatch:PutMetricData is
# only granted under a cloudwatch:namespace condition.
#
# It runs in the sanitizer builds too: the action log is shared by threads.
set -u
BIN=${MS_BIN:?run through ctest}
SRC=${MS_SRC:?}
SHARED=${MS_SHARED:-$SRC/../shared}
PY=/usr/bin/python3
SUP=$SRC/tests/support
POL=$SRC/deploy/aws/policies
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

$PY -c 'import boto3' 2>/dev/null || skip "/usr/bin/python3 has no boto3"
command -v node >/dev/null && command -v npm >/dev/null || skip "node/npm not installed"
command -v redis-server >/dev/null || skip "redis-server not installed"

here=$PWD
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

. "$MS_SRC/tests/support/npm.sh"
S3MODS=$(npm_mods s3rver s3rver@3) || skip "npm install s3rver failed (registry unreachable?)"
KMODS=$(npm_mods kinesalite kinesalite@3) || skip "npm install kinesalite failed"
DMODS=$(npm_mods dynalite dynalite@4) || skip "npm install dynalite failed"

# peer NAME CMD...: start it, wait for its "port N" line, set PORT.
peer() {
  local name=$1; shift
  "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
  pids+=($!)
  for _ in $(seq 1 300); do
    PORT=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$tmp/$name.out" | head -1)
    [ -n "$PORT" ] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  fail "$name did not start: $(cat "$tmp/$name.err")"
}

# Nothing of the machine's AWS setup may be used; s3rver's fixed keys are
# the ones every signing peer checks.
for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME=$tmp AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true

peer emulator "$BIN" emulate --listen 127.0.0.1:0;                 CM=http://127.0.0.1:$PORT
mkdir -p "$tmp/s3"
peer s3rver node "$SUP/s3rver_run.js" "$S3MODS" "$tmp/s3" summaries ksummaries inputs; S3=http://127.0.0.1:$PORT
peer sns "$PY" "$SUP/sns_capture.py" --key S3RVER:S3RVER;           SNS=http://127.0.0.1:$PORT
peer cw "$PY" "$SUP/cw_capture.py" --port 0 --key S3RVER:S3RVER;    CW=http://127.0.0.1:$PORT
peer sts "$PY" "$SUP/sts_stub.py" --key S3RVER:S3RVER;              STS=http://127.0.0.1:$PORT
export AWS_ENDPOINT_URL_STS=$STS
peer kinesalite env NODE_PATH="$KMODS" node -e \
  "const s=require('kinesalite')({createStreamMs:5});s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port));"
KIN=http://127.0.0.1:$PORT
peer dynalite env NODE_PATH="$DMODS" node -e \
  "const s=require('dynalite')({createTableMs:5});s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port));"
DDB=http://127.0.0.1:$PORT
rport=$($PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no > "$tmp/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break; sleep 0.1; done

# Inputs: three PDFs, and an envelope naming a PDF under the input prefix.
mkdir -p "$tmp/in"
for f in discharge-summary lab-results radiology-ct-abdomen; do
  "$MS_MKPDF" "$SRC/examples/$f.txt" "$tmp/in/$f.pdf" > /dev/null || fail "mkpdf $f"
done
$PY - "$S3" "$tmp/in/lab-results.pdf" <<'EOF' || fail "cannot put the input object"
import sys, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}))
s3.put_object(Bucket="inputs", Key="incoming/lab-results.pdf", Body=open(sys.argv[2], "rb").read())
EOF
printf '{"id":"from-s3","s3_uri":"s3://inputs/incoming/lab-results.pdf"}' > "$tmp/pointer.json"

COMMON=(--set http.listen=off --set comprehend.endpoint="$CM"
        --set source.s3.endpoint="$S3" --set source.s3.path_style=true
        --set sink.s3.endpoint="$S3" --set sink.s3.path_style=true
        --set sink.sns.endpoint="$SNS" --set cloudwatch.endpoint="$CW"
        --set audit.caller_identity=true)

# ---- each profile ----------------------------------------------------------

run_dir_profile() {  # cost, latency, throughput: a directory of PDFs
  local p=$1
  MEDSTREAM_AWS_ACTION_LOG=$tmp/$p.actions REDIS_URL=redis://127.0.0.1:$rport \
    timeout 120 "$BIN" run -c "$SRC/configs/$p.ini" --once "${COMMON[@]}" \
    --set source.path="$tmp/in" --set source.watch=false --set sink.file.dir="$tmp/out-$p" \
    > "$tmp/$p.log" 2>&1 || fail "$p: medstream run exit $?: $(tail -5 "$tmp/$p.log")"
  [ "$(ls "$tmp/out-$p"/*.json 2>/dev/null | wc -l)" -eq 3 ] || fail "$p: expected 3 summaries"
}

run_msk() {  # the demo's mock cluster stands in for MSK (no SASL in the mock)
  mkdir -p "$tmp/msk-in"
  cp "$tmp/in"/*.pdf "$tmp/msk-in/"
  cp "$tmp/pointer.json" "$tmp/msk-in/zz-pointer.pdf"   # the demo produces every *.pdf as is
  MEDSTREAM_AWS_ACTION_LOG=$tmp/msk.actions MEDSTREAM_TOPICS=reports MSK_BOOTSTRAP=unused:9098 \
    SUMMARY_BUCKET=summaries SUMMARY_TOPIC_ARN=arn:aws:sns:us-east-1:111122223333:summaries \
    timeout 180 "$BIN" demo -c "$SRC/configs/msk.ini" --samples "$tmp/msk-in" --out "$tmp/out-msk" \
    "${COMMON[@]}" --set kafka.security.protocol=plaintext --set cloudwatch.interval_s=1 \
    > "$tmp/msk.log" 2>&1 \
    || fail "msk: medstream demo exit $?: $(tail -5 "$tmp/msk.log")"
  grep -q '5 reports -> 4 summaries, 1 dead letter' "$tmp/msk.log" \
    || fail "msk: expected 4 summaries and 1 dead letter: $(tail -3 "$tmp/msk.log")"
  [ "$(count_objects summaries summaries/)" -eq 4 ] || fail "msk: 4 summaries expected in S3"
  [ "$(count_objects summaries dead-letter/)" -eq 1 ] || fail "msk: 1 dead letter expected in S3"
  # The SNS and CloudWatch stand-ins got the calls, correctly signed.
  $PY - "$SNS" "$CW" <<'EOF' || fail "msk: SNS/CloudWatch peers"
import json, sys, urllib.request
sns = json.load(urllib.request.urlopen(sys.argv[1] + "/_capture"))
cw = json.load(urllib.request.urlopen(sys.argv[2] + "/_cw/requests"))
assert len(sns["publishes"]) == 4 and sns["bad_signatures"] == 0, sns
assert cw and all(r["sig"] is None for r in cw), cw
EOF
}

count_objects() {  # BUCKET PREFIX: how many objects (boto3, not medstream)
  $PY - "$S3" "$1" "$2" <<'EOF' 2>/dev/null || echo 0
import sys, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}))
r = s3.list_objects_v2(Bucket=sys.argv[2], Prefix=sys.argv[3])
print(sum(o["Key"].endswith(".json") for o in r.get("Contents", [])))
EOF
}

run_kinesis() {  # kinesalite + dynalite; the lease table exists (the template makes it)
  $PY "$SUP/kinesis_put.py" --endpoint "$KIN" --stream reports create 1 > /dev/null \
    || fail "kinesis: create stream"
  $PY - "$DDB" <<'EOF' || fail "kinesis: cannot create the lease table"
import sys, boto3
d = boto3.client("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1")
d.create_table(TableName="medstream-leases", BillingMode="PAY_PER_REQUEST",
               AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
               KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}])
d.get_waiter("table_exists").wait(TableName="medstream-leases")
EOF
  $PY "$SUP/kinesis_put.py" --endpoint "$KIN" --stream reports put "$tmp/manifest" \
    "$tmp/in"/*.pdf "$tmp/pointer.json" > /dev/null || fail "kinesis: put records"
  MEDSTREAM_AWS_ACTION_LOG=$tmp/kinesis.actions STREAM=reports SUMMARY_BUCKET=ksummaries \
    "$BIN" run -c "$SRC/configs/kinesis.ini" "${COMMON[@]}" \
    --set source.kinesis.endpoint="$KIN" --set checkpoint.endpoint="$DDB" \
    > "$tmp/kinesis.log" 2>&1 &
  local pid=$!
  local n=0
  for _ in $(seq 1 600); do
    n=$(count_objects ksummaries summaries/)
    [ "$n" -ge 4 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.2
  done
  sleep 2   # let a checkpoint land
  kill -TERM $pid 2>/dev/null
  wait $pid || fail "kinesis: medstream exit $? after SIGTERM: $(tail -5 "$tmp/kinesis.log")"
  [ "$n" -ge 4 ] || fail "kinesis: $n of 4 summaries in S3: $(tail -5 "$tmp/kinesis.log")"
}

# ---- compare ---------------------------------------------------------------

check_policy() {
  local p=$1
  [ -s "$tmp/$p.actions" ] || fail "$p: no AWS action recorded"
  $PY - "$p" "$POL/$p.json" "$POL/extra-actions.tsv" "$tmp/$p.actions" <<'EOF' || exit 1
import json, sys
prof, pol_path, extra_path, log_path = sys.argv[1:]
pol = json.load(open(pol_path))
granted = {}
for st in pol["Statement"]:
    assert st["Effect"] == "Allow", f"{prof}: only Allow statements expected"
    acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
    for a in acts:
        assert "*" not in a, f"{prof}: wildcard action {a}"
        granted.setdefault(a, []).append(st)
    res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
    # Only these two have no resource-level permissions (Service
    # Authorization Reference); everything else names its resources.
    if any(not a.startswith(("comprehendmedical:", "cloudwatch:")) for a in acts):
        assert "*" not in res, f"{prof}: {acts} on Resource '*'"
    if "cloudwatch:PutMetricData" in acts:
        ns = st.get("Condition", {}).get("StringEquals", {}).get("cloudwatch:namespace")
        assert ns, f"{prof}: cloudwatch:PutMetricData without a cloudwatch:namespace condition"
# S3 operations whose IAM action has another name.
IAM_NAME = {"s3:HeadObject": "s3:GetObject", "s3:ListObjectsV2": "s3:ListBucket"}
called = {IAM_NAME.get(l.strip(), l.strip()) for l in open(log_path) if l.strip()}
extra, nogrant = {}, {}
for line in open(extra_path):
    if not line.strip() or line.startswith("#"):
        continue
    p, action, reason = line.rstrip("\n").split("\t")
    assert reason.strip(), f"extra {action} for {p} has no reason"
    if p == prof:
        extra[action] = reason
    elif p == "*":
        nogrant[action] = reason   # called, needs no IAM permission: never granted
granted_free = sorted(set(nogrant) & set(granted))
if granted_free:
    print(f"FAIL: {prof}: granted although no permission is needed: {', '.join(granted_free)}")
    sys.exit(1)
free_called = sorted(called & set(nogrant))
called -= set(nogrant)
missing = sorted(called - set(granted))
beyond = sorted(set(granted) - called - set(extra))
both = sorted(called & set(extra))
unused_extra = sorted(set(extra) - set(granted))
ok = True
for what, lst in (("called but not granted", missing), ("granted, never called and not documented", beyond),
                  ("listed as extra but recorded (remove from extra-actions.tsv)", both),
                  ("listed as extra but not granted", unused_extra)):
    if lst:
        print(f"FAIL: {prof}: {what}: {', '.join(lst)}")
        ok = False
if not ok:
    sys.exit(1)
print(f"ok: {prof}: {len(called)} actions called = granted minus {len(extra)} documented extras: "
      + ", ".join(sorted(called))
      + (f"; also called, needing no permission: {', '.join(free_called)}" if free_called else ""))
EOF
}

for p in cost latency throughput; do run_dir_profile $p; done
run_msk
run_kinesis

# every shipped profile that uses AWS has a policy, and every policy a profile
profiles=0
for f in "$SRC"/configs/*.ini; do
  p=$(basename "$f" .ini)
  if [ -f "$tmp/$p.actions" ]; then
    [ -f "$POL/$p.json" ] || fail "$p calls AWS but has no deploy/aws/policies/$p.json"
    check_policy "$p"
    profiles=$((profiles + 1))
  elif [ "$p" != local ]; then
    fail "$p is not run by this test (add it)"
  fi
done
for f in "$POL"/*.json; do
  [ -f "$SRC/configs/$(basename "$f" .json).ini" ] || fail "$(basename "$f"): no such profile"
done
[ "$profiles" -eq 5 ] || fail "$profiles AWS profiles checked, expected 5"
# The actions documented as needing no permission were really called (the
# caller identity: once per run, signed with the runs' key).
for a in $(awk -F'\t' '$1 == "*" {print $2}' "$POL/extra-actions.tsv"); do
  cat "$tmp"/*.actions | grep -qx "$a" || fail "$a is documented as called without permission but no run called it"
done
$PY - "$STS" <<'EOF' || fail "the STS stub"
import json, sys, urllib.request
st = json.load(urllib.request.urlopen(sys.argv[1] + "/_stats"))
assert st["answered"] >= 1 and st["bad_signatures"] == 0 and st["bad_form"] == 0, st
print(f"ok: sts:GetCallerIdentity answered {st['answered']} times, needs no IAM permission, granted nowhere")
EOF

# The log holds operation names only: no bucket, key, topic or stream name.
if grep -hE 'summaries|inputs|incoming|reports|leases|arn:' "$tmp"/*.actions; then
  fail "the action log carries a resource name"
fi

# Filled in as an operator would (render-policy.py), each policy is a valid
# identity policy.
EXAMPLE=(AWS::Region=eu-west-1 AWS::AccountId=111122223333 SummaryBucket=hospital-summaries
         InputPrefix=incoming/ KmsKey.Arn=arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
         SummaryTopic=arn:aws:sns:eu-west-1:111122223333:summaries LeaseTable=medstream-leases
         KinesisStreamName=clinical-reports MskClusterName=hospital MskClusterUuid=abcd1234-0123-4567-89ab-0123456789ab-2
         MskTopic=reports MskConsumerGroup=medstream)
mkdir -p "$tmp/rendered"
for f in "$POL"/*.json; do
  $PY "$SRC/deploy/aws/render-policy.py" "$f" "${EXAMPLE[@]}" > "$tmp/rendered/$(basename "$f")" \
    || fail "render-policy.py $(basename "$f")"
  grep -q '\${' "$tmp/rendered/$(basename "$f")" && fail "$(basename "$f"): a placeholder left after rendering"
done
$PY "$SRC/deploy/aws/render-policy.py" "$POL/msk.json" AWS::Region=x > /dev/null 2> "$tmp/render.err" \
  && fail "render-policy.py accepted missing values"
grep -q 'give a value for .*SummaryBucket' "$tmp/render.err" || fail "render-policy.py: $(cat "$tmp/render.err")"
if [ -f "$SHARED/schemas/validate.py" ]; then
  $PY "$SHARED/schemas/validate.py" iam "$tmp/rendered"/*.json > "$tmp/iam.out" 2>&1 \
    || fail "IAM schema: $(cat "$tmp/iam.out")"
  echo "ok: every policy, filled in, validates against the IAM identity-policy schema"
else
  echo "note: $SHARED/schemas missing: IAM schema validation not run"
fi
echo "policies: $profiles profiles, each grants exactly what it calls plus its documented extras"
