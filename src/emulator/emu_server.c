/* emu_server.c -- one request through the emulator:
 *
 *   route -> operation (X-Amz-Target) -> SigV4 (optional) -> injected fault
 *   -> body validation -> quotas (TPS and characters/s buckets) -> the
 *   engine (on the loop for small texts, on libuv's thread pool for large
 *   ones) -> answer after the modelled latency.
 *
 * Every answer, error or not, waits for the base latency (mean +/- jitter);
 * successful ones also for the per-1,000-characters term. The delay counts
 * from the request's arrival, so time spent in the engine is part of it.
 * Counters are only touched on the loop thread. Request text is never
 * logged. */
#include "emulator/emulator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/errbuf.h"
#include "base/log.h"

struct ms_emu {
    uv_loop_t *loop;
    ms_emu_config cfg;
    ms_httpd *http;
    ms_nlp_engine *nlp;
    ms_nlp_result res;           /* scratch for work done on the loop */
    ms_bucket tps[MS_EMU_NOPS], cps[MS_EMU_NOPS];
    ms_emu_stats st;
    ms_emu_rng rng;
    size_t works;                /* jobs on the thread pool */
    bool http_closed, closing;
    void (*on_closed)(void *);
    void *closed_ud;
};

typedef struct job {
    uv_work_t w;
    ms_emu *emu;
    ms_httpd_req *req;
    json_t *doc;                 /* owns text */
    ms_emu_op op;
    const char *text;
    size_t len, nchars;
    uint64_t due_ms;             /* answer not before this uv_now() */
    char reqid[40];
    char *out;
    size_t out_len;
} job;

static double mono_s(void)
{
    return (double)uv_hrtime() / 1e9;
}

/* ---- answering --------------------------------------------------------- */

static uint64_t remaining(ms_emu *e, uint64_t due_ms)
{
    if (!due_ms)
        return 0;
    uv_update_time(e->loop);
    uint64_t now = uv_now(e->loop);
    return due_ms > now ? due_ms - now : 0;
}

static void answer(ms_emu *e, ms_httpd_req *req, int status, const char *reqid,
                   const char *err_code, const char *body, size_t len, uint64_t due_ms)
{
    ms_httpd_header hs[3] = {
        {"Content-Type", "application/x-amz-json-1.1"},
        {"x-amzn-RequestId", reqid},
        {"x-amzn-ErrorType", err_code},
    };
    ms_httpd_respond(req, status, hs, err_code ? 3 : 2, body, len, remaining(e, due_ms));
}

static void answer_error(ms_emu *e, ms_httpd_req *req, int status, const char *reqid,
                         const char *code, const char *message, uint64_t due_ms)
{
    json_t *j = json_pack("{ss ss}", "__type", code, "Message", message);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    answer(e, req, status, reqid, code, body ? body : "{}", body ? strlen(body) : 2, due_ms);
    free(body);
}

static void new_reqid(ms_emu *e, char out[40])
{
    uint64_t a = ms_emu_rng_next(&e->rng), b = ms_emu_rng_next(&e->rng);
    snprintf(out, 40, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
             (unsigned)((b >> 48) & 0x3fff) | 0x8000,
             (unsigned long long)(b & 0xffffffffffffULL));
}

/* ---- the latency model and faults -------------------------------------- */

static double base_delay_ms(ms_emu *e)
{
    double d = e->cfg.latency_ms;
    if (e->cfg.jitter_ms > 0)
        d += e->cfg.jitter_ms * (2 * ms_emu_rng_unit(&e->rng) - 1);
    return d > 0 ? d : 0;
}

static uint64_t due(const ms_httpd_req *req, double delay_ms)
{
    return delay_ms > 0 ? req->arrival_ms + (uint64_t)(delay_ms + 0.5) : 0;
}

