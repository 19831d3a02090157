#!/usr/bin/python3
"""emulator_boto3.py -- boto3 against `medstream emulate`: proof that the
emulator speaks Comprehend Medical well enough for the real SDK.

botocore parses every response with the service's own model (Debian's
python3-botocore), so a shape the SDK cannot read fails here; errors must
map to the model's exception classes.

usage: emulator_boto3.py --endpoint URL CHECK [--key AKID:SECRET]
  ops        every operation parses; offsets slice the text; Text/Category/
             Type are consistent; the stats meter counts exactly what was
             sent (the emulator must be unthrottled and freshly reset)
  errors     oversize -> TextSizeLimitExceededException, empty ->
             InvalidRequestException, bad JSON/encoding codes
  throttle   default quotas: InferSNOMEDCT's 2 TPS, DetectEntitiesV2's
             40,000 characters/s, and DetectPHI's tiny --op quota raise
             TooManyRequestsException (retries off)
  sigv4      (emulator started with --verify-sigv4 KEY) right key passes,
             wrong secret / unknown key / expired are refused
Exits 0 when every check passed, 1 otherwise (with the reason on stderr).
"""
import argparse
import datetime
import json
import sys
import urllib.request

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

OPS = {
    "DetectEntitiesV2": ("detect_entities_v2", 20000),
    "DetectEntities": ("detect_entities", 20000),
    "DetectPHI": ("detect_phi", 20000),
    "InferICD10CM": ("infer_icd10_cm", 10000),
    "InferRxNorm": ("infer_rx_norm", 10000),
    "InferSNOMEDCT": ("infer_snomedct", 10000),
}

NOTE = ("Patient: Maria Lopez, 67-year-old female. MRN: 12345678. Seen on "
        "03/14/2024 by Dr. Chen.\nHistory of hypertension and type 2 diabetes "
        "mellitus. Denies chest pain. Acute pain in the left knee.\n"
        "Medications: lisinopril 10 mg po daily, metformin 500 mg twice daily, "
        "Lipitor 20 mg at bedtime.\nLabs: sodium 130 mmol/L, hemoglobin A1c "
        "7.9 %. Plan: chest x-ray, follow up in 2 weeks. Caf\u00e9 au lait "
        "spots \u2014 d\u00e9j\u00e0 vu \U0001F600 noted.")

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, file=sys.stderr)


def client(endpoint, key=None, secret=None, retries=1):
    cfg = Config(retries={"total_max_attempts": retries, "mode": "standard"},
                 parameter_validation=False, connect_timeout=5, read_timeout=30)
    return boto3.client("comprehendmedical", endpoint_url=endpoint,
                        region_name="us-east-1",
                        aws_access_key_id=key or "AKIDEXAMPLE",
                        aws_secret_access_key=secret or "secret", config=cfg)


def stats(endpoint):
    with urllib.request.urlopen(endpoint + "/_emulator/stats", timeout=10) as r:
        return json.loads(r.read())


