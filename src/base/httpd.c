/* httpd.c -- a small HTTP/1.1 server on libuv (see httpd.h).
 *
 * Per connection: one growing input buffer (data in buf[off, len)), one
 * request at a time in the handler's hands (state BUSY), answers written in
 * order with uv_write. A request whose head has arrived but not all of its
 * body waits in `pend`. A timer per connection serves both delayed answers
 * and the lingering close after an error. */
#include "base/httpd.h"
#include "base/errbuf.h"
#include "base/httpd_internal.h"
#include "base/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define READ_CHUNK 65536
#define LINGER_MS 2000
#define WRITE_HIGH_WATER ((size_t)4 << 20)

typedef enum cstate {
    C_IDLE,      /* reading / parsing */
    C_BUSY,      /* the handler holds cur */
    C_DELAYED,   /* answer built, waiting for the timer */
    C_STALLED,   /* never answering */
    C_FLUSHING,  /* last answer written, closing once it is flushed */
    C_LINGER,    /* FIN sent, discarding input until EOF or timeout */
    C_CLOSED
} cstate;

typedef struct wreq {
    uv_write_t w;
    struct ms_httpd_conn *c;
    size_t len;
    char data[];
} wreq;

/* One client connection. */
typedef struct ms_httpd_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_shutdown_t shut;
    ms_httpd *srv;
    ms_list link;                     /* in srv->conns */
    char *buf;
    size_t off, len, cap;
    cstate state;
    ms_httpd_req_impl *cur;           /* BUSY: held by the handler; STALLED: ours */
    ms_httpd_req_impl *pend;          /* head parsed, body incomplete */
    size_t pend_head, pend_body;
    bool continue_sent;
    bool reading;
    bool eof;                /* the client half-closed */
    bool in_process;
    int handles;             /* uv handles not yet closed */
    size_t writes;           /* writes in flight */
    wreq *delayed;
    bool delayed_close;
} conn;

struct ms_httpd {
    uv_loop_t *loop;
    uv_tcp_t listener;
    size_t max_header, max_body;
    char *server_name;
    ms_httpd_cb on_request;
    void *ud;
    int port;
    ms_list conns;                    /* conn.link */
    size_t nconns;
    uint64_t accepted;
    bool closing;
    int open_handles;        /* listener + connections */
    void (*on_closed)(void *);
    void *closed_ud;
    time_t date_t;
    char date[64];
};

static void process(conn *c);
static void conn_close(conn *c, bool rst);
static void send_error(conn *c, int status, const char *msg);
static void on_alloc(uv_handle_t *hd, size_t suggested, uv_buf_t *out);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

/* ---- lifetime ---------------------------------------------------------- */

static void server_handle_closed(ms_httpd *h)
{
    if (--h->open_handles > 0 || !h->closing)
        return;
    void (*cb)(void *) = h->on_closed;
    void *ud = h->closed_ud;
    free(h->server_name);
    free(h);
    if (cb)
        cb(ud);
}

static void req_free(ms_httpd_req_impl *r)
{
    if (!r)
        return;
    free(r->body_mem);
    free(r);
}

static void on_conn_handle_closed(uv_handle_t *hd)
{
    conn *c = hd->data;
    if (--c->handles > 0)
        return;
    ms_httpd *h = c->srv;
    free(c->buf);
    free(c);
    server_handle_closed(h);
}

static void conn_close(conn *c, bool rst)
{
    if (c->state == C_CLOSED)
        return;
    cstate was = c->state;
    c->state = C_CLOSED;
    if (c->cur) {
        if (was == C_BUSY)
            c->cur->pub.conn_ = NULL;   /* the handler still completes it */
        else
            req_free(c->cur);
        c->cur = NULL;
    }
    req_free(c->pend);
    c->pend = NULL;
    free(c->delayed);
    c->delayed = NULL;
    ms_httpd *h = c->srv;
    ms_list_remove(&c->link);
    h->nconns--;
    uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
    /* uv_tcp_close_reset sets SO_LINGER 0 and closes: the peer gets RST */
    if (!rst || uv_tcp_close_reset(&c->tcp, on_conn_handle_closed) != 0)
        uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
}

static void on_linger_timeout(uv_timer_t *t)
{
    conn_close(t->data, false);
}

static void on_shutdown(uv_shutdown_t *s, int status)
{
    conn *c = s->data;
    if (c->state != C_LINGER)
        return;                      /* closed meanwhile */
    if (status != 0)
        conn_close(c, false);
}

/* Send FIN and read (and drop) whatever the client still sends for up to
 * LINGER_MS, so a client in the middle of an upload reads our answer
 * instead of a reset. */
