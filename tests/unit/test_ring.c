/* test_ring.c -- ms_ring: FIFO order, full/empty, capacity rounding, and a
 * multi-producer/multi-consumer stress run checking no loss, no duplicate
 * and per-producer order as seen by every consumer. Meant to be run under
 * ThreadSanitizer as well. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/ring.h"

/* Items are tagged integers, never dereferenced: (producer + 1) << 24 | seq.
 * Never NULL, fits in 32 bits. */
#define TAG_SHIFT 24
#define SEQ_MASK ((1u << TAG_SHIFT) - 1)

static void *tag(unsigned producer, unsigned seq)
{
    return (void *)(uintptr_t)(((uintptr_t)(producer + 1) << TAG_SHIFT) | seq);
}

static void test_capacity_rounding(void **state)
{
    static const size_t cases[][2] = {
        {0, 2}, {1, 2}, {2, 2}, {3, 4}, {4, 4}, {5, 8},
        {63, 64}, {64, 64}, {65, 128}, {1000, 1024}, {4096, 4096},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ms_ring *r = ms_ring_new(cases[i][0]);
        assert_non_null(r);
        assert_int_equal(ms_ring_capacity(r), cases[i][1]);
        assert_int_equal(ms_ring_size(r), 0);
        ms_ring_free(r);
    }
    ms_ring_free(NULL);
}

static void test_absurd_capacity_fails(void **state)
{
    assert_null(ms_ring_new(SIZE_MAX));
    assert_null(ms_ring_new(SIZE_MAX / 2));
}

static void test_fifo_single_thread(void **state)
{
    ms_ring *r = ms_ring_new(8);
    assert_non_null(r);
    assert_null(ms_ring_pop(r));
    for (unsigned i = 0; i < 5; i++)
        assert_true(ms_ring_push(r, tag(0, i)));
    assert_int_equal(ms_ring_size(r), 5);
    for (unsigned i = 0; i < 5; i++)
        assert_ptr_equal(ms_ring_pop(r), tag(0, i));
    assert_null(ms_ring_pop(r));
    assert_int_equal(ms_ring_size(r), 0);
    ms_ring_free(r);
}

static void test_full_and_empty(void **state)
{
    ms_ring *r = ms_ring_new(5); /* capacity 8 */
    assert_non_null(r);
    size_t cap = ms_ring_capacity(r);
    assert_int_equal(cap, 8);
    for (unsigned i = 0; i < cap; i++)
        assert_true(ms_ring_push(r, tag(1, i)));
    assert_int_equal(ms_ring_size(r), cap);
    /* Full: refused, and nothing already queued is disturbed. */
    assert_false(ms_ring_push(r, tag(1, 999)));
    assert_false(ms_ring_push(r, tag(1, 999)));
    assert_int_equal(ms_ring_size(r), cap);

    /* One pop frees exactly one slot. */
    assert_ptr_equal(ms_ring_pop(r), tag(1, 0));
    assert_true(ms_ring_push(r, tag(1, (unsigned)cap)));
    assert_false(ms_ring_push(r, tag(1, 999)));

    for (unsigned i = 1; i <= cap; i++)
        assert_ptr_equal(ms_ring_pop(r), tag(1, i));
    assert_null(ms_ring_pop(r));
    assert_null(ms_ring_pop(r));
    assert_int_equal(ms_ring_size(r), 0);
    ms_ring_free(r);
}

/* Many laps with a varying fill level: slot sequence numbers must keep
 * working after the positions wrap around the slot array many times. */
static void test_wraparound_laps(void **state)
{
    ms_ring *r = ms_ring_new(4);
    assert_non_null(r);
    unsigned next_in = 0, next_out = 0;
    for (unsigned round = 0; round < 10000; round++) {
        unsigned n = 1 + round % 4;
        for (unsigned i = 0; i < n; i++)
            assert_true(ms_ring_push(r, tag(2, next_in++)));
        assert_int_equal(ms_ring_size(r), n);
        if (n == 4)
            assert_false(ms_ring_push(r, tag(2, 0)));
        for (unsigned i = 0; i < n; i++)
            assert_ptr_equal(ms_ring_pop(r), tag(2, next_out++));
        assert_null(ms_ring_pop(r));
    }
    ms_ring_free(r);
}

/* ---- MPMC stress ---- */

typedef struct stress {
    ms_ring *ring;
    unsigned producers;
    unsigned consumers;
    unsigned per_producer;
    atomic_uint *seen;        /* producers * per_producer counters */
    atomic_uint consumed;
    atomic_uint bad_tag;      /* items that decode to no valid producer/seq */
    atomic_uint out_of_order; /* a consumer saw a producer's seq go backwards */
    atomic_uint full_hits;    /* push refused: ring was full */
    atomic_uint empty_hits;   /* pop returned NULL: ring was empty */
} stress;

typedef struct worker {
    stress *st;
    unsigned id;
} worker;

static void backoff(unsigned *spins)
{
    if (++*spins > 64) {
        sched_yield();
        *spins = 0;
    }
}

