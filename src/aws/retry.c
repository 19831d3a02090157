#define _GNU_SOURCE  /* memmem */
/* retry.c -- the SDKs' standard retry mode (see retry.h). */
#include "aws/retry.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/backoff.h"

/* botocore's ThrottledRetryableChecker list (the union of every throttle
 * code AWS services are known to send). */
static const char *const throttle_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
    "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", NULL
};

static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    "InternalFailure", "InternalServerError", "ServiceUnavailable", NULL
};

static bool in_list(const char *const *list, const char *code)
{
    if (!code || !*code) return false;
    for (; *list; list++)
        if (strcmp(*list, code) == 0) return true;
    return false;
}

bool ms_aws_is_throttle_code(const char *code)
{
    return in_list(throttle_codes, code);
}

const char *ms_aws_outcome_name(ms_aws_outcome o)
{
    switch (o) {
    case MS_AWS_SUCCESS: return "success";
    case MS_AWS_THROTTLE: return "throttle";
    case MS_AWS_TRANSIENT: return "transient";
    case MS_AWS_TIMEOUT: return "timeout";
    case MS_AWS_FINAL: return "final";
    }
    return "?";
}

static void copy_trunc(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap) len = cap - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* Text of the first <tag>...</tag> in an XML body; entities are left as
 * they are (codes never contain them; messages are for people). */
static bool xml_text(const char *body, size_t len, const char *tag,
                     char *out, size_t cap)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *end = body + len;
    const char *p = memmem(body, len, open, strlen(open));
    if (!p) return false;
    p += strlen(open);
    const char *q = memmem(p, (size_t)(end - p), close, strlen(close));
    if (!q) return false;
    while (p < q && isspace((unsigned char)*p)) p++;
    while (q > p && isspace((unsigned char)q[-1])) q--;
    copy_trunc(out, cap, p, (size_t)(q - p));
    return true;
}

static const char *json_str(json_t *o, const char *const *keys)
{
    for (; *keys; keys++) {
        const char *s = json_string_value(json_object_get(o, *keys));
        if (s) return s;
    }
    return NULL;
}

void ms_aws_error_parse(const ms_http_resp *r, ms_aws_error *e)
{
    e->code[0] = e->message[0] = '\0';
    const char *body = r->body ? r->body : "";
    size_t len = r->body ? r->body_len : 0;
    size_t i = 0;
    while (i < len && isspace((unsigned char)body[i])) i++;

    if (i < len && body[i] == '{') {
        json_t *j = json_loadb(body, len, 0, NULL);
        if (json_is_object(j)) {
            static const char *const code_keys[] = {"__type", "code", "Code", NULL};
            static const char *const msg_keys[] = {"message", "Message", "errorMessage", NULL};
            const char *code = json_str(j, code_keys);
            if (code) {
                const char *hash = strrchr(code, '#');   /* "ns#Name" */
                if (hash) code = hash + 1;
                copy_trunc(e->code, sizeof e->code, code, strlen(code));
            }
            const char *msg = json_str(j, msg_keys);
            if (msg) copy_trunc(e->message, sizeof e->message, msg, strlen(msg));
        }
        json_decref(j);
    } else if (i < len && body[i] == '<') {
        xml_text(body + i, len - i, "Code", e->code, sizeof e->code);
        xml_text(body + i, len - i, "Message", e->message, sizeof e->message);
    }

    /* REST-JSON services name the error in a header; it is authoritative
     * there and agrees with the body elsewhere. */
    const char *h = ms_http_resp_header(r, "x-amzn-errortype");
    if (h && *h) {
        size_t n = strcspn(h, ":");
        copy_trunc(e->code, sizeof e->code, h, n);
    }
}

