/* http_admin.c -- /metrics, /healthz, /readyz and /stats on the engine's
 * loop. A 1 s timer samples the engine's totals so readiness and rates are
 * computed over windows, not since start. */
#include "telemetry/http_admin.h"

#include "base/errbuf.h"
#include "core/plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/httpd.h"
#include "base/log.h"
#include "base/metrics.h"
#include "telemetry/metrics_prom.h"
#include "telemetry/metrics_process.h"

#define WINDOW 61 /* samples, one a second: rates over the last 60 s */
#define RATE_SPAN 10

typedef struct sample {
    uint64_t done, errors, ms;
} sample;

typedef struct admin {
    ms_engine *engine;
    char host[64];
    int port;
    double max_error_rate;
    int64_t stall_ms;
    uv_loop_t *loop;
    ms_httpd *httpd;
    uv_timer_t timer;
    bool timer_open;
    uint64_t start_ms, last_progress_ms, last_done;
    sample win[WINDOW];
    size_t nwin, head; /* head = next slot */
} admin;

int ms_http_admin_parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon;
    const char *h = s;
    size_t hl;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            return -1;
        h = s + 1;
        hl = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - s);
    }
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || colon[1] == '\0' || p < 0 || p > 65535 || hl >= hostlen)
        return -1;
    if (hl == 0)
        snprintf(host, hostlen, "127.0.0.1");
    else {
        memcpy(host, h, hl);
        host[hl] = '\0';
    }
    *port = (int)p;
    return 0;
}

bool ms_http_admin_ready(const ms_ready_input *in, const char **why)
{
    if (!in->running) {
        *why = "source not running";
        return false;
    }
    if (in->in_flight > 0 && in->stall_ms > 0 &&
        in->now_ms - in->last_progress_ms > (uint64_t)in->stall_ms) {
        *why = "stalled: reports in flight, none delivered recently";
        return false;
    }
    if (in->window_done > 0 &&
        (double)in->window_errors / (double)in->window_done > in->max_error_rate) {
        *why = "error rate above http.ready_max_error_rate";
        return false;
    }
    *why = "ready";
    return true;
}

/* ---- sampling --------------------------------------------------------- */

static void totals_now(admin *a, uint64_t *done, uint64_t *errors)
{
    ms_engine_totals t;
    ms_engine_get_totals(a->engine, &t);
    *done = t.delivered + t.dead_letters;
    *errors = t.dead_letters + t.sink_errors;
}

static void take_sample(admin *a)
{
    sample s;
    totals_now(a, &s.done, &s.errors);
    s.ms = uv_now(a->loop);
    if (s.done != a->last_done) {
        a->last_done = s.done;
        a->last_progress_ms = s.ms;
    }
    a->win[a->head] = s;
    a->head = (a->head + 1) % WINDOW;
    if (a->nwin < WINDOW)
        a->nwin++;
}

/* The sample `back` seconds ago (clamped to the oldest). */
static const sample *sample_back(const admin *a, size_t back)
{
    if (back >= a->nwin)
        back = a->nwin - 1;
    return &a->win[(a->head + WINDOW - 1 - back) % WINDOW];
}

static void on_tick(uv_timer_t *t)
{
    take_sample(t->data);
}

static void ready_input(admin *a, ms_ready_input *in)
{
    ms_engine_totals t;
    ms_engine_get_totals(a->engine, &t);
    take_sample(a);
    const sample *now = sample_back(a, 0), *old = sample_back(a, WINDOW - 1);
    *in = (ms_ready_input){
        .running = ms_engine_is_running(a->engine),
        .in_flight = (int64_t)(t.admitted - t.delivered - t.dead_letters - t.abandoned),
        .done_now = now->done,
        .last_progress_ms = a->last_progress_ms,
        .now_ms = now->ms,
        .window_done = now->done - old->done,
        .window_errors = now->errors - old->errors,
        .max_error_rate = a->max_error_rate,
        .stall_ms = a->stall_ms,
    };
}

/* ---- /stats ----------------------------------------------------------- */

static int64_t gauge_of(ms_metric **v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i]->name, name) == 0 && v[i]->type == MS_METRIC_GAUGE)
            return ms_metric_gauge(v[i]);
    return 0;
}

static uint64_t counter_sum(ms_metric **v, size_t n, const char *name, const char *lkey,
                            const char *lval)
{
    uint64_t sum = 0;
    char val[64];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i]->name, name) != 0 || v[i]->type != MS_METRIC_COUNTER)
            continue;
        if (lkey && !(ms_metrics_label_get(v[i]->labels, lkey, val, sizeof val) &&
                      strcmp(val, lval) == 0))
            continue;
        sum += ms_metric_count(v[i]);
    }
    return sum;
}

