/* cm_rconn.c -- see cm_rconn.h: a Redis connection over uv TCP, optionally
 * TLS through OpenSSL memory BIOs, RESP through hiredis's reader.
 *
 * TLS data path: bytes read from the socket go into rbio; SSL_read takes
 * plaintext out of the SSL object; SSL_write puts plaintext in, and
 * whatever the SSL object wants to send (handshake records, application
 * data, alerts) is taken from wbio and written to the socket (flush_wbio).
 * Plaintext queued before the handshake completes waits in c->out. */
#include "stages/comprehend/cm_rconn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "base/errbuf.h"
#include "base/str.h"

struct ms__rconn {
    uv_loop_t *loop;
    uv_tcp_t tcp;
    uv_timer_t timer;          /* connect + handshake + AUTH deadline */
    uv_getaddrinfo_t gai;
    uv_connect_t creq;
    int open_handles;          /* tcp, timer: freed when 0 and no gai pending */
    bool gai_pending, tcp_init, connected, tls_done, ready, dead;
    bool in_open;              /* a failure now is reported on the next turn */
    bool deferred;             /* ... and this one is waiting for it */
    ms__rconn_why deferred_why;
    char deferred_reason[512];
    int hs_pending;            /* replies to AUTH / SELECT still expected */
    bool hs_auth;              /* the first of them answers AUTH */
    char host[256];
    int port;
    long timeout_ms;
    SSL *ssl;
    BIO *rbio, *wbio;          /* owned by ssl */
    redisReader *reader;
    char *out;                 /* plaintext not yet given to the socket / SSL */
    size_t out_len, out_cap;
    ms__rconn_cbs cbs;
    char rbuf[16384];
};

typedef struct wreq {
    uv_write_t req;
    char data[];
} wreq;

static void maybe_free(ms__rconn *c)
{
    if (c->open_handles > 0 || c->gai_pending)
        return;
    if (c->ssl)
        SSL_free(c->ssl);
    if (c->reader)
        redisReaderFree(c->reader);
    free(c->out);
    free(c);
}

static void handle_closed(uv_handle_t *h)
{
    ms__rconn *c = h->data;
    c->open_handles--;
    maybe_free(c);
}

static void shut(ms__rconn *c)
{
    c->dead = true;
    if (c->gai_pending)
        uv_cancel((uv_req_t *)&c->gai);
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, handle_closed);
    if (c->tcp_init && !uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, handle_closed);
}

static void fail(ms__rconn *c, ms__rconn_why why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(ms__rconn *c, ms__rconn_why why, const char *fmt, ...)
{
    if (c->dead)
        return;
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (c->in_open) {   /* never call back from inside ms__rconn_open */
        if (!c->deferred) {
            c->deferred = true;
            c->deferred_why = why;
            ms_strlcpy(c->deferred_reason, sizeof c->deferred_reason, reason);
        }
        return;
    }
    shut(c);
    c->cbs.fail(c->cbs.ud, why, reason);
}

/* The newest OpenSSL error as text ("" when the queue is empty); clears it. */
static const char *ssl_errstr(char *buf, size_t n)
{
    unsigned long e = ERR_get_error();
    unsigned long last = e;
    while (e) {            /* the last one queued is the most specific */
        last = e;
        e = ERR_get_error();
    }
    if (!last) {
        buf[0] = 0;
        return buf;
    }
    ERR_error_string_n(last, buf, n);
    return buf;
}

static void on_written(uv_write_t *req, int status)
{
    ms__rconn *c = req->data;
    free(req);
    if (status < 0 && status != UV_ECANCELED)
        fail(c, MS__RCONN_CONNECT, "write failed: %s", uv_strerror(status));
}

static int write_raw(ms__rconn *c, const char *p, size_t n)
{
    if (n == 0)
        return 0;
    wreq *w = malloc(sizeof *w + n);
    if (!w) {
        fail(c, MS__RCONN_CONNECT, "out of memory");
        return -1;
    }
    memcpy(w->data, p, n);
    w->req.data = c;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc < 0) {
        free(w);
        fail(c, MS__RCONN_CONNECT, "write failed: %s", uv_strerror(rc));
        return -1;
    }
    return 0;
}

