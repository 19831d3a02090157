/* test_comprehend.c -- the Comprehend Medical extract stage in the engine,
 * against `medstream emulate` (the same entity engine behind the service's
 * protocol, quotas, faults and billing meter):
 *   - every report completes and its entities equal the local engine's
 *     (an end-to-end check of splitting and offset remapping), concepts
 *     land on findings, billing equals the emulator's meter;
 *   - tiny quotas: nothing lost, few throttles;
 *   - injected throttles, 5xx, resets and stalls: every report completes;
 *   - a non-retryable error (bad signature) dead-letters with the code;
 *   - a repeated text is answered from the in-memory cache and bills 0;
 *   - Redis (Debian's redis-server, when installed) shared by two runs:
 *     the second sends nothing.
 * No timed assertions. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "plugins.h"
#include "base/config.h"
#include "core/engine.h"
#include "base/log.h"
#include "base/metrics.h"
#include "pdfgen.h"
#include "harness.h"
#include "testutil.h"

#define NORIG 6

static char *tmp;
static const char *bin;

/* ---- the emulator --------------------------------------------------------- */

typedef struct emu {
    int pid, port;
} emu;

static void emu_start(emu *e, const char *extra)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s", extra ? extra : "");
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)bin;
    argv[n++] = "emulate";
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--log-level";
    argv[n++] = "error";
    for (char *t = strtok(cmd, " "); t && n < 30; t = strtok(NULL, " "))
        argv[n++] = t;
    argv[n] = NULL;
    e->port = ms_test_peer_start(argv, &e->pid);
    assert_true(e->port > 0);
}

static void emu_stop(emu *e)
{
    ms_test_peer_stop(e->pid);
}

/* GET path's JSON body. */
static json_t *http_get_json(int port, const char *path)
{
    char *body = ms_test_http_get(port, path);
    assert_non_null(body);
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(j);
    return j;
}

static json_int_t stat_total(int port, const char *field)
{
    json_t *j = http_get_json(port, "/_emulator/stats");
    json_int_t v = json_integer_value(json_object_get(json_object_get(j, "totals"), field));
    json_decref(j);
    return v;
}

/* ---- inputs ------------------------------------------------------------------ */

static void make_inputs(void)
{
    static const char *names[] = {"discharge-summary", "clinic-letter-cardiology", "lab-results",
                                  "pathology-skin-biopsy", "radiology-ct-abdomen"};
    char err[512], path[2048], dir[1024];
    const char *src = getenv("MS_SRC");
    assert_non_null(src);
    snprintf(dir, sizeof dir, "%s/in", tmp);
    mkdir(dir, 0755);
    for (int i = 0; i < NORIG; i++) {
        snprintf(path, sizeof path, "%s/examples/%s.txt", src, names[i % 5]);
        size_t len;
        char *text = ms_test_read_file(path, &len);
        assert_non_null(text);
        if (i >= 5) {
            /* A long one: over 10,000 bytes, so the Infer operations split
             * its chunks into several requests. */
            size_t reps = 12000 / len + 2;
            char *big = malloc(len * reps + 1);
            for (size_t k = 0; k < reps; k++)
                memcpy(big + k * len, text, len);
            len *= reps;
            big[len] = 0;
            free(text);
            text = big;
        }
        snprintf(path, sizeof path, "%s/r%02d.pdf", dir, i);
        ms_pdfgen_opts o = {0};
        assert_int_equal(ms_pdfgen_write(path, text, len, &o, err, sizeof err), 0);
        free(text);
    }
}

/* ---- running the engine --------------------------------------------------- */

static void set(ms_config *cfg, const char *k, const char *v)
{
    char err[512];
    if (ms_config_set(cfg, k, v, "test", err, sizeof err) != 0)
        fail_msg("%s=%s: %s", k, v, err);
}

static ms_config *config(const char *in, const char *out, const emu *e, const char *ops)
{
    ms_config *cfg = ms_config_new();
    char v[256];
    set(cfg, "http.listen", "off");
    set(cfg, "source.type", "dir");
    set(cfg, "source.path", in);
    set(cfg, "sink.file.dir", out);
    set(cfg, "sink.file.fsync", "false");
    set(cfg, "engine.workers", "2");
    set(cfg, "log.level", "error");
    if (e) {
        set(cfg, "extract.engine", "comprehend");
        snprintf(v, sizeof v, "http://127.0.0.1:%d", e->port);
        set(cfg, "comprehend.endpoint", v);
        set(cfg, "comprehend.operations", ops);
    }
    return cfg;
}

