#!/usr/bin/python3
"""kafka_backlog.py -- `run --once` drains a whole Kafka backlog under
backpressure, holding records instead of pausing (issue 17;
docs/architecture.md "Backpressure", docs/reliability.md).

A `medstream kafka-mock` holds the backlogs (distinct ids, a few small
generated PDFs reused) on 4-partition topics. `medstream run --once`
consumes each with engine.max_inflight_docs=8 and a small librdkafka
prefetch (kafka.queued.max.messages.kbytes=64), so the engine is full again
and again and the prefetch boundary is crossed many times.

hold   --reports envelopes, source.hold_ms=60000: every wait is a hold.
       librdkafka's debug log (kafka.debug=topic) must show no partition
       resumed (the old code paused and resumed at every full engine,
       throwing the prefetch away each time).
pause  --pause-reports envelopes, source.hold_ms=0: every hold falls back
       to pausing all partitions at once; the held record is submitted
       first after the resume.
Each phase: exit 0, every id has a summary, the audit trail has exactly one
delivery per report (nothing lost, nothing read twice), no dead letters,
the group's lag is 0. Before a phase, the driver checks that kafka-mock
still holds the whole backlog: librdkafka's mock broker keeps only the
newest ~5 MiB per partition, which is what made `run --once` look like it
"stopped early" on big backlogs.

Prints `key=value` figures; exit 0 pass, 1 fail, 77 skip. No assertion is
on elapsed time: waits have generous deadlines and only their expiry fails.
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kafka_crash as kc  # noqa: E402  (Mock, make_pdfs, produce, lag, check, confluent_kafka)

WAIT_S = 300


def retained(bootstraps, topic):
    """Records kafka-mock still holds of topic. librdkafka's mock broker keeps
    only the newest ~5 MiB of each partition (older record sets are deleted,
    like a retention limit), so a bigger backlog is silently cut short."""
    c = kc.Consumer({"bootstrap.servers": bootstraps, "group.id": "probe"})
    try:
        lows = [c.get_watermark_offsets(kc.TopicPartition(topic, p), timeout=30)[0]
                for p in range(kc.PARTITIONS)]
    finally:
        c.close()
    return lows


def phase(a, mock, pdfs, name, n, sets):
    """Produce n envelopes on topic `name`, drain them with run --once."""
    ids = ["%s-%06d" % (name, i) for i in range(n)]
    kc.produce(mock.bootstraps, name, ids, pdfs)
    lows = retained(mock.bootstraps, name)
    if not kc.check(lows == [0] * kc.PARTITIONS,
                    "%s: kafka-mock kept the whole backlog (low watermarks %s)" % (name, lows)):
        return None
    out = os.path.join(a.work, name)
    log = os.path.join(a.work, name + ".log")
    args = [a.bin, "run", "--once"]
    for kv in ["source.type=kafka", "source.topics=" + name,
               "kafka.bootstrap.servers=" + mock.bootstraps, "kafka.group.id=" + name,
               "source.commit_interval_ms=200",
               "engine.max_inflight_docs=%d" % a.inflight, "engine.workers=2",
               # A small prefetch: crossed many times by the backlog.
               "kafka.queued.max.messages.kbytes=64", "kafka.message.max.bytes=65536",
               "kafka.max.partition.fetch.bytes=16384", "kafka.fetch.max.bytes=65536",
               "sink.type=file", "sink.file.dir=" + out, "sink.file.fsync=false",
               "http.listen=off", "log.format=json", "log.level=info"] + sets:
        args += ["--set", kv]
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    try:
        rc = proc.wait(WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rc = "hung (killed after %ds)" % WAIT_S
    print("%s_elapsed_s=%.1f" % (name, time.monotonic() - t0))
    kc.check(rc == 0, "%s: run --once exits 0 (got %s)" % (name, rc))
    try:
        got = {f[:-5] for f in os.listdir(out) if f.endswith(".json")}
    except FileNotFoundError:
        got = set()
    try:
        dead = len(os.listdir(os.path.join(out, "dead-letter")))
    except FileNotFoundError:
        dead = 0
    try:
        with open(out + ".audit.jsonl") as f:
            audited = sum(1 for line in f if line.strip())
    except FileNotFoundError:
        audited = 0
    lost = sorted(set(ids) - got)
    print("%s_reports=%d\n%s_delivered=%d\n%s_lost=%d\n%s_deliveries=%d\n%s_dead_letters=%d"
          % (name, n, name, len(got), name, len(lost), name, audited, name, dead))
    kc.check(not lost, "%s: run --once delivered every id of the backlog (missing %d%s)"
             % (name, len(lost), (", e.g. " + lost[0]) if lost else ""))
    kc.check(got <= set(ids), "%s: no summary for an id that was never produced" % name)
    kc.check(audited == n, "%s: each report delivered once (%d deliveries in the audit trail "
             "for %d reports): a held record is neither lost nor read twice" % (name, audited, n))
    kc.check(dead == 0, "%s: no dead letters (%d)" % (name, dead))
    lg = kc.lag(mock.bootstraps, name, name)
    print("%s_lag=%s" % (name, lg))
    kc.check(lg == 0, "%s: consumer group lag is 0 after run --once (%s)" % (name, lg))
    with open(log) as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mkpdf", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reports", type=int, default=3000, help="backlog of the hold phase")
    ap.add_argument("--pause-reports", type=int, default=200,
                    help="backlog of the pause-fallback phase")
    ap.add_argument("--inflight", type=int, default=8)
    ap.add_argument("--pause-set", action="append", default=[], help="extra KEY=VALUE (pause)")
    a = ap.parse_args()

    mock = kc.Mock(a.bin, a.work, ["hold", "pause"])
    try:
        pdfs = kc.make_pdfs(a.mkpdf, a.work, 4)
        # Hold: a long source.hold_ms so that no hold falls back to a pause
        # however slow the machine; librdkafka's debug log shows every
        # partition pause/resume the application asks for.
        log = phase(a, mock, pdfs, "hold", a.reports,
                    ["source.hold_ms=60000", "kafka.debug=topic", "log.level=debug"])
        if log is not None:
            resumes = log.count("Application resuming")
            print("hold_partition_resumes=%d" % resumes)
            kc.check("Application pausing" in log,
                     "hold: librdkafka's debug log is there (the pause on stop)")
            kc.check(resumes == 0, "hold: backpressure never paused and resumed the partitions "
                     "(librdkafka's prefetch kept; %d resumes)" % resumes)
        # Pause fallback: source.hold_ms=0 pauses every partition at each
        # hold; the held record must come first after the resume.
        log = phase(a, mock, pdfs, "pause", a.pause_reports,
                    ["source.hold_ms=0", "kafka.fetch.wait.max.ms=20", "kafka.fetch.error.backoff.ms=20"] + a.pause_set)
        if log is not None:
            pauses = log.count("partitions paused")
            print("pause_fallbacks=%d" % pauses)
            kc.check(pauses > 0, "pause: holds fell back to pausing the partitions (%d)" % pauses)
    finally:
        mock.stop()
    if kc.failures:
        print("%d check(s) failed; logs in %s" % (len(kc.failures), a.work))
        sys.exit(1)
    print("all backlog checks passed")


if __name__ == "__main__":
    main()
