/* test_creds.c -- the AWS credential provider chain against a local peer
 * (tests/support/aws_meta_peer.py playing IMDS, ECS and STS): environment,
 * profile keys, credential_process (success, exit status, timeout, bad
 * output), web identity (token and role ARN reach STS, XML errors), ECS
 * relative and full URI (authorization token and token file, host
 * allow-list), IMDSv2, the IMDSv1 fallback on a refused token PUT and none
 * on a hanging one, the chain order, background refresh (a new key arrives
 * while current() never returns NULL), a failing refresh keeping the old
 * credentials, shared concurrent fetches and closing with fetches in
 * flight. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "aws/creds/creds.h"
#include "aws/base/http.h"
#include "testutil.h"

extern char **environ;

static char *tmp;
static pid_t peer_pid;
static char base[64];          /* http://127.0.0.1:PORT */
static uv_loop_t loop;
static ms_http *http;
static char err[1024];

/* ---- environment ---- */

static void clear_aws_env(void)
{
    for (;;) {
        char name[256] = "";
        for (char **e = environ; *e; e++) {
            size_t n = strcspn(*e, "=");
            if (strncmp(*e, "AWS_", 4) == 0 && n < sizeof name) {
                memcpy(name, *e, n);
                name[n] = 0;
                break;
            }
        }
        if (!name[0])
            return;
        unsetenv(name);
    }
}

static char *tpath(const char *name)
{
    static char bufs[4][4096];
    static int i;
    char *b = bufs[i++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", tmp, name);
    return b;
}

static void write_text(const char *name, const char *text)
{
    assert_int_equal(ms_test_write_file(tpath(name), text, strlen(text)), 0);
}

/* ---- the peer ---- */

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
    char **buf = ud;
    size_t old = *buf ? strlen(*buf) : 0;
    char *nb = realloc(*buf, old + sz * n + 1);
    memcpy(nb + old, p, sz * n);
    nb[old + sz * n] = 0;
    *buf = nb;
    return sz * n;
}

/* Control call; returns the parsed JSON response. */
static json_t *ctl(const char *path, const char *body)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    CURL *c = curl_easy_init();
    char *out = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        fail_msg("peer control %s: %s", path, curl_easy_strerror(rc));
    json_t *j = json_loads(out ? out : "", 0, NULL);
    free(out);
    assert_non_null(j);
    return j;
}

static void peer_config(const char *json)
{
    json_decref(ctl("/_ctl/config", json));
}

static long long stat_int(const char *key)
{
    json_t *s = ctl("/_ctl/stats", NULL);
    long long v = json_integer_value(json_object_get(s, key));
    json_decref(s);
    return v;
}

/* A string stat; "" when null. Static buffer. */
static const char *stat_str(const char *key, const char *sub)
{
    static char buf[1024];
    json_t *s = ctl("/_ctl/stats", NULL);
    json_t *v = json_object_get(s, key);
    if (sub)
        v = json_object_get(v, sub);
    snprintf(buf, sizeof buf, "%s", json_is_string(v) ? json_string_value(v) : "");
    json_decref(s);
    return buf;
}

static void peer_start(void)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        ms_test_skip("/usr/bin/python3 is needed for the IMDS/ECS/STS peer");
    char script[4096];
    const char *src = getenv("MS_SRC");
    if (src)
        snprintf(script, sizeof script, "%s/tests/support/aws_meta_peer.py", src);
    else
        snprintf(script, sizeof script, "%s", __FILE__);
    if (!src) {
        char *slash = strrchr(script, '/');
        snprintf(slash ? slash + 1 : script, 256, "../support/aws_meta_peer.py");
    }
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    peer_pid = fork();
    assert_true(peer_pid >= 0);
    if (peer_pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/usr/bin/python3", "python3", script, "--port", "0", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[32] = "";
    size_t n = 0;
    while (n < sizeof line - 1) {
        ssize_t r = read(fds[0], line + n, 1);
        if (r <= 0 || line[n] == '\n')
            break;
        n++;
    }
    line[n] = 0;
    close(fds[0]);
    int port = atoi(line);
    if (port <= 0)
        fail_msg("the peer (%s) did not report a port", script);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
}

/* ---- loop helpers ---- */

