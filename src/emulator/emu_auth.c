/* emu_auth.c -- SigV4 verification of an incoming request.
 *
 * The request is signed again from what arrived (method, path, raw query,
 * the headers its SignedHeaders names, the body or its declared hash) with
 * the configured secret, at the time of its X-Amz-Date and in its scope's
 * region, and the two signatures compared in constant time. Errors follow
 * the service's codes: MissingAuthenticationTokenException (no header),
 * IncompleteSignatureException (malformed header), UnrecognizedClientException
 * (unknown access key), InvalidSignatureException (wrong signature, wrong
 * scope, expired). Session tokens are accepted as sent (signed like any
 * header), since the emulator has no STS to check them against. */
#include "emulator/emulator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "aws/sigv4.h"

#define SERVICE "comprehendmedical"
#define MAX_SIGNED 64

static int fail(ms_emu_auth_error *e, int status, const char *code, const char *msg)
{
    e->status = status;
    e->code = code;
    snprintf(e->message, sizeof e->message, "%s", msg);
    return -1;
}

/* The value of "name=" in the Authorization parameters, up to ',' (copied
 * into out); false when absent. */
static bool auth_param(const char *params, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *p = params; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        if ((size_t)(e - p) > nl && !strncmp(p, name, nl) && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t vl = (size_t)(e - v);
            while (vl && v[vl - 1] == ' ')
                vl--;
            if (vl >= outlen)
                return false;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return true;
        }
        p = e;
    }
    return false;
}

static void fmt_amz(time_t t, char buf[17])
{
    ms_sigv4_amz_date(t, buf);
}

int ms_emu_verify_sigv4(const ms_httpd_req *req, const char *access_key,
                        const char *secret_key, time_t now, double max_skew_s,
                        ms_emu_auth_error *e)
{
    const char *auth = ms_httpd_header_get(req, "Authorization");
    if (!auth || !*auth)
        return fail(e, 400, "MissingAuthenticationTokenException",
                    "Missing Authentication Token");
    static const char alg[] = "AWS4-HMAC-SHA256 ";
    if (strncmp(auth, alg, sizeof alg - 1))
        return fail(e, 400, "IncompleteSignatureException",
                    "Only AWS4-HMAC-SHA256 Authorization headers are supported");
    const char *params = auth + sizeof alg - 1;
    char cred[512], signed_hdrs[1024], sig[128];
    if (!auth_param(params, "Credential", cred, sizeof cred) ||
        !auth_param(params, "SignedHeaders", signed_hdrs, sizeof signed_hdrs) ||
        !auth_param(params, "Signature", sig, sizeof sig))
        return fail(e, 400, "IncompleteSignatureException",
                    "Authorization header requires 'Credential', 'SignedHeaders' and "
                    "'Signature' parameters");

    /* Credential = AKID/YYYYMMDD/region/service/aws4_request */
    char *parts[5];
    int np = 0;
    for (char *s = cred, *tok; np < 5 && (tok = strsep(&s, "/")) != NULL;)
        parts[np++] = tok;
    if (np != 5 || strlen(parts[1]) != 8 || !*parts[2])
        return fail(e, 400, "IncompleteSignatureException",
                    "Credential must be AKID/YYYYMMDD/region/service/aws4_request");
    if (strcmp(parts[0], access_key))
        return fail(e, 403, "UnrecognizedClientException",
                    "The security token included in the request is invalid.");
    if (strcmp(parts[3], SERVICE))
        return fail(e, 403, "InvalidSignatureException",
                    "Credential should be scoped to correct service: '" SERVICE "'.");
    if (strcmp(parts[4], "aws4_request"))
        return fail(e, 403, "InvalidSignatureException",
                    "Credential should be scoped with a valid terminator: 'aws4_request'.");

    const char *xdate = ms_httpd_header_get(req, "X-Amz-Date");
    time_t when;
    if (!xdate || ms_sigv4_parse_date(xdate, &when) != 0)
        return fail(e, 400, "IncompleteSignatureException",
                    "Authorization header requires existence of a valid 'X-Amz-Date' header.");
    char amz[17];
    fmt_amz(when, amz);
    if (strncmp(amz, parts[1], 8)) {
        snprintf(e->message, sizeof e->message,
                 "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                 "version of date from HTTP: '%s' != '%.8s', from '%s'.",
                 parts[1], amz, xdate);
        e->status = 403;
        e->code = "InvalidSignatureException";
        return -1;
    }
    double skew = difftime(now, when);
    if (skew > max_skew_s || -skew > max_skew_s) {
        char nowb[17], edge[17];
        fmt_amz(now, nowb);
        int mins = (int)(max_skew_s / 60);
        if (skew > 0) {
            fmt_amz(now - (time_t)max_skew_s, edge);
            snprintf(e->message, sizeof e->message,
                     "Signature expired: %s is now earlier than %s (%s - %d min.)",
                     amz, edge, nowb, mins);
        } else {
            fmt_amz(now + (time_t)max_skew_s, edge);
            snprintf(e->message, sizeof e->message,
                     "Signature not yet current: %s is still later than %s (%s + %d min.)",
                     amz, edge, nowb, mins);
        }
        e->status = 403;
        e->code = "InvalidSignatureException";
        return -1;
    }

    /* the headers it says it signed, every occurrence, in request order;
     * x-amz-date is added back by the signer from `when` */
    ms_sigv4_header hs[MAX_SIGNED];
    size_t nh = 0;
    bool host = false, date = false;
    char names[sizeof signed_hdrs];
    memcpy(names, signed_hdrs, sizeof names);
    for (char *s = names, *name; (name = strsep(&s, ";")) != NULL;) {
        if (!strcmp(name, "x-amz-date")) {
            date = true;
            continue;
        }
        host |= !strcmp(name, "host");
        bool found = false;
        for (size_t i = 0; i < req->nheaders && nh < MAX_SIGNED; i++)
            if (!strcasecmp(req->headers[i].name, name)) {
                hs[nh++] = (ms_sigv4_header){req->headers[i].name, req->headers[i].value};
                found = true;
            }
        if (!found)
            return fail(e, 403, "InvalidSignatureException",
                        "A header named in SignedHeaders is missing from the request.");
    }
    if (!host || !date)
        return fail(e, 403, "InvalidSignatureException",
                    "'Host' and 'X-Amz-Date' must be signed.");

    ms_sigv4_params p = {
        .region = parts[2], .service = SERVICE, .access_key = access_key,
        .secret_key = secret_key, .when = when,
    };
    ms_sigv4_request r = {
        .method = req->method, .path = req->path, .query = req->query,
        .headers = hs, .nheaders = nh, .body = req->body, .body_len = req->body_len,
        .payload_hash = ms_httpd_header_get(req, "X-Amz-Content-Sha256"),
    };
    ms_sigv4_out out;
    char err[256];
    if (ms_sigv4_sign(&p, &r, &out, err, sizeof err) != 0)
        return fail(e, 403, "InvalidSignatureException", err);
    bool ok = strlen(sig) == strlen(out.signature) &&
              CRYPTO_memcmp(sig, out.signature, strlen(sig)) == 0 &&
              !strcmp(out.signed_headers, signed_hdrs);
    ms_sigv4_out_free(&out);
    if (!ok)
        return fail(e, 403, "InvalidSignatureException",
                    "The request signature we calculated does not match the signature "
                    "you provided. Check your AWS Secret Access Key and signing method. "
                    "Consult the service documentation for details.");
    return 0;
}
