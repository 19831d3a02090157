/* sink_s3.c -- PutObject per report through the AWS layer (aws.h).
 *
 * One write is one or two PutObject calls issued together (summary JSON
 * and patient text); the write is confirmed when every call came back 200
 * and fails with the first error otherwise (the engine retries the whole
 * write; both keys are fixed by the report id, so a retry overwrites). */
#include "sinks/sink_s3.h"

#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "base/errbuf.h"
#include "aws/aws.h"
#include "base/log.h"
#include "base/str.h"
#include "core/plugin.h"

#define KEY_MAX 1024

typedef struct s3_sink {
    ms_aws_opts aopts;
    char bucket[256];
    char key_tmpl[512], dl_tmpl[512];
    char sse[16], kms_key_id[256];
    char endpoint_cfg[1024];
    char base[1200];          /* endpoint, with the bucket for virtual hosts */
    bool path_style;
    uv_loop_t *loop;
    ms_aws *aws;
    int inflight;             /* PutObject calls outstanding */
    bool closing;
    ms_sink *self;            /* freed with the state once the client closed */
} s3_sink;

typedef struct s3_write {
    ms_sink *sink;
    ms_doc *doc;
    ms_sink_done_cb done;
    int pending;              /* calls outstanding */
    int status;
    char error[512];
} s3_write;

typedef struct s3_put {
    s3_write *w;
    const char *what;         /* "summary", "text", "dead letter" */
    char key[KEY_MAX];        /* the object key, for the audit trail */
} s3_put;

/* ---- keys --------------------------------------------------------------- */

static int put_str(char *out, size_t outlen, size_t *n, const char *s, size_t len)
{
    if (*n + len >= outlen)
        return -1;
    memcpy(out + *n, s, len);
    *n += len;
    return 0;
}

int ms_sink_s3_expand(const char *tmpl, const ms_doc *doc, char *out, size_t outlen)
{
    size_t n = 0;
    if (outlen == 0)
        return -1;
    for (const char *p = tmpl; *p;) {
        if (*p != '{') {
            if (put_str(out, outlen, &n, p, 1) != 0)
                return -1;
            p++;
            continue;
        }
        const char *end = strchr(p, '}');
        if (!end)
            return -1;
        size_t nl = (size_t)(end - p - 1);
        char val[256];
        if (nl == 2 && !strncmp(p + 1, "id", 2)) {
            snprintf(val, sizeof val, "%s", doc->id ? doc->id : "");
        } else if (nl == 6 && !strncmp(p + 1, "source", 6)) {
            /* First non-empty segment of the label, key-safe characters. */
            const char *l = doc->pos.label;
            while (*l == '/' || *l == '.')
                l++;
            size_t k = 0;
            for (; *l && *l != '/' && k + 1 < sizeof val; l++)
                val[k++] = (isalnum((unsigned char)*l) || strchr("-_.", *l)) ? *l : '_';
            val[k] = '\0';
            if (k == 0)
                snprintf(val, sizeof val, "unknown");
        } else if (nl == 4 && !strncmp(p + 1, "date", 4)) {
            time_t now = time(NULL);
            struct tm tm;
            gmtime_r(&now, &tm);
            strftime(val, sizeof val, "%Y-%m-%d", &tm);
        } else {
            return -1;
        }
        if (put_str(out, outlen, &n, val, strlen(val)) != 0)
            return -1;
        p = end + 1;
    }
    out[n] = '\0';
    return (int)n;
}

/* URI-encode a key for the request path: every byte but unreserved ones
 * and '/' (S3 keys are signed as sent, without normalisation). */
