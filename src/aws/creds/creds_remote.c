/* creds_remote.c -- the HTTP credential providers: STS
 * AssumeRoleWithWebIdentity, ECS container credentials and EC2 instance
 * metadata (IMDSv2 with the IMDSv1 fallback).
 *
 * Every request runs on the chain's ms_http client. A job's state lives in
 * an rjob that the HTTP callback owns; when the chain was closed meanwhile
 * (job->canceled) the callback ends the job without issuing another
 * request. Errors name the provider and the host, never a token. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/creds/creds_internal.h"
#include "base/log.h"
#include "base/errbuf.h"

#define MAX_RESPONSE (1u << 20)
#define MAX_TOKEN_FILE (256u << 10)

typedef struct rjob {
    ms_creds_job *job;
    char *body;            /* request body (STS): holds the token, wiped */
    size_t body_len;
    char *imds_token;      /* NULL: IMDSv1 */
    char *auth;            /* ECS Authorization value, wiped */
    char url[2048];
    char host[256];        /* for messages */
} rjob;

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* End the job: frees the rjob, then completes (the chain may free the job). */
static void finish(rjob *r, ms_creds_result *res, const char *err)
{
    ms_creds_job *job = r->job;
    if (r->body) {
        explicit_bzero(r->body, r->body_len);
        free(r->body);
    }
    wipe_free(r->imds_token);
    wipe_free(r->auth);
    free(r);
    job->done(job, res, err);
}

static void finish_async(rjob *r, const char *err)
{
    ms_creds_job *job = r->job;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", err);
    r->job = NULL;
    if (r->body) {
        explicit_bzero(r->body, r->body_len);
        free(r->body);
    }
    wipe_free(r->imds_token);
    wipe_free(r->auth);
    free(r);
    ms__creds_job_fail_async(job, msg);
}

static rjob *rjob_new(ms_creds_job *job)
{
    rjob *r = calloc(1, sizeof *r);
    if (!r)
        ms__creds_job_fail_async(job, "aws credentials: out of memory");
    else
        r->job = job;
    return r;
}

/* "scheme://host[:port]/..." -> "host[:port]" for messages. */
static void url_host(const char *url, char *out, size_t outlen)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t n = strcspn(h, "/?#");
    snprintf(out, outlen, "%.*s", (int)n, h);
}

/* Common transport checks. Returns 0 when a response with status 200
 * arrived; otherwise writes the error (what: "web identity", ...). */
static int check_resp(rjob *r, const ms_http_resp *resp, const char *what,
                      const char *step, char *err, size_t errlen)
{
    if (r->job->canceled) {
        ms_errf(err, errlen, "%s: canceled (the credential chain was closed)", what);
        return -1;
    }
    if (resp->err != MS_HTTP_OK) {
        ms_errf(err, errlen, "%s: %s request to %s failed: %s%s%s", what, step, r->host,
             ms_http_err_name(resp->err), resp->errmsg && *resp->errmsg ? " - " : "",
             resp->errmsg ? resp->errmsg : "");
        return -1;
    }
    if (resp->status != 200) {
        ms_errf(err, errlen, "%s: %s request to %s returned HTTP %ld", what, step, r->host,
             resp->status);
        return -1;
    }
    return 0;
}

static int rsend(rjob *r, const char *method, const ms_http_header *h, size_t nh,
                ms_http_cb cb)
{
    ms_http_req req = {
        .method = method,
        .url = r->url,
        .headers = h,
        .nheaders = nh,
        .body = r->body,
        .body_len = r->body ? r->body_len : 0,
        .timeout_ms = r->job->src->timeout_ms,
        .max_response_bytes = MAX_RESPONSE,
    };
    return ms_http_send(r->job->http, &req, cb, r);
}

/* ---- minimal XML: text of the first element with a given local name ---- */

