/* http_req.c -- one request's curl easy handle: options from an ms_http_req,
 * and the header and body callbacks that collect the response. Part of the
 * HTTP client (http.c has the overview). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/base/http_internal.h"

/* Response headers are buffered whatever max_response_bytes says. */
#define MAX_HEADER_BYTES ((size_t)1 << 20)

void ms__http_xfer_free(ms_http_xfer *x)
{
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->req_headers);
    for (size_t i = 0; i < x->nhdrs; i++)
        free((char *)x->hdrs[i].name);
    free(x->hdrs);
    free(x->body);
    free(x);
}

ms_http_err ms__http_map_curl_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return MS_HTTP_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return MS_HTTP_ETIMEDOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return MS_HTTP_ECONNECT;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
        return MS_HTTP_ERESET;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
        return MS_HTTP_ETLS;
    case CURLE_FILESIZE_EXCEEDED:
        return MS_HTTP_ETOOBIG;
    default:
        return MS_HTTP_EOTHER;
    }
}

/* ---- curl easy callbacks ------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    ms_http_xfer *x = ud;
    size_t len = size * nmemb;
    if (x->on_data) {
        if (x->on_data(data, len, x->ud) != 0) {
            x->fail = MS_HTTP_EOTHER;
            x->fail_msg = "aborted by on_data";
            return 0;   /* != len: curl aborts with CURLE_WRITE_ERROR */
        }
        return len;
    }
    if (len > x->max_bytes - x->body_len) {
        x->fail = MS_HTTP_ETOOBIG;
        x->fail_msg = "response larger than max_response_bytes";
        return 0;
    }
    if (x->body_len + len + 1 > x->body_cap) {
        size_t cap = x->body_cap ? x->body_cap : 16384;
        if (!x->body) {
            /* Size the buffer from Content-Length when there is one. */
            curl_off_t cl = -1;
            curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
            if (cl > 0 && (uint64_t)cl <= x->max_bytes)
                cap = (size_t)cl + 1;
        }
        while (cap < x->body_len + len + 1)
            cap *= 2;
        char *nb = realloc(x->body, cap);
        if (!nb) {
            x->fail = MS_HTTP_EOTHER;
            x->fail_msg = "out of memory";
            return 0;
        }
        x->body = nb;
        x->body_cap = cap;
    }
    memcpy(x->body + x->body_len, data, len);
    x->body_len += len;
    x->body[x->body_len] = 0;
    return len;
}

static void headers_clear(ms_http_xfer *x)
{
    for (size_t i = 0; i < x->nhdrs; i++)
        free((char *)x->hdrs[i].name);
    x->nhdrs = 0;
    x->hdr_bytes = 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* One header line at a time, status lines included. Every status line
 * starts a new header list: only the final response's headers are kept
 * (1xx interim responses; redirects are not followed). */
static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    ms_http_xfer *x = ud;
    size_t len = size * nmemb, n = len;
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        headers_clear(x);
        return len;
    }
    if (n == 0)
        return len;
    x->hdr_bytes += len;
    if (x->hdr_bytes > MAX_HEADER_BYTES) {
        x->fail = MS_HTTP_ETOOBIG;
        x->fail_msg = "response headers too large";
        return 0;
    }
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line || is_space(line[0]))
        return len;   /* obsolete line folding or junk: ignored */
    size_t nlen = (size_t)(colon - line);
    while (nlen > 0 && is_space(line[nlen - 1]))
        nlen--;
    const char *v = colon + 1, *end = line + n;
    while (v < end && is_space(*v))
        v++;
    while (end > v && is_space(end[-1]))
        end--;
    size_t vlen = (size_t)(end - v);

    if (x->nhdrs == x->hdr_cap) {
        size_t cap = x->hdr_cap ? x->hdr_cap * 2 : 16;
        ms_http_header *nh = realloc(x->hdrs, cap * sizeof *nh);
        if (!nh)
            goto oom;
        x->hdrs = nh;
        x->hdr_cap = cap;
    }
    char *s = malloc(nlen + vlen + 2);
    if (!s)
        goto oom;
    for (size_t i = 0; i < nlen; i++) {
        char c = line[i];
        s[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    s[nlen] = 0;
    memcpy(s + nlen + 1, v, vlen);
    s[nlen + 1 + vlen] = 0;
    x->hdrs[x->nhdrs].name = s;
    x->hdrs[x->nhdrs].value = s + nlen + 1;
    x->nhdrs++;
    return len;
oom:
    x->fail = MS_HTTP_EOTHER;
    x->fail_msg = "out of memory";
    return 0;
}

/* ---- building a request ------------------------------------------------- */

/* RFC 9110 token characters (method and header names). */
static bool is_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 32 || c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", c))
            return false;
    }
    return true;
}

static bool is_header_value(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

/* Host of an absolute URL for debug logs, without userinfo, port kept. */
static void url_host(const char *url, char *out, size_t outlen)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, p, n);
    out[n] = 0;
}

