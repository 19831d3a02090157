#!/usr/bin/python3
"""kafka_crash.py -- the Kafka crash campaign (docs/reliability.md).

A `medstream kafka-mock` process holds the topics, offsets and consumer
groups, so killing medstream leaves the broker standing. Two scenarios:

restarts  N envelopes (distinct ids) on topic `crash`; medstream (file sink,
          and with --s3-modules also the S3 sink on s3rver) is SIGKILLed K
          times at random points of the stream and restarted, then a final
          `run --once` drains the rest. Every incarnation writes to its own
          directory (and S3 prefix), so a report written twice (a duplicate)
          is two files (objects) and can be counted. Checks: every id has a summary (0
          lost), the group's lag is 0, at each kill the reports delivered
          but not committed at the broker <= max_inflight_docs (a report
          counts against the limit until its commit is acknowledged), and
          duplicates <= those deliveries <= max_inflight_docs * K.
pair      M envelopes on topic `pair`, two instances in one consumer group;
          one is SIGKILLed mid-stream. Checks: after the session timeout the
          survivor is assigned every partition, every id has a summary, the
          lag is 0, the survivor stops cleanly on SIGTERM.

Prints the figures as `key=value` lines; exit 0 pass, 1 fail, 77 skip
(python3-confluent-kafka missing). No assertion is on elapsed time: waits
have generous deadlines and only their expiry is a failure.
"""
import argparse
import base64
import json
import os
import random
import select
import signal
import subprocess
import sys
import time

try:
    from confluent_kafka import Consumer, Producer, TopicPartition
except ImportError:
    print("SKIP: python3-confluent-kafka is not installed (scripts/setup.sh)")
    sys.exit(77)

PARTITIONS = 4
INFLIGHT = 16          # engine.max_inflight_docs of every instance
SESSION_MS = 6000      # kafka.session.timeout.ms: how soon a killed member is evicted
WAIT_S = 240           # deadline of any single wait (a loaded CI machine is slow)

failures = []


def check(ok, what):
    print(("ok   - " if ok else "FAIL - ") + what, flush=True)
    if not ok:
        failures.append(what)
    return ok


