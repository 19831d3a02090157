/* cm_redis.c -- the Redis tier of the Comprehend Medical cache (see
 * cm_cache.h), on one connection driven by the libuv loop (cm_rconn.c:
 * plain TCP or TLS, AUTH, SELECT).
 *
 * How it fits the loop:
 *   - commands are pipelined on the connection; their replies come back in
 *     order, so the commands waiting for one are a FIFO (pending).
 *   - each GET and SET arms a uv timer. A GET's result is delivered by
 *     whichever comes first, the reply or the timer; the other one is
 *     ignored. The command is freed when both are over (it stays in the
 *     FIFO until its reply, or the connection's end, arrives). The
 *     referenced timer is also what keeps the loop running until the last
 *     SET of a run has been written and acknowledged (bounded by the
 *     timeout), so a run that ends right after its last report still fills
 *     the shared cache; the connection itself never holds the loop.
 *   - a failed or lost connection (unreachable, TLS refused, AUTH refused)
 *     is re-opened on a later GET or SET, at most once per backoff (100 ms
 *     doubling to 5 s); meanwhile every GET is a miss: the tier degrades to
 *     "no shared cache", the service is asked (and bills) instead. Each
 *     failure counts in medstream_comprehend_cache_redis_failures_total
 *     {reason}; medstream_comprehend_cache_redis_up says whether the
 *     connection is usable. A failure is logged when its reason differs
 *     from the last one logged, or a minute after it, so a cache that stays
 *     down does not flood the log; the recovery is logged too.
 * Nothing here ever fails a report: the caller only sees "hit" or "miss".
 * Keys are hashes; values and the password are never logged. */
#include "stages/comprehend/cm_cache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "base/errbuf.h"
#include "base/list.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/str.h"
#include "stages/comprehend/cm_rconn.h"

#define KEY_PREFIX "medstream:cm:"
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define RELOG_MS 60000

typedef struct get_req {
    ms_cm_redis *r;
    uv_timer_t timer;
    ms_cm_redis_get_cb cb;  /* NULL for a SET */
    void *ud;
    ms_list link;      /* in r->pending while in_redis */
    bool answered;     /* cb has run (or would have) */
    bool in_redis;     /* sent, its reply not yet in */
    bool timer_open;   /* the timer's close callback has not run */
} get_req;

struct ms_cm_redis {
    uv_loop_t *loop;
    ms_cm_redis_conf c;         /* parsed: host, port, db, credentials, TLS */
    SSL_CTX *tls;               /* NULL for redis:// */
    long ttl_s, timeout_ms;
    ms__rconn *conn;            /* NULL while disconnected */
    ms_list pending;            /* get_req.link, in the order sent on conn */
    uint64_t retry_at_ms;       /* no reconnect before this (uv_now) */
    int backoff_ms;
    bool failing;               /* the last connection attempt failed */
    char last_logged[512];
    uint64_t last_logged_ms;
    long live_gets;             /* commands (get_req) not yet freed */
    bool closing;
    void (*on_closed)(void *ud);
    void *closed_ud;
    ms_cm_redis_stats st;
    ms_metric *m_up, *m_fail[3];  /* by ms__rconn_why */
};

static void backoff(ms_cm_redis *r)
{
    r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (r->backoff_ms > BACKOFF_MAX_MS)
        r->backoff_ms = BACKOFF_MAX_MS;
    r->retry_at_ms = uv_now(r->loop) + (uint64_t)r->backoff_ms;
}

static void on_cmd_reply(get_req *g, redisReply *rep);

/* Every command waiting on the connection that just ended gets a NULL
 * reply (a miss, or a SET lost). */
static void fail_pending(ms_cm_redis *r)
{
    while (!ms_list_empty(&r->pending))
        on_cmd_reply(ms_list_first_entry(&r->pending, get_req, link), NULL);
}

static void on_ready(void *ud)
{
    ms_cm_redis *r = ud;
    r->st.connects++;
    r->backoff_ms = 0;
    ms_gauge_set(r->m_up, 1);
    ms_log(r->failing ? MS_LOG_INFO : MS_LOG_DEBUG,
           r->failing ? "comprehend cache: redis connection recovered"
                      : "comprehend cache: redis connected",
           KS("host", r->c.host), KI("port", r->c.port), KS("tls", r->tls ? "on" : "off"), KEND);
    r->failing = false;
    r->last_logged[0] = 0;
}

static const char *const why_name[3] = {"connect", "tls", "auth"};

static void on_fail(void *ud, ms__rconn_why why, const char *reason);

