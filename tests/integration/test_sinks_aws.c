/* test_sinks_aws.c -- the S3 sink against s3rver (npm, installed by this
 * test under the build directory), several sinks per pipeline and
 * dead-letter routing.
 *
 * The pipeline reads the bundled example PDFs plus one non-PDF (a dead
 * letter) from a directory and writes through sink.type = file,s3. Between
 * medstream and s3rver sits tests/support/s3_proxy.py, which records the
 * headers of every PutObject (encryption, signed payload hash) and fails
 * the first N of them, so the engine's retry path is exercised. Objects are
 * read back with boto3 (tests/support/s3_readback.py) and compared byte for
 * byte with what the file sink wrote. The file,s3,sns run also checks the
 * audit trail (telemetry/audit.h) against what the peers received. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cmocka.h>

#include "plugins.h"
#include "base/config.h"
#include "core/doc.h"
#include "core/engine.h"
#include "aws/sigv4.h"
#include "sinks/sink_sns.h"
#include "harness.h"
#include "pipeline.h"
#include "testutil.h"

#define BUCKET "medstream-test"
#define NPDF 5

static const char *src, *python;
static const char *modules;   /* s3rver's node_modules, for the whole run */
static char *tmp;

/* GET base+path into file (with python: no curl command needed). */
static int fetch(const char *base, const char *path, const char *file)
{
    return ms_test_run("'%s' -c 'import sys, urllib.request; "
               "open(sys.argv[2], \"wb\").write(urllib.request.urlopen(sys.argv[1]).read())' "
               "'%s%s' '%s'",
               python, base, path, file);
}

typedef struct peers {
    int s3_pid, proxy_pid, sns_pid;
    int s3_port, proxy_port, sns_port;
    char s3_url[64], proxy_url[64], sns_url[64];
} peers;

static peers *running; /* stopped by the per-test teardown, also after a failure */

static void peers_start(peers *p, const char *tag, int fail_puts)
{
    memset(p, 0, sizeof *p);
    running = p;
    char *data = ms_test_path(tmp, tag);
    mkdir(data, 0755);
    char script[1024], pyscript[1024], fail[16], up[16];
    snprintf(script, sizeof script, "%s/tests/support/s3rver_run.js", src);
    char *argv[] = {"node", script, (char *)modules, data, BUCKET, NULL};
    p->s3_port = ms_test_peer_start(argv, &p->s3_pid);
    free(data);
    assert_true(p->s3_port > 0);
    snprintf(p->s3_url, sizeof p->s3_url, "http://127.0.0.1:%d", p->s3_port);
    snprintf(pyscript, sizeof pyscript, "%s/tests/support/s3_proxy.py", src);
    snprintf(up, sizeof up, "%d", p->s3_port);
    snprintf(fail, sizeof fail, "%d", fail_puts);
    char *pargv[] = {(char *)python, pyscript, "--upstream", up, "--fail-puts", fail, NULL};
    p->proxy_port = ms_test_peer_start(pargv, &p->proxy_pid);
    assert_true(p->proxy_port > 0);
    snprintf(p->proxy_url, sizeof p->proxy_url, "http://127.0.0.1:%d", p->proxy_port);
}

/* The SNS capture server (verifies SigV4 with s3rver's key pair). */
static void sns_start(peers *p)
{
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/support/sns_capture.py", src);
    char *argv[] = {(char *)python, script, "--key", "S3RVER:S3RVER", NULL};
    p->sns_port = ms_test_peer_start(argv, &p->sns_pid);
    assert_true(p->sns_port > 0);
    snprintf(p->sns_url, sizeof p->sns_url, "http://127.0.0.1:%d", p->sns_port);
}

static json_t *sns_capture(const peers *p, char **raw)
{
    char *out = ms_test_path(tmp, "capture.json");
    assert_int_equal(fetch(p->sns_url, "/_capture", out), 0);
    json_t *j = json_load_file(out, 0, NULL);
    assert_non_null(j);
    size_t n;
    if (raw)
        *raw = ms_test_read_file(out, &n);
    unlink(out);
    free(out);
    assert_int_equal(json_integer_value(json_object_get(j, "bad_signatures")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "bad_encoding")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "bad_content_type")), 0);
    return j;
}

