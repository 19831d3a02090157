/* ring.c -- bounded MPMC ring of pointers (Vyukov's bounded queue).
 *
 * Every slot carries a sequence number. For position pos, slot pos & mask is
 * free for the producer of pos when seq == pos and holds an item for the
 * consumer of pos when seq == pos + 1; the consumer hands it to the producer
 * of the next lap by storing pos + capacity. A producer (consumer) claims a
 * position with a CAS on enq_pos (deq_pos) and publishes with a release store
 * of the slot's seq, which the other side reads with acquire: that pair is
 * the only synchronisation the item payload needs, and it is plain C11
 * atomics, so ThreadSanitizer can follow it (unlike ck's inline-asm fences).
 *
 * The two positions sit on separate cache lines so producers and consumers
 * do not false-share them. */
#include "core/ring.h"

#include <assert.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define RING_CACHELINE 64

typedef struct ring_slot {
    atomic_size_t seq;
    void *item;
} ring_slot;

struct ms_ring {
    alignas(RING_CACHELINE) atomic_size_t enq_pos;
    alignas(RING_CACHELINE) atomic_size_t deq_pos;
    /* Read-only after creation; kept off both position lines. */
    alignas(RING_CACHELINE) size_t mask;
    ring_slot *slots;
};

ms_ring *ms_ring_new(size_t min_capacity)
{
    size_t cap = 2;
    while (cap < min_capacity) {
        if (cap > SIZE_MAX / 2 / sizeof(ring_slot))
            return NULL;
        cap <<= 1;
    }

    ms_ring *r = aligned_alloc(RING_CACHELINE, sizeof(*r));
    if (!r)
        return NULL;
    /* aligned_alloc wants a size that is a multiple of the alignment. */
    size_t bytes = cap * sizeof(ring_slot);
    bytes = (bytes + RING_CACHELINE - 1) & ~(size_t)(RING_CACHELINE - 1);
    r->slots = aligned_alloc(RING_CACHELINE, bytes);
    if (!r->slots) {
        free(r);
        return NULL;
    }
    r->mask = cap - 1;
    for (size_t i = 0; i < cap; i++) {
        atomic_init(&r->slots[i].seq, i);
        r->slots[i].item = NULL;
    }
    atomic_init(&r->enq_pos, 0);
    atomic_init(&r->deq_pos, 0);
    return r;
}

void ms_ring_free(ms_ring *r)
{
    if (!r)
        return;
    free(r->slots);
    free(r);
}

bool ms_ring_push(ms_ring *r, void *item)
{
    assert(item != NULL);
    if (!item)
        return false;

    size_t pos = atomic_load_explicit(&r->enq_pos, memory_order_relaxed);
    ring_slot *s;
    for (;;) {
        s = &r->slots[pos & r->mask];
        size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)(seq - pos);
        if (dif == 0) {
            /* Slot is free for this lap: claim the position. On failure pos
             * is reloaded with the current enq_pos. */
            if (atomic_compare_exchange_weak_explicit(&r->enq_pos, &pos, pos + 1,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed))
                break;
        } else if (dif < 0) {
            /* The consumer of the previous lap has not released it: full. */
            return false;
        } else {
            /* Another producer took pos already; catch up. */
            pos = atomic_load_explicit(&r->enq_pos, memory_order_relaxed);
        }
    }
    s->item = item;
    atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
    return true;
}

void *ms_ring_pop(ms_ring *r)
{
    size_t pos = atomic_load_explicit(&r->deq_pos, memory_order_relaxed);
    ring_slot *s;
    for (;;) {
        s = &r->slots[pos & r->mask];
        size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)(seq - (pos + 1));
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&r->deq_pos, &pos, pos + 1,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed))
                break;
        } else if (dif < 0) {
            /* Nothing published at pos yet: empty. */
            return NULL;
        } else {
            pos = atomic_load_explicit(&r->deq_pos, memory_order_relaxed);
        }
    }
    void *item = s->item;
    /* Hand the slot to the producer one lap ahead. */
    atomic_store_explicit(&s->seq, pos + r->mask + 1, memory_order_release);
    return item;
}

size_t ms_ring_capacity(const ms_ring *r)
{
    return r->mask + 1;
}

size_t ms_ring_size(const ms_ring *r)
{
    /* The two positions are read at different moments, so under concurrent
     * push/pop the difference can fall outside [0, capacity]; clamp it. */
    size_t deq = atomic_load_explicit(&r->deq_pos, memory_order_acquire);
    size_t enq = atomic_load_explicit(&r->enq_pos, memory_order_acquire);
    intptr_t n = (intptr_t)(enq - deq);
    if (n < 0)
        return 0;
    return (size_t)n > r->mask + 1 ? r->mask + 1 : (size_t)n;
}
