/* aws.c -- the AWS client context: endpoint, credentials, SigV4 and the
 * standard retry mode around the HTTP client (see aws.h). */
#define _GNU_SOURCE  /* strndup */
#include "aws/aws.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/errbuf.h"
#include "aws/action_log.h"
#include "aws/sigv4.h"
#include "base/list.h"
#include "base/log.h"

#define MAX_EXTRA_HEADERS 32

struct ms_aws {
    uv_loop_t *loop;
    ms_http *http;
    ms_aws_creds_chain *creds;
    ms_aws_profile *profile;
    char region[64];
    bool fips;
    int max_attempts;
    long timeout_ms;
    ms_retry_quota quota;
    ms_list calls;             /* every call not yet finished (call.link) */
    bool closing, http_closed, freeing;
    void (*on_closed)(void *);
    void *closed_ud;
};

enum call_state { WAIT_CREDS, IN_FLIGHT, BACKOFF, CANCELED };

typedef struct call {
    ms_aws *a;
    ms_list link;              /* in a->calls */
    enum call_state state;
    /* The request, copied (the body stays borrowed). */
    char *service, *signing_name, *method, *url_base, *host, *path, *query;
    char *target_hdr, *ctype_hdr;
    ms_http_header extra[MAX_EXTRA_HEADERS];
    size_t nextra;
    const void *body;
    size_t body_len;
    bool unsigned_payload, s3;
    long timeout_ms;
    size_t max_response_bytes;
    int max_attempts;
    ms_aws_attempt_cb on_attempt;
    ms_aws_cb cb;
    void *ud;
    ms_retry_state retry;
    uv_timer_t timer;          /* backoff between attempts */
    uint64_t start_ns, attempt_ns;
} call;

/* ---- small helpers ------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int ms_aws_url_split(const char *url, char *scheme, size_t scheme_len,
                     char *host_port, size_t host_len, char *path, size_t path_len)
{
    const char *sep = strstr(url, "://");
    if (!sep) return -1;
    size_t sl = (size_t)(sep - url);
    if (sl == 0 || sl >= scheme_len) return -1;
    for (size_t i = 0; i < sl; i++) scheme[i] = (char)tolower((unsigned char)url[i]);
    scheme[sl] = '\0';
    if (strcmp(scheme, "http") && strcmp(scheme, "https")) return -1;
    const char *h = sep + 3;
    size_t hl = strcspn(h, "/?#");
    if (hl == 0 || hl >= host_len || memchr(h, '@', hl)) return -1;
    /* Drop the scheme's default port: the Host header (and so the
     * signature) carries it only when it is not the default. */
    const char *colon = NULL;
    if (h[0] != '[') colon = memchr(h, ':', hl);
    else {
        const char *rb = memchr(h, ']', hl);
        if (rb && (size_t)(rb - h) + 1 < hl && rb[1] == ':') colon = rb + 1;
    }
    size_t keep = hl;
    if (colon) {
        const char *port = colon + 1;
        size_t pl = (size_t)(h + hl - port);
        if (pl == 0) keep = (size_t)(colon - h);
        for (size_t i = 0; i < pl; i++)
            if (!isdigit((unsigned char)port[i])) return -1;
        if ((pl == 2 && !strncmp(port, "80", 2) && !strcmp(scheme, "http")) ||
            (pl == 3 && !strncmp(port, "443", 3) && !strcmp(scheme, "https")))
            keep = (size_t)(colon - h);
    }
    for (size_t i = 0; i < keep; i++) host_port[i] = (char)tolower((unsigned char)h[i]);
    host_port[keep] = '\0';
    const char *p = h + hl;
    size_t pl = strcspn(p, "?#");
    while (pl > 0 && p[pl - 1] == '/') pl--;
    if (pl >= path_len) return -1;
    memcpy(path, p, pl);
    path[pl] = '\0';
    return 0;
}

static uint64_t now_ns(const ms_aws *a)
{
    (void)a;
    return uv_hrtime();
}

/* ---- context ------------------------------------------------------------ */

