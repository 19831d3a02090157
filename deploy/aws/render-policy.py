#!/usr/bin/env python3
"""render-policy.py -- fill in a policy of deploy/aws/policies/ for use
without the CloudFormation template (which fills them in itself).

usage: deploy/aws/render-policy.py POLICY.json NAME=VALUE...

The policies name their resources with CloudFormation's ${Name} syntax
(Fn::Sub): ${AWS::Partition} (default "aws"), ${AWS::Region},
${AWS::AccountId}, and the template's parameters and resources, e.g.
${SummaryBucket}, ${InputPrefix}, ${KmsKey.Arn}, ${SummaryTopic} (the topic
ARN), ${LeaseTable}, ${KinesisStreamName}, ${MskClusterName}. Every one the
policy uses must be given; the filled-in policy is printed on stdout.
Exit status 2 names the missing ones.

  deploy/aws/render-policy.py deploy/aws/policies/kinesis.json \\
      AWS::Region=eu-west-1 AWS::AccountId=111122223333 SummaryBucket=my-bucket \\
      InputPrefix=incoming/ KmsKey.Arn=arn:aws:kms:eu-west-1:111122223333:key/... \\
      LeaseTable=medstream-leases KinesisStreamName=clinical-reports
"""
import json
import re
import sys

NAME = re.compile(r"\$\{([A-Za-z0-9:.]+)\}")


def names(doc):
    return sorted(set(NAME.findall(json.dumps(doc))))


def render(doc, values):
    if isinstance(doc, dict):
        return {k: render(v, values) for k, v in doc.items()}
    if isinstance(doc, list):
        return [render(v, values) for v in doc]
    if isinstance(doc, str):
        return NAME.sub(lambda m: values[m.group(1)], doc)
    return doc


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    with open(argv[1]) as f:
        doc = json.load(f)
    values = {"AWS::Partition": "aws"}
    for a in argv[2:]:
        k, sep, v = a.partition("=")
        if not sep:
            print(f"render-policy: '{a}' is not NAME=VALUE", file=sys.stderr)
            return 2
        values[k] = v
    missing = [n for n in names(doc) if n not in values]
    if missing:
        print("render-policy: give a value for " + ", ".join(missing), file=sys.stderr)
        return 2
    json.dump(render(doc, values), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
