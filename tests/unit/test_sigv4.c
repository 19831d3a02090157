/* test_sigv4.c -- AWS Signature Version 4.
 *
 * Inline cases first (they need nothing from ../shared): AWS's published
 * examples (the suite's get-vanilla, S3's presigned URL and GET-with-Range
 * examples), the signing-key cache against an independent derivation and
 * under threads, path/query/header canonicalisation rules, the date and
 * encoding helpers, and parameter errors.
 *
 * Then all 38 cases of AWS's SigV4 test suite ($MS_SHARED/aws/
 * sigv4-test-suite/v4), header signing and query presigning: canonical
 * request, string to sign, signature and the signed request rebuilt from our
 * output must match the suite's files byte for byte. Without ../shared that
 * part is skipped (exit 77 once the inline cases have passed). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aws/sigv4.h"
#include "testutil.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define S3_AKID "AKIAIOSFODNN7EXAMPLE"
#define S3_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static time_t t_suite(void)
{
    time_t t;
    assert_int_equal(ms_sigv4_parse_date("20150830T123600Z", &t), 0);
    return t;
}

static ms_sigv4_params suite_params(void)
{
    return (ms_sigv4_params){.region = "us-east-1", .service = "service",
                             .access_key = AKID, .secret_key = SECRET,
                             .when = t_suite()};
}

/* Canonical request of a one-header GET, for the rule tests. */
static char *canon_of(const ms_sigv4_params *p, const char *path,
                      const char *query)
{
    ms_sigv4_header h[] = {{"Host", "example.amazonaws.com"}};
    ms_sigv4_request r = {.method = "GET", .path = path, .query = query,
                          .headers = h, .nheaders = 1};
    ms_sigv4_out o;
    char err[128];
    assert_int_equal(ms_sigv4_sign(p, &r, &o, err, sizeof err), 0);
    char *cr = strdup(o.canonical_request);
    ms_sigv4_out_free(&o);
    return cr;
}

/* Line n (0-based) of s, in a static buffer. */
static const char *line_of(const char *s, int n)
{
    static char buf[1024];
    for (; n > 0 && s; n--) {
        s = strchr(s, '\n');
        if (s)
            s++;
    }
    assert_non_null(s);
    size_t len = strcspn(s, "\n");
    assert_true(len < sizeof buf);
    memcpy(buf, s, len);
    buf[len] = '\0';
    return buf;
}

/* ---- AWS's published examples ---- */

