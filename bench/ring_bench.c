/* ring_bench.c -- ms_ring against Concurrency Kit's ck_ring (MPMC), side by
 * side in one run.
 *
 * Same workload for both: P producers push N pointer-sized items in total
 * into a ring of capacity K, C consumers pop them; a thread that finds the
 * ring full/empty spins briefly, then yields. After the producers finish,
 * the main thread pushes one stop marker per consumer. Each configuration
 * runs R times, alternating which ring goes first; the median items/s is
 * reported with the ratio ours/ck. Every run checks that the consumers got
 * exactly the items pushed (count and sum).
 *
 *   gcc -O2 -std=gnu11 -Isrc bench/ring_bench.c src/core/ring.c -lck -lpthread
 *   ./a.out [-n ITEMS] [-k CAPACITY] [-r REPS] [PxC ...]     (default 1x1 2x2)
 *
 * More threads than cores (4x4 on 2 cores) can convoy ck_ring for seconds:
 * its MPMC enqueue busy-waits, without yielding, for every earlier producer
 * to publish, so a preempted producer stalls all the others. ms_ring's
 * producers never wait for each other. Pass 4x4 explicitly to see it.
 *
 * ck_ring of size K holds K-1 items; both rings get the same K slots. */
#include <ck_ring.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ring.h"

#define SPINS_BEFORE_YIELD 64
#define STOP_ITEM ((void *)(uintptr_t)1)
#define MAX_THREADS 64

/* A thin interface so both rings run through the same driver. */
typedef struct impl {
    const char *name;
    void *(*create)(unsigned capacity);
    void (*destroy)(void *q);
    int (*push)(void *q, void *item);
    void *(*pop)(void *q);
} impl;

static void *ours_create(unsigned capacity) { return ms_ring_new(capacity); }
static void ours_destroy(void *q) { ms_ring_free(q); }
static int ours_push(void *q, void *item) { return ms_ring_push(q, item); }
static void *ours_pop(void *q) { return ms_ring_pop(q); }

typedef struct ckq {
    ck_ring_t ring;
    ck_ring_buffer_t *buf;
} ckq;

static void *ck_create(unsigned capacity)
{
    unsigned size = 2;
    while (size < capacity)
        size <<= 1;
    ckq *q = aligned_alloc(64, (sizeof(ckq) + 63) & ~(size_t)63);
    if (!q)
        return NULL;
    q->buf = calloc(size, sizeof(*q->buf));
    if (!q->buf) {
        free(q);
        return NULL;
    }
    ck_ring_init(&q->ring, size);
    return q;
}

static void ck_destroy(void *q)
{
    free(((ckq *)q)->buf);
    free(q);
}

static int ck_push(void *q, void *item)
{
    ckq *c = q;
    return ck_ring_enqueue_mpmc(&c->ring, c->buf, item);
}

static void *ck_pop(void *q)
{
    ckq *c = q;
    void *item;
    return ck_ring_dequeue_mpmc(&c->ring, c->buf, &item) ? item : NULL;
}

static const impl impls[2] = {
    {"ms_ring", ours_create, ours_destroy, ours_push, ours_pop},
    {"ck_ring", ck_create, ck_destroy, ck_push, ck_pop},
};

typedef struct run {
    const impl *im;
    void *q;
    unsigned producers;
    unsigned long per_producer;
    atomic_uint ready;
    atomic_int go;
} run;

typedef struct thread_arg {
    run *r;
    unsigned id;
    unsigned long count;   /* consumer: items received */
    unsigned long long sum;
} thread_arg;

static void wait_a_bit(unsigned *spins)
{
    if (++*spins >= SPINS_BEFORE_YIELD) {
        sched_yield();
        *spins = 0;
    }
}

static void start_line(run *r)
{
    atomic_fetch_add(&r->ready, 1);
    while (!atomic_load_explicit(&r->go, memory_order_acquire))
        sched_yield();
}

/* Item values are 2..: 1 is the stop marker, 0 is NULL (= empty). */
static void *producer_main(void *arg)
{
    thread_arg *a = arg;
    run *r = a->r;
    uintptr_t base = 2 + (uintptr_t)a->id * r->per_producer;
    start_line(r);
    unsigned spins = 0;
    for (unsigned long i = 0; i < r->per_producer; i++) {
        while (!r->im->push(r->q, (void *)(base + i)))
            wait_a_bit(&spins);
    }
    return NULL;
}