static ms_emu_fault draw_fault(ms_emu *e)
{
    const ms_emu_config *c = &e->cfg;
    if (c->fault_5xx + c->fault_throttle + c->fault_reset + c->fault_stall <= 0)
        return MS_EMU_FAULT_NONE;
    double u = ms_emu_rng_unit(&e->rng), acc = 0;
    const double p[MS_EMU_NFAULTS] = {c->fault_5xx, c->fault_throttle, c->fault_reset,
                                      c->fault_stall};
    for (int i = 0; i < MS_EMU_NFAULTS; i++) {
        acc += p[i];
        if (u < acc)
            return (ms_emu_fault)i;
    }
    return MS_EMU_FAULT_NONE;
}

/* ---- the operations ---------------------------------------------------- */

static void account(ms_emu *e, ms_emu_op op, size_t nchars)
{
    e->st.op[op].characters += nchars;
    e->st.op[op].billed_units += ms_emu_billed_units(nchars);
}

static void job_run(uv_work_t *w)
{
    job *j = w->data;
    ms_nlp_result res = {0};
    j->out = ms_emu_op_run(j->emu->nlp, &res, j->op, j->text, j->len, j->nchars,
                           j->emu->cfg.model_version, &j->out_len);
    ms_nlp_result_free(&res);
}

static void maybe_finish_close(ms_emu *e);

static void job_done(uv_work_t *w, int status)
{
    (void)status;
    job *j = w->data;
    ms_emu *e = j->emu;
    if (j->out) {
        account(e, j->op, j->nchars);
        answer(e, j->req, 200, j->reqid, NULL, j->out, j->out_len, j->due_ms);
    } else {
        ms_log(MS_LOG_ERROR, "emulator: engine failed", KS("op", ms_emu_op_name(j->op)),
               KI("bytes", j->len), KEND);
        answer_error(e, j->req, 500, j->reqid, "InternalServerException",
                     "The engine failed on this request.", 0);
    }
    free(j->out);
    json_decref(j->doc);
    free(j);
    e->works--;
    maybe_finish_close(e);
}

