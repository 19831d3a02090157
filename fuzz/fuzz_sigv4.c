/* fuzz_sigv4.c -- SigV4 canonicalisation (aws/sigv4.c): path normalisation
 * and re-encoding, query sorting, header trimming and joining, presigned
 * URLs, date parsing and URI encoding.
 *
 * Input layout: byte 0 picks the flags, then lines: method, path, query,
 * headers ("Name: value") up to a blank line, then the body. */
#include "fuzz.h"

#include <ctype.h>
#include <string.h>

#include "aws/sigv4.h"

#define MAX_HEADERS 32

static bool is_hex64(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return s[64] == '\0';
}

static void check_out(const ms_sigv4_out *o, bool presign)
{
    MS_FUZZ_CHECK(is_hex64(o->signature));
    MS_FUZZ_CHECK(o->canonical_request && o->string_to_sign && o->signed_headers);
    MS_FUZZ_CHECK(strlen(o->amz_date) == 16);
    if (presign)
        MS_FUZZ_CHECK(o->query && strstr(o->query, "X-Amz-Signature=") != NULL);
    else
        MS_FUZZ_CHECK(o->authorization && strstr(o->authorization, o->signature) != NULL);
}

MS_FUZZ_TARGET(sigv4)
{
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    char *s = ms_fuzz_strdup(data + 1, size - 1);
    char *cur = s, *end = s + size - 1;
    const char *fields[3] = {"GET", "/", NULL};
    for (int i = 0; i < 3 && cur < end; i++) {
        char *nl = strchr(cur, '\n');
        if (nl)
            *nl = '\0';
        fields[i] = cur;
        cur = nl ? nl + 1 : end;
    }
    ms_sigv4_header hs[MAX_HEADERS];
    size_t nh = 0;
    while (cur < end && *cur != '\n' && nh < MAX_HEADERS) {
        char *nl = strchr(cur, '\n');
        if (nl)
            *nl = '\0';
        char *colon = strchr(cur, ':');
        if (colon) {
            *colon = '\0';
            hs[nh++] = (ms_sigv4_header){cur, colon + 1};
        }
        cur = nl ? nl + 1 : end;
    }
    if (cur < end && *cur == '\n')
        cur++;
    if (cur > end)
        cur = end;

    ms_sigv4_request req = {
        .method = fields[0], .path = fields[1], .query = fields[2],
        .headers = hs, .nheaders = nh, .body = cur, .body_len = (size_t)(end - cur),
        .payload_hash = (flags & 0x40) ? MS_SIGV4_UNSIGNED_PAYLOAD : NULL,
    };
    ms_sigv4_params p = {
        .region = "us-east-1", .service = (flags & 1) ? "s3" : "comprehendmedical",
        .access_key = "AKIDEXAMPLE", .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .session_token = (flags & 2) ? "token" : NULL, .when = 1440938160,
        .s3_path = flags & 1, .no_path_normalize = flags & 4,
        .content_sha256_header = flags & 8, .session_token_unsigned = flags & 16,
        .expires = (flags & 32) ? 60 : 0,
    };
    char err[256];
    ms_sigv4_out out;
    memset(&out, 0, sizeof out);
    if (ms_sigv4_sign(&p, &req, &out, err, sizeof err) == 0)
        check_out(&out, false);
    ms_sigv4_out_free(&out);
    memset(&out, 0, sizeof out);
    if (ms_sigv4_presign(&p, &req, &out, err, sizeof err) == 0)
        check_out(&out, true);
    ms_sigv4_out_free(&out);

    /* The helpers on the raw input. */
    time_t t;
    (void)ms_sigv4_parse_date(s, &t);
    char *enc = ms_uri_encode((const char *)data, size, flags & 1);
    MS_FUZZ_CHECK(enc != NULL);
    for (const char *e = enc; *e; e++)
        MS_FUZZ_CHECK(isalnum((unsigned char)*e) || strchr("-_.~%/", *e));
    free(enc);
    free(s);
    return 0;
}
