/* msk_iam.h -- Amazon MSK IAM authentication for librdkafka.
 *
 * MSK's IAM access control accepts SASL OAUTHBEARER with a token built the
 * way AWS's aws-msk-iam-sasl-signer libraries build it: a SigV4 query-
 * presigned URL for
 *   GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect
 * (signing name "kafka-cluster", X-Amz-Expires=900, only Host signed), with
 * an unsigned User-Agent parameter appended, base64url-encoded without
 * padding.
 *
 * How it is wired (msk.iam = true, kafka.sasl.mechanism = OAUTHBEARER):
 * kafka_conf.c installs ms_msk_iam_refresh_cb as librdkafka's OAUTHBEARER
 * token refresh callback. librdkafka may call it on whatever thread serves
 * its main queue, while credentials (ms_aws) live on the loop thread. So a
 * refresher on the loop (ms_msk_iam_acquire) rebuilds the token from the
 * credential chain every MS_MSK_IAM_REBUILD_S seconds and publishes it
 * under a mutex; the callback only copies the published token into
 * librdkafka (rd_kafka_oauthbearer_set_token is thread-safe). A client
 * should start polling once the first token exists (the ready callback);
 * until then the callback reports a failure and librdkafka asks again.
 *
 * One token per process (one region and credential chain): every Kafka
 * client of the process shares it. */
#ifndef MS_MSK_IAM_H
#define MS_MSK_IAM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "base/config.h"

#define MS_MSK_IAM_EXPIRES_S 900
#define MS_MSK_IAM_REBUILD_S 300
#define MS_MSK_IAM_USER_AGENT "medstream/" MS_VERSION

/* Build a token. session_token may be NULL. *token is malloc'd; *expiry_ms
 * is when it stops being valid (signing time + 900 s, in ms since the
 * epoch). 0, or -1 with err set. */
int ms_msk_iam_token(const char *region, const char *access_key, const char *secret_key,
                     const char *session_token, time_t when, const char *user_agent,
                     char **token, int64_t *expiry_ms, char *err, size_t errlen);

/* librdkafka's OAUTHBEARER refresh callback (any thread). */
void ms_msk_iam_refresh_cb(rd_kafka_t *rk, const char *oauthbearer_config, void *opaque);

/* Start (first caller) or join the loop-side refresher. ready(ud) runs on
 * the loop once a token is published (at once when one already is), or
 * with error != NULL when the first token could not be built (no region,
 * no credentials). Returns a handle for ms_msk_iam_release, or NULL with
 * err set (no region, the AWS client could not start). Loop thread. */
typedef void (*ms_msk_iam_ready_cb)(void *ud, const char *error);
typedef struct ms_msk_iam_ref ms_msk_iam_ref;
ms_msk_iam_ref *ms_msk_iam_acquire(void *uv_loop, const ms_config *cfg, ms_msk_iam_ready_cb ready,
                                   void *ud, char *err, size_t errlen);
/* Drop a reference (the ready callback will not run any more); the last
 * one stops the refresher and forgets the token. Loop thread. */
void ms_msk_iam_release(ms_msk_iam_ref *ref);

#endif
