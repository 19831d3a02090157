/* test_audit_sts.c -- the audit trail's caller identity (audit.caller_identity,
 * telemetry/audit.h, aws/sts_identity.h) against tests/support/sts_stub.py,
 * a local STS that checks SigV4 (service "sts") and answers
 * GetCallerIdentity with STS's XML.
 *
 *   - the stub's answer is the real wire format: boto3 (Debian's python3)
 *     calls it and parses Arn, Account and UserId from it;
 *   - a pipeline (dir source, file and SNS sinks -- the SNS capture peer, so
 *     every record carries an access key id) with caller identity on: every
 *     record's principal has the stub's ARN and account and the key id STS
 *     saw; STS was asked once (static credentials never change);
 *   - the stub failing (HTTP 500 each time): every report is still
 *     delivered and audited, the records say "unknown", and STS was asked
 *     no more than aws.max_attempts times (a failure waits before the next
 *     try);
 *   - caller identity off (the default): no arn in the records, STS never
 *     asked;
 *   - role credentials that rotate (the ECS provider against
 *     tests/support/aws_meta_peer.py, expiring 302 s after each fetch, so
 *     refreshed every 2 s; the stub answers ARN-<key id>): STS is asked
 *     again for each new key, and reports added after a rotation carry the
 *     new key's identity.
 * Skips (77) without Debian's python3 with boto3. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins.h"
#include "base/config.h"
#include "core/engine.h"
#include "harness.h"
#include "testutil.h"

#define NPDF 5
#define AKID "AKIDSTSTEST0001"
#define SECRET "sts-test-secret-Qz8-not-real"
#define ARN "arn:aws:sts::210987654321:assumed-role/medstream-task/7c2e0a91"
#define ACCOUNT "210987654321"
#define TOPIC "arn:aws:sns:us-east-1:210987654321:medstream-reports"

static const char *src, *python;
static char *tmp;
static int sts_pid = -1, sns_pid = -1, sts_port, sns_port;

static int start_peer(const char *script, const char *extra, int *pid)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/support/%s", src, script);
    char *argv[10] = {(char *)python, path, "--key", AKID ":" SECRET, NULL};
    int n = 4;
    char fail[16];
    if (extra) {
        argv[n++] = "--fail";
        snprintf(fail, sizeof fail, "%s", extra);
        argv[n++] = fail;
    }
    argv[n] = NULL;
    int port = ms_test_peer_start(argv, pid);
    assert_true(port > 0);
    return port;
}

static void stop_peers(void)
{
    if (sts_pid > 0)
        ms_test_peer_stop(sts_pid);
    if (sns_pid > 0)
        ms_test_peer_stop(sns_pid);
    sts_pid = sns_pid = -1;
}

static int teardown_case(void **state)
{
    (void)state;
    stop_peers();
    unsetenv("AWS_ENDPOINT_URL_STS");
    return 0;
}

/* The STS stub (failing with HTTP status `fail` when non-NULL) and the SNS
 * capture; AWS_ENDPOINT_URL_STS points at the stub. */
static void peers_start(const char *fail)
{
    sts_port = start_peer("sts_stub.py", fail, &sts_pid);
    sns_port = start_peer("sns_capture.py", NULL, &sns_pid);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", sts_port);
    setenv("AWS_ENDPOINT_URL_STS", url, 1);
}

static json_t *sts_stats(void)
{
    char *body = ms_test_http_get(sts_port, "/_stats");
    assert_non_null(body);
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "bad_signatures")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "bad_form")), 0);
    return j;
}

static void set(ms_config *cfg, const char *k, const char *v)
{
    char err[512];
    if (ms_config_set(cfg, k, v, "test", err, sizeof err) != 0)
        fail_msg("%s=%s: %s", k, v, err);
}

/* Run dir -> file,sns over the samples and one non-PDF; the audit file's
 * path is returned (malloc'd). */
