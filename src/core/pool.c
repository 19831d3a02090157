/* pool.c -- worker threads that take items from a ring and park when idle.
 *
 * Lost wake-ups are avoided by the classic "announce, then re-check" order:
 * a worker increments `sleepers` (seq_cst) and only then re-checks the ring
 * before waiting; a producer pushes and only then reads `sleepers`. With
 * both sides sequentially consistent, either the worker sees the item or the
 * producer sees the sleeper and signals under the mutex. */
#include "core/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct worker {
    ms_pool *pool;
    int index;
    pthread_t thread;
    bool started;
} worker;

struct ms_pool {
    ms_ring *ring;
    ms_pool_hooks hooks;
    int n;
    worker *workers;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_int sleepers;
    atomic_int busy;
    atomic_bool stop;
};

static void *worker_main(void *arg)
{
    worker *w = arg;
    ms_pool *p = w->pool;
    if (p->hooks.start)
        p->hooks.start(p->hooks.ud, w->index);
    for (;;) {
        void *item = ms_ring_pop(p->ring);
        if (item) {
            atomic_fetch_add(&p->busy, 1);
            p->hooks.run(p->hooks.ud, w->index, item);
            atomic_fetch_sub(&p->busy, 1);
            continue;
        }
        if (atomic_load(&p->stop))
            break;
        pthread_mutex_lock(&p->lock);
        atomic_fetch_add(&p->sleepers, 1);
        item = ms_ring_pop(p->ring);
        if (!item && !atomic_load(&p->stop))
            pthread_cond_wait(&p->cond, &p->lock);
        atomic_fetch_sub(&p->sleepers, 1);
        pthread_mutex_unlock(&p->lock);
        if (item) {
            atomic_fetch_add(&p->busy, 1);
            p->hooks.run(p->hooks.ud, w->index, item);
            atomic_fetch_sub(&p->busy, 1);
        }
    }
    if (p->hooks.stop)
        p->hooks.stop(p->hooks.ud, w->index);
    return NULL;
}

ms_pool *ms_pool_new(int n, ms_ring *ring, const ms_pool_hooks *hooks)
{
    ms_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->workers = calloc((size_t)n, sizeof *p->workers);
    if (!p->workers) {
        free(p);
        return NULL;
    }
    p->ring = ring;
    p->hooks = *hooks;
    p->n = n;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    for (int i = 0; i < n; i++) {
        p->workers[i].pool = p;
        p->workers[i].index = i;
        if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0) {
            ms_pool_free(p);
            return NULL;
        }
        p->workers[i].started = true;
    }
    return p;
}

void ms_pool_notify(ms_pool *p)
{
    /* Order the caller's push before the sleepers load (store-load). */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&p->sleepers) == 0)
        return;
    pthread_mutex_lock(&p->lock);
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

void ms_pool_free(ms_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->stop, true);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n; i++)
        if (p->workers[i].started)
            pthread_join(p->workers[i].thread, NULL);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p);
}

int ms_pool_size(const ms_pool *p)
{
    return p->n;
}

int ms_pool_busy(const ms_pool *p)
{
    return atomic_load(&((ms_pool *)p)->busy);
}
