#!/usr/bin/env python3
"""kinesis_envelopes.py -- fill a Kinesis stream (kinesalite in the tests)
with JSON envelope records that carry ids, for the crash campaigns.

  kinesis_envelopes.py --endpoint URL --stream S --shards K --count N \
      --prefix P [--append] PDF...

Creates the stream with K shards (waits until ACTIVE; with --append the
stream exists and keeps its shards), then puts N
envelopes {"id": "P-00000", "pdf_base64": ...} (docs/formats.md), the PDFs
taken in turn, spread evenly over the shards (an explicit hash key in the
middle of each shard's range), PutRecords in batches of 100. A record the
server refused is put again, so every id is on the stream exactly once.
Prints "put N records on K shards".
"""
import argparse
import base64
import json
import sys
import time

import boto3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--stream", required=True)
    p.add_argument("--shards", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--append", action="store_true")
    p.add_argument("pdfs", nargs="+")
    args = p.parse_args()
    kin = boto3.client("kinesis", endpoint_url=args.endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    if not args.append:
        kin.create_stream(StreamName=args.stream, ShardCount=args.shards)
    for _ in range(600):
        s = kin.describe_stream_summary(StreamName=args.stream)
        if s["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    else:
        sys.exit("stream did not become ACTIVE")
    shards = kin.list_shards(StreamName=args.stream)["Shards"]
    keys = [str((int(s["HashKeyRange"]["StartingHashKey"]) +
                 int(s["HashKeyRange"]["EndingHashKey"])) // 2) for s in shards]
    pdfs = []
    for path in args.pdfs:
        with open(path, "rb") as f:
            pdfs.append(base64.b64encode(f.read()).decode())
    todo = []
    for i in range(args.count):
        rid = "%s-%05d" % (args.prefix, i)
        data = json.dumps({"id": rid, "pdf_base64": pdfs[i % len(pdfs)],
                           "metadata": {"campaign": args.prefix}})
        todo.append({"Data": data.encode(), "PartitionKey": rid,
                     "ExplicitHashKey": keys[i % len(keys)]})
    for attempt in range(50):
        if not todo:
            break
        retry = []
        for at in range(0, len(todo), 100):
            batch = todo[at:at + 100]
            r = kin.put_records(StreamName=args.stream, Records=batch)
            retry += [rec for rec, res in zip(batch, r["Records"]) if "ErrorCode" in res]
        todo = retry
        if todo:
            time.sleep(0.2)
    if todo:
        sys.exit("%d records refused" % len(todo))
    print("put %d records on %d shards" % (args.count, len(shards)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