static void peers_stop(peers *p)
{
    if (p->sns_pid > 0)
        ms_test_peer_stop(p->sns_pid);
    p->sns_pid = 0;
    if (p->proxy_pid > 0)
        ms_test_peer_stop(p->proxy_pid);
    if (p->s3_pid > 0)
        ms_test_peer_stop(p->s3_pid);
    p->proxy_pid = p->s3_pid = 0;
    running = NULL;
}

static int stop_peers(void **state)
{
    (void)state;
    if (running)
        peers_stop(running);
    return 0;
}

/* The proxy's counters. */
static json_t *proxy_stats(const peers *p)
{
    char *out = ms_test_path(tmp, "stats.json");
    assert_int_equal(fetch(p->proxy_url, "/_proxy/stats", out), 0);
    json_t *j = json_load_file(out, 0, NULL);
    assert_non_null(j);
    unlink(out);
    free(out);
    return j;
}

/* Every object of the bucket, read with boto3 into dest. */
static int readback(const peers *p, const char *dest)
{
    return ms_test_run("'%s' %s/tests/support/s3_readback.py --endpoint %s --bucket " BUCKET
               " --dest '%s' >/dev/null",
               python, src, p->s3_url, dest);
}

static char *make_inbox(const char *tag)
{
    char *in = ms_test_path(tmp, tag);
    mkdir(in, 0755);
    assert_int_equal(ms_test_make_samples(in), 0);
    char *bad = ms_test_path(in, "not-a-pdf.pdf");
    assert_int_equal(ms_test_write_file(bad, "plain text, no PDF header\n", 26), 0);
    free(bad);
    return in;
}

static void set(ms_config *cfg, const char *k, const char *v)
{
    char err[512];
    if (ms_config_set(cfg, k, v, "test", err, sizeof err) != 0)
        fail_msg("%s=%s: %s", k, v, err);
}

static ms_config *base_config(const char *inbox, const char *out, const char *done,
                              const peers *p)
{
    mkdir(done, 0755);
    ms_config *cfg = ms_config_new();
    set(cfg, "source.type", "dir");
    set(cfg, "source.path", inbox);
    set(cfg, "source.done_dir", done);
    set(cfg, "sink.file.dir", out);
    set(cfg, "sink.file.fsync", "false");
    set(cfg, "sink.s3.bucket", BUCKET);
    set(cfg, "sink.s3.endpoint", p->proxy_url);
    set(cfg, "sink.s3.path_style", "true");
    set(cfg, "engine.workers", "2");
    set(cfg, "log.level", "warn");
    char err[64];
    ms_config_set(cfg, "http.listen", "off", "test", err, sizeof err); /* when the key exists */
    return cfg;
}

static ms_engine_totals run_pipeline(ms_config *cfg)
{
    ms_engine_totals t = ms_test_pipeline_run(cfg, NULL);
    ms_config_free(cfg);
    return t;
}

static bool same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = ms_test_read_file(a, &la), *y = ms_test_read_file(b, &lb);
    bool same = x && y && la == lb && memcmp(x, y, la) == 0;
    if (!same)
        printf("differ: %s %s\n", a, b);
    free(x);
    free(y);
    return same;
}

static const char *const ids[NPDF] = {"clinic-letter-cardiology", "discharge-summary",
                                      "lab-results", "pathology-skin-biopsy",
                                      "radiology-ct-abdomen"};

/* file,s3 with AES256; the first 3 PutObjects fail (one attempt each, so the
 * engine itself retries): every report still ends in both sinks, byte for
 * byte the same, and its input is moved to done_dir (committed). */
