#!/usr/bin/env python3
"""s3_readback.py -- read every object of a bucket back with boto3 (an
independent S3 client) into a local directory, keys as relative paths, for
the S3 sink tests to compare byte for byte. Prints "objects N".

usage: s3_readback.py --endpoint URL --bucket B --dest DIR
Credentials come from the environment (s3rver's S3RVER/S3RVER)."""
import argparse
import os
import sys

import boto3
from botocore.config import Config


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--dest", required=True)
    a = ap.parse_args()
    s3 = boto3.client("s3", endpoint_url=a.endpoint, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    n = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=a.bucket):
        for o in page.get("Contents", []):
            r = s3.get_object(Bucket=a.bucket, Key=o["Key"])
            path = os.path.join(a.dest, o["Key"])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(r["Body"].read())
            with open(path + ".content-type", "w") as f:
                f.write(r.get("ContentType", ""))
            n += 1
    print(f"objects {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
