/* test_s3_event.c -- records that name their report by S3 object, end to
 * end: a PDF uploaded to s3rver (npm, installed by this test into the build
 * directory) with boto3 (Debian's python3, path style), then S3 event
 * notifications, an EventBridge event and envelopes produced onto
 * librdkafka's mock cluster; the engine fetches each object with GetObject
 * and writes a summary. Also: an envelope with pdf_base64, a malformed
 * envelope (dead letter bad_envelope) and a missing object (dead letter
 * s3_not_found, NoSuchKey). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "plugins.h"
#include "base/config.h"
#include "core/engine.h"
#include "kafka/kafka_mock.h"
#include "pdfgen.h"
#include "harness.h"
#include "testutil.h"

#define BUCKET "reports-in"
#define TOPIC "reports"
#define KEY "ward 3/jan/report 1.pdf"         /* as stored */
#define KEY_EVENT "ward+3/jan/report+1.pdf"   /* as S3 events encode it */

static const char *src, *python;
static const char *modules;   /* s3rver's node_modules, for the whole run */
static char *tmp;
static int s3_pid = -1, s3_port;
static char s3_url[64];
static char *pdf_path;

static char *s3_event(const char *bucket, const char *key, long size)
{
    char *s = malloc(2048);
    snprintf(s, 2048,
             "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\","
             "\"awsRegion\":\"us-east-1\",\"eventTime\":\"2026-01-01T00:00:00.000Z\","
             "\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"s3SchemaVersion\":\"1.0\","
             "\"configurationId\":\"reports\",\"bucket\":{\"name\":\"%s\","
             "\"arn\":\"arn:aws:s3:::%s\"},\"object\":{\"key\":\"%s\",\"size\":%ld,"
             "\"eTag\":\"0\",\"sequencer\":\"0\"}}}]}",
             bucket, bucket, key, size);
    return s;
}

static char *b64(const unsigned char *d, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc(4 * (n / 3 + 1) + 1), *p = o;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        *p++ = t[v >> 18];
        *p++ = t[(v >> 12) & 63];
        *p++ = i + 1 < n ? t[(v >> 6) & 63] : '=';
        *p++ = i + 2 < n ? t[v & 63] : '=';
    }
    *p = '\0';
    return o;
}

