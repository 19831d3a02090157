#!/usr/bin/env python3
"""aws_meta_peer.py -- one local HTTP server playing EC2 IMDS, the ECS
container credentials agent and STS (AssumeRoleWithWebIdentity), for
tests/integration/test_creds.c. Standard library only.

    aws_meta_peer.py --port 0 [--host 127.0.0.1] [--announce]

prints the port it listens on as the first line of stdout (with --announce
as "port N", the form ms_test_peer_start reads).

Routes:
  PUT  /latest/api/token                          IMDSv2 token
  GET  /latest/meta-data/iam/security-credentials/[ROLE]
  GET  /ecs/...                                   ECS credentials
  POST /                                          STS (form body)
Control (JSON):
  POST /_ctl/config   merge keys into the mode (see DEFAULTS)
  POST /_ctl/reset    default mode, counters cleared
  GET  /_ctl/stats    counters and what the last requests carried

Credentials handed out are numbered per kind: AccessKeyId "ASIA<KIND><n>"
(n counts successful fetches of all kinds), secret "secret-<n>", token
"token-<n>", expiring expire_in seconds from now. With "fixed_key":
[AK, SK] every fetch hands out that key pair (s3rver accepts only its own);
with "token_exp": true the token ends in ".exp<unix expiry>" so a proxy can
tell a request signed with expired credentials (s3_proxy.py). "ecs_down":
"500" answers the ECS route HTTP 500, "close" closes the connection without
an answer (the credentials endpoint failing for a while; test_creds_outage).
"""
import argparse
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULTS = {
    "imds_put": "ok",      # ok | 403 | 404 | 405 | hang
    "hang_s": 3.0,         # how long "hang" sleeps before answering
    "imds_role": "test-role",
    "expire_in": 3600,     # seconds until the handed-out credentials expire
    "fail_after": -1,      # >= 0: after this many successes, answer 500
    "ecs_auth": None,      # expected ECS Authorization value (None: any)
    "sts_error": None,     # STS error code to answer with (HTTP 400)
    "fixed_key": None,     # [AK, SK] handed out by every fetch
    "token_exp": False,    # token "token-<n>.exp<unix expiry>"
    "ecs_down": None,      # None | "500" | "close": the ECS route fails
}

lock = threading.Lock()
mode = dict(DEFAULTS)
stats = {}
imds_tokens = set()


def reset_stats():
    stats.clear()
    stats.update({
        "fetches": 0,         # successful credential responses
        "failed": 0,          # credential requests answered 500 by fail_after
        "imds_token_puts": 0,
        "imds_ttl_header": None,
        "imds_v1_requests": 0,   # metadata GETs without a token
        "imds_token_header": None,
        "ecs_requests": 0,
        "ecs_auth": None,
        "sts_requests": 0,
        "sts": {},
        "sts_content_type": None,
        "last_expiry": None,  # unix expiry of the last credentials handed out
        "down_answers": 0,    # ECS requests failed by ecs_down
    })


