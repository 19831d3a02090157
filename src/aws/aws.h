/* aws.h -- the AWS client context and the one call every AWS client in
 * medstream makes.
 *
 * An ms_aws owns the HTTP client (curl multi on the loop), the credential
 * chain, the region, the named profile and the retry quota. ms_aws_send
 * resolves the endpoint, signs each attempt with SigV4 (a fresh date per
 * attempt), sends it, classifies the answer and retries in the standard
 * mode (retry.h) with a timer on the loop -- no thread ever sleeps.
 *
 *   ms_aws_request rq = {
 *       .service = "comprehendmedical", .target = "ComprehendMedical_20181030.DetectEntitiesV2",
 *       .body = json, .body_len = n };
 *   ms_aws_send(aws, &rq, on_done, ctx);
 *
 * Threading: loop thread only. */
#ifndef MS_AWS_H
#define MS_AWS_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "aws/creds/creds.h"
#include "aws/base/endpoint.h"
#include "aws/base/http.h"
#include "aws/base/profile.h"
#include "aws/retry.h"
#include "base/config.h"
#include "base/probe.h"

typedef struct ms_aws ms_aws;

typedef struct ms_aws_opts {
    const char *region;        /* NULL/"" = AWS_REGION, AWS_DEFAULT_REGION, profile */
    const char *profile;       /* NULL/"" = AWS_PROFILE or "default" */
    bool fips;
    int max_attempts;          /* 0 = 3 */
    long timeout_ms;           /* per attempt; 0 = 30000 */
    ms_http_opts http;
    ms_aws_creds_opts creds;   /* .http, .profile and .region are filled in */
} ms_aws_opts;

/* Options from the aws.* and tls.* keys of cfg. The strings they point to
 * are copies that live as long as the process: the options may be kept,
 * copied and used after cfg is freed. */
void ms_aws_opts_from_config(const ms_config *cfg, ms_aws_opts *o);

/* NULL with a reason (no region anywhere, a malformed profile file, the
 * HTTP client failed to start). Credentials are not fetched here: the
 * first request fetches them, and ms_aws_prefetch can warm them. */
ms_aws *ms_aws_new(uv_loop_t *loop, const ms_aws_opts *o, char *err, size_t errlen);

/* What ms_aws_new would reject for cfg's aws.* keys and the environment
 * (a malformed profile file, no region, an unusable credential setting),
 * with the same message, opening nothing (check-config). 0 or -1. */
int ms_aws_check_config(const ms_config *cfg, char *err, size_t errlen);

/* Ask the chain for credentials now (e.g. at start, to fail early); cb as
 * in creds.h. */
void ms_aws_prefetch(ms_aws *a, ms_aws_creds_cb cb, void *ud);

/* Cancel what is in flight (callbacks with outcome FINAL and error code
 * "Canceled"), close everything; on_closed (may be NULL) runs when done.
 * The loop must run until then. */
void ms_aws_close(ms_aws *a, void (*on_closed)(void *ud), void *ud);

const char *ms_aws_region(const ms_aws *a);
/* The access key id of the credentials current now (in a request's
 * callback: the ones that signed it), or NULL when there are none. The
 * audit trail's principal; never the secret. Valid until control returns
 * to the loop. */
const char *ms_aws_access_key_id(ms_aws *a);
ms_http *ms_aws_http(ms_aws *a);
ms_aws_creds_chain *ms_aws_creds_chain_of(ms_aws *a);
const ms_aws_profile *ms_aws_get_profile(const ms_aws *a);
const ms_retry_quota *ms_aws_retry_quota(const ms_aws *a);

/* The endpoint for a service of endpoint.h's table in this context's
 * region and profile; explicit_url (component config) wins when set. */
int ms_aws_endpoint(const ms_aws *a, const char *service, const char *explicit_url,
                    char *out, size_t outlen, char *err, size_t errlen);

/* Called after every attempt (metrics, adaptive concurrency). */
typedef void (*ms_aws_attempt_cb)(ms_aws_outcome o, const ms_aws_error *e,
                                  double rtt_s, void *ud);

