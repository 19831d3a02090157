/* test_aws_client.c -- ms_aws_send end to end against a local peer that
 * verifies SigV4 on its own (tests/support/aws_peer.py): endpoint from
 * AWS_ENDPOINT_URL_<SERVICE>, credentials from the environment (with a
 * session token), the JSON protocol headers, and the standard retry mode
 * over real throttles, 5xx, resets and timeouts, with the quota counted. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "plugins.h"
#include "aws/aws.h"
#include "base/config.h"
#include "testutil.h"

#define AKID "AKIDMEDSTREAMTEST"
#define SECRET "c2VjcmV0LWZvci10ZXN0cy1vbmx5"
#define TOKEN "FwoGZXIvYXdzEJr//////////wEaDMedstreamTestToken+/="

static int peer_pid, peer_port;
static char *home;

typedef struct result {
    bool done;
    ms_aws_outcome outcome;
    ms_retry_decision why;
    char code[128];
    int attempts;
    long status;
    json_t *body;
    int attempts_seen;   /* on_attempt calls */
} result;

static void on_done(const ms_aws_result *r, void *ud)
{
    result *res = ud;
    res->done = true;
    res->outcome = r->outcome;
    res->why = r->why;
    snprintf(res->code, sizeof res->code, "%s", r->error.code);
    res->attempts = r->attempts;
    res->status = r->resp ? r->resp->status : 0;
    res->body = r->resp && r->resp->body_len
                    ? json_loadb(r->resp->body, r->resp->body_len, 0, NULL) : NULL;
}

static void on_attempt(ms_aws_outcome o, const ms_aws_error *e, double rtt, void *ud)
{
    (void)o; (void)e; (void)rtt;
    ((result *)ud)->attempts_seen++;
}

static ms_aws *new_client(uv_loop_t *loop, int max_attempts, long timeout_ms,
                          const char *secret)
{
    ms_aws_opts o = {0};
    o.max_attempts = max_attempts;
    o.timeout_ms = timeout_ms;
    if (secret) {
        o.creds.access_key_id = AKID;
        o.creds.secret_access_key = secret;
        o.creds.session_token = TOKEN;
    }
    char err[512];
    ms_aws *a = ms_aws_new(loop, &o, err, sizeof err);
    if (!a) fprintf(stderr, "ms_aws_new: %s\n", err);
    assert_non_null(a);
    return a;
}

static void start(ms_aws *a, const char *body, result *res)
{
    memset(res, 0, sizeof *res);
    ms_aws_request rq = {
        .service = "comprehendmedical",
        .target = "ComprehendMedical_20181030.DetectEntitiesV2",
        .body = body, .body_len = strlen(body), .on_attempt = on_attempt,
    };
    char err[256];
    int rc = ms_aws_send(a, &rq, on_done, res, err, sizeof err);
    if (rc != 0) fprintf(stderr, "ms_aws_send: %s\n", err);
    assert_int_equal(rc, 0);
}

static void run_until(uv_loop_t *loop, result *res)
{
    while (!res->done)
        uv_run(loop, UV_RUN_ONCE);
}

static void call(ms_aws *a, uv_loop_t *loop, const char *body, result *res)
{
    start(a, body, res);
    run_until(loop, res);
}

static void close_client(ms_aws *a, uv_loop_t *loop)
{
    ms_aws_close(a, NULL, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
}

static json_t *peer_stats(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import urllib.request,sys;"
             "sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:%d/_peer/stats').read().decode())\"",
             peer_port);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    json_t *j = json_loadf(p, 0, NULL);
    pclose(p);
    assert_non_null(j);
    return j;
}