static uint64_t throttles_of(ms_metric **v, size_t n, const char *op)
{
    char l[128];
    snprintf(l, sizeof l, "op=\"%s\",outcome=\"throttle\"", op);
    for (size_t i = 0; i < n; i++)
        if (v[i]->type == MS_METRIC_COUNTER &&
            strcmp(v[i]->name, "medstream_comprehend_attempts_total") == 0 &&
            strcmp(v[i]->labels, l) == 0)
            return ms_metric_count(v[i]);
    return 0;
}

/* Quantile q of a histogram, linear within its bucket (as PromQL's
 * histogram_quantile does). */
static double hist_quantile(ms_metric *m, double q)
{
    uint64_t b[MS_HIST_BUCKETS], total = 0;
    for (int i = 0; i < MS_HIST_BUCKETS; i++) {
        b[i] = atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
        total += b[i];
    }
    if (total == 0)
        return 0;
    double rank = q * (double)total, cum = 0;
    for (int i = 0; i < MS_HIST_BUCKETS; i++) {
        if (cum + (double)b[i] >= rank && b[i] > 0) {
            if (i == MS_HIST_BUCKETS - 1)
                return ms_hist_bounds[i - 1];
            double lo = i ? ms_hist_bounds[i - 1] : 0, hi = ms_hist_bounds[i];
            return lo + (hi - lo) * (rank - cum) / (double)b[i];
        }
        cum += (double)b[i];
    }
    return ms_hist_bounds[MS_HIST_BUCKETS - 2];
}

static void render_stats(admin *a, ms_metrics_buf *b)
{
    ms_ready_input in;
    ready_input(a, &in);
    const char *why;
    bool ready = ms_http_admin_ready(&in, &why);
    ms_engine_totals t;
    ms_engine_get_totals(a->engine, &t);
    const sample *now = sample_back(a, 0), *then = sample_back(a, RATE_SPAN);
    double dt = (double)(now->ms - then->ms) / 1000.0;
    double rate = dt > 0 ? (double)(now->done - then->done) / dt : 0;
    ms_metric **v = NULL;
    size_t n = 0;
    if (ms_metrics_snapshot(&v, &n) != 0) {
        b->oom = true;
        return;
    }
    ms_metrics_buf_printf(b,
                          "{\"uptime_s\":%.1f,\"running\":%s,\"ready\":%s,\"ready_reason\":",
                          (double)(now->ms - a->start_ms) / 1000.0,
                          in.running ? "true" : "false", ready ? "true" : "false");
    ms_metrics_buf_json_str(b, why);
    ms_metrics_buf_printf(b,
                          ",\"reports_per_s\":%.3f,\"admitted\":%llu,\"delivered\":%llu,"
                          "\"dead_letters\":%llu,\"sink_errors\":%llu,\"in_flight\":%lld,"
                          "\"in_flight_bytes\":%lld,\"paused\":%s,\"pauses\":%llu,"
                          "\"throttles\":%llu,\"errors_60s\":%llu,\"done_60s\":%llu,"
                          "\"workers_busy\":%lld,\"workers\":%d,\"stages\":[",
                          rate, (unsigned long long)t.admitted, (unsigned long long)t.delivered,
                          (unsigned long long)t.dead_letters, (unsigned long long)t.sink_errors,
                          (long long)gauge_of(v, n, "medstream_inflight_reports"),
                          (long long)gauge_of(v, n, "medstream_inflight_bytes"),
                          gauge_of(v, n, "medstream_source_paused") ? "true" : "false",
                          (unsigned long long)t.pauses,
                          (unsigned long long)counter_sum(v, n,
                                                          "medstream_comprehend_attempts_total",
                                                          "outcome", "throttle"),
                          (unsigned long long)in.window_errors,
                          (unsigned long long)in.window_done,
                          (long long)gauge_of(v, n, "medstream_workers_busy"),
                          ms_engine_workers(a->engine));
    bool first = true;
    char stage[64];
    for (size_t i = 0; i < n; i++) {
        ms_metric *m = v[i];
        if (m->type != MS_METRIC_HISTOGRAM || strcmp(m->name, "medstream_stage_seconds") != 0 ||
            !ms_metrics_label_get(m->labels, "stage", stage, sizeof stage))
            continue;
        ms_metrics_buf_printf(b, "%s{\"stage\":", first ? "" : ",");
        first = false;
        ms_metrics_buf_json_str(b, stage);
        ms_metrics_buf_printf(
            b, ",\"reports\":%llu,\"errors\":%llu,\"p50_s\":%.6f,\"p90_s\":%.6f,\"p99_s\":%.6f}",
            (unsigned long long)counter_sum(v, n, "medstream_stage_reports_total", "stage", stage),
            (unsigned long long)counter_sum(v, n, "medstream_stage_errors_total", "stage", stage),
            hist_quantile(m, 0.5), hist_quantile(m, 0.9), hist_quantile(m, 0.99));
    }
    ms_metrics_buf_puts(b, "],\"comprehend\":[");
    first = true;
    char op[64];
    for (size_t i = 0; i < n; i++) {
        ms_metric *m = v[i];
        if (m->type != MS_METRIC_GAUGE ||
            strcmp(m->name, "medstream_comprehend_concurrency_limit") != 0 ||
            !ms_metrics_label_get(m->labels, "op", op, sizeof op))
            continue;
        ms_metrics_buf_printf(b, "%s{\"op\":", first ? "" : ",");
        first = false;
        ms_metrics_buf_json_str(b, op);
        ms_metrics_buf_printf(
            b,
            ",\"requests\":%llu,\"throttles\":%llu,\"billed_units\":%llu,\"cache_hits\":%llu,"
            "\"concurrency_limit\":%lld}",
            (unsigned long long)counter_sum(v, n, "medstream_comprehend_requests_total", "op", op),
            (unsigned long long)throttles_of(v, n, op),
            (unsigned long long)counter_sum(v, n, "medstream_comprehend_billed_units_total", "op",
                                            op),
            (unsigned long long)counter_sum(v, n, "medstream_comprehend_cache_hits_total", "op",
                                            op),
            (long long)ms_metric_gauge(m));
    }
    ms_metrics_buf_puts(b, "]}\n");
    free(v);
}

