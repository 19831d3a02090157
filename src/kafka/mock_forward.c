/* mock_forward.c -- the bootstrap forwarder of `medstream kafka-mock
 * --listen` (contract in mock_forward.h).
 *
 * A libuv loop on its own thread. Each accepted connection gets an upstream
 * connection to the broker; the client is read only once the upstream is
 * connected, and every chunk read on one side is written to the other (the
 * write owns the buffer). Either side ending closes both. There is no flow
 * control: Kafka clients wait for responses, so at most a few requests are
 * ever buffered. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr */
#endif
#include "kafka/mock_forward.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/errbuf.h"

struct ms_kafka_forwarder {
    uv_loop_t loop;
    uv_tcp_t server;
    uv_async_t stop;
    struct sockaddr_in upstream;
    pthread_t thread;
};

typedef struct relay {
    uv_tcp_t client, upstream;
    uv_connect_t connect;
    int open;     /* handles not yet closed */
    int closing;
} relay;

typedef struct relay_write {
    uv_write_t req;
    uv_buf_t buf;
} relay_write;

static void on_relay_closed(uv_handle_t *h)
{
    relay *r = h->data;
    if (--r->open == 0)
        free(r);
}

static void relay_close(relay *r)
{
    if (r->closing)
        return;
    r->closing = 1;
    uv_close((uv_handle_t *)&r->client, on_relay_closed);
    uv_close((uv_handle_t *)&r->upstream, on_relay_closed);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    buf->base = malloc(hint);
    buf->len = buf->base ? hint : 0;
}

static void on_written(uv_write_t *req, int status)
{
    relay_write *w = (relay_write *)req;
    free(w->buf.base);
    free(w);
    (void)status; /* a failed write shows up as a read error on that side */
}

static void on_read(uv_stream_t *from, ssize_t n, const uv_buf_t *buf)
{
    relay *r = from->data;
    uv_stream_t *to = from == (uv_stream_t *)&r->client ? (uv_stream_t *)&r->upstream
                                                         : (uv_stream_t *)&r->client;
    if (n <= 0) {
        free(buf->base);
        if (n < 0)
            relay_close(r);
        return;
    }
    relay_write *w = malloc(sizeof *w);
    if (!w || r->closing) {
        free(w);
        free(buf->base);
        relay_close(r);
        return;
    }
    w->buf = uv_buf_init(buf->base, (unsigned)n);
    if (uv_write(&w->req, to, &w->buf, 1, on_written) != 0) {
        free(w->buf.base);
        free(w);
        relay_close(r);
    }
}

static void on_upstream(uv_connect_t *c, int status)
{
    relay *r = c->data;
    if (status != 0 || r->closing) {
        relay_close(r);
        return;
    }
    uv_read_start((uv_stream_t *)&r->client, on_alloc, on_read);
    uv_read_start((uv_stream_t *)&r->upstream, on_alloc, on_read);
}

static void on_connection(uv_stream_t *server, int status)
{
    ms_kafka_forwarder *f = server->data;
    if (status != 0)
        return;
    relay *r = calloc(1, sizeof *r);
    if (!r)
        return;
    uv_tcp_init(&f->loop, &r->client);
    uv_tcp_init(&f->loop, &r->upstream);
    r->client.data = r->upstream.data = r->connect.data = r;
    r->open = 2;
    if (uv_accept(server, (uv_stream_t *)&r->client) != 0 ||
        uv_tcp_connect(&r->connect, &r->upstream, (const struct sockaddr *)&f->upstream,
                       on_upstream) != 0)
        relay_close(r);
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (uv_is_closing(h))
        return;
    if (h->data && h->type == UV_TCP && h->data != h->loop->data) {
        relay_close(h->data);
        return;
    }
    uv_close(h, NULL);
}

static void on_stop(uv_async_t *a)
{
    uv_walk(a->loop, close_any, NULL);
}

static void *forwarder_main(void *arg)
{
    ms_kafka_forwarder *f = arg;
    uv_run(&f->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* "host:port" (the first of a comma-separated list) -> sin. */
static int parse_addr(const char *s, size_t len, struct sockaddr_in *sin)
{
    char host[64];
    const char *colon = memrchr(s, ':', len);
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end != s + len || end == colon + 1 || port < 0 || port > 65535)
        return -1;
    return uv_ip4_addr(host, (int)port, sin) == 0 ? 0 : -1;
}

ms_kafka_forwarder *ms_kafka_forwarder_start(const char *listen_addr, const char *bootstraps,
                                             char *err, size_t errlen)
{
    struct sockaddr_in listen_sin;
    if (parse_addr(listen_addr, strlen(listen_addr), &listen_sin) != 0) {
        ms_errf(err, errlen, "expected IPv4:PORT");
        return NULL;
    }
    ms_kafka_forwarder *f = calloc(1, sizeof *f);
    if (!f) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    size_t first = strcspn(bootstraps, ",");
    if (parse_addr(bootstraps, first, &f->upstream) != 0) {
        ms_errf(err, errlen, "cannot parse the broker address '%.*s'", (int)first, bootstraps);
        free(f);
        return NULL;
    }
    uv_loop_init(&f->loop);
    f->loop.data = f;
    uv_tcp_init(&f->loop, &f->server);
    f->server.data = f;
    uv_async_init(&f->loop, &f->stop, on_stop);
    f->stop.data = f;
    int rc = uv_tcp_bind(&f->server, (const struct sockaddr *)&listen_sin, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&f->server, 64, on_connection);
    if (rc == 0 && pthread_create(&f->thread, NULL, forwarder_main, f) != 0)
        rc = UV_EAGAIN;
    if (rc != 0) {
        ms_errf(err, errlen, "%s", uv_strerror(rc));
        uv_close((uv_handle_t *)&f->server, NULL);
        uv_close((uv_handle_t *)&f->stop, NULL);
        uv_run(&f->loop, UV_RUN_DEFAULT);
        uv_loop_close(&f->loop);
        free(f);
        return NULL;
    }
    return f;
}

void ms_kafka_forwarder_stop(ms_kafka_forwarder *f)
{
    if (!f)
        return;
    uv_async_send(&f->stop);
    pthread_join(f->thread, NULL);
    uv_loop_close(&f->loop);
    free(f);
}