static void success_signed_and_shaped(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    ms_aws *a = new_client(&loop, 3, 5000, NULL);
    assert_string_equal(ms_aws_region(a), "us-west-2");
    result r;
    call(a, &loop, "{\"id\":\"ok\"}", &r);
    assert_int_equal(r.outcome, MS_AWS_SUCCESS);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.attempts_seen, 1);
    assert_int_equal(r.status, 200);
    assert_non_null(r.body);
    assert_string_equal(json_string_value(json_object_get(r.body, "target")),
                        "ComprehendMedical_20181030.DetectEntitiesV2");
    json_decref(r.body);

    json_t *st = peer_stats();
    assert_int_equal(json_integer_value(json_object_get(st, "bad_signatures")), 0);
    json_t *last = json_object_get(st, "last");
    assert_string_equal(json_string_value(json_object_get(last, "content-type")),
                        "application/x-amz-json-1.1");
    const char *auth = json_string_value(json_object_get(last, "authorization"));
    assert_non_null(auth);
    /* scope from the environment's region and the service's signing name */
    assert_non_null(strstr(auth, "/us-west-2/comprehendmedical/aws4_request"));
    assert_non_null(strstr(auth, "x-amz-security-token"));
    assert_non_null(strstr(auth, "x-amz-target"));
    json_decref(st);
    /* a clean success refunds nothing beyond capacity */
    assert_int_equal(ms_aws_retry_quota(a)->available, 500);
    close_client(a, &loop);
    uv_loop_close(&loop);
}

static void retries_throttles_and_5xx(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    ms_aws *a = new_client(&loop, 3, 5000, NULL);
    result r;

    /* two throttles (429 and a JSON ThrottlingException), then success */
    call(a, &loop, "{\"id\":\"t1\",\"script\":[\"429\",\"throttle\"]}", &r);
    assert_int_equal(r.outcome, MS_AWS_SUCCESS);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(r.attempts_seen, 3);
    assert_int_equal(json_integer_value(json_object_get(r.body, "attempt")), 2);
    json_decref(r.body);
    assert_int_equal(ms_aws_retry_quota(a)->available, 495);  /* -5 -5 +5 */

    /* throttled on every attempt: reported as a throttle, exhausted */
    call(a, &loop, "{\"id\":\"t2\",\"script\":[\"429\",\"429\",\"429\",\"429\"]}", &r);
    assert_int_equal(r.outcome, MS_AWS_THROTTLE);
    assert_int_equal(r.why, MS_RETRY_EXHAUSTED);
    assert_int_equal(r.attempts, 3);
    assert_string_equal(r.code, "TooManyRequestsException");
    json_decref(r.body);
    assert_int_equal(ms_aws_retry_quota(a)->available, 485);

    /* a validation error is final at once */
    call(a, &loop, "{\"id\":\"f1\",\"script\":[\"400\"]}", &r);
    assert_int_equal(r.outcome, MS_AWS_FINAL);
    assert_int_equal(r.attempts, 1);
    assert_string_equal(r.code, "InvalidRequestException");
    json_decref(r.body);
    assert_int_equal(ms_aws_retry_quota(a)->available, 485);

    /* a reset and a 500, then success. When the reset hits a reused
     * keep-alive connection before any answer byte, curl itself resends
     * once on a fresh connection (its documented behaviour for dead reused
     * connections), so the client may count 2 attempts for the server's 3. */
    call(a, &loop, "{\"id\":\"r1\",\"script\":[\"reset\",\"500\"]}", &r);
    assert_int_equal(r.outcome, MS_AWS_SUCCESS);
    assert_true(r.attempts == 2 || r.attempts == 3);
    json_decref(r.body);

    json_t *st = peer_stats();
    json_t *att = json_object_get(st, "attempts");
    assert_int_equal(json_integer_value(json_object_get(att, "t1")), 3);
    assert_int_equal(json_integer_value(json_object_get(att, "t2")), 3);
    assert_int_equal(json_integer_value(json_object_get(att, "f1")), 1);
    assert_int_equal(json_integer_value(json_object_get(att, "r1")), 3);
    assert_int_equal(json_integer_value(json_object_get(st, "bad_signatures")), 0);
    json_decref(st);
    close_client(a, &loop);
    uv_loop_close(&loop);
}

