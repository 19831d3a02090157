/* test_http.c -- the HTTP client (src/aws/base/http.c) against a local server
 * (tests/support/http_peer.py, started here): keep-alive reuse counted on
 * the server, concurrency, bodies both ways, timeouts, resets, refused
 * connections, size limits and streaming, TLS verification against a CA
 * made with the openssl CLI, and closing with requests in flight. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/base/http.h"
#include "testutil.h"

/* ---- the peer processes ------------------------------------------------- */

static struct {
    char python[4096], openssl[4096], peer[4096];
    char *tmp;
    char ca[4096], other_ca[4096], cert[4096], key[4096];
    pid_t pid, tls_pid;
    int port, tls_port;
} g;

/* Absolute path of an executable on PATH, or false. */
static bool find_exe(const char *name, char *out, size_t outlen)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(out, outlen, "%.*s/%s", (int)n, path, name);
        if (n && access(out, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

/* Start http_peer.py with extra arguments; its port from "PORT n". */
static pid_t spawn_peer(const char *a1, const char *a2, const char *a3, int *port)
{
    char *argv[] = {g.python, g.peer, "--port", "0", (char *)a1, (char *)a2, (char *)a3, NULL};
    int pid;
    *port = ms_test_peer_start(argv, &pid);
    return *port > 0 ? (pid_t)pid : -1;
}

static int run_cmd(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* A CA and a server certificate it signed, for 127.0.0.1 and localhost. */
static int make_certs(void)
{
    const char *d = g.tmp, *o = g.openssl;
    snprintf(g.ca, sizeof g.ca, "%s/ca.pem", d);
    snprintf(g.cert, sizeof g.cert, "%s/server.pem", d);
    snprintf(g.key, sizeof g.key, "%s/server.key", d);
    snprintf(g.other_ca, sizeof g.other_ca, "%s/other.pem", d);
    if (run_cmd("cd %s && '%s' req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                "-nodes -keyout other.key -out other.pem -days 2 -subj '/CN=another CA' "
                ">/dev/null 2>&1", d, o) != 0)
        return -1;
    if (run_cmd("cd %s && '%s' req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                "-nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=medstream test CA' "
                ">/dev/null 2>&1", d, o) != 0)
        return -1;
    if (run_cmd("cd %s && '%s' req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                "-keyout server.key -out server.csr -subj '/CN=localhost' >/dev/null 2>&1",
                d, o) != 0)
        return -1;
    char ext[4200];
    snprintf(ext, sizeof ext, "%s/ext.cnf", d);
    const char *e = "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "basicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n";
    if (ms_test_write_file(ext, e, strlen(e)) != 0)
        return -1;
    return run_cmd("cd %s && '%s' x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
                   "-CAcreateserial -out server.pem -days 2 -extfile ext.cnf >/dev/null 2>&1",
                   d, o) == 0 ? 0 : -1;
}

/* Connections the plain server accepted, read over a connection of its own
 * (counted too: callers subtract it). */
static long server_connections(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    const char *q = "GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(write(fd, q, strlen(q)), (ssize_t)strlen(q));
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(fd);
    const char *p = strstr(buf, "\"connections\": ");
    assert_non_null(p);
    return atol(p + strlen("\"connections\": "));
}

/* ---- a client on its own loop ------------------------------------------- */

typedef struct result {
    int done;                 /* callbacks so far: must end at 1 */
    ms_http_err err;
    char errmsg[256];
    long status, new_conns, version;
    char *body;
    size_t body_len;
    int nheaders;
    char *hname[64], *hvalue[64];
    double elapsed;
    int order;                /* completion order across results */
} result;

static int completions;

static void result_free(result *r)
{
    free(r->body);
    for (int i = 0; i < r->nheaders; i++) {
        free(r->hname[i]);
        free(r->hvalue[i]);
    }
    memset(r, 0, sizeof *r);
}

static const char *result_header(const result *r, const char *name)
{
    for (int i = 0; i < r->nheaders; i++)
        if (strcmp(r->hname[i], name) == 0)
            return r->hvalue[i];
    return NULL;
}

static void record(result *res, const ms_http_resp *r)
{
    res->done++;
    res->order = ++completions;
    res->err = r->err;
    snprintf(res->errmsg, sizeof res->errmsg, "%s", r->errmsg);
    res->status = r->status;
    res->new_conns = r->new_connections;
    res->version = r->http_version;
    res->elapsed = r->elapsed_s;
    assert_non_null(r->body);
    assert_int_equal(r->body[r->body_len], 0);
    res->body = malloc(r->body_len + 1);
    memcpy(res->body, r->body, r->body_len + 1);
    res->body_len = r->body_len;
    for (size_t i = 0; i < r->nheaders && res->nheaders < 64; i++) {
        res->hname[res->nheaders] = strdup(r->headers[i].name);
        res->hvalue[res->nheaders++] = strdup(r->headers[i].value);
    }
}

static void on_resp(const ms_http_resp *r, void *ud)
{
    result *res = ud;
    if (res->done)
        fail_msg("callback ran twice");
    record(res, r);
}

typedef struct fixture {
    uv_loop_t loop;
    ms_http *h;
    int closed;
    bool deadline;
} fixture;

static fixture fx;

static void on_deadline(uv_timer_t *t)
{
    fx.deadline = true;
}

static void on_closed(void *ud)
{
    (*(int *)ud)++;
}

/* Run the loop until *count reaches target; fails after max_ms. */
static void run_until(const int *count, int target, int max_ms)
{
    uv_timer_t t;
    uv_timer_init(&fx.loop, &t);
    fx.deadline = false;
    uv_timer_start(&t, on_deadline, (uint64_t)max_ms, 0);
    while (*count < target && !fx.deadline)
        uv_run(&fx.loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&fx.loop, UV_RUN_NOWAIT);
    if (*count < target)
        fail_msg("timed out waiting (%d of %d)", *count, target);
}

/* Let the loop run for ms (requests progress meanwhile). */
static void run_for(int ms)
{
    uv_timer_t t;
    uv_timer_init(&fx.loop, &t);
    fx.deadline = false;
    uv_timer_start(&t, on_deadline, (uint64_t)ms, 0);
    while (!fx.deadline)
        uv_run(&fx.loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&fx.loop, UV_RUN_NOWAIT);
}

static ms_http *client(const ms_http_opts *o)
{
    char err[512] = "";
    ms_http *h = ms_http_new(&fx.loop, o, err, sizeof err);
    if (!h)
        fail_msg("ms_http_new: %s", err);
    return h;
}

static void close_client(ms_http *h)
{
    int closed = 0;
    ms_http_close(h, on_closed, &closed);
    run_until(&closed, 1, 5000);
    assert_int_equal(closed, 1);
}

/* One request, waited for. */
static void fetch(ms_http *h, const ms_http_req *req, result *res)
{
    memset(res, 0, sizeof *res);
    assert_int_equal(ms_http_send(h, req, on_resp, res), 0);
    assert_int_equal(res->done, 0);   /* never from inside send */
    run_until(&res->done, 1, 20000);
}

static void url(char *out, size_t len, const char *path)
{
    snprintf(out, len, "http://127.0.0.1:%d%s", g.port, path);
}

static int setup(void **state)
{
    memset(&fx, 0, sizeof fx);
    assert_int_equal(uv_loop_init(&fx.loop), 0);
    fx.h = client(NULL);
    return 0;
}

static int teardown(void **state)
{
    if (fx.h)
        close_client(fx.h);
    fx.h = NULL;
    uv_run(&fx.loop, UV_RUN_NOWAIT);
    /* Every handle the client opened is closed. */
    assert_int_equal(uv_loop_close(&fx.loop), 0);
    return 0;
}

/* ---- cases -------------------------------------------------------------- */

static void test_keepalive_sequential(void **state)
{
    long before = server_connections();
    char u[256];
    for (int i = 0; i < 50; i++) {
        char path[64];
        snprintf(path, sizeof path, "/echo?i=%d", i);
        url(u, sizeof u, path);
        ms_http_req req = {.url = u};
        result r;
        fetch(fx.h, &req, &r);
        assert_int_equal(r.err, MS_HTTP_OK);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.new_conns, i == 0 ? 1 : 0);
        assert_int_equal(r.version, 1);
        assert_non_null(strstr(r.body, path));
        result_free(&r);
    }
    long after = server_connections();
    assert_int_equal(after - before - 1, 1);   /* minus the stats connection */
}

#define CONC_TOTAL 200
#define CONC_WIDTH 16

typedef struct conc {
    int sent, done, max_inflight;
    struct conc_req {
        struct conc *c;
        int i;
        result r;
    } req[CONC_TOTAL];
} conc;

static void conc_send(conc *c);

static void conc_resp(const ms_http_resp *resp, void *ud)
{
    struct conc_req *q = ud;
    record(&q->r, resp);
    q->c->done++;
    conc_send(q->c);   /* sending from a callback is allowed */
}

static void conc_send(conc *c)
{
    while (c->sent < CONC_TOTAL && (int)ms_http_inflight(fx.h) < CONC_WIDTH) {
        struct conc_req *q = &c->req[c->sent];
        q->c = c;
        q->i = c->sent++;
        char u[256], path[64], seq[32];
        snprintf(path, sizeof path, "/echo?i=%d", q->i);
        snprintf(seq, sizeof seq, "%d", q->i);
        url(u, sizeof u, path);
        ms_http_header hd[] = {{"X-Seq", seq}};
        ms_http_req req = {.url = u, .headers = hd, .nheaders = 1};
        assert_int_equal(ms_http_send(fx.h, &req, conc_resp, q), 0);
        if ((int)ms_http_inflight(fx.h) > c->max_inflight)
            c->max_inflight = (int)ms_http_inflight(fx.h);
    }
}

static void test_concurrent(void **state)
{
    long before = server_connections();
    conc *c = calloc(1, sizeof *c);
    conc_send(c);
    run_until(&c->done, CONC_TOTAL, 60000);
    long conns = server_connections() - before - 1;
    long new_conns = 0;
    for (int i = 0; i < CONC_TOTAL; i++) {
        result *r = &c->req[i].r;
        assert_int_equal(r->done, 1);
        assert_int_equal(r->err, MS_HTTP_OK);
        assert_int_equal(r->status, 200);
        json_t *doc = json_loads(r->body, 0, NULL);
        assert_non_null(doc);
        char seq[32];
        snprintf(seq, sizeof seq, "%d", i);
        assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "headers"),
                                                               "x-seq")), seq);
        assert_string_equal(json_string_value(json_object_get(doc, "method")), "GET");
        json_decref(doc);
        new_conns += r->new_conns;
        result_free(r);
    }
    print_message("concurrent: %d requests, %ld connections (client says %ld), "
                  "max in flight %d\n", CONC_TOTAL, conns, new_conns, c->max_inflight);
    assert_int_equal(c->max_inflight, CONC_WIDTH);
    assert_true(conns >= 1 && conns <= CONC_WIDTH);
    assert_int_equal(new_conns, conns);
    free(c);
}

