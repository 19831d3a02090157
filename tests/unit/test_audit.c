/* test_audit.c -- the audit trail (telemetry/audit.h): the record's fields
 * and what it must never hold (canary strings planted in every field of a
 * doc that carries document text or patient data), where it goes by
 * audit.type / audit.path, the writer (mode, append, sync only when dirty,
 * failures), and the engine's rule: with a trail that cannot be written
 * nothing is committed and the run fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins.h"
#include "pipeline.h"
#include "base/config.h"
#include "base/metrics.h"
#include "core/doc.h"
#include "core/engine.h"
#include "telemetry/audit.h"
#include "testutil.h"

#define CANARY "Zorblatt-Canary-4471"

static char *tmp;

/* A doc as the sinks leave it, with the canary wherever text or patient
 * data can sit. */
static ms_doc *planted_doc(void)
{
    ms_doc *d = ms_doc_new();
    ms_doc_set_id(d, "rep-17");
    snprintf(d->pos.label, sizeof d->pos.label, "reports/2/41");
    d->pos.partition = 2;
    d->pos.offset = 41;
    d->input_size = 12345;
    snprintf(d->input_sha256, sizeof d->input_sha256, "%064d", 7);
    d->patient_json = strdup("{\"name\":\"" CANARY "\",\"mrn\":\"" CANARY "\"}");
    d->metadata_json = strdup("{\"note\":\"" CANARY "\"}");
    d->text = strdup("Patient " CANARY " has hypertension.");
    d->text_len = strlen(d->text);
    d->output = strdup("{\"patient_summary\":\"" CANARY "\"}");
    d->output_len = strlen(d->output);
    d->summary.patient_text = strdup(CANARY);
    d->extract_engine = "comprehend";
    d->billing[0] = (ms_doc_billing){.op = "DetectEntitiesV2", .requests = 3, .characters = 2500,
                                     .billed_units = 26, .cache_hits = 1};
    snprintf(d->billing[0].access_key_id, sizeof d->billing[0].access_key_id, "AKIAEXAMPLE1");
    d->s3_uri = strdup("s3://inbox/rep-17.pdf");
    ms_doc_add_destination(d, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "sink", "s3",
                                        "operation", "PutObject", "bucket", "b", "key",
                                        "summaries/rep-17.json", "version_id", "v1",
                                        "access_key_id", "AKIAEXAMPLE2"));
    /* A retry that wrote the same thing again is recorded once. */
    ms_doc_add_destination(d, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "sink", "s3",
                                        "operation", "PutObject", "bucket", "b", "key",
                                        "summaries/rep-17.json", "version_id", "v1",
                                        "access_key_id", "AKIAEXAMPLE2"));
    ms_doc_add_destination(d, json_pack("{s:s, s:s, s:s, s:s, s:s}", "sink", "sns", "operation",
                                        "Publish", "topic_arn", "arn:t", "message_id", "m-9",
                                        "access_key_id", "AKIAEXAMPLE1"));
    return d;
}

static json_t *render(const ms_doc *d, char **line)
{
    /* 2025-12-07T05:20:01.123Z; admitted 1.5 s earlier. */
    *line = ms_audit_render(d, 1765084801123LL, d->admitted_ns + 1500000000ULL);
    assert_non_null(*line);
    size_t n = strlen(*line);
    assert_true(n > 2 && (*line)[n - 1] == '\n');
    assert_null(memchr(*line, '\n', n - 1)); /* one line */
    json_t *j = json_loads(*line, 0, NULL);
    assert_non_null(j);
    return j;
}

