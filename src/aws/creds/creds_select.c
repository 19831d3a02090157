/* creds_select.c -- choosing the credential source at chain creation, in
 * the order creds.h documents: fixed keys, environment, web identity (env,
 * then profile), the profile's keys or credential_process, ECS, IMDS.
 * Configuration mistakes (half a key pair, role_arn with source_profile, a
 * named profile that does not exist, an ECS full URI on a foreign host) are
 * reported here, before any request. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/creds/creds.h"
#include "aws/creds/creds_internal.h"
#include "aws/base/endpoint.h"
#include "aws/base/profile.h"
#include "base/errbuf.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static bool truthy(const char *v)
{
    return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static int dup_into(char **dst, const char *v)
{
    if (!v)
        return 0;
    *dst = strdup(v);
    return *dst ? 0 : -1;
}

static char *strip_slash(char *s)
{
    size_t n = s ? strlen(s) : 0;
    while (n > 8 && s[n - 1] == '/')
        s[--n] = 0;
    return s;
}

/* AWS_CONTAINER_CREDENTIALS_FULL_URI over plain http may only point at the
 * container agent or the loopback interface (as the SDKs insist): anything
 * else would hand the authorization token to an arbitrary host. */
static bool ecs_full_uri_allowed(const char *url)
{
    if (strncasecmp(url, "https://", 8) == 0)
        return true;
    if (strncasecmp(url, "http://", 7) != 0)
        return false;
    const char *h = url + 7;
    char host[256];
    size_t n;
    if (*h == '[') {
        n = strcspn(h + 1, "]");
        if (h[1 + n] != ']' || n >= sizeof host)
            return false;
        memcpy(host, h + 1, n);
    } else {
        n = strcspn(h, ":/");
        if (n >= sizeof host || memchr(h, '@', strcspn(h, "/")))
            return false;
        memcpy(host, h, n);
    }
    host[n] = 0;
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
        strcmp(host, "169.254.170.2") == 0 || strcmp(host, "169.254.170.23") == 0 ||
        strcasecmp(host, "fd00:ec2::23") == 0)
        return true;
    unsigned a, b, cc, d;
    char tail;
    return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &cc, &d, &tail) == 4 && a == 127 &&
           b < 256 && cc < 256 && d < 256;
}