static void s3_equals_file_with_retries(void **state)
{
    (void)state;
    static peers p;
    peers_start(&p, "s3a", 3);
    char *inbox = make_inbox("in-a"), *out = ms_test_path(tmp, "out-a");
    char *done = ms_test_path(tmp, "done-a"), *rb = ms_test_path(tmp, "rb-a");
    ms_config *cfg = base_config(inbox, out, done, &p);
    set(cfg, "sink.type", "file,s3");
    set(cfg, "sink.s3.sse", "AES256");
    set(cfg, "aws.max_attempts", "1");
    ms_engine_totals t = run_pipeline(cfg);
    printf("delivered %llu dead %llu sink_errors %llu\n", (unsigned long long)t.delivered,
           (unsigned long long)t.dead_letters, (unsigned long long)t.sink_errors);
    assert_int_equal(t.delivered, NPDF);
    assert_int_equal(t.dead_letters, 1);
    assert_int_equal(t.abandoned, 0);
    /* 3 refused PutObjects fail 1 to 3 writes (a summary and its text
     * fail together); each failed write is retried whole. */
    assert_in_range(t.sink_errors, 1, 3);
    /* Committed: the dir source moved every input, the bad one included. */
    assert_int_equal(ms_test_count_files(done, ".pdf"), NPDF + 1);
    assert_int_equal(ms_test_count_files(inbox, ".pdf"), 0);

    json_t *st = proxy_stats(&p);
    /* 5 summaries + 5 texts + 1 dead letter stored, plus the 3 refused
     * attempts and the re-sent halves of failed writes. */
    json_int_t puts = json_integer_value(json_object_get(st, "puts"));
    printf("puts %lld forwarded %lld\n", (long long)puts,
           (long long)json_integer_value(json_object_get(st, "forwarded")));
    assert_in_range(puts, 2 * NPDF + 1 + 3, 2 * NPDF + 1 + 6);
    assert_int_equal(json_integer_value(json_object_get(st, "failed")), 3);
    assert_int_equal(json_integer_value(json_object_get(st, "forwarded")), puts - 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "sse"), "AES256")),
                     puts);
    assert_int_equal(json_integer_value(json_object_get(st, "content_sha256_signed")), puts);
    json_decref(st);

    assert_int_equal(readback(&p, rb), 0);
    for (int i = 0; i < NPDF; i++) {
        char a[2048], b[2048], c[2048];
        snprintf(a, sizeof a, "%s/%s.json", out, ids[i]);
        snprintf(b, sizeof b, "%s/summaries/%s.json", rb, ids[i]);
        assert_true(same_file(a, b));
        /* The patient text object is the summary's patient_summary. */
        json_t *j = json_load_file(a, 0, NULL);
        assert_non_null(j);
        const char *text = json_string_value(json_object_get(j, "patient_summary"));
        assert_non_null(text);
        snprintf(c, sizeof c, "%s/summaries/%s.txt", rb, ids[i]);
        size_t n;
        char *got = ms_test_read_file(c, &n);
        assert_non_null(got);
        assert_int_equal(n, strlen(text));
        assert_memory_equal(got, text, n);
        free(got);
        json_decref(j);
        snprintf(c, sizeof c, "%s/summaries/%s.txt.content-type", rb, ids[i]);
        got = ms_test_read_file(c, &n);
        assert_non_null(got);
        assert_string_equal(got, "text/plain; charset=utf-8");
        free(got);
    }
    char a[2048], b[2048];
    snprintf(a, sizeof a, "%s/dead-letter/not-a-pdf.json", out);
    snprintf(b, sizeof b, "%s/dead-letter/not-a-pdf.json", rb);
    assert_true(same_file(a, b));

    /* A replay of the same reports overwrites: still 11 objects. */
    assert_int_equal(ms_test_run("mv '%s'/*.pdf '%s'/", done, inbox), 0);
    cfg = base_config(inbox, out, done, &p);
    set(cfg, "sink.type", "s3");
    set(cfg, "sink.s3.sse", "aws:kms");
    set(cfg, "sink.s3.kms_key_id", "alias/medstream-test");
    t = run_pipeline(cfg);
    assert_int_equal(t.delivered, NPDF);
    assert_int_equal(t.dead_letters, 1);
    assert_int_equal(t.sink_errors, 0);
    st = proxy_stats(&p);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "kms_key_ids"),
                                                        "alias/medstream-test")),
                     2 * NPDF + 1);
    json_decref(st);
    char *rb2 = ms_test_path(tmp, "rb-a2");
    assert_int_equal(ms_test_run("'%s' %s/tests/support/s3_readback.py --endpoint %s --bucket " BUCKET
                         " --dest '%s' | grep -qx 'objects %d'",
                         python, src, p.s3_url, rb2, 2 * NPDF + 1),
                     0);
    peers_stop(&p);
    free(rb2);
    free(inbox);
    free(out);
    free(done);
    free(rb);
}

