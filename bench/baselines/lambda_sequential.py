#!/usr/bin/env python3
"""lambda_sequential.py ENDPOINT CORPUS_DIR SECONDS [REGION]

Baseline 1: what the reference Lambda does -- one report at a time, one
DetectEntitiesV2 call per chunk, boto3 with its default retries. Runs for
SECONDS over the corpus (cycling) and prints one JSON line."""
import itertools
import sys
import time

import cm_common


def main():
    endpoint, corpus_dir, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    region = sys.argv[4] if len(sys.argv) > 4 else "us-east-1"
    cm = cm_common.client(endpoint, region)
    stats = cm_common.new_stats()
    latencies = []
    t0 = time.monotonic()
    for path in itertools.cycle(cm_common.corpus(corpus_dir)):
        if time.monotonic() - t0 >= seconds:
            break
        latencies.append(cm_common.process_report(cm, path, stats))
    cm_common.report("boto3 sequential (reference Lambda)", time.monotonic() - t0,
                     latencies, stats)


if __name__ == "__main__":
    main()