static char *run(const char *tag, bool identity)
{
    char name[64];
    snprintf(name, sizeof name, "in-%s", tag);
    char *in = ms_test_path(tmp, name);
    mkdir(in, 0755);
    assert_int_equal(ms_test_make_samples(in), 0);
    char *bad = ms_test_path(in, "not-a-pdf.pdf");
    assert_int_equal(ms_test_write_file(bad, "plain text, no PDF header\n", 26), 0);
    free(bad);
    snprintf(name, sizeof name, "out-%s", tag);
    char *out = ms_test_path(tmp, name);
    snprintf(name, sizeof name, "done-%s", tag);
    char *done = ms_test_path(tmp, name);
    mkdir(done, 0755);
    snprintf(name, sizeof name, "audit-%s.jsonl", tag);
    char *audit = ms_test_path(tmp, name);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", sns_port);
    ms_config *cfg = ms_config_new();
    set(cfg, "source.type", "dir");
    set(cfg, "source.path", in);
    set(cfg, "source.done_dir", done);
    set(cfg, "sink.type", "file,sns");
    set(cfg, "sink.file.dir", out);
    set(cfg, "sink.file.fsync", "false");
    set(cfg, "sink.sns.topic_arn", TOPIC);
    set(cfg, "sink.sns.endpoint", url);
    set(cfg, "engine.workers", "2");
    set(cfg, "log.level", "warn");
    set(cfg, "http.listen", "off");
    set(cfg, "audit.path", audit);
    if (identity)
        set(cfg, "audit.caller_identity", "true");
    ms_engine_totals t = ms_test_pipeline_run(cfg, NULL);
    ms_config_free(cfg);
    assert_int_equal(t.delivered, NPDF);
    assert_int_equal(t.dead_letters, 1);
    assert_int_equal(ms_test_count_files(done, ".pdf"), NPDF + 1);
    free(in);
    free(out);
    free(done);
    return audit;
}

/* Every record of the audit file, checked by check(r, i); the count. */
static int each_record(const char *audit, void (*check)(json_t *r, int i, void *ud), void *ud)
{
    FILE *f = fopen(audit, "r");
    assert_non_null(f);
    char line[16384];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *r = json_loads(line, 0, NULL);
        assert_non_null(r);
        json_t *akids = json_object_get(json_object_get(r, "principal"), "access_key_ids");
        assert_int_equal(json_array_size(akids), 1);
        assert_string_equal(json_string_value(json_array_get(akids, 0)), AKID);
        check(r, n++, ud);
        json_decref(r);
    }
    fclose(f);
    return n;
}

/* ---- cases ------------------------------------------------------------- */

static void boto3_parses_the_stub(void **state)
{
    (void)state;
    peers_start(NULL);
    assert_int_equal(
        ms_test_run("'%s' -c \"import boto3; s = boto3.client('sts', "
                    "endpoint_url='http://127.0.0.1:%d', region_name='us-east-1', "
                    "aws_access_key_id='" AKID "', aws_secret_access_key='" SECRET "'); "
                    "r = s.get_caller_identity(); print('boto3:', r['Arn'], r['Account'], "
                    "r['UserId']); assert r['Arn'] == 'arn:aws:sts::123456789012:assumed-role/"
                    "medstream-task/0f1e2d3c4b5a', r; assert r['Account'] == '123456789012', r; "
                    "assert r['UserId'].startswith('AROA'), r\"",
                    python, sts_port),
        0);
    json_t *st = sts_stats();
    assert_int_equal(json_integer_value(json_object_get(st, "answered")), 1);
    json_decref(st);
}

typedef struct seen {
    int known, unknown;
    bool known_seen;
} seen;

static void check_known(json_t *r, int i, void *ud)
{
    (void)i;
    seen *s = ud;
    json_t *p = json_object_get(r, "principal");
    const char *arn = json_string_value(json_object_get(p, "arn"));
    assert_non_null(arn);
    if (!strcmp(arn, "unknown")) {
        /* Only before STS first answered (the lookup is asynchronous and
         * starts with the pipeline), never after. */
        assert_false(s->known_seen);
        s->unknown++;
        return;
    }
    s->known_seen = true;
    s->known++;
    assert_string_equal(arn, ARN);
    assert_string_equal(json_string_value(json_object_get(p, "account")), ACCOUNT);
    assert_string_equal(json_string_value(json_object_get(p, "identity_key_id")), AKID);
}

static void records_carry_the_arn(void **state)
{
    (void)state;
    stop_peers();
    /* This stub answers with the test's own ARN. */
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/support/sts_stub.py", src);
    char *argv[] = {(char *)python, path, "--key", AKID ":" SECRET, "--arn", ARN, "--account",
                    ACCOUNT, NULL};
    sts_port = ms_test_peer_start(argv, &sts_pid);
    assert_true(sts_port > 0);
    sns_port = start_peer("sns_capture.py", NULL, &sns_pid);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", sts_port);
    setenv("AWS_ENDPOINT_URL_STS", url, 1);
    char *audit = run("on", true);
    seen s = {0};
    assert_int_equal(each_record(audit, check_known, &s), NPDF + 1);
    printf("records: %d with the ARN, %d unknown before STS answered\n", s.known, s.unknown);
    assert_true(s.known >= 1);
    json_t *st = sts_stats();
    /* Once: the credentials (environment, static) never changed. */
    assert_int_equal(json_integer_value(json_object_get(st, "calls")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(st, "key_ids"), 0)),
                        AKID);
    json_decref(st);
    size_t len;
    char *raw = ms_test_read_file(audit, &len);
    assert_null(strstr(raw, SECRET));
    free(raw);
    free(audit);
}

