/* test_kinesis.c -- Kinesis (kinesalite) -> pipeline -> sinks, end to end.
 *
 * kinesalite (npm) is installed by this test under the build directory and
 * started on a free port; records are put with boto3
 * (tests/support/kinesis_put.py). Checked:
 *  - a stream with a shard split in the middle: every record delivered
 *    exactly once, every record of the parent before any of its children,
 *    SHARD_END recorded for the parent; a second --once run delivers
 *    nothing; records put later are the only ones the next run (the
 *    medstream binary) delivers;
 *  - a run stopped part way (under backpressure) and restarted: the
 *    checkpoints resume it with nothing lost and nothing twice;
 *  - two medstream processes on one stream with the DynamoDB lease table
 *    (dynalite, npm): the shards are split between them; after kill -9 of
 *    one, the other takes its leases and delivers every later record. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "plugins.h"
#include "base/config.h"
#include "base/metrics.h"
#include "core/engine.h"
#include "harness.h"
#include "testutil.h"
#include "tools/pdfgen.h"

static const char *src_dir, *bin, *py;
static char *tmp;
static char endpoint[128], ddb_endpoint[128];
static int peer_pid = -1, ddb_pid = -1;
static char ddb_skip[256];

typedef struct manifest {
    char **ids, **shards;
    int n;
} manifest;

static void put_tool(const char *stream, const char *args)
{
    assert_int_equal(ms_test_run("%s %s/tests/support/kinesis_put.py --endpoint %s --stream %s %s", py,
                         src_dir, endpoint, stream, args), 0);
}

/* Make `count` small PDFs and put them, spread over the open shards. */
static void put_reports(const char *stream, const char *tag, int count)
{
    char files[6000] = "", man[1024], err[256];
    snprintf(man, sizeof man, "%s/%s.manifest", tmp, stream);
    snprintf(files, sizeof files, "put %s", man);
    for (int i = 0; i < count; i++) {
        char text[512], path[1024];
        snprintf(text, sizeof text,
                 "Report %s-%d\n\nThe patient was seen today for follow up of hypertension.\n"
                 "Blood pressure 132/84. Continue lisinopril 10 mg daily.\n", tag, i);
        snprintf(path, sizeof path, "%s/%s-%s-%d.pdf", tmp, stream, tag, i);
        ms_pdfgen_opts o = {0};
        assert_int_equal(ms_pdfgen_write(path, text, strlen(text), &o, err, sizeof err), 0);
        size_t l = strlen(files);
        snprintf(files + l, sizeof files - l, " %s", path);
    }
    put_tool(stream, files);
}

static void read_manifest(const char *stream, manifest *m)
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/%s.manifest", tmp, stream);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    memset(m, 0, sizeof *m);
    while (fgets(line, sizeof line, f)) {
        char *id = strtok(line, "\t"), *shard = strtok(NULL, "\t");
        assert_non_null(shard);
        m->ids = realloc(m->ids, (size_t)(m->n + 1) * sizeof *m->ids);
        m->shards = realloc(m->shards, (size_t)(m->n + 1) * sizeof *m->shards);
        m->ids[m->n] = strdup(id);
        m->shards[m->n] = strdup(shard);
        m->n++;
    }
    fclose(f);
}

static void free_manifest(manifest *m)
{
    for (int i = 0; i < m->n; i++) {
        free(m->ids[i]);
        free(m->shards[i]);
    }
    free(m->ids);
    free(m->shards);
}

static void set(ms_config *cfg, const char *k, const char *v)
{
    char err[512];
    if (ms_config_set(cfg, k, v, "test", err, sizeof err) != 0)
        fail_msg("%s: %s", k, err);
}

/* One medstream "process" in this one: build, run, free. */
static ms_engine_totals run_engine(const char *stream, ms_test_record *rec, bool once,
                                   int stop_after, const char *max_inflight)
{
    char out[1024], ck[1024];
    snprintf(out, sizeof out, "%s/out-%s", tmp, stream);
    snprintf(ck, sizeof ck, "%s/checkpoints.json", tmp);
    ms_config *cfg = ms_config_new();
    set(cfg, "source.type", "kinesis");
    set(cfg, "source.kinesis.stream", stream);
    set(cfg, "source.kinesis.endpoint", endpoint);
    set(cfg, "source.kinesis.poll_interval_ms", "200");
    /* Small reads: a parent takes several GetRecords calls, so a child read
     * too early would interleave with it. */
    set(cfg, "source.kinesis.max_records", "2");
    set(cfg, "checkpoint.path", ck);
    set(cfg, "engine.workers", "2");
    set(cfg, "engine.max_inflight_docs", max_inflight);
    set(cfg, "sink.file.dir", out);
    set(cfg, "sink.file.fsync", "false");
    set(cfg, "log.level", "warn");
    set(cfg, "http.listen", "off");
    ms_engine_totals t = ms_test_pipeline_run(
        cfg, &(ms_test_run_opts){.once = once, .rec = rec, .stop_after = stop_after});
    ms_config_free(cfg);
    return t;
}

