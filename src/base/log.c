/* log.c -- leveled, structured log lines on stderr (logfmt or JSON), and
 * the live status line drawn on a terminal.
 *
 * A line is formatted into a local buffer without the lock; the lock only
 * covers the single write(2) of the line (with the status line cleared
 * before it and redrawn after it in the same write). */
#include "base/log.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define STATUS_MAX 512
#define CLEAR_LINE "\r\033[K"

static const char *const level_names[] = { "debug", "info", "warn", "error" };

static atomic_int log_level = MS_LOG_INFO;
static atomic_bool log_json = false;

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char status[STATUS_MAX];   /* guarded by log_mu */
static size_t status_len;
static bool status_shown;

int ms_log_setup(const char *level, const char *format)
{
    int lv = -1;
    for (int i = 0; i < 4 && level; i++)
        if (strcmp(level, level_names[i]) == 0)
            lv = i;
    if (level && lv < 0)
        return -1;
    if (format && strcmp(format, "logfmt") != 0 && strcmp(format, "json") != 0)
        return -1;
    if (level)
        atomic_store(&log_level, lv);
    if (format)
        atomic_store(&log_json, strcmp(format, "json") == 0);
    return 0;
}

void ms_log_set_level(ms_log_level level)
{
    atomic_store(&log_level, (int)level);
}

bool ms_log_enabled(ms_log_level level)
{
    return (int)level >= atomic_load_explicit(&log_level, memory_order_relaxed);
}

/* ---- line buffer ----------------------------------------------------------- */

typedef struct lbuf {
    char *p;
    size_t len, cap;
    bool heap;
} lbuf;

