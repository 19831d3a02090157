/* http.c -- see http.h.
 *
 * How the pieces fit:
 *
 *   ms_http_send   builds a curl easy handle and queues it (h->pending); it
 *                  never calls into curl multi nor the user, so callbacks
 *                  cannot run from inside it. The idle handle adds the queue
 *                  to the multi handle on the next loop turn.
 *   socket cb      curl tells us which fds to watch: one uv_poll_t per fd,
 *                  attached with curl_multi_assign (struct ms_http_sock).
 *   timer cb       curl tells us when to call it back: a uv_timer_t, or for
 *                  0 ms the idle handle (next loop turn), never a call back
 *                  into curl from inside curl's own callback.
 *   drive()        curl_multi_socket_action, then finished transfers are
 *                  read with curl_multi_info_read and their callbacks run.
 *
 * Re-entrancy: user callbacks run only from drive()/on_idle()/teardown(),
 * never from inside a curl callback, so they may call ms_http_send and
 * ms_http_close. on_data runs inside curl's write callback: it may call
 * ms_http_send (queued) and ms_http_close (deferred to the idle handle).
 *
 * http_req.c builds each easy handle and collects its response.
 *
 * Lifetime: the client is freed once curl is torn down and every uv handle
 * it opened (timer, idle, one poll per socket) has run its close callback. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "aws/base/http_internal.h"
#include "base/log.h"
#include "base/errbuf.h"

#define DEFAULT_MAX_HOST_CONNS 64L
#define DEFAULT_MAX_TOTAL_CONNS 256L

/* One watched socket. Owned by the client from uv_poll_init until its close
 * callback; curl forgets it (CURL_POLL_REMOVE) before that. */
struct ms_http_sock {
    ms_http *h;
    uv_poll_t poll;
    curl_socket_t fd;
    ms_list link;                /* in h->socks: contexts not yet closing */
};

static void drive(ms_http *h, curl_socket_t s, int flags);
static void on_idle(uv_idle_t *idle);
static void teardown(ms_http *h);

/* ---- curl global state -------------------------------------------------- */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static CURLcode g_init_rc = CURLE_FAILED_INIT;

/* Never cleaned up: other threads may still use curl at exit. */
static void global_init(void)
{
    g_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- lists -------------------------------------------------------------- */

static void pending_push(ms_http *h, ms_http_xfer *x)
{
    ms_list_insert_tail(&h->pending, &x->link);
}

static ms_http_xfer *pending_pop(ms_http *h)
{
    ms_http_xfer *x = ms_list_first_entry(&h->pending, ms_http_xfer, link);
    if (x)
        ms_list_remove(&x->link);
    return x;
}

static void active_push(ms_http *h, ms_http_xfer *x)
{
    ms_list_insert_head(&h->active, &x->link);
}

static void active_remove(ms_http *h, ms_http_xfer *x)
{
    (void)h;
    ms_list_remove(&x->link);
}

/* ---- finishing a request ------------------------------------------------ */

/* Run the callback with what the transfer gathered, then free it. The
 * transfer is already off every list and out of the multi handle. */
static void deliver(ms_http *h, ms_http_xfer *x, ms_http_resp *r)
{
    h->inflight--;
    if (r->err != MS_HTTP_OK) {
        /* A partial body (timeout, reset, too big) is not a body. */
        free(x->body);
        x->body = NULL;
        x->body_len = 0;
    }
    r->headers = x->hdrs;
    r->nheaders = x->nhdrs;
    r->body = x->body ? x->body : "";
    r->body_len = x->body_len;
    r->elapsed_s = (double)(uv_hrtime() - x->start_ns) / 1e9;
    if (!r->errmsg)
        r->errmsg = "";
    if (ms_log_enabled(MS_LOG_DEBUG))
        ms_log(MS_LOG_DEBUG, "http request done", KS("method", x->method),
               KS("host", x->host), KI("status", r->status),
               KS("err", ms_http_err_name(r->err)), KI("bytes", (long long)r->body_len),
               KF("elapsed_s", r->elapsed_s), KI("new_conns", r->new_connections), KEND);
    /* Before the callback: one that closes the client frees the share
     * handle, which refuses while an easy handle still uses it. */
    if (x->easy) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    x->cb(r, x->ud);
    ms__http_xfer_free(x);
}

/* For requests that never reached curl, or that curl no longer holds. */
static void deliver_error(ms_http *h, ms_http_xfer *x, ms_http_err err, const char *msg)
{
    ms_http_resp r = {.err = err, .errmsg = msg};
    deliver(h, x, &r);
}

/* curl is done with x (any result): read its outcome and call back. */
static void finish(ms_http *h, ms_http_xfer *x, CURLcode rc)
{
    ms_http_resp r = {0};
    long ver = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &r.new_connections);
    curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &ver);
    r.http_version = ver == CURL_HTTP_VERSION_2_0 ? 2
                   : ver == CURL_HTTP_VERSION_3 ? 3
                   : ver ? 1 : 0;
    if (rc == CURLE_OK) {
        r.err = MS_HTTP_OK;
    } else if (x->fail != MS_HTTP_OK) {
        r.err = x->fail;
        r.errmsg = x->fail_msg;
    } else {
        r.err = ms__http_map_curl_error(rc);
        r.errmsg = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
        if (r.err == MS_HTTP_ETOOBIG)
            r.errmsg = "response larger than max_response_bytes";
    }
    active_remove(h, x);
    curl_multi_remove_handle(h->multi, x->easy);
    deliver(h, x, &r);
}