static json_t *echo(const char *method, const void *body, size_t len,
                    const ms_http_header *hd, size_t nhd)
{
    char u[256];
    url(u, sizeof u, "/echo");
    ms_http_req req = {.method = method, .url = u, .body = body, .body_len = len,
                       .headers = hd, .nheaders = nhd};
    result r;
    fetch(fx.h, &req, &r);
    assert_int_equal(r.err, MS_HTTP_OK);
    assert_int_equal(r.status, 200);
    json_t *doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "method")), method ? method : "GET");
    assert_int_equal(json_integer_value(json_object_get(doc, "body_len")), (json_int_t)len);
    result_free(&r);
    return doc;
}

static const char *echo_header(json_t *doc, const char *name)
{
    return json_string_value(json_object_get(json_object_get(doc, "headers"), name));
}

/* PUT body to /mirror; the response body must be the same bytes. */
static void mirror(const char *method, const void *body, size_t len)
{
    char u[256];
    url(u, sizeof u, "/mirror");
    ms_http_header hd[] = {{"Content-Type", "application/octet-stream"}};
    ms_http_req req = {.method = method, .url = u, .body = body, .body_len = len,
                       .headers = hd, .nheaders = 1};
    result r;
    fetch(fx.h, &req, &r);
    assert_int_equal(r.err, MS_HTTP_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, len);
    assert_memory_equal(r.body, body, len);
    /* Response header names arrive lowercased, values trimmed. */
    assert_string_equal(result_header(&r, "x-method"), method);
    assert_string_equal(result_header(&r, "content-type"), "application/octet-stream");
    for (int i = 0; i < r.nheaders; i++)
        for (const char *p = r.hname[i]; *p; p++)
            assert_false(*p >= 'A' && *p <= 'Z');
    result_free(&r);
}