def wait_for(pred, what, timeout=WAIT_S, step=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    check(False, "timed out after %ds waiting for %s" % (timeout, what))
    return False


class Mock:
    """medstream kafka-mock as a child process."""

    def __init__(self, binary, work, topics):
        args = [binary, "kafka-mock", "--brokers", "3"]
        for t in topics:
            args += ["--topic", "%s:%d" % (t, PARTITIONS)]
        self.err = open(os.path.join(work, "kafka-mock.log"), "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line:
            raise SystemExit("FAIL - kafka-mock printed no bootstrap servers")
        self.bootstraps = line

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "hung"
        check(rc == 0, "kafka-mock exits 0 on SIGTERM (got %s)" % rc)


def make_pdfs(mkpdf, work, n):
    """n distinct small reports (text differs, so summaries differ)."""
    pdfs = []
    for i in range(n):
        txt = os.path.join(work, "r%d.txt" % i)
        pdf = os.path.join(work, "r%d.pdf" % i)
        with open(txt, "w") as f:
            f.write("DISCHARGE SUMMARY %d\n\nThe patient was admitted with chest pain.\n"
                    "History of hypertension and type 2 diabetes mellitus.\n"
                    "Started on metformin 500 mg twice daily and lisinopril %d mg daily.\n"
                    "Follow up in %d weeks.\n" % (i, 5 + i, 2 + i % 4))
        subprocess.run([mkpdf, txt, pdf], check=True, stdout=subprocess.DEVNULL)
        with open(pdf, "rb") as f:
            pdfs.append(base64.b64encode(f.read()).decode())
    return pdfs


def produce(bootstraps, topic, ids, pdfs):
    p = Producer({"bootstrap.servers": bootstraps, "enable.idempotence": True,
                  "message.max.bytes": 10 << 20})
    for n, rid in enumerate(ids):
        env = json.dumps({"id": rid, "pdf_base64": pdfs[n % len(pdfs)],
                          "metadata": {"campaign": topic}})
        while True:
            try:
                p.produce(topic, env.encode(), key=rid.encode())
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(120)
    check(left == 0, "%d records produced to %s" % (len(ids), topic))


def committed(bootstraps, group, topic):
    """{partition: next offset the group will read}, -1 when none committed."""
    c = Consumer({"bootstrap.servers": bootstraps, "group.id": group,
                  "enable.auto.commit": False})
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        return {tp.partition: tp.offset for tp in c.committed(tps, timeout=30)}
    finally:
        c.close()


def positions(instances):
    """{id: (partition, offset)} from every summary file written so far."""
    pos = {}
    for i in instances:
        for rid in i.ids():
            if rid in pos:
                continue
            try:
                with open(os.path.join(i.out, rid + ".json")) as f:
                    src = json.load(f).get("source") or {}
                pos[rid] = (int(src["partition"]), int(src["offset"]))
            except (OSError, ValueError, KeyError, TypeError):
                pass
    return pos


def uncommitted(rids, pos, done):
    """How many of rids were delivered at or past the group's committed
    offset of their partition: work a restart may do again."""
    n = 0
    for rid in rids:
        p = pos.get(rid)
        if p is not None and p[1] >= max(done.get(p[0], -1), 0):
            n += 1
    return n


def lag(bootstraps, group, topic):
    """Records of topic not yet committed by group (None if unknown)."""
    c = Consumer({"bootstrap.servers": bootstraps, "group.id": group,
                  "enable.auto.commit": False})
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        total = 0
        for tp in c.committed(tps, timeout=30):
            _, high = c.get_watermark_offsets(tp, timeout=30)
            total += high - (tp.offset if tp.offset >= 0 else 0)
        return total
    except Exception as e:  # a broker hiccup: report, the caller retries
        print("lag query failed: %s" % e)
        return None
    finally:
        c.close()


class S3rver:
    """s3rver (npm) with one bucket, started from tests/support/s3rver_run.js."""

    BUCKET = "crash-summaries"

    def __init__(self, modules, work):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "s3rver_run.js")
        data = os.path.join(work, "s3rver")
        os.makedirs(data, exist_ok=True)
        self.proc = subprocess.Popen(["node", script, os.path.abspath(modules), data,
                                      self.BUCKET],
                                     stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(work, "s3rver.log"), "w"))
        ready, _, _ = select.select([self.proc.stdout], [], [], 120)
        line = self.proc.stdout.readline().decode().split() if ready else []
        if len(line) != 2 or line[0] != "port":
            self.proc.kill()
            raise SystemExit("FAIL - s3rver did not start (see s3rver.log)")
        self.url = "http://127.0.0.1:%s" % line[1]
        # s3rver's fixed key pair; nothing of the machine's AWS setup is used.
        self.env = dict(os.environ, HOME=work, AWS_ACCESS_KEY_ID="S3RVER",
                        AWS_SECRET_ACCESS_KEY="S3RVER", AWS_REGION="us-east-1",
                        AWS_EC2_METADATA_DISABLED="true")
        for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL",
                  "AWS_ENDPOINT_URL_S3"):
            self.env.pop(k, None)

    def sets(self, prefix):
        return ["sink.type=file,s3", "sink.s3.bucket=" + self.BUCKET,
                "sink.s3.endpoint=" + self.url, "sink.s3.path_style=true",
                "sink.s3.key_template=%s/{id}.json" % prefix,
                "sink.s3.dead_letter_template=%s/dead-letter/{id}.json" % prefix]

    def ids(self, prefix):
        """Summary ids stored under prefix/ (the .txt beside each is not counted)."""
        import boto3
        c = boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                         aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
        out = []
        for page in c.get_paginator("list_objects_v2").paginate(Bucket=self.BUCKET,
                                                                 Prefix=prefix + "/"):
            for o in page.get("Contents", []):
                rest = o["Key"][len(prefix) + 1:]
                if "/" not in rest and rest.endswith(".json"):
                    out.append(rest[:-5])
        return out

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def log_records(path):
    """The JSON lines of a medstream log (log.format=json), parsed."""
    with open(path) as f:
        for line in f:
            try:
                yield json.loads(line)
            except ValueError:
                continue