static size_t count_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static void comprehend(ms_emu *e, ms_httpd_req *req, ms_emu_op op)
{
    ms_emu_op_stats *os = &e->st.op[op];
    os->requests++;
    char reqid[40];
    new_reqid(e, reqid);
    double base = base_delay_ms(e);

    if (e->cfg.access_key) {
        ms_emu_auth_error ae;
        if (ms_emu_verify_sigv4(req, e->cfg.access_key, e->cfg.secret_key, time(NULL),
                                e->cfg.max_skew_s, &ae) != 0) {
            e->st.auth_failures++;
            os->errors++;
            ms_log(MS_LOG_DEBUG, "emulator: signature refused", KS("code", ae.code), KEND);
            answer_error(e, req, ae.status, reqid, ae.code, ae.message, due(req, base));
            return;
        }
    }

    ms_emu_fault f = draw_fault(e);
    if (f != MS_EMU_FAULT_NONE) {
        os->faults++;
        e->st.faults[f]++;
        switch (f) {
        case MS_EMU_FAULT_5XX:
            if (ms_emu_rng_next(&e->rng) & 1)
                answer_error(e, req, 500, reqid, "InternalServerException",
                             "An internal server error occurred. Retry your request.",
                             due(req, base));
            else
                answer_error(e, req, 503, reqid, "ServiceUnavailableException",
                             "The service is temporarily unavailable. Please wait and "
                             "then retry your request.", due(req, base));
            return;
        case MS_EMU_FAULT_THROTTLE:
            answer_error(e, req, 429, reqid, "TooManyRequestsException", "Rate exceeded",
                         due(req, base));
            return;
        case MS_EMU_FAULT_RESET:
            ms_httpd_reset(req);
            return;
        default:
            ms_httpd_stall(req);
            return;
        }
    }

    json_error_t jerr;
    json_t *doc = json_loadb(req->body, req->body_len, JSON_ALLOW_NUL, &jerr);
    if (!doc || !json_is_object(doc)) {
        os->errors++;
        bool utf8 = !doc && json_error_code(&jerr) == json_error_invalid_utf8;
        json_decref(doc);
        if (utf8)
            answer_error(e, req, 400, reqid, "InvalidEncodingException",
                         "The input text was not in valid UTF-8 character encoding.",
                         due(req, base));
        else
            answer_error(e, req, 400, reqid, "SerializationException",
                         "The request body is not a JSON object.", due(req, base));
        return;
    }
    json_t *jt = json_object_get(doc, "Text");
    if (!json_is_string(jt) || json_string_length(jt) == 0) {
        os->errors++;
        const char *why = !jt ? "The required parameter Text is missing."
                          : json_is_string(jt) ? "Text must not be empty."
                                               : "Text must be a string.";
        json_decref(doc);
        answer_error(e, req, 400, reqid, "InvalidRequestException", why, due(req, base));
        return;
    }
    const char *text = json_string_value(jt);
    size_t len = json_string_length(jt);
    size_t max = e->cfg.quota[op].max_bytes;
    if (max && len > max) {
        os->errors++;
        json_decref(doc);
        char msg[200];
        snprintf(msg, sizeof msg,
                 "Input text size exceeds limit. Max length of request text allowed is "
                 "%zu bytes while in this request the text size is %zu bytes",
                 max, len);
        answer_error(e, req, 400, reqid, "TextSizeLimitExceededException", msg,
                     due(req, base));
        return;
    }
    size_t nchars = count_chars(text, len);

    /* both quotas must admit it; nothing is taken from either otherwise */
    double now = mono_s();
    if (ms_bucket_wait(&e->tps[op], now, 1) > 0 ||
        ms_bucket_wait(&e->cps[op], now, (double)nchars) > 0) {
        os->throttled++;
        json_decref(doc);
        answer_error(e, req, 429, reqid, "TooManyRequestsException", "Rate exceeded",
                     due(req, base));
        return;
    }
    ms_bucket_take(&e->tps[op], now, 1);
    ms_bucket_take(&e->cps[op], now, (double)nchars);

    uint64_t due_ms = due(req, base + e->cfg.per_kchar_ms * (double)nchars / 1000.0);
    if (len > e->cfg.inline_max_bytes) {
        job *j = calloc(1, sizeof *j);
        if (j) {
            *j = (job){.emu = e, .req = req, .doc = doc, .op = op, .text = text,
                       .len = len, .nchars = nchars, .due_ms = due_ms};
            memcpy(j->reqid, reqid, sizeof reqid);
            j->w.data = j;
            if (uv_queue_work(e->loop, &j->w, job_run, job_done) == 0) {
                e->works++;
                return;
            }
            free(j);
        }
        /* no thread pool: do it here */
    }
    size_t out_len = 0;
    char *out = ms_emu_op_run(e->nlp, &e->res, op, text, len, nchars,
                              e->cfg.model_version, &out_len);
    json_decref(doc);
    if (!out) {
        answer_error(e, req, 500, reqid, "InternalServerException",
                     "The engine failed on this request.", 0);
        return;
    }
    account(e, op, nchars);
    answer(e, req, 200, reqid, NULL, out, out_len, due_ms);
    free(out);
}

/* ---- routing ----------------------------------------------------------- */

static void reset_counters(ms_emu *e)
{
    memset(&e->st, 0, sizeof e->st);
    e->st.start_ms = uv_now(e->loop);
    double now = mono_s();
    for (int i = 0; i < MS_EMU_NOPS; i++) {
        const ms_emu_quota *q = &e->cfg.quota[i];
        ms_bucket_init(&e->tps[i], q->tps, q->tps * e->cfg.burst_s, now);
        ms_bucket_init(&e->cps[i], q->cps, q->cps * e->cfg.burst_s, now);
    }
}

static void plain(ms_httpd_req *req, int status, const char *ctype, const char *body,
                  size_t len)
{
    ms_httpd_header h = {"Content-Type", ctype};
    ms_httpd_respond(req, status, &h, 1, body, len, 0);
}

