/* msk_iam.c -- see msk_iam.h. */
#include "kafka/msk_iam.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/errbuf.h"
#include "aws/action_log.h"
#include "aws/aws.h"
#include "aws/sigv4.h"
#include "base/log.h"

#define PRINCIPAL "medstream-msk-iam"

static char *b64url(const unsigned char *d, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *o = malloc(4 * (n / 3 + 1) + 1), *p = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0u) |
                     (i + 2 < n ? (unsigned)d[i + 2] : 0u);
        *p++ = t[v >> 18];
        *p++ = t[(v >> 12) & 63];
        if (i + 1 < n)
            *p++ = t[(v >> 6) & 63];
        if (i + 2 < n)
            *p++ = t[v & 63];
    }
    *p = '\0';
    return o;
}

/* The parameters in the order botocore's SigV4QueryAuth writes them (what
 * the signer libraries send), so that our token is byte-identical to
 * theirs; the signature does not depend on the order. */
static char *ordered(const char *q)
{
    static const char *const order[] = {
        "Action=", "X-Amz-Algorithm=", "X-Amz-Credential=", "X-Amz-Date=", "X-Amz-Expires=",
        "X-Amz-SignedHeaders=", "X-Amz-Security-Token=", "X-Amz-Signature="};
    size_t n = strlen(q);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        size_t kl = strlen(order[i]);
        for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
            if (strncmp(p, order[i], kl) != 0)
                continue;
            size_t vl = strcspn(p, "&");
            if (o)
                out[o++] = '&';
            memcpy(out + o, p, vl);
            o += vl;
            break;
        }
    }
    out[o] = '\0';
    if (o != n) { /* a parameter we do not know: keep the signer's order */
        memcpy(out, q, n + 1);
    }
    return out;
}

int ms_msk_iam_token(const char *region, const char *access_key, const char *secret_key,
                     const char *session_token, time_t when, const char *user_agent,
                     char **token, int64_t *expiry_ms, char *err, size_t errlen)
{
    *token = NULL;
    if (!region || !*region || !access_key || !*access_key || !secret_key || !*secret_key) {
        ms_errf(err, errlen, "MSK IAM token: region and credentials are required");
        return -1;
    }
    char host[256];
    snprintf(host, sizeof host, "kafka.%s.amazonaws.com", region);
    ms_sigv4_header h = {"Host", host};
    ms_sigv4_request rq = {
        .method = "GET", .path = "/", .query = "Action=kafka-cluster%3AConnect",
        .headers = &h, .nheaders = 1,
    };
    ms_sigv4_params p = {
        .region = region, .service = "kafka-cluster", .access_key = access_key,
        .secret_key = secret_key, .session_token = session_token, .when = when,
        .expires = MS_MSK_IAM_EXPIRES_S,
    };
    ms_sigv4_out out;
    if (ms_sigv4_presign(&p, &rq, &out, err, errlen) != 0)
        return -1;
    /* The User-Agent parameter is added after signing, as the signer
     * libraries do: it is not part of the signature. */
    char *ua = ms_uri_encode(user_agent, strlen(user_agent), false);
    size_t n = strlen(host) + strlen(out.query) + (ua ? strlen(ua) : 0) + 64;
    char *url = malloc(n);
    char *query = ordered(out.query);
    int rc = -1;
    if (ua && url && query) {
        int len = snprintf(url, n, "https://%s/?%s&User-Agent=%s", host, query, ua);
        *token = b64url((const unsigned char *)url, (size_t)len);
        if (*token) {
            *expiry_ms = ((int64_t)when + MS_MSK_IAM_EXPIRES_S) * 1000;
            rc = 0;
        }
    }
    if (rc != 0)
        ms_errf(err, errlen, "out of memory");
    free(ua);
    free(url);
    free(query);
    ms_sigv4_out_free(&out);
    return rc;
}

/* ---- the published token (any thread) ---------------------------------- */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static char *g_token;
static int64_t g_expiry_ms;

static void publish(char *token, int64_t expiry_ms)
{
    pthread_mutex_lock(&g_mu);
    free(g_token);
    g_token = token;
    g_expiry_ms = expiry_ms;
    pthread_mutex_unlock(&g_mu);
}