class Instance:
    """One medstream process writing summaries to its own directory (and,
    with s3, to its own prefix of the bucket)."""

    commit_ms = 0      # source.commit_interval_ms (--commit-interval-ms)
    s3 = None          # an S3rver when the campaign includes the S3 sink

    def __init__(self, binary, work, name, bootstraps, group, topic, once=False, s3_too=False,
                 extra=()):
        self.name, self.out = name, os.path.join(work, name)
        self.log = os.path.join(work, name + ".log")
        args = [binary, "run"] + (["--once"] if once else [])
        for kv in ("source.type=kafka", "source.topics=" + topic,
                   "kafka.bootstrap.servers=" + bootstraps, "kafka.group.id=" + group,
                   "kafka.session.timeout.ms=%d" % SESSION_MS,
                   "kafka.heartbeat.interval.ms=500",
                   "source.commit_interval_ms=%d" % Instance.commit_ms,
                   "engine.max_inflight_docs=%d" % INFLIGHT, "engine.workers=2",
                   "sink.type=file", "sink.file.dir=" + self.out,
                   "http.listen=off", "log.format=json", "log.level=info"):
            args += ["--set", kv]
        if Instance.s3 and s3_too:
            for kv in Instance.s3.sets(name):
                args += ["--set", kv]
        for kv in extra:       # later --set wins (kafka_faults.py: http.listen)
            args += ["--set", kv]
        self.s3_too = bool(Instance.s3 and s3_too)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "w"),
                                     env=Instance.s3.env if self.s3_too else None)

    def ids(self):
        try:
            names = os.listdir(self.out)
        except FileNotFoundError:
            return []
        return [n[:-5] for n in names if n.endswith(".json") and not n.startswith(".")]

    def dead_letters(self):
        try:
            return len(os.listdir(os.path.join(self.out, "dead-letter")))
        except FileNotFoundError:
            return 0

    def assigned(self):
        """The partitions this instance holds now, replayed from its log
        (a cooperative rebalance revokes some and assigns others)."""
        parts = set()
        for j in log_records(self.log):
            if j.get("msg") == "partition assigned":
                parts.add(int(j.get("partition")))
            elif j.get("msg") in ("partition revoked", "partition lost"):
                parts.discard(int(j.get("partition")))
        return parts

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def delivered(instances):
    s = set()
    for i in instances:
        s.update(i.ids())
    return s


def verify(label, instances, ids, bootstraps, group, topic, max_dups, budget=None):
    written = sum(len(i.ids()) for i in instances)
    got = delivered(instances)
    lost = sorted(set(ids) - got)
    dups = written - len(got)
    dead = sum(i.dead_letters() for i in instances)
    print("%s_reports=%d\n%s_lost=%d\n%s_duplicates=%d\n%s_dead_letters=%d"
          % (label, len(ids), label, len(lost), label, dups, label, dead))
    check(not lost, "%s: every id has a summary (lost %d%s)"
          % (label, len(lost), (", e.g. " + lost[0]) if lost else ""))
    check(got <= set(ids), "%s: no summary for an id that was never produced" % label)
    check(dead == 0, "%s: no dead letters (%d)" % (label, dead))
    if budget is not None:
        # the exact at-least-once claim: only work not yet committed at the
        # broker when a process died is done again
        check(dups <= budget[0], "%s: duplicates %d <= reports delivered but not committed "
              "at the broker at the kills (%d)" % (label, dups, budget[0]))
    if max_dups is not None:
        check(dups <= max_dups, "%s: duplicates %d <= in-flight limit x kills = %d"
              % (label, dups, max_dups))
    bad = 0
    for i in instances:
        for rid in i.ids():
            with open(os.path.join(i.out, rid + ".json")) as f:
                if json.load(f).get("id") != rid:
                    bad += 1
    check(bad == 0, "%s: every summary file is complete JSON naming its id (%d bad)"
          % (label, bad))
    s3 = [i for i in instances if i.s3_too]
    if s3:
        objs = {i.name: Instance.s3.ids(i.name) for i in s3}
        got3 = set()
        for v in objs.values():
            got3.update(v)
        lost3 = sorted(set(ids) - got3)
        dups3 = sum(len(v) for v in objs.values()) - len(got3)
        print("%s_s3_lost=%d\n%s_s3_duplicates=%d" % (label, len(lost3), label, dups3))
        check(not lost3, "%s: every id has a summary object in S3 (lost %d%s)"
              % (label, len(lost3), (", e.g. " + lost3[0]) if lost3 else ""))
        if budget is not None and budget[1] is not None:
            check(dups3 <= budget[1], "%s: S3 duplicates %d <= reports in S3 not committed at "
                  "the broker at the kills (%d)" % (label, dups3, budget[1]))
        if max_dups is not None:
            check(dups3 <= max_dups, "%s: S3 duplicates %d <= %d" % (label, dups3, max_dups))
    lg = [None]
    wait_for(lambda: lg.__setitem__(0, lag(bootstraps, group, topic)) or lg[0] == 0,
             "%s: group lag 0" % label, timeout=60, step=1)
    check(lg[0] == 0, "%s: consumer group lag is 0 (%s)" % (label, lg[0]))