static int encode_key(const char *key, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        if (isalnum(*p) || strchr("-_.~/", *p)) {
            if (n + 1 >= outlen)
                return -1;
            out[n++] = (char)*p;
        } else {
            if (n + 3 >= outlen)
                return -1;
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
    return 0;
}

/* The patient text's key: ".json" at the end becomes ".txt" (else ".txt"
 * is appended). */
static int text_key(const char *key, char *out, size_t outlen)
{
    size_t l = strlen(key);
    if (l >= 5 && !strcmp(key + l - 5, ".json"))
        l -= 5;
    if (l + 5 > outlen)
        return -1;
    memcpy(out, key, l);
    memcpy(out + l, ".txt", 5);
    return 0;
}

int ms_sink_s3_summary_uri(const char *bucket, const char *key_template, const ms_doc *doc,
                           char *out, size_t outlen)
{
    char key[KEY_MAX];
    if (ms_sink_s3_expand(key_template, doc, key, sizeof key) < 0)
        return -1;
    int n = snprintf(out, outlen, "s3://%s/%s", bucket, key);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/* ---- writes ------------------------------------------------------------- */

static void write_finish(s3_write *w)
{
    ms_sink *sink = w->sink;
    ms_doc *doc = w->doc;
    ms_sink_done_cb done = w->done;
    int status = w->status;
    char err[512];
    snprintf(err, sizeof err, "%s", w->error);
    free(w);
    done(sink, doc, status, status == 0 ? NULL : err);
}

/* The first error wins: "PutObject <what>: <why>" or just <why>. */
static void write_fail(s3_write *w, const char *what, const char *why)
{
    if (w->status == 0) {
        w->status = -1;
        if (what)
            snprintf(w->error, sizeof w->error, "PutObject %s: %s", what, why);
        else
            snprintf(w->error, sizeof w->error, "%s", why);
    }
}

/* The audit trail's entry for a confirmed PutObject (doc.h destinations):
 * where it went, the version S3 gave it (versioned buckets) and who wrote it. */
static void record_put(s3_sink *s, ms_doc *doc, const s3_put *p, const ms_http_resp *resp)
{
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s}", "sink", "s3", "operation", "PutObject",
                          "object", p->what, "bucket", s->bucket, "key", p->key);
    const char *version = ms_http_resp_header(resp, "x-amz-version-id");
    const char *akid = ms_aws_access_key_id(s->aws);
    if (d && version && strcmp(version, "null") != 0)
        json_object_set_new(d, "version_id", json_string(version));
    if (d && akid)
        json_object_set_new(d, "access_key_id", json_string(akid));
    ms_doc_add_destination(doc, d);
}

static void on_put(const ms_aws_result *r, void *ud)
{
    s3_put *p = ud;
    s3_write *w = p->w;
    s3_sink *s = w->sink->state;
    s->inflight--;
    if (r->outcome != MS_AWS_SUCCESS || !r->resp || r->resp->status != 200) {
        char st[32];
        snprintf(st, sizeof st, "%ld", r->resp ? r->resp->status : 0L);
        write_fail(w, p->what, r->error.code[0] ? r->error.code : st);
    } else if (!s->closing) {
        record_put(s, w->doc, p, r->resp);
    }
    free(p);
    if (--w->pending > 0)
        return;
    if (s->closing) {
        /* Canceled by destroy: the engine no longer waits for this doc. */
        free(w);
        return;
    }
    write_finish(w);
}

static int start_put(s3_write *w, const char *what, const char *key, const char *ctype,
                     const void *body, size_t len)
{
    s3_sink *s = w->sink->state;
    char ekey[KEY_MAX * 3 + 1], path[KEY_MAX * 3 + 300];
    if (encode_key(key, ekey, sizeof ekey) != 0)
        return -1;
    if (s->path_style)
        snprintf(path, sizeof path, "/%s/%s", s->bucket, ekey);
    else
        snprintf(path, sizeof path, "/%s", ekey);
    ms_http_header h[3];
    size_t nh = 0;
    h[nh++] = (ms_http_header){"Content-Type", ctype};
    if (s->sse[0])
        h[nh++] = (ms_http_header){"x-amz-server-side-encryption", s->sse};
    if (s->kms_key_id[0] && !strcmp(s->sse, "aws:kms"))
        h[nh++] = (ms_http_header){"x-amz-server-side-encryption-aws-kms-key-id", s->kms_key_id};
    s3_put *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->w = w;
    p->what = what;
    snprintf(p->key, sizeof p->key, "%s", key);
    ms_aws_request rq = {
        .service = "s3", .endpoint = s->base, .method = "PUT", .path = path,
        .headers = h, .nheaders = nh, .body = body, .body_len = len,
    };
    char err[256];
    w->pending++;
    if (ms_aws_send(s->aws, &rq, on_put, p, err, sizeof err) != 0) {
        w->pending--;
        free(p);
        write_fail(w, what, err);
        return -1;
    }
    s->inflight++;
    return 0;
}

static void s3_write_doc(ms_sink *sink, ms_doc *doc, bool dead_letter, ms_sink_done_cb done)
{
    s3_sink *s = sink->state;
    s3_write *w = calloc(1, sizeof *w);
    if (!w) {
        done(sink, doc, -1, "out of memory");
        return;
    }
    w->sink = sink;
    w->doc = doc;
    w->done = done;
    /* One extra count while both calls are started. */
    w->pending = 1;
    char key[KEY_MAX], tkey[KEY_MAX];
    if (!doc->output || !s->aws) {
        write_fail(w, NULL, "nothing to write");
    } else if (ms_sink_s3_expand(dead_letter ? s->dl_tmpl : s->key_tmpl, doc, key,
                                 sizeof key) < 0) {
        write_fail(w, NULL, "object key too long");
    } else if (dead_letter) {
        start_put(w, "dead letter", key, "application/json", doc->output, doc->output_len);
    } else {
        /* The summary's patient text, rendered by assemble with the JSON;
         * like doc->output, it lives as long as the doc. */
        const ms_summary *sum = &doc->summary;
        if (start_put(w, "summary", key, "application/json", doc->output, doc->output_len) == 0 &&
            sum->patient_text && text_key(key, tkey, sizeof tkey) == 0)
            start_put(w, "text", tkey, "text/plain; charset=utf-8", sum->patient_text,
                      sum->patient_text_len);
    }
    if (--w->pending == 0)
        write_finish(w);
}