static void on_request(ms_httpd_req *req, void *ud)
{
    ms_emu *e = ud;
    if (!strncmp(req->path, "/_emulator/", 11)) {
        const char *what = req->path + 11;
        if (!strcmp(what, "stats") && !strcmp(req->method, "GET")) {
            size_t len = 0;
            char *s = ms_emu_stats_json(&e->st, uv_now(e->loop), ms_httpd_connections(e->http),
                                        ms_httpd_accepted(e->http), &len);
            plain(req, s ? 200 : 500, "application/json", s ? s : "{}", s ? len : 2);
            free(s);
        } else if (!strcmp(what, "reset") && !strcmp(req->method, "POST")) {
            reset_counters(e);
            plain(req, 200, "application/json", "{}", 2);
        } else {
            plain(req, 404, "text/plain", "not found\n", 10);
        }
        return;
    }
    const char *target = ms_httpd_header_get(req, "X-Amz-Target");
    size_t pl = sizeof MS_EMU_TARGET_PREFIX - 1;
    int op = -1;
    if (target && !strncmp(target, MS_EMU_TARGET_PREFIX, pl))
        op = ms_emu_op_find(target + pl, strlen(target + pl));
    if (op < 0 || strcmp(req->method, "POST") || strcmp(req->path, "/")) {
        e->st.unknown++;
        char reqid[40];
        new_reqid(e, reqid);
        answer_error(e, req, op < 0 && !strcmp(req->method, "POST") ? 400 : 404, reqid,
                     "UnknownOperationException",
                     "The emulator serves POST / with X-Amz-Target "
                     MS_EMU_TARGET_PREFIX "DetectEntitiesV2, DetectEntities, DetectPHI, "
                     "InferICD10CM, InferRxNorm or InferSNOMEDCT.", 0);
        return;
    }
    comprehend(e, req, (ms_emu_op)op);
}

/* ---- lifetime ---------------------------------------------------------- */

ms_emu *ms_emu_new(uv_loop_t *loop, const ms_emu_config *cfg, char *err, size_t errlen)
{
    ms_emu *e = calloc(1, sizeof *e);
    if (!e) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    e->loop = loop;
    e->cfg = *cfg;
    e->nlp = ms_nlp_engine_new();
    if (!e->nlp) {
        ms_errf(err, errlen, "cannot build the NLP engine (out of memory)");
        free(e);
        return NULL;
    }
    ms_emu_rng_seed(&e->rng, cfg->seed);
    reset_counters(e);
    ms_httpd_opts ho = {
        .host = cfg->host, .port = cfg->port, .max_body_bytes = cfg->max_body_bytes,
        .server_name = "medstream-emulate", .on_request = on_request, .ud = e,
    };
    e->http = ms_httpd_new(loop, &ho, err, errlen);
    if (!e->http) {
        ms_nlp_engine_free(e->nlp);
        free(e);
        return NULL;
    }
    return e;
}

int ms_emu_port(const ms_emu *e)
{
    return ms_httpd_port(e->http);
}

static void maybe_finish_close(ms_emu *e)
{
    if (!e->closing || !e->http_closed || e->works)
        return;
    void (*cb)(void *) = e->on_closed;
    void *ud = e->closed_ud;
    ms_nlp_result_free(&e->res);
    ms_nlp_engine_free(e->nlp);
    free(e);
    if (cb)
        cb(ud);
}

static void on_http_closed(void *ud)
{
    ms_emu *e = ud;
    e->http_closed = true;
    maybe_finish_close(e);
}

void ms_emu_close(ms_emu *e, void (*on_closed)(void *), void *ud)
{
    if (e->closing)
        return;
    e->closing = true;
    e->on_closed = on_closed;
    e->closed_ud = ud;
    ms_httpd_close(e->http, on_http_closed, e);
}
