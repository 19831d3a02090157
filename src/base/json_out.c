/* json_out.c -- json_dumps(INDENT(2) | PRESERVE_ORDER | REAL_PRECISION(6)),
 * byte for byte, in one pass over a growing buffer (see json_out.h). */
#include "base/json_out.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 2048

typedef ms_jw obuf;

static bool reserve(obuf *b, size_t more)
{
    if (b->oom)
        return false;
    if (b->n + more < b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (b->n + more >= cap)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static void put(obuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void putc1(obuf *b, char c)
{
    if (!reserve(b, 1))
        return;
    b->p[b->n++] = c;
}

/* "\n" and two spaces per level. */
static void indent(obuf *b, int depth)
{
    size_t k = 2 * (size_t)depth;
    if (!reserve(b, k + 1))
        return;
    b->p[b->n++] = '\n';
    memset(b->p + b->n, ' ', k);
    b->n += k;
}

/* Length of the UTF-8 sequence at s (at most n bytes) and its code point,
 * with jansson's rules (no overlong forms, no surrogates, <= U+10FFFF);
 * 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t k;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        k = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (k == 3 && v < 0x800) ||
        (k == 4 && v < 0x10000))
        return 0;
    *cp = v;
    return k;
}

static bool put_string(obuf *b, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0;
    putc1(b, '"');
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_seq(s + i, len - i, &cp);
        if (!k)
            return false;
        if (cp >= 0x80) {
            i += k;
            continue;
        }
        put(b, str + run, i - run);
        char seq[8];
        const char *t = seq;
        size_t tl = 2;
        switch (c) {
        case '\\': t = "\\\\"; break;
        case '"': t = "\\\""; break;
        case '\b': t = "\\b"; break;
        case '\f': t = "\\f"; break;
        case '\n': t = "\\n"; break;
        case '\r': t = "\\r"; break;
        case '\t': t = "\\t"; break;
        default:
            snprintf(seq, sizeof seq, "\\u%04X", (unsigned)c);
            tl = 6;
            break;
        }
        put(b, t, tl);
        i++;
        run = i;
    }
    put(b, str + run, len - run);
    putc1(b, '"');
    return true;
}

/* jansson's jsonp_dtostr with precision 6 (the C locale's '.'). */
static void put_real(obuf *b, double v)
{
    /* k / 10000 for k = 0 .. 10000 (the scores: round(s * 1e4) / 1e4): its
     * %.6g is "0.dddd" without trailing zeros, "0" or "1", plus ".0" */
    double k = nearbyint(v * 1e4);
    if (k >= 0 && k <= 1e4 && k / 1e4 == v && !signbit(v)) {
        int d = (int)k;
        if (d == 0 || d == 10000) {
            put(b, d ? "1.0" : "0.0", 3);
            return;
        }
        char q[6] = {'0', '.', (char)('0' + d / 1000), (char)('0' + d / 100 % 10),
                     (char)('0' + d / 10 % 10), (char)('0' + d % 10)};
        size_t n = 6;
        while (q[n - 1] == '0')
            n--;
        put(b, q, n);
        return;
    }
    char buf[64];
    int r = snprintf(buf, sizeof buf - 3, "%.6g", v);
    if (r < 0 || (size_t)r >= sizeof buf - 3) {
        b->oom = true;
        return;
    }
    size_t n = (size_t)r;
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        buf[n++] = '.';
        buf[n++] = '0';
        buf[n] = 0;
    }
    char *e = strchr(buf, 'e');
    if (e) {
        char *start = e + 1, *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, n - (size_t)(end - buf) + 1);
            n -= (size_t)(end - start);
        }
    }
    put(b, buf, n);
}