/* Option strings built from a configuration live as long as the process:
 * components create their clients after the configuration may be gone,
 * and there are only a handful of distinct values. */
static const char *intern(const char *s)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static struct interned { struct interned *next; char s[]; } *list;
    if (!s)
        return NULL;
    pthread_mutex_lock(&mu);
    struct interned *i = list;
    while (i && strcmp(i->s, s) != 0)
        i = i->next;
    if (!i && (i = malloc(sizeof *i + strlen(s) + 1))) {
        strcpy(i->s, s);
        i->next = list;
        list = i;
    }
    pthread_mutex_unlock(&mu);
    return i ? i->s : "";
}

void ms_aws_opts_from_config(const ms_config *cfg, ms_aws_opts *o)
{
    memset(o, 0, sizeof *o);
    o->region = intern(ms_config_str(cfg, "aws.region"));
    o->profile = intern(ms_config_str(cfg, "aws.profile"));
    o->fips = ms_config_bool(cfg, "aws.fips");
    o->max_attempts = (int)ms_config_int(cfg, "aws.max_attempts");
    /* The SDKs read AWS_MAX_ATTEMPTS; so do we, unless the key is set. */
    const char *env = getenv("AWS_MAX_ATTEMPTS");
    if (env && !strcmp(ms_config_origin(cfg, "aws.max_attempts"), "default")) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*env && !*end && v >= 1 && v <= 100) o->max_attempts = (int)v;
    }
    o->timeout_ms = (long)ms_config_int(cfg, "aws.request_timeout_ms");
    o->http.connect_timeout_ms = (long)ms_config_int(cfg, "aws.connect_timeout_ms");
    o->http.max_host_connections = (long)ms_config_int(cfg, "aws.max_connections");
    o->http.no_http2 = !ms_config_bool(cfg, "aws.http2");
    o->http.tls_insecure = ms_config_bool(cfg, "tls.insecure");
    const char *ca = ms_config_str(cfg, "tls.ca_file");
    o->http.ca_file = ca && *ca ? intern(ca) : NULL;
}

ms_aws *ms_aws_new(uv_loop_t *loop, const ms_aws_opts *o, char *err, size_t errlen)
{
    ms_aws *a = calloc(1, sizeof *a);
    if (!a) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    a->loop = loop;
    ms_list_init(&a->calls);
    a->fips = o->fips;
    a->max_attempts = o->max_attempts > 0 ? o->max_attempts : 3;
    a->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    ms_retry_quota_init(&a->quota, MS_RETRY_QUOTA_DEFAULT);

    const char *profile = o->profile && *o->profile ? o->profile : NULL;
    a->profile = ms_aws_profile_load(profile, err, errlen);
    if (!a->profile) goto fail;
    const char *explicit_region = o->region && *o->region ? o->region : NULL;
    if (ms_aws_region_resolve(explicit_region, a->profile, a->region, sizeof a->region,
                              NULL, err, errlen) != 0)
        goto fail;
    a->http = ms_http_new(loop, &o->http, err, errlen);
    if (!a->http) goto fail;

    ms_aws_creds_opts co = o->creds;
    co.http = a->http;
    /* Only the profile named explicitly (config / --profile), never the
     * resolved "default": the chain treats a named profile that does not
     * exist as an error, but skips a missing default profile and goes on
     * to the container and instance providers, as the SDKs do. */
    co.profile = profile;
    co.region = a->region;
    a->creds = ms_aws_creds_chain_new(loop, &co, err, errlen);
    if (!a->creds) {
        ms_http_close(a->http, NULL, NULL);
        a->http = NULL;
        goto fail;
    }
    return a;
fail:
    if (a->profile) ms_aws_profile_free(a->profile);
    free(a);
    return NULL;
}

