/* config_load.c -- reading INI configuration files (libinih): sections,
 * inline comments, quoted values and ${ENV} expansion; each value is then
 * set through ms_config_set() with "FILE:LINE" as its origin. */
#define _GNU_SOURCE  /* asprintf, strndup, getline */
#include "base/config.h"
#include "base/errbuf.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Longest accepted line in a config file, in bytes. */
#define MS_CFG_MAX_LINE 65536

/* ---- ${ENV} expansion ---------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* Expand s[0..n) into b: ${VAR}, ${VAR:-default} (default when VAR is
 * unset or empty, itself expanded), ${VAR:?message} (an error carrying the
 * message when VAR is unset or empty: for values only the operator can
 * know, such as a bucket name, where any default would be a guess), $$ for
 * a literal $. Any other $ is an error, so a mistyped $VAR never passes
 * silently. */
static int expand(const char *s, size_t n, sbuf *b, char *msg, size_t msglen)
{
    size_t i = 0;
    while (i < n) {
        const char *dollar = memchr(s + i, '$', n - i);
        size_t lit = dollar ? (size_t)(dollar - (s + i)) : n - i;
        sb_add(b, s + i, lit);
        i += lit;
        if (i >= n)
            break;
        if (i + 1 < n && s[i + 1] == '$') {
            sb_add(b, "$", 1);
            i += 2;
            continue;
        }
        if (i + 1 >= n || s[i + 1] != '{') {
            ms_errf(msg, msglen, "a '$' must start ${VAR}, ${VAR:-default} or ${VAR:?message}; "
                "write $$ for a literal '$'");
            return -1;
        }
        size_t name = i + 2, ne = name;
        while (ne < n && (isalnum((unsigned char)s[ne]) || s[ne] == '_'))
            ne++;
        if (ne == name || isdigit((unsigned char)s[name]) || ne >= n ||
            (s[ne] != '}' &&
             !(s[ne] == ':' && ne + 1 < n && (s[ne + 1] == '-' || s[ne + 1] == '?')))) {
            ms_errf(msg, msglen, "malformed ${...}: expected ${VAR}, ${VAR:-default} or ${VAR:?message}");
            return -1;
        }
        char var[256];
        if (ne - name >= sizeof var) {
            ms_errf(msg, msglen, "environment variable name too long");
            return -1;
        }
        memcpy(var, s + name, ne - name);
        var[ne - name] = 0;
        const char *val = getenv(var);
        if (s[ne] == '}') {
            if (!val) {
                ms_errf(msg, msglen, "environment variable '%s' is not set "
                    "(use ${%s:-default} to give a default)", var, var);
                return -1;
            }
            sb_add(b, val, strlen(val));
            i = ne + 1;
            continue;
        }
        /* ${VAR:-default} / ${VAR:?message}: find the matching brace. */
        size_t d = ne + 2, e = d;
        int depth = 0;
        while (e < n) {
            if (s[e] == '$' && e + 1 < n && (s[e + 1] == '$' || s[e + 1] == '{')) {
                depth += s[e + 1] == '{';
                e += 2;
                continue;
            }
            if (s[e] == '}' && depth-- == 0)
                break;
            e++;
        }
        if (e >= n) {
            ms_errf(msg, msglen, "malformed ${...}: missing '}'");
            return -1;
        }
        if (val && *val) {
            sb_add(b, val, strlen(val));
        } else if (s[ne + 1] == '?') {
            /* The message is shown as written (trimmed), never expanded. */
            size_t ms = d, me = e;
            while (ms < me && (s[ms] == ' ' || s[ms] == '\t'))
                ms++;
            while (me > ms && (s[me - 1] == ' ' || s[me - 1] == '\t'))
                me--;
            if (me > ms)
                ms_errf(msg, msglen, "%.*s (environment variable '%s' is %s)", (int)(me - ms),
                    s + ms, var, val ? "empty" : "not set");
            else
                ms_errf(msg, msglen, "environment variable '%s' is %s and must be set", var,
                    val ? "empty" : "not set");
            return -1;
        } else if (expand(s + d, e - d, b, msg, msglen) < 0) {
            return -1;
        }
        i = e + 1;
    }
    return 0;
}

/* ---- INI files ----------------------------------------------------------- */

typedef struct load_ctx {
    ms_config *cfg;
    const char *path;
    FILE *f;
    int line;          /* line being parsed, counted by read_line */
    char *buf;
    size_t bufcap;
    char *err;
    size_t errlen;
    bool failed;
} load_ctx;

/* inih r55 as built by Debian calls its handler without a line number, so
 * lines are counted here: this reader hands inih exactly one whole line per
 * call, so the handler always runs for the line last read. Lines longer
 * than inih's buffer are an error rather than being split silently. */
