#!/usr/bin/python3
"""check_k8s_deploy.py -- the security and sizing rules medstream's
Kubernetes manifests must keep, checked on `kubectl kustomize` output
(tests/integration/test_deploy_k8s.sh; schema validity is validate.py's job).

  check_k8s_deploy.py DOCS_CONFIGURATION_MD RENDERED.yaml...

For every Deployment: each container runs as non-root (runAsNonRoot and a
non-zero runAsUser), with a read-only root filesystem, all capabilities
dropped, no privilege escalation, seccomp RuntimeDefault, requests and
limits; liveness /healthz and readiness /readyz on the admin port, which
the args bind to 0.0.0.0; every writable mount is an emptyDir;
terminationGracePeriodSeconds exceeds engine.drain_timeout_ms (the
profile's value, else the default documented in docs/configuration.md).
Every ScaledObject: maxReplicaCount <= the declared partitions/shards.
Every operator value the profile requires (${VAR:?...}) is in the env
ConfigMap and empty, so a forgotten one stops medstream instead of
sending PHI to a guessed place; the KEDA trigger repeats the same values.
NetworkPolicy: one governs both directions; DNS egress to kube-dns only. Prints one line per problem; exit 1 if any.
"""
import re
import sys

import yaml

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def drain_default_ms(doc_path):
    with open(doc_path, encoding="utf-8") as f:
        m = re.search(r"^\| `engine\.drain_timeout_ms` \|[^|]*\| `(\d+)` \|", f.read(), re.M)
    if not m:
        sys.exit("cannot find engine.drain_timeout_ms's default in %s" % doc_path)
    return int(m.group(1))


def ini_value(text, section, key):
    cur = ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            cur = s[1:-1].strip()
            continue
        m = re.match(r"([A-Za-z0-9_.]+)\s*[=:]\s*(.*?)\s*(?:\s;.*)?$", s)
        if m and not s.startswith((";", "#")):
            full = (cur + "." if cur else "") + m.group(1)
            if full == section + "." + key:
                return m.group(2)
    return None


