#!/usr/bin/env bash
# test_deploy_k8s.sh -- deploy/kubernetes and deploy/prometheus as an
# operator would use them, offline:
#  - `kubectl kustomize` renders each overlay (msk, kinesis) and
#    deploy/prometheus;
#  - every object validates against the Kubernetes 1.31 strict JSON schemas
#    and the KEDA CRD schemas ($MS_SHARED/schemas/validate.py);
#  - tests/support/check_k8s_deploy.py holds the security and sizing rules
#    (non-root, read-only rootfs, drop ALL, probes, grace > drain timeout,
#    replicas <= partitions/shards, empty operator values);
#  - medstream check-config accepts the ConfigMap's profile with the pod's
#    args once the operator values are set, and refuses it while they are
#    empty; the overlay's profile copies equal configs/*.ini;
#  - promtool check rules / test rules on the alerts, and the
#    PrometheusRule carries the same groups as the plain rules file.
# Each checker is first shown a deliberately broken copy it must reject.
set -euo pipefail
SRC=${MS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED=${MS_SHARED:-$SRC/../shared}
PY=/usr/bin/python3
VALIDATE=$SHARED/schemas/validate.py
CHECK=$SRC/tests/support/check_k8s_deploy.py
DOCS=$SRC/docs/configuration.md

# Any kubectl from 1.20 on: Debian 12's (package kubernetes-client, kustomize
# v2.0.3) is the oldest the manifests are written for. KUBECTL picks another.
KUBECTL=${KUBECTL:-kubectl}
command -v "$KUBECTL" >/dev/null || { echo "skip: kubectl not installed (scripts/setup.sh installs kubernetes-client)"; exit 77; }
echo "# $("$KUBECTL" version --client 2>/dev/null | head -1)"
command -v promtool >/dev/null || { echo "skip: promtool not installed (Debian package prometheus; scripts/setup.sh)"; exit 77; }
[ -f "$VALIDATE" ] || { echo "skip: $VALIDATE absent (../shared is not checked out beside the repo)"; exit 77; }
"$PY" -c 'import yaml, jsonschema' 2>/dev/null || { echo "skip: python3-yaml / python3-jsonschema missing (scripts/setup.sh)"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-k8s-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
pass=0
ok()   { pass=$((pass + 1)); echo "ok   - $1"; }
bad()  { fails=$((fails + 1)); echo "FAIL - $1"; }
# expect_ok NAME CMD... / expect_fail NAME CMD...: output kept in $tmp/last.log
expect_ok()   { local n=$1; shift; if "$@" > "$tmp/last.log" 2>&1; then ok "$n"; else bad "$n"; sed 's/^/    /' "$tmp/last.log"; fi; }
expect_fail() { local n=$1; shift; if "$@" > "$tmp/last.log" 2>&1; then bad "$n (was accepted)"; sed 's/^/    /' "$tmp/last.log"; else ok "$n"; fi; }
yq_py() { "$PY" -c "$1" "${@:2}"; }

# --- 1. the checkers reject broken manifests ------------------------------
cp -r "$SRC/deploy" "$tmp/broken"
b=$tmp/broken/kubernetes
sed -i 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/; s/terminationGracePeriodSeconds: 45/terminationGracePeriodSeconds: 20/' "$b/base/deployment.yaml"
sed -i 's/maxReplicaCount: 12/maxReplicaCount: 13/' "$b/overlays/msk/scaledobject.yaml"
sed -i 's/^      - SUMMARY_BUCKET=$/      - SUMMARY_BUCKET=my-summaries/; s/^      - AWS_REGION=$/      - AWS_REGION=eu-west-1/' "$b/overlays/msk/kustomization.yaml"
"$KUBECTL" kustomize "$b/overlays/msk" > "$tmp/broken-msk.yaml" 2>/dev/null
expect_fail "security check rejects a broken copy" "$PY" "$CHECK" "$DOCS" "$tmp/broken-msk.yaml"
for why in "readOnlyRootFilesystem is not true" "not longer than drain_timeout_ms" \
           "maxReplicaCount 13 above the declared 12" "SUMMARY_BUCKET ships as 'my-summaries'" \
           "trigger awsRegion '' differs from AWS_REGION 'eu-west-1'"; do
  if grep -qF "$why" "$tmp/last.log"; then ok "broken copy: reported '$why'"; else bad "broken copy: '$why' not reported"; fi
done
sed -i 's/readinessProbe:/readinesProbe:/' "$b/base/deployment.yaml"
sed -i 's/identityOwner: workload/identityOwner: pod/' "$b/overlays/msk/triggerauthentication.yaml"
"$KUBECTL" kustomize "$b/overlays/msk" > "$tmp/broken-msk.yaml" 2>/dev/null
expect_fail "schema validation rejects a misspelled key and a bad enum" "$PY" "$VALIDATE" k8s "$tmp/broken-msk.yaml"
grep -q "FAIL.*Deployment/medstream.*readinesProbe" "$tmp/last.log" && ok "schema: misspelled readinessProbe reported" || bad "schema: misspelled readinessProbe not reported"
grep -q "FAIL.*TriggerAuthentication/medstream-msk-iam" "$tmp/last.log" && ok "schema: bad KEDA identityOwner reported" || bad "schema: bad KEDA identityOwner not reported"
sed -i 's/> 0.05$/> 0.5/' "$tmp/broken/prometheus/medstream-rules.yaml"
expect_fail "promtool test rules rejects a loosened dead-letter threshold" promtool test rules "$tmp/broken/prometheus/medstream-rules.test.yaml"

# --- 2. the shipped overlays ----------------------------------------------
for ov in msk kinesis; do
  out=$tmp/$ov.yaml
  if "$KUBECTL" kustomize "$SRC/deploy/kubernetes/overlays/$ov" > "$out" 2> "$tmp/last.log"; then
    ok "$ov: kubectl kustomize renders"
  else
    bad "$ov: kubectl kustomize renders"; sed 's/^/    /' "$tmp/last.log"
  fi
  [ -s "$out" ] || continue
  expect_ok "$ov: every object valid (K8s 1.31 strict + KEDA CRDs)" "$PY" "$VALIDATE" k8s "$out"
  if grep -q '^SKIP' "$tmp/last.log"; then bad "$ov: an object had no schema"; grep '^SKIP' "$tmp/last.log"; fi
  n=$(grep -c '^OK' "$tmp/last.log" || true)
  [ "$n" -ge 9 ] && ok "$ov: $n objects validated" || bad "$ov: only $n objects validated"
  expect_ok "$ov: security and sizing rules" "$PY" "$CHECK" "$DOCS" "$out"
  if cmp -s "$SRC/configs/$ov.ini" "$SRC/deploy/kubernetes/overlays/$ov/medstream.ini"; then
    ok "$ov: overlay profile is configs/$ov.ini"
  else
    bad "$ov: deploy/kubernetes/overlays/$ov/medstream.ini differs from configs/$ov.ini (copy it again)"
  fi

  # The pod's command line and environment, taken from the rendered objects.
  yq_py '
import sys, yaml, shlex
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
c = dep["spec"]["template"]["spec"]["containers"][0]
cms = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
env = {}
for ef in c.get("envFrom", []):
    env.update(cms[ef["configMapRef"]["name"]]["data"])
cfg = next(d for d in docs if d["kind"] == "ConfigMap" and "medstream.ini" in d.get("data", {}))
open(sys.argv[2], "w").write(cfg["data"]["medstream.ini"])
mount = next(m["mountPath"] for m in c["volumeMounts"] if m["name"] == "config")
args = [a.replace(mount + "/medstream.ini", sys.argv[2]) for a in c["args"]]
open(sys.argv[3], "w").write("\n".join(args) + "\n")
# Operator values: as shipped (empty), and filled with test values.
fill = {"AWS_REGION": "us-east-1", "SUMMARY_TOPIC_ARN": "arn:aws:sns:us-east-1:111122223333:test",
        "MSK_BOOTSTRAP": "b-1.test.kafka.us-east-1.amazonaws.com:9098"}
with open(sys.argv[4], "w") as f, open(sys.argv[5], "w") as g:
    for k, v in sorted(env.items()):
        f.write("%s=%s\n" % (k, v))
        g.write("%s=%s\n" % (k, v or fill.get(k, "test-" + k.lower().replace("_", "-"))))
' "$out" "$tmp/$ov.ini" "$tmp/$ov.args" "$tmp/$ov.env" "$tmp/$ov.filled.env"
  mapfile -t args < "$tmp/$ov.args"
  [ "${args[0]}" = run ] && ok "$ov: container args start with 'run'" || bad "$ov: container args: ${args[*]}"
  cc=("${args[@]:1}")
  if [ -n "${MS_BIN:-}" ] && [ -x "${MS_BIN:-}" ]; then
    mapfile -t shipped < "$tmp/$ov.env"
    mapfile -t filled < "$tmp/$ov.filled.env"
    expect_fail "$ov: check-config refuses the shipped (empty) operator values" \
      env -i PATH=/usr/bin:/bin "${shipped[@]}" "$MS_BIN" check-config "${cc[@]}"
    grep -q "environment variable '[A-Z_]*' is empty" "$tmp/last.log" && ok "$ov: ...naming the variable" || { bad "$ov: refusal does not name the variable"; cat "$tmp/last.log"; }
    expect_ok "$ov: check-config accepts the profile with the pod's args and operator values" \
      env -i PATH=/usr/bin:/bin "${filled[@]}" "$MS_BIN" check-config "${cc[@]}"
    listen=$(awk '/^\[http\]/{s=1;next} /^\[/{s=0} s && $1=="listen"{print $3; exit}' "$tmp/last.log")
    [ "$listen" = "0.0.0.0:9464" ] && ok "$ov: effective http.listen is 0.0.0.0:9464" || bad "$ov: effective http.listen is '$listen'"
    drain=$(awk '/^\[engine\]/{s=1;next} /^\[/{s=0} s && $1=="drain_timeout_ms"{print $3; exit}' "$tmp/last.log")
    grace=$(yq_py 'import sys,yaml; print(next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"]=="Deployment")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"])' "$out")
    if [ -n "$drain" ] && [ $((grace * 1000)) -gt "$drain" ]; then
      ok "$ov: terminationGracePeriodSeconds ${grace}s > effective engine.drain_timeout_ms $drain"
    else
      bad "$ov: grace ${grace}s vs effective drain_timeout_ms '$drain'"
    fi
  else
    echo "note - MS_BIN not set: check-config steps not run"
  fi
done

# --- 3. Prometheus ----------------------------------------------------------
P=$SRC/deploy/prometheus
expect_ok "promtool check rules" promtool check rules "$P/medstream-rules.yaml"
expect_ok "promtool test rules (every alert fires and stays quiet)" promtool test rules "$P/medstream-rules.test.yaml"
if "$KUBECTL" kustomize "$P" > "$tmp/prom.yaml" 2> "$tmp/last.log"; then ok "kubectl kustomize deploy/prometheus"; else bad "kubectl kustomize deploy/prometheus"; cat "$tmp/last.log"; fi
expect_ok "PrometheusRule groups equal the plain rules file; every alert has a unit test" yq_py '
import sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
docs = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
pr = next(d for d in docs if d["kind"] == "PrometheusRule" and d["apiVersion"] == "monitoring.coreos.com/v1")
sm = next(d for d in docs if d["kind"] == "ServiceMonitor" and d["apiVersion"] == "monitoring.coreos.com/v1")
assert pr["spec"]["groups"] == rules["groups"], "PrometheusRule differs from medstream-rules.yaml"
assert sm["spec"]["endpoints"][0]["port"] == "admin" and sm["spec"]["endpoints"][0]["path"] == "/metrics"
alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
want = {"MedstreamKafkaLagGrowing", "MedstreamKinesisLagGrowing", "MedstreamDeadLetterRate",
        "MedstreamComprehendThrottleRate", "MedstreamNoDeliveries", "MedstreamNotReady"}
assert want <= alerts, "missing alerts: %s" % (want - alerts)
tests = yaml.safe_load(open(sys.argv[3]))
tested = {t["alertname"] for case in tests["tests"] for t in case.get("alert_rule_test", []) if t.get("exp_alerts")}
assert alerts <= tested, "alerts without a firing test: %s" % (alerts - tested)
print("alerts:", sorted(alerts))
' "$P/medstream-rules.yaml" "$tmp/prom.yaml" "$P/medstream-rules.test.yaml"
# Every medstream_* name the rules use is one medstream registers (src/).
names=$(grep -o 'medstream_[a-z_]*' "$P/medstream-rules.yaml" | sed 's/_bucket$//' | sort -u)
known=$(grep -rhoE '"medstream_[a-z_]+"' "$SRC/src" | tr -d '"' | sort -u)
unknown=$(comm -23 <(echo "$names") <(echo "$known") | tr '\n' ' ')
[ -z "${unknown// /}" ] && ok "rules use only metric names registered in src/ ($(echo "$names" | wc -l) names)" || bad "rules use unregistered metrics: $unknown"

echo "passed $pass, failed $fails"
[ "$fails" -eq 0 ]
