/* httpd_internal.h -- what httpd.c and httpd_parse.c share. */
#ifndef MS_HTTPD_INTERNAL_H
#define MS_HTTPD_INTERNAL_H

#include "base/httpd.h"

/* Private request fields live behind the public struct. */
typedef struct ms_httpd_req_impl {
    ms_httpd_req pub;
    bool keep_alive;
    char *body_mem;
} ms_httpd_req_impl;

typedef struct ms_httpd_head_info {
    size_t content_length;
    bool expect_continue;
    int status;              /* != 0: reject with this */
    const char *why;
} ms_httpd_head_info;

/* Parse a complete head (hlen bytes, leading blank lines already skipped)
 * into a new request whose strings point into its own copy; NULL with the
 * status and reason to answer in hi. */
ms_httpd_req_impl *ms__httpd_parse_head(const char *src, size_t hlen, ms_httpd_head_info *hi);

/* End of the head in b[0, n): the offset just past the blank line, or 0
 * when it has not all arrived. */
size_t ms__httpd_find_head_end(const char *b, size_t n);

#endif