/* Whatever the SSL object has to send, to the socket. */
static int flush_wbio(ms__rconn *c)
{
    char buf[16384];
    int n;
    while ((n = BIO_read(c->wbio, buf, sizeof buf)) > 0)
        if (write_raw(c, buf, (size_t)n) != 0)
            return -1;
    return 0;
}

/* Queued plaintext, out when the connection can take it. */
static void flush_out(ms__rconn *c)
{
    if (c->dead || !c->connected || (c->ssl && !c->tls_done) || c->out_len == 0)
        return;
    if (!c->ssl) {
        if (write_raw(c, c->out, c->out_len) == 0)
            c->out_len = 0;
        return;
    }
    /* Memory BIOs grow as needed, so SSL_write takes everything at once. */
    int n = SSL_write(c->ssl, c->out, (int)c->out_len);
    if (n <= 0) {
        char e[256];
        fail(c, MS__RCONN_TLS, "TLS write failed: %s", ssl_errstr(e, sizeof e));
        return;
    }
    c->out_len = 0;
    flush_wbio(c);
}

static int queue(ms__rconn *c, const char *p, size_t n)
{
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 1024;
        while (cap < c->out_len + n)
            cap *= 2;
        char *o = realloc(c->out, cap);
        if (!o)
            return -1;
        c->out = o;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return 0;
}

static void become_ready(ms__rconn *c)
{
    c->ready = true;
    uv_timer_stop(&c->timer);
    c->cbs.ready(c->cbs.ud);
}

/* Every complete reply in the reader, to the handshake or the caller. */
static void drain_replies(ms__rconn *c)
{
    while (!c->dead) {
        void *rp = NULL;
        if (redisReaderGetReply(c->reader, &rp) != REDIS_OK) {
            fail(c, MS__RCONN_CONNECT, "protocol error: %s", c->reader->errstr);
            return;
        }
        if (!rp)
            return;
        redisReply *rep = rp;
        if (c->hs_pending > 0) {
            bool bad = rep->type == REDIS_REPLY_ERROR;
            char msg[200];
            ms_strlcpy(msg, sizeof msg, bad && rep->str ? rep->str : "");
            freeReplyObject(rep);
            if (bad && !strncmp(msg, "NOAUTH", 6)) {
                fail(c, MS__RCONN_AUTH, "the server requires AUTH and no password is "
                     "configured: %s", msg);
                return;
            }
            if (bad) {
                fail(c, MS__RCONN_AUTH, "%s refused by the server: %s",
                     c->hs_auth ? "AUTH" : "SELECT", msg);
                return;
            }
            c->hs_auth = false;
            if (--c->hs_pending == 0)
                become_ready(c);
            continue;
        }
        c->cbs.reply(c->cbs.ud, rep);
        freeReplyObject(rep);
    }
}

static void feed(ms__rconn *c, const char *p, size_t n)
{
    if (redisReaderFeed(c->reader, p, n) != REDIS_OK)
        fail(c, MS__RCONN_CONNECT, "protocol error: %s", c->reader->errstr);
    else
        drain_replies(c);
}

static void tls_fail(ms__rconn *c, const char *what)
{
    char e[256];
    long vr = SSL_get_verify_result(c->ssl);
    if (vr != X509_V_OK)
        fail(c, MS__RCONN_TLS, "TLS %s: server certificate not trusted: %s", what,
             X509_verify_cert_error_string(vr));
    else
        fail(c, MS__RCONN_TLS, "TLS %s failed: %s", what, *ssl_errstr(e, sizeof e) ? e :
             "the server closed the connection");
}

