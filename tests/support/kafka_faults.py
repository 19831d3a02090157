#!/usr/bin/python3
"""kafka_faults.py -- the Kafka broker-fault campaign (docs/reliability.md).

A `medstream kafka-mock --control` process with 3 brokers and topic
`faults` (4 partitions, replication 3: replicas exist in the mock's
metadata only, it keeps one log per partition). A producer thread writes N
envelopes (distinct ids) paced over the whole run while one medstream
(file sink, admin endpoint on) consumes them. Broker 1 stays up and is the
consumer group's coordinator; the partition leaders start on broker 3.
Mid-stream, driven by the delivered count:

  A leader move      every partition's leader moves 3 -> 2 (the consumer
                     gets NOT_LEADER, refreshes metadata, fetches from 2)
  B leader down      broker 2 (leader of every partition) is taken down for
                     --down-s seconds, then up. The mock does no failover on
                     its own, so consumption stalls until the broker returns
  C failover         broker 2 down again and the leaders moved to broker 3
                     at once (what a real cluster's controller does); the
                     pipeline must resume while 2 is still down; then up

Checks: medstream never exits, every id has a summary (0 lost), no summary
for an unknown id, no dead letter, duplicates <= in-flight limit x 3 (the
faults), consumer group lag 0, progress after every fault without a
restart, /metrics counts the broker errors (medstream_kafka_errors_total)
and shows the lag gauge, every report counted delivered, none abandoned;
SIGTERM exits 0. Elapsed seconds are printed as figures, never asserted.
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kafka_crash as kc  # noqa: E402  (exits 77 without confluent_kafka)
from confluent_kafka import Producer  # noqa: E402

TOPIC = GROUP = "faults"
check, wait_for = kc.check, kc.wait_for


class ControlledMock(kc.Mock):
    """kafka-mock with --control: command() writes one line, reads the reply."""

    def __init__(self, binary, work):
        self.err = open(os.path.join(work, "kafka-mock.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "kafka-mock", "--brokers", "3", "--control",
             "--topic", "%s:%d:3" % (TOPIC, kc.PARTITIONS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
            text=True, bufsize=1)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        self.bootstraps = self.proc.stdout.readline().strip() if ready else ""
        if not self.bootstraps:
            raise SystemExit("FAIL - kafka-mock printed no bootstrap servers")

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        reply = self.proc.stdout.readline().strip() if ready else "no reply"
        print("# %.1f s: kafka-mock '%s' -> %s" % (time.monotonic() - T0, line, reply),
              flush=True)
        check(reply == "ok", "kafka-mock accepted '%s'" % line)


def paced_producer(bootstraps, ids, pdfs, interval, done):
    p = Producer({"bootstrap.servers": bootstraps, "enable.idempotence": True,
                  "message.max.bytes": 10 << 20, "log_level": 0})
    for n, rid in enumerate(ids):
        env = json.dumps({"id": rid, "pdf_base64": pdfs[n % len(pdfs)],
                          "metadata": {"campaign": TOPIC}})
        while True:
            try:
                p.produce(TOPIC, env.encode(), key=rid.encode())
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
        time.sleep(interval)
    done.append(p.flush(300))


def metrics(port):
    """{series: value} from /metrics ({} when it does not answer)."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
            text = r.read().decode()
    except Exception as e:
        print("# /metrics: %s" % e)
        return {}
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.rpartition(" ")
            try:
                out[k] = float(v)
            except ValueError:
                pass
    return out


def kafka_errors(m):
    return sum(v for k, v in m.items() if k.startswith("medstream_kafka_errors_total{"))


def admin_port(log):
    try:
        with open(log) as f:
            for line in f:
                if '"admin endpoint listening"' in line:
                    mm = re.search(r'"port":\s*"?(\d+)', line)
                    if mm:
                        return int(mm.group(1))
    except FileNotFoundError:
        pass
    return 0


def progress(inst, what, more):
    """Wait until `more` further ids are delivered; the seconds it took."""
    start, t = len(inst.ids()), time.monotonic()
    ok = wait_for(lambda: len(set(inst.ids())) >= min(start + more, NREPORTS)
                  or inst.proc.poll() is not None, what)
    alive = inst.proc.poll() is None
    check(ok and alive, "%s (%d -> %d delivered)" % (what, start, len(set(inst.ids()))))
    return time.monotonic() - t