/* Header lines for curl. Returns -1 out of memory, 1 invalid (x->fail set). */
static int build_headers(ms_http_xfer *x, const ms_http_req *req, bool has_body)
{
    bool have_ctype = false;
    char buf[1024], *line;
    for (size_t i = 0; i < req->nheaders; i++) {
        const ms_http_header *hd = &req->headers[i];
        if (!is_token(hd->name) || !is_header_value(hd->value)) {
            x->fail = MS_HTTP_EOTHER;
            x->fail_msg = "invalid request header";
            return 1;
        }
        if (strcasecmp(hd->name, "content-type") == 0)
            have_ctype = true;
        /* "Name;" is curl's spelling of a header with an empty value. */
        size_t need = strlen(hd->name) + strlen(hd->value) + 3;
        line = need <= sizeof buf ? buf : malloc(need);
        if (!line)
            return -1;
        if (hd->value[0])
            snprintf(line, need, "%s: %s", hd->name, hd->value);
        else
            snprintf(line, need, "%s;", hd->name);
        struct curl_slist *l = curl_slist_append(x->req_headers, line);
        if (line != buf)
            free(line);
        if (!l)
            return -1;
        x->req_headers = l;
    }
    /* No 100-continue round trip before bodies (curl's default > 1 MB),
     * and no application/x-www-form-urlencoded the caller did not ask for. */
    const char *extra[] = {"Expect:", has_body && !have_ctype ? "Content-Type:" : NULL};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        if (!extra[i])
            continue;
        struct curl_slist *l = curl_slist_append(x->req_headers, extra[i]);
        if (!l)
            return -1;
        x->req_headers = l;
    }
    return 0;
}

/* Returns -1 out of memory, 0 ready or invalid (x->fail set, reported on
 * the next loop turn). */
int ms__http_build_request(ms_http *h, ms_http_xfer *x, const ms_http_req *req)
{
    const char *method = req->method ? req->method : "GET";
    snprintf(x->method, sizeof x->method, "%s", method);
    if (req->url)
        url_host(req->url, x->host, sizeof x->host);
    if (!req->url || !is_token(method) || (req->body_len && !req->body)) {
        x->fail = MS_HTTP_EOTHER;
        x->fail_msg = "invalid request";
        return 0;
    }
    x->easy = curl_easy_init();
    if (!x->easy)
        return -1;
    bool head = strcmp(method, "HEAD") == 0;
    bool has_body = !head && (req->body_len > 0 || strcmp(method, "POST") == 0 ||
                              strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0);
    int rc = build_headers(x, req, has_body);
    if (rc != 0)
        return rc < 0 ? -1 : 0;

    CURL *e = x->easy;
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : MS_HTTP_DEFAULT_TIMEOUT_MS;
    long connect = h->connect_timeout_ms < timeout ? h->connect_timeout_ms : timeout;
    CURLcode c = CURLE_OK;
    /* Record the first failing option; most cannot fail but for memory. */
#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_PRIVATE, (void *)x);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_HTTPHEADER, x->req_headers);
    SET(CURLOPT_USERAGENT, "medstream/" MS_VERSION);
    SET(CURLOPT_TIMEOUT_MS, timeout);
    SET(CURLOPT_CONNECTTIMEOUT_MS, connect);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_TCP_KEEPIDLE, 30L);
    SET(CURLOPT_TCP_KEEPINTVL, 15L);
    SET(CURLOPT_SHARE, h->share);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)x);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)x);
    if (!x->on_data && x->max_bytes <= (size_t)INT64_MAX)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_bytes);
    if (h->tls_insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (h->ca_file) {
        SET(CURLOPT_CAINFO, h->ca_file);
    }
    if (head) {
        SET(CURLOPT_NOBODY, 1L);
    } else {
        if (has_body) {
            /* The body is borrowed (http.h): curl reads it in place. */
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
            SET(CURLOPT_POSTFIELDS, req->body_len ? req->body : "");
        }
        if (has_body || strcmp(method, "GET") != 0)
            SET(CURLOPT_CUSTOMREQUEST, method);
    }
#undef SET
    if (c != CURLE_OK) {
        if (c == CURLE_OUT_OF_MEMORY)
            return -1;
        x->fail = MS_HTTP_EOTHER;
        x->fail_msg = curl_easy_strerror(c);
        return 0;
    }
    /* Not fatal when curl lacks HTTP/2: it stays on 1.1. */
    if (h->no_http2) {
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
        /* Wait for a TLS connection being set up to the same host to tell
         * (ALPN) whether it multiplexes, rather than opening another one.
         * Not for plain http: curl would wait for a first response there. */
        if (strncasecmp(req->url, "https:", 6) == 0)
            curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    }
    return 0;
}

const char *ms_http_resp_header(const ms_http_resp *r, const char *name)
{
    for (size_t i = 0; r && name && i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

const char *ms_http_err_name(ms_http_err e)
{
    switch (e) {
    case MS_HTTP_OK:         return "ok";
    case MS_HTTP_ETIMEDOUT:  return "timeout";
    case MS_HTTP_ECONNECT:   return "connect";
    case MS_HTTP_ERESET:     return "reset";
    case MS_HTTP_ETLS:       return "tls";
    case MS_HTTP_ETOOBIG:    return "too_big";
    case MS_HTTP_ECANCELED:  return "canceled";
    case MS_HTTP_EOTHER:     return "other";
    }
    return "other";
}