typedef struct got {
    bool done;
    int calls;
    char ak[128], sk[128], token[256], provider[32], error[1024];
    int64_t expires_at;
} got;

static void on_creds(const ms_aws_creds *c, const char *e, void *ud)
{
    got *g = ud;
    g->done = true;
    g->calls++;
    /* UV_RUN_ONCE runs due timers before it polls: without this a
     * callback from a timer would be followed by a blocking poll. */
    uv_stop(&loop);
    if (c) {
        snprintf(g->ak, sizeof g->ak, "%s", c->access_key_id);
        snprintf(g->sk, sizeof g->sk, "%s", c->secret_access_key);
        snprintf(g->token, sizeof g->token, "%s", c->session_token ? c->session_token : "");
        snprintf(g->provider, sizeof g->provider, "%s", c->provider);
        g->expires_at = c->expires_at;
    } else {
        snprintf(g->error, sizeof g->error, "%s", e ? e : "(null)");
    }
}

static void on_guard(uv_timer_t *t) { *(bool *)t->data = true; }

/* Run the loop until *flag or ms elapse. */
static void run_until(bool *flag, uint64_t ms)
{
    bool expired = false;
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    guard.data = &expired;
    uv_timer_start(&guard, on_guard, ms, 0);
    while (!(flag && *flag) && !expired)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
}

static void run_for(uint64_t ms) { run_until(NULL, ms); }

static ms_aws_creds_chain *chain_opts(const ms_aws_creds_opts *o)
{
    ms_aws_creds_opts oo = *o;
    oo.http = http;
    ms_aws_creds_chain *c = ms_aws_creds_chain_new(&loop, &oo, err, sizeof err);
    if (!c)
        fail_msg("chain_new: %s", err);
    return c;
}

static ms_aws_creds_chain *chain(void)
{
    ms_aws_creds_opts o = {.ecs_host = base, .timeout_ms = 3000};
    return chain_opts(&o);
}

/* chain_new must fail; returns the error. */
static const char *chain_err(void)
{
    ms_aws_creds_opts o = {.http = http, .ecs_host = base};
    ms_aws_creds_chain *c = ms_aws_creds_chain_new(&loop, &o, err, sizeof err);
    if (c)
        fail_msg("chain_new succeeded, expected an error");
    return err;
}

static got get(ms_aws_creds_chain *c)
{
    got g = {0};
    ms_aws_creds_get(c, on_creds, &g);
    assert_false(g.done);   /* never from inside the call */
    run_until(&g.done, 15000);
    assert_true(g.done);
    return g;
}

static void close_chain(ms_aws_creds_chain *c)
{
    ms_aws_creds_chain_close(c);
    run_for(20);
}

static void expect_ok(const got *g, const char *ak, const char *provider)
{
    if (g->error[0])
        fail_msg("expected credentials, got: %s", g->error);
    assert_string_equal(g->ak, ak);
    assert_string_equal(g->provider, provider);
}

static void expect_error(const got *g, const char *needle)
{
    if (!g->error[0])
        fail_msg("expected an error with '%s', got key %s", needle, g->ak);
    if (!strstr(g->error, needle))
        fail_msg("error '%s' lacks '%s'", g->error, needle);
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    tmp = ms_test_tmpdir("creds");
    assert_non_null(tmp);
    clear_aws_env();
    peer_start();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    uv_loop_init(&loop);
    http = ms_http_new(&loop, NULL, err, sizeof err);
    if (!http)
        fail_msg("ms_http_new: %s", err);
    return 0;
}

static void http_closed(void *ud) { *(bool *)ud = true; }

