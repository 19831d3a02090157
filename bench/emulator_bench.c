/* emulator_bench.c -- closed-loop load generator for `medstream emulate`.
 *
 * N keep-alive connections, each sending one Comprehend Medical request,
 * waiting for its answer and sending the next, for a fixed time. Prints
 * answers per second by status and latency percentiles. Depends on libuv
 * only, so it costs the machine little next to the server it measures:
 *
 *   cc -O2 -o /tmp/emulator_bench bench/emulator_bench.c $(pkg-config --cflags --libs libuv)
 *   taskset -c 0 ./build/medstream emulate --listen 127.0.0.1:4580 --tps 0 --cps 0 &
 *   taskset -c 1 /tmp/emulator_bench --port 4580 --conns 32 --seconds 10
 *
 * (bench/emulator-bench.sh does exactly that.) Options:
 *   --host A --port N     the emulator (127.0.0.1, 4580)
 *   --conns N             concurrent connections (32)
 *   --seconds S           measuring time after a 1 s warm-up (10)
 *   --op NAME             operation (DetectEntitiesV2)
 *   --text STRING         the Text sent (a 60-character clinical sentence)
 *   --repeat N            the text repeated N times (1) */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define MAX_LAT 2000000

typedef struct client {
    uv_tcp_t tcp;
    uv_connect_t conn;
    uv_write_t wr;
    char *in;
    size_t len, cap;
    uint64_t sent_ns;
} client;

static struct {
    uv_loop_t *loop;
    char *req;
    size_t req_len;
    uint64_t t_start, t_measure, t_end;
    uint64_t by_status[6];        /* 1xx..5xx, [0] = errors */
    uint64_t answered;
    uint32_t *lat_us;
    size_t nlat;
    int open;
} B;

static void send_req(client *c);

static void on_close(uv_handle_t *h)
{
    (void)h;
    B.open--;
}

static void on_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
    (void)sz;
    client *c = h->data;
    if (c->cap - c->len < 16384) {
        c->cap = c->cap ? c->cap * 2 : 65536;
        c->in = realloc(c->in, c->cap);
    }
    *b = uv_buf_init(c->in + c->len, (unsigned)(c->cap - c->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    (void)b;
    client *c = s->data;
    if (n < 0) {
        B.by_status[0]++;
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return;
    }
    c->len += (size_t)n;
    for (;;) {
        char *he = memmem(c->in, c->len, "\r\n\r\n", 4);
        if (!he)
            return;
        size_t hl = (size_t)(he - c->in) + 4;
        char *cl = memmem(c->in, hl, "Content-Length: ", 16);
        size_t blen = cl ? strtoul(cl + 16, NULL, 10) : 0;
        if (c->len < hl + blen)
            return;
        int status = atoi(c->in + 9);
        uint64_t now = uv_hrtime();
        if (now >= B.t_measure && now < B.t_end) {
            B.by_status[status / 100 >= 1 && status / 100 <= 5 ? status / 100 : 0]++;
            B.answered++;
            if (B.nlat < MAX_LAT)
                B.lat_us[B.nlat++] = (uint32_t)((now - c->sent_ns) / 1000);
        }
        memmove(c->in, c->in + hl + blen, c->len - hl - blen);
        c->len -= hl + blen;
        if (now >= B.t_end) {
            uv_close((uv_handle_t *)&c->tcp, on_close);
            return;
        }
        send_req(c);
    }
}

static void on_written(uv_write_t *w, int status)
{
    if (status != 0) {
        client *c = w->data;
        B.by_status[0]++;
        if (!uv_is_closing((uv_handle_t *)&c->tcp))
            uv_close((uv_handle_t *)&c->tcp, on_close);
    }
}

static void send_req(client *c)
{
    uv_buf_t b = uv_buf_init(B.req, (unsigned)B.req_len);
    c->sent_ns = uv_hrtime();
    c->wr.data = c;
    uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written);
}

