/* cm_redis.c -- the Redis tier of the Comprehend Medical cache (see
 * cm_cache.h), on hiredis's async API driven by the libuv loop.
 *
 * How it fits the loop:
 *   - hiredis's libuv adapter watches the connection's socket with one
 *     uv_poll_t. It keeps reading for as long as the connection is open, so
 *     the handle is un-referenced: an idle cache connection must not keep
 *     the engine's loop alive after the last report (each pending GET has a
 *     referenced timer, which is what keeps the loop running meanwhile).
 *   - hiredis 0.14 has no command timeouts: each GET and SET arms a uv
 *     timer. A GET's result is delivered by whichever comes first, the reply
 *     or the timer; the other one is ignored. The command is freed when both
 *     are over (hiredis holds its pointer until it calls back, which it
 *     always does, with a NULL reply if the connection dies or is freed).
 *     The referenced timer is also what keeps the loop running until the
 *     last SET of a run has been written and acknowledged (bounded by the
 *     timeout), so a run that ends right after its last report still fills
 *     the shared cache.
 *   - a failed or lost connection is re-opened on a later GET or SET, at
 *     most once per backoff (100 ms doubling to 5 s); meanwhile every GET is
 *     a miss. The connect is non-blocking (a host name is resolved with a
 *     blocking getaddrinfo, so use an address or a name the resolver caches).
 * Nothing here ever fails a report: the caller only sees "hit" or "miss".
 * Keys are hashes; values are never logged. */
#include "stages/comprehend/cm_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <uv.h>

#include "base/errbuf.h"
#include "base/log.h"

#define KEY_PREFIX "medstream:cm:"
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

typedef struct get_req {
    ms_cm_redis *r;
    uv_timer_t timer;
    ms_cm_redis_get_cb cb;  /* NULL for a SET */
    void *ud;
    bool answered;     /* cb has run (or would have) */
    bool in_redis;     /* hiredis still holds us as privdata */
    bool timer_open;   /* the timer's close callback has not run */
} get_req;

struct ms_cm_redis {
    uv_loop_t *loop;
    char host[256];
    int port, db;
    long ttl_s, timeout_ms;
    redisAsyncContext *ac;      /* NULL while disconnected */
    uint64_t retry_at_ms;       /* no reconnect before this (uv_now) */
    int backoff_ms;
    long live_gets;             /* commands (get_req) not yet freed */
    bool closing;
    void (*on_closed)(void *ud);
    void *closed_ud;
    ms_cm_redis_stats st;
};

static int parse_url(ms_cm_redis *r, const char *url, char *err, size_t errlen)
{
    const char *p = url;
    if (!strncmp(p, "redis://", 8))
        p += 8;
    else if (strstr(p, "://")) {
        ms_errf(err, errlen, "comprehend.cache.redis_url: only redis:// is supported");
        return -1;
    }
    const char *at = strchr(p, '@');
    if (at) {
        ms_errf(err, errlen, "comprehend.cache.redis_url: credentials in the URL are not supported");
        return -1;
    }
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof r->host) {
        ms_errf(err, errlen, "comprehend.cache.redis_url: no host in '%s'", url);
        return -1;
    }
    memcpy(r->host, p, hl);
    r->host[hl] = 0;
    p += hl;
    r->port = 6379;
    r->db = 0;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 1 || v > 65535 || (*end && *end != '/')) {
            ms_errf(err, errlen, "comprehend.cache.redis_url: bad port in '%s'", url);
            return -1;
        }
        r->port = (int)v;
        p = end;
    }
    if (*p == '/' && p[1]) {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end || v < 0 || v > 1000000) {
            ms_errf(err, errlen, "comprehend.cache.redis_url: bad database number in '%s'", url);
            return -1;
        }
        r->db = (int)v;
    }
    return 0;
}

static void backoff(ms_cm_redis *r)
{
    r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (r->backoff_ms > BACKOFF_MAX_MS)
        r->backoff_ms = BACKOFF_MAX_MS;
    r->retry_at_ms = uv_now(r->loop) + (uint64_t)r->backoff_ms;
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    ms_cm_redis *r = ac->data;
    if (!r)
        return;
    if (status != REDIS_OK) {
        /* hiredis frees ac after this callback. */
        ms_log(MS_LOG_WARN, "comprehend cache: redis connect failed", KS("host", r->host),
               KI("port", r->port), KS("error", ac->errstr), KEND);
        r->ac = NULL;
        r->st.errors++;
        backoff(r);
        return;
    }
    r->st.connects++;
    r->backoff_ms = 0;
    ms_log(MS_LOG_DEBUG, "comprehend cache: redis connected", KS("host", r->host),
           KI("port", r->port), KEND);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    ms_cm_redis *r = ac->data;
    if (!r)
        return;
    r->ac = NULL;   /* hiredis frees it after this callback */
    if (status != REDIS_OK && !r->closing) {
        ms_log(MS_LOG_WARN, "comprehend cache: redis connection lost", KS("host", r->host),
               KS("error", ac->errstr), KEND);
        r->st.errors++;
        backoff(r);
    }
}