static int group_teardown(void **state)
{
    (void)state;
    bool closed = false;
    ms_http_close(http, http_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(closed);
    assert_int_equal(uv_loop_close(&loop), 0);
    if (peer_pid > 0) {
        kill(peer_pid, SIGTERM);
        waitpid(peer_pid, NULL, 0);
    }
    curl_global_cleanup();
    ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

/* Every test starts from nothing configured: no AWS_* variables, HOME in
 * the temp dir, empty files, IMDS disabled, the peer reset. */
static int setup(void **state)
{
    (void)state;
    clear_aws_env();
    setenv("HOME", tmp, 1);
    setenv("AWS_CONFIG_FILE", tpath("config"), 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", tpath("credentials"), 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    write_text("config", "");
    write_text("credentials", "");
    json_decref(ctl("/_ctl/reset", ""));
    return 0;
}

/* ---- tests ---- */

static void test_env(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    ms_aws_creds_chain *c = chain();
    const ms_aws_creds *cur = ms_aws_creds_current(c);
    assert_non_null(cur);
    assert_string_equal(cur->access_key_id, "AKIDENV");
    assert_string_equal(cur->provider, "env");
    assert_int_equal(cur->expires_at, 0);
    got g = get(c);
    expect_ok(&g, "AKIDENV", "env");
    assert_string_equal(g.sk, "envsecret");
    assert_string_equal(g.token, "envtoken");
    close_chain(c);

    /* fixed credentials in the options win over everything */
    ms_aws_creds_opts o = {.access_key_id = "AKIDFIXED", .secret_access_key = "s"};
    c = chain_opts(&o);
    g = get(c);
    expect_ok(&g, "AKIDFIXED", "static");
    assert_string_equal(g.token, "");
    close_chain(c);

    unsetenv("AWS_SECRET_ACCESS_KEY");
    assert_non_null(strstr(chain_err(), "AWS_SECRET_ACCESS_KEY is not"));
    assert_null(strstr(err, "AKIDENV"));
}

static void test_profile_static(void **state)
{
    (void)state;
    write_text("config", "[default]\nregion = us-east-1\n"
                         "[profile dev]\naws_access_key_id = CFGDEV\n"
                         "aws_secret_access_key = cfgsecret\n"
                         "[profile assume]\nrole_arn = arn:aws:iam::1:role/r\n"
                         "source_profile = dev\n"
                         "[profile half]\naws_access_key_id = X\n");
    write_text("credentials", "[default]\naws_access_key_id = AKIDPROFILE\n"
                              "aws_secret_access_key = psecret\naws_session_token = ptoken\n"
                              "[dev]\naws_access_key_id = CRDDEV\n");
    ms_aws_creds_chain *c = chain();
    got g = get(c);
    expect_ok(&g, "AKIDPROFILE", "profile");
    assert_string_equal(g.token, "ptoken");
    close_chain(c);

    /* the credentials file's key wins, the secret comes from config */
    setenv("AWS_PROFILE", "dev", 1);
    c = chain();
    g = get(c);
    expect_ok(&g, "CRDDEV", "profile");
    assert_string_equal(g.sk, "cfgsecret");
    close_chain(c);

    setenv("AWS_PROFILE", "assume", 1);
    assert_non_null(strstr(chain_err(), "not supported; use credential_process or web identity"));
    assert_non_null(strstr(err, "source_profile"));
    setenv("AWS_PROFILE", "half", 1);
    assert_non_null(strstr(chain_err(), "no aws_secret_access_key"));
    setenv("AWS_PROFILE", "missing", 1);
    assert_non_null(strstr(chain_err(), "not found"));
    setenv("AWS_PROFILE", "dev", 1);
    write_text("config", "[profile dev]\nbroken line\n");
    assert_non_null(strstr(chain_err(), "config:2:"));
}

static void write_script(const char *name, const char *body)
{
    write_text(name, body);
    chmod(tpath(name), 0755);
}

static void test_process(void **state)
{
    (void)state;
    write_script("ok.sh", "#!/bin/sh\n"
                          "echo 'diagnostics go to stderr' >&2\n"
                          "cat <<EOF\n"
                          "{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\",\n"
                          " \"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"proctoken\",\n"
                          " \"Expiration\": \"2099-01-01T00:00:00+00:00\"}\n"
                          "EOF\n");
    write_script("fail.sh", "#!/bin/sh\necho '{\"AccessKeyId\":\"LEAKED-SECRET\"}'\nexit 3\n");
    write_script("v2.sh", "#!/bin/sh\necho '{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"B\"}'\n");
    write_script("junk.sh", "#!/bin/sh\necho not json at all\n");
    char cfg[8192];
    snprintf(cfg, sizeof cfg,
             "[default]\ncredential_process = %s --flag 'quoted arg'\n"
             "[profile fail]\ncredential_process = %s\n"
             "[profile slow]\ncredential_process = sleep 30; echo never\n"
             "[profile v2]\ncredential_process = %s\n"
             "[profile junk]\ncredential_process = %s\n"
             "[profile big]\ncredential_process = head -c 200000 /dev/zero | tr '\\\\0' x\n",
             tpath("ok.sh"), tpath("fail.sh"), tpath("v2.sh"), tpath("junk.sh"));
    write_text("config", cfg);

    ms_aws_creds_chain *c = chain();
    got g = get(c);
    expect_ok(&g, "AKIDPROC", "process");
    assert_string_equal(g.token, "proctoken");
    assert_int_equal(g.expires_at, 4070908800LL);
    close_chain(c);

    setenv("AWS_PROFILE", "fail", 1);
    c = chain();
    g = get(c);
    expect_error(&g, "exited with status 3");
    assert_null(strstr(g.error, "LEAKED"));
    close_chain(c);

    setenv("AWS_PROFILE", "slow", 1);
    ms_aws_creds_opts o = {.timeout_ms = 300};
    c = chain_opts(&o);
    uint64_t t0 = uv_hrtime();
    g = get(c);
    expect_error(&g, "timed out after 300 ms");
    assert_true(uv_hrtime() - t0 < 5000000000ULL);   /* the sleep was killed */
    close_chain(c);

    setenv("AWS_PROFILE", "v2", 1);
    c = chain();
    g = get(c);
    expect_error(&g, "Version must be 1");
    close_chain(c);

    setenv("AWS_PROFILE", "junk", 1);
    c = chain();
    g = get(c);
    expect_error(&g, "not a JSON object");
    close_chain(c);

    setenv("AWS_PROFILE", "big", 1);
    c = chain();
    g = get(c);
    expect_error(&g, "exceeds 64 KiB");
    close_chain(c);
}

static void test_web_identity(void **state)
{
    (void)state;
    write_text("token", "jwt.token-from-file\n");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tpath("token"), 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/medstream", 1);
    setenv("AWS_ROLE_SESSION_NAME", "sess-1", 1);
    ms_aws_creds_opts o = {.sts_endpoint = base, .timeout_ms = 3000};
    ms_aws_creds_chain *c = chain_opts(&o);
    got g = get(c);
    expect_ok(&g, "ASIASTS1", "web-identity");
    assert_string_equal(g.sk, "secret-1");
    assert_string_equal(g.token, "token-1&x");   /* entity decoded */
    assert_true(g.expires_at > time(NULL) + 3000);
    assert_string_equal(stat_str("sts", "WebIdentityToken"), "jwt.token-from-file");
    assert_string_equal(stat_str("sts", "RoleArn"), "arn:aws:iam::123456789012:role/medstream");
    assert_string_equal(stat_str("sts", "RoleSessionName"), "sess-1");
    assert_non_null(strstr(stat_str("sts_content_type", NULL), "application/x-www-form-urlencoded"));

    /* the token file is read on every fetch; STS errors are explained */
    write_text("token", "rotated-token");
    peer_config("{\"sts_error\": \"InvalidIdentityToken\"}");
    ms_aws_creds_chain *c2 = chain_opts(&o);
    g = get(c2);
    expect_error(&g, "HTTP 400 InvalidIdentityToken: Token rejected & not valid");
    assert_null(strstr(g.error, "rotated-token"));
    assert_string_equal(stat_str("sts", "WebIdentityToken"), "rotated-token");
    close_chain(c2);
    close_chain(c);

    /* a missing token file */
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tpath("no-such-token"), 1);
    c = chain_opts(&o);
    g = get(c);
    expect_error(&g, "cannot read");
    close_chain(c);

    /* the profile's settings, STS found through AWS_ENDPOINT_URL_STS */
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");
    unsetenv("AWS_ROLE_SESSION_NAME");
    peer_config("{\"sts_error\": null}");
    setenv("AWS_ENDPOINT_URL_STS", base, 1);
    char cfg[4096];
    snprintf(cfg, sizeof cfg, "[default]\nregion = eu-west-1\nweb_identity_token_file = %s\n"
             "role_arn = arn:aws:iam::1:role/fromprofile\n", tpath("token"));
    write_text("config", cfg);
    c = chain();
    g = get(c);
    expect_ok(&g, "ASIASTS2", "web-identity");
    assert_string_equal(stat_str("sts", "RoleArn"), "arn:aws:iam::1:role/fromprofile");
    assert_string_equal(stat_str("sts", "WebIdentityToken"), "rotated-token");
    assert_true(strncmp(stat_str("sts", "RoleSessionName"), "medstream-", 10) == 0);
    close_chain(c);

    /* a token file without a role */
    write_text("config", "");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tpath("token"), 1);
    assert_non_null(strstr(chain_err(), "AWS_ROLE_ARN"));
}

static void test_ecs(void **state)
{
    (void)state;
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/ecs/v2/credentials/abc", 1);
    ms_aws_creds_chain *c = chain();
    assert_null(ms_aws_creds_current(c));
    /* two callers, one fetch */
    got g1 = {0}, g2 = {0};
    ms_aws_creds_get(c, on_creds, &g1);
    ms_aws_creds_get(c, on_creds, &g2);
    run_until(&g2.done, 10000);
    run_until(&g1.done, 1000);
    expect_ok(&g1, "ASIAECS1", "ecs");
    expect_ok(&g2, "ASIAECS1", "ecs");
    assert_int_equal(g1.calls, 1);
    assert_int_equal(stat_int("ecs_requests"), 1);
    assert_string_equal(stat_str("ecs_auth", NULL), "");
    /* now cached: served on the next turn without a request */
    got g3 = get(c);
    expect_ok(&g3, "ASIAECS1", "ecs");
    assert_int_equal(stat_int("ecs_requests"), 1);
    assert_non_null(ms_aws_creds_current(c));
    close_chain(c);

    /* full URI with a token */
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    char url[256];
    snprintf(url, sizeof url, "%s/ecs/full", base);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc123", 1);
    peer_config("{\"ecs_auth\": \"Basic abc123\"}");
    c = chain();
    got g = get(c);
    expect_ok(&g, "ASIAECS2", "ecs");
    assert_string_equal(stat_str("ecs_auth", NULL), "Basic abc123");
    close_chain(c);

    /* the token file wins and is read on each fetch; a wrong token fails */
    write_text("ecs-token", "file-token-1\n");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tpath("ecs-token"), 1);
    peer_config("{\"ecs_auth\": \"file-token-1\"}");
    c = chain();
    g = get(c);
    expect_ok(&g, "ASIAECS3", "ecs");
    close_chain(c);
    write_text("ecs-token", "file-token-2");
    c = chain();
    g = get(c);
    expect_error(&g, "HTTP 401");
    expect_error(&g, "AccessDenied");
    assert_null(strstr(g.error, "file-token"));
    assert_string_equal(stat_str("ecs_auth", NULL), "file-token-2");
    close_chain(c);

    /* the full URI's host allow-list */
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.1.2.3/creds", 1);
    assert_non_null(strstr(chain_err(), "AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    const char *allowed[] = {"http://169.254.170.2/x", "http://169.254.170.23/v1/credentials",
                             "http://[fd00:ec2::23]/x", "http://localhost:51679/x",
                             "http://127.0.0.2/x", "https://creds.example.com/x"};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed[i], 1);
        ms_aws_creds_opts o = {0};
        c = chain_opts(&o);
        close_chain(c);
    }
}

