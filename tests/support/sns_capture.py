#!/usr/bin/env python3
"""sns_capture.py -- a local stand-in for Amazon SNS's Publish (query
protocol), for the SNS sink tests.

Every request's SigV4 signature is checked with tests/support/aws_peer.py's
verify() (written from AWS's documentation, independent of medstream); a
bad one is answered 403 and counted. The form body is decoded and checked:
Content-Type must be application/x-www-form-urlencoded, and the body must be
in canonical encoding (re-encoding the decoded pairs, unreserved characters
bare and everything else %XX, gives back the body byte for byte; no '+').
GET /_capture returns {"publishes": [{"TopicArn", "Message", "Action",
"Version", "attributes": {name: value}, "types": {name: DataType},
"bytes"}], "bad_signatures", "bad_encoding", "bad_content_type"}.

GetTopicAttributes (for check-config --probe) answers 200 for every topic,
or, with --topic ARN (repeatable), 404 NotFound for any other; it is not
recorded as a publish.

usage: sns_capture.py --key AKID:SECRET [--topic ARN]...
Prints "port N" once listening."""
import argparse
import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_peer  # noqa: E402

LOCK = threading.Lock()
TOPICS = []   # --topic: the only topics that exist (empty = all)
STATE = {"publishes": [], "bad_signatures": 0, "bad_encoding": 0, "bad_content_type": 0}


def canonical(pairs):
    q = lambda s: urllib.parse.quote(s, safe="-_.~")
    return "&".join(f"{q(k)}={q(v)}" for k, v in pairs)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype="text/xml"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with LOCK:
            self.reply(200, json.dumps(STATE).encode(), "application/json")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        why = aws_peer.verify(self, body)
        if why:
            with LOCK:
                STATE["bad_signatures"] += 1
            self.reply(403, f"<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>"
                            f"<Message>{why}</Message></Error></ErrorResponse>".encode())
            return
        ctype = self.headers.get("Content-Type", "")
        text = body.decode("utf-8")
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        with LOCK:
            if not ctype.startswith("application/x-www-form-urlencoded"):
                STATE["bad_content_type"] += 1
            if "+" in text or canonical(pairs) != text:
                STATE["bad_encoding"] += 1
        form = dict(pairs)
        if form.get("Action") == "GetTopicAttributes":
            arn = form.get("TopicArn", "")
            if TOPICS and arn not in TOPICS:
                self.reply(404, b"<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>"
                                b"<Message>Topic does not exist</Message></Error></ErrorResponse>")
            else:
                self.reply(200, (f'<GetTopicAttributesResponse><GetTopicAttributesResult>'
                                 f'<Attributes><entry><key>TopicArn</key><value>{arn}</value>'
                                 f'</entry></Attributes></GetTopicAttributesResult>'
                                 f'</GetTopicAttributesResponse>').encode())
            return
        attrs, types = {}, {}
        i = 1
        while f"MessageAttributes.entry.{i}.Name" in form:
            name = form[f"MessageAttributes.entry.{i}.Name"]
            attrs[name] = form.get(f"MessageAttributes.entry.{i}.Value.StringValue")
            types[name] = form.get(f"MessageAttributes.entry.{i}.Value.DataType")
            i += 1
        rec = {k: form.get(k) for k in ("Action", "Version", "TopicArn", "Message")}
        rec.update(attributes=attrs, types=types, bytes=len(body))
        with LOCK:
            STATE["publishes"].append(rec)
            n = len(STATE["publishes"])
        self.reply(200, (f'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
                         f"<PublishResult><MessageId>m-{n}</MessageId></PublishResult>"
                         f"</PublishResponse>").encode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--topic", action="append", default=[])
    args = ap.parse_args()
    TOPICS.extend(args.topic)
    aws_peer.ARGS = argparse.Namespace(key=args.key, token=None)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    aws_peer.serve_until_orphaned(srv)


if __name__ == "__main__":
    sys.exit(main())
