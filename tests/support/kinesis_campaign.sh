# kinesis_campaign.sh -- helpers of the Kinesis campaigns
# (tests/integration/test_crash_kinesis.sh, test_lease_outage.sh). Source
# after campaign.sh; $INFLIGHT (engine.max_inflight_docs) must be set before
# conf is called.
#   kinesis_peers        npm-install and start kinesalite and dynalite (skips
#                        when they are not available); sets KIN and DDB (URLs)
#                        and the AWS environment (test credentials, no profile)
#   make_pdfs            five small reports in $tmp/pdf
#   fill S P N [--append]  put N envelopes with ids P-00000... on stream S
#                        (4 shards, created unless --append)
#   conf FILE S OUT CHECKPOINT-LINES...  a medstream config: kinesis stream
#                        S, file sink OUT, checkpoint.interval_ms = 0 and the
#                        given [checkpoint] lines; $MAX_RECORDS records a
#                        GetRecords call (default 2)
#   count DIR P          summaries P-*.json in DIR
#   collect OUT RUNDIR   move the summaries of OUT into RUNDIR
#   tally P N DIR...     "lost duplicates unexpected" over the summaries
#   valid_summaries DIR...  how many summaries are not JSON naming their id
#   dead_letters DIR...  dead letters written under DIRs
kinesis_peers() {
  kmods=$(npm_mods kinesalite kinesalite@3) || skip "npm install kinesalite failed (registry unreachable?)"
  dmods=$(npm_mods dynalite dynalite@4) || skip "npm install dynalite failed (registry unreachable?)"
  export NODE_PATH="$kmods:$dmods"
  export HOME="$tmp" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null || true

  # node -e peers print "port N" and leave when this script does.
  leave=";const p0=process.ppid;setInterval(()=>{if(process.ppid!==p0)process.exit(0)},500).unref();"
  start_peer kinesalite node -e "const s=require('kinesalite')({createStreamMs:5,deleteStreamMs:5,updateStreamMs:5,shardLimit:50});s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port))$leave" \
    || skip "kinesalite did not start: $(head -c 300 "$tmp/kinesalite.err")"
  KIN="http://127.0.0.1:$port"
  start_peer dynalite node -e "const s=require('dynalite')({createTableMs:5,deleteTableMs:5,updateTableMs:5});s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port))$leave" \
    || skip "dynalite did not start: $(head -c 300 "$tmp/dynalite.err")"
  DDB="http://127.0.0.1:$port"
}

make_pdfs() {
  mkdir -p "$tmp/pdf"
  for i in 1 2 3 4 5; do
    printf 'Discharge summary %d\n\nThe patient was admitted with chest pain and shortness of breath.\nHistory of hypertension and type 2 diabetes. Metformin 500 mg twice daily.\nBlood pressure 14%d/88. No acute distress. Follow up in %d weeks.\n' \
      "$i" "$i" "$i" > "$tmp/pdf/r$i.txt"
    "$MS_MKPDF" "$tmp/pdf/r$i.txt" "$tmp/pdf/r$i.pdf"
  done
}

fill() {
  "$PY" "$MS_SRC/tests/support/kinesis_envelopes.py" --endpoint "$KIN" --stream "$1" --shards 4 \
    --count "$3" --prefix "$2" ${4:-} "$tmp"/pdf/r*.pdf
}

conf() {
  local f=$1 stream=$2 out=$3
  shift 3
  {
    printf '[source]\ntype = kinesis\n\n[source.kinesis]\nstream = %s\nendpoint = %s\n' "$stream" "$KIN"
    # Few records a GetRecords call (at most 5 calls/s a shard): a run takes
    # seconds, so kills and outages land mid-stream.
    printf 'poll_interval_ms = 200\nmax_records = %d\n\n' "${MAX_RECORDS:-2}"
    printf '[engine]\nworkers = 2\nmax_inflight_docs = %d\n\n' "$INFLIGHT"
    printf '[checkpoint]\ninterval_ms = 0\n'
    printf '%s\n' "$@"
    printf '\n[sink.file]\ndir = %s\n\n[log]\nlevel = info\n\n[http]\nlisten = off\n' "$out"
  } > "$f"
}

count() { find "$1" -maxdepth 1 -name "$2-*.json" 2>/dev/null | wc -l; }
# Move this run's summaries aside: a report delivered again lands anew.
collect() { # outdir rundir
  mkdir -p "$2"
  find "$1" -maxdepth 1 -name '*.json' -exec mv -t "$2" {} + 2>/dev/null || true
}
# tally PREFIX N DIR...: "lost dups unexpected" over every summary in DIRs.
tally() {
  local prefix=$1 n=$2
  shift 2
  find "$@" -maxdepth 1 -name '*.json' -printf '%f\n' | "$PY" -c '
import re, sys
prefix, n = sys.argv[1], int(sys.argv[2])
seen = {}
for line in sys.stdin:
    name = line.strip()[:-5]
    seen[name] = seen.get(name, 0) + 1
want = ["%s-%05d" % (prefix, i) for i in range(n)]
lost = sum(1 for w in want if w not in seen)
dups = sum(c - 1 for c in seen.values())
print(lost, dups, len([s for s in seen if s not in set(want)]))
' "$prefix" "$n"
}
# Every summary is a complete JSON document naming its report.
valid_summaries() { # dir...
  find "$@" -maxdepth 1 -name '*.json' -print0 | "$PY" -c '
import json, os, sys
bad = 0
for p in sys.stdin.read().split("\0"):
    if not p:
        continue
    with open(p) as f:
        doc = json.load(f)
    if doc.get("id") != os.path.basename(p)[:-5]:
        bad += 1
print(bad)
'
}
dead_letters() { find "$@" -path '*dead-letter*' -name '*.json' 2>/dev/null | wc -l; }

