#!/usr/bin/env python3
"""boto3_pool.py ENDPOINT CORPUS_DIR SECONDS [THREADS] [REGION]

Baseline 2: the obvious way to go faster in Python -- a thread pool
(default 16 threads), each thread taking whole reports and calling
DetectEntitiesV2 per chunk with one shared boto3 client. Prints one JSON
line."""
import itertools
import sys
import threading
import time

import cm_common


def main():
    endpoint, corpus_dir, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    region = sys.argv[5] if len(sys.argv) > 5 else "us-east-1"
    cm = cm_common.client(endpoint, region, max_connections=threads)
    files = itertools.cycle(cm_common.corpus(corpus_dir))
    lock = threading.Lock()
    stats = cm_common.new_stats()
    latencies = []
    t0 = time.monotonic()

    def worker():
        local = cm_common.new_stats()
        lat = []
        while time.monotonic() - t0 < seconds:
            with lock:
                path = next(files)
            lat.append(cm_common.process_report(cm, path, local))
        with lock:
            latencies.extend(lat)
            for k, v in local.items():
                stats[k] += v

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    cm_common.report(f"boto3 thread pool ({threads})", time.monotonic() - t0,
                     latencies, stats)


if __name__ == "__main__":
    main()