static void record_fields(void **state)
{
    (void)state;
    ms_doc *d = planted_doc();
    d->admitted_ns = 1000;
    char *line;
    json_t *j = render(d, &line);
    assert_null(strstr(line, CANARY));
    assert_null(strstr(line, "hypertension"));
    assert_string_equal(json_string_value(json_object_get(j, "schema")), MS_AUDIT_SCHEMA);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "rep-17");
    assert_string_equal(json_string_value(json_object_get(j, "outcome")), "delivered");
    assert_true(json_is_null(json_object_get(j, "reason")));
    json_t *src = json_object_get(j, "source");
    assert_string_equal(json_string_value(json_object_get(src, "label")), "reports/2/41");
    assert_int_equal(json_integer_value(json_object_get(src, "offset")), 41);
    json_t *in = json_object_get(j, "input");
    assert_string_equal(json_string_value(json_object_get(in, "sha256")), d->input_sha256);
    assert_int_equal(json_integer_value(json_object_get(in, "bytes")), 12345);
    assert_string_equal(json_string_value(json_object_get(in, "s3_uri")), "s3://inbox/rep-17.pdf");
    assert_string_equal(json_string_value(json_object_get(j, "admitted_at")),
                        "2025-12-07T05:19:59.623Z");
    assert_string_equal(json_string_value(json_object_get(j, "delivered_at")),
                        "2025-12-07T05:20:01.123Z");
    assert_string_equal(json_string_value(json_object_get(j, "engine")), "comprehend");
    json_t *ops = json_object_get(j, "aws_operations");
    assert_int_equal(json_array_size(ops), 4); /* DetectEntitiesV2, GetObject, PutObject, Publish */
    json_t *cm = json_array_get(ops, 0);
    assert_string_equal(json_string_value(json_object_get(cm, "operation")), "DetectEntitiesV2");
    assert_int_equal(json_integer_value(json_object_get(cm, "billed_units")), 26);
    assert_int_equal(json_integer_value(json_object_get(cm, "characters")), 2500);
    assert_int_equal(json_integer_value(json_object_get(cm, "cache_hits")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ops, 1), "operation")),
                        "GetObject");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ops, 2), "requests")), 1);
    json_t *ids = json_object_get(json_object_get(j, "principal"), "access_key_ids");
    assert_int_equal(json_array_size(ids), 2); /* distinct */
    assert_string_equal(json_string_value(json_array_get(ids, 0)), "AKIAEXAMPLE1");
    assert_string_equal(json_string_value(json_array_get(ids, 1)), "AKIAEXAMPLE2");
    json_t *dests = json_object_get(j, "destinations");
    assert_int_equal(json_array_size(dests), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(dests, 1), "message_id")),
                        "m-9");
    json_decref(j);
    free(line);
    ms_doc_free(d);
}

static void dead_letter_record(void **state)
{
    (void)state;
    ms_doc *d = planted_doc();
    ms_doc_fail(d, "parse", "not_pdf", "first bytes: %s", CANARY);
    char *line;
    json_t *j = render(d, &line);
    assert_null(strstr(line, CANARY)); /* the free-text message stays out */
    assert_string_equal(json_string_value(json_object_get(j, "outcome")), "dead_letter");
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "not_pdf");
    assert_string_equal(json_string_value(json_object_get(j, "failed_stage")), "parse");
    json_decref(j);
    free(line);
    ms_doc_free(d);
    /* Never read: no digest, no engine, no destinations. */
    d = ms_doc_new();
    ms_doc_set_id(d, "x");
    j = render(d, &line);
    assert_true(json_is_null(json_object_get(json_object_get(j, "input"), "sha256")));
    assert_true(json_is_null(json_object_get(j, "engine")));
    assert_int_equal(json_array_size(json_object_get(j, "destinations")), 0);
    json_decref(j);
    free(line);
    ms_doc_free(d);
}

static void set(ms_config *cfg, const char *k, const char *v)
{
    char err[512];
    if (ms_config_set(cfg, k, v, "test", err, sizeof err) != 0)
        fail_msg("%s=%s: %s", k, v, err);
}

static void target(const char *const kv[][2], int n, ms_audit_kind want, const char *want_path)
{
    ms_config *cfg = ms_config_new();
    for (int i = 0; i < n; i++)
        set(cfg, kv[i][0], kv[i][1]);
    ms_audit_kind kind;
    char path[4096], err[256];
    assert_int_equal(ms_audit_target(cfg, &kind, path, sizeof path, err, sizeof err), 0);
    assert_int_equal(kind, want);
    assert_string_equal(path, want_path);
    ms_config_free(cfg);
}

static void targets(void **state)
{
    (void)state;
    /* Defaults: file sink to ./out, so beside it. */
    target(NULL, 0, MS_AUDIT_FILE, "./out.audit.jsonl");
    target((const char *const[][2]){{"sink.file.dir", "/var/lib/ms/summaries/"}}, 1,
           MS_AUDIT_FILE, "/var/lib/ms/summaries.audit.jsonl");
    target((const char *const[][2]){{"sink.file.dir", "."}}, 1, MS_AUDIT_FILE, "./audit.jsonl");
    /* No file sink: stdout (containers), unless a path is given. */
    target((const char *const[][2]){{"sink.type", "s3,sns"}}, 1, MS_AUDIT_STDOUT, "");
    target((const char *const[][2]){{"sink.type", "s3"}, {"dlq.type", "file"}}, 2, MS_AUDIT_FILE,
           "./out.audit.jsonl");
    target((const char *const[][2]){{"sink.type", "s3"}, {"audit.path", "/a/t.jsonl"}}, 2,
           MS_AUDIT_FILE, "/a/t.jsonl");
    target((const char *const[][2]){{"audit.type", "stdout"}}, 1, MS_AUDIT_STDOUT, "");
    target((const char *const[][2]){{"audit.type", "off"}}, 1, MS_AUDIT_OFF, "");
    target((const char *const[][2]){{"sink.type", "s3"}, {"audit.type", "file"}}, 2,
           MS_AUDIT_FILE, "./out.audit.jsonl");
}

