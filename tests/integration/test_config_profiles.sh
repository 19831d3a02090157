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
  env "${envs[@]}" "$BIN" check-config -c "$f" > "$tmp/out" 2> "$tmp/err" \
    || fail "$name with its variables set: check-config exit $?: $(cat "$tmp/err")"

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
  echo "ok: $name ($(echo $vars | wc -w) required variables)"
done
[ "$n_profiles" -ge 6 ] || fail "only $n_profiles profiles found"
[ "$n_required" -ge 5 ] || fail "only $n_required required variables across the profiles"
echo "profiles: $n_profiles pass check-config, $n_required required variables each fail when unset or empty"