static void test_bodies(void **state)
{
    /* Custom headers arrive, including an empty one; no Expect. */
    ms_http_header hd[] = {{"Content-Type", "application/json"},
                           {"X-Custom", "yes it is"},
                           {"X-Empty", ""}};
    json_t *doc = echo("POST", "{\"a\":1}", 7, hd, 3);
    assert_string_equal(echo_header(doc, "content-type"), "application/json");
    assert_string_equal(echo_header(doc, "x-custom"), "yes it is");
    assert_string_equal(echo_header(doc, "x-empty"), "");
    assert_null(echo_header(doc, "expect"));
    json_decref(doc);

    /* No Content-Type unless asked for (curl would add a form one). */
    doc = echo("POST", "abc", 3, NULL, 0);
    assert_null(echo_header(doc, "content-type"));
    assert_string_equal(echo_header(doc, "content-length"), "3");
    json_decref(doc);

    /* Bodiless POST/PUT still say Content-Length: 0. */
    doc = echo("PUT", NULL, 0, NULL, 0);
    assert_string_equal(echo_header(doc, "content-length"), "0");
    json_decref(doc);
    json_decref(echo("DELETE", NULL, 0, NULL, 0));
    json_decref(echo("PATCH", "x", 1, NULL, 0));
    json_decref(echo(NULL, NULL, 0, NULL, 0));

    /* Binary with NULs, both ways. */
    unsigned char bin[512];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)(i * 7);
    bin[0] = bin[100] = bin[511] = 0;
    mirror("PUT", bin, sizeof bin);
    mirror("POST", bin, sizeof bin);

    /* 5 MB. */
    size_t big = 5u << 20;
    unsigned char *b = malloc(big);
    srand(7);
    for (size_t i = 0; i < big; i++)
        b[i] = (unsigned char)rand();
    mirror("PUT", b, big);
    free(b);

    /* HEAD: headers only. */
    char u[256];
    url(u, sizeof u, "/big?n=1000");
    ms_http_req req = {.method = "HEAD", .url = u};
    result r;
    fetch(fx.h, &req, &r);
    assert_int_equal(r.err, MS_HTTP_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(result_header(&r, "content-length"), "1000");
    result_free(&r);

    /* Any status is a response. */
    url(u, sizeof u, "/status/503");
    req = (ms_http_req){.url = u};
    fetch(fx.h, &req, &r);
    assert_int_equal(r.err, MS_HTTP_OK);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body, "status 503");
    assert_string_equal(result_header(&r, "x-status"), "503");
    result_free(&r);
}

