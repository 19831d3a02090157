/* test_sigv4_botocore.c -- our SigV4 against botocore's, on random requests.
 *
 * Generates requests from a seeded PRNG (seed printed, MS_SEED overrides;
 * count MS_SIGV4_N, default 3000), signs each with ms_sigv4_sign or
 * ms_sigv4_presign, and has tests/support/sigv4_botocore.py sign the same
 * ones with the system botocore (SigV4Auth, S3SigV4Auth, SigV4QueryAuth,
 * S3SigV4QueryAuth, clock fixed). Authorization header, canonical request
 * and string to sign must be identical; for presigned URLs the signature
 * and the set of query parameters. Exits 77 without /usr/bin/python3 or
 * botocore.
 *
 * The inputs stay inside what botocore defines the same way we do:
 *  - query strings are already RFC 3986 encoded (uppercase hex, no raw '+',
 *    no empty pairs): botocore signs the URL's query verbatim, where we
 *    decode and re-encode; botocore's serialisers only emit this form.
 *    Presigned requests have unique keys, each with '=' (SigV4QueryAuth
 *    round-trips the query through parse_qs, which keeps the first of
 *    repeated keys and turns '+' into a space), and no body (it would move
 *    a body into the query).
 *  - paths never hold '?', '#', tab, CR or LF (urlsplit's business);
 *    anything else goes, including '%' not followed by hex digits.
 *  - headers avoid Date (botocore then signs Date instead of X-Amz-Date),
 *    Content-MD5 (changes S3's payload signing), Authorization, X-Amz-Date
 *    and X-Amz-Security-Token; values are printable ASCII with spaces and
 *    tabs. A caller's X-Amz-Content-SHA256 is included now and then.
 *  - presigned query parameter order differs on purpose: botocore puts
 *    X-Amz-Expires before X-Amz-SignedHeaders, AWS's suite (and so we) after
 *    it. Servers sort; the signature is the same. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "aws/sigv4.h"
#include "testutil.h"

/* ---- PRNG (splitmix64) ---- */

static uint64_t g_rng;

static uint64_t rnd(void)
{
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t rn(size_t n) { return (size_t)(rnd() % n); }
static bool chance(int pct) { return (int)rn(100) < pct; }
#define PICK(a) ((a)[rn(sizeof(a) / sizeof *(a))])

/* ---- growable strings ---- */

typedef struct str {
    char *p;
    size_t len, cap;
} str;

static void put(str *s, const char *d, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->p = realloc(s->p, s->cap);
        if (!s->p)
            abort();
    }
    memcpy(s->p + s->len, d, n);
    s->len += n;
    s->p[s->len] = '\0';
}

static void puts_(str *s, const char *d) { put(s, d, strlen(d)); }

static char *take(str *s)
{
    if (!s->p)
        puts_(s, "");
    char *p = s->p;
    *s = (str){0};
    return p;
}

/* ---- generators ---- */

static const char *const PATH_PIECES[] = {
    "a", "foo", "Bar-9", "x_y.z~", "with space", " lead", "trail ", "!$&'()*+,;=:@",
    "a+b", "k=v", "[x]", "<{|}>^`\"", "a\\b", "%20", "%2F", "%25", "%E2%82%AC",
    "%e2%82%ac", "%zz", "%", "50%", "\xc3\xa9", "\xe1\x88\xb4",
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xf0\x9f\x98\x80", "\xce\xa9mega",
    ".", "..", "...", ".a", "", "", "bucket-key.txt", "2024", "a.b.c"};

static char *gen_path(void)
{
    str s = {0};
    size_t nseg = rn(7);
    puts_(&s, "/");
    for (size_t i = 0; i < nseg; i++) {
        if (i)
            puts_(&s, "/");
        puts_(&s, PATH_PIECES[rn(sizeof PATH_PIECES / sizeof *PATH_PIECES)]);
        if (chance(20))
            puts_(&s, PICK(PATH_PIECES));
    }
    if (nseg && chance(30))
        puts_(&s, "/");
    return take(&s);
}