static void check_exactly_once(const manifest *m, const ms_test_record *rec)
{
    for (int i = 0; i < m->n; i++) {
        int c = ms_test_record_count(rec, m->ids[i]);
        if (c != 1)
            fail_msg("%s delivered %d times", m->ids[i], c);
    }
    assert_int_equal(rec->n, m->n);
}

static int delivery_index(const ms_test_record *rec, const char *id)
{
    for (int i = 0; i < rec->n; i++)
        if (strcmp(rec->ids[i], id) == 0)
            return i;
    return -1;
}

static void test_split(void **state)
{
    (void)state;
    const char *S = "split";
    put_tool(S, "create 2");
    put_reports(S, "a", 10);                /* 5 per shard */
    put_tool(S, "split shardId-000000000000"); /* -> shards 2 and 3 */
    put_reports(S, "b", 12);                /* 4 each on shards 1, 2, 3 */
    manifest m;
    read_manifest(S, &m);
    assert_int_equal(m.n, 22);

    ms_test_record rec = {0};
    ms_metric *lag_ms = ms_gauge("medstream_source_lag_ms",
                                 "stream=\"split\",shard=\"shardId-000000000001\"", NULL);
    ms_metric *lag_s = ms_gauge_milli("medstream_source_lag_seconds",
                                      "stream=\"split\",shard=\"shardId-000000000001\"", NULL);
    ms_gauge_set(lag_ms, -1); /* sentinels: GetRecords must overwrite both */
    ms_gauge_set(lag_s, -1);
    ms_engine_totals t = run_engine(S, &rec, true, 0, "3");
    assert_int_equal(t.delivered, 22);
    /* Lag under both names: the old one in ms, the new one in seconds. */
    printf("split: lag %lld ms, %.3f s\n", (long long)ms_metric_gauge(lag_ms),
           ms_metric_gauge_value(lag_s));
    assert_true(ms_metric_gauge(lag_ms) >= 0);
    assert_true(ms_metric_gauge_value(lag_s) * 1000.0 == (double)ms_metric_gauge(lag_ms));
    assert_int_equal(t.dead_letters, 0);
    check_exactly_once(&m, &rec);
    /* Parents before children: the last delivery from shard 0 comes before
     * the first from either child. */
    int last_parent = -1, first_child = rec.n, parents = 0, children = 0;
    for (int i = 0; i < m.n; i++) {
        int at = delivery_index(&rec, m.ids[i]);
        if (strcmp(m.shards[i], "shardId-000000000000") == 0) {
            parents++;
            last_parent = at > last_parent ? at : last_parent;
        } else if (strcmp(m.shards[i], "shardId-000000000002") == 0 ||
                   strcmp(m.shards[i], "shardId-000000000003") == 0) {
            children++;
            first_child = at < first_child ? at : first_child;
        }
    }
    printf("split: %d delivered, parent records %d (last at %d), child records %d (first at %d)\n",
           rec.n, parents, last_parent, children, first_child);
    assert_int_equal(parents, 5);
    assert_int_equal(children, 8);
    assert_true(last_parent < first_child);
    char out[1024], ck[1024];
    snprintf(out, sizeof out, "%s/out-%s", tmp, S);
    assert_int_equal(ms_test_count_files(out, ".json"), 22);
    snprintf(ck, sizeof ck, "%s/checkpoints.json", tmp);
    char *ckt = ms_test_read_file(ck, NULL);
    assert_non_null(ckt);
    assert_non_null(strstr(ckt, "\"shardId-000000000000\": \"SHARD_END\""));
    free(ckt);

    /* A second run resumes from the checkpoints: nothing to do. */
    ms_test_record rec2 = {0};
    t = run_engine(S, &rec2, true, 0, "3");
    assert_int_equal(t.delivered + t.dead_letters, 0);
    assert_int_equal(rec2.n, 0);

    /* Later records: the binary delivers exactly those. */
    put_reports(S, "c", 6);
    free_manifest(&m);
    read_manifest(S, &m);
    assert_int_equal(m.n, 28);
    assert_int_equal(ms_test_run("%s run --once --set source.type=kinesis --set source.kinesis.stream=%s "
                         "--set source.kinesis.endpoint=%s --set checkpoint.path=%s "
                         "--set sink.file.dir=%s --set log.level=warn --set engine.workers=2 "
                         "--set http.listen=off",
                         bin, S, endpoint, ck, out), 0);
    assert_int_equal(ms_test_count_files(out, ".json"), 28);
    for (int i = 22; i < m.n; i++) {
        char name[2048];
        snprintf(name, sizeof name, "%s/%s.json", out, m.ids[i]);
        assert_int_equal(access(name, R_OK), 0);
    }
    free_manifest(&m);
    ms_test_record_free(&rec);
    ms_test_record_free(&rec2);
}

