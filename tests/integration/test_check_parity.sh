#!/usr/bin/env bash
# test_check_parity.sh -- `check-config` rejects what `run` rejects at start,
# with the same message: a table of bad configurations, each run through
# both commands. A good configuration passes both (the control).
set -u
BIN=${MS_BIN:?run through ctest}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME=$tmp/home AWS_EC2_METADATA_DISABLED=true
mkdir -p "$HOME" "$tmp/in" "$tmp/out"
BASE=(--set source.path="$tmp/in" --set sink.file.dir="$tmp/out" --set http.listen=off
      --set checkpoint.path="$tmp/ckpt.json")
S3=(--set sink.type=s3 --set sink.s3.bucket=hospital-a-summaries)
SNS=(--set sink.type=sns --set sink.sns.topic_arn=arn:aws:sns:eu-west-1:111122223333:t)
KIN=(--set source.type=kinesis --set source.kinesis.stream=reports)
REG=(AWS_REGION=eu-west-1)

# row NAME 'EXPECTED MESSAGE' [VAR=VALUE...] -- [--set ...]
n=0
row() {
  local name=$1 want=$2; shift 2
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  env "${envs[@]}" "$BIN" check-config "${BASE[@]}" "$@" > /dev/null 2> "$tmp/check.err"
  local crc=$?
  env "${envs[@]}" timeout 20 "$BIN" run --once "${BASE[@]}" "$@" > /dev/null 2> "$tmp/run.err"
  local rrc=$?
  if [ -z "$want" ]; then   # the control: both pass
    [ $crc = 0 ] || fail "$name: check-config exit $crc: $(cat "$tmp/check.err")"
    [ $rrc = 0 ] || fail "$name: run exit $rrc: $(tail -3 "$tmp/run.err")"
    echo "ok: $name passes both"
    return
  fi
  [ $rrc != 0 ] && [ $rrc != 124 ] || fail "$name: run exit $rrc (expected a failure at start): $(tail -3 "$tmp/run.err")"
  grep -qF -- "$want" "$tmp/run.err" || fail "$name: run's error lacks '$want': $(tail -3 "$tmp/run.err")"
  [ $crc != 0 ] || fail "$name: check-config passed what run rejects ('$want')"
  grep -qF -- "$want" "$tmp/check.err" || fail "$name: check-config's error lacks '$want': $(cat "$tmp/check.err")"
  n=$((n + 1))
  echo "ok: $name: both fail with '$want'"
}

row control ''
row listen "http.listen 'notahost' is not host:port" -- --set http.listen=notahost
row done_dir "source.done_dir '$tmp/nodir' is not a directory" -- --set source.done_dir="$tmp/nodir"
row sink_type "sink.type: 'nosuch' is not one of" -- --set sink.type=nosuch
row workers 'engine.workers: expected an integer' -- --set engine.workers=lots
row s3_bucket 'sink.s3.bucket' "${REG[@]}" -- "${S3[@]}" --set sink.s3.bucket=
row kin_stream 'source.kinesis.stream: no stream given' "${REG[@]}" -- "${KIN[@]}" --set source.kinesis.stream=
row kin_ts 'source.kinesis.start_timestamp: need an ISO-8601 UTC time' "${REG[@]}" -- "${KIN[@]}" \
  --set source.kinesis.start=at_timestamp --set source.kinesis.start_timestamp=yesterday
row s3_region 'no AWS region: set aws.region, AWS_REGION, AWS_DEFAULT_REGION' -- "${S3[@]}"
row s3_bad_region "invalid AWS region 'Not A Region'" -- "${S3[@]}" --set "aws.region=Not A Region"
row s3_profile 'profile nosuch' "${REG[@]}" AWS_PROFILE=nosuch -- "${S3[@]}"
row kin_profile 'profile nosuch' "${REG[@]}" -- "${KIN[@]}" --set aws.profile=nosuch
row sns_full_uri 'AWS_CONTAINER_CREDENTIALS_FULL_URI must use https' "${REG[@]}" \
  AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/creds -- "${SNS[@]}"
row comprehend_half_key 'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not' "${REG[@]}" \
  AWS_ACCESS_KEY_ID=AKIAEXAMPLE -- --set extract.engine=comprehend
row webid_no_role 'AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not' "${REG[@]}" \
  AWS_WEB_IDENTITY_TOKEN_FILE="$tmp/token" -- "${S3[@]}"
row msk_region 'no AWS region: set aws.region' -- --set source.type=kafka --set source.topics=r \
  --set kafka.bootstrap.servers=127.0.0.1:1 --set msk.iam=true --set kafka.sasl.mechanism=OAUTHBEARER \
  --set kafka.security.protocol=SASL_SSL
echo "check-config parity: $n bad configurations fail both commands with the same message"