typedef struct run_result {
    ms_engine_totals t;
    int n;
} run_result;

static run_result run(ms_config *cfg)
{
    ms_test_record rec = {0};
    run_result r;
    r.t = ms_test_pipeline_run(cfg, &(ms_test_run_opts){.once = true, .rec = &rec});
    r.n = rec.n;
    ms_test_record_free(&rec);
    ms_config_free(cfg);
    return r;
}

static char *dir_of(const char *name)
{
    char *d = ms_test_path(tmp, name);
    return d;
}

static json_t *summary(const char *out, const char *id)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s.json", out, id);
    json_t *j = json_load_file(path, 0, NULL);
    if (!j)
        fail_msg("no summary %s", path);
    return j;
}

/* Entities as a comparable string: offsets, category, type, text. */
static char *entity_key(json_t *s)
{
    json_t *ents = json_object_get(json_object_get(s, "entities"), "Entities");
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    buf[0] = 0;
    size_t i;
    json_t *e;
    json_array_foreach(ents, i, e) {
        n += (size_t)snprintf(buf + n, cap - n, "%lld-%lld %s/%s '%s'\n",
                              (long long)json_integer_value(json_object_get(e, "BeginOffset")),
                              (long long)json_integer_value(json_object_get(e, "EndOffset")),
                              json_string_value(json_object_get(e, "Category")),
                              json_string_value(json_object_get(e, "Type")),
                              json_string_value(json_object_get(e, "Text")));
        if (n >= cap - 1)
            break;
    }
    return buf;
}

static json_int_t xget(json_t *s, const char *field)
{
    return json_integer_value(json_object_get(json_object_get(s, "extraction"), field));
}

/* Sum of a billing field over every summary in out. */
static json_int_t sum_field(const char *out, const char *field)
{
    json_int_t total = 0;
    for (int i = 0; i < NORIG; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%02d", i);
        json_t *s = summary(out, id);
        total += xget(s, field);
        json_decref(s);
    }
    return total;
}

static char *local_out;

