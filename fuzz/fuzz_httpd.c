/* fuzz_httpd.c -- the HTTP/1.1 request-head parser (base/httpd_parse.c)
 * behind the admin endpoint and the Comprehend Medical emulator, called
 * the way httpd.c calls it: leading blank lines skipped, the head found,
 * then parsed. */
#include "fuzz.h"

#include <string.h>

#include "base/httpd_internal.h"

MS_FUZZ_TARGET(httpd)
{
    const char *b = (const char *)data;
    size_t n = size;
    while (n && (*b == '\r' || *b == '\n')) {
        b++;
        n--;
    }
    size_t hend = ms__httpd_find_head_end(b, n);
    MS_FUZZ_CHECK(hend <= n);
    if (!hend)
        return 0;
    ms_httpd_head_info hi = {0};
    ms_httpd_req_impl *r = ms__httpd_parse_head(b, hend, &hi);
    if (!r) {
        MS_FUZZ_CHECK(hi.status >= 400 && hi.status <= 599 && hi.why);
        return 0;
    }
    const ms_httpd_req *q = &r->pub;
    MS_FUZZ_CHECK(q->method && *q->method && q->target && *q->target && q->path);
    MS_FUZZ_CHECK(strncmp(q->target, q->path, strlen(q->path)) == 0);
    MS_FUZZ_CHECK(!q->query || q->query[-1] == '?');
    MS_FUZZ_CHECK(q->http_minor >= 0 && q->http_minor <= 9);
    for (size_t i = 0; i < q->nheaders; i++) {
        const ms_httpd_header *h = &q->headers[i];
        MS_FUZZ_CHECK(h->name && *h->name && h->value);
        MS_FUZZ_CHECK(ms_httpd_header_get(q, h->name) != NULL);
    }
    MS_FUZZ_CHECK(strlen(q->method) + strlen(q->target) < hend);
    free(r);
    return 0;
}
