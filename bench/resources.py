#!/usr/bin/python3
"""resources.py -- medstream's memory, file descriptors and threads while it
drains a Kafka backlog (issue 17, "Resource bounds"; bench/resources.sh).

A `medstream kafka-mock` holds a backlog of --reports envelopes (--distinct
small generated PDFs, reused under distinct ids) on one topic; then
`medstream run --once` (file sink, fsync off, admin endpoint on) drains it
and exits. The topic gets enough partitions to hold the whole backlog:
librdkafka's mock broker keeps only the newest ~5 MiB of each partition
(older records are deleted, like a retention limit -- with 4 partitions a
100,000-report backlog was cut to ~17,000, which looked like `run --once`
stopping early); the driver checks that nothing was cut before it starts
medstream. Every --interval seconds the driver samples the process from
/proc: VmRSS, VmHWM (peak RSS so far), open fds, threads, and the delivered
count from /metrics. The peak RSS is the last VmHWM sampled (wait4's
ru_maxrss would count the Python driver's memory carried over fork+exec);
wait4() gives the CPU seconds. --profile picks the settings: `default` (medstream's
defaults) or `low` (the low-memory setting of docs/operations.md); --set
KEY=VALUE adds more. Prints a table of samples and `key=value` figures.
--minutes M is the duration soak (`make soak SOAK_MINUTES=M`): no backlog;
a producer writes --rate reports a second for M minutes while `medstream
run` consumes them; once the producer stops and everything is delivered,
SIGTERM. It prints the same samples plus RSS, fds and threads at the start
(the first sample after one minute of warm-up) and at the end.
Not a test: no pass/fail beyond "every report has a summary".
"""
import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.request

try:
    from confluent_kafka import Consumer, Producer, TopicPartition
except ImportError:
    print("resources.py needs python3-confluent-kafka (scripts/setup.sh)")
    sys.exit(77)

PARTITIONS = 4          # at least; more when the backlog needs them (see above)
MOCK_PART_BYTES = 4 << 20   # plan per partition, under the mock's ~5 MiB
# The documented low-memory setting (docs/operations.md, "Low memory").
LOW = ["engine.workers=1", "engine.max_inflight_docs=64", "engine.max_inflight_bytes=4M",
       "kafka.queued.max.messages.kbytes=1024", "kafka.fetch.max.bytes=1048576",
       "kafka.max.partition.fetch.bytes=262144"]


# the campaign's generated reports (tests/support/kafka_crash.py), not a copy
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "support"))
from kafka_crash import make_pdfs  # noqa: E402


def proc_status(pid):
    r = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    r[k] = int(v.split()[0]) // 1024      # MiB
                elif k == "Threads":
                    r[k] = int(v)
        r["fds"] = len(os.listdir("/proc/%d/fd" % pid))
    except (OSError, ValueError):
        return None
    return r