static void on_connect(uv_connect_t *r, int status)
{
    client *c = r->data;
    if (status != 0) {
        fprintf(stderr, "connect: %s\n", uv_strerror(status));
        B.by_status[0]++;
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    send_req(c);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void json_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 7 < cap; s++) {
        if (*s == '"' || *s == '\\') {
            out[o++] = '\\';
            out[o++] = *s;
        } else if ((unsigned char)*s < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *s);
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *op = "DetectEntitiesV2";
    const char *text = "Patient on lisinopril 10 mg daily for hypertension; no fever.";
    int port = 4580, conns = 32, repeat = 1;
    double seconds = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--host")) host = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--conns")) conns = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--op")) op = argv[i + 1];
        else if (!strcmp(argv[i], "--text")) text = argv[i + 1];
        else if (!strcmp(argv[i], "--repeat")) repeat = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "unknown option %s (see the comment at the top)\n", argv[i]);
            return 2;
        }
    }
    if (conns < 1 || repeat < 1 || seconds <= 0)
        return 2;
    size_t tl = strlen(text);
    char *rep = malloc(tl * (size_t)repeat + 1), *esc = malloc(12 * tl * (size_t)repeat + 1);
    for (int i = 0; i < repeat; i++)
        memcpy(rep + tl * (size_t)i, text, tl);
    rep[tl * (size_t)repeat] = '\0';
    json_escape(rep, esc, 12 * tl * (size_t)repeat + 1);
    size_t body_len = strlen(esc) + 11;
    B.req = malloc(body_len + 512);
    B.req_len = (size_t)snprintf(B.req, body_len + 512,
                                 "POST / HTTP/1.1\r\nHost: %s:%d\r\n"
                                 "Content-Type: application/x-amz-json-1.1\r\n"
                                 "X-Amz-Target: ComprehendMedical_20181030.%s\r\n"
                                 "Content-Length: %zu\r\n\r\n{\"Text\":\"%s\"}",
                                 host, port, op, body_len, esc);
    B.lat_us = malloc(MAX_LAT * sizeof *B.lat_us);
    B.loop = uv_default_loop();
    struct sockaddr_in addr;
    if (uv_ip4_addr(host, port, &addr) != 0) {
        fprintf(stderr, "bad --host\n");
        return 2;
    }
    B.t_start = uv_hrtime();
    B.t_measure = B.t_start + 1000000000ULL;                 /* 1 s warm-up */
    B.t_end = B.t_measure + (uint64_t)(seconds * 1e9);
    client *cs = calloc((size_t)conns, sizeof *cs);
    for (int i = 0; i < conns; i++) {
        uv_tcp_init(B.loop, &cs[i].tcp);
        cs[i].tcp.data = &cs[i];
        cs[i].conn.data = &cs[i];
        B.open++;
        uv_tcp_connect(&cs[i].conn, &cs[i].tcp, (struct sockaddr *)&addr, on_connect);
    }
    uv_run(B.loop, UV_RUN_DEFAULT);
    double secs = seconds;
    qsort(B.lat_us, B.nlat, sizeof *B.lat_us, cmp_u32);
#define PCT(p) (B.nlat ? B.lat_us[(size_t)((double)(B.nlat - 1) * (p))] / 1000.0 : 0)
    printf("%s, %zu-byte text, %d connections, %.0f s: %.0f answers/s "
           "(2xx %.0f/s, 4xx %.0f/s, 5xx %.0f/s, errors %llu); latency ms p50 %.2f "
           "p90 %.2f p99 %.2f max %.2f\n",
           op, tl * (size_t)repeat, conns, secs, B.answered / secs, B.by_status[2] / secs,
           B.by_status[4] / secs, B.by_status[5] / secs, (unsigned long long)B.by_status[0],
           PCT(0.5), PCT(0.9), PCT(0.99), PCT(1.0));
    free(cs);
    free(B.req);
    free(B.lat_us);
    free(rep);
    free(esc);
    return B.by_status[0] ? 1 : 0;
}