static void writer(void **state)
{
    (void)state;
    char *path = ms_test_path(tmp, "sub/dir/audit.jsonl");
    char err[512];
    mode_t old = umask(022);
    ms_audit_writer *w = ms_audit_writer_open(path, 0600, err, sizeof err);
    assert_non_null(w);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(ms_audit_writer_sync(w), 0); /* nothing appended: no sync */
    assert_int_equal(ms_audit_writer_syncs(w), 0);
    assert_int_equal(ms_audit_writer_append(w, "a\n", 2), 0);
    assert_int_equal(ms_audit_writer_append(w, "b\n", 2), 0);
    assert_int_equal(ms_audit_writer_sync(w), 0);
    assert_int_equal(ms_audit_writer_sync(w), 0);
    assert_int_equal(ms_audit_writer_syncs(w), 1); /* one per batch */
    assert_int_equal(ms_audit_writer_records(w), 2);
    ms_audit_writer_close(w);
    /* Reopened: appended, never truncated; a widened mode is put back. */
    assert_int_equal(chmod(path, 0644), 0);
    w = ms_audit_writer_open(path, 0600, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(ms_audit_writer_append(w, "c\n", 2), 0);
    ms_audit_writer_close(w);
    size_t n;
    char *got = ms_test_read_file(path, &n);
    assert_string_equal(got, "a\nb\nc\n");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(got);
    umask(old);
    /* A device cannot be synced (counts as synced); a full disk fails. */
    w = ms_audit_writer_open("/dev/full", 0600, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(ms_audit_writer_append(w, "x\n", 2), -1);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(ms_audit_writer_sync(w), 0);
    ms_audit_writer_close(w);
    assert_int_equal(stat("/dev/full", &st), 0);
    assert_true(S_ISCHR(st.st_mode) && (st.st_mode & 0666) == 0666); /* left alone */
    /* An unopenable path names the key. */
    assert_null(ms_audit_writer_open("/proc/no/such/audit.jsonl", 0600, err, sizeof err));
    assert_non_null(strstr(err, "audit.path"));
    free(path);
}

/* A dir -> file run with the trail in path: exit code, files committed
 * (moved to done) and records written. */
static int run_dir(const char *tag, const char *audit_path, int *committed)
{
    char *in = ms_test_path(tmp, tag), name[64];
    mkdir(in, 0700);
    assert_int_equal(ms_test_make_samples(in), 0);
    snprintf(name, sizeof name, "%s-done", tag);
    char *done = ms_test_path(tmp, name);
    snprintf(name, sizeof name, "%s-out", tag);
    char *out = ms_test_path(tmp, name);
    mkdir(done, 0700);
    ms_config *cfg = ms_config_new();
    set(cfg, "source.path", in);
    set(cfg, "source.done_dir", done);
    set(cfg, "sink.file.dir", out);
    set(cfg, "sink.file.fsync", "false");
    set(cfg, "engine.workers", "1");
    set(cfg, "log.level", "error");
    set(cfg, "http.listen", "off");
    set(cfg, "audit.path", audit_path);
    char err[512];
    ms_engine *e = ms_pipeline_build(cfg, err, sizeof err);
    assert_non_null(e);
    ms_engine_set_once(e, true);
    int rc = ms_engine_run(e);
    ms_engine_free(e);
    ms_config_free(cfg);
    *committed = ms_test_count_files(done, ".pdf");
    free(in);
    free(done);
    free(out);
    return rc;
}

static void engine_commits_only_audited(void **state)
{
    (void)state;
    ms_metrics_reset();
    char *path = ms_test_path(tmp, "run.audit.jsonl");
    int committed;
    assert_int_equal(run_dir("ok", path, &committed), 0);
    assert_true(committed > 0);
    size_t n;
    char *got = ms_test_read_file(path, &n);
    assert_non_null(got);
    int lines = 0;
    for (char *p = got; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, committed);
    assert_int_equal(ms_metric_count(ms_counter("medstream_audit_records_total", NULL, "")),
                     committed);
    free(got);
    /* A trail that cannot be written: nothing committed, exit 1. */
    assert_int_equal(run_dir("full", "/dev/full", &committed), 1);
    assert_int_equal(committed, 0);
    free(path);
}

int main(void)
{
    tmp = ms_test_tmpdir("audit");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_fields),
        cmocka_unit_test(dead_letter_record),
        cmocka_unit_test(targets),
        cmocka_unit_test(writer),
        cmocka_unit_test(engine_commits_only_audited),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ms_test_rm_rf(tmp);
    free(tmp);
    return rc;
}
