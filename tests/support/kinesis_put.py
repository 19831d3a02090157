#!/usr/bin/env python3
"""kinesis_put.py -- drive a Kinesis endpoint (kinesalite in the tests) with boto3.

  kinesis_put.py --endpoint URL --stream S create SHARDS
  kinesis_put.py --endpoint URL --stream S put MANIFEST FILE...
  kinesis_put.py --endpoint URL --stream S split SHARD_ID
  kinesis_put.py --endpoint DYNAMODB_URL --stream TABLE leases

put spreads the files over the stream's open shards in turn (an explicit
hash key in the middle of each open shard's range) and appends one line per
record to MANIFEST: "<shardId>-<sequenceNumber>\t<shardId>\t<file>", the
report id medstream gives the record. split cuts a shard's hash range in
half and waits until the stream is ACTIVE again. leases prints the lease
table's items, one "<leaseKey> <leaseOwner> <checkpoint>" line each.
"""
import argparse
import sys
import time

import boto3


def client(args, service="kinesis"):
    return boto3.client(service, endpoint_url=args.endpoint,
                        region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test")


def wait_active(kin, stream):
    for _ in range(600):
        d = kin.describe_stream_summary(StreamName=stream)
        if d["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            return
        time.sleep(0.05)
    sys.exit("stream did not become ACTIVE")


def list_shards(kin, stream):
    shards, token = [], None
    while True:
        r = kin.list_shards(NextToken=token) if token else kin.list_shards(StreamName=stream)
        shards += r["Shards"]
        token = r.get("NextToken")
        if not token:
            return shards


def open_shards(kin, stream):
    return [s for s in list_shards(kin, stream)
            if "EndingSequenceNumber" not in s["SequenceNumberRange"]]


def mid(shard):
    r = shard["HashKeyRange"]
    return (int(r["StartingHashKey"]) + int(r["EndingHashKey"])) // 2


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--stream", required=True)
    p.add_argument("cmd", choices=["create", "put", "split", "leases"])
    p.add_argument("rest", nargs="*")
    args = p.parse_args()
    if args.cmd == "leases":
        ddb = client(args, "dynamodb")
        for page in ddb.get_paginator("scan").paginate(TableName=args.stream,
                                                       ConsistentRead=True):
            for it in page["Items"]:
                print(it["leaseKey"]["S"], it.get("leaseOwner", {}).get("S", "-"),
                      it.get("checkpoint", {}).get("S", "-"))
        return 0
    kin = client(args)
    if args.cmd == "create":
        kin.create_stream(StreamName=args.stream, ShardCount=int(args.rest[0]))
        wait_active(kin, args.stream)
    elif args.cmd == "put":
        shards = open_shards(kin, args.stream)
        with open(args.rest[0], "a") as manifest:
            for i, path in enumerate(args.rest[1:]):
                with open(path, "rb") as f:
                    data = f.read()
                target = shards[i % len(shards)]
                r = kin.put_record(StreamName=args.stream, Data=data, PartitionKey=str(i),
                                   ExplicitHashKey=str(mid(target)))
                if r["ShardId"] != target["ShardId"]:
                    sys.exit("record landed on %s, not %s" % (r["ShardId"], target["ShardId"]))
                manifest.write("%s-%s\t%s\t%s\n" % (r["ShardId"], r["SequenceNumber"],
                                                    r["ShardId"], path))
    elif args.cmd == "split":
        shard = [s for s in open_shards(kin, args.stream) if s["ShardId"] == args.rest[0]][0]
        kin.split_shard(StreamName=args.stream, ShardToSplit=shard["ShardId"],
                        NewStartingHashKey=str(mid(shard)))
        wait_active(kin, args.stream)
    return 0


if __name__ == "__main__":
    sys.exit(main())
