/* http.h -- the project's HTTP client: one curl multi handle driven by a
 * libuv loop through curl's socket API (uv_poll per socket, one uv_timer).
 *
 * Every AWS client in medstream sends through this; concurrency comes from
 * curl multi, never from a thread per request. Connections are reused
 * (keep-alive, HTTP/2 multiplexing where the server offers it over TLS).
 * TLS peers are verified unless the client was created with tls_insecure.
 *
 * Threading: create, send and close on the loop's thread only. Callbacks
 * run on the loop's thread and never from inside ms_http_send. */
#ifndef MS_HTTP_H
#define MS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

typedef struct ms_http ms_http;

typedef struct ms_http_opts {
    bool tls_insecure;          /* skip peer and host verification (warned) */
    const char *ca_file;        /* PEM bundle; NULL = the system's */
    long connect_timeout_ms;    /* 0 = 5000 */
    long max_host_connections;  /* 0 = 64: per host, beyond it requests queue */
    long max_total_connections; /* 0 = 256 */
    bool no_http2;              /* stay on HTTP/1.1 */
} ms_http_opts;

/* Header as given to a request or read from a response. Response header
 * names are lowercased; values are trimmed. */
typedef struct ms_http_header {
    const char *name;
    const char *value;
} ms_http_header;

typedef enum ms_http_err {
    MS_HTTP_OK = 0,       /* a response arrived (any status) */
    MS_HTTP_ETIMEDOUT,    /* connect or total timeout */
    MS_HTTP_ECONNECT,     /* could not connect (refused, unreachable, DNS) */
    MS_HTTP_ERESET,       /* connection reset or closed mid-response */
    MS_HTTP_ETLS,         /* TLS handshake or verification failed */
    MS_HTTP_ETOOBIG,      /* response exceeded max_response_bytes */
    MS_HTTP_ECANCELED,    /* client closed before the request ended */
    MS_HTTP_EOTHER
} ms_http_err;

/* Streaming: called with each piece of the response body instead of
 * buffering it; return non-zero to abort the transfer (err = EOTHER). */
typedef int (*ms_http_data_cb)(const void *data, size_t len, void *ud);

typedef struct ms_http_req {
    const char *method;         /* NULL = GET; "HEAD" sends no body */
    const char *url;
    const ms_http_header *headers;  /* copied at send */
    size_t nheaders;
    const void *body;           /* borrowed: must stay valid until the callback */
    size_t body_len;
    long timeout_ms;            /* whole request; 0 = 30000 */
    size_t max_response_bytes;  /* 0 = 64 MiB; ignored when on_data is set */
    ms_http_data_cb on_data;
} ms_http_req;

typedef struct ms_http_resp {
    ms_http_err err;
    const char *errmsg;         /* curl's message when err != OK, else "" */
    long status;                /* HTTP status; 0 when no response */
    const ms_http_header *headers;
    size_t nheaders;
    const char *body;           /* NUL-terminated; "" when streamed or none */
    size_t body_len;
    double elapsed_s;           /* send to completion */
    long new_connections;       /* connections opened for this request (0 = reused) */
    long http_version;          /* 1 (1.x) or 2 */
} ms_http_resp;

/* The response and everything it points to are valid only during the call. */
typedef void (*ms_http_cb)(const ms_http_resp *resp, void *ud);

/* NULL with a reason in err (curl failed to initialise, CA file missing). */
ms_http *ms_http_new(uv_loop_t *loop, const ms_http_opts *opts,
                     char *err, size_t errlen);

/* Queue a request. Returns 0, or -1 (client closing, out of memory) in
 * which case cb is never called. */
int ms_http_send(ms_http *h, const ms_http_req *req, ms_http_cb cb, void *ud);

/* Requests queued or on the wire. */
size_t ms_http_inflight(const ms_http *h);

/* Cancel everything in flight (callbacks with MS_HTTP_ECANCELED), close the
 * uv handles and free the client; on_closed (may be NULL) runs once every
 * handle is closed. The loop must keep running until then. */
void ms_http_close(ms_http *h, void (*on_closed)(void *ud), void *ud);

/* First response header with this (case-insensitive) name, or NULL. */
const char *ms_http_resp_header(const ms_http_resp *r, const char *name);

const char *ms_http_err_name(ms_http_err e);   /* "timeout", "reset", ... */

#endif
