/* retry.h -- the AWS SDKs' "standard" retry mode: which failures are worth
 * another attempt, how long to wait, and the retry quota that stops a
 * client from retrying itself into an outage.
 *
 *   classify    throttle:  HTTP 429 or an error code in the throttle list
 *                          (TooManyRequestsException, ThrottlingException,
 *                          Throttling, ProvisionedThroughputExceededException,
 *                          RequestLimitExceeded, ... -- botocore's list)
 *               transient: HTTP 500/502/503/504, RequestTimeout(Exception),
 *                          PriorRequestNotComplete, connection failures and
 *                          resets; timeouts are transient but cost more
 *               final:     everything else (4xx validation, access denied)
 *   backoff     full jitter: rand[0,1) * 2^(attempt-1) seconds, capped at
 *               max_backoff_s (20 s)
 *   quota       500 tokens per client; a retry costs 5 (10 after a
 *               timeout); a success returns what its last retry took, or 1
 *               when it needed none; with too few tokens, no retry.
 *
 * Error codes are read from JSON bodies ("__type" with anything up to '#'
 * dropped, or "code"), the x-amzn-ErrorType header (anything after ':'
 * dropped), and query/XML bodies (<Error><Code>, also inside
 * <ErrorResponse>).
 *
 * Threading: a quota is used from one thread (the loop). */
#ifndef MS_AWS_RETRY_H
#define MS_AWS_RETRY_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/base/http.h"

typedef enum ms_aws_outcome {
    MS_AWS_SUCCESS = 0,   /* 2xx */
    MS_AWS_THROTTLE,      /* retryable: the service asked us to slow down */
    MS_AWS_TRANSIENT,     /* retryable: 5xx, reset, connect failure */
    MS_AWS_TIMEOUT,       /* retryable: no answer in time (costs 10 tokens) */
    MS_AWS_FINAL          /* not retryable */
} ms_aws_outcome;

typedef struct ms_aws_error {
    char code[128];       /* "ThrottlingException", "" when none was given */
    char message[512];    /* the service's message, truncated; "" if none */
} ms_aws_error;

/* Classify one attempt's result; fills e (may be NULL) from the response
 * or, without one, from the transport error ("timeout", "reset", ...). */
ms_aws_outcome ms_aws_classify(const ms_http_resp *r, ms_aws_error *e);

/* Read the error code and message of an AWS error response. */
void ms_aws_error_parse(const ms_http_resp *r, ms_aws_error *e);

/* True for the throttle error codes (exact, case-sensitive names). */
bool ms_aws_is_throttle_code(const char *code);

const char *ms_aws_outcome_name(ms_aws_outcome o);  /* "throttle", ... */

#define MS_RETRY_QUOTA_DEFAULT 500
#define MS_RETRY_COST 5
#define MS_RETRY_TIMEOUT_COST 10
#define MS_RETRY_NO_RETRY_REFUND 1

typedef struct ms_retry_quota {
    int capacity;
    int available;
} ms_retry_quota;

void ms_retry_quota_init(ms_retry_quota *q, int capacity);

/* Take the tokens one retry after outcome o costs. Returns the amount
 * taken, or 0 when the quota cannot pay (then do not retry). */
int ms_retry_quota_acquire(ms_retry_quota *q, ms_aws_outcome o);

/* After a successful call: last_acquired is what its last retry took
 * (0 when it needed none, which refunds MS_RETRY_NO_RETRY_REFUND). */
void ms_retry_quota_release(ms_retry_quota *q, int last_acquired);

typedef struct ms_retry_policy {
    int max_attempts;        /* total attempts, first included; >= 1 */
    double max_backoff_s;    /* 20 */
    ms_retry_quota *quota;   /* NULL = unlimited retries up to max_attempts */
} ms_retry_policy;

/* Per-call retry state: zero-initialise before the first attempt. */
typedef struct ms_retry_state {
    int attempts;            /* attempts made so far */
    int last_acquired;       /* tokens the latest retry took */
} ms_retry_state;

typedef enum ms_retry_decision {
    MS_RETRY_DONE = 0,       /* success or final error: report it */
    MS_RETRY_AGAIN,          /* wait *delay_s, then send again */
    MS_RETRY_EXHAUSTED,      /* retryable, but max attempts reached */
    MS_RETRY_NO_QUOTA        /* retryable, but the quota is empty */
} ms_retry_decision;

/* Record one finished attempt with outcome o and decide. rand01 is a
 * uniform random number in [0, 1) (injected so tests are exact). On
 * success the quota is refunded. */
ms_retry_decision ms_retry_next(const ms_retry_policy *p, ms_retry_state *s,
                                ms_aws_outcome o, double rand01,
                                double *delay_s);

/* The full-jitter delay before retry number `attempt` (1 = first retry). */
double ms_retry_backoff_s(int attempt, double max_backoff_s, double rand01);

/* A uniform double in [0, 1) from a thread-local xorshift generator. */
double ms_retry_rand01(void);

#endif
