#!/usr/bin/env bash
# test_kafka_mock.sh -- `medstream kafka-mock`: usage errors exit 2; the
# first stdout line is the bootstrap servers of --brokers N brokers; the
# --topic topics exist with their partition counts; a client bootstrapping
# through --listen HOST:PORT produces and consumes; a taken --listen port
# exits 1; SIGTERM and SIGINT both stop it with exit 0. --control: the
# fault commands on stdin answer one line each; "leader" moves partition
# leaders (seen in metadata), "down" makes a broker refuse clients (a
# produce to its partition fails) and "up" brings it back; replicas from
# --topic NAME:P:R appear in metadata.
set -euo pipefail
: "${MS_BIN:?}"
if ! /usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null; then
  echo "SKIP: python3-confluent-kafka is not installed (run scripts/setup.sh)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-kmock-XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
ok()   { echo "ok   - $1"; }
bad()  { fails=$((fails + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
wait_for() { local i; for i in $(seq 1 600); do if eval "$1"; then return 0; fi; sleep 0.1; done; return 1; }

for args in "--brokers 0" "--brokers x" "--topic nocolon" "--topic t:0" "--topic t:1:0" \
            "--topic t:1:x" "--bogus" "--listen"; do
  rc=0; "$MS_BIN" kafka-mock $args >/dev/null 2>&1 || rc=$?
  check "kafka-mock $args: usage error (2)" '[ $rc -eq 2 ]'
done
rc=0; "$MS_BIN" kafka-mock --listen nothost:1 >/dev/null 2>&1 || rc=$?
check "a --listen that is not IPv4:PORT exits 1" '[ $rc -eq 1 ]'

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start() { # out-file args...
  local out=$1; shift
  "$MS_BIN" kafka-mock "$@" >"$out" 2>"$out.err" &
  pid=$!
  wait_for '[ -s "$out" ]'
}
start "$tmp/bs" --brokers 2 --topic reports:3 --topic other:1 --listen "127.0.0.1:$port"
bs=$(head -1 "$tmp/bs")
check "stdout: one line of 2 bootstrap servers ($bs)" \
  '[ "$(wc -l < "$tmp/bs")" -eq 1 ] && echo "$bs" | grep -Eq "^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$"'

rc=0; "$MS_BIN" kafka-mock --listen "127.0.0.1:$port" >/dev/null 2>&1 || rc=$?
check "a --listen port already taken exits 1" '[ $rc -eq 1 ]'

out=$(/usr/bin/python3 - "$bs" "127.0.0.1:$port" <<'PY' 2>&1
import sys
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
bs, listen = sys.argv[1], sys.argv[2]
md = AdminClient({"bootstrap.servers": bs}).list_topics(timeout=30)
print("partitions reports=%d other=%d brokers=%d" % (
    len(md.topics["reports"].partitions), len(md.topics["other"].partitions), len(md.brokers)))
p = Producer({"bootstrap.servers": listen})
for i in range(5):
    p.produce("reports", b"m%d" % i, partition=i % 3)
print("unflushed=%d" % p.flush(30))
c = Consumer({"bootstrap.servers": listen, "group.id": "t", "auto.offset.reset": "earliest"})
c.subscribe(["reports"])
got = set()
for _ in range(300):
    m = c.poll(0.2)
    if m is not None and not m.error():
        got.add(m.value())
    if len(got) == 5:
        break
c.close()
print("consumed=%d" % len(got))
PY
) || true
echo "$out"
check "--topic created reports (3 partitions) and other (1) on 2 brokers" \
  'echo "$out" | grep -q "^partitions reports=3 other=1 brokers=2$"'
check "a producer bootstrapping through --listen delivers" 'echo "$out" | grep -q "^unflushed=0$"'
check "a consumer group through --listen reads the 5 records back" 'echo "$out" | grep -q "^consumed=5$"'

kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?; pid=
check "SIGTERM: exit 0" '[ $rc -eq 0 ]'
check "stderr says it stopped on SIGTERM" 'grep -q "SIGTERM, stopping" "$tmp/bs.err"'

start "$tmp/bs2"
check "defaults: 3 brokers" '[ "$(head -1 "$tmp/bs2" | tr , "\n" | wc -l)" -eq 3 ]'
kill -INT "$pid"; rc=0; wait "$pid" || rc=$?; pid=
check "SIGINT: exit 0" '[ $rc -eq 0 ]'

rc=0; "$MS_BIN" kafka-mock --brokers 2 --topic t:1:3 >/dev/null 2>&1 || rc=$?
check "--topic replication above --brokers exits 1" '[ $rc -eq 1 ]'

out=$(/usr/bin/python3 - "$MS_BIN" <<'PY' 2>&1
import subprocess, sys
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
m = subprocess.Popen([sys.argv[1], "kafka-mock", "--control", "--topic", "rep:2:3"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                     text=True, bufsize=1)
bs = m.stdout.readline().strip()
def cmd(c):
    m.stdin.write(c + "\n"); m.stdin.flush()
    r = m.stdout.readline().strip()
    print("cmd %s -> %s" % (c, r))
    return r
def leaders():
    md = AdminClient({"bootstrap.servers": bs}).list_topics("rep", timeout=30)
    t = md.topics["rep"].partitions
    return [t[p].leader for p in sorted(t)], [len(t[p].replicas) for p in sorted(t)]
def produce(timeout_ms):
    p = Producer({"bootstrap.servers": bs, "message.timeout.ms": timeout_ms, "log_level": 0})
    res = []
    p.produce("rep", b"x", partition=0, on_delivery=lambda e, msg: res.append(e))
    p.flush(timeout_ms / 1000 + 10)
    return "delivered" if len(res) == 1 and res[0] is None else "failed"
print("replicas=%s" % leaders()[1])
print("reply_bad=%s" % cmd("explode 1").split(":")[0])
print("reply_bad_broker=%s" % cmd("down 7").split(":")[0])
print("reply_leader=%s" % cmd("leader rep all 2"))
print("leaders=%s" % leaders()[0])
print("reply_down=%s" % cmd("down 2"))
print("while_down=%s" % produce(3000))
print("reply_up=%s" % cmd("up 2"))
print("after_up=%s" % produce(30000))
print("reply_leader0=%s" % cmd("leader rep 0 1"))
print("leaders2=%s" % leaders()[0])
m.stdin.close()
m.terminate()
print("exit=%d" % m.wait(30))
PY
) || true
echo "$out"
check "--topic rep:2:3: every partition has 3 replicas in metadata" 'echo "$out" | grep -q "^replicas=\[3, 3\]$"'
check "--control: an unknown command and an unknown broker answer 'error: ...'" \
  'echo "$out" | grep -q "^reply_bad=error$" && echo "$out" | grep -q "^reply_bad_broker=error$"'
check "--control: 'leader rep all 2' moves both leaders to broker 2" \
  'echo "$out" | grep -q "^reply_leader=ok$" && echo "$out" | grep -q "^leaders=\[2, 2\]$"'
check "--control: 'down 2': a produce to its partition fails" \
  'echo "$out" | grep -q "^reply_down=ok$" && echo "$out" | grep -q "^while_down=failed$"'
check "--control: 'up 2': the produce is delivered again" \
  'echo "$out" | grep -q "^reply_up=ok$" && echo "$out" | grep -q "^after_up=delivered$"'
check "--control: 'leader rep 0 1' moves one partition" 'echo "$out" | grep -q "^leaders2=\[1, 2\]$"'
check "--control: EOF on stdin, then SIGTERM: exit 0" 'echo "$out" | grep -q "^exit=0$"'

[ "$fails" -eq 0 ] || exit 1
echo "all kafka-mock checks passed"
