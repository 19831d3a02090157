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
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/creds/creds_internal.h"
#include "base/log.h"
#include "base/errbuf.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000

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
    bool closing;
    int refs;
    int open_handles;
};

/* ---- helpers shared with the providers ---- */

void ms_creds_result_clear(ms_creds_result *r)
{
    /* Secrets are wiped before they go back to the allocator. */
    if (r->sk)
        explicit_bzero(r->sk, strlen(r->sk));
    if (r->token)
        explicit_bzero(r->token, strlen(r->token));
    free(r->ak);
    free(r->sk);
    free(r->token);
    memset(r, 0, sizeof *r);
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int ms_creds_parse_time(const char *s, int64_t *out)
{
    int Y, M, D, h, m, sec;
    const char *p = s;
    if (!s || digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) ||
        *p++ != '-' || digits(&p, 2, &D))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || *p++ != ':' ||
        digits(&p, 2, &sec))
        return -1;
    if (*p == '.' || *p == ',') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (digits(&p, 2, &om))
            return -1;
        off = sign * (oh * 3600L + om * 60L);
    } else {
        return -1;   /* no zone: ambiguous, the services always send one */
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (int64_t)t - off;
    return 0;
}

static char *json_str_dup(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) && json_string_length(v) ? strdup(json_string_value(v))
                                                       : NULL;
}

int ms_creds_parse_json(const char *body, size_t len, const char *token_key,
                        const char *what, ms_creds_result *res,
                        char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_loadb(body, len, 0, &je);
    if (!json_is_object(o)) {
        ms_errf(err, errlen, "%s: response is not a JSON object", what);
        json_decref(o);
        return -1;
    }
    memset(res, 0, sizeof *res);
    res->ak = json_str_dup(o, "AccessKeyId");
    res->sk = json_str_dup(o, "SecretAccessKey");
    res->token = token_key ? json_str_dup(o, token_key) : NULL;
    json_t *exp = json_object_get(o, "Expiration");
    int rc = 0;
    if (!res->ak || !res->sk) {
        ms_errf(err, errlen, "%s: response lacks AccessKeyId or SecretAccessKey", what);
        rc = -1;
    } else if (exp && !json_is_null(exp) &&
               (!json_is_string(exp) ||
                ms_creds_parse_time(json_string_value(exp), &res->expires_at))) {
        ms_errf(err, errlen, "%s: Expiration is not an ISO 8601 time", what);
        rc = -1;
    }
    if (rc)
        ms_creds_result_clear(res);
    json_decref(o);
    return rc;
}

char *ms_creds_read_small_file(const char *path, size_t max, const char *what,
                               char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ms_errf(err, errlen, "%s: cannot read %s: %s", what, path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr || n > max) {
        ms_errf(err, errlen, "%s: cannot read %s: %s", what, path,
             !buf ? "out of memory" : rerr ? "read error" : "file too large");
        free(buf);
        return NULL;
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
                 buf[n - 1] == '\t'))
        n--;
    buf[n] = 0;
    if (!n) {
        ms_errf(err, errlen, "%s: %s is empty", what, path);
        free(buf);
        return NULL;
    }
    return buf;
}

typedef struct fail_async {
    uv_timer_t t;
    ms_creds_job *job;
    char msg[512];
} fail_async;

static void fail_async_closed(uv_handle_t *h) { free(h->data); }

static void fail_async_fire(uv_timer_t *t)
{
    fail_async *f = t->data;
    f->job->done(f->job, NULL, f->msg);
    uv_close((uv_handle_t *)&f->t, fail_async_closed);
}

void ms_creds_job_fail_async(ms_creds_job *job, const char *err)
{
    fail_async *f = calloc(1, sizeof *f);
    if (!f) {
        /* Out of memory: nothing better than completing in place. */
        job->done(job, NULL, err);
        return;
    }
    f->job = job;
    snprintf(f->msg, sizeof f->msg, "%s", err);
    uv_timer_init(job->loop, &f->t);
    f->t.data = f;
    uv_timer_start(&f->t, fail_async_fire, 0, 0);
}

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
    ms_creds_result_clear(&c->cur);
    ms_creds_src_free(&c->src);
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
    if (!c->closing && !c->job)
        start_fetch(c);
}

static void arm_refresh(ms_aws_creds_chain *c, uint64_t delay_ms)
{
    uv_timer_stop(&c->refresh_timer);
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

static void job_done(ms_creds_job *job, ms_creds_result *res, const char *err)
{
    ms_aws_creds_chain *c = job->ud;
    if (c->job == job)
        c->job = NULL;
    free(job);
    c->refs--;
    if (c->closing) {
        if (res)
            ms_creds_result_clear(res);
        maybe_free(c);
        return;
    }
    if (res) {
        ms_creds_result_clear(&c->cur);
        c->cur = *res;
        memset(res, 0, sizeof *res);
        c->have = true;
        c->backoff_ms = 0;
        set_view(c);
        int64_t left = c->cur.expires_at ? c->cur.expires_at - (int64_t)time(NULL) : -1;
        ms_log(MS_LOG_INFO, "aws credentials", KS("provider", c->src.provider),
               KI("expires_in_s", left), KEND);
        schedule_refresh(c);
        if (valid_now(c)) {
            wl_call_all(&c->waiting, &c->view, NULL);
            return;
        }
        err = "aws credentials: the provider returned credentials that are already expired";
    }
    bool keep = valid_now(c);
    ms_log(MS_LOG_WARN, "aws credentials fetch failed",
           KS("provider", c->src.provider), KS("error", err),
           KS("using", keep ? "previous credentials" : "none"), KEND);
    if (c->have) {
        /* A refresh failed: retry in the background with backoff so the
         * next credentials arrive without a request having to wait. */
        c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN_MS;
        if (c->backoff_ms > BACKOFF_MAX_MS)
            c->backoff_ms = BACKOFF_MAX_MS;
        arm_refresh(c, (uint64_t)c->backoff_ms);
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
    case MS_CREDS_WEBID: ms_creds_webid_start(job); break;
    case MS_CREDS_PROCESS: ms_creds_process_start(job); break;
    case MS_CREDS_ECS: ms_creds_ecs_start(job); break;
    case MS_CREDS_IMDS: ms_creds_imds_start(job); break;
    case MS_CREDS_STATIC:
        ms_creds_job_fail_async(job, "aws credentials: static credentials cannot be fetched");
        break;
    }
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
            if (!c->job)
                start_fetch(c);
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
    if (!c->job)
        start_fetch(c);
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
    if (ms_creds_select(&c->src, o, err, errlen)) {
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