static void *producer_main(void *arg)
{
    worker *w = arg;
    stress *st = w->st;
    unsigned spins = 0;
    for (unsigned i = 0; i < st->per_producer; i++) {
        while (!ms_ring_push(st->ring, tag(w->id, i))) {
            atomic_fetch_add_explicit(&st->full_hits, 1, memory_order_relaxed);
            backoff(&spins);
        }
    }
    return NULL;
}

static void *consumer_main(void *arg)
{
    worker *w = arg;
    stress *st = w->st;
    unsigned total = st->producers * st->per_producer;
    /* last[p] = 1 + last seq seen from producer p (0: none yet). */
    unsigned *last = calloc(st->producers, sizeof(*last));
    if (!last)
        abort();
    unsigned spins = 0;
    while (atomic_load_explicit(&st->consumed, memory_order_relaxed) < total) {
        void *item = ms_ring_pop(st->ring);
        if (!item) {
            atomic_fetch_add_explicit(&st->empty_hits, 1, memory_order_relaxed);
            backoff(&spins);
            continue;
        }
        uintptr_t v = (uintptr_t)item;
        uintptr_t p1 = v >> TAG_SHIFT;
        unsigned seq = (unsigned)(v & SEQ_MASK);
        if (p1 == 0 || p1 > st->producers || seq >= st->per_producer) {
            atomic_fetch_add_explicit(&st->bad_tag, 1, memory_order_relaxed);
        } else {
            unsigned p = (unsigned)p1 - 1;
            if (seq + 1 <= last[p])
                atomic_fetch_add_explicit(&st->out_of_order, 1, memory_order_relaxed);
            last[p] = seq + 1;
            atomic_fetch_add_explicit(&st->seen[p * st->per_producer + seq], 1,
                                      memory_order_relaxed);
        }
        atomic_fetch_add_explicit(&st->consumed, 1, memory_order_relaxed);
    }
    free(last);
    return NULL;
}

static void run_stress(unsigned producers, unsigned consumers, size_t capacity,
                       unsigned total_items)
{
    stress st = {0};
    st.ring = ms_ring_new(capacity);
    assert_non_null(st.ring);
    st.producers = producers;
    st.consumers = consumers;
    st.per_producer = total_items / producers;
    assert_true(st.per_producer <= SEQ_MASK);
    unsigned total = st.per_producer * producers;
    st.seen = calloc(total, sizeof(*st.seen));
    assert_non_null(st.seen);

    pthread_t *th = calloc(producers + consumers, sizeof(*th));
    worker *w = calloc(producers + consumers, sizeof(*w));
    assert_non_null(th);
    assert_non_null(w);
    for (unsigned i = 0; i < consumers; i++) {
        w[i] = (worker){&st, i};
        assert_int_equal(pthread_create(&th[i], NULL, consumer_main, &w[i]), 0);
    }
    for (unsigned i = 0; i < producers; i++) {
        w[consumers + i] = (worker){&st, i};
        assert_int_equal(pthread_create(&th[consumers + i], NULL, producer_main,
                                        &w[consumers + i]), 0);
    }
    for (unsigned i = 0; i < producers + consumers; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);

    assert_int_equal(atomic_load(&st.bad_tag), 0);
    assert_int_equal(atomic_load(&st.out_of_order), 0);
    assert_int_equal(atomic_load(&st.consumed), total);
    unsigned lost = 0, dup = 0;
    for (unsigned i = 0; i < total; i++) {
        unsigned c = atomic_load(&st.seen[i]);
        lost += c == 0;
        dup += c > 1;
    }
    assert_int_equal(lost, 0);
    assert_int_equal(dup, 0);
    assert_null(ms_ring_pop(st.ring));
    assert_int_equal(ms_ring_size(st.ring), 0);
    /* Reported, not asserted: how often the edges were hit depends on the
     * scheduler. */
    print_message("ring %ux%u cap %zu: %u items, %u full hits, %u empty hits\n",
                  producers, consumers, ms_ring_capacity(st.ring), total,
                  atomic_load(&st.full_hits), atomic_load(&st.empty_hits));

    free(w);
    free(th);
    free(st.seen);
    ms_ring_free(st.ring);
}

static void test_stress_4x4_cap64(void **state)
{
    run_stress(4, 4, 64, 1000000);
}

static void test_stress_3x2_cap2(void **state)
{
    run_stress(3, 2, 2, 150000);
}

static void test_stress_1x1_cap2(void **state)
{
    run_stress(1, 1, 2, 200000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_rounding),
        cmocka_unit_test(test_absurd_capacity_fails),
        cmocka_unit_test(test_fifo_single_thread),
        cmocka_unit_test(test_full_and_empty),
        cmocka_unit_test(test_wraparound_laps),
        cmocka_unit_test(test_stress_1x1_cap2),
        cmocka_unit_test(test_stress_3x2_cap2),
        cmocka_unit_test(test_stress_4x4_cap64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
