/* endpoint.c -- AWS service table, region and endpoint resolution (see
 * endpoint.h for the order). */
#define _GNU_SOURCE
#include "aws/base/endpoint.h"
#include "base/errbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const ms_aws_service services[] = {
    {"comprehendmedical", "COMPREHENDMEDICAL", "comprehendmedical", "comprehendmedical"},
    {"s3", "S3", "s3", "s3"},
    {"kinesis", "KINESIS", "kinesis", "kinesis"},
    {"dynamodb", "DYNAMODB", "dynamodb", "dynamodb"},
    {"sns", "SNS", "sns", "sns"},
    {"cloudwatch", "CLOUDWATCH", "monitoring", "monitoring"},
    {"sts", "STS", "sts", "sts"},
    /* MSK IAM: the broker's SASL/OAUTHBEARER token is signed for
     * "kafka-cluster"; the control plane lives at kafka.{region}. */
    {"kafka", "KAFKA", "kafka", "kafka-cluster"},
};

const ms_aws_service *ms_aws_service_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcasecmp(services[i].id, id) == 0)
            return &services[i];
    return NULL;
}

/* A region is a DNS label sequence: it ends up in a host name. */
static int region_valid(const char *r)
{
    if (!*r || strlen(r) > 63)
        return 0;
    for (const char *c = r; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-')
            return 0;
    return 1;
}

static const char *nonempty_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int ms_aws_region_resolve(const char *explicit_region, const ms_aws_profile *p,
                          char *out, size_t outlen, const char **origin,
                          char *err, size_t errlen)
{
    static char profile_origin[300];
    const char *v = NULL, *from = NULL;
    if (explicit_region && *explicit_region) {
        v = explicit_region;
        from = "config";
    } else if ((v = nonempty_env("AWS_REGION"))) {
        from = "AWS_REGION";
    } else if ((v = nonempty_env("AWS_DEFAULT_REGION"))) {
        from = "AWS_DEFAULT_REGION";
    } else if (p && (v = ms_aws_profile_get(p, "region")) && *v) {
        snprintf(profile_origin, sizeof profile_origin, "profile %s",
                 ms_aws_profile_name(p));
        from = profile_origin;
    } else {
        ms_errf(err, errlen,
             "no AWS region: set aws.region, AWS_REGION, AWS_DEFAULT_REGION "
             "or region in the profile%s%s",
             p ? " " : "", p ? ms_aws_profile_origin(p) : "");
        return -1;
    }
    if (!region_valid(v)) {
        ms_errf(err, errlen, "invalid AWS region '%.64s' (from %s)", v, from);
        return -1;
    }
    if (strlen(v) >= outlen) {
        ms_errf(err, errlen, "AWS region too long (from %s)", from);
        return -1;
    }
    strcpy(out, v);
    if (origin)
        *origin = from;
    return 0;
}

static int truthy(const char *v)
{
    return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* Check a configured URL and copy it without trailing '/'. */
static int url_check(const char *url, const char *from, char *out,
                     size_t outlen, char *err, size_t errlen)
{
    const char *host;
    if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else {
        ms_errf(err, errlen, "endpoint URL from %s must start with http:// or https://",
             from);
        return -1;
    }
    for (const char *c = url; *c; c++) {
        if ((unsigned char)*c <= ' ' || *c == 0x7f) {
            ms_errf(err, errlen, "endpoint URL from %s contains whitespace or a control character",
                 from);
            return -1;
        }
        if (*c == '?' || *c == '#') {
            ms_errf(err, errlen, "endpoint URL from %s must not have a query or fragment",
                 from);
            return -1;
        }
    }
    size_t hl = strcspn(host, "/");
    const char *port = NULL;
    if (host[0] == '[') {
        const char *rb = memchr(host, ']', hl);
        if (!rb || rb == host + 1) {
            ms_errf(err, errlen, "endpoint URL from %s has a malformed IPv6 host", from);
            return -1;
        }
        if (rb + 1 < host + hl) {
            if (rb[1] != ':') {
                ms_errf(err, errlen, "endpoint URL from %s has a malformed host", from);
                return -1;
            }
            port = rb + 2;
        }
    } else {
        const char *colon = memchr(host, ':', hl);
        if (colon)
            port = colon + 1;
        if ((colon ? (size_t)(colon - host) : hl) == 0) {
            ms_errf(err, errlen, "endpoint URL from %s has no host", from);
            return -1;
        }
        if (memchr(host, '@', hl)) {
            ms_errf(err, errlen, "endpoint URL from %s must not carry user information", from);
            return -1;
        }
    }
    if (port) {
        long pn = 0;
        const char *c = port;
        for (; c < host + hl && isdigit((unsigned char)*c); c++) {
            pn = pn * 10 + (*c - '0');
            if (pn > 65535)
                pn = 70000;   /* stays out of range, never overflows */
        }
        if (c == port || c != host + hl || pn < 1 || pn > 65535) {
            ms_errf(err, errlen, "endpoint URL from %s has an invalid port", from);
            return -1;
        }
    }
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/' && (size_t)(&url[n - 1] - host) >= hl)
        n--;
    if (n >= outlen) {
        ms_errf(err, errlen, "endpoint URL from %s is too long", from);
        return -1;
    }
    memcpy(out, url, n);
    out[n] = 0;
    return 0;
}

int ms_aws_endpoint_resolve(const ms_aws_service *svc, const char *region,
                            bool fips, const char *explicit_url,
                            const ms_aws_profile *p,
                            char *out, size_t outlen, const char **origin,
                            char *err, size_t errlen)
{
    static char env_origin[96];
    const char *url = NULL, *from = NULL;
    if (explicit_url && *explicit_url) {
        url = explicit_url;
        from = "config";
    } else {
        /* The environment variable, when set, decides over the profile's
         * ignore_configured_endpoint_urls (the usual env-over-file rule). */
        const char *ign = nonempty_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
        if (!ign && p)
            ign = ms_aws_profile_get(p, "ignore_configured_endpoint_urls");
        if (!truthy(ign)) {
            char name[96];
            snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", svc->env_suffix);
            if ((url = nonempty_env(name))) {
                snprintf(env_origin, sizeof env_origin, "%s", name);
                from = env_origin;
            } else if ((url = nonempty_env("AWS_ENDPOINT_URL"))) {
                from = "AWS_ENDPOINT_URL";
            } else if ((url = ms_aws_profile_service_get(p, svc->id, "endpoint_url")) && *url) {
                from = "profile services section";
            } else if ((url = ms_aws_profile_get(p, "endpoint_url")) && *url) {
                from = "profile endpoint_url";
            } else {
                url = NULL;
            }
        }
    }
    if (url) {
        if (url_check(url, from, out, outlen, err, errlen))
            return -1;
        if (origin)
            *origin = from;
        return 0;
    }
    if (!region || !region_valid(region)) {
        ms_errf(err, errlen, "no valid AWS region for the %s endpoint", svc->id);
        return -1;
    }
    const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn"
                                                        : "amazonaws.com";
    int n = snprintf(out, outlen, "https://%s%s.%s.%s", svc->host_prefix,
                     fips ? "-fips" : "", region, suffix);
    if (n < 0 || (size_t)n >= outlen) {
        ms_errf(err, errlen, "endpoint for %s does not fit", svc->id);
        return -1;
    }
    if (origin)
        *origin = "default";
    return 0;
}