static void *consumer_main(void *arg)
{
    thread_arg *a = arg;
    run *r = a->r;
    start_line(r);
    unsigned spins = 0;
    for (;;) {
        void *item = r->im->pop(r->q);
        if (!item) {
            wait_a_bit(&spins);
            continue;
        }
        if (item == STOP_ITEM)
            break;
        a->count++;
        a->sum += (uintptr_t)item;
    }
    return NULL;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One timed run; returns items/s, or a negative value on failure. */
static double run_once(const impl *im, unsigned producers, unsigned consumers,
                       unsigned long items, unsigned capacity)
{
    run r = {.im = im, .producers = producers, .per_producer = items / producers};
    r.q = im->create(capacity);
    if (!r.q) {
        fprintf(stderr, "ring_bench: %s: cannot allocate\n", im->name);
        return -1;
    }
    unsigned n = producers + consumers;
    pthread_t th[MAX_THREADS];
    thread_arg args[MAX_THREADS];
    for (unsigned i = 0; i < n; i++) {
        args[i] = (thread_arg){.r = &r, .id = i < producers ? i : i - producers};
        if (pthread_create(&th[i], NULL, i < producers ? producer_main : consumer_main,
                           &args[i]) != 0) {
            fprintf(stderr, "ring_bench: pthread_create failed\n");
            exit(1);
        }
    }
    while (atomic_load(&r.ready) < n)
        sched_yield();

    double t0 = now_sec();
    atomic_store_explicit(&r.go, 1, memory_order_release);
    for (unsigned i = 0; i < producers; i++)
        pthread_join(th[i], NULL);
    unsigned spins = 0;
    for (unsigned i = 0; i < consumers; i++) {
        while (!im->push(r.q, STOP_ITEM))
            wait_a_bit(&spins);
    }
    for (unsigned i = producers; i < n; i++)
        pthread_join(th[i], NULL);
    double elapsed = now_sec() - t0;

    unsigned long total = r.per_producer * producers, got = 0;
    unsigned long long sum = 0;
    for (unsigned i = producers; i < n; i++) {
        got += args[i].count;
        sum += args[i].sum;
    }
    /* Items are 2 .. total+1. */
    unsigned long long want = (unsigned long long)total * (total + 3) / 2;
    im->destroy(r.q);
    if (got != total || sum != want) {
        fprintf(stderr, "ring_bench: %s %ux%u: got %lu items (want %lu), checksum %s\n",
                im->name, producers, consumers, got, total,
                sum == want ? "ok" : "MISMATCH");
        return -1;
    }
    return (double)total / elapsed;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(void)
{
    fprintf(stderr, "usage: ring_bench [-n ITEMS] [-k CAPACITY] [-r REPS] [PxC ...]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long items = 4000000;
    unsigned capacity = 1024, reps = 5;
    int opt;
    while ((opt = getopt(argc, argv, "n:k:r:h")) != -1) {
        switch (opt) {
        case 'n': items = strtoul(optarg, NULL, 10); break;
        case 'k': capacity = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'r': reps = (unsigned)strtoul(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (items == 0 || capacity < 2 || capacity > (1u << 30) || reps == 0 || reps > 101)
        usage();

    static const char *defaults[] = {"1x1", "2x2"};
    const char **configs = defaults;
    int nconfigs = 2;
    if (optind < argc) {
        configs = (const char **)argv + optind;
        nconfigs = argc - optind;
    }

    printf("ring_bench: %lu items, %u slots, %u reps (median), %ld CPUs online\n",
           items, capacity, reps, sysconf(_SC_NPROCESSORS_ONLN));
    printf("%-6s %16s %16s %9s\n", "PxC", "ms_ring items/s", "ck_ring items/s", "ours/ck");

    int failed = 0;
    for (int c = 0; c < nconfigs; c++) {
        unsigned p, k;
        if (sscanf(configs[c], "%ux%u", &p, &k) != 2 || p == 0 || k == 0 ||
            p + k > MAX_THREADS || items < p)
            usage();
        double rate[2][101];
        for (unsigned i = 0; i < reps; i++) {
            /* Alternate the order so neither ring always runs on a cold
             * (or warm) machine. */
            for (int j = 0; j < 2; j++) {
                int which = (int)(i + (unsigned)j) % 2;
                rate[which][i] = run_once(&impls[which], p, k, items, capacity);
                if (rate[which][i] < 0)
                    failed = 1;
            }
        }
        qsort(rate[0], reps, sizeof(double), cmp_double);
        qsort(rate[1], reps, sizeof(double), cmp_double);
        double ours = rate[0][reps / 2], ck = rate[1][reps / 2];
        printf("%-6s %16.0f %16.0f %9.2f\n", configs[c], ours, ck, ck > 0 ? ours / ck : 0.0);
        fflush(stdout);
    }
    return failed;
}