static void test_invalid_request(void **state)
{
    ms_http_header bad[] = {{"X-Bad", "a\r\nInjected: 1"}};
    ms_http_req req = {.url = "http://127.0.0.1:1/", .headers = bad, .nheaders = 1};
    result r;
    fetch(fx.h, &req, &r);   /* checks the callback is deferred */
    assert_int_equal(r.err, MS_HTTP_EOTHER);
    assert_int_equal(r.status, 0);
    result_free(&r);
    req = (ms_http_req){.url = NULL};
    fetch(fx.h, &req, &r);
    assert_int_equal(r.err, MS_HTTP_EOTHER);
    result_free(&r);
    req = (ms_http_req){.url = "file:///etc/passwd"};
    fetch(fx.h, &req, &r);
    assert_int_equal(r.err, MS_HTTP_EOTHER);
    result_free(&r);
    assert_int_equal(ms_http_inflight(fx.h), 0);
}

static void test_timeout(void **state)
{
    char slow[256], fast[256];
    url(slow, sizeof slow, "/slow?ms=3000");
    url(fast, sizeof fast, "/slow?ms=50");
    result rs = {0}, rf = {0};
    ms_http_req qs = {.url = slow, .timeout_ms = 300};
    ms_http_req qf = {.url = fast};
    assert_int_equal(ms_http_send(fx.h, &qs, on_resp, &rs), 0);
    assert_int_equal(ms_http_send(fx.h, &qf, on_resp, &rf), 0);
    run_until(&rs.done, 1, 10000);
    assert_int_equal(rf.done, 1);
    assert_true(rf.order < rs.order);   /* the loop kept serving meanwhile */
    assert_int_equal(rf.err, MS_HTTP_OK);
    assert_int_equal(rs.err, MS_HTTP_ETIMEDOUT);
    assert_string_equal(ms_http_err_name(rs.err), "timeout");
    print_message("timeout after %.3f s: %s\n", rs.elapsed, rs.errmsg);
    assert_true(rs.elapsed >= 0.29 && rs.elapsed < 1.5);
    assert_string_equal(rs.body, "");
    result_free(&rs);
    result_free(&rf);

    /* And the client goes on. */
    char u[256];
    url(u, sizeof u, "/echo");
    ms_http_req req = {.url = u};
    fetch(fx.h, &req, &rs);
    assert_int_equal(rs.err, MS_HTTP_OK);
    result_free(&rs);
}