int ms_aws_check_config(const ms_config *cfg, char *err, size_t errlen)
{
    ms_aws_opts o;
    ms_aws_opts_from_config(cfg, &o);
    /* The same steps and messages as ms_aws_new, minus the HTTP client. */
    const char *profile = o.profile && *o.profile ? o.profile : NULL;
    ms_aws_profile *p = ms_aws_profile_load(profile, err, errlen);
    if (!p)
        return -1;
    char region[64];
    int rc = ms_aws_region_resolve(o.region && *o.region ? o.region : NULL, p, region,
                                   sizeof region, NULL, err, errlen);
    ms_aws_profile_free(p);
    if (rc != 0)
        return -1;
    ms_aws_creds_opts co = o.creds;
    co.profile = profile;
    co.region = region;
    return ms_aws_creds_check(&co, err, errlen);
}

void ms_aws_prefetch(ms_aws *a, ms_aws_creds_cb cb, void *ud)
{
    ms_aws_creds_get(a->creds, cb, ud);
}

const char *ms_aws_region(const ms_aws *a) { return a->region; }
ms_http *ms_aws_http(ms_aws *a) { return a->http; }
ms_aws_creds_chain *ms_aws_creds_chain_of(ms_aws *a) { return a->creds; }

const char *ms_aws_access_key_id(ms_aws *a)
{
    const ms_aws_creds *cr = a->creds ? ms_aws_creds_current(a->creds) : NULL;
    return cr ? cr->access_key_id : NULL;
}
const ms_aws_profile *ms_aws_get_profile(const ms_aws *a) { return a->profile; }
const ms_retry_quota *ms_aws_retry_quota(const ms_aws *a) { return &a->quota; }

int ms_aws_endpoint(const ms_aws *a, const char *service, const char *explicit_url,
                    char *out, size_t outlen, char *err, size_t errlen)
{
    const ms_aws_service *svc = ms_aws_service_find(service);
    if (!svc) {
        ms_errf(err, errlen, "unknown AWS service '%s'", service);
        return -1;
    }
    const char *ex = explicit_url && *explicit_url ? explicit_url : NULL;
    return ms_aws_endpoint_resolve(svc, a->region, a->fips, ex, a->profile,
                                   out, outlen, NULL, err, errlen);
}

/* ---- one call ----------------------------------------------------------- */

static void call_free(call *c)
{
    free(c->service);
    free(c->signing_name);
    free(c->method);
    free(c->url_base);
    free(c->host);
    free(c->path);
    free(c->query);
    free(c->target_hdr);
    free(c->ctype_hdr);
    for (size_t i = 0; i < c->nextra; i++) {
        free((char *)c->extra[i].name);
        free((char *)c->extra[i].value);
    }
    free(c);
}

static void timer_closed(uv_handle_t *h)
{
    call_free(h->data);   /* touches nothing of the context: it may be gone */
}

static void maybe_free(ms_aws *a);

static void unlink_call(call *c)
{
    ms_list_remove(&c->link);
}

/* Report the result and retire the call. */
static void call_finish(call *c, ms_aws_outcome o, ms_retry_decision why,
                        const ms_aws_error *e, const ms_http_resp *resp)
{
    ms_aws_result r = {0};
    r.outcome = o;
    r.why = why;
    if (e) r.error = *e;
    r.resp = resp;
    r.attempts = c->retry.attempts;
    r.elapsed_s = (double)(now_ns(c->a) - c->start_ns) / 1e9;
    unlink_call(c);
    c->state = CANCELED;
    c->cb(&r, c->ud);
    uv_close((uv_handle_t *)&c->timer, timer_closed);
    if (c->a->closing) maybe_free(c->a);
}

static void send_attempt(call *c, const ms_aws_creds *cr);
static void on_backoff(uv_timer_t *t);

