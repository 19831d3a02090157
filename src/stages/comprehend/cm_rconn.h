/* cm_rconn.h -- one connection to a Redis server on the libuv loop, plain
 * TCP or TLS, used by the cache's Redis tier (cm_redis.c).
 *
 * Why not hiredis's own transport: Debian 12 ships hiredis 0.14, which has
 * no TLS (hiredis_ssl came with 1.0). So the bytes are ours -- a uv_tcp_t,
 * and for TLS an OpenSSL SSL object over memory BIOs -- and hiredis is used
 * only for the protocol: redisFormatCommand() to write, redisReader to read.
 *
 * A connection, once opened:
 *   1. resolves the host (uv_getaddrinfo, off the loop) and connects;
 *   2. for TLS, handshakes with peer verification always on (the CA file,
 *      or the system's CAs) and checks the server's name or IP address
 *      against its certificate;
 *   3. sends AUTH (when a password is given) and SELECT (when db != 0)
 *      ahead of anything queued, and checks their replies;
 *   4. calls ready(), then reply() once per command sent with
 *      ms__rconn_send(), in order.
 * Any failure -- resolution, connect, TLS, AUTH refused, the connection
 * closed, the whole of steps 1-3 not done within connect_timeout_ms -- calls
 * fail() once with a one-line reason and a class (ms__rconn_why); after
 * fail() nothing else is called and the connection frees itself. The
 * reason never contains the password (servers answer AUTH with a fixed
 * text such as "WRONGPASS invalid username-password pair").
 *
 * The TCP handle and the connect timer are un-referenced: an idle or
 * connecting cache connection never keeps the loop alive (callers hold the
 * loop with their own timers while they wait for a reply).
 *
 * Threading: loop thread only. */
#ifndef MS_CM_RCONN_H
#define MS_CM_RCONN_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>
#include <openssl/ssl.h>
#include <uv.h>

typedef struct ms__rconn ms__rconn;

typedef enum ms__rconn_why {
    MS__RCONN_CONNECT,  /* resolution, TCP connect, timeout, connection lost */
    MS__RCONN_TLS,      /* handshake or certificate verification */
    MS__RCONN_AUTH      /* AUTH or SELECT refused */
} ms__rconn_why;

typedef struct ms__rconn_opts {
    const char *host;
    int port;
    SSL_CTX *tls;             /* NULL = plain TCP; not owned, must outlive the connection */
    const char *user;         /* NULL or "" = the default user */
    const char *password;     /* NULL or "" = no AUTH */
    int db;
    long connect_timeout_ms;
} ms__rconn_opts;

typedef struct ms__rconn_cbs {
    void (*ready)(void *ud);
    /* rep is NULL never; it is freed after the call. */
    void (*reply)(void *ud, redisReply *rep);
    void (*fail)(void *ud, ms__rconn_why why, const char *reason);
    void *ud;
} ms__rconn_cbs;

/* Starts connecting (never calls back from inside). NULL only when out of
 * memory or the options are unusable (reason in err). */
ms__rconn *ms__rconn_open(uv_loop_t *loop, const ms__rconn_opts *o, const ms__rconn_cbs *cbs,
                          char *err, size_t errlen);

/* Queue one command, already in RESP (redisFormatCommand); written as soon
 * as the connection allows. 0, or -1 when out of memory. */
int ms__rconn_send(ms__rconn *c, const char *cmd, size_t len);

/* Stop: no callback is called after this; the handles close and the
 * connection frees itself on a later loop turn. */
void ms__rconn_close(ms__rconn *c);

/* A client TLS context that verifies the server: ca_file (or the system's
 * CAs when NULL/""), and a client certificate and key when both are given.
 * NULL with a reason naming the file at fault. */
SSL_CTX *ms__rconn_tls_ctx(const char *ca_file, const char *cert_file, const char *key_file,
                           char *err, size_t errlen);

#endif