static void timeout_is_retried(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    ms_aws *a = new_client(&loop, 2, 400, NULL);
    result r;
    call(a, &loop, "{\"id\":\"s1\",\"script\":[\"slow\"]}", &r);
    assert_int_equal(r.outcome, MS_AWS_SUCCESS);
    assert_int_equal(r.attempts, 2);
    json_decref(r.body);
    /* a timeout retry costs 10 and the success refunds it */
    assert_int_equal(ms_aws_retry_quota(a)->available, 500);

    call(a, &loop, "{\"id\":\"s2\",\"script\":[\"slow\",\"slow\"]}", &r);
    assert_int_equal(r.outcome, MS_AWS_TIMEOUT);
    assert_int_equal(r.why, MS_RETRY_EXHAUSTED);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(ms_aws_retry_quota(a)->available, 490);
    close_client(a, &loop);
    uv_loop_close(&loop);
}

static void wrong_secret_is_rejected(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    ms_aws *a = new_client(&loop, 3, 5000, "not-the-secret");
    result r;
    call(a, &loop, "{\"id\":\"bad\"}", &r);
    assert_int_equal(r.outcome, MS_AWS_FINAL);
    assert_int_equal(r.status, 403);
    assert_string_equal(r.code, "InvalidSignatureException");
    json_decref(r.body);
    close_client(a, &loop);
    uv_loop_close(&loop);
}

static void many_concurrent_calls(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    ms_aws *a = new_client(&loop, 5, 5000, NULL);
    enum { N = 120 };
    static result rs[N];
    char bodies[N][96];
    for (int i = 0; i < N; i++) {
        snprintf(bodies[i], sizeof bodies[i], "{\"id\":\"c%d\",\"script\":[%s]}", i,
                 i % 3 == 0 ? "\"429\"" : i % 3 == 1 ? "\"503\"" : "");
        start(a, bodies[i], &rs[i]);
    }
    for (int i = 0; i < N; i++) run_until(&loop, &rs[i]);
    for (int i = 0; i < N; i++) {
        if (rs[i].attempts != (i % 3 == 2 ? 1 : 2))
            fprintf(stderr, "call %d: %d attempts, last %s\n", i, rs[i].attempts, rs[i].code);
        assert_int_equal(rs[i].outcome, MS_AWS_SUCCESS);
        assert_int_equal(rs[i].attempts, i % 3 == 2 ? 1 : 2);
        json_decref(rs[i].body);
    }
    close_client(a, &loop);
    uv_loop_close(&loop);
}