/* Report every finished transfer. Stops when a callback closed the client:
 * teardown has then freed the multi handle and canceled the rest. */
static void check_done(ms_http *h)
{
    CURLMsg *m;
    int left;
    while (!h->closing && (m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        CURLcode rc = m->data.result;   /* m dies with remove_handle */
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        finish(h, (ms_http_xfer *)priv, rc);
    }
}

/* ---- curl <-> libuv ----------------------------------------------------- */

static void drive(ms_http *h, curl_socket_t s, int flags)
{
    int running = 0;
    if (h->torn_down)
        return;
    h->in_curl++;
    CURLMcode mc = curl_multi_socket_action(h->multi, s, flags, &running);
    h->in_curl--;
    if (mc != CURLM_OK)
        ms_log(MS_LOG_WARN, "http: curl_multi_socket_action failed",
               KS("error", curl_multi_strerror(mc)), KEND);
    check_done(h);
}

static void maybe_free(ms_http *h)
{
    if (!h->torn_down || h->uv_open > 0)
        return;
    void (*cb)(void *) = h->on_closed;
    void *ud = h->closed_ud;
    free(h->ca_file);
    free(h);
    if (cb)
        cb(ud);
}

static void on_handle_closed(uv_handle_t *handle)
{
    ms_http *h = handle->data;
    h->uv_open--;
    maybe_free(h);
}

static void on_sock_closed(uv_handle_t *handle)
{
    ms_http_sock *c = handle->data;
    ms_http *h = c->h;
    free(c);
    h->uv_open--;
    maybe_free(h);
}

/* Stop watching. The fd stays curl's (it may be cached for reuse, or
 * already closed, and its number reused for a new socket right away: that
 * one gets a new context, as the poll below is detached from the fd by
 * uv_poll_stop already). */
static void sock_close(ms_http *h, ms_http_sock *c)
{
    (void)h;
    ms_list_remove(&c->link);
    uv_poll_stop(&c->poll);
    uv_close((uv_handle_t *)&c->poll, on_sock_closed);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    ms_http_sock *c = p->data;
    int flags = 0;
    if (status < 0) {
        flags = CURL_CSELECT_ERR;
    } else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    /* c may be closed during the call (CURL_POLL_REMOVE); it stays
     * allocated until its close callback, after this returns. */
    drive(c->h, c->fd, flags);
}

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    ms_http *h = userp;
    ms_http_sock *c = socketp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (c)
            sock_close(h, c);
        return 0;
    }
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return -1;
        int irc = uv_poll_init_socket(h->loop, &c->poll, s);
        if (irc == UV_EEXIST) {
            /* A context left on a reused fd number (curl announces the
             * removal before closing a socket, so this is defensive). */
            ms_list *it;
            ms_list_foreach(it, &h->socks) {
                ms_http_sock *o = ms_list_entry(it, ms_http_sock, link);
                if (o->fd == s) {
                    sock_close(h, o);
                    break;
                }
            }
            irc = uv_poll_init_socket(h->loop, &c->poll, s);
        }
        if (irc != 0) {
            ms_log(MS_LOG_ERROR, "http: uv_poll_init_socket failed",
                   KS("error", uv_strerror(irc)), KI("fd", s), KEND);
            free(c);
            return -1;
        }
        c->h = h;
        c->fd = s;
        c->poll.data = c;
        h->uv_open++;
        ms_list_insert_head(&h->socks, &c->link);
        curl_multi_assign(h->multi, s, c);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    int rc = uv_poll_start(&c->poll, events, on_poll);
    if (rc != 0) {
        ms_log(MS_LOG_ERROR, "http: uv_poll_start failed", KS("error", uv_strerror(rc)), KEND);
        return -1;
    }
    return 0;
}

