#!/usr/bin/env python3
"""aws_peer.py -- a local stand-in for a JSON-protocol AWS service, for the
AWS client tests.

It checks every request's SigV4 signature independently of medstream (the
algorithm written out here from AWS's documentation, not shared with the C
code) and answers by a per-request script, so retries can be exercised:

  POST body {"id": "x", "script": ["429", "throttle", "500", "reset", "slow"]}
  attempt n of id x does script[n]; past the end it answers 200
  {"id": "x", "attempt": n}. Steps:
    "429"       HTTP 429 TooManyRequestsException (JSON 1.1 error body)
    "throttle"  HTTP 400 {"__type": "...#ThrottlingException"}
    "500", "503" that status with an InternalFailure body
    "400"       HTTP 400 InvalidRequestException (final)
    "reset"     close the connection without answering (TCP RST)
    "slow"      wait 3 s before answering 200

GET /_peer/stats returns {"requests", "bad_signatures", "connections",
"attempts": {id: n}, "last": {headers of the last signed request}}.

usage: aws_peer.py --port 0 --key AKID:SECRET [--token TOKEN]
Prints "port N" on stdout once listening.
"""
import argparse
import hashlib
import hmac
import json
import os
import socket
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"requests": 0, "bad_signatures": 0, "connections": 0,
         "attempts": {}, "last": {}}
LOCK = threading.Lock()
ARGS = None


def uri_encode(s, safe):
    return urllib.parse.quote(s, safe=safe)


def canonical_query(raw):
    if not raw:
        return ""
    pairs = []
    for part in raw.split("&"):
        if part == "":
            continue
        k, _, v = part.partition("=")
        k = urllib.parse.unquote(k)
        v = urllib.parse.unquote(v)
        pairs.append((uri_encode(k, "-_.~"), uri_encode(v, "-_.~")))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def verify(handler, body):
    """Return None when the signature is right, else the reason."""
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no SigV4 Authorization header"
    fields = {}
    for item in auth[len("AWS4-HMAC-SHA256 "):].split(","):
        k, _, v = item.strip().partition("=")
        fields[k] = v
    try:
        akid, date, region, service, term = fields["Credential"].split("/")
    except (KeyError, ValueError):
        return "malformed Credential"
    key_id, secret = ARGS.key.split(":", 1)
    if akid != key_id:
        return "unknown access key"
    if term != "aws4_request":
        return "bad scope terminator"
    amz_date = handler.headers.get("X-Amz-Date", "")
    if not amz_date.startswith(date):
        return "scope date differs from X-Amz-Date"
    if ARGS.token is not None and handler.headers.get("X-Amz-Security-Token") != ARGS.token:
        return "missing or wrong session token"
    signed = fields.get("SignedHeaders", "").split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return "host and x-amz-date must be signed"
    path, _, query = handler.path.partition("?")
    if service == "s3":
        cpath = path
    else:
        cpath = uri_encode(path, "/~")
    lines = []
    for name in signed:
        values = handler.headers.get_all(name) or []
        if not values:
            return f"signed header {name} missing"
        vals = [" ".join(v.strip().split()) for v in values]
        lines.append(f"{name}:{','.join(vals)}\n")
    payload = handler.headers.get("X-Amz-Content-Sha256") or hashlib.sha256(body).hexdigest()
    creq = "\n".join([handler.command, cpath, canonical_query(query),
                      "".join(lines), ";".join(signed), payload])
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, fields.get("Signature", "")):
        return "signature mismatch"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        with LOCK:
            STATE["connections"] += 1

    def reply(self, status, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def do_GET(self):
        if self.path == "/_peer/stats":
            with LOCK:
                self.reply(200, STATE)
            return
        self.handle_signed(b"")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.handle_signed(self.rfile.read(n))

    do_PUT = do_POST

    def handle_signed(self, body):
        with LOCK:
            STATE["requests"] += 1
        why = verify(self, body)
        if why:
            with LOCK:
                STATE["bad_signatures"] += 1
            self.reply(403, {"__type": "InvalidSignatureException", "message": why})
            return
        with LOCK:
            STATE["last"] = {k.lower(): v for k, v in self.headers.items()}
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            req = {}
        rid = str(req.get("id", ""))
        with LOCK:
            n = STATE["attempts"].get(rid, 0)
            STATE["attempts"][rid] = n + 1
        script = req.get("script", [])
        step = script[n] if n < len(script) else "ok"
        if step == "429":
            self.reply(429, {"__type": "TooManyRequestsException", "Message": "Rate exceeded"})
        elif step == "throttle":
            self.reply(400, {"__type": "com.amazonaws.svc#ThrottlingException",
                             "message": "Rate exceeded"})
        elif step in ("500", "503"):
            self.reply(int(step), {"__type": "InternalFailure", "message": "oops"})
        elif step == "400":
            self.reply(400, {"__type": "InvalidRequestException", "Message": "bad input"})
        elif step == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif step == "slow":
            time.sleep(3)
            self.reply(200, {"id": rid, "attempt": n})
        else:
            self.reply(200, {"id": rid, "attempt": n, "target": self.headers.get("X-Amz-Target")})


def serve_until_orphaned(srv):
    """Print the port for the test, then serve until the test that started
    us is gone (it may have died before it could stop us)."""
    print(f"port {srv.server_address[1]}", flush=True)
    parent = os.getppid()

    def orphan_watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=orphan_watch, daemon=True).start()
    srv.serve_forever()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256   # many concurrent connects must not overflow the backlog


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token")
    ARGS = ap.parse_args()
    srv = Server(("127.0.0.1", ARGS.port), Handler)
    print(f"port {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