static void test_reset(void **state)
{
    char u[256], e[256];
    url(u, sizeof u, "/reset");
    url(e, sizeof e, "/echo");
    ms_http_req rq = {.url = u}, eq = {.url = e};
    result r;
    /* On a new connection, then on a reused one. */
    for (int round = 0; round < 2; round++) {
        fetch(fx.h, &rq, &r);
        print_message("reset: %s (%s)\n", ms_http_err_name(r.err), r.errmsg);
        assert_int_equal(r.err, MS_HTTP_ERESET);
        assert_int_equal(r.status, 0);
        result_free(&r);
        fetch(fx.h, &eq, &r);
        assert_int_equal(r.err, MS_HTTP_OK);
        assert_int_equal(r.status, 200);
        result_free(&r);
    }
}

static void test_connect_refused(void **state)
{
    /* A port nobody listens on: bound, then closed. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    char u[256];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", ntohs(sa.sin_port));
    ms_http_req req = {.url = u};
    result r;
    fetch(fx.h, &req, &r);
    assert_int_equal(r.err, MS_HTTP_ECONNECT);
    assert_int_equal(r.status, 0);
    assert_true(r.errmsg[0] != 0);
    result_free(&r);
}

typedef struct stream {
    result r;
    size_t n;
    bool bad;
    int abort_at;     /* abort on this call (1-based), 0 = never */
    int calls;
} stream;

static void stream_resp(const ms_http_resp *resp, void *ud)
{
    on_resp(resp, &((stream *)ud)->r);
}