reset_stats()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, body, ctype="application/json", extra=None):
        data = body.encode() if isinstance(body, str) else body
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def next_creds(self, kind):
        """(status, creds dict) honouring fail_after."""
        with lock:
            if mode["fail_after"] >= 0 and stats["fetches"] >= mode["fail_after"]:
                stats["failed"] += 1
                return None
            stats["fetches"] += 1
            n = stats["fetches"]
            exp = int(time.time() + float(mode["expire_in"]))
            fixed, token_exp = mode["fixed_key"], mode["token_exp"]
            stats["last_expiry"] = exp
        return {"AccessKeyId": fixed[0] if fixed else "ASIA%s%d" % (kind, n),
                "SecretAccessKey": fixed[1] if fixed else "secret-%d" % n,
                "Token": "token-%d" % n + (".exp%d" % exp if token_exp else ""),
                "Expiration": iso(exp)}

    # ---- control ----
    def ctl(self, method):
        if method == "GET" and self.path == "/_ctl/stats":
            with lock:
                return self.reply(200, json.dumps(stats))
        if method == "POST" and self.path == "/_ctl/reset":
            self.body()
            with lock:
                mode.clear()
                mode.update(DEFAULTS)
                reset_stats()
                imds_tokens.clear()
            return self.reply(200, "{}")
        if method == "POST" and self.path == "/_ctl/config":
            cfg = json.loads(self.body() or b"{}")
            with lock:
                mode.update(cfg)
            return self.reply(200, json.dumps(mode))
        return self.reply(404, '{"error":"no such control"}')

    # ---- IMDS ----
    def imds_token_ok(self):
        tok = self.headers.get("X-aws-ec2-metadata-token")
        with lock:
            if tok is None:
                stats["imds_v1_requests"] += 1
            else:
                stats["imds_token_header"] = tok
            put_mode = mode["imds_put"]
        if put_mode in ("ok", "hang"):
            return tok is not None and tok in imds_tokens
        return tok is None   # IMDSv2 "unavailable": v1 only

    def do_PUT(self):
        self.body()
        if self.path != "/latest/api/token":
            return self.reply(404, "not found", "text/plain")
        with lock:
            stats["imds_token_puts"] += 1
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            stats["imds_ttl_header"] = ttl
            put_mode = mode["imds_put"]
            hang = float(mode["hang_s"])
        if put_mode in ("403", "404", "405"):
            return self.reply(int(put_mode), "", "text/plain")
        if put_mode == "hang":
            time.sleep(hang)
        if not ttl:
            return self.reply(400, "missing ttl", "text/plain")
        tok = "imdstoken-" + secrets.token_hex(8)
        with lock:
            imds_tokens.add(tok)
        self.reply(200, tok, "text/plain",
                   {"X-aws-ec2-metadata-token-ttl-seconds": ttl})

    def do_GET(self):
        if self.path.startswith("/_ctl/"):
            return self.ctl("GET")
        prefix = "/latest/meta-data/iam/security-credentials/"
        if self.path.startswith(prefix):
            if not self.imds_token_ok():
                return self.reply(401, "", "text/plain")
            role = self.path[len(prefix):]
            with lock:
                want = mode["imds_role"]
            if role == "":
                return self.reply(200, want, "text/plain")
            if role != want:
                return self.reply(404, "", "text/plain")
            c = self.next_creds("IMDS")
            if c is None:
                return self.reply(500, "", "text/plain")
            c.update({"Code": "Success", "Type": "AWS-HMAC",
                      "LastUpdated": iso(time.time())})
            return self.reply(200, json.dumps(c))
        if self.path.startswith("/ecs/"):
            auth = self.headers.get("Authorization")
            with lock:
                stats["ecs_requests"] += 1
                stats["ecs_auth"] = auth
                want = mode["ecs_auth"]
                down = mode["ecs_down"]
                if down:
                    stats["down_answers"] += 1
            if down == "close":
                self.close_connection = True
                return
            if down:
                return self.reply(500, '{"code":"InternalError","message":"agent down"}')
            if want is not None and auth != want:
                return self.reply(401, json.dumps(
                    {"code": "AccessDenied", "message": "bad authorization"}))
            c = self.next_creds("ECS")
            if c is None:
                return self.reply(500, '{"code":"InternalError"}')
            # ECS sends fractional seconds; exercise that parser path.
            c["Expiration"] = c["Expiration"].replace("Z", ".250Z")
            return self.reply(200, json.dumps(c))
        return self.reply(404, "not found", "text/plain")

    # ---- STS ----
    def do_POST(self):
        if self.path.startswith("/_ctl/"):
            return self.ctl("POST")
        raw = self.body().decode()
        if self.path != "/":
            return self.reply(404, "not found", "text/plain")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
        with lock:
            stats["sts_requests"] += 1
            stats["sts"] = form
            stats["sts_content_type"] = self.headers.get("Content-Type")
            err = mode["sts_error"]
        if err:
            return self.reply(400, (
                '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                '<Error><Type>Sender</Type><Code>%s</Code>'
                '<Message>Token rejected &amp; not valid</Message></Error>'
                '<RequestId>r-1</RequestId></ErrorResponse>' % err), "text/xml")
        if (form.get("Action") != "AssumeRoleWithWebIdentity"
                or form.get("Version") != "2011-06-15"
                or not form.get("RoleArn") or not form.get("WebIdentityToken")
                or not form.get("RoleSessionName")):
            return self.reply(400, (
                '<ErrorResponse><Error><Code>InvalidParameterValue</Code>'
                '<Message>bad request</Message></Error></ErrorResponse>'), "text/xml")
        c = self.next_creds("STS")
        if c is None:
            return self.reply(500, (
                '<ErrorResponse><Error><Code>InternalFailure</Code>'
                '<Message>down</Message></Error></ErrorResponse>'), "text/xml")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<AssumeRoleWithWebIdentityResponse '
            'xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
            '  <AssumeRoleWithWebIdentityResult>\n'
            '    <SubjectFromWebIdentityToken>system:sa</SubjectFromWebIdentityToken>\n'
            '    <AssumedRoleUser><Arn>%s/%s</Arn>'
            '<AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>\n'
            '    <!-- <AccessKeyId>NOT-THIS</AccessKeyId> -->\n'
            '    <Credentials>\n'
            '      <SessionToken>%s&amp;x</SessionToken>\n'
            '      <SecretAccessKey>%s</SecretAccessKey>\n'
            '      <Expiration>%s</Expiration>\n'
            '      <AccessKeyId>%s</AccessKeyId>\n'
            '    </Credentials>\n'
            '    <Audience>sts.amazonaws.com</Audience>\n'
            '  </AssumeRoleWithWebIdentityResult>\n'
            '  <ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata>\n'
            '</AssumeRoleWithWebIdentityResponse>\n' % (
                form["RoleArn"], form["RoleSessionName"], c["Token"],
                c["SecretAccessKey"], c["Expiration"], c["AccessKeyId"]))
        return self.reply(200, xml, "text/xml")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--announce", action="store_true", help='print "port N" instead of N')
    a = ap.parse_args()
    srv = ThreadingHTTPServer((a.host, a.port), Handler)
    srv.daemon_threads = True
    if a.announce:
        print(f"port {srv.server_address[1]}", flush=True)   # ms_test_peer_start's form
    else:
        print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