static void imds_env(void)
{
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", base, 1);
}

static void test_imds(void **state)
{
    (void)state;
    imds_env();
    ms_aws_creds_chain *c = chain();
    got g = get(c);
    expect_ok(&g, "ASIAIMDS1", "imds");
    assert_int_equal(stat_int("imds_token_puts"), 1);
    assert_string_equal(stat_str("imds_ttl_header", NULL), "21600");
    assert_int_equal(stat_int("imds_v1_requests"), 0);
    assert_true(strncmp(stat_str("imds_token_header", NULL), "imdstoken-", 10) == 0);
    close_chain(c);

    /* token PUT refused: IMDSv1 */
    peer_config("{\"imds_put\": \"403\"}");
    c = chain();
    g = get(c);
    expect_ok(&g, "ASIAIMDS2", "imds");
    assert_int_equal(stat_int("imds_v1_requests"), 2);
    close_chain(c);
    peer_config("{\"imds_put\": \"405\"}");
    c = chain();
    g = get(c);
    expect_ok(&g, "ASIAIMDS3", "imds");
    close_chain(c);

    /* ... unless IMDSv1 is disabled */
    setenv("AWS_EC2_METADATA_V1_DISABLED", "true", 1);
    c = chain();
    g = get(c);
    expect_error(&g, "IMDSv1 is disabled");
    close_chain(c);
    unsetenv("AWS_EC2_METADATA_V1_DISABLED");

    /* token PUT hangs: a timeout, and no fallback */
    json_decref(ctl("/_ctl/reset", ""));
    peer_config("{\"imds_put\": \"hang\", \"hang_s\": 2}");
    ms_aws_creds_opts o = {.timeout_ms = 300};
    c = chain_opts(&o);
    g = get(c);
    expect_error(&g, "imds");
    expect_error(&g, "timeout");
    assert_int_equal(stat_int("imds_v1_requests"), 0);
    assert_int_equal(stat_int("fetches"), 0);
    close_chain(c);

    /* disabled, nothing else configured */
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    assert_non_null(strstr(chain_err(), "IMDS disabled"));
}

