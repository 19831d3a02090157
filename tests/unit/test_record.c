/* test_record.c -- record formats: raw, envelope, S3 event, EventBridge,
 * and hostile JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sources/record.h"

static int dec(const char *s, size_t max, ms_record *r, const char **reason, char *msg)
{
    return ms_record_decode(s, strlen(s), max, r, reason, msg, 256);
}

static void expect_bad(const char *s, const char *want_reason)
{
    ms_record r;
    const char *reason = NULL;
    char msg[256];
    assert_int_equal(dec(s, 1 << 20, &r, &reason, msg), -1);
    assert_non_null(reason);
    assert_string_equal(reason, want_reason);
    assert_true(msg[0] != '\0');
    /* the message never quotes the record */
    assert_null(strstr(msg, "SECRET"));
    assert_null(r.id);
    assert_null(r.pdf);
}

static void test_raw(void **st)
{
    (void)st;
    ms_record r;
    const char *reason;
    char msg[256];
    const char pdf[] = "%PDF-1.4\n...";
    assert_int_equal(ms_record_decode(pdf, sizeof pdf - 1, 0, &r, &reason, msg, sizeof msg), 0);
    assert_int_equal(r.kind, MS_RECORD_RAW);
    assert_int_equal(ms_record_decode("", 0, 0, &r, &reason, msg, sizeof msg), 0);
    assert_int_equal(r.kind, MS_RECORD_RAW);
    const char bin[] = {0, '{', 1};
    assert_int_equal(ms_record_decode(bin, 3, 0, &r, &reason, msg, sizeof msg), 0);
    assert_int_equal(r.kind, MS_RECORD_RAW);
    assert_int_equal(dec("not json at all", 0, &r, &reason, msg), 0);
    assert_int_equal(r.kind, MS_RECORD_RAW);
}

static void test_envelope_base64(void **st)
{
    (void)st;
    ms_record r;
    const char *reason;
    char msg[256];
    /* "%PDF-1.7 hello" */
    const char *s = " \n{\"id\":\"rep-42\",\"patient\":{\"name\":\"A\",\"contact\":{\"sms\":\"+1555\"}},"
                    "\"pdf_base64\":\"JVBERi0xLjcgaGVsbG8=\",\"metadata\":{\"ward\":\"3B\"},"
                    "\"extra\":[1,2]}";
    assert_int_equal(dec(s, 1000, &r, &reason, msg), 0);
    assert_int_equal(r.kind, MS_RECORD_ENVELOPE);
    assert_string_equal(r.id, "rep-42");
    assert_int_equal(r.pdf_len, 14);
    assert_memory_equal(r.pdf, "%PDF-1.7 hello", 14);
    assert_string_equal(r.patient_json, "{\"name\":\"A\",\"contact\":{\"sms\":\"+1555\"}}");
    assert_string_equal(r.metadata_json, "{\"ward\":\"3B\"}");
    assert_null(r.s3_uri);
    ms_record_free(&r);
    /* the cap applies to decoded bytes */
    assert_int_equal(dec(s, 13, &r, &reason, msg), -1);
    assert_string_equal(reason, MS_RECORD_TOO_LARGE);
    assert_int_equal(dec(s, 14, &r, &reason, msg), 0);
    ms_record_free(&r);
    /* without padding, and with MIME line breaks */
    assert_int_equal(dec("{\"pdf_base64\":\"JVBERi0xLjcgaGVsbG8\"}", 0, &r, &reason, msg), 0);
    assert_int_equal(r.pdf_len, 14);
    assert_null(r.id);
    ms_record_free(&r);
    assert_int_equal(dec("{\"pdf_base64\":\"JVBERi0x\\r\\nLjcgaGVsbG8=\"}", 0, &r, &reason, msg), 0);
    assert_int_equal(r.pdf_len, 14);
    ms_record_free(&r);
}

static void test_envelope_s3_uri(void **st)
{
    (void)st;
    ms_record r;
    const char *reason;
    char msg[256];
    assert_int_equal(dec("{\"id\":\"x\",\"s3_uri\":\"s3://my-bucket/in/a b.pdf\"}", 0, &r, &reason,
                         msg), 0);
    assert_int_equal(r.kind, MS_RECORD_ENVELOPE);
    assert_string_equal(r.s3_uri, "s3://my-bucket/in/a b.pdf");
    assert_int_equal(r.nobjects, 1);
    assert_string_equal(r.objects[0].bucket, "my-bucket");
    assert_string_equal(r.objects[0].key, "in/a b.pdf");
    ms_record_free(&r);
    expect_bad("{\"s3_uri\":\"https://bucket/key\"}", MS_RECORD_BAD);
    expect_bad("{\"s3_uri\":\"s3://bucket\"}", MS_RECORD_BAD);
    expect_bad("{\"s3_uri\":\"s3:///key\"}", MS_RECORD_BAD);
    expect_bad("{\"s3_uri\":\"s3://b@d/key\"}", MS_RECORD_BAD);
}