void ms_msk_iam_refresh_cb(rd_kafka_t *rk, const char *oauthbearer_config, void *opaque)
{
    (void)oauthbearer_config;
    (void)opaque;
    char *tok = NULL;
    int64_t exp = 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    pthread_mutex_lock(&g_mu);
    if (g_token && g_expiry_ms > now_ms + 30000) {
        tok = strdup(g_token);
        exp = g_expiry_ms;
    }
    pthread_mutex_unlock(&g_mu);
    if (!tok) {
        /* librdkafka asks again shortly. */
        rd_kafka_oauthbearer_set_token_failure(rk, "MSK IAM token not ready (no credentials yet)");
        return;
    }
    char errstr[512];
    if (rd_kafka_oauthbearer_set_token(rk, tok, exp, PRINCIPAL, NULL, 0, errstr, sizeof errstr) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_oauthbearer_set_token_failure(rk, errstr);
    else
        /* The token is the signed kafka-cluster:Connect request; the
         * broker authorizes each Kafka API call against the other
         * kafka-cluster actions, which no client can see (docs/aws.md). */
        ms_aws_action_note("kafka-cluster", "Connect");
    free(tok);
}

/* ---- the refresher (loop thread) --------------------------------------- */

typedef struct refresher {
    uv_loop_t *loop;
    ms_aws_opts aopts;
    ms_aws *aws;
    uv_timer_t timer;
    int refs;
    int closes_pending;
    bool closing, fetching, have_token;
    ms_msk_iam_ref *waiters;
} refresher;

struct ms_msk_iam_ref {
    refresher *r;
    ms_msk_iam_ready_cb ready;
    void *ud;
    ms_msk_iam_ref *next;   /* waiting for the first token */
    bool waiting;
};

static refresher *g_ref; /* the loop's refresher; loop thread only */

static void notify(refresher *r, const char *error)
{
    while (r->waiters) {
        ms_msk_iam_ref *w = r->waiters;
        r->waiters = w->next;
        w->waiting = false;
        w->ready(w->ud, error); /* may release w */
    }
}

static void on_creds(const ms_aws_creds *c, const char *error, void *ud)
{
    refresher *r = ud;
    r->fetching = false;
    if (r->closing)
        return;
    char err[512] = "";
    char *tok = NULL;
    int64_t exp = 0;
    if (!c) {
        snprintf(err, sizeof err, "no AWS credentials: %s", error ? error : "unknown");
    } else if (ms_msk_iam_token(ms_aws_region(r->aws), c->access_key_id, c->secret_access_key,
                                c->session_token, time(NULL), MS_MSK_IAM_USER_AGENT, &tok, &exp,
                                err, sizeof err) == 0) {
        /* Temporary credentials end the URL's validity with them. */
        if (c->expires_at > 0 && c->expires_at * 1000 < exp)
            exp = c->expires_at * 1000;
        publish(tok, exp);
        r->have_token = true;
        ms_log(MS_LOG_DEBUG, "msk iam: token refreshed", KS("provider", c->provider), KEND);
        notify(r, NULL);
        return;
    }
    ms_log(MS_LOG_WARN, "msk iam: cannot build a token", KS("error", err), KEND);
    if (!r->have_token)
        notify(r, err);
}

static void rebuild(refresher *r)
{
    if (r->fetching || r->closing)
        return;
    r->fetching = true;
    ms_aws_creds_get(ms_aws_creds_chain_of(r->aws), on_creds, r);
}

static void on_timer(uv_timer_t *t)
{
    rebuild(t->data);
}

static void closed_one(refresher *r)
{
    if (--r->closes_pending == 0)
        free(r);
}

static void timer_closed(uv_handle_t *h)
{
    closed_one(h->data);
}

static void aws_closed(void *ud)
{
    closed_one(ud);
}

ms_msk_iam_ref *ms_msk_iam_acquire(void *uv_loop, const ms_config *cfg, ms_msk_iam_ready_cb ready,
                                   void *ud, char *err, size_t errlen)
{
    ms_msk_iam_ref *ref = calloc(1, sizeof *ref);
    if (!ref) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    refresher *r = g_ref;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) {
            free(ref);
            ms_errf(err, errlen, "out of memory");
            return NULL;
        }
        r->loop = uv_loop;
        ms_aws_opts_from_config(cfg, &r->aopts);
        r->aws = ms_aws_new(r->loop, &r->aopts, err, errlen);
        if (!r->aws) {
            free(r);
            free(ref);
            return NULL;
        }
        uv_timer_init(r->loop, &r->timer);
        r->timer.data = r;
        uv_timer_start(&r->timer, on_timer, MS_MSK_IAM_REBUILD_S * 1000,
                       MS_MSK_IAM_REBUILD_S * 1000);
        g_ref = r;
        rebuild(r);
    }
    r->refs++;
    ref->r = r;
    ref->ready = ready;
    ref->ud = ud;
    if (r->have_token) {
        ready(ud, NULL);
    } else {
        ref->waiting = true;
        ref->next = r->waiters;
        r->waiters = ref;
    }
    return ref;
}

void ms_msk_iam_release(ms_msk_iam_ref *ref)
{
    if (!ref)
        return;
    refresher *r = ref->r;
    if (ref->waiting)
        for (ms_msk_iam_ref **pp = &r->waiters; *pp; pp = &(*pp)->next)
            if (*pp == ref) {
                *pp = ref->next;
                break;
            }
    free(ref);
    if (--r->refs > 0)
        return;
    r->closing = true;
    g_ref = NULL;
    publish(NULL, 0);
    r->closes_pending = 2;
    uv_close((uv_handle_t *)&r->timer, timer_closed);
    ms_aws_close(r->aws, aws_closed, r);
}