/* sink.type = file, dlq.type = s3: summaries only in files, the dead letter
 * only in S3 under dead-letter/ with its reason, message and position. */
static void dead_letters_to_s3(void **state)
{
    (void)state;
    static peers p;
    peers_start(&p, "s3b", 0);
    char *inbox = make_inbox("in-b"), *out = ms_test_path(tmp, "out-b");
    char *done = ms_test_path(tmp, "done-b"), *rb = ms_test_path(tmp, "rb-b");
    ms_config *cfg = base_config(inbox, out, done, &p);
    set(cfg, "sink.type", "file");
    set(cfg, "dlq.type", "s3");
    ms_engine_totals t = run_pipeline(cfg);
    assert_int_equal(t.delivered, NPDF);
    assert_int_equal(t.dead_letters, 1);
    assert_int_equal(ms_test_count_files(out, ".json"), NPDF);
    char *dl = ms_test_path(out, "dead-letter");
    assert_int_equal(ms_test_count_files(dl, ".json"), 0);
    free(dl);
    assert_int_equal(ms_test_run("'%s' %s/tests/support/s3_readback.py --endpoint %s --bucket " BUCKET
                         " --dest '%s' | grep -qx 'objects 1'",
                         python, src, p.s3_url, rb),
                     0);
    char path[2048];
    snprintf(path, sizeof path, "%s/dead-letter/not-a-pdf.json", rb);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "schema")),
                        "medstream.dead_letter/v1");
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "not_pdf");
    assert_true(strlen(json_string_value(json_object_get(j, "message"))) > 0);
    const char *label = json_string_value(json_object_get(json_object_get(j, "source"), "label"));
    assert_non_null(label);
    assert_non_null(strstr(label, "not-a-pdf.pdf"));
    json_decref(j);
    peers_stop(&p);
    free(inbox);
    free(out);
    free(done);
    free(rb);
}


#define TOPIC "arn:aws:sns:us-east-1:123456789012:medstream-reports"

/* The destination of record r written by `sink` whose `field` is `value`
 * (NULL value: the first of that sink), or NULL. */
static json_t *dest_of(json_t *r, const char *sink, const char *field, const char *value)
{
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(r, "destinations"), i, d) {
        if (strcmp(json_string_value(json_object_get(d, "sink")), sink) != 0)
            continue;
        const char *v = field ? json_string_value(json_object_get(d, field)) : NULL;
        if (!field || (v && !strcmp(v, value)))
            return d;
    }
    return NULL;
}

static json_int_t op_requests(json_t *r, const char *service, const char *op)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(r, "aws_operations"), i, o)
        if (!strcmp(json_string_value(json_object_get(o, "service")), service) &&
            !strcmp(json_string_value(json_object_get(o, "operation")), op))
            return json_integer_value(json_object_get(o, "requests"));
    return 0;
}

/* The audit trail of the file,s3,sns run: one complete record per report,
 * naming exactly what the peers received -- the object keys and the
 * version ids "S3" answered (the proxy's), the SNS MessageIds of the
 * publishes carrying that report's id -- the input's SHA-256, the access key
 * id, and no clinical text. */