static void on_timer(uv_timer_t *t)
{
    drive(t->data, CURL_SOCKET_TIMEOUT, 0);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    ms_http *h = userp;
    (void)multi;
    if (h->torn_down)
        return 0;
    if (timeout_ms < 0) {
        uv_timer_stop(&h->timer);
        h->kick = false;
    } else if (timeout_ms == 0) {
        /* "Now": on the next loop turn, so that we never re-enter curl from
         * its own callback nor spin inside one timer phase. */
        uv_timer_stop(&h->timer);
        h->kick = true;
        uv_idle_start(&h->idle, on_idle);
    } else {
        h->kick = false;
        uv_timer_start(&h->timer, on_timer, (uint64_t)timeout_ms, 0);
    }
    return 0;
}

/* Next loop turn after a send or a 0 ms curl timeout: hand queued requests
 * to curl, report those that failed before, and run curl's timeout. */
static void on_idle(uv_idle_t *idle)
{
    ms_http *h = idle->data;
    uv_idle_stop(idle);
    if (h->closing) {
        if (!h->torn_down)
            teardown(h);   /* ms_http_close was called from on_data */
        return;
    }
    /* Only what was queued before this turn: a callback that re-sends a
     * request that fails at once must not keep us here forever. */
    size_t n = 0;
    ms_list *it;
    ms_list_foreach(it, &h->pending)
        n++;
    while (n-- > 0 && !h->closing && !ms_list_empty(&h->pending)) {
        ms_http_xfer *x = pending_pop(h);
        if (x->fail == MS_HTTP_OK) {
            CURLMcode mc = curl_multi_add_handle(h->multi, x->easy);
            if (mc == CURLM_OK) {
                active_push(h, x);
                continue;
            }
            x->fail = MS_HTTP_EOTHER;
            x->fail_msg = curl_multi_strerror(mc);
        }
        deliver_error(h, x, x->fail, x->fail_msg);
    }
    if (!h->closing && h->kick) {
        h->kick = false;
        drive(h, CURL_SOCKET_TIMEOUT, 0);
    }
    /* Adding handles restarted us; nothing is left for another turn. */
    if (!h->closing && !h->kick && ms_list_empty(&h->pending))
        uv_idle_stop(idle);
}

/* ---- public API --------------------------------------------------------- */