def delivered(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith('medstream_reports_delivered_total{status="ok"}'):
                    return int(float(line.split()[-1]))
    except Exception:
        pass
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mkpdf", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reports", type=int, default=100000)
    ap.add_argument("--distinct", type=int, default=16)
    ap.add_argument("--profile", choices=("default", "low"), default="default")
    ap.add_argument("--set", action="append", default=[], help="extra KEY=VALUE")
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--rows", type=int, default=24, help="sample rows printed")
    ap.add_argument("--minutes", type=float, default=0,
                    help="duration soak: produce --rate a second for this long (no backlog)")
    ap.add_argument("--rate", type=float, default=20, help="reports a second (--minutes)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    pdfs = make_pdfs(a.mkpdf, a.work, a.distinct)
    envelope = sum(len(x) for x in pdfs) / len(pdfs) + 64
    parts = max(PARTITIONS, -(-int(a.reports * envelope) // MOCK_PART_BYTES))
    mock_log = open(os.path.join(a.work, "kafka-mock.log"), "w")
    mock = subprocess.Popen([a.bin, "kafka-mock", "--brokers", "1", "--topic",
                             "backlog:%d" % parts], stdout=subprocess.PIPE, stderr=mock_log)
    ready, _, _ = select.select([mock.stdout], [], [], 60)
    bs = mock.stdout.readline().decode().strip() if ready else ""
    if not bs:
        print("kafka-mock printed no bootstrap servers")
        return 1
    try:
        t = time.monotonic()
        p = Producer({"bootstrap.servers": bs, "linger.ms": 50, "log_level": 0,
                      "message.max.bytes": 10 << 20})
        size = 0
        produced = [0, False]      # count, finished (duration soak)

        def paced():
            end = time.monotonic() + a.minutes * 60
            n = 0
            while time.monotonic() < end:
                env = json.dumps({"id": "soak-%07d" % n, "pdf_base64": pdfs[n % len(pdfs)]})
                p.produce("backlog", env.encode(), key=b"%d" % n)
                p.poll(0)
                n += 1
                produced[0] = n
                time.sleep(max(0.0, (t_soak + n / a.rate) - time.monotonic()))
            p.flush(120)
            produced[1] = True
        for n in range(0 if a.minutes else a.reports):
            env = json.dumps({"id": "bench-%06d" % n, "pdf_base64": pdfs[n % len(pdfs)]}).encode()
            size += len(env)
            while True:
                try:
                    p.produce("backlog", env, key=b"%d" % n)
                    break
                except BufferError:
                    p.poll(0.1)
            p.poll(0)
        left = p.flush(600)
        if not a.minutes:
            print("backlog: %d envelopes, %.1f MiB, %d partitions, produced in %.1f s "
                  "(unflushed %d)" % (a.reports, size / 1048576, parts, time.monotonic() - t,
                                      left), flush=True)
            c = Consumer({"bootstrap.servers": bs, "group.id": "probe", "log_level": 0})
            wm = [c.get_watermark_offsets(TopicPartition("backlog", i), timeout=30)
                  for i in range(parts)]
            c.close()
            kept = sum(hi - lo for lo, hi in wm)
            if kept != a.reports:
                print("kafka-mock kept %d of %d records (its ~5 MiB per partition limit): "
                      "not measuring a cut backlog" % (kept, a.reports))
                return 1
        out = os.path.join(a.work, "out")
        sets = ["source.type=kafka", "source.topics=backlog", "kafka.bootstrap.servers=" + bs,
                "kafka.group.id=bench", "sink.type=file", "sink.file.dir=" + out,
                "sink.file.fsync=false", "http.listen=127.0.0.1:0", "log.level=info",
                "log.format=json"]
        if a.profile == "low":
            sets += LOW
        sets += a.set
        args = [a.bin, "run"] + ([] if a.minutes else ["--once"])
        for kv in sets:
            args += ["--set", kv]
        print("settings: %s" % (" ".join((LOW if a.profile == "low" else []) + a.set)
                                or "medstream's defaults"), flush=True)
        log = os.path.join(a.work, "medstream.log")
        t0 = time.monotonic()
        ms = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(log, "w"))
        port, samples, peak_seen, termed, all_in = 0, [], 0, False, 0
        if a.minutes:
            t_soak = time.monotonic()
            threading.Thread(target=paced, daemon=True).start()
            print("duration soak: %.0f min at %.0f reports/s" % (a.minutes, a.rate), flush=True)
        while True:
            if not port:
                with open(log) as f:
                    m = re.search(r'"admin endpoint listening".*?"port":\s*"?(\d+)', f.read())
                    port = int(m.group(1)) if m else 0
            st = proc_status(ms.pid)
            pid_done, status, ru = os.wait4(ms.pid, os.WNOHANG)
            if pid_done:
                break
            if st:
                st["t"] = time.monotonic() - t0
                st["delivered"] = delivered(port) if port else None
                samples.append(st)
                peak_seen = max(peak_seen, st.get("VmHWM", 0))
                target = produced[0] if a.minutes else a.reports
                if ((produced[1] or not a.minutes) and st["delivered"] is not None and
                        st["delivered"] >= target and not all_in):
                    all_in = time.monotonic()
                if a.minutes and not termed and all_in:
                    ms.send_signal(signal.SIGTERM)
                    termed = True
                if not a.minutes and not termed and all_in and time.monotonic() - all_in > 120:
                    print("run --once did not exit 120 s after the last delivery: SIGTERM")
                    ms.send_signal(signal.SIGTERM)
                    termed = True
                if a.minutes and produced[1] and not termed and \
                        time.monotonic() - t_soak > a.minutes * 60 + 600:
                    print("not drained 10 min after the producer stopped: SIGTERM")
                    ms.send_signal(signal.SIGTERM)
                    termed = True
            time.sleep(a.interval)
        secs = time.monotonic() - t0
        rc = os.waitstatus_to_exitcode(status)
        ms.returncode = rc
        written = sum(1 for e in os.scandir(out) if e.name.endswith(".json"))
        step = max(1, len(samples) // a.rows)
        print("\n%7s %10s %8s %8s %5s %7s" % ("t (s)", "delivered", "RSS MiB", "HWM MiB", "fds",
                                              "threads"))
        for i, s in enumerate(samples):
            if i % step == 0 or i == len(samples) - 1:
                print("%7.0f %10s %8d %8d %5d %7d" % (s["t"], s["delivered"], s.get("VmRSS", 0),
                                                     s.get("VmHWM", 0), s["fds"], s["Threads"]))
        steady = samples[len(samples) // 10:] or samples
        rss = [s.get("VmRSS", 0) for s in steady]
        fds = [s["fds"] for s in steady]
        thr = [s["Threads"] for s in steady]
        print()
        print("profile=%s" % a.profile)
        if a.minutes:
            a.reports = produced[0]
            warm = [x for x in samples if x["t"] >= 60] or samples
            first, last = warm[0], samples[-1]
            print("soak_minutes=%.1f" % a.minutes)
            for k, name in (("VmRSS", "rss_mib"), ("fds", "fds"), ("Threads", "threads")):
                print("%s start=%d end=%d (start = t %.0f s, end = t %.0f s)"
                      % (name, first.get(k, 0), last.get(k, 0), first["t"], last["t"]))
        print("reports=%d\nsummaries=%d\nexit=%d\nseconds=%.0f\nreports_per_s=%.0f\n"
              "cpu_seconds=%.1f\nreports_per_cpu_s=%.0f"
              % (a.reports, written, rc, secs, a.reports / max(secs, 0.001),
                 ru.ru_utime + ru.ru_stime, a.reports / max(ru.ru_utime + ru.ru_stime, 0.001)))
        # VmHWM from /proc, not wait4's ru_maxrss: Linux carries the
        # forking driver's RSS over the exec into ru_maxrss (with a 100,000-
        # report backlog produced, ~115 MiB of Python that is not medstream).
        print("peak_rss_mib=%d (VmHWM; wait4 ru_maxrss %.1f includes the driver's memory "
              "inherited over fork+exec)" % (peak_seen, ru.ru_maxrss / 1024))
        print("rss_mib_after_first_10pct min=%d max=%d last=%d" % (min(rss), max(rss), rss[-1]))
        print("fds min=%d max=%d last=%d" % (min(fds), max(fds), fds[-1]))
        print("threads min=%d max=%d last=%d" % (min(thr), max(thr), thr[-1]))
        return 0 if rc == 0 and written >= a.reports else 1
    finally:
        mock.send_signal(signal.SIGTERM)
        try:
            mock.wait(60)
        except subprocess.TimeoutExpired:
            mock.kill()


if __name__ == "__main__":
    sys.exit(main())
