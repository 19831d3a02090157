#!/usr/bin/env python3
"""cw_capture.py -- a local CloudWatch (PutMetricData, query protocol) that
captures what medstream sends, for the CloudWatch exporter tests.

Every POST is checked on its own: the SigV4 signature (aws_peer.verify,
written from AWS's documentation, not shared with the C code) for the
signing name "monitoring", Content-Encoding: gzip, the decompressed form
body, Action=PutMetricData and Version=2010-08-01, the service limits
(<= 1000 data points, <= 1 MB body, <= 150 Values/Counts entries,
<= 30 dimensions), and then the body is rebuilt from its own decoded
MetricData with botocore's query serializer for the 'cloudwatch' model: the
two parameter lists must be equal (same keys in the same order, the same
strings, numbers equal as numbers).

  --fail N     answer the first N requests 500 InternalFailure

GET /_cw/requests returns a JSON list, one object per request:
  {"sig": null|reason, "gzip": bool, "raw_len", "gz_len", "points",
   "problems": [...], "botocore_equal": bool, "botocore_diff": str,
   "data": [{"MetricName", "Dimensions": {...}, "Value" | "Values"+"Counts",
             "Unit", "StorageResolution", "Timestamp"}]}

usage: cw_capture.py --port 0 --key AKID:SECRET   (prints "port N")
"""
import argparse
import datetime
import gzip
import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peer  # noqa: E402

LOCK = threading.Lock()
REQUESTS = []
ARGS = None

try:
    import botocore.session
    import botocore.serialize
    _SESSION = botocore.session.get_session()
    _OP = _SESSION.get_service_model("cloudwatch").operation_model("PutMetricData")
    _SER = botocore.serialize.create_serializer("query")
except Exception as exc:  # reported per request
    _OP = None
    _BOTO_ERR = f"botocore unavailable: {exc}"


def structure(params):
    """Decoded form parameters -> PutMetricData input (botocore's shape)."""
    data = {}
    for k, v in params:
        if not k.startswith("MetricData.member."):
            continue
        rest = k[len("MetricData.member."):]
        idx, _, field = rest.partition(".")
        d = data.setdefault(int(idx), {})
        if field.startswith("Dimensions.member."):
            di, _, dfield = field[len("Dimensions.member."):].partition(".")
            d.setdefault("Dimensions", {}).setdefault(int(di), {})[dfield] = v
        elif field.startswith("Values.member.") or field.startswith("Counts.member."):
            name, _, i = field.partition(".member.")
            d.setdefault(name, {})[int(i)] = float(v)
        elif field == "Value":
            d["Value"] = float(v)
        elif field == "StorageResolution":
            d["StorageResolution"] = int(v)
        elif field == "Timestamp":
            d["Timestamp"] = datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc)
        else:
            d[field] = v
    out = []
    for i in sorted(data):
        d = data[i]
        if "Dimensions" in d:
            d["Dimensions"] = [d["Dimensions"][j] for j in sorted(d["Dimensions"])]
        for name in ("Values", "Counts"):
            if name in d:
                d[name] = [d[name][j] for j in sorted(d[name])]
        out.append(d)
    ns = dict(params).get("Namespace")
    return ns, out


def same_value(a, b):
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def compare_botocore(params):
    if _OP is None:
        return False, _BOTO_ERR
    ns, data = structure(params)
    req = _SER.serialize_to_request({"Namespace": ns, "MetricData": data}, _OP)
    want = list(req["body"].items())
    if len(want) != len(params):
        return False, f"{len(params)} parameters, botocore builds {len(want)}"
    for (k1, v1), (k2, v2) in zip(params, want):
        if k1 != k2 or not same_value(v1, str(v2) if not isinstance(v2, str) else v2):
            return False, f"ours {k1}={v1} botocore {k2}={v2}"
    return True, ""


def limits(data, raw_len):
    problems = []
    if len(data) > 1000:
        problems.append(f"{len(data)} data points > 1000")
    if raw_len > 1024 * 1024:
        problems.append(f"body {raw_len} bytes > 1 MB")
    for d in data:
        if len(d.get("Values", [])) > 150:
            problems.append(f"{d['MetricName']}: more than 150 values")
        if len(d.get("Values", [])) != len(d.get("Counts", [])):
            problems.append(f"{d['MetricName']}: Values and Counts differ in length")
        if len(d.get("Dimensions", [])) > 30:
            problems.append(f"{d['MetricName']}: more than 30 dimensions")
        if ("Value" in d) == ("Values" in d):
            problems.append(f"{d['MetricName']}: exactly one of Value and Values expected")
        if d.get("StorageResolution") not in (1, 60):
            problems.append(f"{d['MetricName']}: StorageResolution {d.get('StorageResolution')}")
    return problems


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="text/xml"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_cw/requests":
            with LOCK:
                self.send(200, json.dumps(REQUESTS), "application/json")
        else:
            self.send(404, "")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        rec = {"sig": aws_peer.verify(self, body), "gzip": False, "gz_len": len(body),
               "raw_len": 0, "points": 0, "problems": [], "botocore_equal": False,
               "botocore_diff": "", "data": []}
        auth = self.headers.get("Authorization", "")
        if "/monitoring/aws4_request" not in auth:
            rec["problems"].append("not signed for the signing name 'monitoring'")
        raw = body
        if self.headers.get("Content-Encoding", "") == "gzip":
            rec["gzip"] = True
            try:
                raw = gzip.decompress(body)
            except OSError as exc:
                rec["problems"].append(f"bad gzip: {exc}")
        rec["raw_len"] = len(raw)
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("application/x-www-form-urlencoded"):
            rec["problems"].append(f"Content-Type {ctype}")
        params = urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True,
                                        strict_parsing=False)
        p = dict(params)
        if p.get("Action") != "PutMetricData" or p.get("Version") != "2010-08-01":
            rec["problems"].append("not Action=PutMetricData&Version=2010-08-01")
        try:
            ns, data = structure(params)
            rec["points"] = len(data)
            rec["problems"] += limits(data, len(raw))
            rec["botocore_equal"], rec["botocore_diff"] = compare_botocore(params)
            for d in data:
                d = dict(d)
                d["Timestamp"] = d["Timestamp"].strftime("%Y-%m-%dT%H:%M:%SZ")
                d["Dimensions"] = {x["Name"]: x["Value"] for x in d.get("Dimensions", [])}
                d["Namespace"] = ns
                rec["data"].append(d)
        except Exception as exc:
            rec["problems"].append(f"cannot decode: {exc!r}")
        with LOCK:
            REQUESTS.append(rec)
            fail = len(REQUESTS) <= ARGS.fail
        if rec["sig"]:
            self.send(403, "<ErrorResponse><Error><Type>Sender</Type>"
                      "<Code>SignatureDoesNotMatch</Code><Message>bad signature</Message>"
                      "</Error></ErrorResponse>")
        elif fail:
            self.send(500, "<ErrorResponse><Error><Type>Receiver</Type>"
                      "<Code>InternalFailure</Code><Message>try again</Message>"
                      "</Error></ErrorResponse>")
        else:
            self.send(200, '<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/'
                      'doc/2010-08-01/"><ResponseMetadata><RequestId>0</RequestId>'
                      '</ResponseMetadata></PutMetricDataResponse>')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token")
    ap.add_argument("--fail", type=int, default=0)
    ARGS = ap.parse_args()
    aws_peer.ARGS = ARGS
    srv = Server(("127.0.0.1", ARGS.port), Handler)
    print(f"port {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
