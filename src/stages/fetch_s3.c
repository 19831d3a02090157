/* fetch_s3.c -- see fetch_s3.h.
 *
 * Loop thread only. Close: abort_all (engine drain timeout) closes the AWS
 * client, whose in-flight calls come back Canceled and fail their docs;
 * destroy closes it too and the state is freed once it is closed. */
#include "stages/fetch_s3.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "aws/aws.h"
#include "base/list.h"
#include "base/log.h"
#include "sources/record.h"
#include "base/errbuf.h"
#include "core/plugin.h"

typedef struct fetch_job fetch_job;

typedef struct fetch_stage {
    ms_stage stage;
    uv_loop_t *loop;
    ms_aws_opts aopts;
    ms_aws *aws;               /* created on the first S3 doc */
    char endpoint_cfg[1024];
    char endpoint[1024];
    bool path_style;
    size_t max_bytes;
    bool closing, destroyed;
    bool close_pending;        /* ms_aws_close under way: closed() frees */
    ms_list jobs;              /* fetch_job.link; set up by fetch_attach */
} fetch_stage;

struct fetch_job {
    fetch_stage *x;
    ms_doc *doc;
    ms_stage_done_cb done;
    char *path;
    char *base;
    ms_list link;              /* in x->jobs */
};

#define STAGE "fetch"