static void on_response(const ms_http_resp *resp, void *ud)
{
    call *c = ud;
    if (c->state == CANCELED) return;
    ms_aws_error e;
    ms_aws_outcome o = ms_aws_classify(resp, &e);
    double rtt = (double)(now_ns(c->a) - c->attempt_ns) / 1e9;
    if (c->on_attempt) c->on_attempt(o, &e, rtt, c->ud);
    if (resp->err == MS_HTTP_ECANCELED) {
        snprintf(e.code, sizeof e.code, "Canceled");
        call_finish(c, MS_AWS_FINAL, MS_RETRY_DONE, &e, resp);
        return;
    }
    ms_retry_policy pol = {c->max_attempts, 20.0, &c->a->quota};
    double delay;
    ms_retry_decision d = ms_retry_next(&pol, &c->retry, o, ms_retry_rand01(), &delay);
    if (d == MS_RETRY_AGAIN && c->a->closing) d = MS_RETRY_EXHAUSTED;
    if (d != MS_RETRY_AGAIN) {
        if (o != MS_AWS_SUCCESS)
            ms_log(MS_LOG_DEBUG, "aws call failed", KS("service", c->service),
                   KS("code", e.code), KI("status", resp->status),
                   KI("attempts", c->retry.attempts), KEND);
        call_finish(c, o, d, o == MS_AWS_SUCCESS ? NULL : &e, resp);
        return;
    }
    ms_log(MS_LOG_DEBUG, "aws retry", KS("service", c->service), KS("code", e.code),
           KS("class", ms_aws_outcome_name(o)), KI("attempt", c->retry.attempts),
           KF("delay_s", delay), KEND);
    c->state = BACKOFF;
    uint64_t ms = (uint64_t)(delay * 1000.0 + 0.5);
    uv_timer_start(&c->timer, on_backoff, ms, 0);
}

static void on_creds(const ms_aws_creds *cr, const char *error, void *ud)
{
    call *c = ud;
    if (c->state == CANCELED) return;
    if (!cr) {
        ms_aws_error e = {0};
        snprintf(e.code, sizeof e.code, "CredentialsError");
        snprintf(e.message, sizeof e.message, "%s", error ? error : "no credentials");
        call_finish(c, MS_AWS_FINAL, MS_RETRY_DONE, &e, NULL);
        return;
    }
    send_attempt(c, cr);
}

static void start_attempt(call *c)
{
    const ms_aws_creds *cr = ms_aws_creds_current(c->a->creds);
    if (cr) {
        send_attempt(c, cr);
        return;
    }
    c->state = WAIT_CREDS;
    ms_aws_creds_get(c->a->creds, on_creds, c);
}

static void on_backoff(uv_timer_t *t)
{
    call *c = t->data;
    if (c->state == BACKOFF) start_attempt(c);
}