static void check_audit(const char *audit, const char *out, const char *done, const peers *p,
                        json_t *pubs, const char *raw_audit)
{
    json_t *st = proxy_stats(p);
    json_t *versions = json_object_get(st, "versions");
    FILE *f = fopen(audit, "r");
    assert_non_null(f);
    char line[16384];
    int n = 0, dead = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *r = json_loads(line, 0, NULL);
        assert_non_null(r);
        n++;
        const char *id = json_string_value(json_object_get(r, "id"));
        assert_non_null(id);
        assert_string_equal(json_string_value(json_object_get(r, "schema")), "medstream.audit/v1");
        /* The input's digest, recomputed from the committed input. */
        char in[2048], hex[65], want[2048];
        snprintf(in, sizeof in, "%s/%s.pdf", done, id);
        size_t len;
        char *bytes = ms_test_read_file(in, &len);
        assert_non_null(bytes);
        ms_sha256_hex(bytes, len, hex);
        free(bytes);
        json_t *input = json_object_get(r, "input");
        assert_string_equal(json_string_value(json_object_get(input, "sha256")), hex);
        assert_int_equal(json_integer_value(json_object_get(input, "bytes")), len);
        assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "source"),
                                                                 "label")), id));
        const char *adm = json_string_value(json_object_get(r, "admitted_at"));
        const char *del = json_string_value(json_object_get(r, "delivered_at"));
        assert_true(adm && del && strlen(adm) == 24 && strcmp(adm, del) <= 0);
        json_t *akids = json_object_get(json_object_get(r, "principal"), "access_key_ids");
        assert_int_equal(json_array_size(akids), 1);
        assert_string_equal(json_string_value(json_array_get(akids, 0)), "S3RVER");
        bool is_dead = !strcmp(json_string_value(json_object_get(r, "outcome")), "dead_letter");
        const char *kind = is_dead ? "dead-letter" : "summaries";
        /* S3: the JSON object (and the text beside a summary), each with the
         * version id the server answered for that very key. */
        for (int k = 0; k < (is_dead ? 1 : 2); k++) {
            char key[512], path[600];
            snprintf(key, sizeof key, "%s/%s.%s", kind, id, k ? "txt" : "json");
            json_t *d = dest_of(r, "s3", "key", key);
            assert_non_null(d);
            assert_string_equal(json_string_value(json_object_get(d, "bucket")), BUCKET);
            snprintf(path, sizeof path, "/" BUCKET "/%s", key);
            const char *v = json_string_value(json_object_get(versions, path));
            assert_non_null(v);
            assert_string_equal(json_string_value(json_object_get(d, "version_id")), v);
        }
        assert_int_equal(op_requests(r, "s3", "PutObject"), is_dead ? 1 : 2);
        assert_int_equal(op_requests(r, "sns", "Publish"), 1);
        /* SNS: the MessageId the capture answered for this report's publish. */
        json_t *sd = dest_of(r, "sns", NULL, NULL);
        assert_non_null(sd);
        assert_string_equal(json_string_value(json_object_get(sd, "topic_arn")), TOPIC);
        const char *mid = json_string_value(json_object_get(sd, "message_id"));
        assert_true(mid && !strncmp(mid, "m-", 2));
        json_t *pub = json_array_get(pubs, (size_t)atoi(mid + 2) - 1);
        assert_non_null(pub);
        assert_string_equal(json_string_value(json_object_get(json_object_get(pub, "attributes"),
                                                              "report_id")), id);
        /* The file sink's file. */
        snprintf(want, sizeof want, "%s/%s%s.json", out, is_dead ? "dead-letter/" : "", id);
        assert_non_null(dest_of(r, "file", "path", want));
        assert_int_equal(json_array_size(json_object_get(r, "destinations")), is_dead ? 3 : 4);
        if (is_dead) {
            dead++;
            assert_string_equal(json_string_value(json_object_get(r, "reason")), "not_pdf");
            assert_string_equal(json_string_value(json_object_get(r, "failed_stage")), "parse");
        } else {
            assert_true(json_is_null(json_object_get(r, "reason")));
            assert_string_equal(json_string_value(json_object_get(r, "engine")), "local");
            /* No clinical text: the summary's patient text is nowhere in it. */
            char sp[2048], probe[41];
            snprintf(sp, sizeof sp, "%s/%s.json", out, id);
            json_t *sum = json_load_file(sp, 0, NULL);
            snprintf(probe, sizeof probe, "%s",
                     json_string_value(json_object_get(sum, "patient_summary")));
            assert_true(strlen(probe) > 20);
            assert_null(strstr(raw_audit, probe));
            json_decref(sum);
        }
        json_decref(r);
    }
    fclose(f);
    json_decref(st);
    assert_int_equal(n, NPDF + 1);
    assert_int_equal(dead, 1);
    struct stat sb;
    assert_int_equal(stat(audit, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    printf("audit: %d records match the S3 versions and SNS message ids\n", n);
}

/* file,s3,sns: one notification per report, signed and canonically
 * encoded, naming the S3 summary object, with no clinical text. */
static void sns_with_s3(void **state)
{
    (void)state;
    static peers p;
    peers_start(&p, "s3c", 0);
    sns_start(&p);
    char *inbox = make_inbox("in-c"), *out = ms_test_path(tmp, "out-c");
    char *done = ms_test_path(tmp, "done-c"), *rb = ms_test_path(tmp, "rb-c");
    ms_config *cfg = base_config(inbox, out, done, &p);
    set(cfg, "sink.type", "file,s3,sns");
    set(cfg, "sink.sns.topic_arn", TOPIC);
    set(cfg, "sink.sns.endpoint", p.sns_url);
    char *audit = ms_test_path(tmp, "audit-c.jsonl");
    set(cfg, "audit.path", audit);
    ms_engine_totals t = run_pipeline(cfg);
    assert_int_equal(t.delivered, NPDF);
    assert_int_equal(t.dead_letters, 1);
    assert_int_equal(readback(&p, rb), 0);
    char *raw = NULL;
    json_t *cap = sns_capture(&p, &raw);
    json_t *pubs = json_object_get(cap, "publishes");
    assert_int_equal(json_array_size(pubs), NPDF + 1);
    size_t alen;
    char *raw_audit = ms_test_read_file(audit, &alen);
    assert_non_null(raw_audit);
    check_audit(audit, out, done, &p, pubs, raw_audit);
    free(raw_audit);
    free(audit);
    int ok = 0, dead = 0;
    size_t i;
    json_t *pub;
    json_array_foreach(pubs, i, pub)
    {
        assert_string_equal(json_string_value(json_object_get(pub, "Action")), "Publish");
        assert_string_equal(json_string_value(json_object_get(pub, "Version")), "2010-03-31");
        assert_string_equal(json_string_value(json_object_get(pub, "TopicArn")), TOPIC);
        json_t *m = json_loads(json_string_value(json_object_get(pub, "Message")), 0, NULL);
        assert_non_null(m);
        const char *id = json_string_value(json_object_get(m, "id"));
        const char *status = json_string_value(json_object_get(m, "status"));
        json_t *attrs = json_object_get(pub, "attributes");
        assert_string_equal(json_string_value(json_object_get(attrs, "report_id")), id);
        assert_string_equal(json_string_value(json_object_get(attrs, "status")), status);
        assert_null(json_object_get(m, "summary"));
        if (!strcmp(status, "ok")) {
            ok++;
            assert_int_equal(json_object_size(m), 3); /* id, status, summary_uri */
            char want[512], obj[2048];
            snprintf(want, sizeof want, "s3://" BUCKET "/summaries/%s.json", id);
            assert_string_equal(json_string_value(json_object_get(m, "summary_uri")), want);
            snprintf(obj, sizeof obj, "%s/summaries/%s.json", rb, id);
            assert_int_equal(access(obj, R_OK), 0); /* the URI names a real object */
            /* No clinical text anywhere in what was published. */
            snprintf(obj, sizeof obj, "%s/%s.json", out, id);
            json_t *sum = json_load_file(obj, 0, NULL);
            const char *text = json_string_value(json_object_get(sum, "patient_summary"));
            assert_non_null(text);
            char probe[41];
            snprintf(probe, sizeof probe, "%s", text);
            assert_null(strstr(raw, probe));
            json_decref(sum);
        } else {
            dead++;
            assert_string_equal(status, "dead_letter");
            assert_string_equal(json_string_value(json_object_get(m, "reason")), "not_pdf");
            assert_true(json_is_null(json_object_get(m, "summary_uri")));
        }
        json_decref(m);
    }
    assert_int_equal(ok, NPDF);
    assert_int_equal(dead, 1);
    printf("sns: %d notifications, %d dead letter\n", ok, dead);
    json_decref(cap);
    free(raw);
    peers_stop(&p);
    free(inbox);
    free(out);
    free(done);
    free(rb);
}

/* The sink alone on a loop: patient contact as attributes, the summary
 * only when asked for, cut to fit 256 KiB. */
typedef struct one_write {
    int calls, status;
} one_write;

static void one_done(ms_sink *s, ms_doc *doc, int status, const char *error)
{
    one_write *w = doc->source_ref;
    w->calls++;
    w->status = status;
    if (error)
        printf("sns write: %s\n", error);
}

static void publish_one(ms_sink *sink, uv_loop_t *loop, ms_doc *doc)
{
    one_write w = {0};
    doc->source_ref = &w;
    sink->ops->write(sink, doc, false, one_done);
    while (w.calls == 0)
        uv_run(loop, UV_RUN_ONCE);
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.status, 0);
}