static char *read_line(char *str, int num, void *stream)
{
    load_ctx *c = stream;
    if (c->failed)
        return NULL;
    ssize_t n = getline(&c->buf, &c->bufcap, c->f);
    if (n < 0)
        return NULL;
    c->line++;
    if (n >= num || strlen(c->buf) != (size_t)n) {
        ms_errf(c->err, c->errlen, "%s:%d: syntax error (%s)", c->path, c->line,
            n >= num ? "line too long" : "NUL byte");
        c->failed = true;
        return NULL;
    }
    memcpy(str, c->buf, (size_t)n + 1);
    return str;
}

/* A raw value from inih (trimmed): cut an inline "; comment" (a ';'
 * after whitespace) and remove "double quotes", in which \" and \\ are
 * escapes and ';' is ordinary. Returns a malloc'd string or NULL. */
static char *clean_value(const char *v, const char **why)
{
    *why = NULL;
    if (*v != '"') {
        size_t n = 0;
        for (; v[n]; n++)
            if (v[n] == ';' && n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                break;
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            n--;
        return strndup(v, n);
    }
    char *out = malloc(strlen(v) + 1), *o = out;
    if (!out) {
        *why = "out of memory";
        return NULL;
    }
    const char *p = v + 1;
    for (; *p && *p != '"'; p++) {
        if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
            p++;
        *o++ = *p;
    }
    *o = 0;
    if (*p != '"') {
        *why = "unterminated quoted value";
    } else {
        for (p++; *p == ' ' || *p == '\t'; p++)
            ;
        if (*p && *p != ';')
            *why = "text after the closing quote";
    }
    if (*why) {
        free(out);
        return NULL;
    }
    return out;
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *c = user;
    if (c->failed)
        return 0;
    char origin[PATH_MAX + 32];
    snprintf(origin, sizeof origin, "%s:%d", c->path, c->line);

    const char *why = NULL;
    if (!*name) {
        ms_errf(c->err, c->errlen, "%s: syntax error (missing key)", origin);
        c->failed = true;
        return 0;
    }
    /* inih keeps the spaces inside [ section ]. */
    while (isspace((unsigned char)*section))
        section++;
    size_t slen = strlen(section);
    while (slen > 0 && isspace((unsigned char)section[slen - 1]))
        slen--;

    char *key = NULL, *raw = NULL;
    sbuf val = { 0 };
    int rc = -1;
    if (asprintf(&key, "%.*s%s%s", (int)slen, section, slen ? "." : "", name) < 0) {
        key = NULL;
        why = "out of memory";
    } else if (!(raw = clean_value(value, &why))) {
        if (!why)
            why = "out of memory";
    }
    if (why) {
        ms_errf(c->err, c->errlen, "%s: syntax error (%s)", origin, why);
    } else {
        char msg[512];
        sb_add(&val, "", 0);
        if (expand(raw, strlen(raw), &val, msg, sizeof msg) < 0)
            ms_errf(c->err, c->errlen, "%s: %s: %s", origin, key, msg);
        else if (val.oom)
            ms_errf(c->err, c->errlen, "%s: out of memory", origin);
        else
            rc = ms_config_set(c->cfg, key, val.p, origin, c->err, c->errlen);
    }
    free(key);
    free(raw);
    free(val.p);
    if (rc < 0)
        c->failed = true;
    return rc == 0;
}

int ms_config_load_file(ms_config *cfg, const char *path, char *err, size_t errlen)
{
    load_ctx c = { .cfg = cfg, .path = path, .err = err, .errlen = errlen };
    c.f = fopen(path, "r");
    if (!c.f) {
        ms_errf(err, errlen, "%s: cannot open config file: %s", path, strerror(errno));
        return -1;
    }
    /* Debian's inih takes its options as globals; config is loaded on the
     * main thread before any other thread starts. Inline comments are
     * handled in clean_value() so that quoted values may contain ';'. */
    ini_allow_multiline = false;
    ini_allow_inline_comments = false;
    ini_allow_no_value = false;
    ini_allow_bom = true;
    ini_stop_on_first_error = true;
    ini_use_stack = false;
    ini_allow_realloc = false;
    ini_max_line = MS_CFG_MAX_LINE;
    ini_initial_alloc = MS_CFG_MAX_LINE;

    int rc = ini_parse_stream(read_line, &c, on_pair, &c);
    if (!c.failed && ferror(c.f)) {
        ms_errf(err, errlen, "%s: read error: %s", path, strerror(errno));
        c.failed = true;
    }
    if (!c.failed && rc != 0) {
        if (rc > 0)
            ms_errf(err, errlen, "%s:%d: syntax error", path, rc);
        else
            ms_errf(err, errlen, "%s: out of memory", path);
        c.failed = true;
    }
    free(c.buf);
    fclose(c.f);
    return c.failed ? -1 : 0;
}
