#!/usr/bin/env python3
"""sts_stub.py -- a local stand-in for AWS STS GetCallerIdentity (Query
protocol), for the audit trail's caller identity and check-config --probe.

POST / with the form body Action=GetCallerIdentity&Version=2011-06-15: the
SigV4 signature is checked with tests/support/aws_peer.py's verify() (written
from AWS's documentation, independent of medstream) and the credential
scope's service must be "sts"; a bad one is answered 403
SignatureDoesNotMatch and counted. The answer is STS's XML, as AWS sends it:

  <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
    <GetCallerIdentityResult><Arn/><UserId/><Account/></GetCallerIdentityResult>
    <ResponseMetadata><RequestId/></ResponseMetadata>
  </GetCallerIdentityResponse>

(boto3 parsing this very answer is the proof that it is the wire format:
integration.audit_sts does it). With --fail STATUS every call is answered
STATUS with an STS ErrorResponse instead (InternalFailure for 5xx,
AccessDenied otherwise). GET /_stats returns {"calls", "answered",
"bad_signatures", "key_ids": [...], "bad_form"}.

usage: sts_stub.py --key AKID:SECRET [--arn ARN] [--account ID]
                   [--user-id ID] [--fail STATUS] [--arn-per-key]
       sts_stub.py --meta-peer-keys ...   (aws_meta_peer.py's numbered keys)
Prints "port N" once listening."""
import argparse
import json
import os
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peer  # noqa: E402

LOCK = threading.Lock()
STATE = {"calls": 0, "answered": 0, "bad_signatures": 0, "bad_form": 0, "key_ids": []}
OPTS = None


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype="text/xml"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, message):
        kind = "Receiver" if status >= 500 else "Sender"
        self.reply(status, (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{xml_escape(message)}</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>").encode())

    def do_GET(self):
        with LOCK:
            self.reply(200, json.dumps(STATE).encode(), "application/json")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with LOCK:
            STATE["calls"] += 1
        auth = self.headers.get("Authorization", "")
        cred = auth.split("Credential=", 1)[1].split(",", 1)[0] if "Credential=" in auth else ""
        parts = cred.split("/")
        with LOCK:   # aws_peer.ARGS is global: one verification at a time
            if OPTS.meta_peer_keys:
                # aws_meta_peer.py's numbered credentials: ASIA<KIND><n>,
                # secret-<n>, token-<n>.
                n = "".join(c for c in parts[0] if c.isdigit()) if parts[0] else ""
                aws_peer.ARGS = argparse.Namespace(key=f"{parts[0]}:secret-{n}",
                                                   token=f"token-{n}")
            why = aws_peer.verify(self, body)
        if not why and (len(parts) != 5 or parts[3] != "sts"):
            why = f"credential scope {cred!r} does not name the sts service"
        if why:
            with LOCK:
                STATE["bad_signatures"] += 1
            self.error(403, "SignatureDoesNotMatch", why)
            return
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        ctype = self.headers.get("Content-Type", "")
        if (form.get("Action") != "GetCallerIdentity" or form.get("Version") != "2011-06-15"
                or not ctype.startswith("application/x-www-form-urlencoded")):
            with LOCK:
                STATE["bad_form"] += 1
            self.error(400, "InvalidAction", "only GetCallerIdentity 2011-06-15 is served here")
            return
        with LOCK:
            if parts[0] not in STATE["key_ids"]:
                STATE["key_ids"].append(parts[0])
        if OPTS.fail:
            code = "InternalFailure" if OPTS.fail >= 500 else "AccessDenied"
            self.error(OPTS.fail, code, "the stub was told to fail")
            return
        with LOCK:
            STATE["answered"] += 1
        arn = f"{OPTS.arn}-{parts[0]}" if OPTS.arn_per_key else OPTS.arn
        self.reply(200, (
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
            "  <GetCallerIdentityResult>\n"
            f"    <Arn>{xml_escape(arn)}</Arn>\n"
            f"    <UserId>{xml_escape(OPTS.user_id)}</UserId>\n"
            f"    <Account>{xml_escape(OPTS.account)}</Account>\n"
            "  </GetCallerIdentityResult>\n"
            "  <ResponseMetadata>\n"
            f"    <RequestId>{uuid.uuid4()}</RequestId>\n"
            "  </ResponseMetadata>\n"
            "</GetCallerIdentityResponse>\n").encode())


def main():
    global OPTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", default="unused:unused")
    ap.add_argument("--arn", default="arn:aws:sts::123456789012:assumed-role/medstream-task/"
                                     "0f1e2d3c4b5a")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--user-id", default="AROAEXAMPLEROLEID0001:0f1e2d3c4b5a")
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--meta-peer-keys", action="store_true",
                    help="accept aws_meta_peer.py's rotating credentials (--key unused)")
    ap.add_argument("--arn-per-key", action="store_true",
                    help="answer ARN-<access key id>, so a new key shows in the ARN")
    OPTS = ap.parse_args()
    aws_peer.ARGS = argparse.Namespace(key=OPTS.key, token=None)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    aws_peer.serve_until_orphaned(srv)


if __name__ == "__main__":
    sys.exit(main())