static void start_linger(conn *c)
{
    c->state = C_LINGER;
    c->off = c->len = 0;
    c->shut.data = c;
    if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        conn_close(c, false);
        return;
    }
    if (!c->reading && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = true;
    uv_timer_start(&c->timer, on_linger_timeout, LINGER_MS, 0);
}

/* ---- writing ----------------------------------------------------------- */

static void update_date(ms_httpd *h)
{
    time_t now = time(NULL);
    if (now == h->date_t)
        return;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(h->date, sizeof h->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    h->date_t = now;
}

static void on_written(uv_write_t *w, int status)
{
    wreq *wr = (wreq *)w;
    conn *c = wr->c;
    free(wr);
    c->writes--;
    if (c->state == C_CLOSED)
        return;
    if (status != 0) {
        conn_close(c, false);
        return;
    }
    if (c->state == C_FLUSHING && c->writes == 0)
        start_linger(c);
    else if (c->state == C_IDLE)
        process(c);     /* may have paused for the write queue */
}

static int write_raw(conn *c, wreq *wr)
{
    wr->c = c;
    uv_buf_t b = uv_buf_init(wr->data, (unsigned)wr->len);
    if (uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
        free(wr);
        conn_close(c, false);
        return -1;
    }
    c->writes++;
    return 0;
}

static wreq *build(ms_httpd *h, int status, const ms_httpd_header *hs, size_t nh,
                   const void *body, size_t blen, bool keep_alive, bool head_only)
{
    update_date(h);
    size_t cap = 256 + blen + (h->server_name ? strlen(h->server_name) : 0);
    for (size_t i = 0; i < nh; i++)
        cap += strlen(hs[i].name) + strlen(hs[i].value) + 4;
    wreq *wr = malloc(sizeof *wr + cap);
    if (!wr)
        return NULL;
    char *p = wr->data;
    size_t left = cap;
    int n = snprintf(p, left, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status,
                     ms_httpd_reason(status), h->date);
    p += n, left -= (size_t)n;
    if (h->server_name) {
        n = snprintf(p, left, "Server: %s\r\n", h->server_name);
        p += n, left -= (size_t)n;
    }
    for (size_t i = 0; i < nh; i++) {
        n = snprintf(p, left, "%s: %s\r\n", hs[i].name, hs[i].value);
        p += n, left -= (size_t)n;
    }
    n = snprintf(p, left, "Content-Length: %zu\r\nConnection: %s\r\n\r\n", blen,
                 keep_alive ? "keep-alive" : "close");
    p += n, left -= (size_t)n;
    if (!head_only && blen) {
        memcpy(p, body, blen);
        p += blen;
    }
    wr->len = (size_t)(p - wr->data);
    return wr;
}

/* Write an answer; then parse on (keep-alive) or close gracefully. */
static void send_answer(conn *c, wreq *wr, bool close_after)
{
    c->state = close_after ? C_FLUSHING : C_IDLE;
    if (write_raw(c, wr) != 0)
        return;
    if (!close_after)
        process(c);
}

static void send_error(conn *c, int status, const char *msg)
{
    const ms_httpd_header ct = {"Content-Type", "text/plain"};
    wreq *wr = build(c->srv, status, &ct, 1, msg, strlen(msg), false, false);
    req_free(c->pend);
    c->pend = NULL;
    if (!wr) {
        conn_close(c, false);
        return;
    }
    send_answer(c, wr, true);
}

static void on_delay_done(uv_timer_t *t)
{
    conn *c = t->data;
    if (c->state != C_DELAYED)
        return;
    wreq *wr = c->delayed;
    c->delayed = NULL;
    send_answer(c, wr, c->delayed_close);
}

void ms_httpd_respond(ms_httpd_req *req, int status,
                      const ms_httpd_header *headers, size_t nheaders,
                      const void *body, size_t body_len, uint64_t delay_ms)
{
    ms_httpd_req_impl *r = (ms_httpd_req_impl *)req;
    conn *c = req->conn_;
    if (!c) {
        req_free(r);          /* the client went away */
        return;
    }
    bool close_after = !r->keep_alive || c->eof || c->srv->closing;
    bool head = !strcmp(req->method, "HEAD");
    wreq *wr = build(c->srv, status, headers, nheaders, body, body_len,
                     !close_after, head);
    c->cur = NULL;
    req_free(r);
    if (!wr) {
        conn_close(c, false);
        return;
    }
    if (delay_ms > 0) {
        c->state = C_DELAYED;
        c->delayed = wr;
        c->delayed_close = close_after;
        uv_timer_start(&c->timer, on_delay_done, delay_ms, 0);
        return;
    }
    send_answer(c, wr, close_after);
}

void ms_httpd_reset(ms_httpd_req *req)
{
    conn *c = req->conn_;
    if (c) {
        c->cur = NULL;
        conn_close(c, true);
    }
    req_free((ms_httpd_req_impl *)req);
}

void ms_httpd_stall(ms_httpd_req *req)
{
    conn *c = req->conn_;
    if (!c) {
        req_free((ms_httpd_req_impl *)req);
        return;
    }
    c->state = C_STALLED;   /* cur is now ours, freed on close */
    if (c->eof)
        conn_close(c, false);
}

static int take_request(conn *c)
{
    ms_httpd *h = c->srv;
    if (!c->pend) {
        /* tolerate blank lines between pipelined requests (RFC 9112 2.2) */
        while (c->off < c->len && (c->buf[c->off] == '\r' || c->buf[c->off] == '\n'))
            c->off++;
        size_t avail = c->len - c->off;
        size_t scan = avail < h->max_header + 4 ? avail : h->max_header + 4;
        size_t hend = ms__httpd_find_head_end(c->buf + c->off, scan);
        if (!hend) {
            if (avail > h->max_header) {
                send_error(c, 431, "request head too large\n");
                return 0;
            }
            if (c->eof && avail)
                conn_close(c, false);
            return 0;
        }
        if (hend > h->max_header + 2) {
            send_error(c, 431, "request head too large\n");
            return 0;
        }
        ms_httpd_head_info hi = {0};
        ms_httpd_req_impl *r = ms__httpd_parse_head(c->buf + c->off, hend, &hi);
        if (!r) {
            send_error(c, hi.status, hi.why);
            return 0;
        }
        if (hi.content_length > h->max_body) {
            req_free(r);
            send_error(c, 413, "request body too large\n");
            return 0;
        }
        c->pend = r;
        c->pend_head = hend;
        c->pend_body = hi.content_length;
        c->continue_sent = !hi.expect_continue;
    }
    size_t need = c->pend_head + c->pend_body;
    if (c->len - c->off < need) {
        if (!c->continue_sent) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            wreq *wr = malloc(sizeof *wr + sizeof cont);
            if (!wr) {
                conn_close(c, false);
                return 0;
            }
            memcpy(wr->data, cont, sizeof cont - 1);
            wr->len = sizeof cont - 1;
            c->continue_sent = true;
            write_raw(c, wr);
        }
        if (c->eof)
            conn_close(c, false);
        return 0;
    }
    ms_httpd_req_impl *r = c->pend;
    c->pend = NULL;
    r->body_mem = malloc(c->pend_body + 1);
    if (!r->body_mem) {
        req_free(r);
        conn_close(c, false);
        return 0;
    }
    memcpy(r->body_mem, c->buf + c->off + c->pend_head, c->pend_body);
    r->body_mem[c->pend_body] = '\0';
    r->pub.body = r->body_mem;
    r->pub.body_len = c->pend_body;
    c->off += need;
    r->pub.conn_ = c;
    r->pub.arrival_ms = uv_now(h->loop);
    c->cur = r;
    c->state = C_BUSY;
    h->on_request(&r->pub, h->ud);
    return 1;
}

