#!/usr/bin/python3
"""check_cfn.py -- what deploy/aws/medstream.yaml must be, checked offline.

usage: check_cfn.py SRC_DIR SCHEMAS_DIR

  1. every resource's Properties validate against the CloudFormation
     resource schema of its type (SCHEMAS_DIR/validate.py cfn); a type with
     no schema there must be listed in NO_SCHEMA with what checks it instead;
  2. references resolve: each Ref, Fn::GetAtt and ${...} of Fn::Sub names a
     parameter, a resource or a pseudo parameter; GetAtt attributes are
     read-only properties of the type's schema; conditions exist;
  3. the role's policy is deploy/aws/policies/msk.json for Source=msk and
     kinesis.json for Source=kinesis, statement for statement (Fn::Sub
     strings there, the same ${...} text in the files);
  4. rendered for each Source with example parameter values (Fn::If, Ref,
     Sub, GetAtt resolved), the role's policies, its trust policy (ECS alone
     and ECS + IRSA) and the bucket policy validate against the IAM schemas;
  5. the settings issue 18 asks for: SSE-KMS with the stack's key, public
     access blocked, versioning, a TLS-only bucket policy, a KMS topic, the
     lease table's key schema as src/sources/checkpoint_ddb.c creates it,
     alarms on lag / dead letters / throttles whose metric and dimension
     names are the documented ones (docs/metrics.md) in the default
     namespace (docs/configuration.md).
Prints one line per check; exit 1 on the first failure."""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

PY = sys.executable
PSEUDO = {"AWS::AccountId": "111122223333", "AWS::Region": "eu-west-1", "AWS::Partition": "aws",
          "AWS::StackName": "medstream", "AWS::NoValue": None, "AWS::URLSuffix": "amazonaws.com"}
# Types without a schema in ../shared/schemas, and what checks them here.
NO_SCHEMA = {"AWS::S3::BucketPolicy": "its PolicyDocument, rendered, against the IAM resource-policy schema (4)"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def load(path):
    class Loader(yaml.SafeLoader):
        pass

    def ctor(loader, suffix, node):
        name = "Ref" if suffix == "Ref" else "Fn::" + suffix
        if isinstance(node, yaml.ScalarNode):
            val = loader.construct_scalar(node)
            if suffix == "GetAtt":
                val = val.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            val = loader.construct_sequence(node, deep=True)
        else:
            val = loader.construct_mapping(node, deep=True)
        return {name: val}

    Loader.add_multi_constructor("!", ctor)
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader)


SUB = re.compile(r"\$\{([^}!][^}]*)\}")


def walk(node, fn):
    fn(node)
    if isinstance(node, dict):
        for v in node.values():
            walk(v, fn)
    elif isinstance(node, list):
        for v in node:
            walk(v, fn)


def check_refs(tpl, schemas):
    params, res, conds = tpl.get("Parameters", {}), tpl["Resources"], tpl.get("Conditions", {})
    problems, n = [], [0]

    def name_ok(name, where):
        n[0] += 1
        if "." in name:
            r, att = name.split(".", 1)
            if r not in res:
                problems.append(f"{where}: {name}: no resource {r}")
            elif res[r]["Type"] in schemas and \
                    f"/properties/{att}" not in schemas[res[r]["Type"]].get("readOnlyProperties", []):
                problems.append(f"{where}: {r} ({res[r]['Type']}) has no attribute {att}")
        elif name not in params and name not in res and name not in PSEUDO:
            problems.append(f"{where}: {name} is neither a parameter, a resource nor a pseudo parameter")

    def visit(node):
        if not isinstance(node, dict) or len(node) != 1:
            return
        (k, v), = node.items()
        if k == "Ref":
            name_ok(v, "Ref")
        elif k == "Fn::GetAtt":
            name_ok(".".join(v), "GetAtt")
        elif k == "Fn::Sub":
            s, extra = (v, {}) if isinstance(v, str) else (v[0], v[1])
            for m in SUB.findall(s):
                if m not in extra:
                    name_ok(m, "Sub")
        elif k == "Fn::If":
            n[0] += 1
            if v[0] not in conds:
                problems.append(f"Fn::If: no condition {v[0]}")
        elif k == "Condition" and isinstance(v, str) and v not in conds:
            problems.append(f"Condition: no condition {v}")

    walk(tpl["Resources"], visit)
    walk(tpl.get("Outputs", {}), visit)
    walk(conds, visit)
    for lid, r in list(res.items()) + list(tpl.get("Outputs", {}).items()):
        if "Condition" in r:
            n[0] += 1
            if r["Condition"] not in conds:
                problems.append(f"{lid}: no condition {r['Condition']}")
    if problems:
        fail("references: " + "; ".join(problems))
    print(f"ok: {n[0]} references (Ref, GetAtt, Sub, conditions) resolve")