static void close_cancels_in_flight(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    ms_aws *a = new_client(&loop, 3, 10000, NULL);
    result r;
    start(a, "{\"id\":\"cx\",\"script\":[\"slow\"]}", &r);
    /* let the request reach the wire */
    for (int i = 0; i < 20 && !r.done; i++) uv_run(&loop, UV_RUN_NOWAIT);
    ms_aws_close(a, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(r.done);
    assert_int_equal(r.outcome, MS_AWS_FINAL);
    assert_string_equal(r.code, "Canceled");
    uv_loop_close(&loop);
}

static void url_split(void **state)
{
    (void)state;
    char s[16], h[256], p[256];
    assert_int_equal(ms_aws_url_split("https://Kinesis.us-east-1.amazonaws.com:443/", s, 16, h, 256, p, 256), 0);
    assert_string_equal(s, "https");
    assert_string_equal(h, "kinesis.us-east-1.amazonaws.com");
    assert_string_equal(p, "");
    assert_int_equal(ms_aws_url_split("http://127.0.0.1:4566/base/", s, 16, h, 256, p, 256), 0);
    assert_string_equal(h, "127.0.0.1:4566");
    assert_string_equal(p, "/base");
    assert_int_equal(ms_aws_url_split("http://[::1]:80/x?y", s, 16, h, 256, p, 256), 0);
    assert_string_equal(h, "[::1]");
    assert_string_equal(p, "/x");
    assert_int_equal(ms_aws_url_split("ftp://x", s, 16, h, 256, p, 256), -1);
    assert_int_equal(ms_aws_url_split("http://", s, 16, h, 256, p, 256), -1);
    assert_int_equal(ms_aws_url_split("http://u@h/", s, 16, h, 256, p, 256), -1);
    assert_int_equal(ms_aws_url_split("http://h:8x/", s, 16, h, 256, p, 256), -1);
}

static void options_from_config(void **state)
{
    (void)state;
    ms_config *cfg = ms_config_new();
    char err[256];
    ms_aws_opts o;
    setenv("AWS_MAX_ATTEMPTS", "7", 1);
    ms_aws_opts_from_config(cfg, &o);
    assert_int_equal(o.max_attempts, 7);          /* the SDK variable, key unset */
    assert_false(o.http.tls_insecure);
    assert_null(o.http.ca_file);
    assert_int_equal(ms_config_set_arg(cfg, "aws.max_attempts=2", err, sizeof err), 0);
    assert_int_equal(ms_config_set_arg(cfg, "tls.ca_file=/etc/ssl/certs/ca-certificates.crt", err, sizeof err), 0);
    assert_int_equal(ms_config_set_arg(cfg, "aws.region=eu-central-1", err, sizeof err), 0);
    assert_int_equal(ms_config_set_arg(cfg, "aws.http2=false", err, sizeof err), 0);
    ms_aws_opts_from_config(cfg, &o);
    assert_int_equal(o.max_attempts, 2);          /* the key wins */
    assert_string_equal(o.http.ca_file, "/etc/ssl/certs/ca-certificates.crt");
    assert_string_equal(o.region, "eu-central-1");
    assert_true(o.http.no_http2);
    unsetenv("AWS_MAX_ATTEMPTS");
    /* the explicit region beats AWS_REGION */
    uv_loop_t loop;
    uv_loop_init(&loop);
    ms_aws *a = ms_aws_new(&loop, &o, err, sizeof err);
    assert_non_null(a);
    assert_string_equal(ms_aws_region(a), "eu-central-1");
    char url[256];
    assert_int_equal(ms_aws_endpoint(a, "kinesis", NULL, url, sizeof url, err, sizeof err), 0);
    assert_string_equal(url, "https://kinesis.eu-central-1.amazonaws.com");
    assert_int_equal(ms_aws_endpoint(a, "cloudwatch", "http://127.0.0.1:1", url, sizeof url, err, sizeof err), 0);
    assert_string_equal(url, "http://127.0.0.1:1");
    assert_int_equal(ms_aws_endpoint(a, "nosuch", NULL, url, sizeof url, err, sizeof err), -1);
    close_client(a, &loop);
    uv_loop_close(&loop);
    ms_config_free(cfg);
}

static int setup(void **state)
{
    (void)state;
    char *src = getenv("MS_SRC");
    if (!src) ms_test_skip("MS_SRC not set (run through ctest)");
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/support/aws_peer.py", src);
    char *argv[] = {"python3", script, "--port", "0", "--key", AKID ":" SECRET,
                    "--token", TOKEN, NULL};
    peer_port = ms_test_peer_start(argv, &peer_pid);
    if (peer_port <= 0) ms_test_skip("python3 is not available to run the AWS peer");

    /* Nothing of the machine's own AWS setup may leak in. */
    extern char **environ;
    for (int again = 1; again;) {
        again = 0;
        for (char **e = environ; *e; e++)
            if (!strncmp(*e, "AWS_", 4)) {
                char name[256];
                snprintf(name, sizeof name, "%.*s", (int)strcspn(*e, "="), *e);
                unsetenv(name);
                again = 1;
                break;
            }
    }
    home = ms_test_tmpdir("awsclient");
    setenv("HOME", home, 1);
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_SESSION_TOKEN", TOKEN, 1);
    setenv("AWS_REGION", "us-west-2", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", peer_port);
    setenv("AWS_ENDPOINT_URL_COMPREHENDMEDICAL", url, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ms_test_peer_stop(peer_pid);
    if (home) ms_test_rm_rf(home);
    free(home);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(url_split),
        cmocka_unit_test(options_from_config),
        cmocka_unit_test(success_signed_and_shaped),
        cmocka_unit_test(retries_throttles_and_5xx),
        cmocka_unit_test(timeout_is_retried),
        cmocka_unit_test(wrong_secret_is_rejected),
        cmocka_unit_test(many_concurrent_calls),
        cmocka_unit_test(close_cancels_in_flight),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