static void test_chain_order(void **state)
{
    (void)state;
    imds_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
    write_text("credentials", "[default]\naws_access_key_id = AKIDPROFILE\n"
                              "aws_secret_access_key = s\n");
    write_text("token", "tok");
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/ecs/x", 1);
    ms_aws_creds_opts o = {.ecs_host = base, .sts_endpoint = base, .timeout_ms = 3000};

    ms_aws_creds_chain *c = chain_opts(&o);
    got g = get(c);
    expect_ok(&g, "AKIDENV", "env");
    close_chain(c);

    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tpath("token"), 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/x", 1);
    c = chain_opts(&o);
    g = get(c);
    expect_ok(&g, "ASIASTS1", "web-identity");
    close_chain(c);

    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");
    c = chain_opts(&o);
    g = get(c);
    expect_ok(&g, "AKIDPROFILE", "profile");
    close_chain(c);

    write_text("credentials", "");
    c = chain_opts(&o);
    g = get(c);
    expect_ok(&g, "ASIAECS2", "ecs");
    close_chain(c);

    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    c = chain_opts(&o);
    g = get(c);
    expect_ok(&g, "ASIAIMDS3", "imds");
    close_chain(c);
}

/* ---- refresh ---- */

typedef struct watch {
    ms_aws_creds_chain *c;
    int nulls, samples, distinct;
    char last[128];
} watch;

