/* ring.h -- bounded multi-producer/multi-consumer ring of pointers.
 *
 * Lock-free (Vyukov's bounded MPMC queue on C11 atomics: one sequence number
 * per slot). Push and pop never block; callers that must wait park elsewhere
 * (see pool.h). The engine sizes every ring above the in-flight limit, so a
 * push that fails is a bug, not backpressure. */
#ifndef MS_RING_H
#define MS_RING_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ms_ring ms_ring;

/* Capacity is min_capacity rounded up to a power of two (at least 2). */
ms_ring *ms_ring_new(size_t min_capacity);
void ms_ring_free(ms_ring *r);

/* item must not be NULL. Returns false when the ring is full. */
bool ms_ring_push(ms_ring *r, void *item);
/* Returns NULL when the ring is empty. */
void *ms_ring_pop(ms_ring *r);

size_t ms_ring_capacity(const ms_ring *r);
/* Approximate number of items (exact when no push/pop runs concurrently). */
size_t ms_ring_size(const ms_ring *r);

#endif