def main():
    global T0, NREPORTS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mkpdf", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reports", type=int, default=300)
    ap.add_argument("--interval", type=float, default=0.12,
                    help="seconds between two produced reports")
    ap.add_argument("--down-s", type=float, default=15, help="seconds a broker stays down")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    NREPORTS = a.reports
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("seed=%d (rerun with --seed %d)" % (seed, seed), flush=True)
    rng = random.Random(seed)
    os.makedirs(a.work, exist_ok=True)
    pdfs = kc.make_pdfs(a.mkpdf, a.work, 8)
    T0 = time.monotonic()
    mock = ControlledMock(a.bin, a.work)
    inst = None
    try:
        mock.command("leader %s all 3" % TOPIC)
        mock.command("coordinator %s 1" % GROUP)
        inst = kc.Instance(a.bin, a.work, "faults", mock.bootstraps, GROUP, TOPIC,
                           extra=["http.listen=127.0.0.1:0"])
        if not wait_for(lambda: admin_port(inst.log) or inst.proc.poll() is not None,
                        "medstream's admin endpoint") or not admin_port(inst.log):
            return 1
        port = admin_port(inst.log)
        ids = ["fault-%05d" % n for n in range(a.reports)]
        produced = []
        prod = threading.Thread(target=paced_producer,
                                args=(mock.bootstraps, ids, pdfs, a.interval, produced))
        prod.start()
        # The fault points: fractions of the stream, jittered by the seed.
        q = a.reports // 10
        at = [q + rng.randrange(q), 3 * q + rng.randrange(q), 6 * q + rng.randrange(q)]
        print("fault points (delivered count): %s" % at, flush=True)

        wait_for(lambda: len(inst.ids()) >= at[0] or inst.proc.poll() is not None, "phase A point")
        mock.command("leader %s all 2" % TOPIC)
        a_s = progress(inst, "A: consumption resumes after the leaders moved 3 -> 2", 20)

        wait_for(lambda: len(inst.ids()) >= at[1] or inst.proc.poll() is not None, "phase B point")
        err0 = kafka_errors(metrics(port))
        mock.command("down 2")
        before = len(inst.ids())
        time.sleep(a.down_s)
        stalled = len(inst.ids()) - before
        m_down = metrics(port)
        check(inst.proc.poll() is None, "B: medstream still running after %.0f s with the "
              "leader broker down" % a.down_s)
        check(m_down != {}, "B: /metrics answers while the leader broker is down")
        errs_b = kafka_errors(m_down) - err0
        check(errs_b > 0, "B: /metrics counts the lost broker (medstream_kafka_errors_total "
              "+%d)" % errs_b)
        mock.command("up 2")
        b_s = progress(inst, "B: consumption resumes after broker 2 is back up", 20)

        wait_for(lambda: len(inst.ids()) >= at[2] or inst.proc.poll() is not None, "phase C point")
        mock.command("down 2")
        mock.command("leader %s all 3" % TOPIC)
        c_s = progress(inst, "C: consumption resumes from broker 3 while broker 2 is down", 20)
        mock.command("up 2")

        prod.join()
        check(produced == [0], "%d records produced to %s (unflushed %s)"
              % (a.reports, TOPIC, produced))
        wait_for(lambda: len(set(inst.ids())) >= a.reports or inst.proc.poll() is not None,
                 "every id delivered")
        check(inst.proc.poll() is None, "medstream never exited during the faults")
        print("phase_a_resume_s=%.1f\nphase_b_stalled_delivered=%d\nphase_b_resume_s=%.1f\n"
              "phase_c_resume_s=%.1f" % (a_s, stalled, b_s, c_s))
        kc.verify("faults", [inst], ids, mock.bootstraps, GROUP, TOPIC, kc.INFLIGHT * 3)
        m = metrics(port)
        written = len(inst.ids())
        delivered = m.get('medstream_reports_delivered_total{status="ok"}', -1)
        check(delivered == written, "metrics: delivered %d = summaries written %d"
              % (delivered, written))
        check(m.get("medstream_reports_abandoned_total", 0) == 0, "metrics: nothing abandoned")
        lags = [v for k, v in m.items() if k.startswith("medstream_source_lag_records{")]
        check(len(lags) == kc.PARTITIONS and max(lags) == 0,
              "metrics: a lag gauge per partition, all 0 (%s)" % lags)
        errs = {k: v for k, v in m.items() if k.startswith("medstream_kafka_errors_total{")}
        print("kafka_errors=%s" % json.dumps(errs, sort_keys=True))
        with open(inst.log) as f:
            warned = sum('"kafka client error"' in line for line in f)
        check(warned > 0, "the broker errors are logged (%d 'kafka client error' lines)" % warned)
        print("RESULT kafka-faults reports=%d down_s=%.0f kafka_errors=%d lost=%d duplicates=%d"
              % (a.reports, a.down_s, kafka_errors(m), len(set(ids) - set(inst.ids())),
                 written - len(set(inst.ids()))))
        inst.proc.send_signal(signal.SIGTERM)
        try:
            rc = inst.proc.wait(kc.WAIT_S)
        except subprocess.TimeoutExpired:
            rc = "timeout"
        check(rc == 0, "SIGTERM: medstream drains and exits 0 (got %s)" % rc)
    finally:
        if inst and inst.proc.poll() is None:
            inst.kill()
        mock.proc.stdin.close()
        mock.stop()
    if kc.failures:
        print("%d check(s) failed; logs in %s" % (len(kc.failures), a.work))
        return 1
    print("all Kafka broker-fault checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
