/* creds.c -- the credential provider chain: picks the source (see creds.h
 * for the order), caches what it returns, refreshes it in the background
 * and shares one fetch among concurrent callers.
 *
 * Lifetime: the chain is reference counted -- one reference for the owner
 * (dropped by ms_aws_creds_chain_close), one per fetch job in flight (an
 * HTTP callback may arrive after close, when the owner closes the ms_http
 * client) -- and freed once the references are gone and its two timers
 * are closed. */
#define _GNU_SOURCE
#include "aws/creds/creds.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/creds/creds_internal.h"
#include "base/log.h"
#include "base/errbuf.h"
#include "base/metrics.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
/* Once the credentials have expired, callers wait: a failed refresh is
 * retried at most this far apart (and callers never start fetches of their
 * own in between, so a failing endpoint sees one request per retry, not one
 * per signed request). */
#define EXPIRED_RETRY_MAX_MS 5000

typedef struct waiter {
    ms_aws_creds_cb cb;
    void *ud;
    struct waiter *next;
} waiter;

typedef struct wlist {
    waiter *head, *tail;
} wlist;

struct ms_aws_creds_chain {
    uv_loop_t *loop;
    ms_http *http;
    ms_creds_src src;
    long refresh_before_s;
    ms_creds_result cur;
    bool have;                 /* cur holds credentials (maybe expired) */
    ms_aws_creds view;
    ms_creds_job *job;         /* the fetch in flight, or NULL */
    wlist waiting;             /* callers waiting for that fetch */
    wlist ready;               /* callers served on the next loop turn */
    uv_timer_t refresh_timer;  /* unref'd: never keeps the loop alive */
    uv_timer_t deliver_timer;
    long backoff_ms;
    uint64_t failed_at_ms;     /* uv_now of the last failed refresh; 0 = none
                                  since the last success */
    bool closing;
    int refs;
    int open_handles;
};

/* ---- waiters ---- */

static void wl_push(wlist *l, ms_aws_creds_cb cb, void *ud)
{
    waiter *w = malloc(sizeof *w);
    if (!w) {
        cb(NULL, "aws credentials: out of memory", ud);
        return;
    }
    w->cb = cb;
    w->ud = ud;
    w->next = NULL;
    if (l->tail)
        l->tail->next = w;
    else
        l->head = w;
    l->tail = w;
}

/* Detach the list first: a callback may call back into the chain. */
static void wl_call_all(wlist *l, const ms_aws_creds *c, const char *err)
{
    waiter *w = l->head;
    l->head = l->tail = NULL;
    while (w) {
        waiter *next = w->next;
        w->cb(c, err, w->ud);
        free(w);
        w = next;
    }
}

/* ---- the chain ---- */

static int dup_into(char **dst, const char *v)
{
    if (!v)
        return 0;
    *dst = strdup(v);
    return *dst ? 0 : -1;
}

/* Credentials this close to expiry are treated as expired: a request signed
 * with them could arrive too late. */
static int64_t safety_margin_s(const ms_aws_creds_chain *c)
{
    long m = c->refresh_before_s / 2;
    return m > 5 ? 5 : m;
}

static bool valid_now(const ms_aws_creds_chain *c)
{
    if (!c->have)
        return false;
    if (!c->cur.expires_at)
        return true;
    return (int64_t)time(NULL) + safety_margin_s(c) < c->cur.expires_at;
}

static void maybe_free(ms_aws_creds_chain *c)
{
    if (c->refs > 0 || c->open_handles > 0)
        return;
    ms__creds_result_clear(&c->cur);
    ms__creds_src_free(&c->src);
    free(c);
}

static void handle_closed(uv_handle_t *h)
{
    ms_aws_creds_chain *c = h->data;
    c->open_handles--;
    maybe_free(c);
}

static void set_view(ms_aws_creds_chain *c)
{
    c->view.access_key_id = c->cur.ak;
    c->view.secret_access_key = c->cur.sk;
    c->view.session_token = c->cur.token;
    c->view.expires_at = c->cur.expires_at;
    c->view.provider = c->src.provider;
}

static void start_fetch(ms_aws_creds_chain *c);

static void refresh_fire(uv_timer_t *t)
{
    ms_aws_creds_chain *c = t->data;
    uv_unref((uv_handle_t *)t);
    if (!c->closing && !c->job)
        start_fetch(c);
}

/* The timer is unref'd (a background refresh never keeps the loop alive)
 * except while callers wait for its retry (fetch_or_wait). */
static void arm_refresh(ms_aws_creds_chain *c, uint64_t delay_ms)
{
    uv_timer_stop(&c->refresh_timer);
    uv_unref((uv_handle_t *)&c->refresh_timer);
    uv_timer_start(&c->refresh_timer, refresh_fire, delay_ms, 0);
}

/* Schedule the refresh for fresh credentials: refresh_before_s ahead of
 * expiry; when they arrived already inside that window, at half the time
 * left (at least 1 s) so a provider that keeps handing out the same
 * short-lived credentials is not polled in a tight loop. */