/* ---- life cycle --------------------------------------------------------- */

static int s3_attach(ms_sink *sink, void *loop)
{
    s3_sink *s = sink->state;
    char err[512], ep[1024];
    s->loop = loop;
    s->aws = ms_aws_new(s->loop, &s->aopts, err, sizeof err);
    if (!s->aws) {
        ms_log(MS_LOG_ERROR, "s3 sink: cannot create the AWS client", KS("error", err), KEND);
        return -1;
    }
    if (ms_aws_endpoint(s->aws, "s3", s->endpoint_cfg[0] ? s->endpoint_cfg : NULL, ep, sizeof ep,
                        err, sizeof err) != 0) {
        ms_log(MS_LOG_ERROR, "s3 sink: no endpoint", KS("error", err), KEND);
        return -1;
    }
    if (s->path_style) {
        snprintf(s->base, sizeof s->base, "%s", ep);
    } else {
        /* Virtual-hosted style: the bucket becomes the first label. */
        const char *after = strstr(ep, "://");
        if (!after) {
            ms_log(MS_LOG_ERROR, "s3 sink: bad endpoint", KS("endpoint", ep), KEND);
            return -1;
        }
        snprintf(s->base, sizeof s->base, "%.*s%s.%s", (int)(after + 3 - ep), ep, s->bucket,
                 after + 3);
    }
    ms_log(MS_LOG_INFO, "s3 sink: ready", KS("endpoint", s->base), KS("bucket", s->bucket),
           KS("region", ms_aws_region(s->aws)), KS("sse", s->sse[0] ? s->sse : "none"), KEND);
    return 0;
}

static void s3_closed(void *ud)
{
    s3_sink *s = ud;
    free(s->self);
    free(s);
}

static void s3_destroy(ms_sink *sink)
{
    s3_sink *s = sink->state;
    s->closing = true;
    if (s->aws) {
        ms_aws *a = s->aws;
        s->aws = NULL;
        ms_aws_close(a, s3_closed, s); /* frees s and sink once closed */
        return;
    }
    s3_closed(s);
}

static const ms_sink_ops s3_ops = {
    .name = "s3",
    .attach = s3_attach,
    .write = s3_write_doc,
    .destroy = s3_destroy,
};

int ms_sink_s3_check(const ms_config *cfg, char *err, size_t errlen)
{
    if (!*ms_config_str(cfg, "sink.s3.bucket")) {
        ms_errf(err, errlen, "sink.s3.bucket: required by the s3 sink");
        return -1;
    }
    const char *sse = ms_config_str(cfg, "sink.s3.sse");
    if (strcmp(sse, "none") && strcmp(sse, "AES256") && strcmp(sse, "aws:kms")) {
        ms_errf(err, errlen, "sink.s3.sse: '%s' is not none, AES256 or aws:kms", sse);
        return -1;
    }
    if (*ms_config_str(cfg, "sink.s3.kms_key_id") && strcmp(sse, "aws:kms")) {
        ms_errf(err, errlen, "sink.s3.kms_key_id needs sink.s3.sse = aws:kms");
        return -1;
    }
    static const char *const tk[] = {"sink.s3.key_template", "sink.s3.dead_letter_template"};
    ms_doc probe = {.id = "x"};
    for (int i = 0; i < 2; i++) {
        const char *t = ms_config_str(cfg, tk[i]);
        char key[KEY_MAX];
        if (!strstr(t, "{id}") || ms_sink_s3_expand(t, &probe, key, sizeof key) < 0) {
            ms_errf(err, errlen, "%s: '%s' must contain {id} and only {id}, {source}, {date}",
                     tk[i], t);
            return -1;
        }
    }
    return 0;
}