int ms__creds_select(ms_creds_src *s, const ms_aws_creds_opts *o, bool check_only,
                    char *err, size_t errlen)
{
    long t = o->timeout_ms;
    s->kind = MS_CREDS_STATIC;

    if (o->access_key_id && *o->access_key_id) {
        if (!o->secret_access_key || !*o->secret_access_key) {
            ms_errf(err, errlen, "aws credentials: an access key was given without a secret key");
            return -1;
        }
        s->provider = "static";
        if (dup_into(&s->ak, o->access_key_id) || dup_into(&s->sk, o->secret_access_key) ||
            dup_into(&s->token, o->session_token && *o->session_token ? o->session_token : NULL))
            goto oom_early;
        return 0;
    }
    const char *ak = env("AWS_ACCESS_KEY_ID"), *sk = env("AWS_SECRET_ACCESS_KEY");
    if (ak || sk) {
        if (!ak || !sk) {
            ms_errf(err, errlen, "aws credentials (environment): %s is set but %s is not",
                 ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                 ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
            return -1;
        }
        s->provider = "env";
        if (dup_into(&s->ak, ak) || dup_into(&s->sk, sk) ||
            dup_into(&s->token, env("AWS_SESSION_TOKEN")))
            goto oom_early;
        return 0;
    }

    char perr[1024];
    ms_aws_profile *p = ms_aws_profile_load(o->profile, perr, sizeof perr);
    if (!p) {
        ms_errf(err, errlen, "aws credentials (profile): %s", perr);
        return -1;
    }
    int rc = -1;
    char where[1200];
    snprintf(where, sizeof where, "profile %s (%s)", ms_aws_profile_name(p),
             ms_aws_profile_origin(p));
    if (dup_into(&s->where, where))
        goto out;

    /* web identity: environment, then the profile */
    const char *tf = env("AWS_WEB_IDENTITY_TOKEN_FILE"), *arn = env("AWS_ROLE_ARN");
    const char *sess = env("AWS_ROLE_SESSION_NAME");
    if (!tf && ms_aws_profile_get(p, "web_identity_token_file")) {
        tf = ms_aws_profile_get(p, "web_identity_token_file");
        arn = ms_aws_profile_get(p, "role_arn");
        sess = ms_aws_profile_get(p, "role_session_name");
        if (!arn) {
            ms_errf(err, errlen, "aws credentials (web identity): %s has web_identity_token_file but no role_arn",
                 where);
            goto out;
        }
    } else if (tf && !arn) {
        ms_errf(err, errlen, "aws credentials (web identity): AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
        goto out;
    }
    if (tf) {
        if (!o->http && !check_only) {
            ms_errf(err, errlen, "aws credentials (web identity): no HTTP client given");
            goto out;
        }
        s->kind = MS_CREDS_WEBID;
        s->provider = "web-identity";
        s->timeout_ms = t ? t : 5000;
        char region[64], url[1024], eerr[512];
        if (o->sts_endpoint && *o->sts_endpoint) {
            snprintf(url, sizeof url, "%s", o->sts_endpoint);
        } else {
            /* Without a region the SDKs use the global endpoint, which is
             * us-east-1's. */
            if (ms_aws_region_resolve(o->region, p, region, sizeof region, NULL, eerr,
                                      sizeof eerr))
                snprintf(region, sizeof region, "us-east-1");
            if (ms_aws_endpoint_resolve(ms_aws_service_find("sts"), region, false, NULL, p,
                                        url, sizeof url, NULL, eerr, sizeof eerr)) {
                ms_errf(err, errlen, "aws credentials (web identity): %s", eerr);
                goto out;
            }
        }
        char sname[128];
        if (!sess) {
            snprintf(sname, sizeof sname, "medstream-%lld", (long long)time(NULL));
            sess = sname;
        }
        if (dup_into(&s->token_file, tf) || dup_into(&s->role_arn, arn) ||
            dup_into(&s->session_name, sess) || dup_into(&s->sts_url, url))
            goto oom;
        strip_slash(s->sts_url);
        rc = 0;
        goto out;
    }

    /* the profile */
    const char *role = ms_aws_profile_get(p, "role_arn");
    if (role) {
        ms_errf(err, errlen,
             "aws credentials (profile): %s has role_arn%s: assuming a role from a "
             "profile is not supported; use credential_process or web identity",
             where, ms_aws_profile_get(p, "source_profile") ? " with source_profile"
                    : ms_aws_profile_get(p, "credential_source") ? " with credential_source" : "");
        goto out;
    }
    const char *pak = ms_aws_profile_get(p, "aws_access_key_id");
    const char *psk = ms_aws_profile_get(p, "aws_secret_access_key");
    if (pak || psk) {
        if (!pak || !psk) {
            ms_errf(err, errlen, "aws credentials (profile): %s has %s but no %s", where,
                 pak ? "aws_access_key_id" : "aws_secret_access_key",
                 pak ? "aws_secret_access_key" : "aws_access_key_id");
            goto out;
        }
        s->provider = "profile";
        if (dup_into(&s->ak, pak) || dup_into(&s->sk, psk) ||
            dup_into(&s->token, ms_aws_profile_get(p, "aws_session_token")))
            goto oom;
        rc = 0;
        goto out;
    }
    const char *proc = ms_aws_profile_get(p, "credential_process");
    if (proc) {
        s->kind = MS_CREDS_PROCESS;
        s->provider = "process";
        s->timeout_ms = t ? t : 60000;
        if (dup_into(&s->command, proc))
            goto oom;
        rc = 0;
        goto out;
    }
    if (ms_aws_profile_get(p, "sso_session") || ms_aws_profile_get(p, "sso_start_url")) {
        ms_errf(err, errlen, "aws credentials (profile): %s uses SSO, which is not supported; "
             "use credential_process (e.g. aws configure export-credentials)", where);
        goto out;
    }
    if (!ms_aws_profile_exists(p) &&
        ((o->profile && *o->profile) || env("AWS_PROFILE"))) {
        ms_errf(err, errlen, "aws credentials (profile): %s not found", where);
        goto out;
    }

    /* ECS container credentials */
    const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (rel || full) {
        if (!o->http && !check_only) {
            ms_errf(err, errlen, "aws credentials (ecs): no HTTP client given");
            goto out;
        }
        s->kind = MS_CREDS_ECS;
        s->provider = "ecs";
        s->timeout_ms = t ? t : 1000;
        char url[2048];
        if (rel) {
            /* MEDSTREAM_TEST_ECS_HOST stands in for the ECS agent's fixed
             * address in tests (docs/aws.md); loopback over http only, so
             * it can never send the request anywhere else. */
            const char *host = o->ecs_host && *o->ecs_host ? o->ecs_host : NULL;
            const char *th = env("MEDSTREAM_TEST_ECS_HOST");
            if (!host && th) {
                if (strncasecmp(th, "http://", 7) || !ecs_full_uri_allowed(th) ||
                    strstr(th, "169.254.") || strstr(th, "fd00:")) {
                    ms_errf(err, errlen, "aws credentials (ecs): MEDSTREAM_TEST_ECS_HOST must be "
                         "an http://127.x.x.x, localhost or [::1] address");
                    goto out;
                }
                host = th;
            }
            if (!host)
                host = "http://169.254.170.2";
            size_t hl = strlen(host);
            while (hl && host[hl - 1] == '/')
                hl--;
            snprintf(url, sizeof url, "%.*s%s%s", (int)hl, host, rel[0] == '/' ? "" : "/", rel);
        } else {
            if (!ecs_full_uri_allowed(full)) {
                ms_errf(err, errlen,
                     "aws credentials (ecs): AWS_CONTAINER_CREDENTIALS_FULL_URI must use https "
                     "or a loopback / ECS / EKS agent address over http");
                goto out;
            }
            snprintf(url, sizeof url, "%s", full);
        }
        if (dup_into(&s->ecs_url, url) ||
            dup_into(&s->auth_token_file, env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) ||
            dup_into(&s->auth_token, env("AWS_CONTAINER_AUTHORIZATION_TOKEN")))
            goto oom;
        rc = 0;
        goto out;
    }

    /* EC2 instance metadata */
    const char *dis = env("AWS_EC2_METADATA_DISABLED");
    if (truthy(dis)) {
        ms_errf(err, errlen,
             "aws credentials: none found (environment, web identity, %s, ECS; "
             "IMDS disabled by AWS_EC2_METADATA_DISABLED)", where);
        goto out;
    }
    if (!o->http && !check_only) {
        ms_errf(err, errlen, "aws credentials (imds): no HTTP client given");
        goto out;
    }
    const char *base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (!base)
        base = ms_aws_profile_get(p, "ec2_metadata_service_endpoint");
    if (!base) {
        const char *mode = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
        if (!mode)
            mode = ms_aws_profile_get(p, "ec2_metadata_service_endpoint_mode");
        base = mode && strcasecmp(mode, "ipv6") == 0 ? "http://[fd00:ec2::254]"
                                                     : "http://169.254.169.254";
    }
    if (strncasecmp(base, "http://", 7) && strncasecmp(base, "https://", 8)) {
        ms_errf(err, errlen, "aws credentials (imds): the metadata endpoint must be an http(s) URL");
        goto out;
    }
    const char *v1 = env("AWS_EC2_METADATA_V1_DISABLED");
    if (!v1)
        v1 = ms_aws_profile_get(p, "ec2_metadata_v1_disabled");
    s->kind = MS_CREDS_IMDS;
    s->provider = "imds";
    s->timeout_ms = t ? t : 1000;
    s->imds_v1_disabled = truthy(v1);
    if (dup_into(&s->imds_base, base))
        goto oom;
    strip_slash(s->imds_base);
    rc = 0;
    goto out;
oom:
    ms_errf(err, errlen, "aws credentials: out of memory");
    rc = -1;
out:
    ms_aws_profile_free(p);
    return rc;
oom_early:
    ms_errf(err, errlen, "aws credentials: out of memory");
    return -1;
}

void ms__creds_src_free(ms_creds_src *s)
{
    ms_creds_result tmp = {s->ak, s->sk, s->token, 0};
    ms__creds_result_clear(&tmp);
    if (s->auth_token)
        explicit_bzero(s->auth_token, strlen(s->auth_token));
    free(s->where);
    free(s->token_file);
    free(s->role_arn);
    free(s->session_name);
    free(s->sts_url);
    free(s->command);
    free(s->ecs_url);
    free(s->auth_token);
    free(s->auth_token_file);
    free(s->imds_base);
    memset(s, 0, sizeof *s);
}
