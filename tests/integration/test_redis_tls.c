/* test_redis_tls.c -- the Comprehend cache's Redis tier (cm_redis.c over
 * cm_rconn.c) against Debian's redis-server with TLS and AUTH, started here
 * with a throwaway CA and certificates made by the openssl tool:
 *   - rediss:// with the right CA and the password: a SET then a GET hits;
 *   - an ACL user (username + password), and a client certificate for a
 *     server that requires one;
 *   - the wrong CA: refused with "certificate" in the reason, every lookup a
 *     miss, nothing fails, the failure counted by reason;
 *   - the wrong password: refused with the server's WRONGPASS, counted;
 *   - a required client certificate not given: refused (TLS);
 *   - no password, certificate or key content ever reaches the log.
 * Skips (77) when redis-server or openssl is missing. No timed assertions:
 * timeouts are generous and only bound a broken case. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "base/log.h"
#include "base/metrics.h"
#include "stages/comprehend/cm_cache.h"
#include "testutil.h"

#define PASSWORD "Pw-9f3c1e77-not-a-real-secret"
#define ALICE_PW "alice-7d2b-pw"

static char *tmp;
static int port_open_tls, port_mtls;   /* server-only TLS / client cert required */
static int pid_a = -1, pid_b = -1;
static int saved_stderr = -1;
static char logpath[512];

static int start_redis(int port, bool client_certs)
{
    char p[16], f[4][600];
    snprintf(p, sizeof p, "%d", port);
    snprintf(f[0], sizeof f[0], "%s/server.pem", tmp);
    snprintf(f[1], sizeof f[1], "%s/server.key", tmp);
    snprintf(f[2], sizeof f[2], "%s/ca.pem", tmp);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl("/usr/bin/redis-server", "redis-server", "--port", "0", "--tls-port", p, "--bind",
              "127.0.0.1", "--tls-cert-file", f[0], "--tls-key-file", f[1],
              "--tls-ca-cert-file", f[2], "--tls-auth-clients", client_certs ? "yes" : "no",
              "--requirepass", PASSWORD, "--user", "alice", "on", ">" ALICE_PW, "~*", "+@all",
              "--save", "", "--appendonly", "no", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500 && !ms_test_port_open(port); i++)
        usleep(20000);
    return ms_test_port_open(port) ? pid : -1;
}

/* ---- one SET + GET through the tier ------------------------------------ */

typedef struct got {
    bool done, hit;
    char val[64];
} got;

static void on_get(const char *val, size_t len, void *ud)
{
    got *g = ud;
    g->done = true;
    g->hit = val != NULL;
    if (val)
        snprintf(g->val, sizeof g->val, "%.*s", (int)len, val);
}

static void on_closed(void *ud)
{
    *(bool *)ud = true;
}

