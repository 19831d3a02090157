/* cm_redis_conf.c -- see cm_cache.h: the Redis tier's URL and keys parsed
 * into an ms_cm_redis_conf. No message here ever quotes the URL (it may
 * hold a password): they name the part at fault. */
#include "stages/comprehend/cm_cache.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/errbuf.h"
#include "base/str.h"

#define URL_KEY "comprehend.cache.redis_url"

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* p[0..n) percent-decoded into out; -1 when malformed or too long. */
static int pct_decode(const char *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int ch = (unsigned char)p[i];
        if (ch == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            ch = hi * 16 + lo;
            i += 2;
        }
        if (ch == 0 || o + 1 >= outlen)
            return -1;
        out[o++] = (char)ch;
    }
    out[o] = 0;
    return 0;
}

static int parse_userinfo(ms_cm_redis_conf *c, const char *p, size_t n, char *err,
                          size_t errlen)
{
    const char *colon = memchr(p, ':', n);
    size_t ul = colon ? (size_t)(colon - p) : n;
    if (pct_decode(p, ul, c->user, sizeof c->user) != 0) {
        ms_errf(err, errlen, URL_KEY ": bad user name in the URL");
        return -1;
    }
    if (colon && pct_decode(colon + 1, n - ul - 1, c->password, sizeof c->password) != 0) {
        ms_errf(err, errlen, URL_KEY ": bad password in the URL (percent-encode reserved "
                "characters, or use comprehend.cache.redis_password)");
        return -1;
    }
    return 0;
}

int ms_cm_redis_conf_parse(ms_cm_redis_conf *c, const char *url, const char *user,
                           const char *password, const char *ca_file, const char *cert_file,
                           const char *key_file, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const char *p = url;
    if (!strncmp(p, "redis://", 8)) {
        p += 8;
    } else if (!strncmp(p, "rediss://", 9)) {
        p += 9;
        c->tls = true;
    } else {
        ms_errf(err, errlen, URL_KEY ": must start with redis:// or rediss:// (TLS)");
        return -1;
    }
    size_t auth_len = strcspn(p, "/");
    const char *at = memchr(p, '@', auth_len);
    if (at) {
        /* the last '@' before the path: a password may contain '@' */
        while (memchr(at + 1, '@', auth_len - (size_t)(at + 1 - p)))
            at = memchr(at + 1, '@', auth_len - (size_t)(at + 1 - p));
        if (parse_userinfo(c, p, (size_t)(at - p), err, errlen) != 0)
            return -1;
        p = at + 1;
    }
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof c->host) {
        ms_errf(err, errlen, URL_KEY ": no host");
        return -1;
    }
    memcpy(c->host, p, hl);
    c->host[hl] = 0;
    p += hl;
    c->port = 6379;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 1 || v > 65535 || (*end && *end != '/')) {
            ms_errf(err, errlen, URL_KEY ": bad port");
            return -1;
        }
        c->port = (int)v;
        p = end;
    }
    if (*p == '/' && p[1]) {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end || v < 0 || v > 1000000) {
            ms_errf(err, errlen, URL_KEY ": bad database number");
            return -1;
        }
        c->db = (int)v;
    }
    if (user && *user && ms_strlcpy(c->user, sizeof c->user, user) >= sizeof c->user) {
        ms_errf(err, errlen, "comprehend.cache.redis_username: too long");
        return -1;
    }
    if (password && *password &&
        ms_strlcpy(c->password, sizeof c->password, password) >= sizeof c->password) {
        ms_errf(err, errlen, "comprehend.cache.redis_password: too long");
        return -1;
    }
    if (c->user[0] && !c->password[0]) {
        ms_errf(err, errlen, "comprehend.cache: a Redis user name needs a password "
                "(comprehend.cache.redis_password or user:password@ in the URL)");
        return -1;
    }
    const struct {
        const char *key, *v;
        char *dst;
    } files[3] = {
        {"comprehend.cache.redis_ca_file", ca_file, c->ca_file},
        {"comprehend.cache.redis_cert_file", cert_file, c->cert_file},
        {"comprehend.cache.redis_key_file", key_file, c->key_file},
    };
    for (int i = 0; i < 3; i++) {
        if (!files[i].v || !*files[i].v)
            continue;
        if (!c->tls) {
            ms_errf(err, errlen, "%s is set but " URL_KEY " is not rediss:// (TLS)",
                    files[i].key);
            return -1;
        }
        if (ms_strlcpy(files[i].dst, 512, files[i].v) >= 512) {
            ms_errf(err, errlen, "%s: path too long", files[i].key);
            return -1;
        }
    }
    if (!c->cert_file[0] != !c->key_file[0]) {
        ms_errf(err, errlen, "comprehend.cache.redis_cert_file and redis_key_file go together "
                "(a client certificate needs its key)");
        return -1;
    }
    return 0;
}