def check_container(where, c, pod_sc, drain_ms, grace, writable_ok):
    sc = c.get("securityContext") or {}
    eff = dict(pod_sc)
    eff.update(sc)
    if eff.get("runAsNonRoot") is not True:
        bad(where, "runAsNonRoot is not true")
    if not isinstance(eff.get("runAsUser"), int) or eff.get("runAsUser") == 0:
        bad(where, "runAsUser must be a non-zero uid")
    if sc.get("readOnlyRootFilesystem") is not True:
        bad(where, "readOnlyRootFilesystem is not true")
    if sc.get("allowPrivilegeEscalation") is not False:
        bad(where, "allowPrivilegeEscalation is not false")
    if sc.get("privileged"):
        bad(where, "privileged")
    if (sc.get("capabilities") or {}).get("drop") != ["ALL"]:
        bad(where, "capabilities.drop is not [ALL]")
    if (sc.get("capabilities") or {}).get("add"):
        bad(where, "capabilities added")
    if (eff.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        bad(where, "seccompProfile is not RuntimeDefault")
    res = c.get("resources") or {}
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in (res.get(kind) or {}):
                bad(where, "resources.%s.%s missing" % (kind, r))
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = ((c.get(probe) or {}).get("httpGet")) or {}
        if get.get("path") != path:
            bad(where, "%s is not httpGet %s" % (probe, path))
        port = get.get("port")
        port = ports.get(port, port)
        if port is None:
            bad(where, "%s has no port" % probe)
        elif "http.listen=0.0.0.0:%s" % port not in (c.get("args") or []):
            bad(where, "%s port %s is not the admin endpoint bound by --set http.listen=0.0.0.0:%s"
                % (probe, port, port))
    for m in c.get("volumeMounts") or []:
        if not m.get("readOnly") and m.get("name") not in writable_ok:
            bad(where, "writable mount %s is not an emptyDir" % m.get("mountPath"))
    if grace * 1000 <= drain_ms:
        bad(where, "terminationGracePeriodSeconds %d s is not longer than drain_timeout_ms %d"
            % (grace, drain_ms))


def main(argv):
    default_drain = drain_default_ms(argv[1])
    docs = []
    for p in argv[2:]:
        with open(p, encoding="utf-8") as f:
            docs += [(p, d) for d in yaml.safe_load_all(f) if d]
    cms = {(p, d["metadata"]["name"]): d for p, d in docs if d.get("kind") == "ConfigMap"}
    kinds = {}
    deny_both = set()
    pod_env = {}
    for p, d in docs:
        kinds.setdefault((p, d.get("kind")), []).append(d)
    for p, d in docs:
        kind, name = d.get("kind"), d["metadata"]["name"]
        where = "%s %s/%s" % (p, kind, name)
        if kind == "Deployment":
            spec = d["spec"]["template"]["spec"]
            vols = {v["name"]: v for v in spec.get("volumes") or []}
            writable_ok = {n for n, v in vols.items() if "emptyDir" in v}
            profile = ""
            for v in vols.values():
                cm = cms.get((p, (v.get("configMap") or {}).get("name")))
                if cm:
                    profile += "".join((cm.get("data") or {}).values())
            drain = ini_value(profile, "engine", "drain_timeout_ms")
            drain_ms = int(drain) if drain else default_drain
            grace = spec.get("terminationGracePeriodSeconds", 30)
            for c in spec.get("containers", []) + spec.get("initContainers", []):
                check_container("%s container %s" % (where, c["name"]), c,
                                spec.get("securityContext") or {}, drain_ms, grace, writable_ok)
                # Operator values: every ${VAR:?} of the profile, empty in the env ConfigMap.
                env = {}
                for ef in c.get("envFrom") or []:
                    cm = cms.get((p, (ef.get("configMapRef") or {}).get("name")))
                    if cm:
                        env.update(cm.get("data") or {})
                for e in c.get("env") or []:
                    env[e["name"]] = e.get("value", "<from>")
                pod_env[(p, name)] = env
                settings = "\n".join(l for l in profile.splitlines()
                                      if not l.lstrip().startswith((";", "#")))
                required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", settings))
                if not required:
                    bad(where, "the mounted profile requires no operator value (no ConfigMap profile?)")
                for var in sorted(required):
                    if var not in env:
                        bad(where, "operator value %s is not in the env ConfigMap" % var)
                    elif env[var] != "":
                        bad(where, "operator value %s ships as %r: leave it empty (fail closed)"
                            % (var, env[var]))
            if not spec.get("serviceAccountName"):
                bad(where, "no serviceAccountName")
        elif kind == "ScaledObject":
            ann = d["metadata"].get("annotations") or {}
            cap = ann.get("medstream.io/topic-partitions") or ann.get("medstream.io/stream-shards")
            mx = d["spec"].get("maxReplicaCount")
            if cap is None:
                bad(where, "no medstream.io/topic-partitions or medstream.io/stream-shards annotation")
            elif mx is None or mx > int(cap):
                bad(where, "maxReplicaCount %s above the declared %s partitions/shards" % (mx, cap))
            for t in d["spec"].get("triggers", []):
                if t.get("type") == "kafka" and t["metadata"].get("allowIdleConsumers") not in (None, "false"):
                    bad(where, "allowIdleConsumers must stay false")
        elif kind == "ServiceAccount":
            arn = (d["metadata"].get("annotations") or {}).get("eks.amazonaws.com/role-arn", "")
            if not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+", arn):
                bad(where, "no IRSA role annotation eks.amazonaws.com/role-arn")
        elif kind == "NetworkPolicy":
            spec = d["spec"]
            if sorted(spec.get("policyTypes", [])) == ["Egress", "Ingress"]:
                deny_both.add(p)
            for rule in spec.get("egress", []):
                ports = {x.get("port") for x in rule.get("ports") or []}
                if 53 in ports:
                    sel = [t.get("podSelector", {}).get("matchLabels") for t in rule.get("to", [])]
                    if sel != [{"k8s-app": "kube-dns"}]:
                        bad(where, "DNS egress must go to kube-dns only, got %s" % sel)
                if not rule.get("to") or not rule.get("ports"):
                    bad(where, "an egress rule without 'to' and 'ports' allows too much")
    # KEDA cannot read the operator values from the env ConfigMap: the
    # trigger must repeat them, and the two copies must agree.
    same = {"kafka": {"bootstrapServers": "MSK_BOOTSTRAP", "topic": "MEDSTREAM_TOPICS",
                      "consumerGroup": "MEDSTREAM_GROUP", "awsRegion": "AWS_REGION"},
            "aws-kinesis-stream": {"streamName": "STREAM", "awsRegion": "AWS_REGION"}}
    for p, d in docs:
        if d.get("kind") != "ScaledObject":
            continue
        env = pod_env.get((p, d["spec"]["scaleTargetRef"]["name"]))
        where = "%s ScaledObject/%s" % (p, d["metadata"]["name"])
        if env is None:
            bad(where, "scaleTargetRef names no Deployment here")
            continue
        for t in d["spec"].get("triggers", []):
            for field, var in same.get(t.get("type"), {}).items():
                got, want = t["metadata"].get(field), env.get(var)
                if field == "topic" and "," in (want or "") and got == "":
                    continue  # several topics: KEDA sums the group's lag
                if got != want:
                    bad(where, "trigger %s %r differs from %s %r in the env ConfigMap"
                        % (field, got, var, want))
    for p in {p for p, _ in docs}:
        if p not in deny_both:
            bad(p, "no NetworkPolicy governs both ingress and egress")
        for k in ("Deployment", "ServiceAccount", "Service", "PodDisruptionBudget", "NetworkPolicy",
                  "ScaledObject", "TriggerAuthentication"):
            if not kinds.get((p, k)):
                bad(p, "no %s" % k)
    for line in problems:
        print("FAIL  " + line)
    print("%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