static void put_utf8(char **o, unsigned long cp)
{
    unsigned char *p = (unsigned char *)*o;
    if (cp < 0x80) {
        *p++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *p++ = (unsigned char)(0xC0 | (cp >> 6));
        *p++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *p++ = (unsigned char)(0xE0 | (cp >> 12));
        *p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *p++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *p++ = (unsigned char)(0xF0 | (cp >> 18));
        *p++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *p++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    *o = (char *)p;
}

/* Decode entities and CDATA of [s, e) into a new string, trimmed. The
 * output never grows: every escape is longer than what it stands for. */
static char *xml_decode(const char *s, const char *e)
{
    char *out = malloc((size_t)(e - s) + 1), *o = out;
    if (!out)
        return NULL;
    while (s < e) {
        if (*s == '&') {
            const char *semi = memchr(s, ';', (size_t)(e - s));
            size_t n = semi ? (size_t)(semi - s) + 1 : 0;
            static const struct { const char *ent; char c; } ents[] = {
                {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
            int done = 0;
            for (size_t i = 0; semi && i < sizeof ents / sizeof ents[0]; i++) {
                if (n == strlen(ents[i].ent) && memcmp(s, ents[i].ent, n) == 0) {
                    *o++ = ents[i].c;
                    s += n;
                    done = 1;
                    break;
                }
            }
            if (!done && semi && n > 3 && s[1] == '#') {
                char *endp;
                unsigned long cp = (s[2] == 'x' || s[2] == 'X') ? strtoul(s + 3, &endp, 16)
                                                               : strtoul(s + 2, &endp, 10);
                if (endp == semi && cp > 0 && cp <= 0x10FFFF && n >= 4) {
                    put_utf8(&o, cp);   /* at most 4 bytes, n >= 4 */
                    s += n;
                    done = 1;
                }
            }
            if (!done)
                *o++ = *s++;
        } else if (*s == '<' && e - s >= 9 && memcmp(s, "<![CDATA[", 9) == 0) {
            const char *cs = s + 9, *ce = memmem(cs, (size_t)(e - cs), "]]>", 3);
            if (!ce)
                ce = e;
            memcpy(o, cs, (size_t)(ce - cs));
            o += ce - cs;
            s = ce + (ce < e ? 3 : 0);
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
    char *a = out;
    while (*a == ' ' || *a == '\n' || *a == '\r' || *a == '\t')
        a++;
    size_t n = strlen(a);
    while (n && (a[n - 1] == ' ' || a[n - 1] == '\n' || a[n - 1] == '\r' || a[n - 1] == '\t'))
        n--;
    memmove(out, a, n);
    out[n] = 0;
    return out;
}

/* Find element `name` (namespace prefix ignored) in [s, e): its content
 * range. 0 when found. Comments, processing instructions and closing tags
 * are skipped; elements of the same name do not nest in STS responses. */
static int xml_find(const char *s, const char *e, const char *name,
                    const char **cs, const char **ce)
{
    size_t nl = strlen(name);
    while (s < e) {
        const char *lt = memchr(s, '<', (size_t)(e - s));
        if (!lt || e - lt < 2)
            return -1;
        if (lt[1] == '!' && e - lt >= 4 && memcmp(lt, "<!--", 4) == 0) {
            const char *end = memmem(lt, (size_t)(e - lt), "-->", 3);
            if (!end)
                return -1;
            s = end + 3;
            continue;
        }
        if (lt[1] == '/' || lt[1] == '?' || lt[1] == '!') {
            s = lt + 2;
            continue;
        }
        const char *q = lt + 1, *qe = q;
        while (qe < e && *qe != '>' && *qe != '/' && *qe != ' ' && *qe != '\t' &&
               *qe != '\n' && *qe != '\r')
            qe++;
        const char *local = q;
        for (const char *c = q; c < qe; c++)
            if (*c == ':')
                local = c + 1;
        const char *gt = memchr(qe, '>', (size_t)(e - qe));
        if (!gt)
            return -1;
        if ((size_t)(qe - local) == nl && memcmp(local, name, nl) == 0) {
            if (gt[-1] == '/') {
                *cs = *ce = gt;
                return 0;
            }
            const char *p = gt + 1;
            size_t ql = (size_t)(qe - q);
            while (p < e) {
                const char *c = memmem(p, (size_t)(e - p), "</", 2);
                if (!c || (size_t)(e - c) < ql + 3)
                    return -1;
                const char *after = c + 2 + ql;
                if (memcmp(c + 2, q, ql) == 0 && (*after == '>' || *after == ' ' ||
                                                 *after == '\t' || *after == '\n' ||
                                                 *after == '\r')) {
                    *cs = gt + 1;
                    *ce = c;
                    return 0;
                }
                p = c + 2;
            }
            return -1;
        }
        s = gt + 1;
    }
    return -1;
}

static char *xml_text(const char *s, const char *e, const char *name)
{
    const char *cs, *ce;
    return xml_find(s, e, name, &cs, &ce) ? NULL : xml_decode(cs, ce);
}

/* ---- STS AssumeRoleWithWebIdentity ---- */

static int form_append(char **buf, size_t *len, size_t *cap, const char *key,
                       const char *val)
{
    size_t need = *len + strlen(key) + 3 * strlen(val) + 3;
    if (need > *cap) {
        size_t ncap = need * 2;
        char *nb = malloc(ncap);
        if (!nb)
            return -1;
        if (*buf) {
            memcpy(nb, *buf, *len);
            explicit_bzero(*buf, *len);
            free(*buf);
        }
        *buf = nb;
        *cap = ncap;
    }
    char *o = *buf + *len;
    if (*len)
        *o++ = '&';
    o += sprintf(o, "%s=", key);
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)val; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
            (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.' || *c == '~') {
            *o++ = (char)*c;
        } else {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 15];
        }
    }
    *o = 0;
    *len = (size_t)(o - *buf);
    return 0;
}

static void webid_cb(const ms_http_resp *resp, void *ud)
{
    rjob *r = ud;
    char err[768];
    const char *what = "web identity (STS AssumeRoleWithWebIdentity)";
    if (r->job->canceled || resp->err != MS_HTTP_OK) {
        check_resp(r, resp, what, "the", err, sizeof err);
        finish(r, NULL, err);
        return;
    }
    const char *b = resp->body, *e = resp->body + resp->body_len;
    if (resp->status != 200) {
        char *code = xml_text(b, e, "Code"), *msg = xml_text(b, e, "Message");
        if (code)
            ms_errf(err, sizeof err, "%s: %s returned HTTP %ld %s%s%.300s", what, r->host,
                 resp->status, code, msg ? ": " : "", msg ? msg : "");
        else
            ms_errf(err, sizeof err, "%s: %s returned HTTP %ld", what, r->host, resp->status);
        free(code);
        free(msg);
        finish(r, NULL, err);
        return;
    }
    const char *cs, *ce;
    if (xml_find(b, e, "Credentials", &cs, &ce)) {
        ms_errf(err, sizeof err, "%s: the response from %s has no Credentials", what, r->host);
        finish(r, NULL, err);
        return;
    }
    ms_creds_result res = {
        .ak = xml_text(cs, ce, "AccessKeyId"),
        .sk = xml_text(cs, ce, "SecretAccessKey"),
        .token = xml_text(cs, ce, "SessionToken"),
    };
    char *exp = xml_text(cs, ce, "Expiration");
    if (!res.ak || !*res.ak || !res.sk || !*res.sk || !res.token || !*res.token) {
        ms_errf(err, sizeof err, "%s: the response from %s lacks AccessKeyId, "
             "SecretAccessKey or SessionToken", what, r->host);
    } else if (!exp || ms__creds_parse_time(exp, &res.expires_at)) {
        ms_errf(err, sizeof err, "%s: the response from %s has no valid Expiration", what,
             r->host);
    } else {
        free(exp);
        finish(r, &res, NULL);
        return;
    }
    free(exp);
    ms__creds_result_clear(&res);
    finish(r, NULL, err);
}

void ms__creds_webid_start(ms_creds_job *job)
{
    const ms_creds_src *s = job->src;
    rjob *r = rjob_new(job);
    if (!r)
        return;
    char err[768];
    char *tok = ms__creds_read_small_file(s->token_file, MAX_TOKEN_FILE,
                                         "web identity: token file", err, sizeof err);
    if (!tok) {
        finish_async(r, err);
        return;
    }
    size_t cap = 0;
    int bad = form_append(&r->body, &r->body_len, &cap, "Action", "AssumeRoleWithWebIdentity") ||
              form_append(&r->body, &r->body_len, &cap, "Version", "2011-06-15") ||
              form_append(&r->body, &r->body_len, &cap, "RoleArn", s->role_arn) ||
              form_append(&r->body, &r->body_len, &cap, "RoleSessionName", s->session_name) ||
              form_append(&r->body, &r->body_len, &cap, "WebIdentityToken", tok);
    wipe_free(tok);
    if (bad) {
        finish_async(r, "web identity: out of memory");
        return;
    }
    snprintf(r->url, sizeof r->url, "%s/", s->sts_url);
    url_host(r->url, r->host, sizeof r->host);
    /* The call is unsigned: the web identity token is the proof. */
    const ms_http_header h[] = {
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"Accept", "application/xml"},
    };
    if (rsend(r, "POST", h, 2, webid_cb))
        finish_async(r, "web identity: could not queue the STS request");
}

/* ---- ECS container credentials ---- */

static void ecs_cb(const ms_http_resp *resp, void *ud)
{
    rjob *r = ud;
    char err[768];
    if (check_resp(r, resp, "ecs container credentials", "the", err, sizeof err)) {
        /* The agent's JSON error carries a code worth showing. */
        json_t *o = resp->err == MS_HTTP_OK && !r->job->canceled
                        ? json_loadb(resp->body, resp->body_len, 0, NULL) : NULL;
        json_t *code = json_object_get(o, "code");
        if (json_is_string(code)) {
            size_t n = strlen(err);
            snprintf(err + n, sizeof err - n, " (%.100s)", json_string_value(code));
        }
        json_decref(o);
        finish(r, NULL, err);
        return;
    }
    ms_creds_result res;
    if (ms__creds_parse_json(resp->body, resp->body_len, "Token",
                            "ecs container credentials", &res, err, sizeof err)) {
        finish(r, NULL, err);
        return;
    }
    finish(r, &res, NULL);
}

void ms__creds_ecs_start(ms_creds_job *job)
{
    const ms_creds_src *s = job->src;
    rjob *r = rjob_new(job);
    if (!r)
        return;
    char err[768];
    /* The token file is read on every fetch: the agent rotates it. */
    if (s->auth_token_file) {
        r->auth = ms__creds_read_small_file(s->auth_token_file, 16384,
                                           "ecs container credentials: "
                                           "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                           err, sizeof err);
        if (!r->auth) {
            finish_async(r, err);
            return;
        }
    } else if (s->auth_token && !(r->auth = strdup(s->auth_token))) {
        finish_async(r, "ecs container credentials: out of memory");
        return;
    }
    if (r->auth && strpbrk(r->auth, "\r\n")) {
        finish_async(r, "ecs container credentials: the authorization token contains a line break");
        return;
    }
    snprintf(r->url, sizeof r->url, "%s", s->ecs_url);
    url_host(r->url, r->host, sizeof r->host);
    ms_http_header h[2] = {{"Accept", "application/json"}, {"Authorization", r->auth}};
    if (rsend(r, "GET", h, r->auth ? 2 : 1, ecs_cb))
        finish_async(r, "ecs container credentials: could not queue the request");
}

/* ---- EC2 instance metadata ---- */

static void imds_role_cb(const ms_http_resp *resp, void *ud);
static void imds_creds_cb(const ms_http_resp *resp, void *ud);

static int imds_get(rjob *r, const char *path, ms_http_cb cb)
{
    snprintf(r->url, sizeof r->url, "%s%s", r->job->src->imds_base, path);
    ms_http_header h[1] = {{"X-aws-ec2-metadata-token", r->imds_token}};
    return rsend(r, "GET", h, r->imds_token ? 1 : 0, cb);
}

static void imds_token_cb(const ms_http_resp *resp, void *ud)
{
    rjob *r = ud;
    char err[768];
    const char *what = "imds";
    if (!r->job->canceled && resp->err == MS_HTTP_OK &&
        (resp->status == 403 || resp->status == 404 || resp->status == 405)) {
        /* IMDSv2 refused or unknown (old or proxied IMDS): IMDSv1, unless
         * forbidden. A timeout never gets here: no fallback then. */
        if (r->job->src->imds_v1_disabled) {
            ms_errf(err, sizeof err, "imds: the token request to %s returned HTTP %ld and "
                 "IMDSv1 is disabled", r->host, resp->status);
            finish(r, NULL, err);
            return;
        }
        ms_log(MS_LOG_INFO, "aws credentials: IMDSv2 token refused, using IMDSv1",
               KS("provider", "imds"), KI("status", resp->status), KEND);
    } else if (check_resp(r, resp, what, "the token", err, sizeof err)) {
        finish(r, NULL, err);
        return;
    } else {
        size_t n = resp->body_len;
        while (n && (resp->body[n - 1] == '\n' || resp->body[n - 1] == '\r' ||
                     resp->body[n - 1] == ' '))
            n--;
        if (!n || memchr(resp->body, '\n', n) || memchr(resp->body, '\r', n)) {
            ms_errf(err, sizeof err, "imds: the token from %s is empty or malformed", r->host);
            finish(r, NULL, err);
            return;
        }
        if (!(r->imds_token = strndup(resp->body, n))) {
            finish(r, NULL, "imds: out of memory");
            return;
        }
    }
    if (imds_get(r, "/latest/meta-data/iam/security-credentials/", imds_role_cb))
        finish(r, NULL, "imds: could not queue the role request");
}

static void imds_role_cb(const ms_http_resp *resp, void *ud)
{
    rjob *r = ud;
    char err[768];
    if (!r->job->canceled && resp->err == MS_HTTP_OK && resp->status == 404) {
        ms_errf(err, sizeof err, "imds: no IAM role is attached to this instance (%s: HTTP 404)",
             r->host);
        finish(r, NULL, err);
        return;
    }
    if (check_resp(r, resp, "imds", "the role", err, sizeof err)) {
        finish(r, NULL, err);
        return;
    }
    /* The first line is the role name ([\w+=,.@-]+, safe in a path). */
    size_t n = strcspn(resp->body, "\r\n");
    char role[129];
    if (n == 0 || n >= sizeof role) {
        finish(r, NULL, "imds: the role name is empty or too long");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char c = resp->body[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr("+=,.@-_", c))) {
            finish(r, NULL, "imds: the role name has unexpected characters");
            return;
        }
    }
    memcpy(role, resp->body, n);
    role[n] = 0;
    char path[256];
    snprintf(path, sizeof path, "/latest/meta-data/iam/security-credentials/%s", role);
    if (imds_get(r, path, imds_creds_cb))
        finish(r, NULL, "imds: could not queue the credentials request");
}

static void imds_creds_cb(const ms_http_resp *resp, void *ud)
{
    rjob *r = ud;
    char err[768];
    if (check_resp(r, resp, "imds", "the credentials", err, sizeof err)) {
        finish(r, NULL, err);
        return;
    }
    json_t *o = json_loadb(resp->body, resp->body_len, 0, NULL);
    json_t *code = json_object_get(o, "Code");
    if (json_is_string(code) && strcmp(json_string_value(code), "Success") != 0) {
        ms_errf(err, sizeof err, "imds: the credentials response has Code %.100s",
             json_string_value(code));
        json_decref(o);
        finish(r, NULL, err);
        return;
    }
    json_decref(o);
    ms_creds_result res;
    if (ms__creds_parse_json(resp->body, resp->body_len, "Token", "imds", &res, err,
                            sizeof err)) {
        finish(r, NULL, err);
        return;
    }
    finish(r, &res, NULL);
}

void ms__creds_imds_start(ms_creds_job *job)
{
    rjob *r = rjob_new(job);
    if (!r)
        return;
    snprintf(r->url, sizeof r->url, "%s/latest/api/token", job->src->imds_base);
    url_host(r->url, r->host, sizeof r->host);
    const ms_http_header h[] = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    if (rsend(r, "PUT", h, 1, imds_token_cb))
        finish_async(r, "imds: could not queue the token request");
}
