/* record.c -- decode a stream record: raw PDF, JSON envelope, S3 event
 * notification or EventBridge "Object Created" event. See record.h. */
#include "sources/record.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/doc.h"

void ms_record_free(ms_record *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->patient_json);
    free(r->metadata_json);
    free(r->pdf);
    free(r->s3_uri);
    for (size_t i = 0; i < r->nobjects; i++) {
        free(r->objects[i].bucket);
        free(r->objects[i].key);
        free(r->objects[i].version_id);
    }
    free(r->objects);
    memset(r, 0, sizeof *r);
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long ms_record_base64_decode(const char *in, size_t len, unsigned char *out)
{
    unsigned acc = 0;
    int nbits = 0, pad = 0;
    size_t o = 0, nsym = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r' || c == '\n')
            continue; /* MIME-style line breaks */
        if (c == '=') {
            pad++;
            if (pad > 2)
                return -1;
            continue;
        }
        if (pad)
            return -1; /* data after padding */
        int v = b64val(c);
        if (v < 0)
            return -1;
        nsym++;
        acc = (acc << 6) | (unsigned)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out[o++] = (unsigned char)(acc >> nbits);
            acc &= (1u << nbits) - 1;
        }
    }
    if (nsym % 4 == 1)
        return -1; /* a lone symbol cannot encode a byte */
    if (pad && (nsym + (size_t)pad) % 4 != 0)
        return -1;
    if (acc != 0)
        return -1; /* non-canonical trailing bits */
    return (long)o;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* S3 event keys are form-encoded: '+' is a space, %XX a byte. NULL when
 * malformed or when it would decode to a NUL. */
static char *url_decode(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            d[o++] = ' ';
        } else if (s[i] == '%') {
            int a = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int b = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            int h = a >= 0 && b >= 0 ? a * 16 + b : -1;
            if (h <= 0) {
                free(d);
                return NULL;
            }
            d[o++] = (char)h;
            i += 2;
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = '\0';
    return d;
}

static int fail(const char **reason, const char *code, char *msg, size_t msglen,
                const char *text)
{
    *reason = code;
    snprintf(msg, msglen, "%s", text);
    return -1;
}

/* Key names are ours; values never reach the message. */
#define BAD(text) fail(reason, MS_RECORD_BAD, msg, msglen, text)

static int add_object(ms_record *r, const char *bucket, const char *key, int64_t size,
                      const char *version)
{
    ms_record_object *o = realloc(r->objects, (r->nobjects + 1) * sizeof *o);
    if (!o)
        return -1;
    r->objects = o;
    ms_record_object *x = &o[r->nobjects];
    memset(x, 0, sizeof *x);
    x->size = size;
    x->bucket = dupstr(bucket);
    x->key = dupstr(key);
    x->version_id = version ? dupstr(version) : NULL;
    r->nobjects++;
    if (!x->bucket || !x->key || (version && !x->version_id))
        return -1;
    return 0;
}

/* Bucket names: 3..63 of [a-z0-9.-] (the legacy rules also allow upper
 * case and '_'; accept those, reject anything that cannot be a host/path). */
