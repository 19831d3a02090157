/* sigv4_util.c -- the stand-alone helpers declared in sigv4.h: SHA-256 in
 * hex, RFC 3986 percent-encoding, the SigV4 / ISO 8601 timestamps, and the
 * signing-key derivation with its cache. */
#define _GNU_SOURCE /* timegm, gmtime_r */
#include "aws/sigv4.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

void ms_sha256_hex(const void *data, size_t len, char hex[65])
{
    static const char HEX[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 32;
    /* EVP_Digest fails only on allocation failure inside OpenSSL; a zero
     * digest then yields a signature the service rejects, never a crash. */
    if (!EVP_Digest(data ? data : "", data ? len : 0, md, &mdlen,
                    EVP_sha256(), NULL))
        memset(md, 0, sizeof md);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = HEX[md[i] >> 4];
        hex[2 * i + 1] = HEX[md[i] & 15];
    }
    hex[64] = '\0';
}

char *ms_uri_encode(const char *s, size_t len, bool keep_slash)
{
    static const char UHEX[] = "0123456789ABCDEF";
    if (!s)
        len = 0;
    char *out = malloc(3 * len + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~' || (keep_slash && c == '/')) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = UHEX[c >> 4];
            *o++ = UHEX[c & 15];
        }
    }
    *o = '\0';
    return out;
}

void ms_sigv4_amz_date(time_t t, char buf[17])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        memcpy(buf, "00000000T000000Z", 17);
        return;
    }
    char tmp[64]; /* room for any int, to keep -Wformat-truncation quiet */
    snprintf(tmp, sizeof tmp, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(buf, tmp, 17);
}

static bool take_digits(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        x = x * 10 + (c - '0');
    }
    *p += n;
    *v = x;
    return true;
}

static bool take_char(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

/* Accepts the SigV4 basic form and the ISO 8601 / RFC 3339 forms the
 * credential sources use ("2015-08-30T12:36:00Z", with optional fractional
 * seconds and a numeric offset instead of Z). */
int ms_sigv4_parse_date(const char *s, time_t *out)
{
    if (!s || !out)
        return -1;
    const char *p = s;
    int Y, M, D, h, m, sec, off = 0;
    bool ext = strlen(s) > 4 && s[4] == '-';
    if (!take_digits(&p, 4, &Y) || (ext && !take_char(&p, '-')) ||
        !take_digits(&p, 2, &M) || (ext && !take_char(&p, '-')) ||
        !take_digits(&p, 2, &D))
        return -1;
    if (!take_char(&p, 'T') && !(ext && (take_char(&p, 't') || take_char(&p, ' '))))
        return -1;
    if (!take_digits(&p, 2, &h) || (ext && !take_char(&p, ':')) ||
        !take_digits(&p, 2, &m) || (ext && !take_char(&p, ':')) ||
        !take_digits(&p, 2, &sec))
        return -1;
    if (ext && *p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || (ext && *p == 'z')) {
        p++;
    } else if (ext && (*p == '+' || *p == '-')) {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (!take_digits(&p, 2, &oh))
            return -1;
        take_char(&p, ':');
        if (!take_digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] ||
        (M == 2 && D == 29 && !leap) || h > 23 || m > 59 || sec > 60)
        return -1;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D,
                    .tm_hour = h, .tm_min = m, .tm_sec = sec};
    *out = timegm(&tm) - off;
    return 0;
}

static void hmac256(const void *key, size_t keylen, const char *msg,
                    size_t msglen, unsigned char out[32])
{
    unsigned int olen = 32;
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
              msglen, out, &olen))
        memset(out, 0, 32); /* OOM inside OpenSSL: a wrong, harmless key */
}

/* ---- signing-key cache ----
 * The signing key depends only on (secret, date, region, service), so it is
 * derived once per day per service instead of four HMACs per request. Slots
 * are identified by a SHA-256 over the four inputs, which keeps the secret
 * itself out of the cache; the derived keys are wiped on eviction. A handful
 * of slots covers one process talking to a few services, plus the day
 * boundary (yesterday's and today's key both live for a moment). */

#define KEY_SLOTS 16

typedef struct kslot {
    unsigned char id[32];
    unsigned char key[32];
    uint64_t used; /* LRU tick; 0 = empty */
} kslot;

static kslot g_keys[KEY_SLOTS];
static uint64_t g_tick;
static pthread_mutex_t g_keys_lock = PTHREAD_MUTEX_INITIALIZER;

static void key_id(const char *secret, const char *date8, const char *region,
                   const char *service, unsigned char id[32])
{
    /* NUL separators make the concatenation unambiguous. */
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int n = 32;
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(c, secret, strlen(secret) + 1) ||
        !EVP_DigestUpdate(c, date8, strlen(date8) + 1) ||
        !EVP_DigestUpdate(c, region, strlen(region) + 1) ||
        !EVP_DigestUpdate(c, service, strlen(service) + 1) ||
        !EVP_DigestFinal_ex(c, id, &n))
        memset(id, 0, 32); /* all-zero id: never matches, see below */
    EVP_MD_CTX_free(c);
}

static void derive_key(const char *secret, const char *date8,
                       const char *region, const char *service,
                       unsigned char key[32])
{
    size_t sl = strlen(secret);
    char *k0 = malloc(sl + 5);
    unsigned char a[32], b[32];
    if (!k0) {
        memset(key, 0, 32);
        return;
    }
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, sl + 1);
    hmac256(k0, sl + 4, date8, strlen(date8), a);
    hmac256(a, 32, region, strlen(region), b);
    hmac256(b, 32, service, strlen(service), a);
    hmac256(a, 32, "aws4_request", 12, key);
    OPENSSL_cleanse(k0, sl + 4);
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    free(k0);
}

void ms_sigv4_signing_key(const char *secret, const char *date8,
                          const char *region, const char *service,
                          unsigned char key[32])
{
    static const unsigned char zero[32];
    unsigned char id[32];
    key_id(secret, date8, region, service, id);
    bool cacheable = memcmp(id, zero, 32) != 0;

    if (cacheable) {
        pthread_mutex_lock(&g_keys_lock);
        for (int i = 0; i < KEY_SLOTS; i++) {
            if (g_keys[i].used && !memcmp(g_keys[i].id, id, 32)) {
                memcpy(key, g_keys[i].key, 32);
                g_keys[i].used = ++g_tick;
                pthread_mutex_unlock(&g_keys_lock);
                return;
            }
        }
        pthread_mutex_unlock(&g_keys_lock);
    }
    /* Derive outside the lock; two threads racing on the same miss both
     * derive the same key and the second store just refreshes the slot. */
    derive_key(secret, date8, region, service, key);
    if (!cacheable)
        return;
    pthread_mutex_lock(&g_keys_lock);
    int victim = 0;
    for (int i = 0; i < KEY_SLOTS; i++) {
        if (g_keys[i].used && !memcmp(g_keys[i].id, id, 32)) {
            victim = i;
            break;
        }
        if (g_keys[i].used < g_keys[victim].used)
            victim = i;
    }
    OPENSSL_cleanse(g_keys[victim].key, 32);
    memcpy(g_keys[victim].id, id, 32);
    memcpy(g_keys[victim].key, key, 32);
    g_keys[victim].used = ++g_tick;
    pthread_mutex_unlock(&g_keys_lock);
}
