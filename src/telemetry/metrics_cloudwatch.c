/* metrics_cloudwatch.c -- collector, PutMetricData encoder and the api
 * exporter (see metrics_cloudwatch.h). */
#include "telemetry/metrics_cloudwatch.h"

#include "base/errbuf.h"
#include "core/plugin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "aws/aws.h"
#include "base/list.h"
#include "base/log.h"
#include "telemetry/metrics_emf.h"

/* ---- collector -------------------------------------------------------- */

typedef struct prev {
    const ms_metric *m;   /* NULL = empty slot */
    uint64_t count;
    uint64_t buckets[MS_HIST_BUCKETS];
} prev;

struct ms_cw_collector {
    char pipeline[128];
    prev *slots;
    size_t cap, used;
};

ms_cw_collector *ms_cw_collector_new(const char *pipeline)
{
    ms_cw_collector *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    snprintf(c->pipeline, sizeof c->pipeline, "%s", pipeline && pipeline[0] ? pipeline : "default");
    return c;
}

void ms_cw_collector_free(ms_cw_collector *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c);
}

static size_t hash_ptr(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)(x & (cap - 1));
}

/* The previous values of m (zero the first time); NULL when out of memory. */
static prev *prev_of(ms_cw_collector *c, const ms_metric *m)
{
    if ((c->used + 1) * 2 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        prev *s = calloc(cap, sizeof *s);
        if (!s)
            return NULL;
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->slots[i].m)
                continue;
            size_t j = hash_ptr(c->slots[i].m, cap);
            while (s[j].m)
                j = (j + 1) & (cap - 1);
            s[j] = c->slots[i];
        }
        free(c->slots);
        c->slots = s;
        c->cap = cap;
    }
    size_t j = hash_ptr(m, c->cap);
    while (c->slots[j].m && c->slots[j].m != m)
        j = (j + 1) & (c->cap - 1);
    if (!c->slots[j].m) {
        c->slots[j].m = m;
        c->used++;
    }
    return &c->slots[j];
}

static const char *unit_of(const char *name)
{
    size_t n = strlen(name);
    if (n >= 8 && strcmp(name + n - 8, "_seconds") == 0)
        return "Seconds";
    if (strstr(name, "_bytes"))
        return "Bytes";
    return "Count";
}

/* A counter that went backwards was reset: its whole value is the delta. */
static uint64_t delta(uint64_t now, uint64_t before)
{
    return now >= before ? now - before : now;
}

static void fill_dims(ms_cw_collector *c, const ms_metric *m, ms_cw_datum *d)
{
    snprintf(d->dims[0].name, sizeof d->dims[0].name, "pipeline");
    snprintf(d->dims[0].value, sizeof d->dims[0].value, "%s", c->pipeline);
    d->ndims = 1;
    const char *p = m->labels;
    while (d->ndims < MS_CW_MAX_DIMS) {
        ms_cw_dim *x = &d->dims[d->ndims];
        if (!ms_metrics_label_next(&p, x->name, sizeof x->name, x->value, sizeof x->value))
            break;
        if (strcmp(x->name, "op") == 0)
            snprintf(x->name, sizeof x->name, "operation");
        d->ndims++;
    }
}