def unsub(node):
    """The policy as the files write it: {"Fn::Sub": s} -> s."""
    if isinstance(node, dict):
        if list(node) == ["Fn::Sub"] and isinstance(node["Fn::Sub"], str):
            return node["Fn::Sub"]
        return {k: unsub(v) for k, v in node.items()}
    if isinstance(node, list):
        return [unsub(v) for v in node]
    return node


class Renderer:
    """Resolves the intrinsics for one set of parameter values."""

    def __init__(self, tpl, values):
        self.tpl, self.values = tpl, dict(PSEUDO)
        for k, p in tpl.get("Parameters", {}).items():
            self.values[k] = values.get(k, p.get("Default"))
        for k in tpl["Resources"]:
            self.values.setdefault(k, EXAMPLE_REF.get(k, k.lower()))
        self.conds = {}
        for k, c in tpl.get("Conditions", {}).items():
            self.conds[k] = self.r(c)

    def att(self, name):
        r, a = name.split(".", 1)
        return EXAMPLE_ATT[(r, a)]

    def r(self, node):
        if isinstance(node, list):
            return [x for x in (self.r(v) for v in node) if x is not None]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (k, v), = node.items()
            if k == "Ref":
                return self.values[v]
            if k == "Fn::GetAtt":
                return self.att(".".join(v))
            if k == "Fn::Sub":
                return SUB.sub(lambda m: str(self.att(m.group(1)) if "." in m.group(1)
                                             else self.values[m.group(1)]), v)
            if k == "Fn::If":
                return self.r(v[1] if self.conds[v[0]] else v[2])
            if k == "Fn::Equals":
                a, b = self.r(v)
                return str(a) == str(b)
            if k == "Fn::Not":
                return not self.r(v)[0]
            if k == "Condition":
                return self.conds[v]
        return {k: x for k, x in ((k, self.r(v)) for k, v in node.items()) if x is not None}


EXAMPLE_REF = {"SummaryBucket": "medstream-summarybucket-1a2b3c", "KmsKey": "1234abcd-12ab-34cd-56ef-1234567890ab",
               "SummaryTopic": "arn:aws:sns:eu-west-1:111122223333:medstream-SummaryTopic-1A2B",
               "LogGroup": "/medstream/default", "TaskRole": "medstream-TaskRole-1A2B"}
EXAMPLE_ATT = {("KmsKey", "Arn"): "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
               ("SummaryBucket", "Arn"): "arn:aws:s3:::medstream-summarybucket-1a2b3c",
               ("TaskRole", "Arn"): "arn:aws:iam::111122223333:role/medstream-TaskRole-1A2B"}


