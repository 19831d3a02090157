/* sts_identity.h -- who the credentials are: STS GetCallerIdentity.
 *
 * The Query API call (POST / with Action=GetCallerIdentity&Version=2011-06-15,
 * SigV4 service "sts") at the regional endpoint https://sts.<region>.amazonaws.com
 * or an override (endpoint.h: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the
 * profile's services section). GetCallerIdentity needs no IAM permission:
 * an explicit Deny cannot block it either. Its answer is XML:
 *
 *   <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
 *     <GetCallerIdentityResult>
 *       <Arn>arn:aws:sts::123456789012:assumed-role/medstream/i-0abc</Arn>
 *       <UserId>AROA...:i-0abc</UserId>
 *       <Account>123456789012</Account>
 *     </GetCallerIdentityResult>
 *     <ResponseMetadata><RequestId>...</RequestId></ResponseMetadata>
 *   </GetCallerIdentityResponse>
 *
 * Nothing here is a secret (no key, no token). Loop thread only. */
#ifndef MS_AWS_STS_IDENTITY_H
#define MS_AWS_STS_IDENTITY_H

#include <stddef.h>

#include "aws/aws.h"

#define MS_STS_GCI_BODY "Action=GetCallerIdentity&Version=2011-06-15"

typedef struct ms_aws_identity {
    char arn[512];
    char account[32];
    char user_id[256];
} ms_aws_identity;

/* The identity from a GetCallerIdentity answer's body: 0, or -1 when the
 * body has no GetCallerIdentityResult with an Arn and an Account. XML
 * entities in the values (&amp; ...) are decoded. */
int ms_sts_identity_parse(const char *body, size_t len, ms_aws_identity *out);

/* The request (service "sts", the form content type); body and headers
 * are static. endpoint stays NULL (ms_aws_send resolves "sts"). */
void ms_sts_identity_request(ms_aws_request *rq);

/* Called once: with the identity and the access key id that signed the
 * call, or id == NULL and the reason (HTTP status and AWS error code, or
 * the transport's; never a secret). key_id may be NULL when no credentials
 * were found. */
typedef void (*ms_sts_identity_cb)(const ms_aws_identity *id, const char *key_id,
                                   const char *error, void *ud);

/* Send GetCallerIdentity through a (standard retries, the context's
 * timeouts). 0, or -1 with err (nothing sent, cb never called). */
int ms_sts_identity_get(ms_aws *a, ms_sts_identity_cb cb, void *ud, char *err, size_t errlen);

#endif