ms_http *ms_http_new(uv_loop_t *loop, const ms_http_opts *opts, char *err, size_t errlen)
{
    ms_http_opts o = opts ? *opts : (ms_http_opts){0};
    pthread_once(&g_once, global_init);
    if (g_init_rc != CURLE_OK) {
        ms_errf(err, errlen, "curl_global_init: %s", curl_easy_strerror(g_init_rc));
        return NULL;
    }
    if (o.ca_file && !o.ca_file[0])
        o.ca_file = NULL;
    if (o.ca_file) {
        /* Fail here rather than on every request with a TLS error. */
        struct stat st;
        FILE *f = NULL;
        errno = 0;
        if (stat(o.ca_file, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fopen(o.ca_file, "r"))) {
            ms_errf(err, errlen, "CA file %s: %s", o.ca_file,
                    errno ? strerror(errno) : "not a regular file");
            return NULL;
        }
        fclose(f);
    }

    ms_http *h = calloc(1, sizeof *h);
    if (!h) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    h->loop = loop;
    ms_list_init(&h->pending);
    ms_list_init(&h->active);
    ms_list_init(&h->socks);
    h->tls_insecure = o.tls_insecure;
    h->no_http2 = o.no_http2;
    h->connect_timeout_ms = o.connect_timeout_ms > 0 ? o.connect_timeout_ms
                                                     : MS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    h->ca_file = o.ca_file ? strdup(o.ca_file) : NULL;
    h->multi = curl_multi_init();
    h->share = curl_share_init();
    if ((o.ca_file && !h->ca_file) || !h->multi || !h->share) {
        ms_errf(err, errlen, "curl_multi_init failed");
        if (h->multi)
            curl_multi_cleanup(h->multi);
        if (h->share)
            curl_share_cleanup(h->share);
        free(h->ca_file);
        free(h);
        return NULL;
    }
    /* TLS session resumption across requests (each has its own easy handle;
     * the multi handle already shares connections and the DNS cache). All
     * use is on the loop thread: no lock callbacks needed. */
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);

    long host_conns = o.max_host_connections > 0 ? o.max_host_connections
                                                : DEFAULT_MAX_HOST_CONNS;
    long total_conns = o.max_total_connections > 0 ? o.max_total_connections
                                                  : DEFAULT_MAX_TOTAL_CONNS;
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, (void *)h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, (void *)h);
    curl_multi_setopt(h->multi, CURLMOPT_PIPELINING,
                      h->no_http2 ? (long)CURLPIPE_NOTHING : (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, host_conns);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, total_conns);
    /* Idle connections kept for reuse. curl's default (4 x transfers in
     * progress) would close most of them as a burst winds down. */
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, total_conns);

    /* Neither init can fail on unix (libuv 1.x). */
    uv_timer_init(loop, &h->timer);
    uv_idle_init(loop, &h->idle);
    h->timer.data = h;
    h->idle.data = h;
    h->uv_open = 2;

    if (h->tls_insecure)
        ms_log(MS_LOG_WARN, "http: TLS certificate verification is disabled (tls.insecure = true)",
               KEND);
    return h;
}

int ms_http_send(ms_http *h, const ms_http_req *req, ms_http_cb cb, void *ud)
{
    if (!h || h->closing || !req || !cb)
        return -1;
    ms_http_xfer *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    x->h = h;
    ms_list_init(&x->link);
    x->cb = cb;
    x->ud = ud;
    x->on_data = req->on_data;
    x->max_bytes = req->max_response_bytes ? req->max_response_bytes : MS_HTTP_DEFAULT_MAX_RESPONSE;
    x->start_ns = uv_hrtime();
    if (ms__http_build_request(h, x, req) < 0) {
        ms__http_xfer_free(x);
        return -1;
    }
    pending_push(h, x);
    h->inflight++;
    uv_idle_start(&h->idle, on_idle);
    return 0;
}

size_t ms_http_inflight(const ms_http *h)
{
    return h ? h->inflight : 0;
}

/* Cancel everything, free curl's state, close every uv handle. Callbacks
 * run from here may call ms_http_send (refused) and ms_http_close (no-op). */
static void teardown(ms_http *h)
{
    ms_http_xfer *x;
    while ((x = pending_pop(h)))
        deliver_error(h, x, MS_HTTP_ECANCELED, "client closed");
    while ((x = ms_list_first_entry(&h->active, ms_http_xfer, link))) {
        active_remove(h, x);
        curl_multi_remove_handle(h->multi, x->easy);
        deliver_error(h, x, MS_HTTP_ECANCELED, "client closed");
    }
    curl_multi_cleanup(h->multi);   /* may still report CURL_POLL_REMOVE */
    if (curl_share_cleanup(h->share) != CURLSHE_OK)
        ms_log(MS_LOG_WARN, "http: curl share handle still in use at close", KEND);
    h->multi = NULL;
    h->share = NULL;
    h->torn_down = true;
    while (!ms_list_empty(&h->socks))
        sock_close(h, ms_list_entry(h->socks.next, ms_http_sock, link));
    uv_close((uv_handle_t *)&h->timer, on_handle_closed);
    uv_close((uv_handle_t *)&h->idle, on_handle_closed);
}

void ms_http_close(ms_http *h, void (*on_closed)(void *ud), void *ud)
{
    if (!h || h->closing)
        return;
    h->closing = true;
    h->on_closed = on_closed;
    h->closed_ud = ud;
    if (h->in_curl > 0) {
        /* From on_data, i.e. inside curl: tear down on the next turn. */
        uv_idle_start(&h->idle, on_idle);
        return;
    }
    teardown(h);
}