/* A raw (decoded) query key or value; the query carries it encoded. */
static const char *const QRAW[] = {
    "a", "A", "b", "Param", "Param-3", "list-type", "x.y", "~t", "_", "0",
    "\xe1\x88\xb4", " sp", "k=x", "+", "&", "/", "a b c", "\xe2\x82\xac",
    "-._~", "%", "Z9", "prefix/", "\xf0\x9f\x98\x80", ";:,", "max-keys"};

static char *enc_pick(void)
{
    str s = {0};
    puts_(&s, PICK(QRAW));
    if (chance(30))
        puts_(&s, PICK(QRAW));
    char *e = ms_uri_encode(s.p, s.len, false);
    free(s.p);
    return e;
}

static char *gen_query(bool presign)
{
    if (chance(25))
        return NULL;
    if (chance(5))
        return strdup("");
    str s = {0};
    size_t n = 1 + rn(6);
    char *keys[8];
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        char *k = enc_pick();
        bool dup = false;
        for (size_t j = 0; j < nk; j++)
            dup |= !strcmp(keys[j], k);
        if (!presign && nk && chance(25)) { /* repeat an earlier key */
            free(k);
            k = strdup(keys[rn(nk)]);
        } else if (presign && dup) {
            free(k);
            continue;
        }
        if (s.len)
            puts_(&s, "&");
        puts_(&s, k);
        if (presign || !chance(15)) { /* else a key without '=' */
            puts_(&s, "=");
            if (!chance(20)) { /* else an empty value */
                char *v = enc_pick();
                puts_(&s, v);
                free(v);
            }
        }
        keys[nk++] = k;
    }
    for (size_t i = 0; i < nk; i++)
        free(keys[i]);
    return take(&s);
}

static char *random_case(const char *name)
{
    char *s = strdup(name);
    int how = (int)rn(4);
    for (char *p = s; *p; p++) {
        if (how == 1)
            *p = (char)tolower((unsigned char)*p);
        else if (how == 2)
            *p = (char)toupper((unsigned char)*p);
        else if (how == 3 && chance(50))
            *p = (char)(islower((unsigned char)*p) ? toupper((unsigned char)*p)
                                                    : tolower((unsigned char)*p));
    }
    return s;
}

static char *gen_value(void)
{
    str s = {0};
    if (chance(10))
        return take(&s); /* empty */
    if (chance(30))
        puts_(&s, PICK(((const char *[]){" ", "  ", "\t", " \t "})));
    size_t words = 1 + rn(4);
    for (size_t w = 0; w < words; w++) {
        if (w)
            puts_(&s, PICK(((const char *[]){" ", "  ", "   ", "\t", " \t  "})));
        size_t len = 1 + rn(10);
        for (size_t i = 0; i < len; i++) {
            char c = (char)(0x21 + rn(0x7e - 0x21 + 1));
            put(&s, &c, 1);
        }
    }
    if (chance(30))
        puts_(&s, PICK(((const char *[]){" ", "   ", "\t"})));
    return take(&s);
}

/* ---- one request ---- */

#define MAXH 16

typedef struct treq {
    bool presign, s3, unsigned_payload;
    const char *service, *region, *method;
    char *access_key, *secret_key, *token, *host, *path, *query;
    char *hn[MAXH], *hv[MAXH];
    ms_sigv4_header h[MAXH];
    size_t nh;
    unsigned char *body;
    size_t body_len;
    char payload_hash[65]; /* precomputed by the caller, or "" */
    time_t when;
    int expires;
} treq;

static char *rand_chars(const char *alphabet, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    for (size_t i = 0; i < n; i++)
        s[i] = alphabet[rn(strlen(alphabet))];
    s[n] = '\0';
    return s;
}

static void add_header(treq *t, char *name, char *value)
{
    if (t->nh == MAXH) {
        free(name);
        free(value);
        return;
    }
    t->hn[t->nh] = name;
    t->hv[t->nh] = value;
    t->h[t->nh] = (ms_sigv4_header){name, value};
    t->nh++;
}