static void compare_with_local(const char *out)
{
    for (int i = 0; i < NORIG; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%02d", i);
        json_t *a = summary(out, id), *b = summary(local_out, id);
        assert_string_equal(json_string_value(json_object_get(json_object_get(a, "extraction"),
                                                              "engine")),
                            "comprehend");
        char *ka = entity_key(a), *kb = entity_key(b);
        if (strcmp(ka, kb) != 0)
            fail_msg("%s: entities differ from the local engine's", id);
        free(ka);
        free(kb);
        json_decref(a);
        json_decref(b);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the cases ------------------------------------------------------------- */

static void same_entities_and_billing(void **state)
{
    (void)state;
    emu e;
    emu_start(&e, NULL);
    char *in = dir_of("in"), *out = dir_of("out-basic");
    run_result r = run(config(in, out, &e, "DetectEntitiesV2,InferICD10CM,InferRxNorm"));
    assert_int_equal(r.t.delivered, NORIG);
    assert_int_equal(r.t.dead_letters, 0);
    compare_with_local(out);
    json_int_t req = stat_total(e.port, "requests"), billed = stat_total(e.port, "billed_units");
    printf("basic: %lld requests, %lld billed units at the emulator; summaries %lld / %lld\n",
           (long long)req, (long long)billed, (long long)sum_field(out, "requests"),
           (long long)sum_field(out, "billed_units"));
    assert_int_equal(sum_field(out, "requests"), req);
    assert_int_equal(sum_field(out, "billed_units"), billed);
    assert_int_equal(sum_field(out, "cache_hits"), 0);
    /* The long report was split for the Infer operations (10,000 bytes). */
    json_t *s = summary(out, "r05");
    json_t *ops = json_object_get(json_object_get(s, "extraction"), "operations");
    json_int_t dev2 = json_integer_value(json_object_get(json_object_get(ops, "DetectEntitiesV2"),
                                                         "requests"));
    json_int_t icd = json_integer_value(json_object_get(json_object_get(ops, "InferICD10CM"),
                                                        "requests"));
    printf("long report: %lld DetectEntitiesV2 requests, %lld InferICD10CM\n", (long long)dev2,
           (long long)icd);
    assert_true(icd > dev2);
    /* RxNorm concepts land on the medication findings. */
    json_t *meds = json_object_get(json_object_get(s, "findings"), "medications");
    int with_code = 0;
    size_t i;
    json_t *m;
    json_array_foreach(meds, i, m) with_code += json_is_string(json_object_get(m, "rxnorm"));
    printf("medications with an RxNorm code: %d of %zu\n", with_code, json_array_size(meds));
    assert_true(with_code > 0);
    json_decref(s);
    emu_stop(&e);
    free(in);
    free(out);
}

static void tiny_quotas(void **state)
{
    (void)state;
    emu e;
    emu_start(&e, "--tps 5 --cps 5000");
    char *in = dir_of("in"), *out = dir_of("out-tiny");
    ms_config *cfg = config(in, out, &e, "DetectEntitiesV2");
    set(cfg, "comprehend.detect_entities_v2.tps", "5");
    set(cfg, "comprehend.detect_entities_v2.cps", "5000");
    set(cfg, "comprehend.concurrency_initial", "4");
    set(cfg, "chunk.max_bytes", "1500"); /* more, smaller requests */
    double t0 = now_s();
    run_result r = run(cfg);
    double dt = now_s() - t0;
    assert_int_equal(r.t.delivered, NORIG);
    assert_int_equal(r.t.dead_letters, 0);
    json_int_t req = stat_total(e.port, "requests"), thr = stat_total(e.port, "throttled");
    json_int_t billed = stat_total(e.port, "billed_units");
    printf("tiny quotas: %lld requests, %lld throttled (%.1f%%), %lld billed units (summaries "
           "%lld)\n",
           (long long)req, (long long)thr, req ? 100.0 * (double)thr / (double)req : 0,
           (long long)billed, (long long)sum_field(out, "billed_units"));
    json_int_t chars = stat_total(e.port, "characters");
    /* Informational only (no timed assertions): characters answered per
     * second of the run against the 5,000/s quota (+ 1 s of burst). */
    printf("tiny quotas: %lld characters in %.1f s = %.0f/s (quota 5000/s)\n", (long long)chars,
           dt, (double)chars / dt);
    assert_int_equal(sum_field(out, "billed_units"), billed);
    assert_true(thr * 4 <= req); /* shaped: throttles are the exception */
    compare_with_local(out);
    emu_stop(&e);
    free(in);
    free(out);
}

static void faults_everything_completes(void **state)
{
    (void)state;
    emu e;
    emu_start(&e, "--fault-throttle 0.2 --fault-5xx 0.1 --fault-reset 0.08 --fault-stall 0.04 "
                  "--seed 13");
    char *in = dir_of("in"), *out = dir_of("out-faults");
    ms_config *cfg = config(in, out, &e, "DetectEntitiesV2,InferICD10CM,InferRxNorm");
    set(cfg, "aws.request_timeout_ms", "300");
    set(cfg, "comprehend.cache_mb", "0");
    set(cfg, "chunk.max_bytes", "2000"); /* more requests, more faults */
    run_result r = run(cfg);
    assert_int_equal(r.t.delivered, NORIG);
    assert_int_equal(r.t.dead_letters, 0);
    compare_with_local(out);
    json_t *st = http_get_json(e.port, "/_emulator/stats");
    json_t *f = json_object_get(st, "faults");
    printf("faults: %lld requests; throttle %lld, 5xx %lld, reset %lld, stall %lld; billed %lld "
           "(summaries %lld)\n",
           (long long)stat_total(e.port, "requests"),
           (long long)json_integer_value(json_object_get(f, "throttle")),
           (long long)json_integer_value(json_object_get(f, "5xx")),
           (long long)json_integer_value(json_object_get(f, "reset")),
           (long long)json_integer_value(json_object_get(f, "stall")),
           (long long)stat_total(e.port, "billed_units"), (long long)sum_field(out, "billed_units"));
    /* Every kind of fault really happened (the seed makes it likely; the
     * connection-level ones are summed so arrival order cannot flake it). */
    assert_true(json_integer_value(json_object_get(f, "throttle")) > 0);
    assert_true(json_integer_value(json_object_get(f, "5xx")) > 0);
    assert_true(json_integer_value(json_object_get(f, "reset")) +
                json_integer_value(json_object_get(f, "stall")) > 0);
    /* A 200 the client gave up on (timeout) is billed but not counted:
     * the summaries never claim more than the meter. */
    assert_true(sum_field(out, "billed_units") <= stat_total(e.port, "billed_units"));
    json_decref(st);
    emu_stop(&e);
    free(in);
    free(out);
}

static void final_error_dead_letters(void **state)
{
    (void)state;
    emu e;
    emu_start(&e, "--verify-sigv4 AKIDTEST:not-the-secret");
    char *in = dir_of("in"), *out = dir_of("out-final");
    run_result r = run(config(in, out, &e, "DetectEntitiesV2"));
    assert_int_equal(r.t.delivered, 0);
    assert_int_equal(r.t.dead_letters, NORIG);
    char dl[2048];
    snprintf(dl, sizeof dl, "%s/dead-letter", out);
    DIR *d = opendir(dl);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (!strstr(de->d_name, ".json"))
            continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dl, de->d_name);
        json_t *j = json_load_file(p, 0, NULL);
        assert_non_null(j);
        const char *reason = json_string_value(json_object_get(j, "reason"));
        const char *msg = json_string_value(json_object_get(j, "message"));
        if (n == 0)
            printf("dead letter: reason=%s message=%s\n", reason, msg);
        assert_string_equal(reason, "comprehend_error");
        assert_non_null(strstr(msg, "Exception"));   /* the service's code */
        assert_non_null(strstr(msg, "HTTP 403"));
        json_decref(j);
        n++;
    }
    closedir(d);
    assert_int_equal(n, NORIG);
    emu_stop(&e);
    free(in);
    free(out);
}