static void put(lbuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap * 2;
        while (cap < b->len + n)
            cap *= 2;
        char *p = b->heap ? realloc(b->p, cap) : malloc(cap);
        if (!p)
            n = b->cap - b->len;    /* out of memory: truncate the line */
        else {
            if (!b->heap)
                memcpy(p, b->p, b->len);
            b->p = p;
            b->cap = cap;
            b->heap = true;
        }
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void puts_(lbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putc_(lbuf *b, char c)
{
    put(b, &c, 1);
}

static void put_hex4(lbuf *b, unsigned v)
{
    char tmp[8];
    snprintf(tmp, sizeof tmp, "\\u%04x", v & 0xffff);
    puts_(b, tmp);
}

/* ---- escaping --------------------------------------------------------------- */

static bool logfmt_needs_quotes(const char *s)
{
    if (!*s)
        return true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' || *p == 0x7f)
            return true;
    return false;
}

static void put_escaped_char(lbuf *b, unsigned char c)
{
    switch (c) {
    case '"':  puts_(b, "\\\""); break;
    case '\\': puts_(b, "\\\\"); break;
    case '\n': puts_(b, "\\n"); break;
    case '\r': puts_(b, "\\r"); break;
    case '\t': puts_(b, "\\t"); break;
    case '\b': puts_(b, "\\b"); break;
    case '\f': puts_(b, "\\f"); break;
    default:
        if (c < 0x20 || c == 0x7f)
            put_hex4(b, c);
        else
            putc_(b, (char)c);
    }
}

static void put_logfmt_str(lbuf *b, const char *s)
{
    if (!logfmt_needs_quotes(s)) {
        puts_(b, s);
        return;
    }
    putc_(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        put_escaped_char(b, *p);
    putc_(b, '"');
}

/* Length of the valid UTF-8 sequence at p, or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;   /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

/* A JSON string; bytes that are not valid UTF-8 become U+FFFD so the line
 * always parses. */
static void put_json_str(lbuf *b, const char *s)
{
    putc_(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            if (*p == 0x7f)
                putc_(b, 0x7f);
            else
                put_escaped_char(b, *p);
            p++;
            continue;
        }
        size_t n = utf8_len(p);
        if (n == 0) {
            puts_(b, "\\ufffd");
            p++;
        } else {
            put(b, (const char *)p, n);
            p += n;
        }
    }
    putc_(b, '"');
}

/* ---- formatting --------------------------------------------------------------- */

static void put_ts(lbuf *b)
{
    struct timespec ts;
    struct tm tm;
    char tmp[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(tmp + n, sizeof tmp - n, ".%03ldZ", ts.tv_nsec / 1000000);
    puts_(b, tmp);
}

static void put_kv(lbuf *b, const ms_kv *kv, bool json)
{
    char num[64];
    if (json) {
        putc_(b, ',');
        put_json_str(b, kv->key);
        putc_(b, ':');
    } else {
        putc_(b, ' ');
        puts_(b, kv->key);
        putc_(b, '=');
    }
    switch (kv->type) {
    case 'i':
        snprintf(num, sizeof num, "%lld", kv->i);
        puts_(b, num);
        break;
    case 'f':
        if (json && !isfinite(kv->f))
            puts_(b, "null");
        else {
            snprintf(num, sizeof num, "%.15g", kv->f);
            puts_(b, num);
        }
        break;
    default:
        if (!kv->s)
            puts_(b, "null");
        else if (json)
            put_json_str(b, kv->s);
        else
            put_logfmt_str(b, kv->s);
    }
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

void ms_log(ms_log_level level, const char *msg, ...)
{
    if (!ms_log_enabled(level))
        return;
    if ((int)level < MS_LOG_DEBUG || level > MS_LOG_ERROR)
        level = MS_LOG_ERROR;
    bool json = atomic_load_explicit(&log_json, memory_order_relaxed);

    char stack[1024];
    lbuf b = { stack, 0, sizeof stack, false };
    /* Room for clearing the status line, filled in under the lock. */
    put(&b, CLEAR_LINE, sizeof CLEAR_LINE - 1);
    size_t start = b.len;

    if (json) {
        puts_(&b, "{\"ts\":\"");
        put_ts(&b);
        puts_(&b, "\",\"level\":\"");
        puts_(&b, level_names[level]);
        puts_(&b, "\",\"msg\":");
        put_json_str(&b, msg ? msg : "");
    } else {
        puts_(&b, "ts=");
        put_ts(&b);
        puts_(&b, " level=");
        puts_(&b, level_names[level]);
        puts_(&b, " msg=");
        put_logfmt_str(&b, msg ? msg : "");
    }
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        ms_kv kv = va_arg(ap, ms_kv);
        if (!kv.key)
            break;
        put_kv(&b, &kv, json);
    }
    va_end(ap);
    if (json)
        putc_(&b, '}');
    putc_(&b, '\n');

    pthread_mutex_lock(&log_mu);
    size_t from = status_shown ? 0 : start;
    if (status_shown)
        put(&b, status, status_len);
    write_all(b.p + from, b.len - from);
    pthread_mutex_unlock(&log_mu);
    if (b.heap)
        free(b.p);
}

void ms_log_status(const char *line)
{
    pthread_mutex_lock(&log_mu);
    if (!isatty(STDERR_FILENO)) {
        status_shown = false;
        status_len = 0;
        pthread_mutex_unlock(&log_mu);
        return;
    }
    char out[STATUS_MAX + sizeof CLEAR_LINE];
    memcpy(out, CLEAR_LINE, sizeof CLEAR_LINE - 1);
    size_t n = sizeof CLEAR_LINE - 1;
    if (line) {
        /* A wrapped status line could not be cleared with \r: keep it
         * within the terminal width (cutting on a UTF-8 boundary). */
        size_t len = strlen(line), max = STATUS_MAX - 1;
        struct winsize ws;
        if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 &&
            (size_t)ws.ws_col - 1 < max)
            max = (size_t)ws.ws_col - 1;
        if (len > max) {
            len = max;
            while (len > 0 && ((unsigned char)line[len] & 0xc0) == 0x80)
                len--;
        }
        memcpy(status, line, len);
        status_len = len;
        status_shown = true;
        memcpy(out + n, line, len);
        n += len;
        write_all(out, n);
    } else if (status_shown) {
        status_shown = false;
        status_len = 0;
        write_all(out, n);
    }
    pthread_mutex_unlock(&log_mu);
}