static void check_unknown(json_t *r, int i, void *ud)
{
    (void)i;
    (void)ud;
    json_t *p = json_object_get(r, "principal");
    assert_string_equal(json_string_value(json_object_get(p, "arn")), "unknown");
    assert_string_equal(json_string_value(json_object_get(p, "account")), "unknown");
    assert_true(json_is_null(json_object_get(p, "identity_key_id")));
}

static void sts_failing_loses_nothing(void **state)
{
    (void)state;
    peers_start("500");
    char *audit = run("fail", true);
    assert_int_equal(each_record(audit, check_unknown, NULL), NPDF + 1);
    json_t *st = sts_stats();
    json_int_t calls = json_integer_value(json_object_get(st, "calls"));
    printf("sts failing: %lld calls, every record says unknown\n", (long long)calls);
    assert_true(calls >= 1 && calls <= 3);   /* aws.max_attempts, then a pause */
    assert_int_equal(json_integer_value(json_object_get(st, "answered")), 0);
    json_decref(st);
    free(audit);
}

static void check_off(json_t *r, int i, void *ud)
{
    (void)i;
    (void)ud;
    json_t *p = json_object_get(r, "principal");
    assert_null(json_object_get(p, "arn"));
    assert_null(json_object_get(p, "account"));
}

static void off_by_default(void **state)
{
    (void)state;
    peers_start(NULL);
    char *audit = run("off", false);
    assert_int_equal(each_record(audit, check_off, NULL), NPDF + 1);
    json_t *st = sts_stats();
    assert_int_equal(json_integer_value(json_object_get(st, "calls")), 0);
    json_decref(st);
    free(audit);
}

/* ---- rotating credentials --------------------------------------------- */

typedef struct rotation {
    const char *in;
    ms_engine *e;
    pthread_t th;
    int first_batch, second_batch;
    bool ok;
} rotation;

static json_int_t sts_calls(void)
{
    json_t *st = sts_stats();
    json_int_t n = json_integer_value(json_object_get(st, "calls"));
    json_decref(st);
    return n;
}

static int audit_lines(const char *audit)
{
    size_t len = 0;
    char *raw = ms_test_read_file(audit, &len);
    int n = 0;
    for (size_t i = 0; raw && i < len; i++)
        n += raw[i] == '\n';
    free(raw);
    return n;
}

static const char *rot_audit;

/* Wait (bounded generously: a slow machine only waits longer) for cond. */
static bool wait_for(bool (*cond)(void *), void *ud)
{
    for (int i = 0; i < 1200; i++) {   /* 120 s */
        if (cond(ud))
            return true;
        usleep(100000);
    }
    return false;
}

static bool records_reach(void *ud) { return audit_lines(rot_audit) >= *(int *)ud; }
static bool third_lookup(void *ud) { (void)ud; return sts_calls() >= 3; }

static void copy_samples(const char *from, const char *to, const char *prefix)
{
    assert_int_equal(ms_test_run("for f in '%s'/*.pdf; do cp \"$f\" '%s/%s'\"$(basename \"$f\")\".part "
                                 "&& mv '%s/%s'\"$(basename \"$f\")\".part '%s/%s'\"$(basename \"$f\")\"; "
                                 "done", from, to, prefix, to, prefix, to, prefix), 0);
}

static void *rotate_thread(void *ud)
{
    rotation *r = ud;
    /* Batch 1 is in the directory from the start. Once STS got its third
     * request, its second answer (another key than the first) has been
     * taken in: lookups go one at a time. Then batch 2. */
    int want = r->first_batch;
    bool ok = wait_for(records_reach, &want) && wait_for(third_lookup, NULL);
    if (ok) {
        char *samples = ms_test_path(tmp, "samples");
        copy_samples(samples, r->in, "b2-");
        free(samples);
        want = r->first_batch + r->second_batch;
        ok = wait_for(records_reach, &want);
    }
    r->ok = ok;
    ms_engine_stop(r->e);
    return NULL;
}

static void rot_before(ms_engine *e, void *ud)
{
    rotation *r = ud;
    r->e = e;
    assert_int_equal(pthread_create(&r->th, NULL, rotate_thread, r), 0);
}

static void rot_after(ms_engine *e, void *ud)
{
    (void)e;
    pthread_join(((rotation *)ud)->th, NULL);
}