static void test_stop_and_resume(void **state)
{
    (void)state;
    const char *S = "restart";
    put_tool(S, "create 2");
    put_reports(S, "a", 16);
    manifest m;
    read_manifest(S, &m);
    ms_test_record rec = {0};
    /* Stopped after 5 reports with 2 in flight at most: the source pauses,
     * the stop drains what was admitted and records it. */
    ms_engine_totals t1 = run_engine(S, &rec, false, 5, "2");
    assert_int_equal(t1.abandoned, 0);
    assert_true(t1.pauses > 0);
    assert_true(rec.n >= 5 && rec.n < 16);
    ms_engine_totals t2 = run_engine(S, &rec, true, 0, "2");
    printf("restart: first run %d, second run %d of %d\n", (int)t1.delivered,
           (int)t2.delivered, m.n);
    assert_int_equal(t1.delivered + t2.delivered, 16);
    check_exactly_once(&m, &rec);
    free_manifest(&m);
    ms_test_record_free(&rec);
}

/* ---- two processes, one lease table ---------------------------------- */

static pid_t spawn_medstream(const char *worker, const char *out, const char *log)
{
    char a_out[1200], a_ep[200], a_ddb[200], a_worker[200];
    snprintf(a_out, sizeof a_out, "sink.file.dir=%s", out);
    snprintf(a_ep, sizeof a_ep, "source.kinesis.endpoint=%s", endpoint);
    snprintf(a_ddb, sizeof a_ddb, "checkpoint.endpoint=%s", ddb_endpoint);
    snprintf(a_worker, sizeof a_worker, "checkpoint.worker_id=%s", worker);
    char *argv[] = {(char *)bin, "run",
                    "--set", "http.listen=off",
                    "--set", "source.type=kinesis",
                    "--set", "source.kinesis.stream=leases",
                    "--set", a_ep,
                    "--set", "source.kinesis.poll_interval_ms=200",
                    "--set", "checkpoint.store=dynamodb",
                    "--set", "checkpoint.table=leases-test",
                    "--set", a_ddb,
                    "--set", "checkpoint.failover_ms=2000",
                    "--set", a_worker,
                    "--set", a_out,
                    "--set", "sink.file.fsync=false",
                    "--set", "engine.workers=1",
                    NULL};
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(bin, argv);
        _exit(127);
    }
    return pid;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How many manifest ids in [from, n) have a summary in either dir. */
static int delivered(const manifest *m, int from, const char *o1, const char *o2)
{
    int c = 0;
    for (int i = from; i < m->n; i++) {
        char a[2048], b[2048];
        snprintf(a, sizeof a, "%s/%s.json", o1, m->ids[i]);
        snprintf(b, sizeof b, "%s/%s.json", o2, m->ids[i]);
        c += access(a, R_OK) == 0 || access(b, R_OK) == 0;
    }
    return c;
}

/* Lease owners: how many leases w1 and w2 hold. */
static void owners(int *w1, int *w2)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "%s %s/tests/support/kinesis_put.py --endpoint %s --stream leases-test leases",
             py, src_dir, ddb_endpoint);
    *w1 = *w2 = 0;
    FILE *f = popen(cmd, "r");
    if (!f)
        return;
    char line[512], key[200], owner[200];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%199s %199s", key, owner) == 2) {
            *w1 += strcmp(owner, "w1") == 0;
            *w2 += strcmp(owner, "w2") == 0;
        }
    pclose(f);
}

/* Poll until cond() holds; false after limit_s (a failure, not a timing
 * assertion: correct code gets there in a few seconds). */
#define WAIT_UNTIL(cond, limit_s)                                                  \
    ({                                                                             \
        double t0_ = now_s();                                                      \
        bool ok_ = false;                                                          \
        while (!(ok_ = (cond)) && now_s() - t0_ < (limit_s))                       \
            usleep(100 * 1000);                                                    \
        ok_;                                                                       \
    })

