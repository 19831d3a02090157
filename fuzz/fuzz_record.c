/* fuzz_record.c -- the record decoder (sources/record.c): raw bytes, JSON
 * envelopes, S3 and EventBridge events, base64 and s3:// URIs. */
#include "fuzz.h"

#include <string.h>

#include "core/doc.h"
#include "sources/record.h"

#define MAX_PDF 65536

static void check_decoded(const ms_record *r, const uint8_t *data, size_t size)
{
    switch (r->kind) {
    case MS_RECORD_RAW:
        MS_FUZZ_CHECK(!r->id && !r->pdf && !r->s3_uri && r->nobjects == 0);
        break;
    case MS_RECORD_ENVELOPE:
        /* exactly one of the PDF and the S3 URI */
        MS_FUZZ_CHECK((r->pdf != NULL) != (r->s3_uri != NULL));
        MS_FUZZ_CHECK(r->pdf_len <= MAX_PDF);
        break;
    case MS_RECORD_S3_EVENT:
    case MS_RECORD_EVENTBRIDGE:
        MS_FUZZ_CHECK(r->nobjects == 1 && r->objects);
        MS_FUZZ_CHECK(r->objects[0].bucket && r->objects[0].key);
        break;
    default:
        MS_FUZZ_CHECK(!"unknown kind");
    }
    if (r->s3_uri) {
        char *bucket = NULL, *key = NULL;
        if (ms_record_parse_s3_uri(r->s3_uri, &bucket, &key) == 0)
            MS_FUZZ_CHECK(bucket && key);
        free(bucket);
        free(key);
    }
    (void)data;
    (void)size;
}

MS_FUZZ_TARGET(record)
{
    ms_record r;
    const char *reason = NULL;
    char msg[200];
    if (ms_record_decode(data, size, MAX_PDF, &r, &reason, msg, sizeof msg) == 0) {
        check_decoded(&r, data, size);
        ms_record_free(&r);
    } else {
        MS_FUZZ_CHECK(reason && memchr(msg, '\0', sizeof msg));
        MS_FUZZ_CHECK(!strcmp(reason, MS_RECORD_BAD) || !strcmp(reason, MS_RECORD_TOO_LARGE) ||
                      !strcmp(reason, "out_of_memory"));
    }

    /* What a source does with it: a doc that holds the input or failed. */
    ms_doc *doc = ms_doc_new();
    if (!doc)
        abort();
    if (ms_record_fill_doc(doc, data, size, MAX_PDF) == 0)
        MS_FUZZ_CHECK(!doc->reason && (doc->input || doc->s3_uri));
    else
        MS_FUZZ_CHECK(doc->reason != NULL);
    ms_doc_free(doc);

    /* The helpers on their own: base64 stays within its bound, any URI. */
    unsigned char *out = malloc(3 * (size / 4) + 3);
    if (!out)
        abort();
    long n = ms_record_base64_decode((const char *)data, size, out);
    MS_FUZZ_CHECK(n >= -1 && (n < 0 || (size_t)n <= 3 * (size / 4) + 3));
    free(out);
    char *s = ms_fuzz_strdup(data, size);
    char *bucket = NULL, *key = NULL;
    if (ms_record_parse_s3_uri(s, &bucket, &key) == 0)
        MS_FUZZ_CHECK(bucket && key && strlen(bucket) + strlen(key) <= size);
    free(bucket);
    free(key);
    free(s);
    return 0;
}