static int on_data(const void *data, size_t len, void *ud)
{
    stream *s = ud;
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        if (p[i] != (unsigned char)((s->n + i) % 251))
            s->bad = true;
    s->n += len;
    return ++s->calls == s->abort_at;
}

static void test_too_big_and_streaming(void **state)
{
    char u[256];
    result r;
    /* Refused up front (Content-Length) and while reading (chunked). */
    const char *paths[] = {"/big?n=200000", "/big?n=200000&chunked=1"};
    for (int i = 0; i < 2; i++) {
        url(u, sizeof u, paths[i]);
        ms_http_req req = {.url = u, .max_response_bytes = 100000};
        fetch(fx.h, &req, &r);
        assert_int_equal(r.err, MS_HTTP_ETOOBIG);
        assert_int_equal(r.body_len, 0);
        result_free(&r);
    }
    /* Exactly the limit is fine. */
    url(u, sizeof u, "/big?n=100000&chunked=1");
    ms_http_req req = {.url = u, .max_response_bytes = 100000};
    fetch(fx.h, &req, &r);
    assert_int_equal(r.err, MS_HTTP_OK);
    assert_int_equal(r.body_len, 100000);
    result_free(&r);

    /* Streaming ignores the limit and sees every byte. */
    stream st;
    for (int chunked = 0; chunked < 2; chunked++) {
        memset(&st, 0, sizeof st);
        url(u, sizeof u, chunked ? "/big?n=3000000&chunked=1" : "/big?n=3000000");
        req = (ms_http_req){.url = u, .max_response_bytes = 1000, .on_data = on_data};
        assert_int_equal(ms_http_send(fx.h, &req, stream_resp, &st), 0);
        run_until(&st.r.done, 1, 20000);
        assert_int_equal(st.r.err, MS_HTTP_OK);
        assert_int_equal(st.r.body_len, 0);
        assert_int_equal(st.n, 3000000);
        assert_false(st.bad);
        result_free(&st.r);
    }

    /* on_data stops a transfer. */
    memset(&st, 0, sizeof st);
    st.abort_at = 2;
    req = (ms_http_req){.url = u, .on_data = on_data};
    assert_int_equal(ms_http_send(fx.h, &req, stream_resp, &st), 0);
    run_until(&st.r.done, 1, 20000);
    assert_int_equal(st.r.err, MS_HTTP_EOTHER);
    assert_int_equal(st.calls, 2);
    result_free(&st.r);

    url(u, sizeof u, "/echo");
    req = (ms_http_req){.url = u};
    fetch(fx.h, &req, &r);
    assert_int_equal(r.err, MS_HTTP_OK);
    result_free(&r);
}

static void tls_fetch(const ms_http_opts *o, const char *host, result *r)
{
    ms_http *h = client(o);
    char u[256];
    snprintf(u, sizeof u, "https://%s:%d/echo", host, g.tls_port);
    ms_http_req req = {.url = u};
    fetch(h, &req, r);
    close_client(h);
}

