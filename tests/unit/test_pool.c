/* test_pool.c -- ms_pool: workers start and stop through their hooks, run
 * every pushed item exactly once, park when the ring is empty and wake on
 * ms_pool_notify (many idle/push rounds, so a lost wake-up shows as a
 * timeout), report how many are busy, and drain the ring before
 * ms_pool_free returns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/pool.h"
#include "core/ring.h"

#define NW 3

typedef struct ctx {
    atomic_int started, stopped, ran;
    atomic_int seen[NW];        /* items per worker */
    atomic_int hold;            /* run() spins while set */
    atomic_int in_run;
    atomic_uint_fast64_t sum;   /* sum of item values: each exactly once */
} ctx;

static int h_start(void *ud, int w)
{
    ctx *c = ud;
    assert_true(w >= 0 && w < NW);
    atomic_fetch_add(&c->started, 1);
    return 0;
}

static void h_stop(void *ud, int w)
{
    (void)w;
    atomic_fetch_add(&((ctx *)ud)->stopped, 1);
}

static void h_run(void *ud, int w, void *item)
{
    ctx *c = ud;
    atomic_fetch_add(&c->in_run, 1);
    while (atomic_load(&c->hold))
        usleep(1000);
    atomic_fetch_add(&c->sum, (uint_fast64_t)(uintptr_t)item);
    atomic_fetch_add(&c->seen[w], 1);
    atomic_fetch_add(&c->in_run, -1);
    atomic_fetch_add(&c->ran, 1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait (bounded) until *v reaches want. */
static bool wait_for(atomic_int *v, int want, double limit_s)
{
    double t0 = now_s();
    while (atomic_load(v) < want) {
        if (now_s() - t0 > limit_s)
            return false;
        usleep(200);
    }
    return true;
}

static void push(ms_ring *r, ms_pool *p, uintptr_t v)
{
    while (!ms_ring_push(r, (void *)v))
        usleep(100);
    ms_pool_notify(p);
}

static void start_stop_hooks(void **state)
{
    (void)state;
    ctx c = {0};
    ms_ring *r = ms_ring_new(16);
    ms_pool_hooks h = {h_start, h_stop, h_run, &c};
    ms_pool *p = ms_pool_new(NW, r, &h);
    assert_non_null(p);
    assert_int_equal(ms_pool_size(p), NW);
    assert_true(wait_for(&c.started, NW, 5));
    assert_int_equal(atomic_load(&c.stopped), 0);
    ms_pool_free(p);
    assert_int_equal(atomic_load(&c.started), NW);
    assert_int_equal(atomic_load(&c.stopped), NW);
    assert_int_equal(atomic_load(&c.ran), 0);
    ms_ring_free(r);
}

/* Workers park on an empty ring; each single push after an idle pause must
 * wake one within the deadline. */
static void park_and_wake(void **state)
{
    (void)state;
    ctx c = {0};
    ms_ring *r = ms_ring_new(16);
    ms_pool_hooks h = {h_start, h_stop, h_run, &c};
    ms_pool *p = ms_pool_new(NW, r, &h);
    assert_non_null(p);
    assert_true(wait_for(&c.started, NW, 5));
    uint64_t want = 0;
    for (int i = 1; i <= 200; i++) {
        /* idle long enough for the workers to reach the condition variable */
        if (i % 20 == 1)
            usleep(20000);
        push(r, p, (uintptr_t)i);
        want += (uint64_t)i;
        if (!wait_for(&c.ran, i, 5))
            fail_msg("item %d not run within 5 s: a parked worker was not woken", i);
    }
    assert_int_equal(atomic_load(&c.sum), want);
    assert_int_equal(ms_pool_busy(p), 0);
    ms_pool_free(p);
    ms_ring_free(r);
}

/* A burst spreads over the workers, every item runs once, and busy counts
 * workers inside run(). */
static void burst_and_busy(void **state)
{
    (void)state;
    ctx c = {0};
    ms_ring *r = ms_ring_new(1024);
    ms_pool_hooks h = {h_start, h_stop, h_run, &c};
    ms_pool *p = ms_pool_new(NW, r, &h);
    assert_non_null(p);
    atomic_store(&c.hold, 1);
    for (uintptr_t i = 1; i <= NW; i++)
        push(r, p, i);
    /* every worker is now stuck in run() */
    assert_true(wait_for(&c.in_run, NW, 5));
    assert_int_equal(ms_pool_busy(p), NW);
    atomic_store(&c.hold, 0);
    uint64_t want = NW * (NW + 1) / 2;
    for (uintptr_t i = 1; i <= 500; i++) {
        push(r, p, 1000 + i);
        want += 1000 + i;
    }
    assert_true(wait_for(&c.ran, NW + 500, 10));
    assert_int_equal(atomic_load(&c.sum), want);
    int total = 0;
    for (int w = 0; w < NW; w++)
        total += atomic_load(&c.seen[w]);
    assert_int_equal(total, NW + 500);
    ms_pool_free(p);
    ms_ring_free(r);
}

/* ms_pool_free lets the workers empty the ring before they exit. */
static void free_drains_the_ring(void **state)
{
    (void)state;
    ctx c = {0};
    ms_ring *r = ms_ring_new(256);
    ms_pool_hooks h = {NULL, NULL, h_run, &c};
    ms_pool *p = ms_pool_new(2, r, &h);
    assert_non_null(p);
    atomic_store(&c.hold, 1);
    for (uintptr_t i = 1; i <= 100; i++)
        assert_true(ms_ring_push(r, (void *)i));
    ms_pool_notify(p);
    assert_true(wait_for(&c.in_run, 1, 5));
    atomic_store(&c.hold, 0);
    ms_pool_free(p);
    assert_int_equal(atomic_load(&c.ran), 100);
    assert_int_equal(atomic_load(&c.sum), 100 * 101 / 2);
    assert_int_equal(ms_ring_size(r), 0);
    ms_ring_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_stop_hooks),
        cmocka_unit_test(park_and_wake),
        cmocka_unit_test(burst_and_busy),
        cmocka_unit_test(free_drains_the_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
