/* profile.h -- the AWS shared config and credentials files.
 *
 * Reads the files the SDKs and the CLI read, with their rules:
 *   config file:      AWS_CONFIG_FILE or ~/.aws/config; sections
 *                     "[default]", "[profile NAME]", "[services NAME]",
 *                     "[sso-session NAME]"
 *   credentials file: AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials;
 *                     sections "[NAME]"
 *   profile name:     the one given, else AWS_PROFILE, else "default"
 * A key in the credentials file wins over the same key in the config file.
 * Nested properties (an indented block under "s3 =" or "kinesis =") are
 * kept as "parent.child" keys. Comments start with '#' or ';' at the start
 * of a line (and after whitespace within a value). Missing files are not an
 * error; a malformed line is ("FILE:LINE: what"). */
#ifndef MS_AWS_PROFILE_H
#define MS_AWS_PROFILE_H

#include <stddef.h>

typedef struct ms_aws_profile ms_aws_profile;

/* Load the named profile (NULL = AWS_PROFILE or "default"). Returns NULL
 * only on a malformed file or out of memory (reason in err). A profile
 * absent from both files loads empty: every lookup returns NULL. */
ms_aws_profile *ms_aws_profile_load(const char *name, char *err, size_t errlen);
void ms_aws_profile_free(ms_aws_profile *p);

const char *ms_aws_profile_name(const ms_aws_profile *p);
/* true when the profile has a section in either file. */
int ms_aws_profile_exists(const ms_aws_profile *p);

/* A key of the profile ("region", "aws_access_key_id", "credential_process",
 * "endpoint_url", "s3.addressing_style", ...), or NULL. */
const char *ms_aws_profile_get(const ms_aws_profile *p, const char *key);

/* A key of the services section the profile names ("services = NAME"):
 * ms_aws_profile_service_get(p, "comprehendmedical", "endpoint_url").
 * NULL when the profile names no services section or it lacks the key. */
const char *ms_aws_profile_service_get(const ms_aws_profile *p,
                                       const char *service_key,
                                       const char *key);

/* Where the profile came from, for error messages: "~/.aws/config [profile x]". */
const char *ms_aws_profile_origin(const ms_aws_profile *p);

#endif
