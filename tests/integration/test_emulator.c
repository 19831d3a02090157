/* test_emulator.c -- `medstream emulate` end to end.
 *
 * Fidelity: boto3 (Debian's python3-boto3, tests/support/emulator_boto3.py)
 * and the AWS SDK for JavaScript v3 (@aws-sdk/client-comprehendmedical,
 * installed by this test into a cache under the build directory;
 * tests/support/emulator_sdk.mjs) call every operation and parse every
 * answer with the service's model, and get the model's exception classes
 * for throttles, size limits, bad input and bad signatures.
 * The HTTP server: pipelining, 100-continue, 413/431/400, Connection: close.
 * Capacity modelling: injected faults counted exactly as a client saw them,
 * a stalled request times the client out, latency delays answers, and the
 * emulator exits 0 on SIGTERM (with no leak under ASan).
 *
 * No throughput assertions here: bench/emulator_bench.c measures that. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

#define AKID "AKIDMEDSTREAMEMU"
#define SECRET "emu/secret+for-tests"
#define NPM_SPEC_DEFAULT "@aws-sdk/client-comprehendmedical@3.1169.0"

static const char *bin, *src;
static bool have_boto3;

/* ---- the emulator process ---------------------------------------------- */

typedef struct emu {
    int pid, port;
    char url[64];
} emu;

