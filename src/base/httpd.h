/* httpd.h -- a small HTTP/1.1 server on libuv, for local endpoints (the
 * Comprehend Medical emulator, a /metrics page): not meant to face the
 * internet.
 *
 * What it does: keep-alive, pipelining (requests on one connection are
 * handed over one at a time and answered in order), Content-Length bodies,
 * "Expect: 100-continue", HTTP/1.0 clients. Limits: the request line and
 * headers together at most max_header_bytes (431 past it), bodies at most
 * max_body_bytes (413), a malformed request gets 400 and the connection is
 * closed; Transfer-Encoding (chunked uploads) gets 501. Error answers close
 * the connection gracefully (FIN, then the rest of the upload is read and
 * dropped for up to 2 s) so the client sees the status instead of a reset.
 *
 * Each request is given to on_request on the loop's thread and must be
 * completed exactly once, now or later, by ms_httpd_respond(),
 * ms_httpd_reset() or ms_httpd_stall(). Until then nothing more is read
 * from that connection's buffer. If the client goes away first, the
 * request stays valid until it is completed (completing it then just frees
 * it), so a handler may finish work off the loop without tracking
 * connections.
 *
 * Threading: everything on the loop's thread. */
#ifndef MS_HTTPD_H
#define MS_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

typedef struct ms_httpd ms_httpd;
typedef struct ms_httpd_req ms_httpd_req;

typedef struct ms_httpd_header {
    const char *name;            /* as sent (case kept) */
    const char *value;           /* leading/trailing blanks removed */
} ms_httpd_header;

struct ms_httpd_req {
    const char *method;          /* "GET", "POST", ... */
    const char *target;          /* the request line's target, "/a?b=c" */
    const char *path;            /* target up to '?' */
    const char *query;           /* after '?' (raw), or NULL */
    int http_minor;              /* HTTP/1.<minor> */
    const ms_httpd_header *headers;
    size_t nheaders;
    const char *body;            /* NUL-terminated copy; "" when none */
    size_t body_len;
    uint64_t arrival_ms;         /* uv_now() when the request was complete */
    void *user;                  /* free for the handler */
    struct ms_httpd_conn *conn_; /* private: NULL once the client is gone */
};

typedef void (*ms_httpd_cb)(ms_httpd_req *req, void *ud);

typedef struct ms_httpd_opts {
    const char *host;            /* numeric IPv4 or IPv6; NULL = 127.0.0.1 */
    int port;                    /* 0 = any free port (ms_httpd_port) */
    int backlog;                 /* 0 = 511 */
    size_t max_header_bytes;     /* 0 = 16 KiB */
    size_t max_body_bytes;       /* 0 = 1 MiB */
    const char *server_name;     /* "Server:" header, NULL = none */
    ms_httpd_cb on_request;
    void *ud;
} ms_httpd_opts;

/* Bind and listen. NULL with a reason in err. */
ms_httpd *ms_httpd_new(uv_loop_t *loop, const ms_httpd_opts *opts,
                       char *err, size_t errlen);

/* The port actually bound. */
int ms_httpd_port(const ms_httpd *h);

/* Connections open now and accepted so far. */
size_t ms_httpd_connections(const ms_httpd *h);
uint64_t ms_httpd_accepted(const ms_httpd *h);

/* Stop listening and close every connection; on_closed (may be NULL) runs
 * once all handles are closed and h is freed. Requests still held by the
 * handler must be completed as usual (they are freed then). */
void ms_httpd_close(ms_httpd *h, void (*on_closed)(void *ud), void *ud);

/* First header of that name (case-insensitive), or NULL. */
const char *ms_httpd_header_get(const ms_httpd_req *r, const char *name);

/* Answer: status line, the given headers, Content-Length, Date, Connection
 * and the body (copied). After delay_ms (0 = now) measured from this call,
 * without blocking the loop. Frees req (now, or when the answer is sent). */
void ms_httpd_respond(ms_httpd_req *req, int status,
                      const ms_httpd_header *headers, size_t nheaders,
                      const void *body, size_t body_len, uint64_t delay_ms);

/* Drop the connection with a TCP reset (SO_LINGER 0), answering nothing.
 * Frees req. */
void ms_httpd_reset(ms_httpd_req *req);

/* Never answer: the connection stays open, reading nothing more, until the
 * client closes it or the server shuts down. Frees req then. */
void ms_httpd_stall(ms_httpd_req *req);

/* "OK", "Not Found", ... ("Unknown" for codes it does not know). */
const char *ms_httpd_reason(int status);

#endif
