/* endpoint.h -- AWS service table, region and endpoint resolution.
 *
 * Region, first found wins:
 *   explicit (config aws.region) > AWS_REGION > AWS_DEFAULT_REGION >
 *   the profile's "region".
 * Endpoint, first found wins (the SDKs' order for configured endpoints,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html):
 *   explicit per-component URL (config, e.g. comprehend.endpoint) >
 *   AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL >
 *   the profile's services section "<service> = / endpoint_url = ..." >
 *   the profile's "endpoint_url" >
 *   https://{prefix}[-fips].{region}.amazonaws.com[.cn]
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or the profile's
 * ignore_configured_endpoint_urls = true) skips the environment and the
 * files, not the explicit URL. */
#ifndef MS_AWS_ENDPOINT_H
#define MS_AWS_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/base/profile.h"

typedef struct ms_aws_service {
    const char *id;            /* medstream's name and the services-section
                                  key: "comprehendmedical", "s3", "kinesis",
                                  "dynamodb", "sns", "cloudwatch", "sts",
                                  "kafka" */
    const char *env_suffix;    /* AWS_ENDPOINT_URL_<this>: "COMPREHENDMEDICAL" */
    const char *host_prefix;   /* "comprehendmedical"; cloudwatch: "monitoring" */
    const char *signing_name;  /* "comprehendmedical"; cloudwatch: "monitoring";
                                  MSK IAM: "kafka-cluster" */
} ms_aws_service;

/* NULL when unknown. */
const ms_aws_service *ms_aws_service_find(const char *id);

/* origin (may be NULL) receives "config", "AWS_REGION", "AWS_DEFAULT_REGION"
 * or "profile NAME". Returns 0, or -1 when no region is set anywhere (err
 * says where it was looked for). p may be NULL. */
int ms_aws_region_resolve(const char *explicit_region, const ms_aws_profile *p,
                          char *out, size_t outlen, const char **origin,
                          char *err, size_t errlen);

/* The base URL (scheme://host[:port][/path], no trailing '/') for svc.
 * origin (may be NULL) receives "config", "AWS_ENDPOINT_URL_<S>",
 * "AWS_ENDPOINT_URL", "profile services section", "profile endpoint_url" or
 * "default". -1 when a configured URL is not http(s)://host... (err names
 * where it came from). p may be NULL. */
int ms_aws_endpoint_resolve(const ms_aws_service *svc, const char *region,
                            bool fips, const char *explicit_url,
                            const ms_aws_profile *p,
                            char *out, size_t outlen, const char **origin,
                            char *err, size_t errlen);

#endif