static void on_sample(uv_timer_t *t)
{
    watch *w = t->data;
    const ms_aws_creds *cur = ms_aws_creds_current(w->c);
    w->samples++;
    if (!cur) {
        w->nulls++;
        return;
    }
    if (strcmp(cur->access_key_id, w->last) != 0) {
        w->distinct++;
        snprintf(w->last, sizeof w->last, "%s", cur->access_key_id);
    }
}

static void watch_for(watch *w, uint64_t ms)
{
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    t.data = w;
    uv_timer_start(&t, on_sample, 20, 20);
    run_for(ms);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
}

static void test_refresh(void **state)
{
    (void)state;
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/ecs/r", 1);
    /* credentials live refresh_before_s + 2 s: refreshed every ~2 s */
    peer_config("{\"expire_in\": 5}");
    ms_aws_creds_opts o = {.ecs_host = base, .timeout_ms = 2000, .refresh_before_s = 3};
    ms_aws_creds_chain *c = chain_opts(&o);
    got g = get(c);
    expect_ok(&g, "ASIAECS1", "ecs");
    watch w = {.c = c};
    watch_for(&w, 5500);
    assert_true(w.samples > 100);
    assert_int_equal(w.nulls, 0);
    assert_true(w.distinct >= 2);
    assert_string_not_equal(w.last, "ASIAECS1");
    assert_true(stat_int("fetches") >= 2);
    close_chain(c);
}