static void schedule_refresh(ms_aws_creds_chain *c)
{
    if (!c->cur.expires_at)
        return;
    int64_t now = time(NULL);
    int64_t left = c->cur.expires_at - now;
    int64_t due = left - c->refresh_before_s;
    uint64_t delay_ms;
    if (due > 0) {
        delay_ms = (uint64_t)due * 1000;
    } else {
        delay_ms = left > 2 ? (uint64_t)left * 500 : 1000;
        ms_log(MS_LOG_WARN, "aws credentials expire within the refresh window",
               KS("provider", c->src.provider), KI("expires_in_s", left),
               KI("refresh_before_s", c->refresh_before_s), KEND);
    }
    arm_refresh(c, delay_ms);
}

/* medstream_aws_credentials_fetches_total{provider,outcome} and the expiry
 * of the credentials in use (docs/metrics.md). Labels never carry a key. */
static void count_fetch(const ms_aws_creds_chain *c, bool ok)
{
    char labels[128];
    snprintf(labels, sizeof labels, "provider=\"%s\",outcome=\"%s\"", c->src.provider,
             ok ? "ok" : "failed");
    ms_counter_add(ms_counter("medstream_aws_credentials_fetches_total", labels,
                              "AWS credential fetches and refreshes from the chain's provider "
                              "(failed ones are retried with backoff)"), 1);
    snprintf(labels, sizeof labels, "provider=\"%s\"", c->src.provider);
    ms_gauge_set(ms_gauge("medstream_aws_credentials_expiry_timestamp_seconds", labels,
                          "Expiry (Unix seconds) of the AWS credentials in use; 0 = none "
                          "yet or they do not expire"),
                 c->have ? c->cur.expires_at : 0);
}

static void job_done(ms_creds_job *job, ms_creds_result *res, const char *err)
{
    ms_aws_creds_chain *c = job->ud;
    if (c->job == job)
        c->job = NULL;
    free(job);
    c->refs--;
    if (c->closing) {
        if (res)
            ms__creds_result_clear(res);
        maybe_free(c);
        return;
    }
    if (res) {
        ms__creds_result_clear(&c->cur);
        c->cur = *res;
        memset(res, 0, sizeof *res);
        c->have = true;
        c->backoff_ms = 0;
        c->failed_at_ms = 0;
        set_view(c);
        int64_t left = c->cur.expires_at ? c->cur.expires_at - (int64_t)time(NULL) : -1;
        ms_log(MS_LOG_INFO, "aws credentials", KS("provider", c->src.provider),
               KI("expires_in_s", left), KEND);
        schedule_refresh(c);
        if (valid_now(c)) {
            count_fetch(c, true);
            wl_call_all(&c->waiting, &c->view, NULL);
            return;
        }
        err = "aws credentials: the provider returned credentials that are already expired";
    }
    bool keep = valid_now(c);
    count_fetch(c, false);
    ms_log(MS_LOG_WARN, "aws credentials fetch failed",
           KS("provider", c->src.provider), KS("error", err),
           KS("using", keep ? "previous credentials" : "none"), KEND);
    if (c->have) {
        /* A refresh failed: retry in the background with backoff so the
         * next credentials arrive without a request having to wait. */
        c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN_MS;
        if (c->backoff_ms > BACKOFF_MAX_MS)
            c->backoff_ms = BACKOFF_MAX_MS;
        c->failed_at_ms = uv_now(c->loop);
        long next = c->backoff_ms;
        if (!keep && next > EXPIRED_RETRY_MAX_MS)
            next = EXPIRED_RETRY_MAX_MS;
        arm_refresh(c, (uint64_t)next);
    }
    wl_call_all(&c->waiting, NULL, err);
}

static void start_fetch(ms_aws_creds_chain *c)
{
    ms_creds_job *job = calloc(1, sizeof *job);
    if (!job) {
        wl_call_all(&c->waiting, NULL, "aws credentials: out of memory");
        return;
    }
    uv_timer_stop(&c->refresh_timer);
    job->loop = c->loop;
    job->http = c->http;
    job->src = &c->src;
    job->done = job_done;
    job->ud = c;
    c->job = job;
    c->refs++;
    switch (c->src.kind) {
    case MS_CREDS_WEBID: ms__creds_webid_start(job); break;
    case MS_CREDS_PROCESS: ms__creds_process_start(job); break;
    case MS_CREDS_ECS: ms__creds_ecs_start(job); break;
    case MS_CREDS_IMDS: ms__creds_imds_start(job); break;
    case MS_CREDS_STATIC:
        ms__creds_job_fail_async(job, "aws credentials: static credentials cannot be fetched");
        break;
    }
}

/* A caller is waiting and the credentials are not valid: fetch now, unless
 * a refresh failed less than min(backoff, EXPIRED_RETRY_MAX_MS) ago -- then
 * the waiter is served by the retry the refresh timer makes at the end of
 * that gap. */