static void test_tls(void **state)
{
    if (g.tls_pid <= 0)
        skip();
    result r;
    /* Verification is on by default: the test CA is not trusted. */
    tls_fetch(NULL, "127.0.0.1", &r);
    print_message("tls default: %s (%s)\n", ms_http_err_name(r.err), r.errmsg);
    assert_int_equal(r.err, MS_HTTP_ETLS);
    result_free(&r);

    ms_http_opts o = {.ca_file = g.ca};
    tls_fetch(&o, "127.0.0.1", &r);
    if (r.err != MS_HTTP_OK)
        print_message("tls with ca_file: %s (%s)\n", ms_http_err_name(r.err), r.errmsg);
    assert_int_equal(r.err, MS_HTTP_OK);
    assert_int_equal(r.status, 200);
    result_free(&r);
    tls_fetch(&o, "localhost", &r);
    assert_int_equal(r.err, MS_HTTP_OK);
    result_free(&r);

    /* A CA that did not sign it. */
    o.ca_file = g.other_ca;
    tls_fetch(&o, "127.0.0.1", &r);
    assert_int_equal(r.err, MS_HTTP_ETLS);
    result_free(&r);

    o = (ms_http_opts){.tls_insecure = true};
    tls_fetch(&o, "127.0.0.1", &r);
    assert_int_equal(r.err, MS_HTTP_OK);
    assert_int_equal(r.status, 200);
    result_free(&r);

    /* A burst: curl waits for the first handshake (ALPN) to know whether
     * it can multiplex, then opens more HTTP/1.1 connections. */
    o = (ms_http_opts){.ca_file = g.ca};
    ms_http *h = client(&o);
    char u[256];
    snprintf(u, sizeof u, "https://127.0.0.1:%d/echo", g.tls_port);
    result burst[20];
    memset(burst, 0, sizeof burst);
    int total = 0;
    for (int i = 0; i < 20; i++) {
        ms_http_req req = {.url = u};
        assert_int_equal(ms_http_send(h, &req, on_resp, &burst[i]), 0);
    }
    while (total < 20) {
        run_until(&burst[total].done, 1, 20000);
        total++;
    }
    for (int i = 0; i < 20; i++) {
        assert_int_equal(burst[i].err, MS_HTTP_OK);
        assert_int_equal(burst[i].version, 1);
        result_free(&burst[i]);
    }
    close_client(h);

    /* Several requests, one TLS connection. */
    h = client(&o);
    for (int i = 0; i < 5; i++) {
        ms_http_req req = {.url = u};
        fetch(h, &req, &r);
        assert_int_equal(r.err, MS_HTTP_OK);
        assert_int_equal(r.new_conns, i == 0);
        result_free(&r);
    }
    close_client(h);
}

static void test_ca_file_missing(void **state)
{
    char err[512] = "";
    char path[4200];
    snprintf(path, sizeof path, "%s/no-such-ca.pem", g.tmp);
    ms_http_opts o = {.ca_file = path};
    assert_null(ms_http_new(&fx.loop, &o, err, sizeof err));
    print_message("ca_file missing: %s\n", err);
    assert_non_null(strstr(err, "no-such-ca.pem"));
    o.ca_file = g.tmp;   /* a directory */
    assert_null(ms_http_new(&fx.loop, &o, err, sizeof err));
}

static void test_close_inflight(void **state)
{
    char slow[256], fast[256];
    url(slow, sizeof slow, "/slow?ms=2000");
    url(fast, sizeof fast, "/echo");
    result r[6];
    memset(r, 0, sizeof r);
    ms_http_req qs = {.url = slow}, qf = {.url = fast};
    for (int i = 0; i < 5; i++)
        assert_int_equal(ms_http_send(fx.h, &qs, on_resp, &r[i]), 0);
    run_for(200);   /* on the wire by now */
    assert_int_equal(ms_http_send(fx.h, &qf, on_resp, &r[5]), 0);   /* still queued */
    assert_int_equal(ms_http_inflight(fx.h), 6);
    int closed = 0;
    ms_http_close(fx.h, on_closed, &closed);
    assert_int_equal(ms_http_send(fx.h, &qf, on_resp, &r[0]), -1);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(r[i].done, 1);
        assert_int_equal(r[i].err, MS_HTTP_ECANCELED);
        result_free(&r[i]);
    }
    run_until(&closed, 1, 5000);
    fx.h = NULL;
    run_for(50);
    assert_int_equal(closed, 1);
}

/* A response callback closes the client: the others are canceled. */
typedef struct closer {
    result r[4];
    int closed;
} closer;

static void close_from_cb(const ms_http_resp *resp, void *ud)
{
    closer *c = ud;
    record(&c->r[0], resp);
    ms_http_close(fx.h, on_closed, &c->closed);
    ms_http_close(fx.h, on_closed, &c->closed);   /* once is enough */
}

