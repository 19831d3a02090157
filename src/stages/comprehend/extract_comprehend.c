/* extract_comprehend.c -- see extract_comprehend.h.
 *
 * Lifetime of one report (a "job") on the loop thread:
 *
 *   start    split chunks into requests; each one: LRU hit -> answered;
 *            Redis configured -> GET (async); else queued in its op
 *   pump     every op's scheduler releases what its buckets and its
 *            concurrency limit allow; one uv timer wakes it for the
 *            earliest wait
 *   answer   200 -> kept (raw JSON) and billed; retries exhausted ->
 *            back to the front of the queue; final error -> the job fails
 *            (queued requests are withdrawn, in-flight ones are awaited:
 *            curl still uses their bodies)
 *   finish   nothing outstanding: merge every response in op order into
 *            the per-chunk results, fill the cache, done(doc)
 *
 * Close: abort_all (engine drain timeout) fails every job and closes the AWS
 * client, which cancels what is in flight; destroy (ms_engine_free, before
 * its last uv_run) closes the client, Redis and the timer, and the state is
 * freed by the last close callback. */
#include "stages/comprehend/extract_comprehend.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/errbuf.h"
#include "aws/aws.h"
#include "base/log.h"
#include "base/metrics.h"
#include "nlp/nlp.h"
#include "stages/comprehend/cm_cache.h"
#include "stages/comprehend/cm_ops.h"
#include "stages/comprehend/cm_parse.h"
#include "stages/comprehend/cm_sched.h"
#include "stages/comprehend/extract_comprehend_internal.h"
#include "core/plugin.h"
static void pump(cm_stage *x);
static void job_check(cm_job *j);

static double now_s(void)
{
    return (double)ms_now_ns() / 1e9;
}

/* ---- jobs -------------------------------------------------------------- */

static void results_free(void *p, size_t n)
{
    ms_nlp_result *r = p;
    for (size_t i = 0; i < n; i++)
        ms_nlp_result_free(&r[i]);
    free(r);
}

static void job_free(cm_job *j)
{
    for (size_t i = 0; i < j->nreqs; i++) {
        free(j->reqs[i].resp);
        free(j->reqs[i].body);
    }
    free(j->reqs);
    free(j);
}

static void job_unlink(cm_job *j)
{
    ms_list_remove(&j->link);   /* a no-op when it was never linked */
}

static void req_done(cm_req *r)
{
    if (r->state != R_DONE) {
        r->state = R_DONE;
        r->job->left--;
    }
}

/* Fail the report (first failure wins) and withdraw what has not been sent;
 * what is in flight comes back through its callback. */
static void job_fail(cm_job *j, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void job_fail(cm_job *j, const char *reason, const char *fmt, ...)
{
    if (!j->failed) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        j->failed = true;
        ms_doc_fail(j->doc, "extract", reason, "%s", msg);
    }
    for (size_t i = 0; i < j->nreqs; i++) {
        cm_req *r = &j->reqs[i];
        if (r->state == R_QUEUED) {
            ms_cm_sched_remove(&j->x->ops[r->op].s, &r->item);
            ms__cmx_op_gauges(&j->x->ops[r->op]);
        }
        if (r->state == R_QUEUED || r->state == R_NEW)
            req_done(r);
    }
}

static ms_doc_billing *bill_of(cm_job *j, ms_cm_op op)
{
    return &j->doc->billing[j->x->ops[op].bill_slot];
}

/* Every answer is in: merge them in op order (the requests were created in
 * that order) into one result per chunk, and fill the caches. */