static void test_get_vanilla(void **state)
{
    (void)state;
    ms_sigv4_params p = suite_params();
    ms_sigv4_header h[] = {{"Host", "example.amazonaws.com"}};
    ms_sigv4_request r = {.method = "GET", .path = "/", .headers = h,
                          .nheaders = 1};
    ms_sigv4_out o;
    char err[128];
    assert_int_equal(ms_sigv4_sign(&p, &r, &o, err, sizeof err), 0);
    assert_string_equal(o.amz_date, "20150830T123600Z");
    assert_string_equal(o.signed_headers, "host;x-amz-date");
    assert_string_equal(o.authorization,
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature="
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_null(o.query);
    ms_sigv4_out_free(&o);

    assert_int_equal(ms_sigv4_presign(&p, &r, &o, err, sizeof err), 0);
    assert_null(o.authorization);
    assert_string_equal(o.query,
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F"
        "20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
        "20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&"
        "X-Amz-Signature="
        "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d");
    ms_sigv4_out_free(&o);
}

/* S3 developer guide: presigned GET of /test.txt (UNSIGNED-PAYLOAD), and the
 * header-signed GET with a Range header. */
static void test_s3_examples(void **state)
{
    (void)state;
    ms_sigv4_params p = {.region = "us-east-1", .service = "s3",
                         .access_key = S3_AKID, .secret_key = S3_SECRET,
                         .s3_path = true, .expires = 86400};
    assert_int_equal(ms_sigv4_parse_date("20130524T000000Z", &p.when), 0);
    ms_sigv4_header h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
                           {"Range", "bytes=0-9"}};
    ms_sigv4_request r = {.method = "GET", .path = "/test.txt", .headers = h,
                          .nheaders = 1};
    ms_sigv4_out o;
    char err[128];
    assert_int_equal(ms_sigv4_presign(&p, &r, &o, err, sizeof err), 0);
    assert_string_equal(o.payload_hash, MS_SIGV4_UNSIGNED_PAYLOAD);
    assert_string_equal(o.signature,
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    assert_string_equal(line_of(o.canonical_request, 5), "host");
    assert_string_equal(line_of(o.canonical_request, 6), "UNSIGNED-PAYLOAD");
    ms_sigv4_out_free(&o);

    p.content_sha256_header = true;
    r.nheaders = 2;
    assert_int_equal(ms_sigv4_sign(&p, &r, &o, err, sizeof err), 0);
    assert_string_equal(o.signed_headers,
                        "host;range;x-amz-content-sha256;x-amz-date");
    assert_string_equal(o.signature,
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    ms_sigv4_out_free(&o);

    /* An explicit UNSIGNED-PAYLOAD in header mode signs that string. */
    r.payload_hash = MS_SIGV4_UNSIGNED_PAYLOAD;
    assert_int_equal(ms_sigv4_sign(&p, &r, &o, err, sizeof err), 0);
    assert_non_null(strstr(o.canonical_request,
                           "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"));
    assert_string_equal(line_of(o.canonical_request, 9), "UNSIGNED-PAYLOAD");
    ms_sigv4_out_free(&o);
}

/* ---- signing-key cache ---- */

static void ref_key(const char *secret, const char *date8, const char *region,
                    const char *service, unsigned char out[32])
{
    char k0[256];
    unsigned char a[32], b[32];
    unsigned int n = 32;
    snprintf(k0, sizeof k0, "AWS4%s", secret);
    HMAC(EVP_sha256(), k0, (int)strlen(k0), (const unsigned char *)date8,
         strlen(date8), a, &n);
    HMAC(EVP_sha256(), a, 32, (const unsigned char *)region, strlen(region), b, &n);
    HMAC(EVP_sha256(), b, 32, (const unsigned char *)service, strlen(service), a, &n);
    HMAC(EVP_sha256(), a, 32, (const unsigned char *)"aws4_request", 12, out, &n);
}

#define NCOMBO 48 /* three times the cache's slots: hits, misses, evictions */

static void combo(int i, char date8[9], const char **region,
                  const char **service, const char **secret)
{
    static const char *regions[] = {"us-east-1", "eu-west-1", "ap-south-2"};
    static const char *services[] = {"s3", "kinesis", "comprehendmedical",
                                     "monitoring"};
    static const char *secrets[] = {SECRET, S3_SECRET};
    char d[32];
    snprintf(d, sizeof d, "2024%02d%02d", 1 + i % 12, 1 + i % 28);
    memcpy(date8, d, 9);
    *region = regions[i % 3];
    *service = services[(i / 3) % 4];
    *secret = secrets[(i / 12) % 2];
}

static void test_key_cache(void **state)
{
    (void)state;
    /* Every combination, twice over in two orders: cached or freshly
     * derived, the key equals an independent derivation. */
    for (int pass = 0; pass < 3; pass++) {
        for (int k = 0; k < NCOMBO; k++) {
            int i = pass == 1 ? NCOMBO - 1 - k : (k * 7) % NCOMBO;
            char d[9];
            const char *rg, *sv, *sc;
            combo(i, d, &rg, &sv, &sc);
            unsigned char got[32], want[32];
            ms_sigv4_signing_key(sc, d, rg, sv, got);
            ref_key(sc, d, rg, sv, want);
            assert_memory_equal(got, want, 32);
        }
    }
    /* And through the signer: same request, many dates and regions, the
     * repeat signature equals the first. */
    ms_sigv4_header h[] = {{"Host", "example.amazonaws.com"}};
    ms_sigv4_request r = {.method = "GET", .path = "/", .headers = h,
                          .nheaders = 1};
    char first[40][65];
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 40; i++) {
            ms_sigv4_params p = suite_params();
            p.when += (time_t)i * 86400 * 3;
            p.region = i % 2 ? "us-west-2" : "eu-central-1";
            ms_sigv4_out o;
            assert_int_equal(ms_sigv4_sign(&p, &r, &o, NULL, 0), 0);
            if (pass == 0)
                memcpy(first[i], o.signature, 65);
            else
                assert_string_equal(first[i], o.signature);
            ms_sigv4_out_free(&o);
        }
    }
}

