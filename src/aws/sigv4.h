/* sigv4.h -- AWS Signature Version 4: header signing and presigned URLs.
 *
 * Pure functions over a request description; no I/O. Matches AWS's own
 * test suite (../shared/aws/sigv4-test-suite) and botocore's SigV4Auth.
 *
 *   ms_sigv4_params p = { .region = "us-east-1", .service = "comprehendmedical",
 *                         .access_key = ..., .secret_key = ..., .when = time(NULL) };
 *   ms_sigv4_out out;
 *   if (ms_sigv4_sign(&p, &req, &out, err, sizeof err) == 0) {
 *       add "X-Amz-Date: out.amz_date", "Authorization: out.authorization",
 *       and "X-Amz-Security-Token" when a session token is used;
 *       ms_sigv4_out_free(&out);
 *   }
 *
 * Signing keys are cached per (secret, date, region, service) in a small
 * thread-safe cache, so a steady stream of requests costs two HMACs each
 * instead of six. */
#ifndef MS_SIGV4_H
#define MS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define MS_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* One request header. Names are matched case-insensitively; a name may
 * appear several times (values are joined with ',' in request order, as the
 * SDKs do); values are trimmed and inner runs of spaces collapsed when
 * canonicalised. */
typedef struct ms_sigv4_header {
    const char *name;
    const char *value;
} ms_sigv4_header;

typedef struct ms_sigv4_request {
    const char *method;        /* "GET", "POST", ... */
    const char *path;          /* as sent on the request line, e.g. "/a%20b/c";
                                  NULL or "" = "/" */
    const char *query;         /* raw query string without '?', or NULL */
    const ms_sigv4_header *headers;  /* must include Host */
    size_t nheaders;
    const void *body;          /* hashed unless payload_hash is set */
    size_t body_len;
    const char *payload_hash;  /* hex SHA-256 already computed, or
                                  MS_SIGV4_UNSIGNED_PAYLOAD, or NULL */
} ms_sigv4_request;

typedef struct ms_sigv4_params {
    const char *region;
    const char *service;       /* signing name: "comprehendmedical", "s3",
                                  "monitoring", "kafka-cluster", ... */
    const char *access_key;
    const char *secret_key;
    const char *session_token; /* NULL or "" = none */
    time_t when;               /* signing time (UTC seconds) */
    /* S3 rules: the path is used as sent (no normalisation, no second
     * encoding). Every other service normalises ("/a/./b/../c" -> "/a/c",
     * repeated slashes kept per the suite's rules) and encodes each path
     * segment again. */
    bool s3_path;
    /* Non-S3 only: skip dot-segment removal and slash collapsing but still
     * encode the path again (the suite's "normalize": false cases). */
    bool no_path_normalize;
    /* Add x-amz-content-sha256 to the signed headers (S3 requires it).
     * Header signing only; presigned URLs never carry it. */
    bool content_sha256_header;
    /* Session token appended after signing instead of being signed
     * (some services, e.g. IoT; the suite's post-sts-header-after case). */
    bool session_token_unsigned;
    /* Presigning only: X-Amz-Expires in seconds (1..604800); 0 = 3600. */
    int expires;
} ms_sigv4_params;

typedef struct ms_sigv4_out {
    char amz_date[17];         /* "20150830T123600Z" */
    char payload_hash[65];     /* hex, or "UNSIGNED-PAYLOAD" */
    char signature[65];        /* hex */
    char *signed_headers;      /* "host;x-amz-date" */
    char *canonical_request;
    char *string_to_sign;
    char *authorization;       /* header signing: the Authorization value */
    char *query;               /* presigning: the full query to send
                                  (the request's own parameters, then the
                                  X-Amz-* ones, X-Amz-Signature last) */
} ms_sigv4_out;

/* Header signing. The caller adds X-Amz-Date (out.amz_date), Authorization,
 * X-Amz-Security-Token (params.session_token) and, when asked for,
 * X-Amz-Content-Sha256 (out.payload_hash) to the request it sends.
 * Returns 0, or -1 with a reason in err (bad parameters, no Host header). */
int ms_sigv4_sign(const ms_sigv4_params *p, const ms_sigv4_request *r,
                  ms_sigv4_out *out, char *err, size_t errlen);

/* Query presigning: out.query replaces the request's query string. Only
 * Host (and any other given headers) are signed; the payload hash is
 * UNSIGNED-PAYLOAD for s3 and the hash of the body otherwise, unless
 * r->payload_hash says otherwise. */
int ms_sigv4_presign(const ms_sigv4_params *p, const ms_sigv4_request *r,
                     ms_sigv4_out *out, char *err, size_t errlen);

void ms_sigv4_out_free(ms_sigv4_out *out);

/* Helpers shared with the rest of the AWS layer. */
void ms_sha256_hex(const void *data, size_t len, char hex[65]);
/* "20150830T123600Z" for t; buf at least 17 bytes. */
void ms_sigv4_amz_date(time_t t, char buf[17]);
/* Parse "20150830T123600Z" (or ISO 8601 "2015-08-30T12:36:00Z");
 * -1 when malformed. */
int ms_sigv4_parse_date(const char *s, time_t *out);
/* The SigV4 signing key for (secret, "YYYYMMDD", region, service), from a
 * small thread-safe cache (also what chunked/event-stream signing needs). */
void ms_sigv4_signing_key(const char *secret, const char *date8,
                          const char *region, const char *service,
                          unsigned char key[32]);
/* RFC 3986 percent-encoding of every byte outside A-Z a-z 0-9 - _ . ~;
 * with keep_slash, '/' is kept. Returns a malloc'd string. */
char *ms_uri_encode(const char *s, size_t len, bool keep_slash);

#endif