static void job_merge(cm_job *j)
{
    cm_stage *x = j->x;
    ms_doc *doc = j->doc;
    ms_nlp_result *res = calloc(doc->nchunks ? doc->nchunks : 1, sizeof *res);
    if (!res) {
        job_fail(j, "out_of_memory", "cannot allocate entity results");
        return;
    }
    for (size_t i = 0; i < j->nreqs; i++) {
        cm_req *r = &j->reqs[i];
        const ms_chunk *c = &doc->chunks[r->chunk];
        char err[256] = "";
        if (ms_cm_parse_merge(r->op, r->resp, r->resp_len, c->text, c->len, r->base_byte,
                              r->base_cp, r->len, x->enrich, &res[r->chunk], err,
                              sizeof err) != 0) {
            results_free(res, doc->nchunks);
            job_fail(j, "comprehend_bad_response", "%s answer not understood: %s",
                     ms_cm_ops[r->op].name, err);
            return;
        }
        if (!r->cached) {
            /* Only answers the parser accepted are cached. */
            ms_cm_lru_put(x->lru, &r->key, r->resp, r->resp_len);
            if (x->redis)
                ms_cm_redis_set(x->redis, &r->key, r->resp, r->resp_len);
        }
    }
    doc->extract = res;
    doc->extract_free = results_free;
    doc->extract_engine = "comprehend";
}

static void job_finish(cm_job *j)
{
    ms_doc *doc = j->doc;
    ms_stage_done_cb done = j->done;
    ms_stage *st = &j->x->stage;
    bool engine_gone = j->x->destroyed;
    job_unlink(j);
    job_free(j);
    /* After destroy the engine is being freed: nobody to hand the doc to
     * (cannot happen in practice: the engine waits for every report). */
    if (!engine_gone)
        done(st, doc);
}

static void job_check(cm_job *j)
{
    if (j->busy > 0)
        return;
    if (!j->failed && j->left > 0)
        return;
    if (!j->failed)
        job_merge(j);
    job_finish(j);
}

/* ---- requests ---------------------------------------------------------- */

/* Where the piece of t[from, len) that fits in max bytes ends: at a line
 * break in its last quarter, else after a space or tab in its last half,
 * else at a UTF-8 character boundary. */
static size_t cut_at(const char *t, size_t from, size_t len, size_t max)
{
    if (len - from <= max)
        return len;
    size_t end = from + max;
    while (end > from && ((unsigned char)t[end] & 0xC0) == 0x80)
        end--;
    if (end == from)
        return from + max; /* not UTF-8 at all; the service will say so */
    for (size_t i = end; i > from + max / 4 * 3; i--)
        if (t[i - 1] == '\n')
            return i;
    for (size_t i = end; i > from + max / 2; i--)
        if (t[i - 1] == ' ' || t[i - 1] == '\t' || t[i - 1] == '\n')
            return i;
    return end;
}

