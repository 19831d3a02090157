/* aws_sync.c -- one AWS call, or one credential resolution, on a private
 * loop that the caller blocks on: for `check-config --probe` (base/probe.h),
 * never for the pipeline, whose calls all go through the engine's loop.
 * Contract: aws.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/sts_identity.h"
#include "base/errbuf.h"
#include "base/str.h"

typedef struct sync_ctx {
    ms_aws *aws;
    bool done, closed;
    ms_aws_sync *out;
    const ms_aws_creds *creds;   /* creds probe: valid during the callback */
    char provider[32], key_id[32], cerr[512];
    bool creds_ok;
    uv_timer_t guard;
} sync_ctx;

static void on_closed(void *ud)
{
    ((sync_ctx *)ud)->closed = true;
}

static void on_guard(uv_timer_t *t)
{
    sync_ctx *c = t->data;
    /* Past the bound: cancel what is in flight (its callback comes back
     * "Canceled"), which ends the wait. */
    if (!c->done && c->aws) {
        ms_aws *a = c->aws;
        c->aws = NULL;
        ms_aws_close(a, on_closed, c);
    }
}

static void on_result(const ms_aws_result *r, void *ud)
{
    sync_ctx *c = ud;
    ms_aws_sync *o = c->out;
    c->done = true;
    uv_timer_stop(&c->guard);   /* else this loop turn polls until it fires */
    o->outcome = r->outcome;
    o->error = r->error;
    o->status = r->resp ? r->resp->status : 0;
    if (r->resp && r->resp->body_len) {
        o->body = malloc(r->resp->body_len + 1);
        if (o->body) {
            memcpy(o->body, r->resp->body, r->resp->body_len);
            o->body[r->resp->body_len] = 0;
            o->body_len = r->resp->body_len;
        }
    }
}

/* Run the loop until c->done, bounded by the guard (past it the client is
 * closed: c->aws is NULL then). */
static void wait_done(uv_loop_t *loop, sync_ctx *c, long timeout_ms)
{
    if (!c->done)
        uv_timer_start(&c->guard, on_guard, (uint64_t)timeout_ms, 0);
    while (!c->done && uv_run(loop, UV_RUN_ONCE))
        ;
}