static void test_s3_event(void **st)
{
    (void)st;
    ms_record r;
    const char *reason;
    char msg[256];
    const char *s =
        "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
        "\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"s3SchemaVersion\":\"1.0\",\"configurationId\":\"c\","
        "\"bucket\":{\"name\":\"reports\",\"arn\":\"arn:aws:s3:::reports\"},"
        "\"object\":{\"key\":\"ward+3%2Fjan/r%C3%A9sum%C3%A9+1.pdf\",\"size\":1024,\"eTag\":\"e\","
        "\"versionId\":\"v1\",\"sequencer\":\"0A\"}}}]}";
    assert_int_equal(dec(s, 0, &r, &reason, msg), 0);
    assert_int_equal(r.kind, MS_RECORD_S3_EVENT);
    assert_int_equal(r.nobjects, 1);
    assert_string_equal(r.objects[0].bucket, "reports");
    assert_string_equal(r.objects[0].key, "ward 3/jan/r\xc3\xa9sum\xc3\xa9 1.pdf");
    assert_int_equal(r.objects[0].size, 1024);
    assert_string_equal(r.objects[0].version_id, "v1");
    assert_string_equal(r.s3_uri, "s3://reports/ward 3/jan/r\xc3\xa9sum\xc3\xa9 1.pdf");
    assert_null(r.id);
    ms_record_free(&r);
    /* several objects in one event: refused, not half-processed */
    expect_bad("{\"Records\":[{\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k\"}}},"
               "{\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k2\"}}}]}",
               MS_RECORD_BAD);
    expect_bad("{\"Records\":[]}", MS_RECORD_BAD);
    expect_bad("{\"Records\":{}}", MS_RECORD_BAD);
    expect_bad("{\"Records\":[{\"s3\":{\"bucket\":{\"name\":5},\"object\":{\"key\":\"k\"}}}]}",
               MS_RECORD_BAD);
    expect_bad("{\"Records\":[{\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"a%2\"}}}]}",
               MS_RECORD_BAD);
    expect_bad("{\"Records\":[{\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"a%00b\"}}}]}",
               MS_RECORD_BAD);
    expect_bad("{\"Records\":[{\"s3\":{\"bucket\":{\"name\":\"b/../c\"},\"object\":{\"key\":\"k\"}}}]}",
               MS_RECORD_BAD);
}

static void test_eventbridge(void **st)
{
    (void)st;
    ms_record r;
    const char *reason;
    char msg[256];
    const char *s = "{\"version\":\"0\",\"id\":\"17793124\",\"detail-type\":\"Object Created\","
                    "\"source\":\"aws.s3\",\"account\":\"111122223333\",\"region\":\"ca-central-1\","
                    "\"detail\":{\"version\":\"0\",\"bucket\":{\"name\":\"reports\"},"
                    "\"object\":{\"key\":\"in/2023-08-08T14:03:40+x.pdf\",\"size\":5,"
                    "\"version-id\":\"abc\"},\"reason\":\"PutObject\"}}";
    assert_int_equal(dec(s, 0, &r, &reason, msg), 0);
    assert_int_equal(r.kind, MS_RECORD_EVENTBRIDGE);
    assert_string_equal(r.objects[0].key, "in/2023-08-08T14:03:40+x.pdf"); /* not form-decoded */
    assert_int_equal(r.objects[0].size, 5);
    assert_string_equal(r.objects[0].version_id, "abc");
    assert_null(r.id); /* the event id names the event, not the report */
    ms_record_free(&r);
    expect_bad("{\"detail-type\":\"Object Deleted\",\"source\":\"aws.s3\",\"detail\":{}}",
               MS_RECORD_BAD);
    expect_bad("{\"detail-type\":\"Object Created\",\"source\":\"aws.s3\",\"detail\":[]}",
               MS_RECORD_BAD);
}

