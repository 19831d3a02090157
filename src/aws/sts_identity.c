/* sts_identity.c -- STS GetCallerIdentity: the request, the answer's
 * parser, and the asynchronous call. Contract: sts_identity.h. */
#define _GNU_SOURCE
#include "aws/sts_identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errbuf.h"
#include "base/str.h"

/* The text of <tag>...</tag> inside [b, e), entities decoded, into out.
 * 0, or -1 when absent, empty or too long. */
static int element(const char *b, const char *e, const char *tag, char *out, size_t n)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *s = memmem(b, (size_t)(e - b), open, strlen(open));
    if (!s)
        return -1;
    s += strlen(open);
    const char *t = memmem(s, (size_t)(e - s), close, strlen(close));
    if (!t || t == s)
        return -1;
    size_t o = 0;
    for (const char *p = s; p < t;) {
        static const struct { const char *ent; char c; } ents[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        char c = *p;
        size_t adv = 1;
        if (c == '&') {
            size_t k;
            for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
                size_t l = strlen(ents[k].ent);
                if ((size_t)(t - p) >= l && !strncmp(p, ents[k].ent, l)) {
                    c = ents[k].c;
                    adv = l;
                    break;
                }
            }
            if (k == sizeof ents / sizeof ents[0])
                return -1;   /* numeric references: not in an ARN */
        }
        if (o + 1 >= n)
            return -1;
        out[o++] = c;
        p += adv;
    }
    out[o] = 0;
    return 0;
}

int ms_sts_identity_parse(const char *body, size_t len, ms_aws_identity *out)
{
    memset(out, 0, sizeof *out);
    if (!body)
        return -1;
    static const char res[] = "<GetCallerIdentityResult>", endres[] = "</GetCallerIdentityResult>";
    const char *b = memmem(body, len, res, strlen(res));
    const char *e = b ? memmem(b, len - (size_t)(b - body), endres, strlen(endres)) : NULL;
    if (!e)
        return -1;
    if (element(b, e, "Arn", out->arn, sizeof out->arn) != 0 || strncmp(out->arn, "arn:", 4) ||
        element(b, e, "Account", out->account, sizeof out->account) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    if (element(b, e, "UserId", out->user_id, sizeof out->user_id) != 0)
        out->user_id[0] = 0;
    return 0;
}

static const ms_http_header form[] = {
    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};

void ms_sts_identity_request(ms_aws_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->service = "sts";
    rq->action = "GetCallerIdentity";
    rq->method = "POST";
    rq->headers = form;
    rq->nheaders = 1;
    rq->body = MS_STS_GCI_BODY;
    rq->body_len = strlen(MS_STS_GCI_BODY);
}

typedef struct gci_call {
    ms_aws *a;
    ms_sts_identity_cb cb;
    void *ud;
} gci_call;

static void on_done(const ms_aws_result *r, void *ud)
{
    gci_call *c = ud;
    const char *akid = ms_aws_access_key_id(c->a);
    char why[800];
    if (r->outcome == MS_AWS_SUCCESS && r->resp) {
        ms_aws_identity id;
        if (ms_sts_identity_parse(r->resp->body, r->resp->body_len, &id) == 0) {
            c->cb(&id, akid, NULL, c->ud);
            free(c);
            return;
        }
        snprintf(why, sizeof why, "HTTP %ld: no GetCallerIdentityResult with Arn and Account "
                 "in the answer", r->resp->status);
    } else if (r->resp && r->resp->status) {
        snprintf(why, sizeof why, "HTTP %ld %s%s%s", r->resp->status, r->error.code,
                 r->error.message[0] ? ": " : "", r->error.message);
    } else {
        snprintf(why, sizeof why, "no answer (%s%s%s)", r->error.code[0] ? r->error.code : "?",
                 r->error.message[0] ? ": " : "", r->error.message);
    }
    c->cb(NULL, akid, why, c->ud);
    free(c);
}

int ms_sts_identity_get(ms_aws *a, ms_sts_identity_cb cb, void *ud, char *err, size_t errlen)
{
    gci_call *c = calloc(1, sizeof *c);
    if (!c) {
        ms_errf(err, errlen, "out of memory");
        return -1;
    }
    c->a = a;
    c->cb = cb;
    c->ud = ud;
    ms_aws_request rq;
    ms_sts_identity_request(&rq);
    if (ms_aws_send(a, &rq, on_done, c, err, errlen) != 0) {
        free(c);
        return -1;
    }
    return 0;
}
