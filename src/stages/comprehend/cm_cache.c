/* cm_cache.c -- see cm_cache.h: cache keys and the in-memory LRU
 * (cm_redis.c is the Redis tier). */
#include "stages/comprehend/cm_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "base/list.h"

void ms_cm_key_of(const char *op_name, const char *text, size_t len, ms_cm_key *k)
{
    XXH3_state_t st;
    XXH3_128bits_reset(&st);
    XXH3_128bits_update(&st, op_name, strlen(op_name) + 1); /* with its NUL */
    XXH3_128bits_update(&st, text, len);
    XXH128_hash_t h = XXH3_128bits_digest(&st);
    k->lo = h.low64;
    k->hi = h.high64;
}

void ms_cm_key_hex(const ms_cm_key *k, char out[33])
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)k->hi, (unsigned long long)k->lo);
}

/* ---- LRU: a chained hash table plus a doubly linked recency list ---- */

typedef struct entry {
    ms_cm_key key;
    struct entry *hnext;          /* hash chain */
    ms_list link;                 /* in recency: first = most recent */
    size_t len;
    char val[];                   /* len bytes and a NUL */
} entry;

struct ms_cm_lru {
    entry **tab;
    size_t cap;                   /* power of two */
    size_t n;
    ms_list recency;              /* entry.link */
    size_t bytes, max_bytes;
    uint64_t hits, misses, evictions;
};

ms_cm_lru *ms_cm_lru_new(size_t max_bytes)
{
    if (max_bytes == 0)
        return NULL;
    ms_cm_lru *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cap = 64;
    c->tab = calloc(c->cap, sizeof *c->tab);
    if (!c->tab) {
        free(c);
        return NULL;
    }
    c->max_bytes = max_bytes;
    ms_list_init(&c->recency);
    return c;
}

void ms_cm_lru_free(ms_cm_lru *c)
{
    if (!c)
        return;
    ms_list *it, *tmp;
    ms_list_foreach_safe(it, tmp, &c->recency)
        free(ms_list_entry(it, entry, link));
    free(c->tab);
    free(c);
}

static size_t slot(const ms_cm_lru *c, const ms_cm_key *k)
{
    return (size_t)(k->lo ^ (k->hi >> 7)) & (c->cap - 1);
}

static entry **find(ms_cm_lru *c, const ms_cm_key *k)
{
    entry **p = &c->tab[slot(c, k)];
    while (*p && ((*p)->key.lo != k->lo || (*p)->key.hi != k->hi))
        p = &(*p)->hnext;
    return p;
}

static void list_unlink(ms_cm_lru *c, entry *e)
{
    (void)c;
    ms_list_remove(&e->link);
}

static void list_front(ms_cm_lru *c, entry *e)
{
    ms_list_insert_head(&c->recency, &e->link);
}

static size_t cost(size_t len)
{
    return len + MS_CM_LRU_ENTRY_OVERHEAD;
}

static void drop(ms_cm_lru *c, entry *e)
{
    entry **p = find(c, &e->key);
    *p = e->hnext;
    list_unlink(c, e);
    c->bytes -= cost(e->len);
    c->n--;
    free(e);
}

static void grow(ms_cm_lru *c)
{
    size_t ncap = c->cap * 2;
    entry **nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return; /* longer chains, still correct */
    entry **old = c->tab;
    size_t ocap = c->cap;
    c->tab = nt;
    c->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        entry *e = old[i];
        while (e) {
            entry *next = e->hnext;
            size_t s = slot(c, &e->key);
            e->hnext = nt[s];
            nt[s] = e;
            e = next;
        }
    }
    free(old);
}

const char *ms_cm_lru_get(ms_cm_lru *c, const ms_cm_key *k, size_t *len)
{
    if (!c)
        return NULL;
    entry *e = *find(c, k);
    if (!e) {
        c->misses++;
        return NULL;
    }
    c->hits++;
    list_unlink(c, e);
    list_front(c, e);
    *len = e->len;
    return e->val;
}

void ms_cm_lru_put(ms_cm_lru *c, const ms_cm_key *k, const char *val, size_t len)
{
    if (!c)
        return;
    entry *old = *find(c, k);
    if (old)
        drop(c, old);
    if (cost(len) > c->max_bytes)
        return;
    while (!ms_list_empty(&c->recency) && c->bytes + cost(len) > c->max_bytes) {
        drop(c, ms_list_last_entry(&c->recency, entry, link));
        c->evictions++;
    }
    entry *e = malloc(sizeof *e + len + 1);
    if (!e)
        return;
    e->key = *k;
    e->len = len;
    memcpy(e->val, val, len);
    e->val[len] = 0;
    if (c->n + 1 > c->cap / 4 * 3)
        grow(c);
    entry **p = &c->tab[slot(c, k)];
    e->hnext = *p;
    *p = e;
    list_front(c, e);
    c->bytes += cost(len);
    c->n++;
}

void ms_cm_lru_stats_get(const ms_cm_lru *c, ms_cm_lru_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!c)
        return;
    s->entries = c->n;
    s->bytes = c->bytes;
    s->max_bytes = c->max_bytes;
    s->hits = c->hits;
    s->misses = c->misses;
    s->evictions = c->evictions;
}