static void gen_request(treq *t)
{
    static const char *const services[] = {"comprehendmedical", "kinesis",
                                           "monitoring", "execute-api", "s3", "s3"};
    static const char *const regions[] = {"us-east-1", "eu-west-1",
                                          "ap-southeast-2", "us-gov-west-1"};
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD"};
    static const char *const names[] = {
        "X-Amz-Meta-Color", "x-custom", "Content-Type", "X-Multi", "X-Multi",
        "Accept", "If-Match", "X-Amz-Target", "Content-Encoding", "x-amz-acl"};
    static const char B64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    memset(t, 0, sizeof *t);
    t->presign = chance(25);
    t->service = PICK(services);
    t->s3 = !strcmp(t->service, "s3");
    t->region = PICK(regions);
    t->method = PICK(methods);
    t->access_key = rand_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 20);
    memcpy(t->access_key, "AKIA", 4);
    t->secret_key = rand_chars(B64, 40);
    if (chance(50)) {
        t->token = rand_chars(B64, 40 + rn(300));
        if (chance(50))
            t->token[strlen(t->token) - 1] = '=';
    }
    t->when = (time_t)(978307200 + rn(36ULL * 365 * 86400)); /* 2001..2036 */
    t->expires = 1 + (int)rn(604800);
    char host[128];
    if (t->s3)
        snprintf(host, sizeof host, "bucket-%zu.s3.%s.amazonaws.com", rn(100), t->region);
    else
        snprintf(host, sizeof host, "%s.%s.amazonaws.com", t->service, t->region);
    t->host = strdup(host);
    t->path = gen_path();
    t->query = gen_query(t->presign);

    add_header(t, strdup(PICK(((const char *[]){"Host", "host", "HOST"}))),
               strdup(host));
    size_t extra = rn(6);
    for (size_t i = 0; i < extra; i++)
        add_header(t, random_case(PICK(names)), gen_value());
    if (chance(30)) /* repeated header, differently cased */
        for (size_t i = 0, n = 2 + rn(3); i < n; i++)
            add_header(t, random_case("X-Repeat"), gen_value());
    if (chance(20)) /* never signed */
        add_header(t, random_case(PICK(((const char *[]){"User-Agent", "Expect",
                                                         "X-Amzn-Trace-Id"}))),
                   strdup("Botocore/1.29.27 Python/3.11"));

    if (!t->presign) {
        int kind = (int)rn(3);
        if (kind == 1) {
            str s = {0};
            puts_(&s, "{\"Text\": \"Patient takes 20 mg lisinopril daily.\"}");
            for (size_t i = rn(5); i > 0; i--)
                puts_(&s, " \xe2\x80\x94 \xc3\xa9t\xc3\xa9");
            t->body_len = s.len;
            t->body = (unsigned char *)take(&s);
        } else if (kind == 2) {
            t->body_len = 1 + rn(300);
            t->body = malloc(t->body_len);
            for (size_t i = 0; i < t->body_len; i++)
                t->body[i] = (unsigned char)rnd();
        }
        t->unsigned_payload = chance(15);
    }
    bool own_sha = chance(5);
    if (own_sha) { /* the payload hash, unless the signer sets it itself */
        char h[65];
        ms_sha256_hex(t->body, t->body_len, h);
        add_header(t, random_case("X-Amz-Content-SHA256"),
                   strdup(chance(50) ? MS_SIGV4_UNSIGNED_PAYLOAD : h));
    }
    /* Sometimes hand over the body hash ourselves (not for S3 presigning,
     * where botocore always uses UNSIGNED-PAYLOAD and so do we by default;
     * not with the header above either, as an explicit payload_hash wins
     * over it here and loses in botocore). */
    if (!t->unsigned_payload && !own_sha && !(t->presign && t->s3) && chance(20))
        ms_sha256_hex(t->body, t->body_len, t->payload_hash);
}

static void free_request(treq *t)
{
    for (size_t i = 0; i < t->nh; i++) {
        free(t->hn[i]);
        free(t->hv[i]);
    }
    free(t->access_key);
    free(t->secret_key);
    free(t->token);
    free(t->host);
    free(t->path);
    free(t->query);
    free(t->body);
}