/* ---- requests --------------------------------------------------------- */

static void respond_text(ms_httpd_req *req, int status, const char *ctype, const char *body,
                         size_t len)
{
    ms_httpd_header h[2] = {{"Content-Type", ctype}, {"Cache-Control", "no-store"}};
    ms_httpd_respond(req, status, h, 2, body, len, 0);
}

static void on_request(ms_httpd_req *req, void *ud)
{
    admin *a = ud;
    if (strcmp(req->method, "GET") != 0) {
        ms_httpd_header h[1] = {{"Allow", "GET"}};
        ms_httpd_respond(req, 405, h, 1, "method not allowed\n", 19, 0);
        return;
    }
    ms_metrics_buf b = {0};
    int status = 200;
    const char *ctype = "application/json";
    if (strcmp(req->path, "/metrics") == 0) {
        ms_metrics_prom_render(&b);
        ms_metrics_process_render(&b);
        ctype = MS_PROM_CONTENT_TYPE;
    } else if (strcmp(req->path, "/healthz") == 0) {
        ms_metrics_buf_puts(&b, "ok\n");
        ctype = "text/plain; charset=utf-8";
    } else if (strcmp(req->path, "/readyz") == 0) {
        ms_ready_input in;
        ready_input(a, &in);
        const char *why;
        status = ms_http_admin_ready(&in, &why) ? 200 : 503;
        ms_metrics_buf_printf(&b, "%s\n", why);
        ctype = "text/plain; charset=utf-8";
    } else if (strcmp(req->path, "/stats") == 0) {
        render_stats(a, &b);
    } else {
        status = 404;
        ms_metrics_buf_puts(&b, "not found: try /metrics, /healthz, /readyz, /stats\n");
        ctype = "text/plain; charset=utf-8";
    }
    if (b.oom) {
        ms_metrics_buf_free(&b);
        respond_text(req, 500, "text/plain", "out of memory\n", 14);
        return;
    }
    respond_text(req, status, ctype, b.p ? b.p : "", b.len);
    ms_metrics_buf_free(&b);
}

/* ---- service ---------------------------------------------------------- */

static int admin_start(ms_service *svc, ms_engine *e, void *uv_loop)
{
    admin *a = svc->state;
    a->engine = e;
    a->loop = uv_loop;
    a->start_ms = uv_now(a->loop);
    a->last_progress_ms = a->start_ms;
    ms_httpd_opts o = {.host = a->host, .port = a->port, .server_name = "medstream",
                       .on_request = on_request, .ud = a};
    char err[256] = "";
    a->httpd = ms_httpd_new(a->loop, &o, err, sizeof err);
    if (!a->httpd) {
        ms_log(MS_LOG_ERROR,
               svc->required ? "admin endpoint not started (http.required = true)"
                             : "admin endpoint not started; running without it (http.required = false)",
               KS("listen_host", a->host), KI("listen_port", a->port), KS("error", err), KEND);
        return -1;
    }
    uv_timer_init(a->loop, &a->timer);
    a->timer.data = a;
    a->timer_open = true;
    take_sample(a);
    uv_timer_start(&a->timer, on_tick, 1000, 1000);
    uv_unref((uv_handle_t *)&a->timer);
    ms_log(MS_LOG_INFO, "admin endpoint listening", KS("host", a->host),
           KI("port", ms_httpd_port(a->httpd)), KS("paths", "/metrics /healthz /readyz /stats"),
           KEND);
    return 0;
}