static void send_attempt(call *c, const ms_aws_creds *cr)
{
    /* Headers to sign: host, the JSON protocol's pair, the caller's. */
    ms_sigv4_header sh[MAX_EXTRA_HEADERS + 3];
    size_t ns = 0;
    sh[ns++] = (ms_sigv4_header){"Host", c->host};
    if (c->target_hdr) {
        sh[ns++] = (ms_sigv4_header){"Content-Type", c->ctype_hdr};
        sh[ns++] = (ms_sigv4_header){"X-Amz-Target", c->target_hdr};
    }
    for (size_t i = 0; i < c->nextra; i++)
        sh[ns++] = (ms_sigv4_header){c->extra[i].name, c->extra[i].value};

    ms_sigv4_request sr = {
        .method = c->method, .path = c->path, .query = c->query,
        .headers = sh, .nheaders = ns, .body = c->body, .body_len = c->body_len,
        .payload_hash = c->unsigned_payload ? MS_SIGV4_UNSIGNED_PAYLOAD : NULL,
    };
    ms_sigv4_params sp = {
        .region = c->a->region, .service = c->signing_name,
        .access_key = cr->access_key_id, .secret_key = cr->secret_access_key,
        .session_token = cr->session_token, .when = time(NULL),
        .s3_path = c->s3, .content_sha256_header = c->s3,
    };
    ms_sigv4_out so;
    char err[256];
    if (ms_sigv4_sign(&sp, &sr, &so, err, sizeof err) != 0) {
        ms_aws_error e = {0};
        snprintf(e.code, sizeof e.code, "SigningError");
        snprintf(e.message, sizeof e.message, "%s", err);
        call_finish(c, MS_AWS_FINAL, MS_RETRY_DONE, &e, NULL);
        return;
    }

    /* Sent headers: the signed ones plus what the signature adds. */
    ms_http_header hh[MAX_EXTRA_HEADERS + 8];
    size_t nh = 0;
    for (size_t i = 0; i < ns; i++) hh[nh++] = (ms_http_header){sh[i].name, sh[i].value};
    hh[nh++] = (ms_http_header){"X-Amz-Date", so.amz_date};
    if (cr->session_token && *cr->session_token)
        hh[nh++] = (ms_http_header){"X-Amz-Security-Token", cr->session_token};
    if (c->s3) hh[nh++] = (ms_http_header){"X-Amz-Content-Sha256", so.payload_hash};
    hh[nh++] = (ms_http_header){"Authorization", so.authorization};

    size_t ul = strlen(c->url_base) + strlen(c->path) + (c->query ? strlen(c->query) + 1 : 0) + 1;
    char *url = malloc(ul);
    if (!url) {
        ms_sigv4_out_free(&so);
        ms_aws_error e = {.code = "OutOfMemory"};
        call_finish(c, MS_AWS_FINAL, MS_RETRY_DONE, &e, NULL);
        return;
    }
    snprintf(url, ul, "%s%s%s%s", c->url_base, c->path, c->query ? "?" : "",
             c->query ? c->query : "");
    ms_http_req hr = {
        .method = c->method, .url = url, .headers = hh, .nheaders = nh,
        .body = c->body, .body_len = c->body_len, .timeout_ms = c->timeout_ms,
        .max_response_bytes = c->max_response_bytes,
    };
    c->state = IN_FLIGHT;
    c->attempt_ns = now_ns(c->a);
    int rc = ms_http_send(c->a->http, &hr, on_response, c);
    free(url);
    ms_sigv4_out_free(&so);
    if (rc != 0) {
        ms_aws_error e = {.code = "Canceled"};
        snprintf(e.message, sizeof e.message, "the HTTP client refused the request");
        call_finish(c, MS_AWS_FINAL, MS_RETRY_DONE, &e, NULL);
    }
}