/* wait_done, then close the client and run until everything is closed. */
static void finish(uv_loop_t *loop, sync_ctx *c, long timeout_ms)
{
    wait_done(loop, c, timeout_ms);
    uv_close((uv_handle_t *)&c->guard, NULL);
    if (c->aws) {
        ms_aws *a = c->aws;
        c->aws = NULL;
        ms_aws_close(a, on_closed, c);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
}

static int open_client(uv_loop_t *loop, const ms_config *cfg, long timeout_ms, sync_ctx *c,
                       char *err, size_t errlen)
{
    ms_aws_opts o;
    ms_aws_opts_from_config(cfg, &o);
    o.max_attempts = 1;
    o.timeout_ms = timeout_ms;
    if (o.creds.timeout_ms == 0 || o.creds.timeout_ms > timeout_ms)
        o.creds.timeout_ms = timeout_ms;
    uv_loop_init(loop);
    uv_timer_init(loop, &c->guard);
    c->guard.data = c;
    c->aws = ms_aws_new(loop, &o, err, errlen);
    if (!c->aws) {
        uv_close((uv_handle_t *)&c->guard, NULL);
        uv_run(loop, UV_RUN_DEFAULT);
        uv_loop_close(loop);
        return -1;
    }
    return 0;
}

int ms_aws_call_sync(const ms_config *cfg, const char *explicit_url, const char *host_label,
                     ms_aws_request *rq, long timeout_ms, ms_aws_sync *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    uv_loop_t loop;
    sync_ctx c = {.out = out};
    if (open_client(&loop, cfg, timeout_ms, &c, err, errlen) != 0)
        return -1;
    ms_strlcpy(out->region, sizeof out->region, ms_aws_region(c.aws));
    int rc = ms_aws_endpoint(c.aws, rq->service, explicit_url && *explicit_url ? explicit_url : NULL,
                             out->endpoint, sizeof out->endpoint, err, errlen);
    if (rc == 0 && host_label) {
        /* S3 virtual-hosted style: the bucket becomes the first label. */
        const char *after = strstr(out->endpoint, "://");
        char ep[sizeof out->endpoint];
        if (!after || snprintf(ep, sizeof ep, "%.*s%s.%s", (int)(after + 3 - out->endpoint),
                               out->endpoint, host_label, after + 3) >= (int)sizeof ep) {
            ms_errf(err, errlen, "bad endpoint '%s'", out->endpoint);
            rc = -1;
        } else {
            ms_strlcpy(out->endpoint, sizeof out->endpoint, ep);
        }
    }
    if (rc == 0) {
        rq->endpoint = out->endpoint;
        rq->max_attempts = 1;
        rq->timeout_ms = timeout_ms;
        rc = ms_aws_send(c.aws, rq, on_result, &c, err, errlen);
    }
    if (rc != 0)
        c.done = true;
    finish(&loop, &c, timeout_ms + 1000);
    if (rc == 0 && out->outcome != MS_AWS_SUCCESS && !strcmp(out->error.code, "Canceled"))
        ms_strlcpy(out->error.code, sizeof out->error.code, "Timeout");
    return rc;
}

const char *ms_aws_sync_why(const ms_aws_sync *s, char *buf, size_t n)
{
    if (s->status)
        snprintf(buf, n, "HTTP %ld%s%s%s%s", s->status, s->error.code[0] ? " " : "", s->error.code,
                 s->error.message[0] ? ": " : "", s->error.message);
    else
        snprintf(buf, n, "no answer (%s%s%s)", s->error.code[0] ? s->error.code : "?",
                 s->error.message[0] ? ": " : "", s->error.message);
    return buf;
}

void ms_aws_sync_free(ms_aws_sync *s)
{
    free(s->body);
    s->body = NULL;
}

static void on_creds(const ms_aws_creds *cr, const char *error, void *ud)
{
    sync_ctx *c = ud;
    c->done = true;
    uv_timer_stop(&c->guard);   /* else this loop turn polls until it fires */
    if (!cr) {
        ms_strlcpy(c->cerr, sizeof c->cerr, error ? error : "no credentials");
        return;
    }
    c->creds_ok = true;
    ms_strlcpy(c->provider, sizeof c->provider, cr->provider ? cr->provider : "?");
    /* The key id is not a secret, but a whole one is more than a reader
     * needs: its kind (AKIA long-term, ASIA temporary) and last 4. */
    size_t n = cr->access_key_id ? strlen(cr->access_key_id) : 0;
    if (n >= 8)
        snprintf(c->key_id, sizeof c->key_id, "%.4s...%s", cr->access_key_id,
                 cr->access_key_id + n - 4);
    else
        ms_strlcpy(c->key_id, sizeof c->key_id, "(short)");
}

/* The caller identity line: INFO, or FAIL when the audit trail was asked
 * for it (audit.caller_identity) and STS did not say. */
static void probe_identity(ms_probe *p, const ms_config *cfg, ms_aws_sync *id, int sent,
                           const char *sts, const char *serr)
{
    ms_aws_identity who;
    char why[1024];
    if (sent == 0 && id->outcome == MS_AWS_SUCCESS &&
        ms_sts_identity_parse(id->body, id->body_len, &who) == 0) {
        ms_probe_note(p, "aws caller identity", "%s (account %s; STS GetCallerIdentity at %s)",
                      who.arn, who.account, sts);
    } else {
        if (sent != 0)
            snprintf(why, sizeof why, "not sent: %s", serr[0] ? serr : "?");
        else if (id->outcome == MS_AWS_SUCCESS)
            snprintf(why, sizeof why, "HTTP %ld without an Arn and an Account", id->status);
        else if (!strcmp(id->error.code, "Canceled") || !strcmp(serr, "no answer in time"))
            snprintf(why, sizeof why, "no answer in time");
        else
            ms_aws_sync_why(id, why, sizeof why);
        bool wanted = ms_config_bool(cfg, "audit.caller_identity") &&
                      strcmp(ms_config_str(cfg, "audit.type"), "off") != 0;
        if (wanted)
            ms_probe_report(p, false, "aws caller identity",
                            "STS GetCallerIdentity at %s: %s (audit.caller_identity = true: "
                            "the audit records would say \"unknown\")", sts[0] ? sts : "?", why);
        else
            ms_probe_note(p, "aws caller identity",
                          "not learned: STS GetCallerIdentity at %s: %s (not needed by this "
                          "configuration)", sts[0] ? sts : "?", why);
    }
    ms_aws_sync_free(id);
}

int ms_aws_probe_creds(const ms_config *cfg, ms_probe *p)
{
    uv_loop_t loop;
    sync_ctx c = {0};
    char err[512];
    if (open_client(&loop, cfg, p->timeout_ms, &c, err, sizeof err) != 0) {
        ms_probe_report(p, false, "aws credentials", "cannot create the AWS client: %s", err);
        return -1;
    }
    char region[64];
    ms_strlcpy(region, sizeof region, ms_aws_region(c.aws));
    ms_aws_prefetch(c.aws, on_creds, &c);
    wait_done(&loop, &c, p->timeout_ms * 2 + 1000);
    if (!c.done)
        ms_strlcpy(c.cerr, sizeof c.cerr, "no provider answered in time");
    /* Who they are: STS GetCallerIdentity with the same client (free, no
     * permission needed), on the line under the credentials. */
    ms_aws_sync id = {0};
    char sts[1024] = "", serr[512] = "";
    int sent = -1;
    if (c.creds_ok && c.aws &&
        ms_aws_endpoint(c.aws, "sts", NULL, sts, sizeof sts, serr, sizeof serr) == 0) {
        ms_aws_request rq;
        ms_sts_identity_request(&rq);
        rq.endpoint = sts;
        rq.max_attempts = 1;
        rq.timeout_ms = p->timeout_ms;
        c.done = false;
        c.out = &id;
        sent = ms_aws_send(c.aws, &rq, on_result, &c, serr, sizeof serr);
        if (sent == 0)
            wait_done(&loop, &c, p->timeout_ms + 1000);
        if (sent == 0 && !c.done)
            ms_strlcpy(serr, sizeof serr, "no answer in time");
        c.done = true;
    }
    finish(&loop, &c, p->timeout_ms);
    if (c.creds_ok) {
        ms_probe_report(p, true, "aws credentials",
                        "from the %s provider (access key id %s), region %s", c.provider,
                        c.key_id, region);
        probe_identity(p, cfg, &id, sent, sts, serr);
    } else
        ms_probe_report(p, false, "aws credentials", "%s (chain: environment, web identity, "
                        "profile, ECS/EKS container, EC2 instance metadata)", c.cerr);
    return c.creds_ok ? 0 : -1;
}