/* Drive the handshake, then read what plaintext there is. */
static void tls_step(ms__rconn *c)
{
    if (!c->tls_done) {
        int rc = SSL_do_handshake(c->ssl);
        if (flush_wbio(c) != 0)
            return;
        if (rc != 1) {
            int e = SSL_get_error(c->ssl, rc);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                tls_fail(c, "handshake");
            return;
        }
        c->tls_done = true;
        flush_out(c);
        if (!c->dead && c->hs_pending == 0)
            become_ready(c);
    }
    char buf[16384];
    while (!c->dead) {
        int n = SSL_read(c->ssl, buf, sizeof buf);
        if (n > 0) {
            feed(c, buf, (size_t)n);
            continue;
        }
        int e = SSL_get_error(c->ssl, n);
        flush_wbio(c);  /* e.g. a TLS 1.3 key update */
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return;
        if (e == SSL_ERROR_ZERO_RETURN)
            fail(c, MS__RCONN_CONNECT, "connection closed by the server");
        else
            tls_fail(c, "read");  /* e.g. the server rejected our certificate */
        return;
    }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    (void)hint;
    ms__rconn *c = h->data;
    *b = uv_buf_init(c->rbuf, sizeof c->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    ms__rconn *c = s->data;
    if (c->dead || n == 0)
        return;
    if (n < 0) {
        if (c->ssl && !c->tls_done)
            tls_fail(c, "handshake");   /* a server closing on a bad client cert */
        else
            fail(c, MS__RCONN_CONNECT, "connection lost: %s",
                 n == UV_EOF ? "closed by the server" : uv_strerror((int)n));
        return;
    }
    if (!c->ssl) {
        feed(c, b->base, (size_t)n);
        return;
    }
    if (BIO_write(c->rbio, b->base, (int)n) != (int)n) {
        fail(c, MS__RCONN_TLS, "TLS: out of memory");
        return;
    }
    tls_step(c);
}

static int tls_start(ms__rconn *c, SSL_CTX *ctx)
{
    c->ssl = SSL_new(ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (!c->ssl || !c->rbio || !c->wbio) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        return -1;
    }
    SSL_set_bio(c->ssl, c->rbio, c->wbio);   /* now owned by ssl */
    SSL_set_connect_state(c->ssl);
    /* The name the certificate must carry: an IP address literal is
     * matched against its IP SANs, a host name against its DNS names (and
     * sent as SNI, which ElastiCache's proxies use). */
    X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc(vp, c->host) != 1) {
        if (SSL_set1_host(c->ssl, c->host) != 1)
            return -1;
        SSL_set_tlsext_host_name(c->ssl, c->host);
    }
    return 0;
}

static void on_connected(uv_connect_t *req, int status)
{
    ms__rconn *c = req->data;
    if (c->dead)
        return;
    if (status < 0) {
        fail(c, MS__RCONN_CONNECT, "cannot connect to %s:%d: %s", c->host, c->port,
             uv_strerror(status));
        return;
    }
    c->connected = true;
    int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc < 0) {
        fail(c, MS__RCONN_CONNECT, "read: %s", uv_strerror(rc));
        return;
    }
    if (c->ssl) {
        tls_step(c);       /* sends the ClientHello */
        return;
    }
    flush_out(c);
    if (!c->dead && c->hs_pending == 0)
        become_ready(c);
}

static void connect_addr(ms__rconn *c, const struct sockaddr *sa)
{
    int rc = uv_tcp_init(c->loop, &c->tcp);
    if (rc < 0) {
        fail(c, MS__RCONN_CONNECT, "socket: %s", uv_strerror(rc));
        return;
    }
    c->tcp.data = c;
    c->tcp_init = true;
    c->open_handles++;
    uv_unref((uv_handle_t *)&c->tcp);
    uv_tcp_nodelay(&c->tcp, 1);
    c->creq.data = c;
    rc = uv_tcp_connect(&c->creq, &c->tcp, sa, on_connected);
    if (rc < 0)
        fail(c, MS__RCONN_CONNECT, "cannot connect to %s:%d: %s", c->host, c->port,
             uv_strerror(rc));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    ms__rconn *c = req->data;
    c->gai_pending = false;
    if (c->dead) {
        uv_freeaddrinfo(res);
        maybe_free(c);
        return;
    }
    if (status < 0 || !res) {
        fail(c, MS__RCONN_CONNECT, "cannot resolve %s: %s", c->host, uv_strerror(status));
        uv_freeaddrinfo(res);
        return;
    }
    connect_addr(c, res->ai_addr);
    uv_freeaddrinfo(res);
}

static void on_deadline(uv_timer_t *t)
{
    ms__rconn *c = t->data;
    if (c->deferred) {
        fail(c, c->deferred_why, "%s", c->deferred_reason);
        return;
    }
    fail(c, c->ssl && c->connected && !c->tls_done ? MS__RCONN_TLS : MS__RCONN_CONNECT,
         "no answer from %s:%d within %ld ms (%s)", c->host, c->port, c->timeout_ms,
         !c->connected ? "connect" : c->ssl && !c->tls_done ? "TLS handshake" : "AUTH/SELECT");
}