static void test_close_from_callback(void **state)
{
    char slow[256], fast[256];
    url(slow, sizeof slow, "/slow?ms=2000");
    url(fast, sizeof fast, "/echo");
    closer c;
    memset(&c, 0, sizeof c);
    ms_http_req qs = {.url = slow}, qf = {.url = fast};
    for (int i = 1; i < 4; i++)
        assert_int_equal(ms_http_send(fx.h, &qs, on_resp, &c.r[i]), 0);
    assert_int_equal(ms_http_send(fx.h, &qf, close_from_cb, &c), 0);
    run_until(&c.closed, 1, 10000);
    fx.h = NULL;
    assert_int_equal(c.r[0].err, MS_HTTP_OK);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(c.r[i].done, 1);
        assert_int_equal(c.r[i].err, MS_HTTP_ECANCELED);
    }
    for (int i = 0; i < 4; i++)
        result_free(&c.r[i]);
    run_for(50);
    assert_int_equal(c.closed, 1);
}

/* on_data closes the client (inside curl): deferred, still exactly once. */
static int close_from_data(const void *data, size_t len, void *ud)
{
    closer *c = ud;
    ms_http_close(fx.h, on_closed, &c->closed);
    return 0;
}

static void close_data_resp(const ms_http_resp *resp, void *ud)
{
    closer *c = ud;
    record(&c->r[0], resp);
}

static void test_close_from_on_data(void **state)
{
    char u[256];
    url(u, sizeof u, "/big?n=3000000");
    closer c;
    memset(&c, 0, sizeof c);
    ms_http_req req = {.url = u, .on_data = close_from_data};
    assert_int_equal(ms_http_send(fx.h, &req, close_data_resp, &c), 0);
    run_until(&c.closed, 1, 10000);
    fx.h = NULL;
    assert_int_equal(c.r[0].done, 1);
    assert_int_equal(c.r[0].err, MS_HTTP_ECANCELED);
    result_free(&c.r[0]);
}

/* ---- main --------------------------------------------------------------- */

static int group_setup(void **state)
{
    g.tmp = ms_test_tmpdir("http");
    if (!g.tmp)
        return -1;
    g.pid = spawn_peer(NULL, NULL, NULL, &g.port);
    if (g.pid <= 0) {
        fprintf(stderr, "cannot start %s\n", g.peer);
        return -1;
    }
    if (make_certs() != 0) {
        fprintf(stderr, "openssl failed to make test certificates\n");
        return -1;
    }
    g.tls_pid = spawn_peer("--tls", g.cert, g.key, &g.tls_port);
    return g.tls_pid > 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    ms_test_peer_stop(g.pid);
    ms_test_peer_stop(g.tls_pid);
    ms_test_rm_rf(g.tmp);
    free(g.tmp);
    return 0;
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) == 0)
        snprintf(g.python, sizeof g.python, "/usr/bin/python3");
    else if (!find_exe("python3", g.python, sizeof g.python))
        ms_test_skip("python3 not found");
    if (!find_exe("openssl", g.openssl, sizeof g.openssl))
        ms_test_skip("openssl CLI not found");
    const char *src = getenv("MS_SRC");
    if (src) {
        snprintf(g.peer, sizeof g.peer, "%s/tests/support/http_peer.py", src);
    } else {
        /* __FILE__ is .../tests/integration/test_http.c */
        const char *f = __FILE__, *cut = strstr(f, "integration/test_http.c");
        snprintf(g.peer, sizeof g.peer, "%.*ssupport/http_peer.py",
                 cut ? (int)(cut - f) : 0, f);
    }
    if (access(g.peer, R_OK) != 0)
        ms_test_skip("tests/support/http_peer.py not found (set MS_SRC)");
    /* Local servers only: no proxy from the environment. */
    const char *proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                             "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++)
        unsetenv(proxies[i]);
    signal(SIGPIPE, SIG_IGN);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keepalive_sequential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_big_and_streaming, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_file_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_inflight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_from_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_from_on_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