typedef struct ms_aws_request {
    const char *service;       /* endpoint.h id: "comprehendmedical", "s3", ... */
    /* The operation's name for MEDSTREAM_AWS_ACTION_LOG (action_log.h),
     * only where the request does not show it (a compressed query-protocol
     * body); NULL = read from the target, the Action parameter or the
     * S3 method. */
    const char *action;
    const char *endpoint;      /* base URL; NULL = ms_aws_endpoint(service) */
    const char *method;        /* NULL = "POST" */
    const char *path;          /* encoded, appended to the endpoint's path; NULL = "/" */
    const char *query;         /* encoded, without '?'; NULL = none */
    /* JSON protocol: sets X-Amz-Target and
     * Content-Type: application/x-amz-json-<json_version>. */
    const char *target;
    const char *json_version;  /* NULL = "1.1" */
    const ms_http_header *headers;  /* extra headers, signed */
    size_t nheaders;
    const void *body;          /* borrowed until the callback */
    size_t body_len;
    bool unsigned_payload;     /* sign UNSIGNED-PAYLOAD instead of the hash */
    long timeout_ms;           /* per attempt; 0 = the context's */
    int max_attempts;          /* 0 = the context's; 1 = no retries */
    size_t max_response_bytes; /* 0 = the HTTP client's default */
    ms_aws_attempt_cb on_attempt;
} ms_aws_request;

typedef struct ms_aws_result {
    ms_aws_outcome outcome;    /* SUCCESS, or the last attempt's class */
    ms_retry_decision why;     /* DONE, EXHAUSTED or NO_QUOTA */
    ms_aws_error error;        /* code and message when not SUCCESS */
    const ms_http_resp *resp;  /* the last attempt's response (NULL when
                                  no attempt was sent, e.g. no credentials) */
    int attempts;
    double elapsed_s;          /* first send to the end, backoff included */
} ms_aws_result;

/* The result and the response are valid only during the call. */
typedef void (*ms_aws_cb)(const ms_aws_result *r, void *ud);

/* Returns 0, or -1 with nothing sent and cb never called (unknown service,
 * no endpoint, closing; reason in err). */
int ms_aws_send(ms_aws *a, const ms_aws_request *rq, ms_aws_cb cb, void *ud,
                char *err, size_t errlen);

/* Split "scheme://host[:port][/path]" into its parts: host_port receives
 * "host[:port]" as the Host header carries it (default ports dropped),
 * path the base path without a trailing '/'. -1 when malformed. */
int ms_aws_url_split(const char *url, char *scheme, size_t scheme_len,
                     char *host_port, size_t host_len, char *path, size_t path_len);

/* ---- blocking calls for check-config --probe (aws_sync.c) ---------------
 * Each runs a private loop and blocks the caller: never use them in the
 * pipeline. Nothing they report carries a secret. */

typedef struct ms_aws_sync {
    ms_aws_outcome outcome;
    ms_aws_error error;        /* code "Timeout" when the bound passed */
    long status;               /* HTTP status, 0 = no answer */
    char *body;                /* the answer's body (malloc'd, NUL-ended) or NULL */
    size_t body_len;
    char endpoint[1024];       /* where it was sent */
    char region[64];
} ms_aws_sync;

/* One attempt of rq with an AWS client made from cfg (aws.* keys), at
 * explicit_url or the service's endpoint, with host_label (an S3 bucket,
 * virtual-hosted style) as the host's first label when not NULL; bounded
 * by timeout_ms (credentials included). 0 once it was sent (see out, free
 * it with ms_aws_sync_free), -1 with err when it could not be sent. */
int ms_aws_call_sync(const ms_config *cfg, const char *explicit_url, const char *host_label,
                     ms_aws_request *rq, long timeout_ms, ms_aws_sync *out, char *err,
                     size_t errlen);
void ms_aws_sync_free(ms_aws_sync *s);
/* "HTTP 404 NoSuchBucket: message" or "no answer (connect: ...)" into buf. */
const char *ms_aws_sync_why(const ms_aws_sync *s, char *buf, size_t n);

/* Resolve credentials through the chain and report which provider won
 * (with the access key id shortened, never the secret or the token). */
int ms_aws_probe_creds(const ms_config *cfg, ms_probe *p);

#endif