static void on_reply(void *ud, redisReply *rep)
{
    ms_cm_redis *r = ud;
    if (!ms_list_empty(&r->pending))
        on_cmd_reply(ms_list_first_entry(&r->pending, get_req, link), rep);
    /* A server that wants AUTH we did not send (no password configured)
     * refuses every command: a connection failure like a refused AUTH,
     * not a stream of silent errors. */
    if (rep->type == REDIS_REPLY_ERROR && rep->str && !strncmp(rep->str, "NOAUTH", 6) &&
        r->conn) {
        char reason[300];
        snprintf(reason, sizeof reason, "the server requires AUTH and no password is "
                 "configured: %.200s", rep->str);
        ms__rconn_close(r->conn);
        on_fail(r, MS__RCONN_AUTH, reason);
    }
}

static void on_fail(void *ud, ms__rconn_why why, const char *reason)
{
    ms_cm_redis *r = ud;
    r->conn = NULL;   /* it frees itself */
    r->failing = true;
    r->st.errors++;
    r->st.failures[why]++;
    ms_strlcpy(r->st.last_error, sizeof r->st.last_error, reason);
    ms_counter_add(r->m_fail[why], 1);
    ms_gauge_set(r->m_up, 0);
    uint64_t now = uv_now(r->loop);
    if (strcmp(reason, r->last_logged) != 0 || now - r->last_logged_ms >= RELOG_MS) {
        ms_log(MS_LOG_WARN, "comprehend cache: redis unavailable, lookups are misses until it "
               "recovers", KS("host", r->c.host), KI("port", r->c.port),
               KS("reason", why_name[why]), KS("error", reason), KEND);
        ms_strlcpy(r->last_logged, sizeof r->last_logged, reason);
        r->last_logged_ms = now;
    }
    backoff(r);
    fail_pending(r);
}

/* The connection, opening one if none is open and the backoff allows. */
static ms__rconn *conn(ms_cm_redis *r)
{
    if (r->conn || r->closing)
        return r->conn;
    if (uv_now(r->loop) < r->retry_at_ms)
        return NULL;
    ms__rconn_opts o = {
        .host = r->c.host, .port = r->c.port, .tls = r->tls, .user = r->c.user,
        .password = r->c.password, .db = r->c.db,
        .connect_timeout_ms = r->timeout_ms * 8 > 2000 ? r->timeout_ms * 8 : 2000,
    };
    ms__rconn_cbs cbs = {.ready = on_ready, .reply = on_reply, .fail = on_fail, .ud = r};
    char err[256];
    r->conn = ms__rconn_open(r->loop, &o, &cbs, err, sizeof err);
    if (!r->conn) {
        r->st.errors++;
        backoff(r);
    }
    return r->conn;
}

ms_cm_redis *ms_cm_redis_new(void *loop, const ms_cm_redis_conf *conf, long ttl_s,
                             long timeout_ms, char *err, size_t errlen)
{
    ms_cm_redis *r = calloc(1, sizeof *r);
    if (!r) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    r->c = *conf;
    if (r->c.tls) {
        r->tls = ms__rconn_tls_ctx(r->c.ca_file, r->c.cert_file, r->c.key_file, err, errlen);
        if (!r->tls) {
            free(r);
            return NULL;
        }
    }
    ms_list_init(&r->pending);
    r->loop = loop;
    r->ttl_s = ttl_s > 0 ? ttl_s : 0;
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : 250;
    r->m_up = ms_gauge("medstream_comprehend_cache_redis_up", "",
                       "1 while the Redis cache connection is usable (0: lookups are misses)");
    for (int i = 0; i < 3; i++) {
        char l[32];
        snprintf(l, sizeof l, "reason=\"%s\"", why_name[i]);
        r->m_fail[i] = ms_counter("medstream_comprehend_cache_redis_failures_total", l,
                                  "Redis cache connections that failed or were lost, by reason");
    }
    conn(r); /* early, so the first report finds it open */
    return r;
}

static void maybe_finish_close(ms_cm_redis *r)
{
    if (!r->closing || r->live_gets > 0)
        return;
    void (*cb)(void *) = r->on_closed;
    void *ud = r->closed_ud;
    if (r->tls)
        SSL_CTX_free(r->tls);
    free(r);
    if (cb)
        cb(ud);
}

static void get_timer_closed(uv_handle_t *h)
{
    get_req *g = h->data;
    g->timer_open = false;
    if (!g->in_redis) {
        ms_cm_redis *r = g->r;
        free(g);
        r->live_gets--;
        maybe_finish_close(r);
    }
}

static void answer(get_req *g, const char *val, size_t len)
{
    if (g->answered)
        return;
    g->answered = true;
    if (g->cb)
        g->cb(val, len, g->ud);
    uv_close((uv_handle_t *)&g->timer, get_timer_closed);
}