static void sns_direct(void **state)
{
    (void)state;
    static peers p;
    memset(&p, 0, sizeof p);
    running = &p;
    sns_start(&p);
    ms_config *cfg = ms_config_new();
    set(cfg, "sink.sns.topic_arn", TOPIC);
    set(cfg, "sink.sns.endpoint", p.sns_url);
    set(cfg, "sink.sns.include_summary", "true");
    char err[256];
    ms_sink *sink = ms_sink_sns_new(cfg, err, sizeof err);
    ms_config_free(cfg);
    assert_non_null(sink);
    uv_loop_t loop;
    uv_loop_init(&loop);
    assert_int_equal(sink->ops->attach(sink, &loop), 0);

    static const char text[] = "Your heart test was normal. Ünïcode & = + % ; \"quoted\" \u2713";
    ms_doc *doc = ms_doc_new();
    ms_doc_set_id(doc, "rep-1");
    doc->patient_json = strdup("{\"name\":\"Jane Doe\",\"contact\":{\"email\":\"jane+x@example.org\","
                               "\"phone\":\"+1 555 0100\",\"ward\":12}}");
    /* What assemble renders: the JSON and its typed fields (doc.h). */
    json_t *o = json_pack("{s:s, s:s}", "id", "rep-1", "patient_summary", text);
    doc->output = json_dumps(o, 0);
    doc->output_len = strlen(doc->output);
    json_decref(o);
    doc->summary = (ms_summary){.rendered = true, .has_findings = true,
                                .patient_text = strdup(text), .patient_text_len = strlen(text)};
    publish_one(sink, &loop, doc);

    /* A 300 KiB text is cut to fit and marked. */
    size_t big = 300 * 1024;
    char *huge = malloc(big + 1);
    for (size_t k = 0; k < big; k += 2)
        memcpy(huge + k, k % 64 == 0 ? "\xc3\xa9" : "ab", 2); /* é every 64 bytes */
    huge[big] = '\0';
    o = json_pack("{s:s, s:s}", "id", "rep-2", "patient_summary", huge);
    free(doc->output);
    doc->output = json_dumps(o, 0);
    doc->output_len = strlen(doc->output);
    json_decref(o);
    ms_doc_summary_clear(&doc->summary);
    doc->summary = (ms_summary){.rendered = true, .has_findings = true,
                                .patient_text = strdup(huge), .patient_text_len = big};
    ms_doc_set_id(doc, "rep-2");
    publish_one(sink, &loop, doc);
    free(huge);
    ms_doc_free(doc);

    sink->ops->destroy(sink);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);

    json_t *cap = sns_capture(&p, NULL);
    json_t *pubs = json_object_get(cap, "publishes");
    assert_int_equal(json_array_size(pubs), 2);
    json_t *a = json_object_get(json_array_get(pubs, 0), "attributes");
    assert_string_equal(json_string_value(json_object_get(a, "report_id")), "rep-1");
    assert_string_equal(json_string_value(json_object_get(a, "patient_email")), "jane+x@example.org");
    assert_string_equal(json_string_value(json_object_get(a, "patient_phone")), "+1 555 0100");
    assert_string_equal(json_string_value(json_object_get(a, "patient_ward")), "12");
    assert_null(json_object_get(a, "patient_name")); /* only the contact object */
    json_t *m = json_loads(json_string_value(json_object_get(json_array_get(pubs, 0), "Message")),
                           0, NULL);
    assert_string_equal(json_string_value(json_object_get(m, "summary")), text);
    assert_null(json_object_get(m, "summary_truncated"));
    json_decref(m);
    const char *m2s = json_string_value(json_object_get(json_array_get(pubs, 1), "Message"));
    m = json_loads(m2s, 0, NULL);
    assert_non_null(m);
    assert_true(json_is_true(json_object_get(m, "summary_truncated")));
    size_t sl = json_string_length(json_object_get(m, "summary"));
    printf("sns: 300 KiB text cut to %zu bytes, message %zu bytes\n", sl, strlen(m2s));
    assert_true(strlen(m2s) <= 256 * 1024);
    assert_true(sl > 64 * 1024);
    assert_memory_equal(json_string_value(json_object_get(m, "summary")), "\xc3\xa9" "ab", 4);
    json_decref(m);
    json_decref(cap);
    peers_stop(&p);
}