static int bucket_ok(const char *b)
{
    size_t n = strlen(b);
    if (n < 1 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static int key_ok(const char *k)
{
    size_t n = strlen(k);
    return n >= 1 && n <= 1024;
}

int ms_record_parse_s3_uri(const char *uri, char **bucket, char **key)
{
    *bucket = *key = NULL;
    if (strncmp(uri, "s3://", 5) != 0)
        return -1;
    const char *b = uri + 5;
    const char *slash = strchr(b, '/');
    if (!slash || slash == b || !key_ok(slash + 1))
        return -1;
    *bucket = strndup(b, (size_t)(slash - b));
    *key = dupstr(slash + 1);
    if (!*bucket || !*key || !bucket_ok(*bucket)) {
        free(*bucket);
        free(*key);
        *bucket = *key = NULL;
        return -1;
    }
    return 0;
}

static int set_uri(ms_record *r)
{
    const ms_record_object *o = &r->objects[0];
    size_t n = 5 + strlen(o->bucket) + 1 + strlen(o->key) + 1;
    r->s3_uri = malloc(n);
    if (!r->s3_uri)
        return -1;
    snprintf(r->s3_uri, n, "s3://%s/%s", o->bucket, o->key);
    return 0;
}

static int64_t size_of(json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (int64_t)json_integer_value(v)
                                                             : -1;
}

static int decode_s3_event(json_t *root, ms_record *r, const char **reason, char *msg,
                           size_t msglen)
{
    json_t *recs = json_object_get(root, "Records");
    if (!json_is_array(recs) || json_array_size(recs) == 0)
        return BAD("S3 event: Records must be a non-empty array");
    if (json_array_size(recs) > 1)
        return BAD("S3 event with several Records: one object per record is supported");
    json_t *s3 = json_object_get(json_array_get(recs, 0), "s3");
    json_t *b = json_object_get(json_object_get(s3, "bucket"), "name");
    json_t *obj = json_object_get(s3, "object");
    json_t *k = json_object_get(obj, "key");
    json_t *ver = json_object_get(obj, "versionId");
    if (!json_is_string(b) || !json_is_string(k))
        return BAD("S3 event: Records[0].s3 needs bucket.name and object.key strings");
    if (ver && !json_is_string(ver) && !json_is_null(ver))
        return BAD("S3 event: object.versionId must be a string");
    if (!bucket_ok(json_string_value(b)))
        return BAD("S3 event: invalid bucket name");
    char *key = url_decode(json_string_value(k));
    if (!key || !key_ok(key)) {
        free(key);
        return BAD("S3 event: invalid object key encoding");
    }
    r->kind = MS_RECORD_S3_EVENT;
    int rc = add_object(r, json_string_value(b), key, size_of(json_object_get(obj, "size")),
                        json_string_value(ver));
    free(key);
    if (rc != 0 || set_uri(r) != 0)
        return fail(reason, "out_of_memory", msg, msglen, "out of memory");
    return 0;
}

static int decode_eventbridge(json_t *root, ms_record *r, const char **reason, char *msg,
                              size_t msglen)
{
    const char *type = json_string_value(json_object_get(root, "detail-type"));
    const char *src = json_string_value(json_object_get(root, "source"));
    if (!type || !src || strcmp(type, "Object Created") != 0 || strcmp(src, "aws.s3") != 0)
        return BAD("EventBridge event: only aws.s3 \"Object Created\" is accepted");
    json_t *d = json_object_get(root, "detail");
    json_t *b = json_object_get(json_object_get(d, "bucket"), "name");
    json_t *obj = json_object_get(d, "object");
    json_t *k = json_object_get(obj, "key");
    json_t *ver = json_object_get(obj, "version-id");
    if (!json_is_string(b) || !json_is_string(k))
        return BAD("EventBridge event: detail needs bucket.name and object.key strings");
    if (ver && !json_is_string(ver))
        return BAD("EventBridge event: object.version-id must be a string");
    /* EventBridge carries keys as they are (not form-encoded). */
    if (!bucket_ok(json_string_value(b)) || !key_ok(json_string_value(k)))
        return BAD("EventBridge event: invalid bucket name or object key");
    r->kind = MS_RECORD_EVENTBRIDGE;
    if (add_object(r, json_string_value(b), json_string_value(k),
                   size_of(json_object_get(obj, "size")), json_string_value(ver)) != 0 ||
        set_uri(r) != 0)
        return fail(reason, "out_of_memory", msg, msglen, "out of memory");
    return 0;
}

static char *dump_object(json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static int decode_envelope(json_t *root, size_t max_bytes, ms_record *r, const char **reason,
                           char *msg, size_t msglen)
{
    json_t *id = json_object_get(root, "id");
    json_t *patient = json_object_get(root, "patient");
    json_t *meta = json_object_get(root, "metadata");
    json_t *pdf = json_object_get(root, "pdf_base64");
    json_t *uri = json_object_get(root, "s3_uri");
    if (id && !json_is_string(id))
        return BAD("envelope: id must be a string");
    if (id && (json_string_length(id) == 0 || json_string_length(id) > 200))
        return BAD("envelope: id must be 1..200 characters");
    if (patient && !json_is_object(patient) && !json_is_null(patient))
        return BAD("envelope: patient must be an object");
    if (meta && !json_is_object(meta) && !json_is_null(meta))
        return BAD("envelope: metadata must be an object");
    if ((pdf != NULL) == (uri != NULL))
        return BAD("envelope: exactly one of pdf_base64 and s3_uri is required");
    r->kind = MS_RECORD_ENVELOPE;
    if ((id && !(r->id = dupstr(json_string_value(id)))) ||
        (json_is_object(patient) && !(r->patient_json = dump_object(patient))) ||
        (json_is_object(meta) && !(r->metadata_json = dump_object(meta))))
        return fail(reason, "out_of_memory", msg, msglen, "out of memory");
    if (uri) {
        char *b = NULL, *k = NULL;
        if (!json_is_string(uri) || ms_record_parse_s3_uri(json_string_value(uri), &b, &k) != 0)
            return BAD("envelope: s3_uri must be s3://bucket/key");
        int rc = add_object(r, b, k, -1, NULL);
        free(b);
        free(k);
        if (rc != 0 || !(r->s3_uri = dupstr(json_string_value(uri))))
            return fail(reason, "out_of_memory", msg, msglen, "out of memory");
        return 0;
    }
    if (!json_is_string(pdf))
        return BAD("envelope: pdf_base64 must be a string");
    size_t n = json_string_length(pdf);
    size_t cap = n / 4 * 3 + 3;
    if (max_bytes && n / 4 * 3 > max_bytes + 3)
        return fail(reason, MS_RECORD_TOO_LARGE, msg, msglen,
                    "envelope: pdf_base64 decodes to more than parse.max_bytes");
    r->pdf = malloc(cap);
    if (!r->pdf)
        return fail(reason, "out_of_memory", msg, msglen, "out of memory");
    long got = ms_record_base64_decode(json_string_value(pdf), n, r->pdf);
    if (got < 0)
        return BAD("envelope: pdf_base64 is not valid base64");
    if (got == 0)
        return BAD("envelope: pdf_base64 is empty");
    if (max_bytes && (size_t)got > max_bytes)
        return fail(reason, MS_RECORD_TOO_LARGE, msg, msglen,
                    "envelope: pdf_base64 decodes to more than parse.max_bytes");
    r->pdf_len = (size_t)got;
    return 0;
}

int ms_record_decode(const void *data, size_t len, size_t max_bytes, ms_record *out,
                     const char **reason, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    *reason = NULL;
    msg[0] = '\0';
    const unsigned char *p = data;
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i == len || p[i] != '{') {
        out->kind = MS_RECORD_RAW; /* a PDF, or something the parser rejects */
        return 0;
    }
    /* jansson limits nesting depth (JSON_PARSER_MAX_DEPTH) and rejects
     * \u0000 and raw NULs without JSON_ALLOW_NUL; duplicates are refused so
     * that two "id"s cannot mean different things to different readers. */
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    int rc;
    if (!root) {
        rc = BAD("record starts with '{' but is not valid JSON");
    } else if (!json_is_object(root)) {
        rc = BAD("record is not a JSON object");
    } else if (json_object_get(root, "Records")) {
        rc = decode_s3_event(root, out, reason, msg, msglen);
    } else if (json_object_get(root, "detail-type")) {
        rc = decode_eventbridge(root, out, reason, msg, msglen);
    } else {
        rc = decode_envelope(root, max_bytes, out, reason, msg, msglen);
    }
    json_decref(root);
    if (rc != 0)
        ms_record_free(out);
    return rc;
}

int ms_record_fill_doc(ms_doc *doc, const void *data, size_t len, size_t max_bytes)
{
    ms_record r;
    const char *reason;
    char msg[200];
    doc->input_size = len;
    if (ms_record_decode(data, len, max_bytes, &r, &reason, msg, sizeof msg) != 0) {
        ms_doc_fail(doc, "source", reason, "%s", msg);
        return -1;
    }
    if (r.kind == MS_RECORD_RAW) {
        doc->input = malloc(len ? len : 1);
        if (!doc->input) {
            ms_doc_fail(doc, "source", "out_of_memory", "cannot hold the record");
            return -1;
        }
        memcpy(doc->input, data, len);
        doc->input_len = len;
        return 0;
    }
    if (r.id)
        ms_doc_set_id(doc, r.id);
    doc->patient_json = r.patient_json;
    doc->metadata_json = r.metadata_json;
    r.patient_json = r.metadata_json = NULL;
    if (r.pdf) {
        doc->input = r.pdf;
        doc->input_len = r.pdf_len;
        r.pdf = NULL;
        if (doc->input_len > doc->input_size)
            doc->input_size = doc->input_len;
    } else {
        doc->s3_uri = r.s3_uri;
        r.s3_uri = NULL;
        int64_t size = r.objects[0].size;
        if (size > 0 && (uint64_t)size > doc->input_size &&
            (!max_bytes || (uint64_t)size <= max_bytes))
            doc->input_size = (size_t)size;
    }
    ms_record_free(&r);
    return 0;
}