static void rotating_keys_relearned(void **state)
{
    (void)state;
    /* The ECS agent stand-in and an STS stub that knows its keys. */
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/support/aws_meta_peer.py", src);
    char *margv[] = {(char *)python, path, "--port", "0", "--announce", NULL};
    int meta_pid = -1;
    int meta_port = ms_test_peer_start(margv, &meta_pid);
    assert_true(meta_port > 0);
    snprintf(path, sizeof path, "%s/tests/support/sts_stub.py", src);
    char *sargv[] = {(char *)python, path, "--meta-peer-keys", "--arn-per-key", "--arn", ARN,
                     "--account", ACCOUNT, NULL};
    sts_port = ms_test_peer_start(sargv, &sts_pid);
    assert_true(sts_port > 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_ctl/config", meta_port);
    assert_int_equal(ms_test_run("'%s' -c \"import urllib.request as u; u.urlopen(u.Request('%s', "
                                 "data=b'{\\\"expire_in\\\": 302}', method='POST'))\"", python, url), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ecs/full", meta_port);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", sts_port);
    setenv("AWS_ENDPOINT_URL_STS", url, 1);

    char *samples = ms_test_path(tmp, "samples"), *in = ms_test_path(tmp, "in-rot");
    char *out = ms_test_path(tmp, "out-rot"), *done = ms_test_path(tmp, "done-rot");
    char *audit = ms_test_path(tmp, "audit-rot.jsonl");
    mkdir(samples, 0755);
    mkdir(in, 0755);
    mkdir(done, 0755);
    assert_int_equal(ms_test_make_samples(samples), 0);
    copy_samples(samples, in, "b1-");
    rot_audit = audit;
    ms_config *cfg = ms_config_new();
    set(cfg, "source.type", "dir");
    set(cfg, "source.path", in);
    set(cfg, "source.done_dir", done);
    set(cfg, "source.watch", "true");
    set(cfg, "source.poll_interval_ms", "100");
    set(cfg, "sink.type", "file");
    set(cfg, "sink.file.dir", out);
    set(cfg, "sink.file.fsync", "false");
    set(cfg, "engine.workers", "2");
    set(cfg, "log.level", "warn");
    set(cfg, "http.listen", "off");
    set(cfg, "audit.path", audit);
    set(cfg, "audit.caller_identity", "true");
    rotation r = {.in = in, .first_batch = NPDF, .second_batch = NPDF};
    ms_test_run_opts o = {.once = false, .before_run = rot_before, .after_run = rot_after,
                          .ud = &r};
    ms_engine_totals t = ms_test_pipeline_run(cfg, &o);
    ms_config_free(cfg);
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    ms_test_peer_stop(meta_pid);
    assert_true(r.ok);
    assert_int_equal(t.delivered, 2 * NPDF);

    json_t *st = sts_stats();
    json_t *keys = json_object_get(st, "key_ids");
    printf("rotation: STS asked %lld times for %zu keys\n",
           (long long)json_integer_value(json_object_get(st, "calls")), json_array_size(keys));
    assert_true(json_array_size(keys) >= 3);   /* a lookup per new key */
    const char *first = json_string_value(json_array_get(keys, 0));
    FILE *f = fopen(audit, "r");
    assert_non_null(f);
    char line[16384];
    int n = 0, b2 = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *rec = json_loads(line, 0, NULL);
        assert_non_null(rec);
        n++;
        json_t *p = json_object_get(rec, "principal");
        const char *arn = json_string_value(json_object_get(p, "arn"));
        const char *kid = json_string_value(json_object_get(p, "identity_key_id"));
        const char *id = json_string_value(json_object_get(rec, "id"));
        if (strcmp(arn, "unknown") != 0) {
            /* the ARN STS answered for exactly that key */
            char want[600];
            snprintf(want, sizeof want, "%s-%s", ARN, kid);
            assert_string_equal(arn, want);
            assert_string_equal(json_string_value(json_object_get(p, "account")), ACCOUNT);
        }
        if (!strncmp(id, "b2-", 3)) {
            b2++;
            assert_non_null(kid);
            assert_true(strcmp(kid, first) != 0);   /* the identity moved on */
        }
        json_decref(rec);
    }
    fclose(f);
    assert_int_equal(n, 2 * NPDF);
    assert_int_equal(b2, NPDF);
    json_decref(st);
    free(samples);
    free(in);
    free(out);
    free(done);
    free(audit);
}

static int setup(void **state)
{
    (void)state;
    src = getenv("MS_SRC");
    if (!src)
        ms_test_skip("MS_SRC not set (run through ctest)");
    python = ms_test_system_python();
    if (!python || ms_test_run("'%s' -c 'import boto3' 2>/dev/null", python) != 0)
        ms_test_skip("Debian's python3 with boto3 (python3-boto3) is not installed");
    tmp = ms_test_tmpdir("audit-sts");
    setenv("HOME", tmp, 1);
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_ENDPOINT_URL");
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    stop_peers();
    if (tmp && !getenv("MS_KEEP_TMP"))
        ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(boto3_parses_the_stub, teardown_case),
        cmocka_unit_test_teardown(records_carry_the_arn, teardown_case),
        cmocka_unit_test_teardown(sts_failing_loses_nothing, teardown_case),
        cmocka_unit_test_teardown(off_by_default, teardown_case),
        cmocka_unit_test_teardown(rotating_keys_relearned, teardown_case),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