static bool dump(obuf *b, const json_t *j, int depth)
{
    if (depth > MAX_DEPTH)
        return false;
    if (j == b->slot && b->fill) {
        /* the caller writes this value: at this depth, right here (the
         * separator and indent before it are written) */
        if (depth >= MS_JW_MAX_DEPTH)
            return false;
        int saved = b->depth;
        char kind = depth > 0 ? b->kind[depth - 1] : 0;
        b->depth = depth;
        if (depth > 0)
            b->kind[depth - 1] = '{';     /* a value after its key */
        bool ok = b->fill(b, b->ud) == 0 && !b->bad && b->depth == depth;
        b->depth = saved;
        if (depth > 0)
            b->kind[depth - 1] = kind;
        return ok;
    }
    char num[32];
    switch (json_typeof(j)) {
    case JSON_NULL:
        put(b, "null", 4);
        return true;
    case JSON_TRUE:
        put(b, "true", 4);
        return true;
    case JSON_FALSE:
        put(b, "false", 5);
        return true;
    case JSON_INTEGER: {
        int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        put(b, num, (size_t)n);
        return true;
    }
    case JSON_REAL:
        put_real(b, json_real_value(j));
        return true;
    case JSON_STRING:
        return put_string(b, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (n == 0) {
            put(b, "[]", 2);
            return true;
        }
        putc1(b, '[');
        indent(b, depth + 1);
        for (size_t i = 0; i < n; i++) {
            if (!dump(b, json_array_get(j, i), depth + 1))
                return false;
            if (i + 1 < n) {
                putc1(b, ',');
                indent(b, depth + 1);
            } else {
                indent(b, depth);
            }
        }
        putc1(b, ']');
        return true;
    }
    case JSON_OBJECT: {
        void *it = json_object_iter((json_t *)j);
        if (!it) {
            put(b, "{}", 2);
            return true;
        }
        putc1(b, '{');
        indent(b, depth + 1);
        while (it) {
            /* jansson 2.14 ignores a key's failure: an invalid key is
             * written as far as its last escape and the dump goes on */
            (void)put_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
            put(b, ": ", 2);
            if (!dump(b, json_object_iter_value(it), depth + 1))
                return false;
            it = json_object_iter_next((json_t *)j, it);
            if (it) {
                putc1(b, ',');
                indent(b, depth + 1);
            } else {
                indent(b, depth);
            }
        }
        putc1(b, '}');
        return true;
    }
    }
    return false;
}

char *ms_json_dumps_indent2(const json_t *j, size_t *len)
{
    return ms_json_dumps_indent2_fill(j, NULL, NULL, NULL, len);
}

char *ms_json_dumps_indent2_fill(const json_t *j, const json_t *slot, ms_jw_fill fill, void *ud,
                                 size_t *len)
{
    if (!j || (!json_is_object(j) && !json_is_array(j)))
        return NULL;
    obuf b = {.slot = slot, .fill = fill, .ud = ud};
    if (!dump(&b, j, 0) || !reserve(&b, 1) || b.oom) {
        free(b.p);
        return NULL;
    }
    b.p[b.n] = 0;
    if (len)
        *len = b.n;
    return b.p;
}

/* ---- the same bytes, written as they come (json_out.h, ms_jw) ---- */

bool ms_jw_utf8_ok(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_seq(u + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* Before a value or a key: the separator and the indent of its container. */
static void member(ms_jw *w)
{
    if (w->depth == 0)
        return;
    if (w->any[w->depth - 1])
        putc1(w, ',');
    w->any[w->depth - 1] = true;
    indent(w, w->depth);
}

static void value(ms_jw *w)
{
    if (w->depth > 0 && w->kind[w->depth - 1] == '[')
        member(w);
}

static void open_(ms_jw *w, char c)
{
    value(w);
    if (w->depth >= MS_JW_MAX_DEPTH) {
        w->bad = true;
        return;
    }
    putc1(w, c);
    w->kind[w->depth] = c;
    w->any[w->depth] = false;
    w->depth++;
}

void ms_jw_object(ms_jw *w) { open_(w, '{'); }
void ms_jw_array(ms_jw *w) { open_(w, '['); }

void ms_jw_end(ms_jw *w)
{
    if (w->depth == 0) {
        w->bad = true;
        return;
    }
    w->depth--;
    if (w->any[w->depth])
        indent(w, w->depth);
    putc1(w, w->kind[w->depth] == '{' ? '}' : ']');
}

void ms_jw_key(ms_jw *w, const char *k)
{
    member(w);
    (void)put_string(w, k, strlen(k));
    put(w, ": ", 2);
}

void ms_jw_int(ms_jw *w, long long v)
{
    char num[32];
    value(w);
    int n = snprintf(num, sizeof num, "%lld", v);
    put(w, num, (size_t)n);
}

void ms_jw_real(ms_jw *w, double v)
{
    value(w);
    put_real(w, v);
}

void ms_jw_strn(ms_jw *w, const char *s, size_t n)
{
    value(w);
    if (!put_string(w, s, n))
        w->bad = true;
}

void ms_jw_str(ms_jw *w, const char *s)
{
    ms_jw_strn(w, s, strlen(s));
}

void ms_jw_json(ms_jw *w, const json_t *j)
{
    value(w);
    if (!j || !dump(w, j, w->depth))
        w->bad = true;
}

char *ms_jw_finish(ms_jw *w, size_t *len)
{
    if (w->bad || w->depth != 0 || !reserve(w, 1)) {
        ms_jw_discard(w);
        return NULL;
    }
    char *p = w->p;
    p[w->n] = 0;
    if (len)
        *len = w->n;
    w->p = NULL;
    w->n = w->cap = 0;
    return p;
}

void ms_jw_discard(ms_jw *w)
{
    free(w->p);
    w->p = NULL;
    w->n = w->cap = 0;
}