int ms_cw_collect(ms_cw_collector *c, ms_cw_datum **out, size_t *n)
{
    ms_metric **v;
    size_t nm;
    *out = NULL;
    *n = 0;
    if (ms_metrics_snapshot(&v, &nm) != 0)
        return -1;
    ms_cw_datum *d = calloc(nm ? nm : 1, sizeof *d);
    if (!d) {
        free(v);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < nm; i++) {
        ms_metric *m = v[i];
        prev *pv = prev_of(c, m);
        if (!pv) {
            free(v);
            free(d);
            return -1;
        }
        ms_cw_datum *x = &d[k];
        memset(x, 0, sizeof *x);
        const char *name = m->name;
        if (strncmp(name, "medstream_", 10) == 0)
            name += 10;
        snprintf(x->name, sizeof x->name, "%s", name);
        x->unit = unit_of(m->name);
        fill_dims(c, m, x);
        if (m->type == MS_METRIC_COUNTER) {
            uint64_t now = ms_metric_count(m);
            x->value = (double)delta(now, pv->count);
            pv->count = now;
        } else if (m->type == MS_METRIC_GAUGE) {
            x->value = ms_metric_gauge_value(m);
        } else {
            x->is_dist = true;
            for (int b = 0; b < MS_HIST_BUCKETS; b++) {
                uint64_t now = atomic_load_explicit(&m->buckets[b], memory_order_relaxed);
                uint64_t dl = delta(now, pv->buckets[b]);
                pv->buckets[b] = now;
                if (dl == 0)
                    continue;
                /* +Inf has no value of its own: its lower bound stands in. */
                double val = b == MS_HIST_BUCKETS - 1 ? ms_hist_bounds[b - 1] : ms_hist_bounds[b];
                x->values[x->nvalues] = val;
                x->counts[x->nvalues++] = (double)dl;
            }
            if (x->nvalues == 0)
                continue;
        }
        k++;
    }
    free(v);
    *out = d;
    *n = k;
    return 0;
}

/* ---- encoder ---------------------------------------------------------- */

/* Form encoding of a value (RFC 3986 unreserved kept). */
static void put_enc(ms_metrics_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            *c == '-' || *c == '_' || *c == '.' || *c == '~') {
            ms_metrics_buf_add(b, (const char *)c, 1);
        } else {
            char e[3] = {'%', hex[*c >> 4], hex[*c & 15]};
            ms_metrics_buf_add(b, e, 3);
        }
    }
}

/* One datum's parameters, in botocore's member order (MetricName,
 * Dimensions, Timestamp, Value, Values, Counts, Unit, StorageResolution). */
static void encode_datum(ms_metrics_buf *b, const ms_cw_datum *d, size_t idx, const char *ts,
                         int res)
{
    char pre[64], num[40];
    snprintf(pre, sizeof pre, "&MetricData.member.%zu.", idx);
    ms_metrics_buf_printf(b, "%sMetricName=", pre);
    put_enc(b, d->name);
    for (int i = 0; i < d->ndims; i++) {
        ms_metrics_buf_printf(b, "%sDimensions.member.%d.Name=", pre, i + 1);
        put_enc(b, d->dims[i].name);
        ms_metrics_buf_printf(b, "%sDimensions.member.%d.Value=", pre, i + 1);
        put_enc(b, d->dims[i].value);
    }
    ms_metrics_buf_printf(b, "%sTimestamp=", pre);
    put_enc(b, ts);
    if (!d->is_dist) {
        ms_cw_format_double(d->value, num, sizeof num);
        ms_metrics_buf_printf(b, "%sValue=", pre);
        put_enc(b, num); /* "1e+20": the '+' must not become a space */
    } else {
        int n = d->nvalues < MS_CW_MAX_VALUES ? d->nvalues : MS_CW_MAX_VALUES;
        for (int i = 0; i < n; i++) {
            ms_cw_format_double(d->values[i], num, sizeof num);
            ms_metrics_buf_printf(b, "%sValues.member.%d=", pre, i + 1);
            put_enc(b, num);
        }
        for (int i = 0; i < n; i++) {
            ms_cw_format_double(d->counts[i], num, sizeof num);
            ms_metrics_buf_printf(b, "%sCounts.member.%d=", pre, i + 1);
            put_enc(b, num);
        }
    }
    ms_metrics_buf_printf(b, "%sUnit=%s%sStorageResolution=%d", pre, d->unit, pre, res);
}

