#!/usr/bin/env python3
"""s3_proxy.py -- a recording, fault-injecting HTTP proxy in front of an S3
server (s3rver), for the S3 sink tests.

Every request is forwarded unchanged (method, path, headers, body; the Host
header too, so the client's SigV4 signature still verifies upstream) except
that the first --fail-puts PUTs are answered 503 SlowDown without reaching
the server. GET /_proxy/stats returns {"puts", "failed", "forwarded",
"sse": {value: n}, "kms_key_ids": {value: n}, "content_sha256_signed": n,
"content_types": {key: type}, "versions": {path: version id}}.
A request whose x-amz-security-token ends in ".exp<unix>" (aws_meta_peer.py
"token_exp") is checked against the clock: "expired_token_requests" counts
those signed with credentials already expired, "tokens" the distinct ones.
A PUT that the server stored without a version id gets one from the proxy
("x-amz-version-id: v<N>", as a versioned bucket answers; s3rver does not
version), recorded under its path, so a test can compare the version ids
its client recorded with what "S3" answered.

usage: s3_proxy.py --upstream PORT [--fail-puts N]
Prints "port N" once listening.
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peer  # noqa: E402

ARGS = None
LOCK = threading.Lock()
STATS = {"puts": 0, "failed": 0, "forwarded": 0, "sse": {}, "kms_key_ids": {},
         "content_sha256_signed": 0, "content_types": {}, "versions": {},
         "expired_token_requests": 0, "tokens": 0}
TOKENS = set()
HOP = {"connection", "keep-alive", "expect", "transfer-encoding", "proxy-connection"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype="application/xml"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def forward(self):
        body = self.body()
        if self.command == "GET" and self.path == "/_proxy/stats":
            with LOCK:
                self.reply(200, json.dumps(STATS).encode(), "application/json")
            return
        tok = self.headers.get("x-amz-security-token", "")
        if ".exp" in tok:
            with LOCK:
                TOKENS.add(tok)
                STATS["tokens"] = len(TOKENS)
                try:
                    if time.time() >= int(tok.rsplit(".exp", 1)[1]):
                        STATS["expired_token_requests"] += 1
                except ValueError:
                    pass
        if self.command == "PUT":
            with LOCK:
                STATS["puts"] += 1
                fail = STATS["failed"] < ARGS.fail_puts
                if fail:
                    STATS["failed"] += 1
                sse = self.headers.get("x-amz-server-side-encryption", "")
                STATS["sse"][sse] = STATS["sse"].get(sse, 0) + 1
                kms = self.headers.get("x-amz-server-side-encryption-aws-kms-key-id", "")
                if kms:
                    STATS["kms_key_ids"][kms] = STATS["kms_key_ids"].get(kms, 0) + 1
                signed = self.headers.get("Authorization", "")
                if "x-amz-content-sha256" in signed and \
                        self.headers.get("x-amz-content-sha256", "") not in ("", "UNSIGNED-PAYLOAD"):
                    STATS["content_sha256_signed"] += 1
                STATS["content_types"][self.path] = self.headers.get("Content-Type", "")
            if fail:
                self.reply(503, b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>")
                return
        conn = http.client.HTTPConnection("127.0.0.1", ARGS.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers["Content-Length"] = str(len(body))
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        with LOCK:
            STATS["forwarded"] += 1
        self.send_response(r.status)
        if self.command == "PUT" and r.status == 200 and not r.getheader("x-amz-version-id"):
            with LOCK:
                vid = f"v{STATS['forwarded']}"
                STATS["versions"][self.path] = vid
            self.send_header("x-amz-version-id", vid)
        for k, v in r.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--fail-puts", type=int, default=0)
    ARGS = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    aws_peer.serve_until_orphaned(srv)


if __name__ == "__main__":
    sys.exit(main())