ms__rconn *ms__rconn_open(uv_loop_t *loop, const ms__rconn_opts *o, const ms__rconn_cbs *cbs,
                          char *err, size_t errlen)
{
    ms__rconn *c = calloc(1, sizeof *c);
    if (!c || !(c->reader = redisReaderCreate())) {
        free(c);
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    c->loop = loop;
    c->cbs = *cbs;
    c->in_open = true;
    c->port = o->port;
    c->timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 2000;
    ms_strlcpy(c->host, sizeof c->host, o->host);
    if (o->tls && tls_start(c, o->tls) != 0) {
        ms_errf(err, errlen, "TLS setup failed for %s", c->host);
        maybe_free(c);
        return NULL;
    }
    /* The handshake commands go first in the queue. */
    char *cmd = NULL;
    int n = 0;
    if (o->password && *o->password) {
        n = o->user && *o->user ? redisFormatCommand(&cmd, "AUTH %s %s", o->user, o->password)
                                : redisFormatCommand(&cmd, "AUTH %s", o->password);
        if (n < 0 || queue(c, cmd, (size_t)n) != 0)
            goto oom;
        free(cmd);
        cmd = NULL;
        c->hs_pending++;
        c->hs_auth = true;
    }
    if (o->db) {
        n = redisFormatCommand(&cmd, "SELECT %d", o->db);
        if (n < 0 || queue(c, cmd, (size_t)n) != 0)
            goto oom;
        free(cmd);
        cmd = NULL;
        c->hs_pending++;
    }
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->open_handles++;
    uv_unref((uv_handle_t *)&c->timer);
    uv_timer_start(&c->timer, on_deadline, (uint64_t)c->timeout_ms, 0);

    struct sockaddr_storage ss;
    if (uv_ip4_addr(c->host, c->port, (struct sockaddr_in *)&ss) == 0 ||
        uv_ip6_addr(c->host, c->port, (struct sockaddr_in6 *)&ss) == 0) {
        connect_addr(c, (struct sockaddr *)&ss);
    } else {
        char port[16];
        snprintf(port, sizeof port, "%d", c->port);
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        c->gai.data = c;
        int rc = uv_getaddrinfo(loop, &c->gai, on_resolved, c->host, port, &hints);
        if (rc < 0)
            fail(c, MS__RCONN_CONNECT, "cannot resolve %s: %s", c->host, uv_strerror(rc));
        else
            c->gai_pending = true;
    }
    c->in_open = false;
    if (c->deferred)
        uv_timer_start(&c->timer, on_deadline, 0, 0);
    return c;
oom:
    free(cmd);
    maybe_free(c);
    ms_errf(err, errlen, "out of memory");
    return NULL;
}

int ms__rconn_send(ms__rconn *c, const char *cmd, size_t len)
{
    if (c->dead)
        return -1;
    if (queue(c, cmd, len) != 0)
        return -1;
    flush_out(c);
    return 0;
}

void ms__rconn_close(ms__rconn *c)
{
    if (!c)
        return;
    if (!c->dead)
        shut(c);
}

SSL_CTX *ms__rconn_tls_ctx(const char *ca_file, const char *cert_file, const char *key_file,
                           char *err, size_t errlen)
{
    char e[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        ms_errf(err, errlen, "TLS: %s", ssl_errstr(e, sizeof e));
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int ok = ca_file && *ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
                                 : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        ms_errf(err, errlen, "comprehend.cache.redis_ca_file: cannot load '%s': %s",
                ca_file && *ca_file ? ca_file : "(system CAs)", ssl_errstr(e, sizeof e));
        goto bad;
    }
    if (cert_file && *cert_file) {
        if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
            ms_errf(err, errlen, "comprehend.cache.redis_cert_file: cannot load '%s': %s",
                    cert_file, ssl_errstr(e, sizeof e));
            goto bad;
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            ms_errf(err, errlen, "comprehend.cache.redis_key_file: cannot load '%s' or it does "
                    "not match the certificate: %s", key_file ? key_file : "",
                    ssl_errstr(e, sizeof e));
            goto bad;
        }
    }
    return ctx;
bad:
    SSL_CTX_free(ctx);
    return NULL;
}
