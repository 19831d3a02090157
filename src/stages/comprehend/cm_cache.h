/* cm_cache.h -- Comprehend Medical answers cached by a hash of (operation,
 * text), so a text seen before is neither sent nor billed again.
 *
 * Two tiers, both holding the raw response JSON:
 *   - an in-process LRU bounded by bytes (ms_cm_lru), and
 *   - optionally Redis (ElastiCache in production), plain or TLS, with
 *     AUTH, on the loop (ms_cm_redis): a GET before sending, a SET with a TTL
 *     after a success. Redis is an optimisation only: a miss, an error, a
 *     timeout or a dead server all read as "not cached", never as a failed
 *     report, and a lost connection is re-opened on a later use.
 * Keys are XXH3-128 hashes; texts are never stored, logged or sent as keys.
 *
 * Threading: loop thread only. */
#ifndef MS_CM_CACHE_H
#define MS_CM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_cm_key {
    uint64_t lo, hi;
} ms_cm_key;

/* XXH3-128 of op_name, a NUL, then the text. */
void ms_cm_key_of(const char *op_name, const char *text, size_t len, ms_cm_key *k);
/* 32 lowercase hex digits and a NUL. */
void ms_cm_key_hex(const ms_cm_key *k, char out[33]);

/* ---- in-memory LRU ----------------------------------------------------- */

typedef struct ms_cm_lru ms_cm_lru;

/* max_bytes counts values plus a fixed per-entry overhead. NULL when
 * max_bytes is 0 (cache off) or out of memory. */
ms_cm_lru *ms_cm_lru_new(size_t max_bytes);
void ms_cm_lru_free(ms_cm_lru *c);

/* The value (valid until the next put or free) and marks it most recently
 * used; NULL on a miss. */
const char *ms_cm_lru_get(ms_cm_lru *c, const ms_cm_key *k, size_t *len);
/* Copy val in, evicting least recently used entries to stay within the
 * bound; a value larger than the whole bound is not kept. Replaces an entry
 * with the same key. */
void ms_cm_lru_put(ms_cm_lru *c, const ms_cm_key *k, const char *val, size_t len);

typedef struct ms_cm_lru_stats {
    size_t entries, bytes, max_bytes;
    uint64_t hits, misses, evictions;
} ms_cm_lru_stats;
void ms_cm_lru_stats_get(const ms_cm_lru *c, ms_cm_lru_stats *s);

#define MS_CM_LRU_ENTRY_OVERHEAD 64

/* ---- Redis ------------------------------------------------------------- */

typedef struct ms_cm_redis ms_cm_redis;

/* Where and how to connect: parsed from the URL and the keys. */
typedef struct ms_cm_redis_conf {
    char host[256];
    int port, db;
    bool tls;                      /* rediss:// */
    char user[128], password[256]; /* "" = none; the password is never logged */
    char ca_file[512], cert_file[512], key_file[512];
} ms_cm_redis_conf;

/* url: redis[s]://[[user]:password@]host[:port][/db] (user and password
 * percent-decoded). user and password, when non-empty, replace the URL's;
 * ca_file, cert_file and key_file (may be NULL) need rediss://, and a
 * certificate needs its key. -1 with a reason (never quoting the password)
 * when something is malformed; files are not opened here. */
int ms_cm_redis_conf_parse(ms_cm_redis_conf *c, const char *url, const char *user,
                           const char *password, const char *ca_file, const char *cert_file,
                           const char *key_file, char *err, size_t errlen);

/* Connects asynchronously; loop is a uv_loop_t *. NULL with a reason when
 * the TLS files cannot be loaded. A server that cannot be reached, whose
 * certificate is not trusted or that refuses the credentials is not an
 * error here: the tier then answers every GET as a miss, logs why (see
 * cm_redis.c) and keeps trying to connect. */
ms_cm_redis *ms_cm_redis_new(void *loop, const ms_cm_redis_conf *conf, long ttl_s,
                             long timeout_ms, char *err, size_t errlen);

/* val is NULL on a miss, error or timeout; valid only during the call.
 * Called exactly once, always later (never from inside ms_cm_redis_get). */
typedef void (*ms_cm_redis_get_cb)(const char *val, size_t len, void *ud);
void ms_cm_redis_get(ms_cm_redis *r, const ms_cm_key *k, ms_cm_redis_get_cb cb, void *ud);
/* Fire and forget (errors are counted, never reported). */
void ms_cm_redis_set(ms_cm_redis *r, const ms_cm_key *k, const char *val, size_t len);

typedef struct ms_cm_redis_stats {
    uint64_t gets, hits, misses, errors, timeouts, sets, connects;
    uint64_t failures[3];          /* connections failed: connect, tls, auth */
    char last_error[256];          /* the last failure's reason, "" = none */
} ms_cm_redis_stats;
void ms_cm_redis_stats_get(const ms_cm_redis *r, ms_cm_redis_stats *s);

/* Pending GETs are answered as misses; on_closed (may be NULL) runs once
 * every handle is closed. The loop must run until then. */
void ms_cm_redis_close(ms_cm_redis *r, void (*on_closed)(void *ud), void *ud);

#endif