size_t ms_cw_encode(ms_metrics_buf *b, const char *ns, const ms_cw_datum *d, size_t from,
                    size_t to, int64_t ts, int storage_resolution)
{
    char tss[32];
    time_t t = (time_t)ts;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(tss, sizeof tss, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ms_metrics_buf_puts(b, "Action=PutMetricData&Version=" MS_CW_API_VERSION "&Namespace=");
    put_enc(b, ns);
    size_t i = from, idx = 1;
    ms_metrics_buf one = {0};
    for (; i < to && idx <= MS_CW_MAX_DATUMS; i++, idx++) {
        one.len = 0;
        encode_datum(&one, &d[i], idx, tss, storage_resolution);
        if (one.oom || b->len + one.len > MS_CW_MAX_BODY) {
            if (idx == 1) /* a single datum never exceeds the limit; skip it */
                i++;
            break;
        }
        ms_metrics_buf_add(b, one.p, one.len);
    }
    ms_metrics_buf_free(&one);
    return i;
}

int ms_cw_gzip(const void *in, size_t len, ms_metrics_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong bound = deflateBound(&z, (uLong)len) + 32;
    out->len = 0;
    ms_metrics_buf_add(out, "", 0);
    if (!out->oom && out->cap < bound + 1) {
        char *np = realloc(out->p, bound + 1);
        if (np) {
            out->p = np;
            out->cap = bound + 1;
        } else {
            out->oom = true;
        }
    }
    if (out->oom) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out->p;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    out->len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

/* ---- exporter --------------------------------------------------------- */

typedef struct cw_batch {
    ms_list link;                      /* in x->batches */
    ms_metrics_buf gz;
    size_t ndatums;
} cw_batch;

typedef struct cw_exporter {
    bool emf_mode;
    char ns[256], endpoint[512], emf_path[1024];
    int interval_s, res;
    size_t max_buffer;
    ms_aws_opts aopts;
    ms_aws *aws;
    uv_loop_t *loop;
    ms_cw_collector *col;
    ms_emf *emf;
    uv_timer_t timer;
    bool timer_open, inflight, stopping, finished;
    ms_list batches;                   /* cw_batch.link, oldest first */
    size_t queued_bytes, queued;
    struct {
        ms_metric *ok, *failed, *dropped, *points, *buffered;
    } m;
} cw_exporter;

/* The oldest batch (the one on the wire while inflight), or NULL. */
static cw_batch *oldest(cw_exporter *x)
{
    return ms_list_first_entry(&x->batches, cw_batch, link);
}

static void batch_free(cw_batch *b)
{
    ms_metrics_buf_free(&b->gz);
    free(b);
}

static void drop_head(cw_exporter *x, bool count)
{
    cw_batch *b = oldest(x);
    ms_list_remove(&b->link);
    x->queued_bytes -= b->gz.len;
    x->queued--;
    if (count)
        ms_counter_add(x->m.dropped, b->ndatums);
    batch_free(b);
    ms_gauge_set(x->m.buffered, (int64_t)x->queued_bytes);
}

/* Over the buffer limit: drop the oldest batches that are not on the wire. */
static void enforce_limit(cw_exporter *x)
{
    uint64_t dropped = 0;
    while (x->queued_bytes > x->max_buffer && !ms_list_empty(&x->batches)) {
        if (x->inflight) {
            ms_list *second = x->batches.next->next;
            if (second == &x->batches)
                break;
            cw_batch *b = ms_list_entry(second, cw_batch, link);
            ms_list_remove(&b->link);
            x->queued_bytes -= b->gz.len;
            x->queued--;
            dropped += b->ndatums;
            ms_counter_add(x->m.dropped, b->ndatums);
            batch_free(b);
        } else {
            dropped += oldest(x)->ndatums;
            drop_head(x, true);
        }
    }
    ms_gauge_set(x->m.buffered, (int64_t)x->queued_bytes);
    if (dropped)
        ms_log(MS_LOG_WARN, "cloudwatch unreachable: oldest metric data dropped",
               KI("data_points", (long long)dropped), KI("buffered_bytes", (long long)x->queued_bytes),
               KEND);
}

static void pump(cw_exporter *x);
static void finish(cw_exporter *x);

static void on_sent(const ms_aws_result *r, void *ud)
{
    cw_exporter *x = ud;
    x->inflight = false;
    if (r->outcome == MS_AWS_SUCCESS) {
        ms_counter_add(x->m.ok, 1);
        ms_counter_add(x->m.points, oldest(x)->ndatums);
        drop_head(x, false);
        if (x->stopping && ms_list_empty(&x->batches))
            finish(x);
        else
            pump(x);
        return;
    }
    ms_counter_add(x->m.failed, 1);
    ms_log(MS_LOG_WARN, "cloudwatch PutMetricData failed", KS("outcome", ms_aws_outcome_name(r->outcome)),
           KS("error", r->error.code), KI("attempts", r->attempts),
           KI("status", r->resp ? r->resp->status : 0), KEND);
    /* A request CloudWatch refuses for good would be refused again. */
    if (r->outcome == MS_AWS_FINAL && strcmp(r->error.code, "Canceled") != 0)
        drop_head(x, true);
    if (x->stopping)
        finish(x);
    /* Otherwise the batch stays first in line for the next interval. */
}

static void pump(cw_exporter *x)
{
    if (x->inflight || ms_list_empty(&x->batches) || x->finished)
        return;
    static const ms_http_header hdrs[2] = {
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"Content-Encoding", "gzip"}};
    ms_aws_request rq = {
        .service = "cloudwatch",
        .action = "PutMetricData", /* the gzip body hides its Action= */
        .endpoint = x->endpoint[0] ? x->endpoint : NULL,
        .method = "POST",
        .path = "/",
        .headers = hdrs,
        .nheaders = 2,
        .body = oldest(x)->gz.p,
        .body_len = oldest(x)->gz.len,
        /* At shutdown one quick try: never hold the exit for CloudWatch. */
        .max_attempts = x->stopping ? 1 : 0,
        .timeout_ms = x->stopping ? 5000 : 0,
    };
    char err[256] = "";
    x->inflight = true;
    if (ms_aws_send(x->aws, &rq, on_sent, x, err, sizeof err) != 0) {
        x->inflight = false;
        ms_log(MS_LOG_ERROR, "cloudwatch request not sent", KS("error", err), KEND);
        drop_head(x, true);
        if (x->stopping)
            finish(x);
    }
}

static int64_t wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

static void collect_now(cw_exporter *x)
{
    ms_cw_datum *d;
    size_t n;
    if (ms_cw_collect(x->col, &d, &n) != 0) {
        ms_log(MS_LOG_ERROR, "cloudwatch: out of memory collecting metrics", KEND);
        return;
    }
    int64_t ts = wall_s();
    if (x->emf_mode) {
        if (ms_emf_write(x->emf, x->ns, d, n, ts * 1000, x->res) != 0)
            ms_counter_add(x->m.dropped, n);
        else
            ms_counter_add(x->m.points, n);
        free(d);
        return;
    }
    ms_metrics_buf raw = {0};
    for (size_t i = 0; i < n;) {
        raw.len = 0;
        size_t next = ms_cw_encode(&raw, x->ns, d, i, n, ts, x->res);
        cw_batch *b = calloc(1, sizeof *b);
        if (!b || raw.oom || ms_cw_gzip(raw.p, raw.len, &b->gz) != 0) {
            ms_counter_add(x->m.dropped, next - i);
            if (b)
                batch_free(b);
        } else {
            b->ndatums = next - i;
            ms_list_insert_tail(&x->batches, &b->link);
            x->queued_bytes += b->gz.len;
            x->queued++;
        }
        i = next;
    }
    ms_metrics_buf_free(&raw);
    free(d);
    enforce_limit(x);
}

static void on_tick(uv_timer_t *t)
{
    cw_exporter *x = t->data;
    collect_now(x);
    pump(x);
}

static void aws_closed(void *ud)
{
    (void)ud;
}

static void finish(cw_exporter *x)
{
    if (x->finished)
        return;
    x->finished = true;
    while (!ms_list_empty(&x->batches))
        drop_head(x, true);
    if (x->aws) {
        ms_aws_close(x->aws, aws_closed, x);
        x->aws = NULL;
    }
}

static int cw_start(ms_service *svc, ms_engine *e, void *uv_loop)
{
    (void)e;
    cw_exporter *x = svc->state;
    x->loop = uv_loop;
    char err[256] = "";
    if (x->emf_mode) {
        x->emf = ms_emf_open(x->emf_path, err, sizeof err);
        if (!x->emf) {
            ms_log(MS_LOG_ERROR, "cloudwatch emf output not opened", KS("error", err), KEND);
            return -1;
        }
    } else {
        x->aws = ms_aws_new(x->loop, &x->aopts, err, sizeof err);
        if (!x->aws) {
            ms_log(MS_LOG_ERROR, "cloudwatch exporter not started", KS("error", err), KEND);
            return -1;
        }
    }
    uv_timer_init(x->loop, &x->timer);
    x->timer.data = x;
    x->timer_open = true;
    uint64_t ms = (uint64_t)x->interval_s * 1000;
    uv_timer_start(&x->timer, on_tick, ms, ms);
    uv_unref((uv_handle_t *)&x->timer);
    ms_log(MS_LOG_INFO, "cloudwatch exporter started", KS("mode", x->emf_mode ? "emf" : "api"),
           KS("namespace", x->ns), KI("interval_s", x->interval_s),
           KI("storage_resolution", x->res), KEND);
    return 0;
}

static void cw_stop(ms_service *svc)
{
    cw_exporter *x = svc->state;
    if (x->timer_open) {
        uv_close((uv_handle_t *)&x->timer, NULL);
        x->timer_open = false;
    }
    x->stopping = true;
    collect_now(x); /* the last interval, partial */
    if (x->emf_mode) {
        ms_emf_close(x->emf);
        x->emf = NULL;
        return;
    }
    if (!x->inflight) {
        if (!ms_list_empty(&x->batches))
            pump(x);
        else
            finish(x);
    }
}

static void cw_free(cw_exporter *x)
{
    while (!ms_list_empty(&x->batches))
        drop_head(x, false);
    ms_emf_close(x->emf);
    ms_cw_collector_free(x->col);
    free(x);
}

static void cw_destroy(ms_service *svc)
{
    cw_free(svc->state);
    free(svc);
}

static const ms_service_ops cw_ops = {
    .name = "cloudwatch",
    .start = cw_start,
    .stop = cw_stop,
    .destroy = cw_destroy,
};

static bool cw_enabled(const ms_config *cfg)
{
    return strcmp(ms_config_str(cfg, "cloudwatch.mode"), "off") != 0;
}

static ms_service *cw_create(const ms_config *cfg, char *err, size_t errlen)
{
    const char *mode = ms_config_str(cfg, "cloudwatch.mode");
    ms_service *svc = calloc(1, sizeof *svc);
    cw_exporter *x = calloc(1, sizeof *x);
    if (!svc || !x || !(x->col = ms_cw_collector_new(ms_config_str(cfg, "cloudwatch.pipeline")))) {
        free(svc);
        free(x);
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    ms_list_init(&x->batches);
    x->emf_mode = strcmp(mode, "emf") == 0;
    snprintf(x->ns, sizeof x->ns, "%s", ms_config_str(cfg, "cloudwatch.namespace"));
    snprintf(x->endpoint, sizeof x->endpoint, "%s", ms_config_str(cfg, "cloudwatch.endpoint"));
    snprintf(x->emf_path, sizeof x->emf_path, "%s", ms_config_str(cfg, "cloudwatch.emf_path"));
    x->interval_s = (int)ms_config_int(cfg, "cloudwatch.interval_s");
    x->res = ms_config_bool(cfg, "cloudwatch.high_resolution") ? 1 : 60;
    x->max_buffer = (size_t)ms_config_int(cfg, "cloudwatch.max_buffer");
    ms_aws_opts_from_config(cfg, &x->aopts);
    x->m.ok = ms_counter("medstream_cloudwatch_requests_total", "outcome=\"ok\"",
                         "PutMetricData requests by outcome");
    x->m.failed = ms_counter("medstream_cloudwatch_requests_total", "outcome=\"failed\"",
                             "PutMetricData requests by outcome");
    x->m.points = ms_counter("medstream_cloudwatch_points_total", "",
                             "Data points delivered to CloudWatch (or written as EMF)");
    x->m.dropped = ms_counter("medstream_cloudwatch_dropped_total", "",
                              "Data points dropped (CloudWatch unreachable too long, or refused)");
    x->m.buffered = ms_gauge("medstream_cloudwatch_buffered_bytes", "",
                             "Compressed PutMetricData bodies waiting to be sent");
    svc->ops = &cw_ops;
    svc->state = x;
    return svc;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key cloudwatch_keys[] = {
    MS_KEY_ENUM("cloudwatch.mode", "off", "off|api|emf",
         "Send metrics to CloudWatch: api = PutMetricData from the process, emf = Embedded Metric Format lines for the CloudWatch agent, off = neither."),
    MS_KEY_INT("cloudwatch.interval_s", "60", 1, 3600,
        "Seconds between two CloudWatch publications (PutMetricData requests or EMF lines)."),
    MS_KEY_BOOL("cloudwatch.high_resolution", "false",
         "Publish with a 1-second storage resolution (billed as high-resolution metrics); otherwise 60 s."),
    MS_KEY_STR("cloudwatch.namespace", "medstream",
        "CloudWatch namespace of every metric."),
    MS_KEY_STR("cloudwatch.pipeline", "default",
        "Value of the `pipeline` dimension on every CloudWatch metric (tells pipelines apart in one namespace)."),
    MS_KEY_STR("cloudwatch.endpoint", "",
        "CloudWatch endpoint URL (empty = the region's; AWS_ENDPOINT_URL_CLOUDWATCH also works)."),
    MS_KEY_SIZE("cloudwatch.max_buffer", "4M", 64 * MS_KIB, 1 * MS_GIB,
         "Encoded metric data kept while CloudWatch is unreachable; beyond it the oldest publications are dropped and counted."),
    MS_KEY_STR("cloudwatch.emf_path", "-",
        "emf mode: file the EMF JSON lines are appended to (\"-\" = stdout)."),
    { 0 }
};

/* check-config --probe: PutMetricData has no dry run -- any accepted call
 * publishes data points (billed, and visible on the dashboards) -- so the
 * api mode is not probed, and the line says so. The emf mode's file is. */
static void cw_probe(const ms_config *cfg, ms_probe *p)
{
    const char *path = ms_config_str(cfg, "cloudwatch.emf_path");
    if (!strcmp(ms_config_str(cfg, "cloudwatch.mode"), "api")) {
        ms_probe_note(p, "service cloudwatch",
                      "not probed: PutMetricData has no dry run (a probe would publish data "
                      "points to namespace %s); a refused or failed push is logged and counted "
                      "in medstream_cloudwatch_requests_total{outcome=\"failed\"}",
                      ms_config_str(cfg, "cloudwatch.namespace"));
    } else if (strcmp(path, "-") != 0) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            dir[1] = 0;
        else if (slash)
            *slash = 0;
        else
            snprintf(dir, sizeof dir, ".");
        ms_probe_dir(p, "service cloudwatch: emf_path", dir, true);
    }
}

const ms_plugin ms_service_cloudwatch_plugin = {
    .name = "cloudwatch",
    .kind = MS_PLUGIN_SERVICE,
    .description = "metrics to Amazon CloudWatch: PutMetricData (api) or Embedded Metric Format lines (emf)",
    .keys = cloudwatch_keys,
    .enabled = cw_enabled,
    .probe = cw_probe,
    .create.service = cw_create,
};