static json_t *load(const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

static void check_summary(const char *out, const char *id, const char *label, bool fetched)
{
    json_t *j = load(out, id);
    assert_string_equal(json_string_value(json_object_get(j, "id")), id);
    json_t *srcj = json_object_get(j, "source");
    assert_string_equal(json_string_value(json_object_get(srcj, "label")), label);
    assert_true(json_integer_value(json_object_get(j, "pages")) >= 1);
    /* the report's words made it through: lisinopril is a finding */
    char *dump = json_dumps(json_object_get(j, "findings"), 0);
    assert_non_null(strstr(dump, "lisinopril"));
    free(dump);
    json_t *t = json_object_get(j, "timings_ms");
    assert_non_null(json_object_get(t, "parse"));
    if (fetched)
        assert_non_null(json_object_get(t, "fetch"));
    else
        assert_null(json_object_get(t, "fetch"));
    json_decref(j);
}

static void check_dead(const char *out, const char *id, const char *reason, const char *stage,
                       const char *in_message)
{
    char dl[1100];
    snprintf(dl, sizeof dl, "%s/dead-letter", out);
    json_t *j = load(dl, id);
    assert_string_equal(json_string_value(json_object_get(j, "reason")), reason);
    assert_string_equal(json_string_value(json_object_get(j, "stage")), stage);
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (!strstr(msg, in_message))
        fail_msg("%s: message '%s' lacks '%s'", id, msg, in_message);
    /* object keys never appear in messages */
    assert_null(strstr(msg, "ward"));
    json_decref(j);
}

static void s3_records_end_to_end(void **state)
{
    (void)state;
    char err[1024];
    size_t pdf_len;
    unsigned char *pdf = (unsigned char *)ms_test_read_file(pdf_path, &pdf_len);
    assert_non_null(pdf);

    /* Upload with boto3, an independent S3 client, path style. */
    assert_int_equal(ms_test_run("'%s' -c \"import boto3, botocore.config as c, sys; "
                         "boto3.client('s3', endpoint_url='%s', region_name='us-east-1', "
                         "config=c.Config(s3={'addressing_style': 'path'}))"
                         ".upload_file(sys.argv[1], '%s', sys.argv[2])\" '%s' '%s'",
                         python, s3_url, BUCKET, pdf_path, KEY), 0);

    ms_kafka_mock *mock = ms_kafka_mock_new(1, err, sizeof err);
    assert_non_null(mock);
    assert_int_equal(ms_kafka_mock_create_topic(mock, TOPIC, 1), 0);
    ms_kafka_producer *prod = ms_kafka_producer_new(ms_kafka_mock_bootstraps(mock), err, sizeof err);
    assert_non_null(prod);

    char *recs[7];
    recs[0] = s3_event(BUCKET, KEY_EVENT, (long)pdf_len);                /* offset 0 */
    char *pb = b64(pdf, pdf_len);
    recs[1] = malloc(strlen(pb) + 256);                                  /* offset 1 */
    sprintf(recs[1], "{\"id\":\"env-7\",\"patient\":{\"name\":\"Test Patient\","
                     "\"contact\":{\"email\":\"p@example.org\"}},\"pdf_base64\":\"%s\","
                     "\"metadata\":{\"ward\":\"3B\"}}", pb);
    free(pb);
    recs[2] = strdup("{\"id\":7,\"pdf_base64\":\"JVBERi0x\"}");       /* offset 2 */
    recs[3] = s3_event(BUCKET, "ward+3/missing.pdf", 10);                /* offset 3 */
    recs[4] = malloc(1024);                                              /* offset 4 */
    snprintf(recs[4], 1024,
             "{\"version\":\"0\",\"id\":\"e1\",\"detail-type\":\"Object Created\","
             "\"source\":\"aws.s3\",\"account\":\"111122223333\",\"region\":\"us-east-1\","
             "\"resources\":[],\"detail\":{\"version\":\"0\",\"bucket\":{\"name\":\"%s\"},"
             "\"object\":{\"key\":\"%s\",\"size\":%zu},\"reason\":\"PutObject\"}}",
             BUCKET, KEY, pdf_len);
    recs[5] = malloc(512);                                               /* offset 5 */
    snprintf(recs[5], 512, "{\"id\":\"by-uri\",\"s3_uri\":\"s3://%s/%s\"}", BUCKET, KEY);
    recs[6] = s3_event("no-such-bucket", "x.pdf", 10);                   /* offset 6 */
    for (int i = 0; i < 7; i++) {
        assert_int_equal(ms_kafka_producer_send(prod, TOPIC, 0, recs[i], strlen(recs[i]), NULL), 0);
        free(recs[i]);
    }
    assert_int_equal(ms_kafka_producer_flush(prod, 30000), 0);

    ms_config *cfg = ms_config_new();
    char out[1024];
    snprintf(out, sizeof out, "%s/out", tmp);
    const char *kv[][2] = {
        {"source.type", "kafka"}, {"source.topics", TOPIC},
        {"kafka.bootstrap.servers", ms_kafka_mock_bootstraps(mock)},
        {"kafka.group.id", "s3-event"}, {"engine.workers", "2"},
        {"sink.file.dir", out}, {"sink.file.fsync", "false"}, {"log.level", "warn"},
        {"source.s3.endpoint", s3_url}, {"source.s3.path_style", "true"},
        {"kafka.session.timeout.ms", "6000"}, {"http.listen", "off"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (ms_config_set(cfg, kv[i][0], kv[i][1], "test", err, sizeof err) != 0)
            fail_msg("%s: %s", kv[i][0], err);
    ms_test_record rec = {0};
    ms_engine_totals t = ms_test_pipeline_run(cfg, &(ms_test_run_opts){.once = true, .rec = &rec});
    ms_config_free(cfg);
    printf("delivered %llu, dead letters %llu\n", (unsigned long long)t.delivered,
           (unsigned long long)t.dead_letters);
    assert_int_equal(t.delivered, 4);
    assert_int_equal(t.dead_letters, 3);
    assert_int_equal(rec.n, 7);

    check_summary(out, TOPIC "-0-0", TOPIC "/0/0", true);   /* S3 event: named by position */
    check_summary(out, "env-7", TOPIC "/0/1", false);       /* envelope: its own id */
    check_dead(out, TOPIC "-0-2", "bad_envelope", "source", "id must be a string");
    check_dead(out, TOPIC "-0-3", "s3_not_found", "fetch", "NoSuchKey");
    check_summary(out, TOPIC "-0-4", TOPIC "/0/4", true);   /* EventBridge */
    check_summary(out, "by-uri", TOPIC "/0/5", true);       /* envelope with s3_uri */
    check_dead(out, TOPIC "-0-6", "s3_not_found", "fetch", "NoSuchBucket");
    assert_int_equal(ms_test_record_count(&rec, "env-7"), 1);

    ms_test_record_free(&rec);
    ms_kafka_producer_free(prod);
    ms_kafka_mock_free(mock);
    free(pdf);
}

static int setup(void **state)
{
    (void)state;
    src = getenv("MS_SRC");
    if (!src)
        ms_test_skip("MS_SRC is not set (run through ctest)");
    python = ms_test_system_python();
    tmp = ms_test_tmpdir("s3-event");
    modules = ms_test_s3rver_setup(tmp);

    char script[1024], data[1100];
    snprintf(script, sizeof script, "%s/tests/support/s3rver_run.js", src);
    snprintf(data, sizeof data, "%s/s3data", tmp);
    char *argv[] = {"node", script, (char *)modules, data, BUCKET, NULL};
    s3_port = ms_test_peer_start(argv, &s3_pid);
    if (s3_port <= 0)
        return -1;
    snprintf(s3_url, sizeof s3_url, "http://127.0.0.1:%d", s3_port);

    const char *text = "Discharge summary\n\nThe patient was seen today for follow up of "
                       "hypertension.\nBlood pressure 132/84. Continue lisinopril 10 mg daily.\n";
    pdf_path = ms_test_path(tmp, "report.pdf");
    char err[512];
    ms_pdfgen_opts o = {0};
    return ms_pdfgen_write(pdf_path, text, strlen(text), &o, err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    if (s3_pid > 0)
        ms_test_peer_stop(s3_pid);
    if (tmp && !getenv("MS_KEEP_TMP"))
        ms_test_rm_rf(tmp);
    free(tmp);
    free(pdf_path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(s3_records_end_to_end),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
