/* httpd_parse.c -- request heads for httpd.c: the request line, header
 * fields and the few headers the server itself acts on (Content-Length,
 * Transfer-Encoding, Connection, Expect). Strict where ambiguity could
 * smuggle a request (conflicting lengths, obsolete folding, control
 * characters), lenient about bare LF line ends. */
#include "base/httpd_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *ms_httpd_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

const char *ms_httpd_header_get(const ms_httpd_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

static bool is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Does the comma-separated list contain token (case-insensitive)? */
static bool has_token(const char *list, const char *token)
{
    size_t tl = strlen(token);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if ((size_t)(t - p) == tl && !strncasecmp(p, token, tl))
            return true;
        p = e;
    }
    return false;
}

/* Bare LF line ends are accepted. */
size_t ms__httpd_find_head_end(const char *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (b[i] != '\n')
            continue;
        if (b[i + 1] == '\n')
            return i + 2;
        if (b[i + 1] == '\r' && i + 2 < n && b[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static char *next_line(char **cur, char *end)
{
    char *s = *cur;
    if (s >= end)
        return NULL;
    char *nl = memchr(s, '\n', (size_t)(end - s));
    char *e = nl ? nl : end;
    *cur = nl ? nl + 1 : end;
    if (e > s && e[-1] == '\r')
        e--;
    *e = '\0';
    return s;
}

static ms_httpd_req_impl *reject(ms_httpd_req_impl *r, ms_httpd_head_info *hi, int status, const char *why)
{
    free(r);
    hi->status = status;
    hi->why = why;
    return NULL;
}

ms_httpd_req_impl *ms__httpd_parse_head(const char *src, size_t hlen, ms_httpd_head_info *hi)
{
    size_t nlines = 0;
    for (size_t i = 0; i < hlen; i++)
        nlines += src[i] == '\n';
    size_t tl = 0;   /* the target's length, bounded by hlen */
    size_t sz = sizeof(ms_httpd_req_impl) + nlines * sizeof(ms_httpd_header) + 2 * (hlen + 1);
    ms_httpd_req_impl *r = calloc(1, sz);
    if (!r)
        return reject(NULL, hi, 500, "out of memory\n");
    ms_httpd_header *hs = (ms_httpd_header *)(r + 1);
    char *copy = (char *)(hs + nlines);
    char *pathbuf = copy + hlen + 1;
    memcpy(copy, src, hlen);
    copy[hlen] = '\0';
    char *cur = copy, *end = copy + hlen;

    char *line = next_line(&cur, end);
    char *sp1 = line ? strchr(line, ' ') : NULL;
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strchr(sp2 + 1, ' '))
        return reject(r, hi, 400, "malformed request line\n");
    *sp1 = *sp2 = '\0';
    char *method = line, *target = sp1 + 1, *version = sp2 + 1;
    if (!*method || !*target)
        return reject(r, hi, 400, "malformed request line\n");
    for (char *p = method; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return reject(r, hi, 400, "malformed method\n");
    for (char *p = target; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
            return reject(r, hi, 400, "malformed target\n");
    if (strncmp(version, "HTTP/", 5) || !version[5] || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' ||
        version[7] > '9' || version[8])
        return reject(r, hi, 400, "malformed HTTP version\n");
    if (version[5] != '1')
        return reject(r, hi, 505, "only HTTP/1.x is served\n");
    r->pub.http_minor = version[7] - '0';
    r->pub.method = method;
    r->pub.target = target;
    tl = strcspn(target, "?");
    memcpy(pathbuf, target, tl);
    pathbuf[tl] = '\0';
    r->pub.path = pathbuf;
    r->pub.query = target[tl] == '?' ? target + tl + 1 : NULL;

    bool have_cl = false, conn_close_tok = false, conn_keep = false;
    size_t nh = 0;
    while ((line = next_line(&cur, end)) != NULL) {
        if (!*line)
            break;                                  /* the blank line */
        if (*line == ' ' || *line == '\t')
            return reject(r, hi, 400, "obsolete header folding\n");
        char *colon = strchr(line, ':');
        if (!colon || colon == line)
            return reject(r, hi, 400, "malformed header\n");
        *colon = '\0';
        for (char *p = line; *p; p++)
            if (!is_tchar((unsigned char)*p))
                return reject(r, hi, 400, "malformed header name\n");
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char *ve = v + strlen(v);
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            *--ve = '\0';
        for (char *p = v; *p; p++)
            if (((unsigned char)*p < 0x20 && *p != '\t') || (unsigned char)*p == 0x7f)
                return reject(r, hi, 400, "control character in header\n");
        hs[nh++] = (ms_httpd_header){line, v};
        if (!strcasecmp(line, "Content-Length")) {
            if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 15)
                return reject(r, hi, 400, "malformed Content-Length\n");
            size_t cl = (size_t)strtoull(v, NULL, 10);
            if (have_cl && cl != hi->content_length)
                return reject(r, hi, 400, "conflicting Content-Length\n");
            have_cl = true;
            hi->content_length = cl;
        } else if (!strcasecmp(line, "Transfer-Encoding")) {
            return reject(r, hi, 501, "Transfer-Encoding is not supported; send Content-Length\n");
        } else if (!strcasecmp(line, "Connection")) {
            conn_close_tok |= has_token(v, "close");
            conn_keep |= has_token(v, "keep-alive");
        } else if (!strcasecmp(line, "Expect")) {
            if (!strcasecmp(v, "100-continue"))
                hi->expect_continue = r->pub.http_minor >= 1;
            else
                return reject(r, hi, 417, "unsupported expectation\n");
        }
    }
    r->pub.headers = hs;
    r->pub.nheaders = nh;
    r->keep_alive = r->pub.http_minor >= 1 ? !conn_close_tok : conn_keep;
    return r;
}

/* Take the next complete request from the buffer and hand it over.
 * Returns 1 when one was dispatched, 0 when more input is needed (or the
 * connection was closed / is answering an error). */