static void fetch_or_wait(ms_aws_creds_chain *c)
{
    if (c->job)
        return;
    if (c->have && c->failed_at_ms) {
        uint64_t gap = (uint64_t)(c->backoff_ms < EXPIRED_RETRY_MAX_MS ? c->backoff_ms
                                                                        : EXPIRED_RETRY_MAX_MS);
        uint64_t since = uv_now(c->loop) - c->failed_at_ms;
        if (since < gap) {
            uint64_t due = uv_timer_get_due_in(&c->refresh_timer);
            if (!uv_is_active((uv_handle_t *)&c->refresh_timer) || due > gap - since)
                arm_refresh(c, gap - since);
            uv_ref((uv_handle_t *)&c->refresh_timer);
            return;
        }
    }
    start_fetch(c);
}

static void deliver_fire(uv_timer_t *t)
{
    ms_aws_creds_chain *c = t->data;
    waiter *w = c->ready.head;
    c->ready.head = c->ready.tail = NULL;
    while (w && !c->closing) {
        waiter *next = w->next;
        if (valid_now(c)) {
            w->cb(&c->view, NULL, w->ud);
        } else {
            /* expired between the request and this turn: wait for a fetch */
            wl_push(&c->waiting, w->cb, w->ud);
            fetch_or_wait(c);
        }
        free(w);
        w = next;
    }
    /* closed by a callback: the rest get the close error */
    while (w) {
        waiter *next = w->next;
        w->cb(NULL, "aws credentials: the chain was closed", w->ud);
        free(w);
        w = next;
    }
}

const ms_aws_creds *ms_aws_creds_current(ms_aws_creds_chain *c)
{
    return !c->closing && valid_now(c) ? &c->view : NULL;
}

void ms_aws_creds_get(ms_aws_creds_chain *c, ms_aws_creds_cb cb, void *ud)
{
    if (c->closing) {
        cb(NULL, "aws credentials: the chain was closed", ud);
        return;
    }
    if (valid_now(c)) {
        wl_push(&c->ready, cb, ud);
        if (!uv_is_active((uv_handle_t *)&c->deliver_timer))
            uv_timer_start(&c->deliver_timer, deliver_fire, 0, 0);
        return;
    }
    wl_push(&c->waiting, cb, ud);
    fetch_or_wait(c);
}

void ms_aws_creds_chain_close(ms_aws_creds_chain *c)
{
    if (!c || c->closing)
        return;
    c->closing = true;
    if (c->job) {
        c->job->canceled = true;
        if (c->job->cancel)
            c->job->cancel(c->job);
    }
    uv_timer_stop(&c->refresh_timer);
    uv_timer_stop(&c->deliver_timer);
    uv_close((uv_handle_t *)&c->refresh_timer, handle_closed);
    uv_close((uv_handle_t *)&c->deliver_timer, handle_closed);
    const char *msg = "aws credentials: the chain was closed";
    wl_call_all(&c->ready, NULL, msg);
    wl_call_all(&c->waiting, NULL, msg);
    c->refs--;
    maybe_free(c);
}

ms_aws_creds_chain *ms_aws_creds_chain_new(uv_loop_t *loop,
                                           const ms_aws_creds_opts *o,
                                           char *err, size_t errlen)
{
    static const ms_aws_creds_opts none;
    if (!o)
        o = &none;
    ms_aws_creds_chain *c = calloc(1, sizeof *c);
    if (!c) {
        ms_errf(err, errlen, "aws credentials: out of memory");
        return NULL;
    }
    c->loop = loop;
    c->http = o->http;
    c->refresh_before_s = o->refresh_before_s > 0 ? o->refresh_before_s : 300;
    if (ms__creds_select(&c->src, o, false, err, errlen)) {
        maybe_free(c);   /* refs == 0, no handles yet */
        return NULL;
    }
    if (c->src.kind == MS_CREDS_STATIC) {
        /* Copies, so the source and the current set can be freed alike. */
        if (dup_into(&c->cur.ak, c->src.ak) || dup_into(&c->cur.sk, c->src.sk) ||
            dup_into(&c->cur.token, c->src.token)) {
            ms_errf(err, errlen, "aws credentials: out of memory");
            maybe_free(c);
            return NULL;
        }
        c->have = true;
        set_view(c);
    }
    uv_timer_init(loop, &c->refresh_timer);
    uv_timer_init(loop, &c->deliver_timer);
    c->refresh_timer.data = c->deliver_timer.data = c;
    uv_unref((uv_handle_t *)&c->refresh_timer);
    c->open_handles = 2;
    c->refs = 1;
    ms_log(MS_LOG_DEBUG, "aws credentials provider", KS("provider", c->src.provider), KEND);
    return c;
}

int ms_aws_creds_check(const ms_aws_creds_opts *o, char *err, size_t errlen)
{
    static const ms_aws_creds_opts none;
    ms_creds_src src = {0};
    int rc = ms__creds_select(&src, o ? o : &none, true, err, errlen);
    ms__creds_src_free(&src);
    return rc;
}