/* Copies of the same PDFs, one report at a time: the copies are answered
 * from the in-memory cache. */
static void memory_cache_bills_nothing(void **state)
{
    (void)state;
    emu e;
    emu_start(&e, NULL);
    char *in = dir_of("in-dup"), *out = dir_of("out-cache");
    mkdir(in, 0755);
    for (int i = 0; i < NORIG; i++)
        for (int c = 0; c < 2; c++) {
            char src[2048], dst[2048];
            snprintf(src, sizeof src, "%s/in/r%02d.pdf", tmp, i);
            snprintf(dst, sizeof dst, "%s/%c%02d.pdf", in, c ? 'b' : 'a', i);
            size_t len;
            char *data = ms_test_read_file(src, &len);
            assert_int_equal(ms_test_write_file(dst, data, len), 0);
            free(data);
        }
    ms_config *cfg = config(in, out, &e, "DetectEntitiesV2,InferRxNorm");
    set(cfg, "engine.max_inflight_docs", "1");
    run_result r = run(cfg);
    assert_int_equal(r.t.delivered, 2 * NORIG);
    json_int_t first = 0, second = 0, hits = 0;
    for (int i = 0; i < NORIG; i++) {
        char id[16];
        snprintf(id, sizeof id, "a%02d", i);
        json_t *a = summary(out, id);
        id[0] = 'b';
        json_t *b = summary(out, id);
        first += xget(a, "billed_units");
        second += xget(b, "billed_units");
        hits += xget(b, "cache_hits");
        assert_int_equal(xget(b, "requests"), 0);
        assert_int_equal(xget(b, "cache_hits"), xget(a, "requests"));
        char *ka = entity_key(a), *kb = entity_key(b);
        assert_string_equal(ka, kb);
        free(ka);
        free(kb);
        json_decref(a);
        json_decref(b);
    }
    printf("memory cache: first copies billed %lld units, second copies %lld (%lld hits); "
           "emulator requests %lld\n",
           (long long)first, (long long)second, (long long)hits,
           (long long)stat_total(e.port, "requests"));
    assert_int_equal(second, 0);
    assert_int_equal(stat_total(e.port, "billed_units"), first);
    emu_stop(&e);
    free(in);
    free(out);
}

