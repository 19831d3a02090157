"""cm_common.py -- what the reference Lambda does with one report, shared by
the two boto3 baselines: PyMuPDF text extraction, 20,000-byte chunks cut at
whitespace, one DetectEntitiesV2 call per chunk.

Runs with Debian's python3 (/usr/bin/python3: python3-boto3, python3-fitz).
Prints one JSON line of results for bench/run-comprehend.sh."""
import json
import os
import sys
import time

import boto3
import botocore.config
import fitz  # PyMuPDF

MAX_BYTES = 20000


def pdf_text(path):
    with fitz.open(path) as doc:
        return "\n\n".join(page.get_text() for page in doc)


def chunks(text, limit=MAX_BYTES):
    """Pieces of at most `limit` UTF-8 bytes, cut at the last whitespace."""
    data = text.encode("utf-8")
    out, i = [], 0
    while i < len(data):
        end = min(len(data), i + limit)
        if end < len(data):
            cut = data.rfind(b" ", i, end)
            nl = data.rfind(b"\n", i, end)
            cut = max(cut, nl)
            if cut > i:
                end = cut + 1
            while end > i and (data[end - 1] & 0xC0) == 0x80:
                end -= 1  # never split a UTF-8 sequence
        piece = data[i:end].decode("utf-8", "replace")
        if piece.strip():
            out.append(piece)
        i = end
    return out


def client(endpoint, region, max_connections=10):
    # The SDK's defaults, as the reference Lambda has them (legacy retry
    # mode, botocore's own connection pool), pointed at the endpoint.
    cfg = botocore.config.Config(max_pool_connections=max_connections)
    return boto3.client("comprehendmedical", endpoint_url=endpoint,
                        region_name=region, config=cfg)


def process_report(cm, path, stats):
    """One report as the Lambda handles it; returns its latency in s."""
    t0 = time.monotonic()
    text = pdf_text(path)
    for piece in chunks(text):
        try:
            cm.detect_entities_v2(Text=piece)
            stats["chunks"] += 1
            stats["characters"] += len(piece)
        except cm.exceptions.TooManyRequestsException:
            stats["throttled_final"] += 1
            stats["lost_chunks"] += 1  # the Lambda gives up on the chunk
        except Exception:  # noqa: BLE001 -- count, as the Lambda would log
            stats["errors"] += 1
            stats["lost_chunks"] += 1
    return time.monotonic() - t0


def corpus(dirname):
    files = sorted(os.path.join(dirname, f) for f in os.listdir(dirname)
                   if f.lower().endswith(".pdf"))
    if not files:
        sys.exit(f"no PDFs in {dirname}")
    return files


def percentile(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def report(name, seconds, latencies, stats):
    print(json.dumps({
        "name": name, "seconds": round(seconds, 3), "reports": len(latencies),
        "reports_per_s": round(len(latencies) / seconds, 3) if seconds else 0,
        "p50_s": round(percentile(latencies, 50), 3),
        "p99_s": round(percentile(latencies, 99), 3),
        **stats}))


def new_stats():
    return {"chunks": 0, "characters": 0, "throttled_final": 0, "errors": 0,
            "lost_chunks": 0}
