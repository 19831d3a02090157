#!/usr/bin/env python3
"""http_peer.py -- a local HTTP/1.1 server for the HTTP client's tests.

    http_peer.py --port 0 [--tls CERT KEY]

Prints "PORT <n>" on stdout once listening, then serves until killed.
Connections are kept alive (HTTP/1.1, every response has a Content-Length)
and counted as they are accepted. Standard library only.

  /echo          JSON: method, path, headers (names lowercased), body_len,
                 body_sha256 of the request body
  /mirror        the request body back as is (X-Method: the method)
  /status/NNN    that status, a short body
  /slow?ms=N     waits N ms, then 200 "slow"
  /reset         reads the request, then resets the connection (RST)
  /big?n=BYTES   n bytes: byte i is i % 251 (&chunked=1: no Content-Length)
  /stats         JSON: connections accepted, requests served so far
"""
import argparse
import hashlib
import json
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Lock()
stats = {"connections": 0, "requests": 0}
PATTERN = bytes(i % 251 for i in range(251)) * 64


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True
    tls = None

    def get_request(self):
        conn, addr = self.socket.accept()
        with lock:
            stats["connections"] += 1
        if self.tls:
            # Handshake in the connection's thread, not the accept loop.
            conn = self.tls.wrap_socket(conn, server_side=True,
                                        do_handshake_on_connect=False)
        return conn, addr

    def handle_error(self, request, client_address):
        pass  # clients that time out, reject our certificate, ...


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def reply(self, status, body=b"", ctype="text/plain", extra=None, chunked=False):
        head = ["HTTP/1.1 %d %s" % (status, self.responses.get(status, ("X",))[0]),
                "Content-Type: " + ctype]
        if chunked:
            head.append("Transfer-Encoding: chunked")
            step = 65536
            body = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + step]), body[i:i + step])
                            for i in range(0, len(body), step)) + b"0\r\n\r\n"
        else:
            head.append("Content-Length: %d" % len(body))
        for k, v in (extra or {}).items():
            head.append("%s: %s" % (k, v))
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            data += body
        # One write: no Nagle/delayed-ACK stall between headers and body.
        self.wfile.write(data)

    def route(self):
        with lock:
            stats["requests"] += 1
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        p = url.path
        if p == "/echo":
            doc = {"method": self.command, "path": self.path,
                   "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body_len": len(body),
                   "body_sha256": hashlib.sha256(body).hexdigest()}
            self.reply(200, json.dumps(doc).encode(), "application/json")
        elif p == "/mirror":
            self.reply(200, body, "application/octet-stream",
                       {"X-Method": self.command})
        elif p.startswith("/status/"):
            code = int(p[len("/status/"):])
            self.reply(code, b"status %d" % code, extra={"X-Status": code})
        elif p == "/slow":
            time.sleep(int(q.get("ms", "1000")) / 1000.0)
            self.reply(200, b"slow")
        elif p == "/reset":
            # SO_LINGER 0: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
            self.close_connection = True
        elif p == "/big":
            n = int(q.get("n", "0"))
            out = bytearray()
            while len(out) < n:
                out += PATTERN[: n - len(out)]
            self.reply(200, bytes(out), "application/octet-stream",
                       chunked=q.get("chunked") == "1")
        elif p == "/stats":
            with lock:
                doc = dict(stats)
            self.reply(200, json.dumps(doc).encode(), "application/json")
        else:
            self.reply(404, b"not found")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = route


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    a = ap.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.tls = ctx
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