int ms_aws_send(ms_aws *a, const ms_aws_request *rq, ms_aws_cb cb, void *ud,
                char *err, size_t errlen)
{
    if (a->closing) {
        ms_errf(err, errlen, "AWS client is closing");
        return -1;
    }
    const ms_aws_service *svc = ms_aws_service_find(rq->service);
    if (!svc) {
        ms_errf(err, errlen, "unknown AWS service '%s'", rq->service ? rq->service : "");
        return -1;
    }
    if (rq->nheaders > MAX_EXTRA_HEADERS) {
        ms_errf(err, errlen, "too many headers (%zu > %d)", rq->nheaders, MAX_EXTRA_HEADERS);
        return -1;
    }
    char base[1024], scheme[16], host[512], bpath[512];
    if (rq->endpoint && *rq->endpoint) snprintf(base, sizeof base, "%s", rq->endpoint);
    else if (ms_aws_endpoint(a, rq->service, NULL, base, sizeof base, err, errlen) != 0)
        return -1;
    if (ms_aws_url_split(base, scheme, sizeof scheme, host, sizeof host,
                         bpath, sizeof bpath) != 0) {
        ms_errf(err, errlen, "endpoint '%s' is not http(s)://host[:port][/path]", base);
        return -1;
    }

    call *c = calloc(1, sizeof *c);
    if (!c) {
        ms_errf(err, errlen, "out of memory");
        return -1;
    }
    c->a = a;
    ms_list_init(&c->link);
    c->service = strdup(svc->id);
    c->signing_name = strdup(svc->signing_name);
    c->s3 = strcmp(svc->id, "s3") == 0;
    c->method = strdup(rq->method ? rq->method : "POST");
    /* url_base is scheme://host[:port] as given; the signed path is the
     * endpoint's own path followed by the request's. */
    const char *after = strstr(base, "://") + 3;
    size_t hostlen = strcspn(after, "/?#");
    c->url_base = strndup(base, (size_t)(after - base) + hostlen);
    c->host = strdup(host);
    const char *rp = rq->path && *rq->path ? rq->path : "/";
    size_t pl = strlen(bpath) + strlen(rp) + 2;
    c->path = malloc(pl);
    if (c->path) snprintf(c->path, pl, "%s%s%s", bpath, rp[0] == '/' ? "" : "/", rp);
    c->query = rq->query && *rq->query ? strdup(rq->query) : NULL;
    if (rq->target) {
        c->target_hdr = strdup(rq->target);
        char ct[64];
        snprintf(ct, sizeof ct, "application/x-amz-json-%s",
                 rq->json_version ? rq->json_version : "1.1");
        c->ctype_hdr = strdup(ct);
    }
    bool oom = !c->service || !c->signing_name || !c->method || !c->url_base ||
               !c->host || !c->path || (rq->query && *rq->query && !c->query) ||
               (rq->target && (!c->target_hdr || !c->ctype_hdr));
    for (size_t i = 0; i < rq->nheaders && !oom; i++) {
        c->extra[i].name = dup_or_null(rq->headers[i].name);
        c->extra[i].value = dup_or_null(rq->headers[i].value ? rq->headers[i].value : "");
        c->nextra = i + 1;
        oom = !c->extra[i].name || !c->extra[i].value;
    }
    if (oom) {
        call_free(c);
        ms_errf(err, errlen, "out of memory");
        return -1;
    }
    c->body = rq->body;
    c->body_len = rq->body_len;
    c->unsigned_payload = rq->unsigned_payload;
    c->timeout_ms = rq->timeout_ms > 0 ? rq->timeout_ms : a->timeout_ms;
    c->max_attempts = rq->max_attempts > 0 ? rq->max_attempts : a->max_attempts;
    c->max_response_bytes = rq->max_response_bytes;
    c->on_attempt = rq->on_attempt;
    c->cb = cb;
    c->ud = ud;
    uv_timer_init(a->loop, &c->timer);
    c->timer.data = c;
    c->start_ns = now_ns(a);
    ms_list_insert_head(&a->calls, &c->link);
    if (rq->action) ms_aws_action_note(c->service, rq->action);
    else ms_aws_action_note_request(c->service, c->method, c->query, c->target_hdr, c->body,
                                    c->body_len);
    start_attempt(c);
    return 0;
}

/* ---- closing ------------------------------------------------------------ */

/* The context goes once the HTTP client has closed and the last call has
 * reported: credential callbacks may still arrive after ms_aws_close. */
static void maybe_free(ms_aws *a)
{
    if (!a->http_closed || !ms_list_empty(&a->calls) || a->freeing) return;
    a->freeing = true;
    void (*done)(void *) = a->on_closed;
    void *dud = a->closed_ud;
    ms_aws_profile_free(a->profile);
    free(a);
    if (done) done(dud);
}

static void http_closed(void *ud)
{
    ms_aws *a = ud;
    a->http_closed = true;
    maybe_free(a);
}

void ms_aws_close(ms_aws *a, void (*on_closed)(void *ud), void *ud)
{
    a->closing = true;
    a->on_closed = on_closed;
    a->closed_ud = ud;
    /* Calls waiting for a backoff timer end here; calls waiting for
     * credentials end through the chain's cancel callbacks, calls on the
     * wire through the HTTP client's. */
    ms_list *it, *tmp;
    ms_list_foreach_safe(it, tmp, &a->calls) {
        call *c = ms_list_entry(it, call, link);
        if (c->state == BACKOFF) {
            uv_timer_stop(&c->timer);
            ms_aws_error e = {.code = "Canceled"};
            snprintf(e.message, sizeof e.message, "AWS client closed");
            call_finish(c, MS_AWS_FINAL, MS_RETRY_DONE, &e, NULL);
        }
    }
    ms_aws_creds_chain_close(a->creds);
    a->creds = NULL;
    ms_http_close(a->http, http_closed, a);
}