/* SET then GET a fresh key with conf; the tier's stats after. */
static bool roundtrip(const ms_cm_redis_conf *conf, ms_cm_redis_stats *st)
{
    static int n;
    uv_loop_t loop;
    uv_loop_init(&loop);
    char err[512];
    ms_cm_redis *r = ms_cm_redis_new(&loop, conf, 60, 5000, err, sizeof err);
    if (!r)
        fail_msg("ms_cm_redis_new: %s", err);
    char text[64];
    snprintf(text, sizeof text, "text %d %d", (int)getpid(), n++);
    ms_cm_key k;
    ms_cm_key_of("DetectEntitiesV2", text, strlen(text), &k);
    ms_cm_redis_set(r, &k, "{\"Entities\":[]}", 15);
    got g = {0};
    ms_cm_redis_get(r, &k, on_get, &g);
    while (!g.done && uv_run(&loop, UV_RUN_ONCE))
        ;
    assert_true(g.done);   /* answered, hit or miss: the caller is never stuck */
    ms_cm_redis_stats_get(r, st);
    bool closed = false;
    ms_cm_redis_close(r, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(closed);
    assert_int_equal(uv_loop_close(&loop), 0);
    if (g.hit)
        assert_string_equal(g.val, "{\"Entities\":[]}");
    return g.hit;
}

static void conf_of(ms_cm_redis_conf *c, const char *url, const char *user, const char *pw,
                    const char *ca, bool client_cert)
{
    char caf[600] = "", cert[600] = "", key[600] = "", err[512];
    if (ca)
        snprintf(caf, sizeof caf, "%s/%s", tmp, ca);
    if (client_cert) {
        snprintf(cert, sizeof cert, "%s/client.pem", tmp);
        snprintf(key, sizeof key, "%s/client.key", tmp);
    }
    if (ms_cm_redis_conf_parse(c, url, user, pw, caf, cert, key, err, sizeof err) != 0)
        fail_msg("conf: %s", err);
}

static void url_of(char *out, size_t n, const char *userinfo, int port)
{
    snprintf(out, n, "rediss://%s127.0.0.1:%d/3", userinfo, port);
}

/* ---- cases ------------------------------------------------------------- */

static void tls_with_password(void **state)
{
    (void)state;
    char url[256];
    url_of(url, sizeof url, "", port_open_tls);
    ms_cm_redis_conf c;
    conf_of(&c, url, NULL, PASSWORD, "ca.pem", false);
    ms_cm_redis_stats st;
    assert_true(roundtrip(&c, &st));
    assert_int_equal(st.connects, 1);
    assert_int_equal(st.hits, 1);
    /* The password in the URL works the same. */
    url_of(url, sizeof url, ":" PASSWORD "@", port_open_tls);
    conf_of(&c, url, NULL, NULL, "ca.pem", false);
    assert_true(roundtrip(&c, &st));
}

static void tls_acl_user_and_client_cert(void **state)
{
    (void)state;
    char url[256];
    url_of(url, sizeof url, "alice:" ALICE_PW "@", port_open_tls);
    ms_cm_redis_conf c;
    conf_of(&c, url, NULL, NULL, "ca.pem", false);
    ms_cm_redis_stats st;
    assert_true(roundtrip(&c, &st));
    /* keys replace the URL's credentials */
    url_of(url, sizeof url, "", port_mtls);
    conf_of(&c, url, "alice", ALICE_PW, "ca.pem", true);
    assert_true(roundtrip(&c, &st));
    assert_int_equal(st.failures[1], 0);
}

/* A SET + GET on port with pw and ca that must be refused: every lookup
 * a miss; the stats say why. */
static void refused(const char *what, int port, const char *pw, const char *ca,
                    ms_cm_redis_stats *st)
{
    char url[256];
    url_of(url, sizeof url, "", port);
    ms_cm_redis_conf c;
    conf_of(&c, url, NULL, pw, ca, false);
    assert_false(roundtrip(&c, st));
    printf("%s: %s\n", what, st->last_error);
}

static void wrong_ca_degrades_to_misses(void **state)
{
    (void)state;
    ms_metric *m = ms_counter("medstream_comprehend_cache_redis_failures_total",
                              "reason=\"tls\"", "");
    uint64_t before = ms_metric_count(m);
    ms_cm_redis_stats st;
    refused("wrong CA", port_open_tls, PASSWORD, "wrong-ca.pem", &st);
    assert_int_equal(st.connects, 0);
    assert_true(st.failures[1] >= 1);   /* tls */
    assert_non_null(strstr(st.last_error, "certificate"));
    assert_true(ms_metric_count(m) > before);
    assert_int_equal(ms_metric_gauge(ms_gauge("medstream_comprehend_cache_redis_up", "", "")),
                     0);
}

static void wrong_password_is_refused(void **state)
{
    (void)state;
    ms_cm_redis_stats st;
    refused("wrong password", port_open_tls, "not-the-password", "ca.pem", &st);
    assert_true(st.failures[2] >= 1);   /* auth */
    assert_non_null(strstr(st.last_error, "WRONGPASS"));
    assert_null(strstr(st.last_error, "not-the-password"));
    /* No password at all for a server that requires one: the first
     * command is refused (NOAUTH), which fails the connection (auth). */
    refused("no password", port_open_tls, NULL, "ca.pem", &st);
    assert_true(st.failures[2] >= 1);
    assert_non_null(strstr(st.last_error, "NOAUTH"));
}

static void missing_client_cert_is_refused(void **state)
{
    (void)state;
    ms_cm_redis_stats st;
    refused("no client certificate", port_mtls, PASSWORD, "ca.pem", &st);
    assert_true(st.failures[1] + st.failures[0] >= 1);
    assert_int_equal(st.connects, 0);
}

static void nothing_secret_in_the_log(void **state)
{
    (void)state;
    fflush(stderr);
    dup2(saved_stderr, 2);
    size_t len = 0;
    char *log = ms_test_read_file(logpath, &len);
    assert_non_null(log);
    printf("log: %zu bytes, e.g. %.300s\n", len, log);
    assert_non_null(strstr(log, "redis unavailable"));
    assert_null(strstr(log, PASSWORD));
    assert_null(strstr(log, ALICE_PW));
    assert_null(strstr(log, "not-the-password"));
    assert_null(strstr(log, "PRIVATE KEY"));
    free(log);
}

static int setup(void **state)
{
    (void)state;
    if (access("/usr/bin/redis-server", X_OK) != 0)
        ms_test_skip("/usr/bin/redis-server not installed");
    if (ms_test_run("openssl version >/dev/null 2>&1") != 0)
        ms_test_skip("openssl tool not installed");
    tmp = ms_test_tmpdir("redis-tls");
    const char *ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    int rc = ms_test_run(
        "cd '%s' && exec 2>openssl.err && "
        "openssl req -x509 %s -keyout ca.key -out ca.pem -days 2 -subj /CN=medstream-test-ca && "
        "openssl req -x509 %s -keyout wrong-ca.key -out wrong-ca.pem -days 2 -subj /CN=other-ca && "
        "openssl req %s -keyout server.key -out server.csr -subj /CN=localhost && "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile san.ext && "
        "openssl req %s -keyout client.key -out client.csr -subj /CN=medstream && "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out client.pem -days 2",
        tmp, ec, ec, ec, ec);
    if (rc != 0) {
        fprintf(stderr, "openssl failed (see %s/openssl.err)\n", tmp);
        return -1;
    }
    port_open_tls = ms_test_free_port();
    pid_a = start_redis(port_open_tls, false);
    port_mtls = ms_test_free_port();
    pid_b = start_redis(port_mtls, true);
    if (pid_a < 0 || pid_b < 0) {
        fprintf(stderr, "redis-server with TLS did not start\n");
        return -1;
    }
    /* Everything the tier logs from here on goes to a file, checked last. */
    ms_log_set_level(MS_LOG_DEBUG);
    snprintf(logpath, sizeof logpath, "%s/log.txt", tmp);
    fflush(stderr);
    saved_stderr = dup(2);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (saved_stderr >= 0)
        dup2(saved_stderr, 2);
    for (int i = 0; i < 2; i++) {
        int pid = i ? pid_b : pid_a;
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
        }
    }
    if (tmp)
        ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls_with_password),
        cmocka_unit_test(tls_acl_user_and_client_cert),
        cmocka_unit_test(wrong_ca_degrades_to_misses),
        cmocka_unit_test(wrong_password_is_refused),
        cmocka_unit_test(missing_client_cert_is_refused),
        cmocka_unit_test(nothing_secret_in_the_log),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