static size_t count_cp(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static int build_reqs(cm_job *j)
{
    ms_doc *doc = j->doc;
    size_t cap = 0;
    for (int op = 0; op < MS_CM_NOPS; op++)
        if (j->x->ops[op].on)
            for (size_t c = 0; c < doc->nchunks; c++)
                cap += doc->chunks[c].len / (ms_cm_ops[op].max_bytes / 2) + 1;
    j->reqs = calloc(cap ? cap : 1, sizeof *j->reqs);
    if (!j->reqs)
        return -1;
    for (int op = 0; op < MS_CM_NOPS; op++) {
        if (!j->x->ops[op].on)
            continue;
        for (size_t c = 0; c < doc->nchunks; c++) {
            const ms_chunk *ch = &doc->chunks[c];
            size_t from = 0, cp = 0;
            while (from < ch->len && j->nreqs < cap) {
                size_t end = cut_at(ch->text, from, ch->len, ms_cm_ops[op].max_bytes);
                cm_req *r = &j->reqs[j->nreqs++];
                r->job = j;
                r->op = (ms_cm_op)op;
                r->chunk = c;
                r->base_byte = from;
                r->base_cp = cp;
                r->len = end - from;
                r->chars = count_cp(ch->text + from, r->len);
                r->item.cost = (double)r->chars;
                ms_cm_key_of(ms_cm_ops[op].name, ch->text + from, r->len, &r->key);
                cp += r->chars;
                from = end;
            }
        }
    }
    j->left = j->nreqs;
    return 0;
}

static void answered_from_cache(cm_req *r, const char *val, size_t len, bool redis)
{
    cm_op *o = &r->job->x->ops[r->op];
    r->resp = malloc(len + 1);
    if (!r->resp) {
        job_fail(r->job, "out_of_memory", "cannot hold a cached answer");
        return;
    }
    memcpy(r->resp, val, len);
    r->resp[len] = 0;
    r->resp_len = len;
    r->cached = true;
    bill_of(r->job, r->op)->cache_hits++;
    ms_counter_add(redis ? o->m.hits_redis : o->m.hits_mem, 1);
    req_done(r);
}

static void enqueue(cm_req *r)
{
    cm_op *o = &r->job->x->ops[r->op];
    r->state = R_QUEUED;
    ms_cm_sched_push(&o->s, &r->item);
    ms__cmx_op_gauges(o);
}

static void on_redis(const char *val, size_t len, void *ud)
{
    cm_req *r = ud;
    cm_job *j = r->job;
    cm_stage *x = j->x;
    if (j->failed || x->closing) {
        req_done(r);
    } else if (val) {
        ms_cm_lru_put(x->lru, &r->key, val, len);
        answered_from_cache(r, val, len, true);
    } else {
        enqueue(r);
        pump(x);   /* j->busy still counts this call: pump cannot finish j */
    }
    j->busy--;
    job_check(j);
}

static void lookup(cm_req *r)
{
    cm_stage *x = r->job->x;
    size_t len;
    const char *val = ms_cm_lru_get(x->lru, &r->key, &len);
    if (val) {
        answered_from_cache(r, val, len, false);
    } else if (x->redis) {
        r->state = R_REDIS;
        r->job->busy++;
        ms_cm_redis_get(x->redis, &r->key, on_redis, r);
    } else {
        enqueue(r);
    }
}

/* ---- sending ----------------------------------------------------------- */

static ms_cm_answer answer_class(ms_aws_outcome o)
{
    switch (o) {
    case MS_AWS_THROTTLE:
        return MS_CM_ANSWER_THROTTLED;
    case MS_AWS_TRANSIENT:
    case MS_AWS_TIMEOUT:
        return MS_CM_ANSWER_FAILED;
    default:
        return MS_CM_ANSWER_OK;
    }
}

static void on_attempt(ms_aws_outcome o, const ms_aws_error *e, double rtt, void *ud)
{
    cm_req *r = ud;
    cm_stage *x = r->job->x;
    if (x->closing || (e && !strcmp(e->code, "Canceled")))
        return;
    cm_op *op = &x->ops[r->op];
    if ((int)o >= 0 && (int)o < 5)
        ms_counter_add(op->m.attempts[o], 1);
    if (rtt >= 0)
        ms_histogram_observe_ns(op->m.rtt, (uint64_t)(rtt * 1e9));
    ms_cm_sched_attempt(&op->s, now_s(), rtt, answer_class(o), (double)r->chars);
    ms__cmx_op_gauges(op);
}

/* PaginationToken is in every response shape of the API, but no request
 * shape has a member to send it back (botocore's model, 2018-10-30), so it
 * cannot be followed: count it, and say so once in the log. */
static void check_pagination(cm_req *r, cm_op *o)
{
    if (!strstr(r->resp, "\"PaginationToken\""))
        return;
    json_t *doc = json_loadb(r->resp, r->resp_len, 0, NULL);
    json_t *t = doc ? json_object_get(doc, "PaginationToken") : NULL;
    if (json_is_string(t) && json_string_length(t) > 0) {
        static bool logged;
        ms_counter_add(o->m.pagination, 1);
        if (!logged) {
            logged = true;
            ms_log(MS_LOG_WARN,
                   "comprehend: an answer carries a PaginationToken, which the API gives no "
                   "way to follow; its first page is used",
                   KS("op", ms_cm_ops[r->op].name), KEND);
        }
    }
    json_decref(doc);
}

static void on_done(const ms_aws_result *res, void *ud)
{
    cm_req *r = ud;
    cm_job *j = r->job;
    cm_stage *x = j->x;
    cm_op *o = &x->ops[r->op];
    j->busy--;
    free(r->body);
    r->body = NULL;
    if (res->outcome == MS_AWS_SUCCESS && res->resp) {
        ms_cm_sched_finished(&o->s, true);
        r->resp = malloc(res->resp->body_len + 1);
        if (r->resp) {
            memcpy(r->resp, res->resp->body, res->resp->body_len);
            r->resp[res->resp->body_len] = 0;
            r->resp_len = res->resp->body_len;
        }
        /* The service billed it, whatever happens to the report now. */
        size_t units = ms_cm_billed_units(r->chars);
        ms_doc_billing *b = bill_of(j, r->op);
        b->requests++;
        b->characters += r->chars;
        b->billed_units += units;
        const char *akid = ms_aws_access_key_id(x->aws);
        if (akid)
            snprintf(b->access_key_id, sizeof b->access_key_id, "%s", akid);
        ms_counter_add(o->m.requests, 1);
        ms_counter_add(o->m.chars, r->chars);
        ms_counter_add(o->m.billed, units);
        if (!r->resp)
            job_fail(j, "out_of_memory", "cannot hold an answer");
        else
            check_pagination(r, o);
        req_done(r);
    } else if (res->outcome != MS_AWS_FINAL && !j->failed && !x->closing) {
        /* Retries exhausted (or the retry quota is empty): never dropped. */
        ms_cm_sched_requeue(&o->s, now_s(), &r->item);
        r->state = R_QUEUED;
        ms_counter_add(o->m.requeues, 1);
        ms_log(MS_LOG_DEBUG, "comprehend: request queued again", KS("op", ms_cm_ops[r->op].name),
               KS("code", res->error.code), KS("class", ms_aws_outcome_name(res->outcome)),
               KI("attempts", res->attempts), KEND);
    } else {
        ms_cm_sched_finished(&o->s, false);
        req_done(r);
        if (res->outcome == MS_AWS_FINAL && !strcmp(res->error.code, "Canceled"))
            job_fail(j, "comprehend_error", "Canceled: %s request canceled (shutdown)",
                     ms_cm_ops[r->op].name);
        else if (res->outcome == MS_AWS_FINAL)
            job_fail(j, "comprehend_error", "%s: %s refused a request (HTTP %ld)",
                     res->error.code[0] ? res->error.code : "UnknownError",
                     ms_cm_ops[r->op].name, res->resp ? res->resp->status : 0L);
    }
    ms__cmx_op_gauges(o);
    job_check(j);
    pump(x);
}

static void send_req(cm_stage *x, cm_req *r)
{
    cm_job *j = r->job;
    cm_op *o = &x->ops[r->op];
    const ms_chunk *c = &j->doc->chunks[r->chunk];
    json_t *body = json_pack("{s:s%}", "Text", c->text + r->base_byte, r->len);
    r->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    char err[256] = "out of memory";
    char target[96];
    snprintf(target, sizeof target, MS_CM_TARGET_PREFIX "%s", ms_cm_ops[r->op].name);
    int rc = -1;
    if (r->body) {
        r->body_len = strlen(r->body);
        ms_aws_request rq = {
            .service = "comprehendmedical",
            .endpoint = x->endpoint,
            .target = target,
            .body = r->body,
            .body_len = r->body_len,
            .max_attempts = x->max_attempts,
            .on_attempt = on_attempt,
        };
        r->state = R_SENDING;
        j->busy++;
        rc = ms_aws_send(x->aws, &rq, on_done, r, err, sizeof err);
        if (rc != 0)
            j->busy--;
    }
    if (rc != 0) {
        free(r->body);
        r->body = NULL;
        ms_cm_sched_finished(&o->s, false);
        req_done(r);
        job_fail(j, "comprehend_error", "ClientError: %s request not sent: %s",
                 ms_cm_ops[r->op].name, err);
        job_check(j);
    }
}

static void on_timer(uv_timer_t *t)
{
    pump(t->data);
}

/* Send whatever the schedulers release, then arm the timer for the
 * earliest wait. Re-entrant calls (a callback run from inside) only ask
 * for one more round. */
static void pump(cm_stage *x)
{
    if (x->closing || !x->timer_init)
        return;
    if (x->pumping) {
        x->pump_again = true;
        return;
    }
    x->pumping = true;
    double wait = -1;
    do {
        x->pump_again = false;
        wait = -1;
        for (int op = 0; op < MS_CM_NOPS; op++) {
            cm_op *o = &x->ops[op];
            if (!o->on)
                continue;
            double w;
            ms_cm_item *it;
            while ((it = ms_cm_sched_next(&o->s, now_s(), &w)))
                send_req(x, (cm_req *)it);
            if (w > 0 && (wait < 0 || w < wait))
                wait = w;
            ms__cmx_op_gauges(o);
        }
    } while (x->pump_again && !x->closing);
    x->pumping = false;
    if (x->closing)
        return;
    if (wait > 0)
        uv_timer_start(&x->timer, on_timer, (uint64_t)ceil(wait * 1000.0), 0);
    else
        uv_timer_stop(&x->timer);
}

/* ---- stage ops --------------------------------------------------------- */

static void cm_start(ms_stage *st, ms_doc *doc, ms_stage_done_cb done)
{
    cm_stage *x = st->state;
    if (!x->aws || x->closing) {
        ms_doc_fail(doc, "extract", "internal", "the Comprehend Medical client is not running");
        done(st, doc);
        return;
    }
    cm_job *j = calloc(1, sizeof *j);
    if (j)
        ms_list_init(&j->link);
    if (!j || (j->x = x, j->doc = doc, build_reqs(j) != 0)) {
        if (j)
            job_free(j);
        ms_doc_fail(doc, "extract", "out_of_memory", "cannot plan the Comprehend Medical requests");
        done(st, doc);
        return;
    }
    j->done = done;
    for (int op = 0; op < MS_CM_NOPS; op++)
        if (x->ops[op].on)
            doc->billing[x->ops[op].bill_slot].op = ms_cm_ops[op].name;
    ms_list_insert_head(&x->jobs, &j->link);
    /* A guard: lookups may answer synchronously; finish only at the end. */
    j->busy++;
    for (size_t i = 0; i < j->nreqs && !j->failed; i++)
        lookup(&j->reqs[i]);
    pump(x);
    j->busy--;
    job_check(j);
}

static void close_done(void *ud)
{
    cm_stage *x = ud;
    if (--x->closes_pending == 0 && x->destroyed) {
        ms_cm_lru_free(x->lru);
        ms_nlp_engine_free(x->enrich);
        free(x);
    }
}

static void timer_closed(uv_handle_t *h)
{
    close_done(h->data);
}

/* Close the network side: the AWS client (in-flight calls come back
 * Canceled), Redis (pending GETs come back as misses), the timer. */
static void close_net(cm_stage *x)
{
    if (x->closing)
        return;
    x->closing = true;
    x->closes_pending++; /* held until the end of this function */
    if (x->timer_init) {
        x->closes_pending++;
        uv_close((uv_handle_t *)&x->timer, timer_closed);
    }
    if (x->redis) {
        x->closes_pending++;
        ms_cm_redis *r = x->redis;
        x->redis = NULL;
        ms_cm_redis_close(r, close_done, x);
    }
    if (x->aws) {
        x->closes_pending++;
        ms_aws *a = x->aws;
        x->aws = NULL;
        ms_aws_close(a, close_done, x);
    }
    /* Drop this function's hold without freeing: when destroy called us it
     * holds a reference of its own, and abort_all never frees. */
    x->closes_pending--;
}

static void cm_abort_all(ms_stage *st)
{
    cm_stage *x = st->state;
    ms_list *it, *tmp;
    ms_list_foreach(it, &x->jobs)
        job_fail(ms_list_entry(it, cm_job, link), "internal", "aborted at shutdown");
    close_net(x);
    /* Jobs with nothing outstanding finish now; the rest as their
     * callbacks come back canceled. */
    ms_list_foreach_safe(it, tmp, &x->jobs)
        job_check(ms_list_entry(it, cm_job, link));
}

static int cm_attach(ms_stage *st, void *uv_loop)
{
    cm_stage *x = st->state;
    char err[512];
    x->loop = uv_loop;
    x->aws = ms_aws_new(x->loop, &x->aopts, err, sizeof err);
    if (!x->aws) {
        ms_log(MS_LOG_ERROR, "comprehend: cannot create the AWS client", KS("error", err), KEND);
        return -1;
    }
    if (ms_aws_endpoint(x->aws, "comprehendmedical", x->endpoint_cfg[0] ? x->endpoint_cfg : NULL,
                        x->endpoint, sizeof x->endpoint, err, sizeof err) != 0) {
        ms_log(MS_LOG_ERROR, "comprehend: no endpoint", KS("error", err), KEND);
        return -1;
    }
    uv_timer_init(x->loop, &x->timer);
    x->timer.data = x;
    x->timer_init = true;
    double now = now_s();
    for (int op = 0; op < MS_CM_NOPS; op++)
        if (x->ops[op].on) {
            ms_cm_sched_init(&x->ops[op].s, &x->ops[op].so, now);
            ms__cmx_op_gauges(&x->ops[op]);
        }
    if (x->redis_on) {
        x->redis = ms_cm_redis_new(x->loop, &x->redis_conf, x->redis_ttl_s, REDIS_TIMEOUT_MS,
                                   err, sizeof err);
        if (!x->redis) {
            ms_log(MS_LOG_ERROR, "comprehend: bad cache configuration", KS("error", err), KEND);
            return -1;
        }
    }
    ms_log(MS_LOG_INFO, "comprehend: ready", KS("endpoint", x->endpoint),
           KS("region", ms_aws_region(x->aws)), KI("operations", x->nops_on),
           KI("cache_bytes", (long long)x->cache_bytes), KS("redis", !x->redis ? "off" : x->redis_conf.tls ? "tls" : "on"),
           KEND);
    return 0;
}

/* SIGHUP: new rates and ceiling for every enabled operation. Before
 * attach() only the options change (attach starts from them). */
static void cm_reload(ms_stage *st, const ms_config *cfg)
{
    cm_stage *x = st->state;
    for (int op = 0; op < MS_CM_NOPS; op++) {
        cm_op *o = &x->ops[op];
        if (!o->on)
            continue;
        ms__cmx_read_limits(cfg, op, &o->so);
        if (!x->timer_init)
            continue;
        ms_cm_sched_set_limits(&o->s, now_s(), o->so.tps, o->so.cps, o->so.arc.max);
        ms_log(MS_LOG_INFO, "comprehend: limits reloaded", KS("op", ms_cm_ops[op].name),
               KF("tps", o->so.tps), KF("cps", o->so.cps), KI("concurrency_max", o->so.arc.max),
               KI("limit", o->s.arc.limit), KEND);
        ms__cmx_op_gauges(o);
    }
    /* A higher rate may release queued requests before the armed timer. */
    pump(x);
}

static void cm_destroy(ms_stage *st)
{
    cm_stage *x = st->state;
    x->destroyed = true;
    x->closes_pending++;
    close_net(x);   /* no-op when abort_all already did it */
    close_done(x);  /* frees x now, or in the last close callback */
}

static const ms_stage_ops cm_ops_tbl = {
    .name = "extract",
    .kind = MS_STAGE_LOOP,
    .abort_all = cm_abort_all,
    .attach = cm_attach,
    .start = cm_start,
    .reload = cm_reload,
    .destroy = cm_destroy,
};

ms_stage *ms_extract_comprehend_stage_new(const ms_config *cfg, char *err, size_t errlen)
{
    if (ms_extract_comprehend_check(cfg, err, errlen) != 0)
        return NULL;
    cm_stage *x = calloc(1, sizeof *x);
    if (!x) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    ms__cmx_configure(x, cfg);
    x->enrich = ms_nlp_engine_new();
    x->lru = ms_cm_lru_new(x->cache_bytes);
    if (!x->enrich || (x->cache_bytes && !x->lru)) {
        ms_nlp_engine_free(x->enrich);
        ms_cm_lru_free(x->lru);
        free(x);
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    x->stage.ops = &cm_ops_tbl;
    x->stage.state = x;
    return &x->stage;
}

/* ---- plugin ---------------------------------------------------------------- */

const ms_plugin ms_stage_extract_comprehend_plugin = {
    .name = "comprehend",
    .kind = MS_PLUGIN_STAGE,
    .slot = "extract",
    .description = "Amazon Comprehend Medical, billed per character (docs/comprehend.md)",
    .keys = ms__comprehend_keys,
    .check = ms_extract_comprehend_check,
    .uses_aws = ms_plugin_always,
    .probe = ms__cmx_probe,
    .create.stage = ms_extract_comprehend_stage_new,
};