static void on_cmd_reply(get_req *g, redisReply *rep)
{
    ms_cm_redis *r = g->r;
    ms_list_remove(&g->link);
    g->in_redis = false;
    if (!g->answered && !g->cb) {
        if (!rep || rep->type == REDIS_REPLY_ERROR)
            r->st.errors++;
        answer(g, NULL, 0);
    } else if (!g->answered) {
        if (rep && rep->type == REDIS_REPLY_STRING) {
            r->st.hits++;
            answer(g, rep->str, rep->len);
        } else {
            if (!rep || rep->type == REDIS_REPLY_ERROR)
                r->st.errors++;
            else
                r->st.misses++;
            answer(g, NULL, 0);
        }
    }
    if (!g->timer_open) {
        free(g);
        r->live_gets--;
        maybe_finish_close(r);
    }
}

static void on_get_timer(uv_timer_t *t)
{
    get_req *g = t->data;
    if (g->in_redis)
        g->r->st.timeouts++;
    else if (g->cb)
        g->r->st.misses++;      /* no connection: a miss without asking */
    answer(g, NULL, 0);
}

static void key_string(const ms_cm_key *k, char *out, size_t n)
{
    char hex[33];
    ms_cm_key_hex(k, hex);
    snprintf(out, n, KEY_PREFIX "%s", hex);
}

static get_req *cmd_new(ms_cm_redis *r, ms_cm_redis_get_cb cb, void *ud)
{
    get_req *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->r = r;
    g->cb = cb;
    g->ud = ud;
    g->timer_open = true;
    uv_timer_init(r->loop, &g->timer);
    g->timer.data = g;
    r->live_gets++;
    return g;
}

/* Format and send one command for g on the connection (opening it if the
 * backoff allows); 0 when sent, g then waits in the FIFO for its reply. */
static int send_cmd(ms_cm_redis *r, get_req *g, const char *fmt, ...)
{
    ms__rconn *c = conn(r);
    if (!c)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *cmd = NULL;
    int n = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    int rc = ms__rconn_send(c, cmd, (size_t)n);
    free(cmd);
    if (rc != 0)
        return -1;
    g->in_redis = true;
    ms_list_insert_tail(&r->pending, &g->link);
    return 0;
}

void ms_cm_redis_get(ms_cm_redis *r, const ms_cm_key *k, ms_cm_redis_get_cb cb, void *ud)
{
    get_req *g = cmd_new(r, cb, ud);
    if (!g) {
        /* Not even a timer: answer now (the caller copes, see the stage). */
        cb(NULL, 0, ud);
        return;
    }
    r->st.gets++;
    char key[64];
    key_string(k, key, sizeof key);
    if (send_cmd(r, g, "GET %s", key) == 0) {
        uv_timer_start(&g->timer, on_get_timer, (uint64_t)r->timeout_ms, 0);
    } else {
        uv_timer_start(&g->timer, on_get_timer, 0, 0);  /* a miss, later */
    }
}

void ms_cm_redis_set(ms_cm_redis *r, const ms_cm_key *k, const char *val, size_t len)
{
    if (!conn(r))
        return;
    get_req *g = cmd_new(r, NULL, NULL);
    if (!g)
        return;
    char key[64];
    key_string(k, key, sizeof key);
    int rc = r->ttl_s > 0 ? send_cmd(r, g, "SET %s %b EX %ld", key, val, len, r->ttl_s)
                          : send_cmd(r, g, "SET %s %b", key, val, len);
    if (rc == 0) {
        r->st.sets++;
        uv_timer_start(&g->timer, on_get_timer, (uint64_t)r->timeout_ms * 4, 0);
    } else {
        r->st.errors++;
        uv_timer_start(&g->timer, on_get_timer, 0, 0);
    }
}

void ms_cm_redis_stats_get(const ms_cm_redis *r, ms_cm_redis_stats *s)
{
    *s = r->st;
}

void ms_cm_redis_close(ms_cm_redis *r, void (*on_closed)(void *ud), void *ud)
{
    if (!r || r->closing)
        return;
    r->closing = true;
    r->on_closed = on_closed;
    r->closed_ud = ud;
    /* Nothing is called back after ms__rconn_close: the commands still
     * waiting for a reply are answered here (misses). */
    if (r->conn) {
        ms__rconn_close(r->conn);
        r->conn = NULL;
    }
    ms_gauge_set(r->m_up, 0);
    r->live_gets++;   /* answering the last command must not free r here */
    fail_pending(r);
    r->live_gets--;
    maybe_finish_close(r);
}