def dup_bound(kills):
    """The hard bound (docs/reliability.md): a report counts against
    engine.max_inflight_docs from its admission until the broker
    acknowledged its offset commit, so a kill leaves at most that many
    deliveries to redo, whatever source.commit_interval_ms is."""
    return INFLIGHT * kills


def restarts(a, mock, pdfs, rng):
    ids = ["crash-%05d" % n for n in range(a.reports)]
    produce(mock.bootstraps, "crash", ids, pdfs)
    lo, hi = max(1, a.reports // 10), max(2, a.reports * 9 // 10)
    targets = sorted(rng.sample(range(lo, hi), a.kills))
    instances = []
    kill_points = []   # (the killed instance, the group's committed offsets right after)
    for k, target in enumerate(targets):
        inst = Instance(a.bin, a.work, "crash-run%d" % k, mock.bootstraps, "crash", "crash",
                        s3_too=True)
        instances.append(inst)
        if not wait_for(lambda: len(delivered(instances)) >= target or inst.proc.poll() is not None,
                        "%d summaries before kill %d" % (target, k + 1)):
            inst.kill()
            return
        if not check(inst.proc.poll() is None, "run %d still running at its kill point" % k):
            return
        time.sleep(rng.uniform(0, 0.05))
        inst.kill()
        print("kill %d: SIGKILL with %d of %d delivered" % (k + 1, len(delivered(instances)),
                                                          a.reports), flush=True)
        kill_points.append((inst, committed(mock.bootstraps, "crash", "crash")))
    final = Instance(a.bin, a.work, "crash-final", mock.bootstraps, "crash", "crash", once=True,
                     s3_too=True)
    instances.append(final)
    try:
        rc = final.proc.wait(WAIT_S)
    except subprocess.TimeoutExpired:
        final.kill()
        rc = "timeout"
    check(rc == 0, "final run --once drains and exits 0 (got %s)" % rc)
    print("restarts_kills=%d" % a.kills)
    # Per kill: reports the killed process delivered but the broker had not
    # recorded as committed: at most its in-flight limit, since a report
    # stays counted until its commit is acknowledged.
    pos = positions(instances)
    s3 = Instance.s3 is not None and all(i.s3_too for i, _ in kill_points)
    budget, budget3 = 0, 0 if s3 else None
    for k, (inst, done) in enumerate(kill_points):
        u = uncommitted(inst.ids(), pos, done)
        u3 = uncommitted(Instance.s3.ids(inst.name), pos, done) if s3 else None
        print("kill %d: %d delivered but uncommitted at the broker%s (in-flight limit %d)"
              % (k + 1, u, "" if u3 is None else ", %d in S3" % u3, INFLIGHT))
        check(u <= INFLIGHT, "kill %d: uncommitted deliveries %d <= in-flight limit %d"
              % (k + 1, u, INFLIGHT))
        if u3 is not None:
            check(u3 <= INFLIGHT, "kill %d: uncommitted S3 deliveries %d <= in-flight limit %d"
                  % (k + 1, u3, INFLIGHT))
        budget += u
        if s3:
            budget3 += u3
    verify("restarts", instances, ids, mock.bootstraps, "crash", "crash", dup_bound(a.kills),
           (budget, budget3))


def pair(a, mock, pdfs, rng):
    ids = ["pair-%05d" % n for n in range(a.pair_reports)]
    x = Instance(a.bin, a.work, "pair-a", mock.bootstraps, "pair", "pair")
    y = Instance(a.bin, a.work, "pair-b", mock.bootstraps, "pair", "pair")
    try:
        # Produce only once both share the partitions, so both have work.
        if not wait_for(lambda: x.assigned() and y.assigned()
                        and len(x.assigned() | y.assigned()) == PARTITIONS
                        and not (x.assigned() & y.assigned()),
                        "both instances to share the %d partitions" % PARTITIONS):
            return
        before = x.assigned()
        produce(mock.bootstraps, "pair", ids, pdfs)
        target = rng.randrange(max(1, len(ids) // 5), max(2, len(ids) // 2))
        if not wait_for(lambda: len(delivered([x, y])) >= target, "%d pair summaries" % target):
            return
        x.kill()
        print("pair: SIGKILL instance a (partitions %s) with %d of %d delivered"
              % (sorted(before), len(delivered([x, y])), len(ids)), flush=True)
        wait_for(lambda: before <= y.assigned(), "the survivor to be assigned %s" % sorted(before))
        check(before <= y.assigned(), "the survivor took the killed instance's partitions")
        wait_for(lambda: len(delivered([x, y])) == len(ids), "every pair id delivered")
        verify("pair", [x, y], ids, mock.bootstraps, "pair", "pair", dup_bound(1))
        y.proc.send_signal(signal.SIGTERM)
        try:
            rc = y.proc.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            rc = "timeout"
        check(rc == 0, "the survivor exits 0 on SIGTERM (got %s)" % rc)
    finally:
        for i in (x, y):
            if i.proc.poll() is None:
                i.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mkpdf", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reports", type=int, default=300)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--pair-reports", type=int, default=200)
    ap.add_argument("--distinct", type=int, default=8, help="distinct PDFs (reused, distinct ids)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--s3-modules", default=None,
                    help="node_modules holding s3rver: the restarts also write through the "
                         "S3 sink (sink.type = file,s3) and S3 is checked like the files")
    ap.add_argument("--commit-interval-ms", type=int, default=0,
                    help="source.commit_interval_ms of every instance (default 0: after "
                         "every confirmation; the bounds hold for any interval)")
    a = ap.parse_args()
    Instance.commit_ms = a.commit_interval_ms
    print("commit_interval_ms=%d" % a.commit_interval_ms)
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("seed=%d (rerun with --seed %d)" % (seed, seed), flush=True)
    rng = random.Random(seed)
    os.makedirs(a.work, exist_ok=True)
    pdfs = make_pdfs(a.mkpdf, a.work, a.distinct)
    mock = Mock(a.bin, a.work, ["crash", "pair"])
    try:
        if a.s3_modules:
            Instance.s3 = S3rver(a.s3_modules, a.work)
            print("restarts: file and S3 sinks (s3rver at %s)" % Instance.s3.url)
        else:
            print("restarts: file sink only (no --s3-modules)")
        restarts(a, mock, pdfs, rng)
        if a.pair_reports > 0:
            pair(a, mock, pdfs, rng)
    finally:
        mock.stop()
        if Instance.s3:
            Instance.s3.stop()
    if failures:
        print("%d check(s) failed; logs in %s" % (len(failures), a.work))
        return 1
    print("all Kafka crash checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
