#!/usr/bin/env bash
# test_deploy_cfn.sh -- deploy/aws/medstream.yaml, the CloudFormation
# template, checked offline by tests/support/check_cfn.py: every resource
# against its CloudFormation resource schema (../shared/schemas), every
# reference resolves, the role's policy is deploy/aws/policies/<source>.json,
# the rendered IAM documents against the IAM schemas, the bucket, topic,
# key, lease table and alarms as docs/deploy.md describes them.
#
# Runs no C code: in sanitizer builds (build-asan, build-tsan) it skips.
set -u
SRC=${MS_SRC:?run through ctest}
BIN=${MS_BIN:?}
SHARED=${MS_SHARED:-$SRC/../shared}
PY=/usr/bin/python3
grep -q 'MS_SANITIZE:STRING=\(address\|thread\)' "$(dirname "$BIN")/CMakeCache.txt" 2>/dev/null \
  && { echo "SKIP: sanitizer build: this test runs no C code"; exit 77; }
[ -f "$SHARED/schemas/validate.py" ] || { echo "SKIP: $SHARED/schemas missing"; exit 77; }
$PY -c 'import yaml, jsonschema, regex' 2>/dev/null \
  || { echo "SKIP: /usr/bin/python3 lacks yaml/jsonschema/regex (scripts/setup.sh installs them)"; exit 77; }
exec $PY "$SRC/tests/support/check_cfn.py" "$SRC" "$SHARED/schemas"