static void test_refresh_failure_keeps_old(void **state)
{
    (void)state;
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/ecs/r", 1);
    /* Valid for 12 s minus the 5 s safety margin; refreshed from ~2 s on,
     * failing, retried after 1 s and 2 s. */
    peer_config("{\"expire_in\": 12, \"fail_after\": 1}");
    ms_aws_creds_opts o = {.ecs_host = base, .timeout_ms = 2000, .refresh_before_s = 10};
    ms_aws_creds_chain *c = chain_opts(&o);
    got g = get(c);
    expect_ok(&g, "ASIAECS1", "ecs");
    watch w = {.c = c};
    watch_for(&w, 4500);
    assert_int_equal(w.nulls, 0);
    assert_int_equal(w.distinct, 1);
    assert_string_equal(w.last, "ASIAECS1");
    assert_true(stat_int("failed") >= 2);
    /* once they expire, callers get the provider's error */
    run_for(2700);
    assert_null(ms_aws_creds_current(c));
    g = get(c);
    expect_error(&g, "HTTP 500");
    expect_error(&g, "ecs");
    /* A caller right after a failure does not start a fetch of its own: it
     * waits for the retry (>= 1 s after the failure), one request for all. */
    int failed = stat_int("failed");
    uint64_t t0 = uv_hrtime();
    got many[5] = {{0}};
    for (int i = 0; i < 5; i++)
        ms_aws_creds_get(c, on_creds, &many[i]);
    run_until(&many[4].done, 15000);
    for (int i = 0; i < 5; i++) {
        assert_true(many[i].done);
        expect_error(&many[i], "HTTP 500");
    }
    assert_int_equal(stat_int("failed"), failed + 1);
    assert_true(uv_hrtime() - t0 >= 900000000ULL);
    /* the endpoint answers again: the next retry brings credentials */
    peer_config("{\"fail_after\": -1}");
    g = get(c);
    expect_ok(&g, "ASIAECS2", "ecs");
    assert_non_null(ms_aws_creds_current(c));
    close_chain(c);
}

/* Closing with fetches in flight: callbacks run with an error, and the
 * late HTTP callback / child exit must not touch freed memory (ASan). */
static void test_close_inflight(void **state)
{
    (void)state;
    imds_env();
    peer_config("{\"imds_put\": \"hang\", \"hang_s\": 2}");
    ms_aws_creds_opts o = {.timeout_ms = 30000}; /* only the close ends it */
    ms_aws_creds_chain *c = chain_opts(&o);
    got g = {0};
    ms_aws_creds_get(c, on_creds, &g);
    run_for(100);
    assert_false(g.done);
    ms_aws_creds_chain_close(c);
    assert_true(g.done);
    expect_error(&g, "closed");
    run_for(2100);   /* the hanging response arrives after the close */

    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    write_text("config", "[default]\ncredential_process = sleep 300\n");
    /* a process timeout far beyond the test, so that only the close can
     * end the fetch (a 3 s timeout fired first under TSan on a loaded
     * machine, before run_for(100) returned) */
    ms_aws_creds_opts o2 = {.ecs_host = base, .timeout_ms = 120000};
    c = chain_opts(&o2);
    got g2 = {0};
    ms_aws_creds_get(c, on_creds, &g2);
    run_for(100);
    assert_false(g2.done);
    uint64_t t0 = uv_hrtime();
    ms_aws_creds_chain_close(c);
    expect_error(&g2, "closed");
    run_for(300);    /* the killed child is reaped */
    /* the close did not wait for the child (which would take 300 s) */
    assert_true(uv_hrtime() - t0 < 60000000000ULL);
    assert_int_equal(g2.calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_env, setup, NULL),
        cmocka_unit_test_setup_teardown(test_profile_static, setup, NULL),
        cmocka_unit_test_setup_teardown(test_process, setup, NULL),
        cmocka_unit_test_setup_teardown(test_web_identity, setup, NULL),
        cmocka_unit_test_setup_teardown(test_ecs, setup, NULL),
        cmocka_unit_test_setup_teardown(test_imds, setup, NULL),
        cmocka_unit_test_setup_teardown(test_chain_order, setup, NULL),
        cmocka_unit_test_setup_teardown(test_refresh, setup, NULL),
        cmocka_unit_test_setup_teardown(test_refresh_failure_keeps_old, setup, NULL),
        cmocka_unit_test_setup_teardown(test_close_inflight, setup, NULL),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