ms_sink *ms_sink_s3_new(const ms_config *cfg, char *err, size_t errlen)
{
    if (ms_sink_s3_check(cfg, err, errlen) != 0)
        return NULL;
    ms_sink *sink = calloc(1, sizeof *sink);
    s3_sink *s = calloc(1, sizeof *s);
    if (!sink || !s) {
        free(sink);
        free(s);
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    ms_aws_opts_from_config(cfg, &s->aopts);
    ms_strlcpy(s->bucket, sizeof s->bucket, ms_config_str(cfg, "sink.s3.bucket"));
    ms_strlcpy(s->key_tmpl, sizeof s->key_tmpl, ms_config_str(cfg, "sink.s3.key_template"));
    ms_strlcpy(s->dl_tmpl, sizeof s->dl_tmpl, ms_config_str(cfg, "sink.s3.dead_letter_template"));
    const char *sse = ms_config_str(cfg, "sink.s3.sse");
    ms_strlcpy(s->sse, sizeof s->sse, strcmp(sse, "none") ? sse : "");
    ms_strlcpy(s->kms_key_id, sizeof s->kms_key_id, ms_config_str(cfg, "sink.s3.kms_key_id"));
    ms_strlcpy(s->endpoint_cfg, sizeof s->endpoint_cfg, ms_config_str(cfg, "sink.s3.endpoint"));
    s->path_style = ms_config_bool(cfg, "sink.s3.path_style");
    sink->ops = &s3_ops;
    sink->state = s;
    s->self = sink;
    snprintf(sink->name, sizeof sink->name, "s3");
    sink->summaries = true;
    sink->dead_letters = true;
    return sink;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key s3_keys[] = {
    MS_KEY_STR("sink.s3.bucket", "",
        "s3 sink: the bucket (required)."),
    MS_KEY_STR("sink.s3.key_template", "summaries/{id}.json",
        "s3 sink: object key of the summary JSON (`{id}`, `{source}`, `{date}`); the patient text goes beside it with `.txt` for `.json`. Keep `{id}` and leave `{date}` out so a replay overwrites."),
    MS_KEY_STR("sink.s3.dead_letter_template", "dead-letter/{id}.json",
        "s3 sink: object key of a dead-letter record (same placeholders)."),
    MS_KEY_STR("sink.s3.sse", "none",
        "s3 sink: server-side encryption: `none`, `AES256` or `aws:kms`."),
    MS_KEY_STR("sink.s3.kms_key_id", "",
        "s3 sink with `sse = aws:kms`: the KMS key id or ARN (empty = the account's default S3 key)."),
    MS_KEY_STR("sink.s3.endpoint", "",
        "s3 sink: endpoint URL (s3rver, MinIO, a VPC endpoint); empty = AWS_ENDPOINT_URL_S3 or the region's."),
    MS_KEY_BOOL("sink.s3.path_style", "false",
         "s3 sink: path-style addressing (`endpoint/bucket/key`), which local servers need, instead of `bucket.endpoint/key`."),
    { 0 }
};

/* HeadBucket: the bucket exists and these credentials may use it (S3
 * answers 403 when they may not, 404 when it does not exist). */
static void s3_probe(const ms_config *cfg, ms_probe *p)
{
    const char *bucket = ms_config_str(cfg, "sink.s3.bucket");
    bool path_style = ms_config_bool(cfg, "sink.s3.path_style");
    char path[600];
    snprintf(path, sizeof path, path_style ? "/%s" : "/", bucket);
    ms_aws_request rq = {.service = "s3", .method = "HEAD", .path = path};
    ms_aws_sync r;
    char err[512];
    if (ms_aws_call_sync(cfg, ms_config_str(cfg, "sink.s3.endpoint"), path_style ? NULL : bucket,
                         &rq, p->timeout_ms, &r, err, sizeof err) != 0) {
        ms_probe_report(p, false, "sink s3", "HeadBucket %s not sent: %s", bucket, err);
        return;
    }
    if (r.outcome == MS_AWS_SUCCESS)
        ms_probe_report(p, true, "sink s3", "bucket %s exists and is accessible (HeadBucket "
                        "HTTP %ld at %s, region %s)", bucket, r.status, r.endpoint, r.region);
    else
        ms_probe_report(p, false, "sink s3", "HeadBucket %s at %s: %s%s", bucket, r.endpoint,
                        ms_aws_sync_why(&r, err, sizeof err),
                        r.status == 404 ? " (no such bucket)"
                        : r.status == 403 ? " (access denied)" : "");
    ms_aws_sync_free(&r);
}

const ms_plugin ms_sink_s3_plugin = {
    .name = "s3",
    .kind = MS_PLUGIN_SINK,
    .description = "summary JSON and patient text as S3 objects (SSE-S3 or SSE-KMS)",
    .keys = s3_keys,
    .check = ms_sink_s3_check,
    .uses_aws = ms_plugin_always,
    .probe = s3_probe,
    .create.sink = ms_sink_s3_new,
};
