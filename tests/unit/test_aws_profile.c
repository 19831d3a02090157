/* test_aws_profile.c -- the shared config/credentials files (profile
 * selection, credentials-file precedence, comments, nested services blocks,
 * malformed lines reported as FILE:LINE), region resolution order and
 * endpoint resolution order (explicit, AWS_ENDPOINT_URL_<S>,
 * AWS_ENDPOINT_URL, services section, profile endpoint_url, default; the
 * ignore switch; FIPS; China regions; cloudwatch -> monitoring). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/base/endpoint.h"
#include "aws/base/profile.h"
#include "testutil.h"

extern char **environ;

static char *tmpdir;
static char err[1024];
static char cfg_path[4096], crd_path[4096];

/* Unset every AWS_* variable so the machine's environment cannot leak in. */
static void clear_aws_env(void)
{
    for (;;) {
        char name[256] = "";
        for (char **e = environ; *e; e++) {
            if (strncmp(*e, "AWS_", 4) == 0) {
                size_t n = strcspn(*e, "=");
                if (n < sizeof name) {
                    memcpy(name, *e, n);
                    name[n] = 0;
                    break;
                }
            }
        }
        if (!name[0])
            return;
        unsetenv(name);
    }
}

static int setup(void **state)
{
    (void)state;
    clear_aws_env();
    tmpdir = ms_test_tmpdir("awsprof");
    assert_non_null(tmpdir);
    setenv("HOME", tmpdir, 1);
    snprintf(cfg_path, sizeof cfg_path, "%s/config", tmpdir);
    snprintf(crd_path, sizeof crd_path, "%s/credentials", tmpdir);
    setenv("AWS_CONFIG_FILE", cfg_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", crd_path, 1);
    err[0] = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    clear_aws_env();
    ms_test_rm_rf(tmpdir);
    free(tmpdir);
    return 0;
}

static void write_cfg(const char *text)
{
    assert_int_equal(ms_test_write_file(cfg_path, text, strlen(text)), 0);
}

static void write_crd(const char *text)
{
    assert_int_equal(ms_test_write_file(crd_path, text, strlen(text)), 0);
}

static ms_aws_profile *load(const char *name)
{
    ms_aws_profile *p = ms_aws_profile_load(name, err, sizeof err);
    if (!p)
        fail_msg("profile load failed: %s", err);
    return p;
}

static void test_missing_files(void **state)
{
    (void)state;
    ms_aws_profile *p = load(NULL);
    assert_string_equal(ms_aws_profile_name(p), "default");
    assert_false(ms_aws_profile_exists(p));
    assert_null(ms_aws_profile_get(p, "region"));
    assert_null(ms_aws_profile_service_get(p, "s3", "endpoint_url"));
    ms_aws_profile_free(p);
}

static void test_selection_and_precedence(void **state)
{
    (void)state;
    write_cfg("# leading comment\n"
              "; another\n"
              "[default]\n"
              "region = us-east-1\n"
              "aws_access_key_id = CFGDEFAULT\n"
              "\n"
              "[profile dev]\n"
              "region = eu-west-1   # inline comment\n"
              "output=json;not a comment\n"
              "aws_access_key_id = CFGDEV\n"
              "credential_process = /bin/echo a#b ; trailing\n"
              "[profile   spaced  ]\n"
              "region = ap-south-1\n"
              "[dev]\n"
              "region = ignored-bare-section-in-config\n");
    write_crd("[default]\n"
              "aws_access_key_id = CRDDEFAULT\n"
              "aws_secret_access_key = s1\n"
              "[dev]\n"
              "aws_access_key_id = CRDDEV\n"
              "[profile dev]\n"
              "aws_access_key_id = WRONG\n");

    ms_aws_profile *p = load(NULL);
    assert_true(ms_aws_profile_exists(p));
    assert_string_equal(ms_aws_profile_get(p, "region"), "us-east-1");
    /* credentials file wins */
    assert_string_equal(ms_aws_profile_get(p, "aws_access_key_id"), "CRDDEFAULT");
    assert_string_equal(ms_aws_profile_get(p, "AWS_SECRET_ACCESS_KEY"), "s1");
    ms_aws_profile_free(p);

    setenv("AWS_PROFILE", "dev", 1);
    p = load(NULL);
    assert_string_equal(ms_aws_profile_name(p), "dev");
    assert_string_equal(ms_aws_profile_get(p, "region"), "eu-west-1");
    assert_string_equal(ms_aws_profile_get(p, "output"), "json;not a comment");
    assert_string_equal(ms_aws_profile_get(p, "aws_access_key_id"), "CRDDEV");
    assert_string_equal(ms_aws_profile_get(p, "credential_process"), "/bin/echo a#b");
    assert_non_null(strstr(ms_aws_profile_origin(p), "[profile dev]"));
    ms_aws_profile_free(p);

    /* an explicit name beats AWS_PROFILE */
    p = load("spaced");
    assert_true(ms_aws_profile_exists(p));
    assert_string_equal(ms_aws_profile_get(p, "region"), "ap-south-1");
    ms_aws_profile_free(p);

    p = load("nosuch");
    assert_false(ms_aws_profile_exists(p));
    assert_null(ms_aws_profile_get(p, "region"));
    ms_aws_profile_free(p);
}

static void test_nested_services(void **state)
{
    (void)state;
    write_cfg("[profile local]\n"
              "services = local-svc\n"
              "endpoint_url = http://profile.example:1234/\n"
              "s3 =\n"
              "  addressing_style = path\n"
              "  # comment inside a block\n"
              "region = us-west-2\n"
              "[services local-svc]\n"
              "comprehendmedical =\n"
              "  endpoint_url = http://127.0.0.1:4566\n"
              "\tregion = us-east-2\n"
              "s3 =\n"
              "  endpoint_url = http://127.0.0.1:9000\n"
              "[services other]\n"
              "kinesis =\n"
              "  endpoint_url = http://other:1\n");
    ms_aws_profile *p = load("local");
    assert_string_equal(ms_aws_profile_get(p, "s3.addressing_style"), "path");
    assert_string_equal(ms_aws_profile_get(p, "region"), "us-west-2");
    assert_string_equal(ms_aws_profile_service_get(p, "comprehendmedical", "endpoint_url"),
                        "http://127.0.0.1:4566");
    assert_string_equal(ms_aws_profile_service_get(p, "comprehendmedical", "region"),
                        "us-east-2");
    assert_string_equal(ms_aws_profile_service_get(p, "s3", "endpoint_url"),
                        "http://127.0.0.1:9000");
    assert_null(ms_aws_profile_service_get(p, "kinesis", "endpoint_url"));
    ms_aws_profile_free(p);
}

static void expect_error(const char *text, int line, const char *what)
{
    write_cfg(text);
    ms_aws_profile *p = ms_aws_profile_load(NULL, err, sizeof err);
    if (p)
        fail_msg("expected an error for %s", what);
    char want[4200];
    snprintf(want, sizeof want, "%s:%d: ", cfg_path, line);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error '%s' does not start with '%s'", err, want);
    if (!strstr(err, what))
        fail_msg("error '%s' does not mention '%s'", err, what);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error("[default]\nregion = x\nthis line is bad\n", 3, "key = value");
    expect_error("region = x\n[default]\n", 1, "outside a section");
    expect_error("[default]\n[profile x\n", 2, "without ']'");
    expect_error("# c\n[]\n", 2, "empty section name");
    expect_error("[default]\n= value\n", 2, "empty key");
    expect_error("[default]\n  indented = x\n", 2, "without a parent");
    expect_error("[default]\ns3 =\n  no equals here\n", 3, "key = value");
    /* the credentials file is checked too */
    write_cfg("");
    write_crd("[default]\nkey\n");
    assert_null(ms_aws_profile_load(NULL, err, sizeof err));
    assert_non_null(strstr(err, "credentials:2:"));
}

static void test_region_order(void **state)
{
    (void)state;
    char out[64];
    const char *origin;
    write_cfg("[default]\nregion = eu-central-1\n[profile none]\noutput = json\n");
    ms_aws_profile *p = load(NULL);

    assert_int_equal(ms_aws_region_resolve(NULL, p, out, sizeof out, &origin, err, sizeof err), 0);
    assert_string_equal(out, "eu-central-1");
    assert_string_equal(origin, "profile default");

    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    assert_int_equal(ms_aws_region_resolve(NULL, p, out, sizeof out, &origin, err, sizeof err), 0);
    assert_string_equal(out, "us-west-1");
    assert_string_equal(origin, "AWS_DEFAULT_REGION");

    setenv("AWS_REGION", "us-east-2", 1);
    assert_int_equal(ms_aws_region_resolve(NULL, p, out, sizeof out, &origin, err, sizeof err), 0);
    assert_string_equal(out, "us-east-2");
    assert_string_equal(origin, "AWS_REGION");

    assert_int_equal(ms_aws_region_resolve("ca-central-1", p, out, sizeof out, &origin, err, sizeof err), 0);
    assert_string_equal(out, "ca-central-1");
    assert_string_equal(origin, "config");

    assert_int_equal(ms_aws_region_resolve("bad/region", p, out, sizeof out, &origin, err, sizeof err), -1);
    assert_non_null(strstr(err, "invalid AWS region"));

    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    ms_aws_profile_free(p);
    p = load("none");
    assert_int_equal(ms_aws_region_resolve(NULL, p, out, sizeof out, &origin, err, sizeof err), -1);
    assert_non_null(strstr(err, "AWS_REGION"));
    assert_int_equal(ms_aws_region_resolve(NULL, NULL, out, sizeof out, NULL, err, sizeof err), -1);
    ms_aws_profile_free(p);
}

static const char *ep(const char *svc_id, const char *region, bool fips,
                      const char *explicit_url, const ms_aws_profile *p,
                      const char **origin)
{
    static char out[512];
    const ms_aws_service *svc = ms_aws_service_find(svc_id);
    assert_non_null(svc);
    if (ms_aws_endpoint_resolve(svc, region, fips, explicit_url, p, out,
                                sizeof out, origin, err, sizeof err))
        fail_msg("endpoint resolve failed: %s", err);
    return out;
}

static void test_endpoint_order(void **state)
{
    (void)state;
    const char *origin;
    write_cfg("[default]\n"
              "services = svc\n"
              "endpoint_url = http://profile-wide:1000\n"
              "[services svc]\n"
              "comprehendmedical =\n"
              "  endpoint_url = http://services-section:2000/\n");
    ms_aws_profile *p = load(NULL);
    setenv("AWS_ENDPOINT_URL", "http://env-global:3000", 1);
    setenv("AWS_ENDPOINT_URL_COMPREHENDMEDICAL", "https://env-service:4000/base/", 1);

    /* 1. explicit per-component URL */
    assert_string_equal(ep("comprehendmedical", "us-east-1", false, "http://explicit:1/", p, &origin),
                        "http://explicit:1");
    assert_string_equal(origin, "config");
    /* 2. AWS_ENDPOINT_URL_<SERVICE> */
    assert_string_equal(ep("comprehendmedical", "us-east-1", false, NULL, p, &origin),
                        "https://env-service:4000/base");
    assert_string_equal(origin, "AWS_ENDPOINT_URL_COMPREHENDMEDICAL");
    /* 3. AWS_ENDPOINT_URL */
    unsetenv("AWS_ENDPOINT_URL_COMPREHENDMEDICAL");
    assert_string_equal(ep("comprehendmedical", "us-east-1", false, NULL, p, &origin),
                        "http://env-global:3000");
    assert_string_equal(origin, "AWS_ENDPOINT_URL");
    /* 4. the services section */
    unsetenv("AWS_ENDPOINT_URL");
    assert_string_equal(ep("comprehendmedical", "us-east-1", false, NULL, p, &origin),
                        "http://services-section:2000");
    assert_string_equal(origin, "profile services section");
    /* 5. the profile's endpoint_url (no services entry for s3) */
    assert_string_equal(ep("s3", "us-east-1", false, NULL, p, &origin),
                        "http://profile-wide:1000");
    assert_string_equal(origin, "profile endpoint_url");
    /* the ignore switch skips env and files, not the explicit URL */
    setenv("AWS_ENDPOINT_URL", "http://env-global:3000", 1);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    assert_string_equal(ep("comprehendmedical", "us-east-1", false, NULL, p, &origin),
                        "https://comprehendmedical.us-east-1.amazonaws.com");
    assert_string_equal(origin, "default");
    assert_string_equal(ep("comprehendmedical", "us-east-1", false, "http://explicit:1", p, &origin),
                        "http://explicit:1");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    unsetenv("AWS_ENDPOINT_URL");
    ms_aws_profile_free(p);

    /* the profile's ignore_configured_endpoint_urls, overridden by env */
    write_cfg("[default]\nendpoint_url = http://profile-wide:1000\n"
              "ignore_configured_endpoint_urls = true\n");
    p = load(NULL);
    assert_string_equal(ep("sts", "eu-west-1", false, NULL, p, &origin),
                        "https://sts.eu-west-1.amazonaws.com");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
    assert_string_equal(ep("sts", "eu-west-1", false, NULL, p, &origin),
                        "http://profile-wide:1000");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    ms_aws_profile_free(p);

    /* 6. defaults: FIPS, China, cloudwatch -> monitoring, no profile */
    assert_string_equal(ep("comprehendmedical", "us-east-1", true, NULL, NULL, &origin),
                        "https://comprehendmedical-fips.us-east-1.amazonaws.com");
    assert_string_equal(ep("s3", "cn-north-1", false, NULL, NULL, &origin),
                        "https://s3.cn-north-1.amazonaws.com.cn");
    assert_string_equal(ep("cloudwatch", "eu-west-1", false, NULL, NULL, &origin),
                        "https://monitoring.eu-west-1.amazonaws.com");
    assert_string_equal(ep("kafka", "eu-west-1", false, NULL, NULL, &origin),
                        "https://kafka.eu-west-1.amazonaws.com");
    assert_string_equal(ms_aws_service_find("cloudwatch")->signing_name, "monitoring");
    assert_string_equal(ms_aws_service_find("kafka")->signing_name, "kafka-cluster");
    assert_null(ms_aws_service_find("nosuch"));
    setenv("AWS_ENDPOINT_URL_CLOUDWATCH", "http://[::1]:4566", 1);
    assert_string_equal(ep("cloudwatch", "eu-west-1", false, NULL, NULL, &origin),
                        "http://[::1]:4566");
    unsetenv("AWS_ENDPOINT_URL_CLOUDWATCH");
}

static void bad_url(const char *url, const char *what)
{
    char out[256];
    const ms_aws_service *svc = ms_aws_service_find("s3");
    setenv("AWS_ENDPOINT_URL_S3", url, 1);
    if (ms_aws_endpoint_resolve(svc, "us-east-1", false, NULL, NULL, out,
                                sizeof out, NULL, err, sizeof err) != -1)
        fail_msg("'%s' accepted", url);
    if (!strstr(err, "AWS_ENDPOINT_URL_S3") || !strstr(err, what))
        fail_msg("error for '%s' is '%s', want '%s'", url, err, what);
    unsetenv("AWS_ENDPOINT_URL_S3");
}

static void test_invalid_urls(void **state)
{
    (void)state;
    bad_url("ftp://x", "http://");
    bad_url("127.0.0.1:4566", "http://");
    bad_url("http://", "no host");
    bad_url("http://:80", "no host");
    bad_url("http://host:0", "invalid port");
    bad_url("http://host:99999", "invalid port");
    bad_url("http://host:80x", "invalid port");
    bad_url("http://ho st", "whitespace");
    bad_url("http://host/?a=b", "query");
    bad_url("http://user@host", "user information");
    bad_url("http://[::1", "IPv6");
    /* the region lands in a host name */
    char out[256];
    assert_int_equal(ms_aws_endpoint_resolve(ms_aws_service_find("s3"), "us-east-1.evil.com/x",
                                             false, NULL, NULL, out, sizeof out, NULL,
                                             err, sizeof err), -1);
    assert_int_equal(ms_aws_endpoint_resolve(ms_aws_service_find("s3"), NULL,
                                             false, NULL, NULL, out, sizeof out, NULL,
                                             err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selection_and_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_services, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endpoint_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_urls, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