def iam_validate(schemas_dir, kind, doc, label):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
    try:
        p = subprocess.run([PY, os.path.join(schemas_dir, "validate.py"), kind, f.name],
                           capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if p.returncode != 0 or "OK" not in p.stdout:
        fail(f"{label} ({kind}): {p.stdout}{p.stderr}")


def main(src, schemas_dir):
    path = os.path.join(src, "deploy", "aws", "medstream.yaml")
    tpl = load(path)
    res = tpl["Resources"]
    cfn_dir = os.path.join(schemas_dir, "cloudformation", "us-east-1")
    schemas = {}
    for fn in os.listdir(cfn_dir):
        with open(os.path.join(cfn_dir, fn)) as f:
            s = json.load(f)
        schemas[s["typeName"]] = s

    # 1. resource schemas
    p = subprocess.run([PY, os.path.join(schemas_dir, "validate.py"), "cfn", path],
                       capture_output=True, text=True)
    if p.returncode != 0:
        fail("validate.py cfn:\n" + p.stdout + p.stderr)
    for lid, r in res.items():
        if r["Type"] not in schemas and r["Type"] not in NO_SCHEMA:
            fail(f"{lid}: {r['Type']} has no schema in {cfn_dir} and no other check (NO_SCHEMA)")
    n_ok = sum(r["Type"] in schemas for r in res.values())
    print(f"ok: {n_ok} of {len(res)} resources validate against their CloudFormation schema; "
          + "; ".join(f"{t}: {why}" for t, why in NO_SCHEMA.items()))

    # 2. references
    check_refs(tpl, schemas)

    # 3. the role's policy is the profile's policy file
    role = res["TaskRole"]["Properties"]
    pols = role["Policies"]
    if len(pols) != 1 or list(pols[0]["PolicyDocument"]) != ["Fn::If"]:
        fail("TaskRole: expected one policy, Fn::If [IsMsk, msk, kinesis]")
    cond, msk_doc, kin_doc = pols[0]["PolicyDocument"]["Fn::If"]
    if cond != "IsMsk" or tpl["Conditions"]["IsMsk"] != {"Fn::Equals": [{"Ref": "Source"}, "msk"]}:
        fail("TaskRole's policy is not chosen by IsMsk = (Source == msk)")
    if role.get("ManagedPolicyArns"):
        fail("TaskRole has managed policies beyond the profile's")
    for prof, doc in (("msk", msk_doc), ("kinesis", kin_doc)):
        with open(os.path.join(src, "deploy", "aws", "policies", prof + ".json")) as f:
            want = json.load(f)
        got = unsub(doc)
        if got != want:
            fail(f"TaskRole's {prof} policy differs from deploy/aws/policies/{prof}.json:\n"
                 + json.dumps(got, indent=1) + "\n!=\n" + json.dumps(want, indent=1))
        print(f"ok: TaskRole's policy for Source={prof} equals deploy/aws/policies/{prof}.json")

    # 4. rendered
    examples = {"msk": {"Source": "msk", "MskClusterName": "hospital",
                        "MskClusterUuid": "abcd1234-0123-4567-89ab-0123456789ab-2"},
                "kinesis": {"Source": "kinesis", "KinesisStreamName": "clinical-reports"}}
    for prof, vals in examples.items():
        for irsa in ("", "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"):
            v = dict(vals, EksOidcProvider=irsa)
            rd = Renderer(tpl, v)
            live = {k: r for k, r in res.items() if "Condition" not in r or rd.conds[r["Condition"]]}
            if prof == "msk" and "LeaseTable" in live:
                fail("Source=msk creates a lease table")
            if prof == "kinesis" and "LeaseTable" not in live:
                fail("Source=kinesis creates no lease table")
            rp = rd.r(role)
            trust = rp["AssumeRolePolicyDocument"]
            if isinstance(trust, str):
                trust = json.loads(trust)
            principals = [s["Principal"] for s in trust["Statement"]]
            if {"Service": "ecs-tasks.amazonaws.com"} not in principals:
                fail(f"{prof}: ECS tasks cannot assume the role")
            if bool(irsa) != any("Federated" in p for p in principals):
                fail(f"{prof}: IRSA trust {'missing' if irsa else 'present without EksOidcProvider'}")
            if irsa:
                cond = [s for s in trust["Statement"] if "Federated" in s["Principal"]][0]["Condition"]
                if cond["StringEquals"].get(irsa + ":sub") != "system:serviceaccount:medstream:medstream":
                    fail(f"IRSA trust is not limited to the service account: {cond}")
            iam_validate(schemas_dir, "iam-trust", trust, f"{prof} trust (irsa={bool(irsa)})")
            iam_validate(schemas_dir, "iam", rp["Policies"][0]["PolicyDocument"], f"{prof} role policy")
        bp = rd.r(res["SummaryBucketPolicy"]["Properties"]["PolicyDocument"])
        iam_validate(schemas_dir, "iam-resource", bp, "bucket policy")
        print(f"ok: Source={prof}: role policy, trust (ECS; ECS + IRSA) and bucket policy, rendered, "
              "validate against the IAM schemas")

    # 5. the settings
    b = res["SummaryBucket"]["Properties"]
    sse = b["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    if sse != {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["KmsKey", "Arn"]}}:
        fail(f"bucket encryption is not SSE-KMS with the stack's key: {sse}")
    if set(b["PublicAccessBlockConfiguration"].values()) != {True} or len(b["PublicAccessBlockConfiguration"]) != 4:
        fail("public access is not fully blocked")
    if b["VersioningConfiguration"] != {"Status": "Enabled"}:
        fail("versioning is not enabled")
    tls = [s for s in res["SummaryBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
           if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
           and s["Action"] == "s3:*" and s["Principal"] == "*"]
    if not tls or len(tls[0]["Resource"]) != 2:
        fail("no TLS-only statement covering the bucket and its objects")
    if res["SummaryBucketPolicy"]["Properties"]["Bucket"] != {"Ref": "SummaryBucket"}:
        fail("the bucket policy is not on the summary bucket")
    if res["SummaryTopic"]["Properties"].get("KmsMasterKeyId") != {"Ref": "KmsKey"}:
        fail("the topic is not encrypted with the stack's key")
    if res["LogGroup"]["Properties"].get("KmsKeyId") != {"Fn::GetAtt": ["KmsKey", "Arn"]}:
        fail("the log group is not encrypted with the stack's key")
    if res["KmsKey"]["Properties"].get("EnableKeyRotation") is not True:
        fail("key rotation is off")
    print("ok: bucket SSE-KMS + public access blocked + versioning + TLS-only policy; topic, "
          "log group with the stack's KMS key (rotated)")

    t = res["LeaseTable"]["Properties"]
    with open(os.path.join(src, "src", "sources", "checkpoint_ddb.c")) as f:
        c = f.read()
    m = re.search(r'"AttributeName", "(\w+)", "AttributeType",\s*"(\w)", "KeySchema", "AttributeName", '
                  r'"(\w+)", "KeyType", "HASH"', c)
    if not m:
        fail("cannot find the lease table's key schema in src/sources/checkpoint_ddb.c")
    if t["KeySchema"] != [{"AttributeName": m.group(3), "KeyType": "HASH"}] or \
            t["AttributeDefinitions"] != [{"AttributeName": m.group(1), "AttributeType": m.group(2)}]:
        fail(f"lease table key schema differs from checkpoint_ddb.c's ({m.group(1)} {m.group(2)} HASH)")
    if t["TableName"] != {"Ref": "LeaseTableName"} or \
            tpl["Parameters"]["LeaseTableName"]["Default"] not in open(
                os.path.join(src, "configs", "kinesis.ini")).read():
        fail("the lease table's default name is not the kinesis profile's")
    print(f"ok: lease table keyed as checkpoint_ddb.c creates it ({m.group(1)}: {m.group(2)}, HASH)")

    with open(os.path.join(src, "docs", "metrics.md")) as f:
        metrics_md = f.read()
    with open(os.path.join(src, "docs", "configuration.md")) as f:
        conf_md = f.read()
    ns = re.search(r"\| `cloudwatch\.namespace` \| string \| `([^`]+)` \|", conf_md).group(1)
    want = {"lag": 0, "dead": 0, "throttle": 0}
    for lid, r in res.items():
        if r["Type"] != "AWS::CloudWatch::Alarm":
            continue
        q = r["Properties"]["Metrics"][0]["Expression"]["Fn::Sub"]
        mm = re.match(r"SELECT (MAX|SUM)\((\w+)\) FROM SCHEMA\((\w+), ([\w, ]+)\) WHERE (.*)$", q)
        if not mm:
            fail(f"{lid}: unexpected query {q}")
        metric, namespace, dims = mm.group(2), mm.group(3), [d.strip() for d in mm.group(4).split(",")]
        if namespace != ns:
            fail(f"{lid}: namespace {namespace}, the exporter's default is {ns}")
        row = re.search(r"^\| `medstream_" + metric + r"` \|.*$", metrics_md, re.M)
        if not row:
            fail(f"{lid}: medstream_{metric} is not in docs/metrics.md")
        cells = row.group(0).replace("\\|", "\x00").split("|")
        # the Labels column: `name` or `name` = `v1` | `v2`, comma-separated
        labels = {re.match(r"\s*`(\w+)`", part).group(1)
                  for part in cells[3].split(",") if re.match(r"\s*`(\w+)`", part)}
        labels = {"operation" if x == "op" else x for x in labels} | {"pipeline"}
        if set(dims) != labels:
            fail(f"{lid}: SCHEMA dimensions {dims} != the metric's labels + pipeline {sorted(labels)}")
        for dim, val in re.findall(r"(\w+) = '([^']*)'", mm.group(5)):
            if dim != "pipeline" and f"`{val}`" not in cells[3]:
                fail(f"{lid}: {dim} = '{val}' is not a documented value of {metric}'s {dim}")
        for k in want:
            if k in lid.lower():
                want[k] += 1
        print(f"ok: {lid}: {metric} in namespace {namespace}, dimensions {', '.join(dims)}")
    if want["lag"] < 2 or not want["dead"] or not want["throttle"]:
        fail(f"alarms missing: {want}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