static size_t buffer_limit(const ms_httpd *h)
{
    return h->max_header + h->max_body + READ_CHUNK;
}

static void process(conn *c)
{
    if (c->in_process)
        return;              /* the outer call carries on */
    c->in_process = true;
    ms_httpd *h = c->srv;
    while (c->state == C_IDLE && !h->closing &&
           c->tcp.write_queue_size < WRITE_HIGH_WATER)
        if (take_request(c) <= 0)
            break;
    c->in_process = false;
    if (c->state == C_CLOSED || c->state == C_LINGER || c->state == C_FLUSHING)
        return;
    if (c->state == C_IDLE && c->eof && c->off == c->len && !c->pend) {
        conn_close(c, false);
        return;
    }
    /* read while there is room; pause when a client pipelines far ahead */
    bool want = !c->eof && c->len - c->off < buffer_limit(h);
    if (want && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = true;
    } else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

/* ---- reading ----------------------------------------------------------- */

static void on_alloc(uv_handle_t *hd, size_t suggested, uv_buf_t *out)
{
    (void)suggested;
    conn *c = hd->data;
    if (c->state == C_LINGER || c->off == c->len)
        c->off = c->len = 0;
    if (c->cap - c->len < READ_CHUNK / 4 && c->off > 0) {
        memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    if (c->cap - c->len < READ_CHUNK / 4) {
        size_t ncap = c->cap ? c->cap * 2 : READ_CHUNK;
        char *nb = realloc(c->buf, ncap);
        if (!nb) {
            *out = uv_buf_init(NULL, 0);   /* libuv reports UV_ENOBUFS */
            return;
        }
        c->buf = nb;
        c->cap = ncap;
    }
    *out = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    (void)b;
    conn *c = s->data;
    if (c->state == C_CLOSED)
        return;
    if (n == 0)
        return;
    if (n < 0) {
        if (n != UV_EOF || c->state == C_LINGER || c->state == C_STALLED ||
            c->state == C_IDLE) {
            if (n == UV_EOF && c->state == C_IDLE && c->off < c->len) {
                c->eof = true;    /* answer what is complete, then close */
                uv_read_stop(s);
                c->reading = false;
                process(c);
                return;
            }
            conn_close(c, false);
            return;
        }
        c->eof = true;            /* BUSY / DELAYED / FLUSHING: answer first */
        uv_read_stop(s);
        c->reading = false;
        return;
    }
    if (c->state == C_LINGER) {
        c->off = c->len = 0;      /* dropped */
        return;
    }
    c->len += (size_t)n;
    if (c->state == C_IDLE)
        process(c);
    else if (c->len - c->off >= buffer_limit(c->srv) && c->reading) {
        uv_read_stop(s);
        c->reading = false;
    }
}

/* ---- listening --------------------------------------------------------- */

static void on_connection(uv_stream_t *server, int status)
{
    ms_httpd *h = server->data;
    if (status != 0 || h->closing)
        return;
    conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = h;
    uv_tcp_init(h->loop, &c->tcp);
    uv_timer_init(h->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->handles = 2;
    h->open_handles++;
    ms_list_insert_head(&h->conns, &c->link);
    h->nconns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c, false);
        return;
    }
    h->accepted++;
    uv_tcp_nodelay(&c->tcp, 1);   /* small answers must not wait for Nagle */
    c->state = C_IDLE;
    process(c);                   /* starts reading */
}

ms_httpd *ms_httpd_new(uv_loop_t *loop, const ms_httpd_opts *o, char *err, size_t errlen)
{
    if (!o || !o->on_request) {
        ms_errf(err, errlen, "httpd: no request handler");
        return NULL;
    }
    const char *host = o->host ? o->host : "127.0.0.1";
    struct sockaddr_storage ss;
    int rc = strchr(host, ':')
                 ? uv_ip6_addr(host, o->port, (struct sockaddr_in6 *)&ss)
                 : uv_ip4_addr(host, o->port, (struct sockaddr_in *)&ss);
    if (rc != 0) {
        ms_errf(err, errlen, "httpd: '%s' is not a numeric IP address", host);
        return NULL;
    }
    ms_httpd *h = calloc(1, sizeof *h);
    if (!h) {
        ms_errf(err, errlen, "httpd: out of memory");
        return NULL;
    }
    h->loop = loop;
    ms_list_init(&h->conns);
    h->max_header = o->max_header_bytes ? o->max_header_bytes : 16 << 10;
    h->max_body = o->max_body_bytes ? o->max_body_bytes : 1 << 20;
    h->server_name = o->server_name ? strdup(o->server_name) : NULL;
    h->on_request = o->on_request;
    h->ud = o->ud;
    uv_tcp_init(loop, &h->listener);
    h->listener.data = h;
    h->open_handles = 1;
    rc = uv_tcp_bind(&h->listener, (const struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&h->listener, o->backlog > 0 ? o->backlog : 511,
                       on_connection);
    if (rc == 0) {
        struct sockaddr_storage got;
        int len = sizeof got;
        rc = uv_tcp_getsockname(&h->listener, (struct sockaddr *)&got, &len);
        if (rc == 0)
            h->port = got.ss_family == AF_INET6
                          ? ntohs(((struct sockaddr_in6 *)&got)->sin6_port)
                          : ntohs(((struct sockaddr_in *)&got)->sin_port);
    }
    if (rc != 0) {
        ms_errf(err, errlen, "httpd: cannot listen on %s:%d: %s", host, o->port,
                 uv_strerror(rc));
        ms_httpd_close(h, NULL, NULL);
        return NULL;
    }
    return h;
}

int ms_httpd_port(const ms_httpd *h)
{
    return h->port;
}

size_t ms_httpd_connections(const ms_httpd *h)
{
    return h->nconns;
}

uint64_t ms_httpd_accepted(const ms_httpd *h)
{
    return h->accepted;
}

static void on_listener_closed(uv_handle_t *hd)
{
    server_handle_closed(hd->data);
}

void ms_httpd_close(ms_httpd *h, void (*on_closed)(void *ud), void *ud)
{
    if (h->closing)
        return;
    h->closing = true;
    h->on_closed = on_closed;
    h->closed_ud = ud;
    while (!ms_list_empty(&h->conns))
        conn_close(ms_list_entry(h->conns.next, conn, link), false);
    uv_close((uv_handle_t *)&h->listener, on_listener_closed);
}
