#!/usr/bin/env bash
# test_config_profiles.sh -- every shipped profile (configs/*.ini) passes
# `medstream check-config` once the variables it requires (${VAR:?message})
# are set, and fails with that message, the file:line and the key as soon as
# any one of them is unset or empty. No profile carries a guessable
# placeholder destination or overrides the SDK's region lookup.
set -u
BIN=${MS_BIN:?run through ctest}
SRC=${MS_SRC:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME=$tmp

# A plausible value for each required variable the profiles use; a new one
# must be added here (the test fails naming it).
declare -A VALUE=(
  [STREAM]=clinical-reports
  [SUMMARY_BUCKET]=hospital-a-medstream-summaries
  [SUMMARY_TOPIC_ARN]=arn:aws:sns:eu-west-1:111122223333:summaries
  [MEDSTREAM_TOPICS]=reports
  [MSK_BOOTSTRAP]=b-1.msk.example.internal:9098
)

n_profiles=0 n_required=0
aws_profiles=0
for f in "$SRC"/configs/*.ini; do
  name=$(basename "$f")
  n_profiles=$((n_profiles + 1))
  # placeholders a forgotten variable would silently fall back to
  if grep -nE 'my-medstream|my-summaries:|123456789012|:-[^}]*arn:aws' "$f" | grep -v '^[0-9]*:[[:space:]]*;' ; then
    fail "$name carries a placeholder destination (use \${VAR:?message})"
  fi
  # no region override: the SDK lookup decides unless the operator asks
  awk '/^\[/{s=$0} s=="[aws]" && /^[[:space:]]*region[[:space:]]*=/{print FILENAME": "$0; bad=1} END{exit bad}' "$f" \
    || fail "$name sets aws.region (leave it to AWS_REGION / AWS_DEFAULT_REGION / the profile)"

  vars=$(grep -v '^[[:space:]]*;' "$f" | grep -o '\${[A-Za-z_][A-Za-z0-9_]*:?' | sed 's/^\${//; s/:?$//' | sort -u)
  envs=()
  for v in $vars; do
    [ -n "${VALUE[$v]:-}" ] || fail "$name requires \$$v: add a test value to VALUE in $0"
    envs+=("$v=${VALUE[$v]}")
  done
  # The region comes from the SDK lookup: AWS_REGION, AWS_DEFAULT_REGION or
  # the profile's region; without any, a profile that uses AWS must fail.
  env "${envs[@]}" AWS_REGION=eu-west-1 "$BIN" check-config -c "$f" > "$tmp/out" 2> "$tmp/err" \
    || fail "$name with its variables set: check-config exit $?: $(cat "$tmp/err")"
  env "${envs[@]}" AWS_DEFAULT_REGION=eu-west-1 "$BIN" check-config -c "$f" > /dev/null 2> "$tmp/err" \
    || fail "$name with AWS_DEFAULT_REGION: $(cat "$tmp/err")"
  mkdir -p "$HOME/.aws"; printf '[default]\nregion = eu-west-1\n' > "$HOME/.aws/config"
  env "${envs[@]}" "$BIN" check-config -c "$f" > /dev/null 2> "$tmp/err" \
    || fail "$name with the profile's region: $(cat "$tmp/err")"
  rm -rf "$HOME/.aws"
  if env "${envs[@]}" "$BIN" check-config -c "$f" > /dev/null 2> "$tmp/err"; then
    uses_aws=no
  else
    grep -q "no AWS region: set aws.region, AWS_REGION, AWS_DEFAULT_REGION" "$tmp/err" \
      || fail "$name without a region: $(cat "$tmp/err")"
    uses_aws=yes
  fi
  envs+=(AWS_REGION=eu-west-1)

  for v in $vars; do
    n_required=$((n_required + 1))
    line=$(grep -n "\${$v:?" "$f" | head -1 | cut -d: -f1)
    msg=$(sed -n "${line}p" "$f" | sed "s/.*\${$v:?\([^}]*\)}.*/\1/")
    for how in unset empty; do
      others=()
      for e in "${envs[@]}"; do [ "${e%%=*}" = "$v" ] || others+=("$e"); done
      [ $how = empty ] && others+=("$v=")
      env "${others[@]}" "$BIN" check-config -c "$f" > "$tmp/out" 2> "$tmp/err" \
        && fail "$name with \$$v $how: check-config passed"
      want="$f:$line:"
      grep -qF "$want" "$tmp/err" || fail "$name \$$v $how: no '$want' in: $(cat "$tmp/err")"
      grep -qF "$msg (environment variable '$v' is" "$tmp/err" \
        || fail "$name \$$v $how: the message is missing: $(cat "$tmp/err")"
    done
  done
  [ $uses_aws = yes ] && aws_profiles=$((aws_profiles + 1))
  echo "ok: $name ($(echo $vars | wc -w) required variables, region needed: $uses_aws)"
done
[ "$aws_profiles" -ge 2 ] || fail "only $aws_profiles profiles need a region (msk and kinesis do)"
[ "$n_profiles" -ge 6 ] || fail "only $n_profiles profiles found"
[ "$n_required" -ge 5 ] || fail "only $n_required required variables across the profiles"
echo "profiles: $n_profiles pass check-config, $n_required required variables each fail when unset or empty"