def reset(endpoint):
    req = urllib.request.Request(endpoint + "/_emulator/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def error_code(exc):
    return exc.response.get("Error", {}).get("Code")


def walk(items):
    """Entities and their attributes (and unmapped attributes)."""
    for e in items:
        yield e
        for a in e.get("Attributes", []):
            yield a


def check_items(op, text, resp):
    ents = resp["Entities"]
    every = list(walk(ents)) + [u["Attribute"] for u in resp.get("UnmappedAttributes", [])]
    ids = [x["Id"] for x in every]
    check(len(ids) == len(set(ids)), f"{op}: Ids are unique")
    for x in every:
        b, e = x["BeginOffset"], x["EndOffset"]
        check(0 <= b < e <= len(text), f"{op}: offsets {b}..{e} inside the text")
        check(text[b:e] == x["Text"], f"{op}: text[{b}:{e}] == {x['Text']!r}")
        check(0 < x["Score"] <= 1, f"{op}: score in (0, 1]")
    begins = [e["BeginOffset"] for e in ents]
    check(begins == sorted(begins), f"{op}: entities in text order")
    return every


def run_ops(endpoint):
    reset(endpoint)
    c = client(endpoint)
    sent = {}
    texts = [NOTE, "No known drug allergies.", "x"]
    for op, (method, _) in OPS.items():
        for text in texts:
            resp = getattr(c, method)(Text=text)
            check(resp["ResponseMetadata"]["HTTPStatusCode"] == 200, f"{op}: 200")
            check(isinstance(resp.get("ModelVersion"), str), f"{op}: ModelVersion")
            every = check_items(op, text, resp)
            n = len(text)
            st = sent.setdefault(op, {"requests": 0, "characters": 0, "billed_units": 0})
            st["requests"] += 1
            st["characters"] += n
            st["billed_units"] += max(1, -(-n // 100))
            if text is not NOTE:
                continue
            cats = {x.get("Category") for x in resp["Entities"]}
            if op == "DetectEntitiesV2":
                check({"MEDICATION", "MEDICAL_CONDITION", "ANATOMY",
                       "TEST_TREATMENT_PROCEDURE", "PROTECTED_HEALTH_INFORMATION"} <= cats,
                      f"{op}: the five main categories found, got {cats}")
                check(any(a["Type"] == "TEST_UNIT" for a in every), f"{op}: TEST_UNIT")
            elif op == "DetectEntities":
                check(not any(x["Type"] == "TEST_UNIT" for x in every),
                      f"{op}: V1 names TEST_UNITS")
                check(any(x["Type"] == "ACUITY" for x in resp["Entities"]),
                      f"{op}: ACUITY is an entity in V1")
            elif op == "DetectPHI":
                check(cats == {"PROTECTED_HEALTH_INFORMATION"}, f"{op}: only PHI, got {cats}")
                types = {x["Type"] for x in resp["Entities"]}
                check({"NAME", "AGE", "DATE", "ID"} <= types, f"{op}: PHI types {types}")
            elif op == "InferICD10CM":
                check(cats == {"MEDICAL_CONDITION"}, f"{op}: conditions only, got {cats}")
                codes = {cc["Code"] for x in resp["Entities"] for cc in x["ICD10CMConcepts"]}
                check("I10" in codes, f"{op}: hypertension -> I10, got {codes}")
                check(all("ICD10CMConcepts" in x for x in resp["Entities"]), f"{op}: concepts")
            elif op == "InferRxNorm":
                check(cats == {"MEDICATION"}, f"{op}: medications only, got {cats}")
                names = {x["Text"]: x for x in resp["Entities"]}
                check({"lisinopril", "metformin", "Lipitor"} <= set(names),
                      f"{op}: three medications, got {set(names)}")
                check(names.get("lisinopril", {}).get("RxNormConcepts", [{}])[0].get("Code")
                      == "29046", f"{op}: lisinopril RxCUI 29046")
                attrs = {a["Type"] for a in names.get("lisinopril", {}).get("Attributes", [])}
                check({"DOSAGE", "ROUTE_OR_MODE", "FREQUENCY"} <= attrs,
                      f"{op}: lisinopril attributes {attrs}")
            elif op == "InferSNOMEDCT":
                check(resp["SNOMEDCTDetails"]["Edition"] == "US", f"{op}: SNOMEDCTDetails")
                check(resp["Characters"]["OriginalTextCharacters"] == len(text),
                      f"{op}: OriginalTextCharacters")
                check(cats <= {"MEDICAL_CONDITION", "ANATOMY", "TEST_TREATMENT_PROCEDURE"},
                      f"{op}: categories {cats}")
    s = stats(endpoint)
    check(isinstance(s.get("uptime_s"), (int, float)), "stats: uptime_s")
    for op, want in sent.items():
        got = s["operations"][op]
        for k, v in want.items():
            check(got[k] == v, f"stats {op}.{k}: {got[k]} == {v}")
        check(got["throttled"] == 0 and got["faults"] == 0, f"stats {op}: no throttle/fault")


def expect_error(fn, code, cls=None, what=""):
    try:
        fn()
    except ClientError as e:
        check(error_code(e) == code, f"{what}: code {error_code(e)} == {code}")
        if cls is not None:
            check(isinstance(e, cls), f"{what}: raised {type(e).__name__}, want {cls.__name__}")
        return e
    check(False, f"{what}: no error raised, expected {code}")
    return None


def run_errors(endpoint):
    reset(endpoint)
    c = client(endpoint)
    ex = c.exceptions
    for op, (method, limit) in OPS.items():
        fn = getattr(c, method)
        fn(Text="a" * limit)                           # exactly at the limit: fine
        expect_error(lambda: fn(Text="a" * (limit + 1)), "TextSizeLimitExceededException",
                     ex.TextSizeLimitExceededException, f"{op} oversize")
        # the limit is in UTF-8 bytes, not characters
        expect_error(lambda: fn(Text="\u00e9" * (limit // 2 + 1)),
                     "TextSizeLimitExceededException",
                     ex.TextSizeLimitExceededException, f"{op} oversize in bytes")
        expect_error(lambda: fn(Text=""), "InvalidRequestException",
                     ex.InvalidRequestException, f"{op} empty")
        expect_error(lambda: fn(), "InvalidRequestException",
                     ex.InvalidRequestException, f"{op} missing Text")
    s = stats(endpoint)
    for op in OPS:
        got = s["operations"][op]
        check(got["requests"] == 5 and got["errors"] == 4,
              f"stats {op}: 5 requests, 4 errors: {got}")


def run_throttle(endpoint):
    reset(endpoint)
    c = client(endpoint)
    ex = c.exceptions
    # InferSNOMEDCT: 2 TPS, bucket of 2
    c.infer_snomedct(Text="chest pain")
    c.infer_snomedct(Text="chest pain")
    expect_error(lambda: c.infer_snomedct(Text="chest pain"), "TooManyRequestsException",
                 ex.TooManyRequestsException, "InferSNOMEDCT third call in a second")
    # DetectEntitiesV2: 40,000 characters/s: two 20,000-character calls pass
    big = ("Hypertension treated with lisinopril 10 mg daily. " * 400)[:20000]
    c.detect_entities_v2(Text=big)
    c.detect_entities_v2(Text=big)
    e = expect_error(lambda: c.detect_entities_v2(Text=big), "TooManyRequestsException",
                     ex.TooManyRequestsException, "DetectEntitiesV2 past 40,000 chars/s")
    if e is not None:
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 429, "throttle is HTTP 429")
    # DetectPHI at --op DetectPHI:tps=0.01: one call, then refused
    c.detect_phi(Text="Seen by Dr. Chen")
    expect_error(lambda: c.detect_phi(Text="Seen by Dr. Chen"), "TooManyRequestsException",
                 ex.TooManyRequestsException, "DetectPHI tiny quota")
    # botocore's retry logic sees it as a throttle: with retries it tries again
    retrying = client(endpoint, retries=3)
    try:
        retrying.detect_phi(Text="Seen by Dr. Chen")
        check(False, "DetectPHI with retries: still throttled")
    except ClientError as err:
        attempts = err.response["ResponseMetadata"].get("RetryAttempts", 0)
        check(attempts == 2, f"botocore retried the throttle twice, got {attempts}")
    s = stats(endpoint)["operations"]
    check(s["InferSNOMEDCT"]["throttled"] == 1, f"stats SNOMED throttled: {s['InferSNOMEDCT']}")
    check(s["InferSNOMEDCT"]["billed_units"] == 2, "a throttled call is not billed")
    check(s["DetectEntitiesV2"]["characters"] == 40000, "throttled characters not counted")
    check(s["DetectPHI"]["throttled"] == 4, f"stats PHI throttled: {s['DetectPHI']}")


def run_sigv4(endpoint, key):
    reset(endpoint)
    akid, secret = key.split(":", 1)
    ok = client(endpoint, akid, secret)
    resp = ok.detect_entities_v2(Text="aspirin 81 mg daily")
    check(resp["Entities"][0]["Text"] == "aspirin", "signed call answered")
    # a session token is signed like any header and accepted
    tok = boto3.client("comprehendmedical", endpoint_url=endpoint, region_name="eu-west-1",
                       aws_access_key_id=akid, aws_secret_access_key=secret,
                       aws_session_token="FwoGZXIvYXdzEXAMPLE+/=",
                       config=Config(retries={"total_max_attempts": 1}))
    tok.infer_rx_norm(Text="aspirin 81 mg daily")
    bad = client(endpoint, akid, secret + "x")
    e = expect_error(lambda: bad.detect_phi(Text="x"), "InvalidSignatureException",
                     None, "wrong secret")
    if e is not None:
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, "wrong secret: 403")
    unknown = client(endpoint, "AKIDUNKNOWN", secret)
    expect_error(lambda: unknown.detect_phi(Text="x"), "UnrecognizedClientException",
                 None, "unknown access key")
    # a signature from 20 minutes ago: botocore signs with its own clock, so
    # give botocore.auth (only) a clock 20 minutes slow for one call
    import types
    from unittest import mock
    import botocore.auth

    class Slow(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return datetime.datetime.utcnow() - datetime.timedelta(minutes=20)

    with mock.patch.object(botocore.auth, "datetime", types.SimpleNamespace(datetime=Slow)):
        e = expect_error(lambda: ok.detect_phi(Text="x"), "InvalidSignatureException",
                         None, "expired signature")
    if e is not None:
        check("Signature expired" in e.response["Error"]["Message"],
              "expired: message says so")
    s = stats(endpoint)
    check(s["auth_failures"] == 3, f"stats: 3 refused signatures, got {s['auth_failures']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("check", choices=["ops", "errors", "throttle", "sigv4"])
    ap.add_argument("--key")
    a = ap.parse_args()
    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}: {a.check}")
    if a.check == "ops":
        run_ops(a.endpoint)
    elif a.check == "errors":
        run_errors(a.endpoint)
    elif a.check == "throttle":
        run_throttle(a.endpoint)
    else:
        run_sigv4(a.endpoint, a.key)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
