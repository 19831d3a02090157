/* creds_job.c -- helpers the credential providers share with the chain:
 * clearing a result, parsing the services' times and JSON bodies, reading
 * token files and failing a job asynchronously. They live below both the
 * chain (creds.c) and the providers (creds_remote.c, creds_process.c,
 * creds_select.c), so the providers never call back into the chain.
 * Contracts: creds_internal.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/creds/creds_internal.h"
#include "base/errbuf.h"

void ms__creds_result_clear(ms_creds_result *r)
{
    /* Secrets are wiped before they go back to the allocator. */
    if (r->sk)
        explicit_bzero(r->sk, strlen(r->sk));
    if (r->token)
        explicit_bzero(r->token, strlen(r->token));
    free(r->ak);
    free(r->sk);
    free(r->token);
    memset(r, 0, sizeof *r);
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int ms__creds_parse_time(const char *s, int64_t *out)
{
    int Y, M, D, h, m, sec;
    const char *p = s;
    if (!s || digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) ||
        *p++ != '-' || digits(&p, 2, &D))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || *p++ != ':' ||
        digits(&p, 2, &sec))
        return -1;
    if (*p == '.' || *p == ',') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (digits(&p, 2, &om))
            return -1;
        off = sign * (oh * 3600L + om * 60L);
    } else {
        return -1;   /* no zone: ambiguous, the services always send one */
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (int64_t)t - off;
    return 0;
}

static char *json_str_dup(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) && json_string_length(v) ? strdup(json_string_value(v))
                                                       : NULL;
}

int ms__creds_parse_json(const char *body, size_t len, const char *token_key,
                        const char *what, ms_creds_result *res,
                        char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_loadb(body, len, 0, &je);
    if (!json_is_object(o)) {
        ms_errf(err, errlen, "%s: response is not a JSON object", what);
        json_decref(o);
        return -1;
    }
    memset(res, 0, sizeof *res);
    res->ak = json_str_dup(o, "AccessKeyId");
    res->sk = json_str_dup(o, "SecretAccessKey");
    res->token = token_key ? json_str_dup(o, token_key) : NULL;
    json_t *exp = json_object_get(o, "Expiration");
    int rc = 0;
    if (!res->ak || !res->sk) {
        ms_errf(err, errlen, "%s: response lacks AccessKeyId or SecretAccessKey", what);
        rc = -1;
    } else if (exp && !json_is_null(exp) &&
               (!json_is_string(exp) ||
                ms__creds_parse_time(json_string_value(exp), &res->expires_at))) {
        ms_errf(err, errlen, "%s: Expiration is not an ISO 8601 time", what);
        rc = -1;
    }
    if (rc)
        ms__creds_result_clear(res);
    json_decref(o);
    return rc;
}

char *ms__creds_read_small_file(const char *path, size_t max, const char *what,
                               char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ms_errf(err, errlen, "%s: cannot read %s: %s", what, path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr || n > max) {
        ms_errf(err, errlen, "%s: cannot read %s: %s", what, path,
             !buf ? "out of memory" : rerr ? "read error" : "file too large");
        free(buf);
        return NULL;
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
                 buf[n - 1] == '\t'))
        n--;
    buf[n] = 0;
    if (!n) {
        ms_errf(err, errlen, "%s: %s is empty", what, path);
        free(buf);
        return NULL;
    }
    return buf;
}

typedef struct fail_async {
    uv_timer_t t;
    ms_creds_job *job;
    char msg[512];
} fail_async;

static void fail_async_closed(uv_handle_t *h) { free(h->data); }

static void fail_async_fire(uv_timer_t *t)
{
    fail_async *f = t->data;
    f->job->done(f->job, NULL, f->msg);
    uv_close((uv_handle_t *)&f->t, fail_async_closed);
}

void ms__creds_job_fail_async(ms_creds_job *job, const char *err)
{
    fail_async *f = calloc(1, sizeof *f);
    if (!f) {
        /* Out of memory: nothing better than completing in place. */
        job->done(job, NULL, err);
        return;
    }
    f->job = job;
    snprintf(f->msg, sizeof f->msg, "%s", err);
    uv_timer_init(job->loop, &f->t);
    f->t.data = f;
    uv_timer_start(&f->t, fail_async_fire, 0, 0);
}
