/* creds.h -- the AWS credential provider chain, as the SDKs order it.
 *
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *   2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *      (+ AWS_ROLE_SESSION_NAME) -> STS AssumeRoleWithWebIdentity
 *      (or the profile's web_identity_token_file + role_arn)
 *   3. shared files, the selected profile: aws_access_key_id /
 *      aws_secret_access_key / aws_session_token, or credential_process.
 *      A profile named explicitly (opts.profile, AWS_PROFILE) must exist;
 *      the implicit "default" that does not exist (no ~/.aws at all, as in
 *      a container) is skipped and the chain goes on, as the SDKs do.
 *   4. ECS container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (against
 *      http://169.254.170.2; opts.ecs_host or, for tests only, the loopback
 *      MEDSTREAM_TEST_ECS_HOST replace it) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE as Authorization
 *   5. EC2 instance metadata, IMDSv2: PUT /latest/api/token, then
 *      GET /latest/meta-data/iam/security-credentials/[ROLE]; IMDSv1 (no
 *      token) only when the token PUT is refused (403/404/405), never on a
 *      timeout. AWS_EC2_METADATA_DISABLED=true skips it;
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address.
 *
 * The first provider that is configured is the one used (a configured but
 * failing provider is an error, not a reason to fall through -- as the SDKs
 * do for env/profile; the remote providers are tried in order only when
 * the earlier ones are not configured at all).
 *
 * Expiring credentials are refreshed in the background on the loop
 * refresh_before_s ahead of expiry; requests keep using the current ones
 * meanwhile, so they never wait while valid credentials exist. A failed
 * refresh is retried with backoff (1 s doubling to 60 s) and logged; the
 * old credentials stay in use until they expire. Once they have expired,
 * callers wait for the next retry, which comes at most 5 s after the last
 * failure (they do not each start a fetch: a failing endpoint sees one
 * request per retry), and get the error if it fails too. Fetches are
 * counted in medstream_aws_credentials_fetches_total{provider,outcome}.
 *
 * Threading: loop thread only. */
#ifndef MS_AWS_CREDS_H
#define MS_AWS_CREDS_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "aws/base/http.h"

typedef struct ms_aws_creds {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;   /* NULL when none */
    int64_t expires_at;          /* unix seconds; 0 = does not expire */
    const char *provider;        /* "env", "web-identity", "profile",
                                    "process", "ecs", "imds", "static" */
} ms_aws_creds;

typedef struct ms_aws_creds_opts {
    const char *profile;         /* NULL = AWS_PROFILE or "default"; pass
                                    only an explicitly named profile here */
    const char *region;          /* for STS; NULL = resolved like endpoint.h */
    ms_http *http;               /* required for the remote providers */
    const char *sts_endpoint;    /* NULL = resolved through endpoint.h */
    const char *ecs_host;        /* NULL = "http://169.254.170.2" (tests) */
    long timeout_ms;             /* per remote call; 0 = 1000 for IMDS/ECS,
                                    5000 for STS */
    long refresh_before_s;       /* 0 = 300 */
    /* Fixed credentials (tests, awscurl --access-key): when access_key_id
     * is set, the chain is not consulted. */
    const char *access_key_id, *secret_access_key, *session_token;
} ms_aws_creds_opts;

typedef struct ms_aws_creds_chain ms_aws_creds_chain;

ms_aws_creds_chain *ms_aws_creds_chain_new(uv_loop_t *loop,
                                           const ms_aws_creds_opts *o,
                                           char *err, size_t errlen);

/* The configuration checks of ms_aws_creds_chain_new -- which provider
 * would be chosen and whether its settings are usable (half a key pair, a
 * named profile that does not exist, a foreign container URI...) -- with
 * the same messages, without an HTTP client and without fetching anything
 * (check-config). 0, or -1 with err set. */
int ms_aws_creds_check(const ms_aws_creds_opts *o, char *err, size_t errlen);

/* Valid (unexpired) credentials now, or NULL. The pointers inside stay
 * valid until control returns to the loop. Never blocks. */
const ms_aws_creds *ms_aws_creds_current(ms_aws_creds_chain *c);

/* Called with valid credentials, or with creds == NULL and the reason
 * (which provider, what failed -- never a secret). */
typedef void (*ms_aws_creds_cb)(const ms_aws_creds *creds, const char *error,
                                void *ud);

/* Ask for credentials: when valid ones exist cb runs on the next loop turn,
 * otherwise once the chain resolved (concurrent callers share one fetch). */
void ms_aws_creds_get(ms_aws_creds_chain *c, ms_aws_creds_cb cb, void *ud);

/* Stop refreshing, cancel pending fetches (their callbacks run with an
 * error) and free the chain once its handles are closed. */
void ms_aws_creds_chain_close(ms_aws_creds_chain *c);

#endif