static int sign_ours(const treq *t, ms_sigv4_out *o, char *err, size_t errlen)
{
    ms_sigv4_params p = {
        .region = t->region, .service = t->service, .access_key = t->access_key,
        .secret_key = t->secret_key, .session_token = t->token, .when = t->when,
        .s3_path = t->s3, .expires = t->expires,
        /* what S3SigV4Auth always sends, and SigV4Auth with unsigned bodies */
        .content_sha256_header = t->s3 || t->unsigned_payload};
    ms_sigv4_request r = {
        .method = t->method, .path = t->path, .query = t->query,
        .headers = t->h, .nheaders = t->nh, .body = t->body,
        .body_len = t->body_len,
        .payload_hash = t->unsigned_payload ? MS_SIGV4_UNSIGNED_PAYLOAD
                        : t->payload_hash[0] ? t->payload_hash : NULL};
    return t->presign ? ms_sigv4_presign(&p, &r, o, err, errlen)
                      : ms_sigv4_sign(&p, &r, o, err, errlen);
}

static json_t *to_json(int id, const treq *t)
{
    char date[17];
    ms_sigv4_amz_date(t->when, date);
    json_t *hs = json_array();
    for (size_t i = 0; i < t->nh; i++)
        json_array_append_new(hs, json_pack("[ss]", t->hn[i], t->hv[i]));
    char *hex = malloc(2 * t->body_len + 1);
    for (size_t i = 0; i < t->body_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", t->body[i]);
    hex[2 * t->body_len] = '\0';
    json_error_t jerr;
    json_t *j = json_pack_ex(&jerr, 0,
        "{si ss sb ss ss ss ss ss? ss ss ss ss ss? so ss sb si}", "id", id,
        "mode", t->presign ? "presign" : "header", "s3", t->s3, "service",
        t->service, "region", t->region, "access_key", t->access_key,
        "secret_key", t->secret_key, "token", t->token, "when", date, "method",
        t->method, "host", t->host, "path", t->path, "query", t->query,
        "headers", hs,
        "body_hex", hex, "unsigned", t->unsigned_payload, "expires", t->expires);
    free(hex);
    if (!j) {
        fprintf(stderr, "json_pack failed for request %d: %s\n", id, jerr.text);
        abort();
    }
    return j;
}

/* ---- comparison ---- */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The '&'-separated parameters of q, sorted and joined with '\n'. */
static char *sorted_params(const char *q)
{
    char *dup = strdup(q), *save = NULL, *parts[64];
    size_t n = 0;
    for (char *tok = strtok_r(dup, "&", &save); tok && n < 64;
         tok = strtok_r(NULL, "&", &save))
        parts[n++] = tok;
    qsort(parts, n, sizeof *parts, str_cmp);
    str s = {0};
    for (size_t i = 0; i < n; i++) {
        puts_(&s, parts[i]);
        puts_(&s, "\n");
    }
    free(dup);
    return take(&s);
}

static bool same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* Compare one request; prints the details of a mismatch. */
static bool check(int id, const treq *t, const ms_sigv4_out *o, json_t *bj,
                  const char *line, int *printed)
{
    const char *bcr = json_string_value(json_object_get(bj, "cr"));
    const char *bsts = json_string_value(json_object_get(bj, "sts"));
    bool ok = same(o->canonical_request, bcr) && same(o->string_to_sign, bsts);
    const char *what = "canonical request / string to sign";
    if (ok && !t->presign) {
        const char *bauth = json_string_value(json_object_get(bj, "auth"));
        const char *bsha = json_string_value(json_object_get(bj, "content_sha256"));
        ok = same(o->authorization, bauth);
        what = "Authorization";
        if (ok && (t->s3 || t->unsigned_payload)) {
            ok = same(o->payload_hash, bsha);
            what = "X-Amz-Content-SHA256";
        }
    } else if (ok) {
        const char *url = json_string_value(json_object_get(bj, "url"));
        const char *bq = url ? strchr(url, '?') : NULL;
        char *a = sorted_params(o->query), *b = sorted_params(bq ? bq + 1 : "");
        ok = same(a, b);
        what = "presigned query parameters";
        free(a);
        free(b);
    }
    if (!ok && (*printed)++ < 10) {
        printf("MISMATCH request %d (%s): %s\n  request: %s\n"
               "--- ours ---\n%s\n%s\n--- botocore ---\n%s\n%s\n---\n",
               id, t->presign ? "presign" : "header", what, line,
               o->canonical_request,
               t->presign ? o->query : o->authorization, bcr ? bcr : "(none)",
               t->presign ? json_string_value(json_object_get(bj, "url"))
                          : json_string_value(json_object_get(bj, "auth")));
    }
    return ok;
}

int main(void)
{
    const char *py = "/usr/bin/python3";
    if (access(py, X_OK) != 0)
        ms_test_skip("/usr/bin/python3 absent; botocore comparison not run");
    const char *src = getenv("MS_SRC");
    if (!src || !*src)
        src = ".";

    uint64_t seed = 0x5169e4a7d2b1c3f0ULL;
    const char *env = getenv("MS_SEED");
    if (env && *env)
        seed = strtoull(env, NULL, 0);
    int n = 3000;
    env = getenv("MS_SIGV4_N");
    if (env && atoi(env) > 0)
        n = atoi(env);
    printf("sigv4 vs botocore: seed %llu (MS_SEED to override), %d requests\n",
           (unsigned long long)seed, n);
    g_rng = seed;

    char *dir = ms_test_tmpdir("sigv4");
    if (!dir) {
        perror("tmpdir");
        return 1;
    }
    char *in = ms_test_path(dir, "requests.jsonl");
    char *outp = ms_test_path(dir, "botocore.jsonl");
    treq *reqs = calloc((size_t)n, sizeof *reqs);
    char **lines = calloc((size_t)n, sizeof *lines);
    FILE *f = fopen(in, "w");
    if (!reqs || !lines || !f)
        abort();
    for (int i = 0; i < n; i++) {
        gen_request(&reqs[i]);
        json_t *j = to_json(i, &reqs[i]);
        lines[i] = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        fprintf(f, "%s\n", lines[i]);
    }
    fclose(f);

    str cmd = {0};
    puts_(&cmd, "/usr/bin/python3 '");
    puts_(&cmd, src);
    puts_(&cmd, "/tests/support/sigv4_botocore.py' '");
    puts_(&cmd, in);
    puts_(&cmd, "' > '");
    puts_(&cmd, outp);
    puts_(&cmd, "'");
    int st = system(cmd.p);
    free(cmd.p);
    int rc = 1;
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (WIFEXITED(st) && WEXITSTATUS(st) == MS_TEST_SKIP) {
            printf("SKIPPED: botocore not importable by /usr/bin/python3\n");
            rc = MS_TEST_SKIP;
        } else {
            printf("FAIL: sigv4_botocore.py failed (status %d)\n", st);
        }
        goto out;
    }

    f = fopen(outp, "r");
    if (!f)
        goto out;
    char *buf = NULL;
    size_t cap = 0;
    int got = 0, identical = 0, npresign = 0, printed = 0;
    while (getline(&buf, &cap, f) > 0 && got < n) {
        json_error_t jerr;
        json_t *bj = json_loads(buf, 0, &jerr);
        int id = bj ? (int)json_integer_value(json_object_get(bj, "id")) : -1;
        if (id != got) {
            printf("FAIL: botocore output line %d unreadable or out of order\n", got);
            json_decref(bj);
            break;
        }
        ms_sigv4_out o;
        char err[160];
        if (sign_ours(&reqs[id], &o, err, sizeof err) != 0) {
            if (printed++ < 10)
                printf("MISMATCH request %d: we refused: %s\n  request: %s\n",
                       id, err, lines[id]);
        } else {
            identical += check(id, &reqs[id], &o, bj, lines[id], &printed);
            ms_sigv4_out_free(&o);
        }
        npresign += reqs[id].presign;
        json_decref(bj);
        got++;
    }
    free(buf);
    fclose(f);
    printf("sigv4 vs botocore: %d/%d identical (%d header-signed, %d presigned)\n",
           identical, n, got - npresign, npresign);
    rc = got == n && identical == n ? 0 : 1;
out:
    for (int i = 0; i < n; i++) {
        free_request(&reqs[i]);
        free(lines[i]);
    }
    free(reqs);
    free(lines);
    ms_test_rm_rf(dir);
    free(dir);
    free(in);
    free(outp);
    return rc;
}