static void emu_start(emu *e, const char *const *extra)
{
    char *argv[40] = {(char *)bin, "emulate", "--listen", "127.0.0.1:0", "--log-level", "warn"};
    int n = 6;
    for (; extra && *extra && n < 38; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    e->port = ms_test_peer_start(argv, &e->pid);
    if (e->port <= 0)
        fail_msg("the emulator did not start");
    snprintf(e->url, sizeof e->url, "http://127.0.0.1:%d", e->port);
}

/* SIGTERM must end it cleanly: exit 0 (and, under ASan, no leak). */
static void emu_stop(emu *e)
{
    kill(e->pid, SIGTERM);
    int st = 0;
    waitpid(e->pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("emulator exited with status 0x%x", st);
}

/* ---- a raw HTTP/1.1 client ---------------------------------------------- */

typedef struct rconn {
    int fd;
    char buf[1 << 16];
    size_t len;
} rconn;

static rconn *rc_open(int port, int timeout_ms)
{
    rconn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
}

static void rc_close(rconn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

static void rc_send(rconn *c, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;       /* the peer may have closed: reads will tell */
        s += w, n -= (size_t)w;
    }
}

typedef struct resp {
    int status;           /* 0: EOF before a response; -1: reset; -2: timeout */
    char head[4096];
    char *body;
    size_t body_len;
} resp;

static void resp_free(resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* One response (1xx included). */
static void rc_read(rconn *c, resp *r)
{
    memset(r, 0, sizeof *r);
    for (;;) {
        char *he = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (he) {
            size_t hl = (size_t)(he - c->buf) + 4;
            char *cl = memmem(c->buf, hl, "Content-Length: ", 16);
            size_t blen = cl ? strtoul(cl + 16, NULL, 10) : 0;
            if (c->len >= hl + blen) {
                snprintf(r->head, sizeof r->head, "%.*s", (int)hl, c->buf);
                r->status = atoi(c->buf + 9);
                r->body = malloc(blen + 1);
                memcpy(r->body, c->buf + hl, blen);
                r->body[blen] = '\0';
                r->body_len = blen;
                memmove(c->buf, c->buf + hl + blen, c->len - hl - blen);
                c->len -= hl + blen;
                return;
            }
        }
        assert_true(c->len < sizeof c->buf);
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (n == 0) {
            r->status = 0;
            return;
        }
        if (n < 0) {
            r->status = errno == EAGAIN || errno == EWOULDBLOCK ? -2 : -1;
            return;
        }
        c->len += (size_t)n;
    }
}

static char *comprehend_req(const char *op, const char *text, const char *extra_headers)
{
    json_t *j = json_pack("{ss}", "Text", text);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *out;
    assert_true(asprintf(&out,
                         "POST / HTTP/1.1\r\nHost: localhost\r\n"
                         "Content-Type: application/x-amz-json-1.1\r\n"
                         "X-Amz-Target: ComprehendMedical_20181030.%s\r\n%s"
                         "Content-Length: %zu\r\n\r\n%s",
                         op, extra_headers ? extra_headers : "", strlen(body), body) > 0);
    free(body);
    return out;
}

static json_t *get_stats(int port)
{
    rconn *c = rc_open(port, 10000);
    const char *q = "GET /_emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n";
    rc_send(c, q, strlen(q));
    resp r;
    rc_read(c, &r);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    resp_free(&r);
    rc_close(c);
    return j;
}

static json_int_t jget(json_t *j, const char *a, const char *b, const char *c)
{
    json_t *x = json_object_get(j, a);
    if (b)
        x = json_object_get(x, b);
    if (c)
        x = json_object_get(x, c);
    assert_true(json_is_integer(x));
    return json_integer_value(x);
}

/* ---- the SDK scripts ---------------------------------------------------- */

static void boto3(const emu *e, const char *check, const char *extra)
{
    assert_int_equal(ms_test_run("/usr/bin/python3 %s/tests/support/emulator_boto3.py "
                         "--endpoint %s %s %s",
                         src, e->url, check, extra ? extra : ""), 0);
}

/* The SDK checks need optional peers: without them the case is reported
 * SKIPPED by cmocka (the protocol cases above still decide pass or fail). */
static void fidelity_boto3(void **state)
{
    (void)state;
    if (!have_boto3) {
        print_message("boto3 checks skipped: /usr/bin/python3 with boto3 (python3-boto3) "
                      "not available\n");
        skip();
    }
    emu open_, quota, auth;
    emu_start(&open_, (const char *[]){"--tps", "0", "--cps", "0", NULL});
    boto3(&open_, "ops", NULL);
    boto3(&open_, "errors", NULL);
    emu_stop(&open_);
    /* the service's default quotas, plus one tiny one */
    emu_start(&quota, (const char *[]){"--op", "DetectPHI:tps=0.01", NULL});
    boto3(&quota, "throttle", NULL);
    emu_stop(&quota);
    emu_start(&auth, (const char *[]){"--verify-sigv4", AKID ":" SECRET, NULL});
    boto3(&auth, "sigv4", "--key '" AKID ":" SECRET "'");
    emu_stop(&auth);
}

/* The SDK, npm-installed into <build>/tests/npm-emulator once; returns the
 * npm prefix (malloc'd) or NULL when node, npm or the registry is missing. */
static char *node_prefix(void)
{
    const char *spec = getenv("MS_NPM_SDK_SPEC") ? getenv("MS_NPM_SDK_SPEC") : NPM_SPEC_DEFAULT;
    char *mods = ms_test_npm_install("emulator", "@aws-sdk/client-comprehendmedical", spec);
    if (!mods) {
        print_message("node SDK checks skipped (see above)\n");
        return NULL;
    }
    mods[strlen(mods) - strlen("/node_modules")] = '\0';
    return mods;
}

static void node(const char *mods, const emu *e, const char *check, const char *extra)
{
    assert_int_equal(ms_test_run("NODE_NO_WARNINGS=1 node %s/tests/support/emulator_sdk.mjs "
                         "--modules '%s' --endpoint %s %s %s",
                         src, mods, e->url, check, extra ? extra : ""), 0);
}

static void fidelity_node(void **state)
{
    (void)state;
    char *mods = node_prefix();
    if (!mods)
        skip();
    emu open_, quota, auth;
    emu_start(&open_, (const char *[]){"--tps", "0", "--cps", "0", NULL});
    node(mods, &open_, "ops", NULL);
    node(mods, &open_, "errors", NULL);
    emu_stop(&open_);
    emu_start(&quota, (const char *[]){"--op", "DetectPHI:tps=0.01", NULL});
    node(mods, &quota, "throttle", NULL);
    emu_stop(&quota);
    emu_start(&auth, (const char *[]){"--verify-sigv4", AKID ":" SECRET, NULL});
    node(mods, &auth, "sigv4", "--key '" AKID ":" SECRET "'");
    emu_stop(&auth);
    free(mods);
}

/* ---- HTTP ----------------------------------------------------------------- */

static void http_protocol(void **state)
{
    (void)state;
    emu e;
    emu_start(&e, (const char *[]){"--tps", "0", "--cps", "0", NULL});
    resp r;

    /* three pipelined requests in one write, answered in order */
    char *a = comprehend_req("InferRxNorm", "aspirin 81 mg daily", NULL);
    char *b = comprehend_req("DetectPHI", "Seen by Dr. Chen on 03/14/2024", NULL);
    char *all;
    assert_true(asprintf(&all, "%s%sGET /_emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n", a, b) > 0);
    rconn *c = rc_open(e.port, 10000);
    rc_send(c, all, strlen(all));
    rc_read(c, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "RxNormConcepts"));
    assert_non_null(strstr(r.head, "application/x-amz-json-1.1"));
    assert_non_null(strstr(r.head, "x-amzn-RequestId: "));
    resp_free(&r);
    rc_read(c, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "PROTECTED_HEALTH_INFORMATION"));
    resp_free(&r);
    rc_read(c, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"operations\""));
    resp_free(&r);

    /* one request dribbled a few bytes at a time on the same connection */
    for (size_t i = 0, n = strlen(a); i < n; i += 7) {
        rc_send(c, a + i, n - i < 7 ? n - i : 7);
        usleep(1000);
    }
    rc_read(c, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    free(all);

    /* Expect: 100-continue */
    json_t *j = json_pack("{ss}", "Text", "metformin 500 mg");
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *head;
    assert_true(asprintf(&head, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                "X-Amz-Target: ComprehendMedical_20181030.InferRxNorm\r\n"
                                "Content-Length: %zu\r\n\r\n", strlen(body)) > 0);
    rc_send(c, head, strlen(head));
    rc_read(c, &r);
    assert_int_equal(r.status, 100);
    resp_free(&r);
    rc_send(c, body, strlen(body));
    rc_read(c, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "metformin"));
    resp_free(&r);
    free(head);
    free(body);

    /* errors that keep the connection: unknown operation, wrong path */
    char *u = comprehend_req("StartEntitiesDetectionV2Job", "x", NULL);
    rc_send(c, u, strlen(u));
    rc_read(c, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "UnknownOperationException"));
    resp_free(&r);
    free(u);
    const char *nf = "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
    rc_send(c, nf, strlen(nf));
    rc_read(c, &r);
    assert_int_equal(r.status, 404);
    resp_free(&r);

    /* Connection: close is honoured */
    char *cl = comprehend_req("DetectPHI", "x", "Connection: close\r\n");
    rc_send(c, cl, strlen(cl));
    rc_read(c, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.head, "Connection: close"));
    resp_free(&r);
    rc_read(c, &r);
    assert_int_equal(r.status, 0);          /* EOF */
    free(cl);
    rc_close(c);

    /* HTTP/1.0 without keep-alive: answered, then closed */
    c = rc_open(e.port, 10000);
    const char *h10 = "GET /_emulator/stats HTTP/1.0\r\n\r\n";
    rc_send(c, h10, strlen(h10));
    rc_read(c, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    rc_read(c, &r);
    assert_int_equal(r.status, 0);
    rc_close(c);

    /* too large a body: 413 before it is sent */
    c = rc_open(e.port, 10000);
    const char *big = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n";
    rc_send(c, big, strlen(big));
    rc_read(c, &r);
    assert_int_equal(r.status, 413);
    resp_free(&r);
    rc_close(c);

    /* malformed request line */
    c = rc_open(e.port, 10000);
    rc_send(c, "GARBAGE\r\n\r\n", 11);
    rc_read(c, &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    rc_read(c, &r);
    assert_int_equal(r.status, 0);
    rc_close(c);

    /* too many header bytes */
    c = rc_open(e.port, 10000);
    char *hh = malloc(40000);
    strcpy(hh, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 600; i++)
        strcat(hh, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    strcat(hh, "\r\n");
    rc_send(c, hh, strlen(hh));
    rc_read(c, &r);
    assert_int_equal(r.status, 431);
    resp_free(&r);
    rc_close(c);
    free(hh);

    /* chunked uploads are refused */
    c = rc_open(e.port, 10000);
    const char *ch = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    rc_send(c, ch, strlen(ch));
    rc_read(c, &r);
    assert_int_equal(r.status, 501);
    resp_free(&r);
    rc_close(c);

    json_t *st = get_stats(e.port);
    assert_int_equal(jget(st, "unknown_requests", NULL, NULL), 2);
    assert_int_equal(jget(st, "operations", "InferRxNorm", "requests"), 3);
    json_decref(st);
    free(a);
    free(b);
    emu_stop(&e);
}

/* ---- faults, stalls, latency ------------------------------------------- */

static void faults_counted(void **state)
{
    (void)state;
    emu e;
    emu_start(&e, (const char *[]){"--tps", "0", "--cps", "0", "--fault-reset", "0.2",
                                   "--fault-5xx", "0.1", "--fault-throttle", "0.1",
                                   "--seed", "42", NULL});
    enum { N = 500 };
    int ok = 0, five = 0, thr = 0, lost = 0;
    char *q = comprehend_req("DetectEntitiesV2", "Acute pain in the left knee.", NULL);
    rconn *c = NULL;
    for (int i = 0; i < N; i++) {
        if (!c)
            c = rc_open(e.port, 10000);
        rc_send(c, q, strlen(q));
        resp r;
        rc_read(c, &r);
        if (r.status == 200)
            ok++;
        else if (r.status == 500 || r.status == 503)
            five++;
        else if (r.status == 429)
            thr++;
        else if (r.status <= 0 && r.status != -2)
            lost++;
        else
            fail_msg("unexpected status %d", r.status);
        if (r.status <= 0) {
            rc_close(c);
            c = NULL;
        }
        resp_free(&r);
    }
    if (c)
        rc_close(c);
    free(q);
    printf("faults over %d requests: %d ok, %d 5xx, %d throttled, %d reset\n", N, ok,
           five, thr, lost);
    /* the meter counts exactly what the client saw */
    json_t *st = get_stats(e.port);
    assert_int_equal(jget(st, "faults", "reset", NULL), lost);
    assert_int_equal(jget(st, "faults", "5xx", NULL), five);
    assert_int_equal(jget(st, "faults", "throttle", NULL), thr);
    assert_int_equal(jget(st, "operations", "DetectEntitiesV2", "requests"), N);
    assert_int_equal(jget(st, "operations", "DetectEntitiesV2", "faults"), five + thr + lost);
    assert_int_equal(jget(st, "operations", "DetectEntitiesV2", "throttled"), 0);
    assert_int_equal(jget(st, "operations", "DetectEntitiesV2", "billed_units"), ok);
    json_decref(st);
    /* and roughly at the rates asked for (seeded, so this is stable) */
    assert_in_range(lost, N * 12 / 100, N * 28 / 100);
    assert_in_range(five, N * 5 / 100, N * 15 / 100);
    assert_in_range(thr, N * 5 / 100, N * 15 / 100);
    emu_stop(&e);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void stall_and_latency(void **state)
{
    (void)state;
    emu e;
    emu_start(&e, (const char *[]){"--fault-stall", "1", NULL});
    rconn *c = rc_open(e.port, 300);
    char *q = comprehend_req("DetectPHI", "x", NULL);
    rc_send(c, q, strlen(q));
    resp r;
    rc_read(c, &r);
    assert_int_equal(r.status, -2);        /* the client's 300 ms timeout */
    rc_close(c);
    json_t *st = get_stats(e.port);        /* still serving */
    assert_int_equal(jget(st, "faults", "stall", NULL), 1);
    json_decref(st);
    emu_stop(&e);

    /* answers wait for the modelled latency (a lower bound only) */
    emu_start(&e, (const char *[]){"--latency-ms", "200", "--jitter-ms", "20", NULL});
    c = rc_open(e.port, 10000);
    double t0 = now_s();
    rc_send(c, q, strlen(q));
    rc_read(c, &r);
    double dt = now_s() - t0;
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_true(dt >= 0.175);
    rc_close(c);
    free(q);
    emu_stop(&e);
}

static void bad_options(void **state)
{
    (void)state;
    assert_int_equal(ms_test_run("'%s' emulate --fault-reset 0.7 --fault-stall 0.7 >/dev/null 2>&1", bin), 2);
    assert_int_equal(ms_test_run("'%s' emulate --op Nope:tps=1 >/dev/null 2>&1", bin), 2);
    assert_int_equal(ms_test_run("'%s' emulate --op DetectPHI:speed=1 >/dev/null 2>&1", bin), 2);
    assert_int_equal(ms_test_run("'%s' emulate --listen 127.0.0.1 >/dev/null 2>&1", bin), 2);
    assert_int_equal(ms_test_run("'%s' emulate --verify-sigv4 nocolon >/dev/null 2>&1", bin), 2);
    assert_int_equal(ms_test_run("'%s' emulate --help >/dev/null 2>&1", bin), 0);
}

static int setup(void **state)
{
    (void)state;
    bin = getenv("MS_BIN");
    src = getenv("MS_SRC");
    if (!bin || !src)
        ms_test_skip("MS_BIN / MS_SRC not set (run through ctest)");
    signal(SIGPIPE, SIG_IGN);
    have_boto3 = ms_test_system_python() &&
                 ms_test_run("/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1") == 0;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_options),
        cmocka_unit_test(http_protocol),
        cmocka_unit_test(faults_counted),
        cmocka_unit_test(stall_and_latency),
        cmocka_unit_test(fidelity_boto3),
        cmocka_unit_test(fidelity_node),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