static void admin_stop(ms_service *svc)
{
    admin *a = svc->state;
    if (a->httpd) {
        ms_httpd_close(a->httpd, NULL, NULL);
        a->httpd = NULL;
    }
    if (a->timer_open) {
        uv_close((uv_handle_t *)&a->timer, NULL);
        a->timer_open = false;
    }
}

static void admin_destroy(ms_service *svc)
{
    free(svc->state);
    free(svc);
}

/* SIGHUP: the readiness thresholds are MS_CFG_LIVE (loop thread, where
 * /readyz is answered). */
static void admin_reload(ms_service *svc, const ms_config *cfg)
{
    admin *a = svc->state;
    a->max_error_rate = ms_config_double(cfg, "http.ready_max_error_rate");
    a->stall_ms = ms_config_int(cfg, "http.ready_stall_s") * 1000;
}

static const ms_service_ops admin_ops = {
    .name = "admin",
    .start = admin_start,
    .stop = admin_stop,
    .reload = admin_reload,
    .destroy = admin_destroy,
};

static bool admin_enabled(const ms_config *cfg)
{
    const char *listen = ms_config_str(cfg, "http.listen");
    return listen[0] && strcmp(listen, "off") != 0;
}

static int admin_check(const ms_config *cfg, char *err, size_t errlen)
{
    char host[64];
    int port;
    const char *listen = ms_config_str(cfg, "http.listen");
    if (admin_enabled(cfg) &&
        ms_http_admin_parse_listen(listen, host, sizeof host, &port) != 0) {
        ms_errf(err, errlen, "http.listen '%s' is not host:port", listen);
        return -1;
    }
    return 0;
}

/* Nothing is bound until the engine runs: a port that cannot be bound is
 * logged by admin_start, and the engine does not start (http.required, the
 * default: the liveness and readiness probes depend on the endpoint) or
 * runs without it. */
static ms_service *admin_create(const ms_config *cfg, char *err, size_t errlen)
{
    if (admin_check(cfg, err, errlen) != 0)
        return NULL;
    ms_service *svc = calloc(1, sizeof *svc);
    admin *a = calloc(1, sizeof *a);
    if (!svc || !a) {
        free(svc);
        free(a);
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    ms_http_admin_parse_listen(ms_config_str(cfg, "http.listen"), a->host, sizeof a->host,
                               &a->port);
    a->max_error_rate = ms_config_double(cfg, "http.ready_max_error_rate");
    a->stall_ms = ms_config_int(cfg, "http.ready_stall_s") * 1000;
    svc->ops = &admin_ops;
    svc->state = a;
    svc->required = ms_config_bool(cfg, "http.required");
    return svc;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key admin_keys[] = {
    MS_KEY_STR("http.listen", "127.0.0.1:9464",
        "Admin HTTP endpoint (/metrics, /healthz, /readyz, /stats) as host:port or [v6]:port; \"off\" or empty = none. Bind to another address only on purpose."),
    MS_KEY_BOOL("http.required", "true",
        "A http.listen that cannot be bound (port taken, bad address) stops the start with exit code 1, since Kubernetes' liveness and readiness probes and the metrics scrape depend on it; false = log it and run without the endpoint."),
    MS_KEY_DBL_LIVE("http.ready_max_error_rate", "0.5", 0, 1,
        "/readyz fails while more than this fraction of the reports finished in the last 60 s were dead letters or sink errors."),
    MS_KEY_INT_LIVE("http.ready_stall_s", "120", 0, 86400,
        "/readyz fails when reports are in flight and none was delivered for this many seconds (0 = never)."),
    { 0 }
};

const ms_plugin ms_service_admin_plugin = {
    .name = "admin",
    .kind = MS_PLUGIN_SERVICE,
    .description = "the admin HTTP endpoint on http.listen: /metrics, /healthz, /readyz, /stats",
    .keys = admin_keys,
    .enabled = admin_enabled,
    .check = admin_check,
    .create.service = admin_create,
};