static void *key_worker(void *arg)
{
    uintptr_t bad = 0, seed = (uintptr_t)arg;
    for (int k = 0; k < 400; k++) {
        int i = (int)((seed * 31 + (uintptr_t)k * 17) % NCOMBO);
        char d[9];
        const char *rg, *sv, *sc;
        combo(i, d, &rg, &sv, &sc);
        unsigned char got[32], want[32];
        ms_sigv4_signing_key(sc, d, rg, sv, got);
        ref_key(sc, d, rg, sv, want);
        bad += memcmp(got, want, 32) != 0;
    }
    return (void *)bad;
}

static void test_key_cache_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, key_worker, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *bad;
        assert_int_equal(pthread_join(th[i], &bad), 0);
        assert_int_equal((uintptr_t)bad, 0);
    }
}

/* ---- canonicalisation rules ---- */

static void test_paths(void **state)
{
    (void)state;
    ms_sigv4_params p = suite_params();
    static const char *cases[][2] = {
        {"/", "/"}, {"", "/"}, {"//", "/"}, {"/a//b/", "/a/b/"},
        {"/a/./b/../c", "/a/c"}, {"/a/b/..", "/a"}, {"/a/.", "/a"},
        {"/../..", "/"}, {"/a%20b/c", "/a%2520b/c"}, {"/a b", "/a%20b"},
        {"/\xe1\x88\xb4", "/%E1%88%B4"}, {"/a:b@c!$'()*+,;=", "/a%3Ab%40c%21%24%27%28%29%2A%2B%2C%3B%3D"},
        {"/-._~", "/-._~"}, {"/..a/.b./", "/..a/.b./"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *cr = canon_of(&p, cases[i][0], NULL);
        assert_string_equal(line_of(cr, 1), cases[i][1]);
        free(cr);
    }
    /* S3: exactly as sent. */
    p.s3_path = true;
    char *cr = canon_of(&p, "/a//b/../c%20d/./", NULL);
    assert_string_equal(line_of(cr, 1), "/a//b/../c%20d/./");
    free(cr);
    /* Unnormalised: encoded again, dot segments and slash runs kept. */
    p.s3_path = false;
    p.no_path_normalize = true;
    cr = canon_of(&p, "//a/../b c%2F", NULL);
    assert_string_equal(line_of(cr, 1), "//a/../b%20c%252F");
    free(cr);
}

static void test_query(void **state)
{
    (void)state;
    ms_sigv4_params p = suite_params();
    static const char *cases[][2] = {
        {"b=2&a=1", "a=1&b=2"},
        {"a=2&a=1&a=", "a=&a=1&a=2"},                /* repeated: by value */
        {"flag&x=1", "flag=&x=1"},                   /* key without '=' */
        {"Param-3=3&Param=2", "Param=2&Param-3=3"},  /* by key, not "k=v" */
        {"%7e=%e1%88%b4", "~=%E1%88%B4"},            /* decode, re-encode */
        {"\xe1\x88\xb4=bar", "%E1%88%B4=bar"},
        {"s=a%20b&p=a+b", "p=a%2Bb&s=a%20b"},        /* '+' is a plus */
        {"e=a=b&bad=%zz%4", "bad=%25zz%254&e=a%3Db"},
        {"a=1&&b=2&", "a=1&b=2"},                    /* empty pairs dropped */
        {"B=1&a=1&_=1&~=1", "B=1&_=1&a=1&~=1"},      /* byte order */
        {"", ""}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *cr = canon_of(&p, "/", cases[i][0]);
        assert_string_equal(line_of(cr, 2), cases[i][1]);
        free(cr);
    }
}

static void test_headers(void **state)
{
    (void)state;
    ms_sigv4_params p = suite_params();
    p.session_token = "TOKEN";
    ms_sigv4_header h[] = {
        {"Host", "example.amazonaws.com"},
        {"X-Multi", "  b   c  "},
        {"User-Agent", "curl"},
        {"x-multi", "a"},
        {"Expect", "100-continue"},
        {"X-Amzn-Trace-Id", "Root=1"},
        {"X-Amz-Date", "19990101T000000Z"}, /* ours replaces it */
        {"Authorization", "stale"},
        {"X-Tabs", "\tx\t\ty \r\n z\t"},
        {"X-Empty", ""},
        {"X-MULTI", "d"}};
    ms_sigv4_request r = {.method = "POST", .path = "/", .headers = h,
                          .nheaders = sizeof h / sizeof *h, .body = "{}",
                          .body_len = 2};
    ms_sigv4_out o;
    char err[128];
    assert_int_equal(ms_sigv4_sign(&p, &r, &o, err, sizeof err), 0);
    assert_string_equal(o.signed_headers,
        "host;x-amz-date;x-amz-security-token;x-empty;x-multi;x-tabs");
    assert_string_equal(o.canonical_request,
        "POST\n/\n\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "x-amz-security-token:TOKEN\n"
        "x-empty:\n"
        "x-multi:b c,a,d\n"
        "x-tabs:x y z\n\n"
        "host;x-amz-date;x-amz-security-token;x-empty;x-multi;x-tabs\n"
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    ms_sigv4_out_free(&o);

    /* A caller's X-Amz-Content-SHA256 is the payload hash (botocore), unless
     * content_sha256_header makes it ours. */
    ms_sigv4_header hc[] = {{"Host", "h"}, {"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"}};
    ms_sigv4_request rc = {.method = "PUT", .headers = hc, .nheaders = 2,
                           .body = "{}", .body_len = 2};
    assert_int_equal(ms_sigv4_sign(&p, &rc, &o, err, sizeof err), 0);
    assert_string_equal(o.payload_hash, "UNSIGNED-PAYLOAD");
    assert_non_null(strstr(o.canonical_request, "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"));
    ms_sigv4_out_free(&o);
    p.content_sha256_header = true;
    assert_int_equal(ms_sigv4_sign(&p, &rc, &o, err, sizeof err), 0);
    assert_string_equal(o.payload_hash,
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    assert_null(strstr(o.canonical_request, "UNSIGNED"));
    ms_sigv4_out_free(&o);
    p.content_sha256_header = false;

    /* Unsigned token: not in the signature at all. */
    p.session_token_unsigned = true;
    r.nheaders = 1;
    assert_int_equal(ms_sigv4_sign(&p, &r, &o, err, sizeof err), 0);
    assert_string_equal(o.signed_headers, "host;x-amz-date");
    ms_sigv4_out_free(&o);
    assert_int_equal(ms_sigv4_presign(&p, &r, &o, err, sizeof err), 0);
    assert_null(strstr(o.canonical_request, "Security-Token"));
    assert_non_null(strstr(o.query, "&X-Amz-Security-Token=TOKEN&X-Amz-Signature="));
    ms_sigv4_out_free(&o);
}

/* ---- helpers and errors ---- */

static void test_helpers(void **state)
{
    (void)state;
    char *e = ms_uri_encode("a b/~+%\xff", 8, false);
    assert_string_equal(e, "a%20b%2F~%2B%25%FF");
    free(e);
    e = ms_uri_encode("a b/c", 5, true);
    assert_string_equal(e, "a%20b/c");
    free(e);
    char hex[65];
    ms_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    time_t t, t2;
    char d[17];
    assert_int_equal(ms_sigv4_parse_date("2015-08-30T12:36:00Z", &t), 0);
    ms_sigv4_amz_date(t, d);
    assert_string_equal(d, "20150830T123600Z");
    assert_int_equal(ms_sigv4_parse_date("2015-08-30T14:36:00.123+02:00", &t2), 0);
    assert_true(t == t2);
    assert_int_equal(ms_sigv4_parse_date("2016-02-29T00:00:00Z", &t2), 0);
    static const char *bad[] = {"", "2015-08-30", "20150830T123600", "2015-02-29T00:00:00Z",
                                "20151330T000000Z", "2015-08-30T24:00:00Z",
                                "20150830T123600Zx", "2015-08-30T12:36:00+0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(ms_sigv4_parse_date(bad[i], &t2), -1);
    assert_int_equal(ms_sigv4_parse_date(NULL, &t2), -1);
}

static void test_errors(void **state)
{
    (void)state;
    ms_sigv4_header host[] = {{"Host", "h"}}, nohost[] = {{"X-A", "b"}},
                    badname[] = {{"Host", "h"}, {"X A", "b"}};
    ms_sigv4_request r = {.method = "GET", .headers = host, .nheaders = 1};
    ms_sigv4_out o;
    char err[128];
    ms_sigv4_params p = suite_params();
    assert_int_equal(ms_sigv4_sign(&p, &r, &o, err, sizeof err), 0);
    ms_sigv4_out_free(&o);

#define EXPECT_FAIL(fn, pp, rr, what)                                          \
    do {                                                                       \
        err[0] = '\0';                                                         \
        assert_int_equal(fn(pp, rr, &o, err, sizeof err), -1);                 \
        assert_non_null(strstr(err, what));                                    \
        assert_null(o.authorization);                                          \
        assert_null(o.canonical_request);                                      \
    } while (0)

    ms_sigv4_params q = p;
    q.region = NULL;
    EXPECT_FAIL(ms_sigv4_sign, &q, &r, "region");
    q = p, q.service = "s3/x";
    EXPECT_FAIL(ms_sigv4_sign, &q, &r, "service");
    q = p, q.access_key = "";
    EXPECT_FAIL(ms_sigv4_sign, &q, &r, "access key");
    q = p, q.secret_key = NULL;
    EXPECT_FAIL(ms_sigv4_sign, &q, &r, "secret");
    q = p, q.expires = 604801;
    EXPECT_FAIL(ms_sigv4_presign, &q, &r, "expires");
    q = p, q.expires = -1;
    EXPECT_FAIL(ms_sigv4_presign, &q, &r, "expires");
    q = p, q.when = -5;
    EXPECT_FAIL(ms_sigv4_sign, &q, &r, "time");

    ms_sigv4_request s = r;
    s.headers = nohost;
    EXPECT_FAIL(ms_sigv4_sign, &p, &s, "Host");
    s = r, s.nheaders = 0;
    EXPECT_FAIL(ms_sigv4_sign, &p, &s, "Host");
    s = r, s.headers = badname, s.nheaders = 2;
    EXPECT_FAIL(ms_sigv4_sign, &p, &s, "header");
    s = r, s.method = NULL;
    EXPECT_FAIL(ms_sigv4_sign, &p, &s, "method");
    s = r, s.body_len = 3;
    EXPECT_FAIL(ms_sigv4_sign, &p, &s, "body");
    s = r, s.payload_hash = "";
    EXPECT_FAIL(ms_sigv4_sign, &p, &s, "payload_hash");
    EXPECT_FAIL(ms_sigv4_sign, NULL, &r, "params");
    assert_int_equal(ms_sigv4_sign(&p, &r, NULL, err, sizeof err), -1);
    /* err may be omitted */
    assert_int_equal(ms_sigv4_sign(&p, &s, &o, NULL, 0), -1);
#undef EXPECT_FAIL
    ms_sigv4_out_free(&o); /* harmless on a zeroed out */
}

/* ---- AWS's SigV4 test suite ---- */

#define MAXH 32

typedef struct scase {
    char *raw;           /* request.txt, split in place */
    const char *reqline; /* "GET /path?q HTTP/1.1" */
    char *method, *path, *query, *version;
    const char *rawheaders; /* header lines as in the file, each with '\n' */
    size_t rawheaders_len;
    const char *body;
    size_t body_len;
    ms_sigv4_header h[MAXH];
    size_t nh;
    char *hbuf[MAXH], *vbuf[MAXH]; /* names, values (obs-fold kept) */
} scase;

static void scase_free(scase *c)
{
    free(c->raw);
    free(c->method);
    free(c->path);
    free(c->query);
    free(c->version);
    for (size_t i = 0; i < c->nh; i++) {
        free(c->hbuf[i]);
        free(c->vbuf[i]);
    }
}

/* request.txt: request line, header lines (a line starting with whitespace
 * continues the previous value, kept with its '\n' as obs-fold), then an
 * optional blank line and body. */
static void parse_request(const char *dir, scase *c)
{
    char *path = ms_test_path(dir, "request.txt");
    size_t len;
    memset(c, 0, sizeof *c);
    c->raw = ms_test_read_file(path, &len);
    free(path);
    assert_non_null(c->raw);
    char *sep = strstr(c->raw, "\n\n");
    if (sep) {
        sep[1] = '\0';
        c->body = sep + 2;
        c->body_len = len - (size_t)(sep + 2 - c->raw);
    } else {
        c->body = "";
        assert_true(len && c->raw[len - 1] == '\n'); /* as in the suite */
    }
    char *nl = strchr(c->raw, '\n');
    assert_non_null(nl);
    *nl = '\0';
    c->reqline = c->raw;
    c->rawheaders = nl + 1;
    c->rawheaders_len = strlen(nl + 1);

    const char *sp = strchr(c->reqline, ' ');
    const char *vsp = strrchr(c->reqline, ' ');
    assert_true(sp && vsp && vsp > sp);
    c->method = strndup(c->reqline, (size_t)(sp - c->reqline));
    c->version = strdup(vsp + 1);
    char *target = strndup(sp + 1, (size_t)(vsp - sp - 1));
    char *qm = strchr(target, '?');
    if (qm) {
        c->query = strdup(qm + 1);
        *qm = '\0';
    }
    c->path = target;

    const char *s = c->rawheaders;
    while (*s) {
        size_t l = strcspn(s, "\n");
        if (*s == ' ' || *s == '\t') {
            assert_true(c->nh > 0);
            char *prev = c->vbuf[c->nh - 1];
            size_t pl = strlen(prev);
            prev = realloc(prev, pl + l + 2);
            assert_non_null(prev);
            prev[pl] = '\n';
            memcpy(prev + pl + 1, s, l);
            prev[pl + 1 + l] = '\0';
            c->vbuf[c->nh - 1] = prev;
        } else {
            assert_true(c->nh < MAXH);
            const char *colon = memchr(s, ':', l);
            assert_non_null(colon);
            c->hbuf[c->nh] = strndup(s, (size_t)(colon - s));
            c->vbuf[c->nh] = strndup(colon + 1, l - (size_t)(colon - s) - 1);
            c->nh++;
        }
        s += l + (s[l] == '\n');
    }
    for (size_t i = 0; i < c->nh; i++)
        c->h[i] = (ms_sigv4_header){c->hbuf[i], c->vbuf[i]};
}

static char *read_expected(const char *dir, const char *name)
{
    char *p = ms_test_path(dir, name);
    char *s = ms_test_read_file(p, NULL);
    free(p);
    assert_non_null(s);
    return s;
}

static int compare(const char *cs, const char *what, const char *want,
                   const char *got)
{
    if (got && !strcmp(want, got))
        return 0;
    printf("FAIL %s %s\n--- want ---\n%s\n--- got ---\n%s\n---\n", cs, what,
           want, got ? got : "(null)");
    return 1;
}

/* One case, one mode; returns the number of mismatching files. */
static int run_case(const char *dir, const char *cs, bool presign)
{
    scase c;
    parse_request(dir, &c);
    char *ctxs = read_expected(dir, "context.json");
    json_error_t jerr;
    json_t *ctx = json_loads(ctxs, 0, &jerr);
    assert_non_null(ctx);
    json_t *cred = json_object_get(ctx, "credentials");
    ms_sigv4_params p = {
        .region = json_string_value(json_object_get(ctx, "region")),
        .service = json_string_value(json_object_get(ctx, "service")),
        .access_key = json_string_value(json_object_get(cred, "access_key_id")),
        .secret_key = json_string_value(json_object_get(cred, "secret_access_key")),
        .session_token = json_string_value(json_object_get(cred, "token")),
        .no_path_normalize = !json_is_true(json_object_get(ctx, "normalize")),
        .content_sha256_header = json_is_true(json_object_get(ctx, "sign_body")),
        .session_token_unsigned =
            json_is_true(json_object_get(ctx, "omit_session_token")),
        .expires = (int)json_integer_value(json_object_get(ctx, "expiration_in_seconds")),
    };
    assert_int_equal(ms_sigv4_parse_date(
        json_string_value(json_object_get(ctx, "timestamp")), &p.when), 0);
    ms_sigv4_request r = {.method = c.method, .path = c.path, .query = c.query,
                          .headers = c.h, .nheaders = c.nh, .body = c.body,
                          .body_len = c.body_len};
    ms_sigv4_out o;
    char err[128];
    int rc = presign ? ms_sigv4_presign(&p, &r, &o, err, sizeof err)
                     : ms_sigv4_sign(&p, &r, &o, err, sizeof err);
    if (rc != 0)
        printf("FAIL %s: %s\n", cs, err);
    assert_int_equal(rc, 0);

    /* The request as it would be sent. */
    char *sent = NULL;
    size_t sentlen = 0;
    FILE *f = open_memstream(&sent, &sentlen);
    assert_non_null(f);
    if (!presign) {
        fprintf(f, "%s\n%s", c.reqline, c.rawheaders);
        if (p.session_token)
            fprintf(f, "X-Amz-Security-Token:%s\n", p.session_token);
        fprintf(f, "X-Amz-Date:%s\n", o.amz_date);
        if (p.content_sha256_header)
            fprintf(f, "x-amz-content-sha256:%s\n", o.payload_hash);
        fprintf(f, "Authorization:%s\n\n", o.authorization);
    } else {
        fprintf(f, "%s %s?%s %s\n%s\n", c.method, c.path, o.query, c.version,
                c.rawheaders);
    }
    fwrite(c.body, 1, c.body_len, f);
    fclose(f);

    const char *pre = presign ? "query" : "header";
    char name[64];
    int bad = 0;
    static const char *files[] = {"canonical-request", "string-to-sign",
                                  "signature", "signed-request"};
    const char *ours[] = {o.canonical_request, o.string_to_sign, o.signature, sent};
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s-%s.txt", pre, files[i]);
        char *want = read_expected(dir, name);
        bad += compare(cs, name, want, ours[i]);
        free(want);
    }
    free(sent);
    ms_sigv4_out_free(&o);
    json_decref(ctx);
    free(ctxs);
    scase_free(&c);
    return bad;
}

static char *g_suite; /* $MS_SHARED/aws/sigv4-test-suite/v4 */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_aws_suite(void **state)
{
    (void)state;
    DIR *d = opendir(g_suite);
    assert_non_null(d);
    char *names[128];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *dir = ms_test_path(g_suite, e->d_name);
        char *ctx = ms_test_path(dir, "context.json");
        struct stat st;
        if (stat(ctx, &st) == 0 && n < 128)
            names[n++] = strdup(e->d_name);
        free(ctx);
        free(dir);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, name_cmp);
    int hpass = 0, qpass = 0;
    for (int i = 0; i < n; i++) {
        char *dir = ms_test_path(g_suite, names[i]);
        hpass += run_case(dir, names[i], false) == 0;
        qpass += run_case(dir, names[i], true) == 0;
        free(dir);
        free(names[i]);
    }
    printf("sigv4 suite: header %d/%d, query %d/%d\n", hpass, n, qpass, n);
    assert_int_equal(n, 38);
    assert_int_equal(hpass, n);
    assert_int_equal(qpass, n);
}

int main(void)
{
    const struct CMUnitTest inline_tests[] = {
        cmocka_unit_test(test_get_vanilla),
        cmocka_unit_test(test_s3_examples),
        cmocka_unit_test(test_key_cache),
        cmocka_unit_test(test_key_cache_threads),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_errors),
    };
    int rc = cmocka_run_group_tests_name("sigv4", inline_tests, NULL, NULL);
    if (rc != 0)
        return rc;

    const char *shared = ms_test_shared_dir();
    char *aws = shared ? ms_test_path(shared, "aws") : NULL;
    char *top = aws ? ms_test_path(aws, "sigv4-test-suite") : NULL;
    g_suite = top ? ms_test_path(top, "v4") : NULL;
    free(aws);
    free(top);
    struct stat st;
    if (!g_suite || stat(g_suite, &st) != 0) {
        free(g_suite);
        ms_test_skip("../shared absent ($MS_SHARED/aws/sigv4-test-suite "
                     "not found); the inline SigV4 cases passed");
    }
    const struct CMUnitTest suite_tests[] = {cmocka_unit_test(test_aws_suite)};
    rc = cmocka_run_group_tests_name("sigv4-aws-suite", suite_tests, NULL, NULL);
    free(g_suite);
    return rc;
}
