/* http_internal.h -- what http.c (curl multi <-> libuv, public API) and
 * http_req.c (one request's easy handle and callbacks) share. Not for
 * other modules: use aws/http.h. */
#ifndef MS_HTTP_INTERNAL_H
#define MS_HTTP_INTERNAL_H

#include <curl/curl.h>

#include "aws/base/http.h"
#include "base/list.h"

#define MS_HTTP_DEFAULT_TIMEOUT_MS 30000L
#define MS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define MS_HTTP_DEFAULT_MAX_RESPONSE ((size_t)64 << 20)

typedef struct ms_http_sock ms_http_sock;   /* a watched socket (http.c) */
typedef struct ms_http_xfer ms_http_xfer;

/* One request, from ms_http_send to its callback. */
struct ms_http_xfer {
    ms_http *h;
    ms_list link;                /* in h->pending (FIFO) or h->active */
    CURL *easy;
    struct curl_slist *req_headers;
    ms_http_cb cb;
    void *ud;
    ms_http_data_cb on_data;
    size_t max_bytes;
    /* Set by our own callbacks (too big, aborted) or before the transfer
     * reached curl (invalid request); wins over curl's result code. */
    ms_http_err fail;
    const char *fail_msg;
    char *body;
    size_t body_len, body_cap;
    ms_http_header *hdrs;        /* name and value: one malloc, name first */
    size_t nhdrs, hdr_cap, hdr_bytes;
    uint64_t start_ns;
    char method[16];             /* for debug logs only */
    char host[96];
    char errbuf[CURL_ERROR_SIZE];
};

struct ms_http {
    uv_loop_t *loop;
    CURLM *multi;
    CURLSH *share;
    uv_timer_t timer;
    uv_idle_t idle;
    long connect_timeout_ms;
    bool tls_insecure, no_http2;
    char *ca_file;
    ms_list pending;             /* ms_http_xfer.link, FIFO */
    ms_list active;              /* ms_http_xfer.link */
    ms_list socks;               /* ms_http_sock.link */
    size_t inflight;             /* pending + active */
    int uv_open;                 /* uv handles whose close callback has not run */
    int in_curl;                 /* inside curl_multi_socket_action */
    bool kick;                   /* curl asked for a 0 ms timeout */
    bool closing;                /* ms_http_close was called */
    bool torn_down;              /* curl handles freed, uv handles closing */
    void (*on_closed)(void *ud);
    void *closed_ud;
};

/* Set up x->easy for req. Returns -1 out of memory, else 0: ready, or
 * invalid with x->fail set (reported on the next loop turn). */
int ms__http_build_request(ms_http *h, ms_http_xfer *x, const ms_http_req *req);

/* Frees the easy handle too (already out of the multi handle). */
void ms__http_xfer_free(ms_http_xfer *x);

ms_http_err ms__http_map_curl_error(CURLcode rc);

#endif
