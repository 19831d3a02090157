/* sink_sns.c -- one SNS Publish (query protocol, form-encoded POST) per
 * report through the AWS layer (aws.h); confirmed on 200. */
#include "sinks/sink_sns.h"

#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/errbuf.h"
#include "aws/aws.h"
#include "base/log.h"
#include "base/str.h"
#include "sinks/sink_s3.h"
#include "core/plugin.h"

/* SNS's limit for message plus attributes; we keep a margin for the
 * attributes and the JSON around the text. */
#define SNS_MAX_BYTES (256 * 1024)
#define SNS_MAX_ATTRS 10

typedef struct sns_sink {
    ms_aws_opts aopts;
    char topic_arn[512];
    char endpoint_cfg[1024];
    char endpoint[1024];
    bool include_summary;
    bool with_s3;             /* the s3 sink is configured: announce its URI */
    char s3_bucket[256];      /* sink.s3.bucket and key_template, for the URI */
    char s3_key_template[1024];
    uv_loop_t *loop;
    ms_aws *aws;
    bool closing;
    ms_sink *self;
} sns_sink;

typedef struct sns_call {
    ms_sink *sink;
    ms_doc *doc;
    ms_sink_done_cb done;
    char *body;
} sns_call;

/* ---- the form body ------------------------------------------------------ */

typedef struct buf {
    char *p;
    size_t n, cap;
    bool oom;
} buf;

static void put(buf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

/* Form-encode: unreserved bytes as they are, every other byte %XX. */
static void put_enc(buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            put(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            put(b, e, 3);
        }
    }
}

static void put_param(buf *b, const char *name, const char *value)
{
    if (b->n)
        put(b, "&", 1);
    put(b, name, strlen(name));
    put(b, "=", 1);
    put_enc(b, value, strlen(value));
}

static void put_attr(buf *b, int *n, const char *name, const char *value)
{
    if (*n >= SNS_MAX_ATTRS || !value[0])
        return;
    ++*n;
    char k[96];
    snprintf(k, sizeof k, "MessageAttributes.entry.%d.Name", *n);
    put_param(b, k, name);
    snprintf(k, sizeof k, "MessageAttributes.entry.%d.Value.DataType", *n);
    put_param(b, k, "String");
    snprintf(k, sizeof k, "MessageAttributes.entry.%d.Value.StringValue", *n);
    put_param(b, k, value);
}

/* The patient contact as attributes: scalars of patient.contact, or of
 * the patient object when it has no "contact" object. */
static void patient_attrs(buf *b, int *n, const char *patient_json)
{
    json_t *p = patient_json ? json_loads(patient_json, 0, NULL) : NULL;
    json_t *src = json_is_object(json_object_get(p, "contact")) ? json_object_get(p, "contact") : p;
    const char *key;
    json_t *v;
    json_object_foreach(src, key, v)
    {
        char name[64], val[1024];
        int k = snprintf(name, sizeof name, "patient_");
        for (const char *c = key; *c && k + 1 < (int)sizeof name; c++)
            name[k++] = (isalnum((unsigned char)*c) || *c == '_' || *c == '-') ? *c : '_';
        name[k] = '\0';
        if (json_is_string(v))
            snprintf(val, sizeof val, "%s", json_string_value(v));
        else if (json_is_integer(v))
            snprintf(val, sizeof val, "%lld", (long long)json_integer_value(v));
        else
            continue;
        put_attr(b, n, name, val);
    }
    json_decref(p);
}

/* Cut s to at most max bytes at a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static char *message_json(const ms_doc *doc, bool dead_letter, const char *summary_uri,
                          bool include_summary)
{
    json_t *m = json_object();
    json_object_set_new(m, "id", json_string(doc->id ? doc->id : ""));
    json_object_set_new(m, "status", json_string(dead_letter ? "dead_letter" : "ok"));
    json_object_set_new(m, "summary_uri", summary_uri ? json_string(summary_uri) : json_null());
    if (dead_letter)
        json_object_set_new(m, "reason", json_string(doc->reason ? doc->reason : "unknown"));
    /* The patient text assemble rendered into the summary (doc.h). */
    const ms_summary *sum = &doc->summary;
    if (include_summary && !dead_letter && doc->output && sum->patient_text) {
        /* Room for the text: the limit less the envelope, the attributes
         * (at most ~10 KiB) and JSON escaping (worst case 6 bytes per
         * byte for control characters: cut generously). */
        size_t room = (SNS_MAX_BYTES - 16 * 1024) / 2;
        size_t len = sum->patient_text_len;
        size_t cut = utf8_cut(sum->patient_text, len, room);
        json_object_set_new(m, "summary", json_stringn(sum->patient_text, cut));
        if (cut < len)
            json_object_set_new(m, "summary_truncated", json_true());
    }
    char *s = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(m);
    return s;
}

