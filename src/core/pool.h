/* pool.h -- worker threads that take items from a ring and park when idle.
 *
 * Producers push onto the ring and call ms_pool_notify(); a worker that
 * finds the ring empty parks on a condition variable until notified. The
 * notify is cheap when nobody sleeps (one atomic load). */
#ifndef MS_POOL_H
#define MS_POOL_H

#include "core/ring.h"

typedef struct ms_pool ms_pool;

typedef struct ms_pool_hooks {
    /* Called on the worker thread before its first item / after its last. */
    int (*start)(void *ud, int worker);
    void (*stop)(void *ud, int worker);
    /* Called for each item popped from the ring. */
    void (*run)(void *ud, int worker, void *item);
    void *ud;
} ms_pool_hooks;

/* Starts n worker threads reading from ring. NULL on failure. */
ms_pool *ms_pool_new(int n, ms_ring *ring, const ms_pool_hooks *hooks);

/* Wake one parked worker (call after every successful push). */
void ms_pool_notify(ms_pool *p);

/* Ask workers to exit once the ring is empty, and join them. */
void ms_pool_free(ms_pool *p);

int ms_pool_size(const ms_pool *p);

/* Number of workers currently running an item. */
int ms_pool_busy(const ms_pool *p);

#endif
