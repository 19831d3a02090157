/* creds_internal.h -- shared by creds.c (the chain), creds_job.c (helpers),
 * creds_remote.c (STS web identity, ECS, IMDS), creds_process.c
 * (credential_process) and creds_select.c.
 *
 * The chain picks one source at creation (ms_creds_src) and runs fetch
 * jobs against it. A job is allocated by the chain and ends with exactly one
 * call to job->done, possibly long after the chain was closed (an HTTP
 * callback still pending), so a provider must only touch the job and the
 * source, which the chain keeps alive until every job has ended. */
#ifndef MS_AWS_CREDS_INTERNAL_H
#define MS_AWS_CREDS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "aws/base/http.h"

typedef enum ms_creds_kind {
    MS_CREDS_STATIC,      /* fixed keys: opts, env, profile */
    MS_CREDS_WEBID,
    MS_CREDS_PROCESS,
    MS_CREDS_ECS,
    MS_CREDS_IMDS
} ms_creds_kind;

typedef struct ms_creds_src {
    ms_creds_kind kind;
    const char *provider;    /* "env", "web-identity", ... (static string) */
    char *where;             /* for errors: "profile dev (/home/x/.aws/config)" */
    /* static */
    char *ak, *sk, *token;
    /* web identity */
    char *token_file, *role_arn, *session_name, *sts_url;
    /* credential_process */
    char *command;
    /* ECS */
    char *ecs_url, *auth_token, *auth_token_file;
    /* IMDS: base URL without trailing '/' */
    char *imds_base;
    bool imds_v1_disabled;
    long timeout_ms;         /* per call; resolved default */
} ms_creds_src;

/* Fetched credentials, owned by whoever holds them. */
typedef struct ms_creds_result {
    char *ak, *sk, *token;
    int64_t expires_at;      /* 0 = does not expire */
} ms_creds_result;

void ms__creds_result_clear(ms_creds_result *r);

typedef struct ms_creds_job ms_creds_job;
struct ms_creds_job {
    uv_loop_t *loop;
    ms_http *http;
    const ms_creds_src *src;
    /* Set by the chain when it closes: a provider issues no further
     * request and ends the job at its next step. */
    bool canceled;
    /* Exactly once. On success res is filled (ownership passes), err NULL;
     * on failure err says which provider and what failed. */
    void (*done)(ms_creds_job *job, ms_creds_result *res, const char *err);
    void *ud;
    /* Provider hook the chain calls on close (credential_process kills its
     * child); may be NULL. */
    void (*cancel)(ms_creds_job *job);
    void *priv;              /* provider state */
};

struct ms_aws_creds_opts;

/* Choose the source for o (creds_select.c). 0, or -1 with err set.
 * check_only: validate the choice without an HTTP client (check-config). */
int ms__creds_select(ms_creds_src *s, const struct ms_aws_creds_opts *o,
                    bool check_only, char *err, size_t errlen);
void ms__creds_src_free(ms_creds_src *s);

/* Start a fetch; the outcome always arrives through job->done, never from
 * inside the start call (so the chain's bookkeeping is settled first). */
void ms__creds_webid_start(ms_creds_job *job);
void ms__creds_ecs_start(ms_creds_job *job);
void ms__creds_imds_start(ms_creds_job *job);
void ms__creds_process_start(ms_creds_job *job);

/* Helpers (creds_job.c): below both the chain and the providers. */

/* "2026-11-23T12:00:00Z", fractional seconds, "+00:00" / "-05:00" offsets.
 * -1 when malformed. */
int ms__creds_parse_time(const char *s, int64_t *out);

/* JSON {AccessKeyId, SecretAccessKey, <token_key>, Expiration} into res;
 * what names the provider for the error. Returns 0 or -1 with err set. */
int ms__creds_parse_json(const char *body, size_t len, const char *token_key,
                        const char *what, ms_creds_result *res,
                        char *err, size_t errlen);

/* Read a small file (token files); trailing whitespace trimmed. NULL with
 * err set ("what: cannot read PATH: reason"). */
char *ms__creds_read_small_file(const char *path, size_t max, const char *what,
                               char *err, size_t errlen);

/* Complete a job from a zero-delay timer on the loop: used for failures
 * detected inside a start call. The message is copied. */
void ms__creds_job_fail_async(ms_creds_job *job, const char *err);

#endif