/* Configuration errors are caught before anything starts. */
static void config_errors(void **state)
{
    (void)state;
    char err[512];
    static const char *const bad[][2] = {
        {"sink.type", "file,nosuch"}, {"dlq.type", "nosuch"}, {"sink.s3.sse", "DES"},
        {"sink.s3.key_template", "summaries/{date}.json"},
        {"sink.s3.key_template", "{id}/{nope}"}, {"sink.type", "file,sns"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ms_config *cfg = ms_config_new();
        set(cfg, "sink.type", "file,s3");
        set(cfg, "sink.s3.bucket", BUCKET);
        set(cfg, bad[i][0], bad[i][1]);
        assert_int_equal(ms_pipeline_check(cfg, err, sizeof err), -1);
        printf("refused %s=%s: %s\n", bad[i][0], bad[i][1], err);
        ms_config_free(cfg);
    }
    ms_config *cfg = ms_config_new();
    set(cfg, "sink.type", "s3");
    assert_int_equal(ms_pipeline_check(cfg, err, sizeof err), -1); /* no bucket */
    set(cfg, "sink.s3.bucket", BUCKET);
    assert_int_equal(ms_pipeline_check(cfg, err, sizeof err), 0);
    ms_config_free(cfg);
}

static int setup(void **state)
{
    (void)state;
    src = getenv("MS_SRC");
    if (!src)
        ms_test_skip("MS_SRC not set (run through ctest)");
    python = ms_test_system_python();
    tmp = ms_test_tmpdir("sinks-aws");
    modules = ms_test_s3rver_setup(tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (tmp && !getenv("MS_KEEP_TMP"))
        ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_errors),
        cmocka_unit_test_teardown(s3_equals_file_with_retries, stop_peers),
        cmocka_unit_test_teardown(dead_letters_to_s3, stop_peers),
        cmocka_unit_test_teardown(sns_with_s3, stop_peers),
        cmocka_unit_test_teardown(sns_direct, stop_peers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