char *ms_sink_sns_publish_body(const char *topic_arn, const ms_doc *doc, bool dead_letter,
                               const char *summary_uri, bool include_summary)
{
    char *msg = message_json(doc, dead_letter, summary_uri, include_summary);
    if (!msg)
        return NULL;
    buf b = {0};
    put_param(&b, "Action", "Publish");
    put_param(&b, "Version", "2010-03-31");
    put_param(&b, "TopicArn", topic_arn);
    put_param(&b, "Message", msg);
    free(msg);
    int n = 0;
    put_attr(&b, &n, "report_id", doc->id ? doc->id : "");
    put_attr(&b, &n, "status", dead_letter ? "dead_letter" : "ok");
    patient_attrs(&b, &n, doc->patient_json);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- the sink ----------------------------------------------------------- */

/* The audit trail's entry for a confirmed Publish (doc.h destinations): the
 * topic, the MessageId SNS answered (its XML: <MessageId>...</MessageId>)
 * and who published. */
static void record_publish(sns_sink *s, ms_doc *doc, const ms_http_resp *resp)
{
    json_t *d = json_pack("{s:s, s:s, s:s}", "sink", "sns", "operation", "Publish",
                          "topic_arn", s->topic_arn);
    const char *b = resp->body ? strstr(resp->body, "<MessageId>") : NULL;
    const char *e = b ? strstr(b, "</MessageId>") : NULL;
    if (d && e) {
        b += strlen("<MessageId>");
        json_object_set_new(d, "message_id", json_stringn(b, (size_t)(e - b)));
    }
    const char *akid = ms_aws_access_key_id(s->aws);
    if (d && akid)
        json_object_set_new(d, "access_key_id", json_string(akid));
    ms_doc_add_destination(doc, d);
}

static void on_publish(const ms_aws_result *r, void *ud)
{
    sns_call *c = ud;
    sns_sink *s = c->sink->state;
    free(c->body);
    if (s->closing) {
        free(c);
        return;
    }
    ms_sink *sink = c->sink;
    ms_doc *doc = c->doc;
    ms_sink_done_cb done = c->done;
    free(c);
    if (r->outcome == MS_AWS_SUCCESS && r->resp && r->resp->status == 200) {
        record_publish(s, doc, r->resp);
        done(sink, doc, 0, NULL);
        return;
    }
    char err[200];
    snprintf(err, sizeof err, "Publish: %s (HTTP %ld)",
             r->error.code[0] ? r->error.code : "error", r->resp ? r->resp->status : 0L);
    done(sink, doc, -1, err);
}

static void sns_write(ms_sink *sink, ms_doc *doc, bool dead_letter, ms_sink_done_cb done)
{
    sns_sink *s = sink->state;
    char uri[1400];
    const char *u = NULL;
    if (s->with_s3 && !dead_letter && ms_sink_s3_summary_uri(s->s3_bucket, s->s3_key_template, doc, uri,
                                                             sizeof uri) > 0)
        u = uri;
    sns_call *c = calloc(1, sizeof *c);
    char *body = ms_sink_sns_publish_body(s->topic_arn, doc, dead_letter, u, s->include_summary);
    if (!c || !body || !s->aws) {
        free(c);
        free(body);
        done(sink, doc, -1, s->aws ? "out of memory" : "not attached");
        return;
    }
    if (strlen(body) > 3 * SNS_MAX_BYTES) {
        /* Form encoding at most triples the bytes; cannot happen with the
         * cut above, but never send what SNS would refuse for good. */
        free(c);
        free(body);
        done(sink, doc, -1, "message too large");
        return;
    }
    c->sink = sink;
    c->doc = doc;
    c->done = done;
    c->body = body;
    ms_http_header h[] = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    ms_aws_request rq = {
        .service = "sns", .endpoint = s->endpoint, .method = "POST", .path = "/",
        .headers = h, .nheaders = 1, .body = body, .body_len = strlen(body),
    };
    char err[256];
    if (ms_aws_send(s->aws, &rq, on_publish, c, err, sizeof err) != 0) {
        free(body);
        free(c);
        done(sink, doc, -1, err);
    }
}

static int sns_attach(ms_sink *sink, void *loop)
{
    sns_sink *s = sink->state;
    char err[512];
    s->loop = loop;
    s->aws = ms_aws_new(s->loop, &s->aopts, err, sizeof err);
    if (!s->aws) {
        ms_log(MS_LOG_ERROR, "sns sink: cannot create the AWS client", KS("error", err), KEND);
        return -1;
    }
    if (ms_aws_endpoint(s->aws, "sns", s->endpoint_cfg[0] ? s->endpoint_cfg : NULL, s->endpoint,
                        sizeof s->endpoint, err, sizeof err) != 0) {
        ms_log(MS_LOG_ERROR, "sns sink: no endpoint", KS("error", err), KEND);
        return -1;
    }
    ms_log(MS_LOG_INFO, "sns sink: ready", KS("endpoint", s->endpoint),
           KS("region", ms_aws_region(s->aws)), KEND);
    return 0;
}

static void sns_closed(void *ud)
{
    sns_sink *s = ud;
    free(s->self);
    free(s);
}

static void sns_destroy(ms_sink *sink)
{
    sns_sink *s = sink->state;
    s->closing = true;
    if (s->aws) {
        ms_aws *a = s->aws;
        s->aws = NULL;
        ms_aws_close(a, sns_closed, s);
        return;
    }
    sns_closed(s);
}

static const ms_sink_ops sns_ops = {
    .name = "sns",
    .attach = sns_attach,
    .write = sns_write,
    .destroy = sns_destroy,
};

int ms_sink_sns_check(const ms_config *cfg, char *err, size_t errlen)
{
    const char *arn = ms_config_str(cfg, "sink.sns.topic_arn");
    if (strncmp(arn, "arn:", 4) != 0) {
        ms_errf(err, errlen, "sink.sns.topic_arn: required by the sns sink (arn:aws:sns:...)");
        return -1;
    }
    return 0;
}

/* Is "s3" one of the comma-separated sink.type names? */
static bool lists_s3(const char *types)
{
    char copy[256], *save = NULL;
    snprintf(copy, sizeof copy, "%s", types);
    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        if (strcmp(t, "s3") == 0)
            return true;
    return false;
}

ms_sink *ms_sink_sns_new(const ms_config *cfg, char *err, size_t errlen)
{
    if (ms_sink_sns_check(cfg, err, errlen) != 0)
        return NULL;
    ms_sink *sink = calloc(1, sizeof *sink);
    sns_sink *s = calloc(1, sizeof *s);
    if (!sink || !s) {
        free(sink);
        free(s);
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    ms_aws_opts_from_config(cfg, &s->aopts);
    ms_strlcpy(s->topic_arn, sizeof s->topic_arn, ms_config_str(cfg, "sink.sns.topic_arn"));
    ms_strlcpy(s->endpoint_cfg, sizeof s->endpoint_cfg, ms_config_str(cfg, "sink.sns.endpoint"));
    s->include_summary = ms_config_bool(cfg, "sink.sns.include_summary");
    s->with_s3 = lists_s3(ms_config_str(cfg, "sink.type"));
    /* Keep the two keys the URI needs (cfg does not outlive build). */
    ms_strlcpy(s->s3_bucket, sizeof s->s3_bucket, ms_config_str(cfg, "sink.s3.bucket"));
    ms_strlcpy(s->s3_key_template, sizeof s->s3_key_template,
             ms_config_str(cfg, "sink.s3.key_template"));
    sink->ops = &sns_ops;
    sink->state = s;
    s->self = sink;
    snprintf(sink->name, sizeof sink->name, "sns");
    sink->summaries = true;
    sink->dead_letters = true;
    return sink;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key sns_keys[] = {
    MS_KEY_STR("sink.sns.topic_arn", "",
        "sns sink: the topic notifications are published to (required)."),
    MS_KEY_STR("sink.sns.endpoint", "",
        "sns sink: endpoint URL; empty = AWS_ENDPOINT_URL_SNS or the region's."),
    MS_KEY_BOOL("sink.sns.include_summary", "false",
         "sns sink: add the patient text to the notification (cut to fit 256 KiB); off, no clinical text is ever published."),
    { 0 }
};

/* GetTopicAttributes: the topic exists and these credentials may see it. */
static void sns_probe(const ms_config *cfg, ms_probe *p)
{
    const char *arn = ms_config_str(cfg, "sink.sns.topic_arn");
    buf b = {0};
    put_param(&b, "Action", "GetTopicAttributes");
    put_param(&b, "TopicArn", arn);
    put_param(&b, "Version", "2010-03-31");
    if (b.oom || !b.p) {
        free(b.p);
        ms_probe_report(p, false, "sink sns", "out of memory");
        return;
    }
    const char *body = b.p;
    ms_http_header h[] = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    ms_aws_request rq = {.service = "sns", .method = "POST", .path = "/", .headers = h,
                         .nheaders = 1, .body = body, .body_len = strlen(body)};
    ms_aws_sync r;
    char err[512];
    if (ms_aws_call_sync(cfg, ms_config_str(cfg, "sink.sns.endpoint"), NULL, &rq, p->timeout_ms,
                         &r, err, sizeof err) != 0) {
        ms_probe_report(p, false, "sink sns", "GetTopicAttributes %s not sent: %s", arn, err);
        free(b.p);
        return;
    }
    if (r.outcome == MS_AWS_SUCCESS)
        ms_probe_report(p, true, "sink sns", "topic %s exists (GetTopicAttributes HTTP %ld at "
                        "%s)", arn, r.status, r.endpoint);
    else
        ms_probe_report(p, false, "sink sns", "GetTopicAttributes %s at %s: %s", arn,
                        r.endpoint, ms_aws_sync_why(&r, err, sizeof err));
    ms_aws_sync_free(&r);
    free(b.p);
}

const ms_plugin ms_sink_sns_plugin = {
    .name = "sns",
    .kind = MS_PLUGIN_SINK,
    .description = "a short SNS notification per report (no clinical text unless asked)",
    .keys = sns_keys,
    .check = ms_sink_sns_check,
    .uses_aws = ms_plugin_always,
    .probe = sns_probe,
    .create.sink = ms_sink_sns_new,
};