ms_aws_outcome ms_aws_classify(const ms_http_resp *r, ms_aws_error *e)
{
    ms_aws_error local;
    if (!e) e = &local;
    e->code[0] = e->message[0] = '\0';

    switch (r->err) {
    case MS_HTTP_OK:
        break;
    case MS_HTTP_ETIMEDOUT:
        snprintf(e->code, sizeof e->code, "%s", "RequestTimeout");
        snprintf(e->message, sizeof e->message, "%s", r->errmsg ? r->errmsg : "");
        return MS_AWS_TIMEOUT;
    case MS_HTTP_ECONNECT:
    case MS_HTTP_ERESET:
        snprintf(e->code, sizeof e->code, "%s", ms_http_err_name(r->err));
        snprintf(e->message, sizeof e->message, "%s", r->errmsg ? r->errmsg : "");
        return MS_AWS_TRANSIENT;
    default:
        /* TLS failures, oversize answers, cancellation: another attempt
         * would fail the same way. */
        snprintf(e->code, sizeof e->code, "%s", ms_http_err_name(r->err));
        snprintf(e->message, sizeof e->message, "%s", r->errmsg ? r->errmsg : "");
        return MS_AWS_FINAL;
    }

    if (r->status >= 200 && r->status < 300) return MS_AWS_SUCCESS;
    ms_aws_error_parse(r, e);
    if (r->status == 429 || ms_aws_is_throttle_code(e->code))
        return MS_AWS_THROTTLE;
    if (r->status == 500 || r->status == 502 || r->status == 503 ||
        r->status == 504 || in_list(transient_codes, e->code))
        return MS_AWS_TRANSIENT;
    if (!e->code[0])
        snprintf(e->code, sizeof e->code, "HTTP%ld", r->status);
    return MS_AWS_FINAL;
}

void ms_retry_quota_init(ms_retry_quota *q, int capacity)
{
    q->capacity = q->available = capacity;
}

int ms_retry_quota_acquire(ms_retry_quota *q, ms_aws_outcome o)
{
    int cost = o == MS_AWS_TIMEOUT ? MS_RETRY_TIMEOUT_COST : MS_RETRY_COST;
    if (cost > q->available) return 0;
    q->available -= cost;
    return cost;
}

void ms_retry_quota_release(ms_retry_quota *q, int last_acquired)
{
    int amount = last_acquired > 0 ? last_acquired : MS_RETRY_NO_RETRY_REFUND;
    q->available += amount;
    if (q->available > q->capacity) q->available = q->capacity;
}

double ms_retry_backoff_s(int attempt, double max_backoff_s, double rand01)
{
    /* rand * 2^(attempt-1) seconds as botocore computes it: the shared
     * full-jitter computation with a 1 s base. Jittered, unlike the
     * engine's sink retries, because many clients (and many calls of one
     * client) retrying against one service in step would hit it in waves. */
    return ms_backoff_full_jitter(1.0, attempt, max_backoff_s, rand01);
}

ms_retry_decision ms_retry_next(const ms_retry_policy *p, ms_retry_state *s,
                                ms_aws_outcome o, double rand01,
                                double *delay_s)
{
    s->attempts++;
    *delay_s = 0;
    if (o == MS_AWS_SUCCESS) {
        if (p->quota) ms_retry_quota_release(p->quota, s->last_acquired);
        return MS_RETRY_DONE;
    }
    if (o == MS_AWS_FINAL) return MS_RETRY_DONE;
    if (s->attempts >= p->max_attempts) return MS_RETRY_EXHAUSTED;
    if (p->quota) {
        int got = ms_retry_quota_acquire(p->quota, o);
        if (!got) return MS_RETRY_NO_QUOTA;
        s->last_acquired = got;
    }
    *delay_s = ms_retry_backoff_s(s->attempts, p->max_backoff_s, rand01);
    return MS_RETRY_AGAIN;
}

static _Thread_local uint64_t rng_state;

double ms_retry_rand01(void)
{
    if (!rng_state) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        rng_state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
                    (uint64_t)(uintptr_t)&rng_state;
        if (!rng_state) rng_state = 0x9E3779B97F4A7C15ull;
    }
    /* xorshift64*: plenty for jitter, not for anything secret. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint64_t x = rng_state * 0x2545F4914F6CDD1Dull;
    return (double)(x >> 11) / 9007199254740992.0;   /* 2^53 */
}