static char *encode_key(const char *key)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(key);
    char *out = malloc(3 * n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        if (isalnum(*p) || strchr("-_.~/", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return out;
}

static void job_free(fetch_job *j)
{
    ms_list_remove(&j->link);
    free(j->path);
    free(j->base);
    free(j);
}

static void on_get(const ms_aws_result *r, void *ud)
{
    fetch_job *j = ud;
    fetch_stage *x = j->x;
    ms_doc *doc = j->doc;
    ms_stage_done_cb done = j->done;
    const ms_http_resp *resp = r->resp;
    if (r->outcome == MS_AWS_SUCCESS && resp && resp->status / 100 == 2) {
        if (x->max_bytes && resp->body_len > x->max_bytes) {
            ms_doc_fail(doc, STAGE, MS_RECORD_TOO_LARGE,
                        "S3 object of %zu bytes is over parse.max_bytes", resp->body_len);
        } else if (resp->body_len == 0) {
            ms_doc_fail(doc, STAGE, "empty_input", "S3 object is empty");
        } else if (!(doc->input = malloc(resp->body_len))) {
            ms_doc_fail(doc, STAGE, "out_of_memory", "cannot hold the S3 object");
        } else {
            memcpy(doc->input, resp->body, resp->body_len);
            doc->input_len = resp->body_len;
        }
    } else if (resp && resp->err == MS_HTTP_ETOOBIG) {
        ms_doc_fail(doc, STAGE, MS_RECORD_TOO_LARGE,
                    "S3 object is over parse.max_bytes (%zu bytes)", x->max_bytes);
    } else {
        long status = resp ? resp->status : 0;
        const char *reason = status == 404   ? "s3_not_found"
                           : status == 403 ? "s3_access_denied"
                                           : "s3_error";
        ms_doc_fail(doc, STAGE, reason, "GetObject failed: %s (HTTP %ld, %d attempts)",
                    r->error.code[0] ? r->error.code : "no error code", status, r->attempts);
    }
    job_free(j);
    if (!x->destroyed)
        done(&x->stage, doc);
}

static int ensure_client(fetch_stage *x, char *err, size_t errlen)
{
    if (x->aws && x->endpoint[0])
        return 0;
    if (x->closing) {
        ms_errf(err, errlen, "shutting down");
        return -1;
    }
    if (!x->aws && !(x->aws = ms_aws_new(x->loop, &x->aopts, err, errlen)))
        return -1;
    if (ms_aws_endpoint(x->aws, "s3", x->endpoint_cfg[0] ? x->endpoint_cfg : NULL, x->endpoint,
                        sizeof x->endpoint, err, errlen) != 0) {
        x->endpoint[0] = '\0';
        return -1; /* the client stays (closed with the stage); retried next doc */
    }
    ms_log(MS_LOG_INFO, "fetch: S3 client ready", KS("endpoint", x->endpoint),
           KS("region", ms_aws_region(x->aws)), KEND);
    return 0;
}

/* The request's base URL and path for bucket/key. */
static int locate(fetch_stage *x, const char *bucket, const char *key, fetch_job *j)
{
    char *ekey = encode_key(key);
    if (!ekey)
        return -1;
    size_t n = strlen(bucket) + strlen(ekey) + 3;
    j->path = malloc(n);
    j->base = malloc(strlen(x->endpoint) + strlen(bucket) + 2);
    const char *after = strstr(x->endpoint, "://");
    if (!j->path || !j->base || (!x->path_style && !after)) {
        free(ekey);
        return -1;
    }
    if (x->path_style) {
        snprintf(j->path, n, "/%s/%s", bucket, ekey);
        strcpy(j->base, x->endpoint);
    } else {
        /* Virtual-hosted style: the bucket becomes the first label. */
        snprintf(j->path, n, "/%s", ekey);
        sprintf(j->base, "%.*s%s.%s", (int)(after + 3 - x->endpoint), x->endpoint, bucket,
                after + 3);
    }
    free(ekey);
    return 0;
}

static void fetch_start(ms_stage *st, ms_doc *doc, ms_stage_done_cb done)
{
    fetch_stage *x = st->state;
    if (!doc->s3_uri || doc->input) {
        done(st, doc); /* bytes already here: nothing to fetch */
        return;
    }
    char err[512];
    char *bucket = NULL, *key = NULL;
    if (ms_record_parse_s3_uri(doc->s3_uri, &bucket, &key) != 0) {
        ms_doc_fail(doc, STAGE, MS_RECORD_BAD, "s3_uri is not s3://bucket/key");
        done(st, doc);
        return;
    }
    if (ensure_client(x, err, sizeof err) != 0) {
        ms_doc_fail(doc, STAGE, "s3_error", "no S3 client: %s", err);
        free(bucket);
        free(key);
        done(st, doc);
        return;
    }
    fetch_job *j = calloc(1, sizeof *j);
    if (!j || locate(x, bucket, key, j) != 0) {
        if (j) {
            free(j->path);
            free(j->base);
            free(j);
        }
        free(bucket);
        free(key);
        ms_doc_fail(doc, STAGE, "out_of_memory", "cannot build the GetObject request");
        done(st, doc);
        return;
    }
    free(bucket);
    free(key);
    j->x = x;
    j->doc = doc;
    j->done = done;
    ms_list_insert_head(&x->jobs, &j->link);
    ms_aws_request rq = {
        .service = "s3",
        .endpoint = j->base,
        .method = "GET",
        .path = j->path,
        /* One byte over the cap so "exactly max_bytes" still fits. */
        .max_response_bytes = x->max_bytes ? x->max_bytes + 1 : 0,
    };
    if (ms_aws_send(x->aws, &rq, on_get, j, err, sizeof err) != 0) {
        job_free(j);
        ms_doc_fail(doc, STAGE, "s3_error", "GetObject not sent: %s", err);
        done(st, doc);
    }
}

static int fetch_attach(ms_stage *st, void *uv_loop)
{
    fetch_stage *x = st->state;
    x->loop = uv_loop;
    /* Here rather than in the constructor: no job starts before attach. */
    ms_list_init(&x->jobs);
    return 0;
}

static void closed(void *ud)
{
    fetch_stage *x = ud;
    x->close_pending = false;
    if (x->destroyed)
        free(x);
}

/* Close the client: in-flight GetObjects come back Canceled (their docs
 * fail "s3_error"). Returns true when a close is under way. */
static bool close_client(fetch_stage *x)
{
    x->closing = true;
    if (!x->aws)
        return false;
    ms_aws *a = x->aws;
    x->aws = NULL;
    x->close_pending = true;
    ms_aws_close(a, closed, x);
    return true;
}

static void fetch_abort_all(ms_stage *st)
{
    close_client(st->state);
}

static void fetch_destroy(ms_stage *st)
{
    fetch_stage *x = st->state;
    x->destroyed = true;
    /* abort_all may have started the close already: then closed() frees. */
    if (!close_client(x) && !x->close_pending)
        free(x);
}

static const ms_stage_ops fetch_ops = {
    .name = "fetch",
    .kind = MS_STAGE_LOOP,
    .abort_all = fetch_abort_all,
    .attach = fetch_attach,
    .start = fetch_start,
    .destroy = fetch_destroy,
};

ms_stage *ms_fetch_s3_stage_new(const ms_config *cfg)
{
    fetch_stage *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    ms_aws_opts_from_config(cfg, &x->aopts);
    snprintf(x->endpoint_cfg, sizeof x->endpoint_cfg, "%s",
             ms_config_str(cfg, "source.s3.endpoint"));
    x->path_style = ms_config_bool(cfg, "source.s3.path_style");
    x->max_bytes = (size_t)ms_config_int(cfg, "parse.max_bytes");
    x->stage.ops = &fetch_ops;
    x->stage.state = x;
    return &x->stage;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key fetch_keys[] = {
    MS_KEY_STR("source.s3.endpoint", "",
        "S3 endpoint URL for reports that records name by S3 object (envelope `s3_uri`, S3 and EventBridge events; see docs/formats.md); empty = AWS_ENDPOINT_URL_S3 or the region's."),
    MS_KEY_BOOL("source.s3.path_style", "false",
         "Fetch S3 objects path-style (`endpoint/bucket/key`), which local servers need, instead of `bucket.endpoint/key`."),
    { 0 }
};

static ms_stage *fetch_create(const ms_config *cfg, char *err, size_t errlen)
{
    ms_stage *st = ms_fetch_s3_stage_new(cfg);
    if (!st)
        ms_errf(err, errlen, "cannot create the fetch stage (out of memory)");
    return st;
}

/* check-config --probe: the stage has no bucket of its own -- each record
 * names its object (s3_uri, an S3 or EventBridge event) -- so there is
 * nothing to HeadBucket before one arrives; the line says where objects
 * would be fetched from. */
static void fetch_probe(const ms_config *cfg, ms_probe *p)
{
    const char *ep = ms_config_str(cfg, "source.s3.endpoint");
    ms_probe_note(p, "stage fetch",
                  "not probed: no input bucket is configured (each record names its S3 object); "
                  "objects are read with s3:GetObject from %s%s, and a record whose object "
                  "cannot be read becomes a dead letter",
                  ep[0] ? ep : "the region's S3 endpoint (or AWS_ENDPOINT_URL_S3)",
                  ms_config_bool(cfg, "source.s3.path_style") ? ", path-style" : "");
}

const ms_plugin ms_stage_fetch_plugin = {
    .name = "fetch",
    .kind = MS_PLUGIN_STAGE,
    .slot = "fetch",
    .description = "GetObject the report a record names by S3 object (a no-op for the rest)",
    .keys = fetch_keys,
    .probe = fetch_probe,
    .create.stage = fetch_create,
};