/* The connection, opening one if none is open and the backoff allows. */
static redisAsyncContext *conn(ms_cm_redis *r)
{
    if (r->ac || r->closing)
        return r->ac;
    if (uv_now(r->loop) < r->retry_at_ms)
        return NULL;
    redisAsyncContext *ac = redisAsyncConnect(r->host, r->port);
    if (!ac || ac->err) {
        ms_log(MS_LOG_WARN, "comprehend cache: redis connect failed", KS("host", r->host),
               KI("port", r->port), KS("error", ac ? ac->errstr : "out of memory"), KEND);
        if (ac)
            redisAsyncFree(ac);
        r->st.errors++;
        backoff(r);
        return NULL;
    }
    ac->data = r;
    if (redisLibuvAttach(ac, r->loop) != REDIS_OK) {
        ac->data = NULL;
        redisAsyncFree(ac);
        r->st.errors++;
        backoff(r);
        return NULL;
    }
    /* See the top of the file: an idle connection must not hold the loop. */
    redisLibuvEvents *ev = ac->ev.data;
    uv_unref((uv_handle_t *)&ev->handle);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    if (r->db)
        redisAsyncCommand(ac, NULL, NULL, "SELECT %d", r->db);
    r->ac = ac;
    return ac;
}

ms_cm_redis *ms_cm_redis_new(void *loop, const char *url, long ttl_s, long timeout_ms,
                             char *err, size_t errlen)
{
    ms_cm_redis *r = calloc(1, sizeof *r);
    if (!r) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    if (parse_url(r, url, err, errlen) != 0) {
        free(r);
        return NULL;
    }
    r->loop = loop;
    r->ttl_s = ttl_s > 0 ? ttl_s : 0;
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : 250;
    conn(r); /* early, so the first report finds it open */
    return r;
}

static void maybe_finish_close(ms_cm_redis *r)
{
    if (!r->closing || r->live_gets > 0)
        return;
    void (*cb)(void *) = r->on_closed;
    void *ud = r->closed_ud;
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

static void on_get_reply(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    get_req *g = priv;
    ms_cm_redis *r = g->r;
    g->in_redis = false;
    redisReply *rep = reply;
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

void ms_cm_redis_get(ms_cm_redis *r, const ms_cm_key *k, ms_cm_redis_get_cb cb, void *ud)
{
    get_req *g = cmd_new(r, cb, ud);
    if (!g) {
        /* Not even a timer: answer now (the caller copes, see the stage). */
        cb(NULL, 0, ud);
        return;
    }
    r->st.gets++;
    redisAsyncContext *ac = conn(r);
    char key[64];
    key_string(k, key, sizeof key);
    if (ac && redisAsyncCommand(ac, on_get_reply, g, "GET %s", key) == REDIS_OK) {
        g->in_redis = true;
        uv_timer_start(&g->timer, on_get_timer, (uint64_t)r->timeout_ms, 0);
    } else {
        uv_timer_start(&g->timer, on_get_timer, 0, 0);  /* a miss, later */
    }
}

void ms_cm_redis_set(ms_cm_redis *r, const ms_cm_key *k, const char *val, size_t len)
{
    redisAsyncContext *ac = conn(r);
    if (!ac)
        return;
    get_req *g = cmd_new(r, NULL, NULL);
    if (!g)
        return;
    char key[64];
    key_string(k, key, sizeof key);
    int rc = r->ttl_s > 0 ? redisAsyncCommand(ac, on_get_reply, g, "SET %s %b EX %ld", key, val,
                                              len, r->ttl_s)
                          : redisAsyncCommand(ac, on_get_reply, g, "SET %s %b", key, val, len);
    if (rc == REDIS_OK) {
        r->st.sets++;
        g->in_redis = true;
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
    redisAsyncContext *ac = r->ac;
    if (ac) {
        /* Answers pending GETs with NULL replies (misses), then closes the
         * poll handle (the adapter frees its own part in the close
         * callback, on a later loop turn). Inside a hiredis callback the
         * free is deferred by hiredis itself. */
        r->ac = NULL;
        redisAsyncFree(ac);
    }
    maybe_finish_close(r);
}
