#!/usr/bin/env bash
# test_creds_chain.sh -- the whole credential chain as the binary runs it
# (`medstream awscurl --dry-run`, through ms_aws_new), from an EMPTY HOME:
# no ~/.aws files, no AWS_PROFILE. Each provider in turn must win, in the
# SDKs' order: environment, web identity (STS peer), shared profile,
# container (full URI + token file, relative URI), EC2 instance metadata.
# A missing default profile is skipped; an explicitly named missing profile
# (AWS_PROFILE, --profile, aws.profile) is an error. The peer is
# tests/support/aws_meta_peer.py (IMDS, container agent and STS in one).
set -u
BIN=${MS_BIN:?run through ctest}
SRC=${MS_SRC:?}
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "SKIP: $PY is needed for the metadata peer"; exit 77; }
tmp=$(mktemp -d)
peer=
cleanup() { [ -n "$peer" ] && kill "$peer" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset MEDSTREAM_TEST_ECS_HOST
export HOME=$tmp/home
mkdir -p "$HOME"

"$PY" "$SRC/tests/support/aws_meta_peer.py" --port 0 > "$tmp/port" &
peer=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(head -1 "$tmp/port")
[ -n "$port" ] || fail "the metadata peer did not report a port"
P=http://127.0.0.1:$port

ctl() {  # ctl PATH [JSON]: POST (with a body) or GET the peer's control API
  "$PY" - "$P$1" "${2:-}" <<'EOF'
import sys, urllib.request
url, body = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, data=body.encode() if body else None)
print(urllib.request.urlopen(req, timeout=5).read().decode())
EOF
}
stat() {  # stat KEY: one field of the peer's counters
  ctl /_ctl/stats | "$PY" -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print("" if v is None else v)' "$1"
}

# Every case: only the variables it sets, HOME empty, and IMDS available at
# the peer (so a provider that wins does so ahead of IMDS, not for lack of it).
dry() {  # dry NAME [VAR=VALUE...] -- [awscurl args]: run, keep out/err/rc
  local name=$1; shift
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  ctl /_ctl/reset "{}" > /dev/null
  env "AWS_EC2_METADATA_SERVICE_ENDPOINT=$P" "${envs[@]}" \
    "$BIN" awscurl --dry-run "$@" https://sqs.us-east-1.amazonaws.com/ \
    > "$tmp/$name.out" 2> "$tmp/$name.err"
  echo $? > "$tmp/$name.rc"
}
expect_provider() {  # expect_provider NAME PROVIDER KEY-PREFIX
  [ "$(cat "$tmp/$1.rc")" = 0 ] || fail "$1: exit $(cat "$tmp/$1.rc"): $(cat "$tmp/$1.err")"
  grep -q "credentials from $2\$" "$tmp/$1.err" \
    || fail "$1: expected provider $2, stderr: $(cat "$tmp/$1.err")"
  grep -q "Credential=$3" "$tmp/$1.out" \
    || fail "$1: expected a key starting $3 in: $(grep -m1 Authorization "$tmp/$1.out")"
  echo "ok: $1 -> $2"
}
expect_error() {  # expect_error NAME NEEDLE
  [ "$(cat "$tmp/$1.rc")" != 0 ] || fail "$1: succeeded, expected an error with '$2'"
  grep -qF "$2" "$tmp/$1.err" || fail "$1: error lacks '$2': $(cat "$tmp/$1.err")"
  echo "ok: $1 -> error"
}

printf 'eyJhbGciOi.jwt-for-test' > "$tmp/webid-token"
printf 'pod-identity-token\n' > "$tmp/pod-token"
WEBID=(AWS_WEB_IDENTITY_TOKEN_FILE="$tmp/webid-token"
       AWS_ROLE_ARN=arn:aws:iam::123456789012:role/medstream AWS_ENDPOINT_URL_STS=$P/)
FULL=(AWS_CONTAINER_CREDENTIALS_FULL_URI=$P/ecs/pod
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$tmp/pod-token")
REL=(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/ecs/task MEDSTREAM_TEST_ECS_HOST=$P)
ENVK=(AWS_ACCESS_KEY_ID=AKIAFROMENV AWS_SECRET_ACCESS_KEY=envsecret)

# --- each provider alone, from the empty HOME ---------------------------------
dry imds
expect_provider imds imds ASIAIMDS
[ "$(stat imds_token_puts)" = 1 ] || fail "imds: no IMDSv2 token PUT"

dry full "${FULL[@]}"
expect_provider full ecs ASIAECS
[ "$(stat ecs_auth)" = pod-identity-token ] || fail "full: Authorization was '$(stat ecs_auth)'"

dry full_env_token AWS_CONTAINER_CREDENTIALS_FULL_URI=$P/ecs/pod AWS_CONTAINER_AUTHORIZATION_TOKEN=tok-env
expect_provider full_env_token ecs ASIAECS
[ "$(stat ecs_auth)" = tok-env ] || fail "full_env_token: Authorization was '$(stat ecs_auth)'"

dry rel "${REL[@]}"
expect_provider rel ecs ASIAECS
[ "$(stat ecs_requests)" = 1 ] || fail "rel: the container agent saw $(stat ecs_requests) requests"

dry webid "${WEBID[@]}"
expect_provider webid web-identity ASIASTS
[ "$(stat sts_requests)" = 1 ] || fail "webid: STS saw $(stat sts_requests) requests"

dry env "${ENVK[@]}"
expect_provider env env AKIAFROMENV

# --- the order: everything at once, then peel off the winner ------------------
dry all "${ENVK[@]}" "${WEBID[@]}" "${FULL[@]}"
expect_provider all env AKIAFROMENV
[ "$(stat sts_requests)$(stat ecs_requests)$(stat imds_token_puts)" = 000 ] \
  || fail "all: later providers were asked"
dry no_env "${WEBID[@]}" "${FULL[@]}"
expect_provider no_env web-identity ASIASTS
[ "$(stat ecs_requests)" = 0 ] || fail "no_env: the container was asked"
dry no_webid "${FULL[@]}"
expect_provider no_webid ecs ASIAECS
[ "$(stat imds_token_puts)" = 0 ] || fail "no_webid: IMDS was asked"

# A default profile with keys comes before the container.
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = s\n' > "$HOME/.aws/credentials"
dry profile "${FULL[@]}"
expect_provider profile profile AKIAPROFILE
# A default profile that exists without credentials (region only) is passed over.
printf '[default]\nregion = eu-west-1\n' > "$HOME/.aws/config"
rm "$HOME/.aws/credentials"
dry profile_empty "${FULL[@]}"
expect_provider profile_empty ecs ASIAECS
rm -rf "$HOME/.aws"

# --- a profile named explicitly must exist -------------------------------------
dry named_env "${FULL[@]}" AWS_PROFILE=nosuch
expect_error named_env "profile nosuch"
grep -q "not found" "$tmp/named_env.err" || fail "named_env: $(cat "$tmp/named_env.err")"
dry named_flag "${FULL[@]}" -- --profile nosuch
expect_error named_flag "profile nosuch"
dry named_key "${FULL[@]}" -- --set aws.profile=nosuch
expect_error named_key "profile nosuch"
[ "$(stat ecs_requests)" = 0 ] || fail "named_key: fell through to the container"

# --- the test-only container host is loopback only -----------------------------
dry rel_foreign AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/ecs/task MEDSTREAM_TEST_ECS_HOST=http://example.com
expect_error rel_foreign "MEDSTREAM_TEST_ECS_HOST"
echo "credential chain: all providers and the order verified from an empty HOME"