static void test_leases(void **state)
{
    (void)state;
    if (ddb_skip[0]) {
        /* Optional peer: this case is SKIPPED, split and resume still count. */
        print_message("leases skipped: %s\n", ddb_skip);
        skip();
    }
    const char *S = "leases";
    put_tool(S, "create 4");
    put_reports(S, "a", 12);
    manifest m;
    read_manifest(S, &m);
    char o1[1024], o2[1024], l1[1024], l2[1024];
    snprintf(o1, sizeof o1, "%s/out-w1", tmp);
    snprintf(o2, sizeof o2, "%s/out-w2", tmp);
    snprintf(l1, sizeof l1, "%s/w1.log", tmp);
    snprintf(l2, sizeof l2, "%s/w2.log", tmp);
    pid_t p1 = spawn_medstream("w1", o1, l1);
    pid_t p2 = spawn_medstream("w2", o2, l2);
    assert_true(p1 > 0 && p2 > 0);

    int w1 = 0, w2 = 0;
    bool all_a = WAIT_UNTIL(delivered(&m, 0, o1, o2) == 12, 60);
    bool split = WAIT_UNTIL((owners(&w1, &w2), w1 == 2 && w2 == 2), 60);
    printf("leases: batch a %d/12 delivered; leases w1=%d w2=%d\n", delivered(&m, 0, o1, o2),
           w1, w2);
    if (!all_a || !split) {
        kill(p1, SIGKILL);
        kill(p2, SIGKILL);
        waitpid(p1, NULL, 0);
        waitpid(p2, NULL, 0);
        fail_msg("batch a delivered: %d, leases split: %d (logs in %s)", all_a, split, tmp);
    }

    /* kill -9 one; records put afterwards must all arrive through the other. */
    kill(p1, SIGKILL);
    waitpid(p1, NULL, 0);
    double killed = now_s();
    put_reports(S, "b", 12);
    free_manifest(&m);
    read_manifest(S, &m);
    bool all_b = WAIT_UNTIL(delivered(&m, 12, o1, o2) == 12, 60);
    double took = now_s() - killed;
    bool moved = WAIT_UNTIL((owners(&w1, &w2), w2 == 4), 30);
    printf("leases: after kill -9 of w1, batch b %d/12 delivered in %.1f s; leases w1=%d w2=%d\n",
           delivered(&m, 12, o1, o2), took, w1, w2);
    kill(p2, SIGTERM);
    int st = 0;
    waitpid(p2, &st, 0);
    assert_true(all_b);
    assert_true(moved);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* Every batch-b report went through w2. */
    for (int i = 12; i < m.n; i++) {
        char b[2048];
        snprintf(b, sizeof b, "%s/%s.json", o2, m.ids[i]);
        assert_int_equal(access(b, R_OK), 0);
    }
    free_manifest(&m);
}

static int setup(void **state)
{
    (void)state;
    tmp = ms_test_tmpdir("kinesis");
    return tmp ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_test_peer_stop(peer_pid);
    if (ddb_pid > 0)
        ms_test_peer_stop(ddb_pid);
    ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    bin = getenv("MS_BIN");
    src_dir = getenv("MS_SRC");
    if (!bin || !src_dir)
        ms_test_skip("MS_BIN and MS_SRC are not set");
    py = ms_test_system_python();
    if (!py || ms_test_run("%s -c 'import boto3' 2>/dev/null", py) != 0)
        ms_test_skip("python3 with boto3 not installed (python3-boto3)");
    if (ms_test_run("command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1") != 0)
        ms_test_skip("node or npm not installed");
    char *mods = ms_test_npm_install("kinesalite", "kinesalite", "kinesalite@3");
    if (!mods)
        ms_test_skip("npm install kinesalite failed (registry unreachable?)");
    char *dmods = ms_test_npm_install("dynalite", "dynalite", "dynalite@4");
    char node_path[2200];
    snprintf(node_path, sizeof node_path, "%s%s%s", mods, dmods ? ":" : "", dmods ? dmods : "");
    setenv("NODE_PATH", node_path, 1);
    free(mods);
    /* kinesalite accepts any signature; the client still signs. */
    setenv("AWS_ACCESS_KEY_ID", "test", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    unsetenv("AWS_PROFILE");
    char *argv[] = {"node", "-e",
                    "const k=require('kinesalite');"
                    "const s=k({createStreamMs:5,deleteStreamMs:5,updateStreamMs:5,shardLimit:50});"
                    "s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port));",
                    NULL};
    int port = ms_test_peer_start(argv, &peer_pid);
    if (port <= 0)
        ms_test_skip("kinesalite did not start");
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
    char *dargv[] = {"node", "-e",
                     "const d=require('dynalite');"
                     "const s=d({createTableMs:5,deleteTableMs:5,updateTableMs:5});"
                     "s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port));",
                     NULL};
    int dport = dmods ? ms_test_peer_start(dargv, &ddb_pid) : -1;
    bool have_dynalite = dmods != NULL;
    free(dmods);
    if (!have_dynalite)
        snprintf(ddb_skip, sizeof ddb_skip, "npm install dynalite failed (registry unreachable?)");
    else if (dport <= 0)
        snprintf(ddb_skip, sizeof ddb_skip, "dynalite did not start");
    snprintf(ddb_endpoint, sizeof ddb_endpoint, "http://127.0.0.1:%d", dport);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_stop_and_resume),
        cmocka_unit_test(test_leases),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
