/* tracker.c -- the ordered delivery watermark.
 *
 * A lane keeps its undelivered records in a growable circular array indexed
 * by a monotonically increasing record number, so marking a record done is
 * O(1) and advancing the watermark is amortised O(1). Lanes are reference
 * counted: the tracker's table holds one reference and every record in
 * flight holds one, so a forgotten (revoked) lane lives until its last
 * record finishes. */
#include "core/tracker.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    int64_t offset;
    uint8_t done;
} entry;

struct ms_lane {
    uint64_t key;
    bool live;           /* still in the table */
    int refs;
    entry *buf;
    uint64_t cap;        /* power of two */
    uint64_t head;       /* record number of the oldest undelivered record */
    uint64_t tail;       /* next record number */
    int64_t watermark;   /* next offset to commit, -1 = none yet */
};

struct ms_tracker {
    ms_lane **lanes;
    size_t nlanes, cap;
    uint64_t pending;
    ms_tracker_commit_cb cb;
    void *ud;
};

ms_tracker *ms_tracker_new(ms_tracker_commit_cb cb, void *ud)
{
    ms_tracker *t = calloc(1, sizeof *t);
    if (t) {
        t->cb = cb;
        t->ud = ud;
    }
    return t;
}

static void lane_unref(ms_lane *l)
{
    if (--l->refs == 0) {
        free(l->buf);
        free(l);
    }
}

void ms_tracker_free(ms_tracker *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nlanes; i++) {
        t->lanes[i]->live = false;
        lane_unref(t->lanes[i]);
    }
    free(t->lanes);
    free(t);
}

/* Partition counts are small (tens to hundreds), so a linear scan is fine. */
static ms_lane *find_lane(const ms_tracker *t, uint64_t key)
{
    for (size_t i = 0; i < t->nlanes; i++)
        if (t->lanes[i]->key == key)
            return t->lanes[i];
    return NULL;
}

static ms_lane *get_lane(ms_tracker *t, uint64_t key)
{
    ms_lane *l = find_lane(t, key);
    if (l)
        return l;
    if (t->nlanes == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 8;
        ms_lane **n = realloc(t->lanes, ncap * sizeof *n);
        if (!n)
            return NULL;
        t->lanes = n;
        t->cap = ncap;
    }
    l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->key = key;
    l->live = true;
    l->refs = 1;
    l->watermark = -1;
    t->lanes[t->nlanes++] = l;
    return l;
}

static int lane_grow(ms_lane *l)
{
    uint64_t ncap = l->cap ? l->cap * 2 : 64;
    entry *n = malloc(ncap * sizeof *n);
    if (!n)
        return -1;
    for (uint64_t i = l->head; i < l->tail; i++)
        n[i & (ncap - 1)] = l->buf[i & (l->cap - 1)];
    free(l->buf);
    l->buf = n;
    l->cap = ncap;
    return 0;
}

int ms_tracker_add(ms_tracker *t, uint64_t key, int64_t offset, ms_ticket *out)
{
    ms_lane *l = get_lane(t, key);
    if (!l)
        return -1;
    if (l->tail - l->head == l->cap && lane_grow(l) != 0)
        return -1;
    entry *e = &l->buf[l->tail & (l->cap - 1)];
    e->offset = offset;
    e->done = 0;
    out->lane = l;
    out->index = l->tail++;
    l->refs++;
    t->pending++;
    return 0;
}

static void finish(ms_tracker *t, ms_ticket *ticket, uint8_t how)
{
    ms_lane *l = ticket->lane;
    if (!l)
        return;
    l->buf[ticket->index & (l->cap - 1)].done = how;
    ticket->lane = NULL;
    t->pending--;
    /* Advance over leading done records; stop at an abandoned one, which
     * blocks the lane for the rest of this process's life. */
    int64_t next = -1;
    while (l->head < l->tail) {
        entry *e = &l->buf[l->head & (l->cap - 1)];
        if (e->done != 1)
            break;
        next = e->offset + 1;
        l->head++;
    }
    if (next >= 0) {
        l->watermark = next;
        if (l->live && t->cb)
            t->cb(l->key, next, t->ud);
    }
    lane_unref(l);
}

void ms_tracker_done(ms_tracker *t, ms_ticket *ticket)
{
    finish(t, ticket, 1);
}

void ms_tracker_abandon(ms_tracker *t, ms_ticket *ticket)
{
    finish(t, ticket, 2);
}

void ms_tracker_forget(ms_tracker *t, uint64_t key)
{
    for (size_t i = 0; i < t->nlanes; i++) {
        if (t->lanes[i]->key != key)
            continue;
        ms_lane *l = t->lanes[i];
        t->lanes[i] = t->lanes[--t->nlanes];
        l->live = false;
        lane_unref(l);
        return;
    }
}

bool ms_tracker_live(const ms_ticket *ticket)
{
    return ticket->lane && ticket->lane->live;
}

int64_t ms_tracker_watermark(ms_tracker *t, uint64_t key)
{
    ms_lane *l = find_lane(t, key);
    return l ? l->watermark : -1;
}

uint64_t ms_tracker_pending(const ms_tracker *t)
{
    return t->pending;
}
