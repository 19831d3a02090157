#!/usr/bin/python3
"""sigv4_botocore.py FILE -- sign requests with botocore, as the reference
for tests/integration/test_sigv4_botocore.c.

FILE holds one JSON object per line (written by the C test):
  id, mode ("header" | "presign"), s3 (bool), service, region,
  access_key, secret_key, token (str | null), when ("YYYYMMDDTHHMMSSZ"),
  method, host, path, query (str | null: no '?'), headers ([[name, value]]),
  body_hex, unsigned (bool: UNSIGNED-PAYLOAD), expires (presign only).

For each line prints one JSON object: id, cr (botocore's canonical request),
sts (its string to sign), auth (the Authorization header, header mode),
content_sha256 (the X-Amz-Content-SHA256 header botocore added, if any) and
url (the presigned URL, presign mode).

Signers: SigV4Auth / S3SigV4Auth, SigV4QueryAuth / S3SigV4QueryAuth, with
the clock fixed by replacing botocore.auth's datetime module. Exits 77 when
botocore cannot be imported (ctest: skipped).
"""
import datetime
import json
import sys
import types

try:
    import botocore
    import botocore.auth as auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
except ImportError as exc:  # pragma: no cover - depends on the machine
    print(f"botocore not importable: {exc}", file=sys.stderr)
    sys.exit(77)


class FixedDateTime(datetime.datetime):
    """datetime.datetime whose utcnow() is the request's signing time."""

    fixed = None

    @classmethod
    def utcnow(cls):
        return cls.fixed


# add_auth() calls datetime.datetime.utcnow(); everything else it uses from
# the module (strptime on the class) still works on the subclass.
auth.datetime = types.SimpleNamespace(datetime=FixedDateTime)


def sign(rec):
    FixedDateTime.fixed = FixedDateTime.strptime(rec["when"], "%Y%m%dT%H%M%SZ")
    creds = Credentials(rec["access_key"], rec["secret_key"], rec["token"])
    url = "https://" + rec["host"] + rec["path"]
    if rec["query"] is not None:
        url += "?" + rec["query"]
    req = AWSRequest(method=rec["method"], url=url,
                     data=bytes.fromhex(rec["body_hex"]))
    for name, value in rec["headers"]:
        req.headers[name] = value  # HTTPHeaders: appends, keeps repeats
    if rec["unsigned"]:
        if rec["s3"]:
            req.context["client_config"] = Config(
                s3={"payload_signing_enabled": False})
        else:
            req.context["payload_signing_enabled"] = False

    presign = rec["mode"] == "presign"
    if presign:
        cls = auth.S3SigV4QueryAuth if rec["s3"] else auth.SigV4QueryAuth
        signer = cls(creds, rec["service"], rec["region"],
                     expires=rec["expires"])
    else:
        cls = auth.S3SigV4Auth if rec["s3"] else auth.SigV4Auth
        signer = cls(creds, rec["service"], rec["region"])

    seen = {}
    orig_cr, orig_sts = signer.canonical_request, signer.string_to_sign

    def canonical_request(request):
        seen["cr"] = orig_cr(request)
        return seen["cr"]

    def string_to_sign(request, cr):
        seen["sts"] = orig_sts(request, cr)
        return seen["sts"]

    signer.canonical_request = canonical_request
    signer.string_to_sign = string_to_sign
    signer.add_auth(req)

    out = {"id": rec["id"], "cr": seen["cr"], "sts": seen["sts"]}
    if presign:
        out["url"] = req.url
    else:
        out["auth"] = req.headers["Authorization"]
        out["content_sha256"] = req.headers.get("X-Amz-Content-SHA256")
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: sigv4_botocore.py FILE", file=sys.stderr)
        return 2
    print(f"botocore {botocore.__version__}", file=sys.stderr)
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if line.strip():
                print(json.dumps(sign(json.loads(line))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