static void test_hostile(void **st)
{
    (void)st;
    /* malformed JSON, wrong types, ambiguity */
    expect_bad("{", MS_RECORD_BAD);
    expect_bad("{\"id\":\"SECRET\",", MS_RECORD_BAD);
    expect_bad("{}", MS_RECORD_BAD);
    expect_bad("{\"id\":5,\"pdf_base64\":\"JVBE\"}", MS_RECORD_BAD);
    expect_bad("{\"id\":\"\",\"pdf_base64\":\"JVBE\"}", MS_RECORD_BAD);
    expect_bad("{\"patient\":\"SECRET\",\"pdf_base64\":\"JVBE\"}", MS_RECORD_BAD);
    expect_bad("{\"metadata\":[1],\"pdf_base64\":\"JVBE\"}", MS_RECORD_BAD);
    expect_bad("{\"pdf_base64\":\"JVBE\",\"s3_uri\":\"s3://b/k\"}", MS_RECORD_BAD);
    expect_bad("{\"pdf_base64\":12}", MS_RECORD_BAD);
    expect_bad("{\"pdf_base64\":null}", MS_RECORD_BAD);
    expect_bad("{\"s3_uri\":[\"s3://b/k\"]}", MS_RECORD_BAD);
    expect_bad("{\"id\":\"a\",\"id\":\"b\",\"pdf_base64\":\"JVBE\"}", MS_RECORD_BAD);
    /* invalid base64 */
    expect_bad("{\"pdf_base64\":\"SECRET!!\"}", MS_RECORD_BAD);
    expect_bad("{\"pdf_base64\":\"JVBE=x\"}", MS_RECORD_BAD);
    expect_bad("{\"pdf_base64\":\"JVBER\"}", MS_RECORD_BAD);
    expect_bad("{\"pdf_base64\":\"JV==\"}", MS_RECORD_BAD); /* non-canonical bits */
    expect_bad("{\"pdf_base64\":\"JVBE===\"}", MS_RECORD_BAD);
    expect_bad("{\"pdf_base64\":\"\"}", MS_RECORD_BAD);
    expect_bad("{\"pdf_base64\":\"JVBE\\u0000\"}", MS_RECORD_BAD);
    /* NULs: an escaped \u0000 and a raw NUL byte */
    expect_bad("{\"id\":\"a\\u0000b\",\"pdf_base64\":\"JVBE\"}", MS_RECORD_BAD);
    {
        const char nul[] = "{\"id\":\"a\0b\",\"pdf_base64\":\"JVBE\"}";
        ms_record r;
        const char *reason;
        char msg[256];
        assert_int_equal(ms_record_decode(nul, sizeof nul - 1, 0, &r, &reason, msg, sizeof msg), -1);
        assert_string_equal(reason, MS_RECORD_BAD);
    }
    /* deep nesting */
    {
        size_t depth = 100000;
        char *s = malloc(2 * depth + 64);
        size_t n = (size_t)sprintf(s, "{\"patient\":");
        for (size_t i = 0; i < depth; i++)
            s[n++] = '[';
        for (size_t i = 0; i < depth; i++)
            s[n++] = ']';
        n += (size_t)sprintf(s + n, ",\"pdf_base64\":\"JVBE\"}");
        s[n] = '\0';
        expect_bad(s, MS_RECORD_BAD);
        free(s);
    }
    /* a huge string: 8 MiB of base64 against a 1 MiB cap, refused before decoding */
    {
        size_t big = 8u << 20;
        char *s = malloc(big + 64);
        size_t n = (size_t)sprintf(s, "{\"pdf_base64\":\"");
        memset(s + n, 'A', big);
        n += big;
        n += (size_t)sprintf(s + n, "\"}");
        ms_record r;
        const char *reason;
        char msg[256];
        assert_int_equal(ms_record_decode(s, n, 1 << 20, &r, &reason, msg, sizeof msg), -1);
        assert_string_equal(reason, MS_RECORD_TOO_LARGE);
        free(s);
    }
}

static void test_base64(void **st)
{
    (void)st;
    unsigned char out[16];
    assert_int_equal(ms_record_base64_decode("", 0, out), 0);
    assert_int_equal(ms_record_base64_decode("Zg==", 4, out), 1);
    assert_int_equal(out[0], 'f');
    assert_int_equal(ms_record_base64_decode("Zm8=", 4, out), 2);
    assert_int_equal(ms_record_base64_decode("Zm9v", 4, out), 3);
    assert_memory_equal(out, "foo", 3);
    assert_int_equal(ms_record_base64_decode("Zm9vYg", 6, out), 4);
    assert_int_equal(ms_record_base64_decode("Zm9v-_", 6, out), -1); /* base64url is not accepted */
    assert_int_equal(ms_record_base64_decode("Zh==", 4, out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw),          cmocka_unit_test(test_envelope_base64),
        cmocka_unit_test(test_envelope_s3_uri), cmocka_unit_test(test_s3_event),
        cmocka_unit_test(test_eventbridge),  cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