static void redis_shared_cache(void **state)
{
    (void)state;
    if (access("/usr/bin/redis-server", X_OK) != 0) {
        printf("redis: /usr/bin/redis-server not installed; case skipped\n");
        skip();
    }
    int port = ms_test_free_port();
    pid_t pid = fork();
    if (pid == 0) {
        char p[16];
        snprintf(p, sizeof p, "%d", port);
        int devnull = open("/dev/null", 1);
        dup2(devnull, 1);
        execl("/usr/bin/redis-server", "redis-server", "--port", p, "--bind", "127.0.0.1",
              "--save", "", "--appendonly", "no", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !ms_test_port_open(port); i++)
        usleep(20000);
    assert_true(ms_test_port_open(port));
    emu e;
    emu_start(&e, NULL);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/2", port);
    char *in = dir_of("in");
    json_int_t req[2], billed[2], hits[2];
    for (int pass = 0; pass < 2; pass++) {
        char name[32];
        snprintf(name, sizeof name, "out-redis%d", pass);
        char *out = dir_of(name);
        ms_config *cfg = config(in, out, &e, "DetectEntitiesV2,InferICD10CM");
        set(cfg, "comprehend.cache_mb", "0"); /* only Redis can answer */
        set(cfg, "comprehend.cache.redis_url", url);
        json_int_t before = stat_total(e.port, "requests");
        run_result r = run(cfg); /* a new engine and stage each pass */
        assert_int_equal(r.t.delivered, NORIG);
        req[pass] = stat_total(e.port, "requests") - before;
        billed[pass] = sum_field(out, "billed_units");
        hits[pass] = sum_field(out, "cache_hits");
        free(out);
    }
    printf("redis: first run %lld requests (%lld billed units), second run %lld requests "
           "(%lld billed, %lld cache hits)\n",
           (long long)req[0], (long long)billed[0], (long long)req[1], (long long)billed[1],
           (long long)hits[1]);
    assert_true(req[0] > 0);
    assert_int_equal(req[1], 0);
    assert_int_equal(billed[1], 0);
    assert_int_equal(hits[1], req[0]);
    emu_stop(&e);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    free(in);
}

/* A Redis tier that cannot be reached (here: nothing listens; a wrong CA
 * or password takes the same path, test_redis_tls.c) degrades to no shared
 * cache: every report is delivered, answered by the service, and the
 * failures are counted. */
static void redis_down_degrades_to_service(void **state)
{
    (void)state;
    emu e;
    emu_start(&e, NULL);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", ms_test_free_port());
    char *in = dir_of("in");
    char *out = dir_of("out-redis-down");
    ms_config *cfg = config(in, out, &e, "DetectEntitiesV2");
    set(cfg, "comprehend.cache_mb", "0");
    set(cfg, "comprehend.cache.redis_url", url);
    ms_metric *fails = ms_counter("medstream_comprehend_cache_redis_failures_total",
                                  "reason=\"connect\"", "");
    uint64_t before = ms_metric_count(fails);
    json_int_t req0 = stat_total(e.port, "requests");
    run_result r = run(cfg);
    assert_int_equal(r.t.delivered, NORIG);
    assert_int_equal(r.t.dead_letters, 0);
    assert_true(stat_total(e.port, "requests") > req0);   /* the service answered */
    assert_true(ms_metric_count(fails) > before);
    printf("redis down: %d delivered, %llu connection failures counted\n", (int)r.t.delivered,
           (unsigned long long)(ms_metric_count(fails) - before));
    emu_stop(&e);
    free(out);
    free(in);
}

static int setup(void **state)
{
    (void)state;
    bin = getenv("MS_BIN");
    if (!bin)
        ms_test_skip("MS_BIN not set");
    ms_log_set_level(MS_LOG_WARN);
    tmp = ms_test_tmpdir("cm");
    make_inputs();
    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "test-secret", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_COMPREHENDMEDICAL");
    /* The local engine's summaries, to compare entities with. */
    char *in = dir_of("in");
    local_out = dir_of("out-local");
    run_result r = run(config(in, local_out, NULL, NULL));
    free(in);
    return r.t.delivered == NORIG ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_test_rm_rf(tmp);
    free(tmp);
    free(local_out);
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_entities_and_billing),
        cmocka_unit_test(tiny_quotas),
        cmocka_unit_test(faults_everything_completes),
        cmocka_unit_test(final_error_dead_letters),
        cmocka_unit_test(memory_cache_bills_nothing),
        cmocka_unit_test(redis_shared_cache),
        cmocka_unit_test(redis_down_degrades_to_service),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
