/* test_cm_sched.c -- Comprehend Medical shaping in simulated time: the two
 * buckets hold the requests/s and characters/s quotas under a backlog, a
 * throttle shrinks the concurrency limit by 10% and pauses the whole
 * operation, the limit grows only when it was reached and round trips stay
 * at or below their mean, and a request whose retries ran out goes back to
 * the front of the queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "stages/comprehend/cm_sched.h"

#define MAXQ 20000

/* A simulated service: every request is answered after `rtt` seconds. */
typedef struct sim {
    ms_cm_sched s;
    ms_cm_item items[MAXQ];
    double done_at[MAXQ];
    ms_cm_item *flying[MAXQ];
    int nfly;
    double sent_chars, sent_reqs;
    double worst_excess_chars, worst_excess_reqs;
} sim;

static void sim_init(sim *m, double tps, double cps, int initial, int max, int n, double cost)
{
    ms_cm_sched_opts o = {.tps = tps, .cps = cps, .arc = {.initial = initial, .max = max, .k = 2}};
    ms_cm_sched_init(&m->s, &o, 0);
    for (int i = 0; i < n; i++) {
        m->items[i].cost = cost;
        ms_cm_sched_push(&m->s, &m->items[i]);
    }
}

/* Run until `end`: send what the scheduler releases, answer after rtt,
 * jump to the next event. Checks at every send that what was sent since
 * time 0 never exceeds rate * t + burst. */
static void sim_run_from(sim *m, double start, double end, double rtt, double tps, double cps)
{
    double now = start;
    while (now < end) {
        double wait;
        ms_cm_item *it;
        while ((it = ms_cm_sched_next(&m->s, now, &wait))) {
            m->sent_chars += it->cost;
            m->sent_reqs += 1;
            double ex_c = m->sent_chars - (cps * (now - start) + cps);
            double ex_r = m->sent_reqs - (tps * (now - start) + tps);
            if (ex_c > m->worst_excess_chars)
                m->worst_excess_chars = ex_c;
            if (ex_r > m->worst_excess_reqs)
                m->worst_excess_reqs = ex_r;
            m->flying[m->nfly] = it;
            m->done_at[m->nfly++] = now + rtt;
        }
        double next = end;
        if (wait > 0 && now + wait < next)
            next = now + wait;
        for (int i = 0; i < m->nfly; i++)
            if (m->done_at[i] < next)
                next = m->done_at[i];
        now = next;
        for (int i = 0; i < m->nfly;) {
            if (m->done_at[i] <= now) {
                ms_cm_sched_attempt(&m->s, now, rtt, MS_CM_ANSWER_OK, m->flying[i]->cost);
                ms_cm_sched_finished(&m->s, true);
                m->flying[i] = m->flying[m->nfly - 1];
                m->done_at[i] = m->done_at[--m->nfly];
            } else {
                i++;
            }
        }
    }
}

static void sim_run(sim *m, double end, double rtt, double tps, double cps)
{
    sim_run_from(m, 0, end, rtt, tps, cps);
}

static void cps_quota_held(void **state)
{
    (void)state;
    /* 1,500-character requests: 40,000 cps allows 26.7/s, under 40 TPS,
     * so the character bucket binds. */
    static sim m;
    sim_init(&m, 40, 40000, 64, 64, MAXQ, 1500);
    sim_run(&m, 60, 0.05, 40, 40000);
    double quota = 40000.0 * 60, bound = quota + 40000; /* + 1 s of burst */
    printf("chars sent in 60 s: %.0f = %.2f%% of rate x 60 s, %.2f%% of the bound (+ burst); "
           "worst excess over the bound at any send %.0f\n",
           m.sent_chars, 100 * m.sent_chars / quota, 100 * m.sent_chars / bound,
           m.worst_excess_chars);
    assert_true(m.worst_excess_chars <= 1e-6);
    assert_true(m.sent_chars >= 0.97 * quota);
    assert_true(m.worst_excess_reqs <= 1e-6);
}

static void tps_quota_held(void **state)
{
    (void)state;
    /* 100-character requests: 40 TPS allows 4,000 cps, so TPS binds. */
    static sim m;
    sim_init(&m, 40, 40000, 64, 64, MAXQ, 100);
    sim_run(&m, 60, 0.02, 40, 40000);
    printf("requests sent in 60 s: %.0f of %.0f (%.2f%%)\n", m.sent_reqs, 40.0 * 60,
           100 * m.sent_reqs / (40.0 * 60));
    assert_true(m.worst_excess_reqs <= 1e-6);
    assert_true(m.sent_reqs >= 0.97 * 40 * 60);
    assert_true(m.worst_excess_chars <= 1e-6);
}

static void snomed_quota_held(void **state)
{
    (void)state;
    /* InferSNOMEDCT's 2 TPS / 5,000 cps with 10,000-character requests:
     * each one is twice the burst (debt), the long-run rate still holds. */
    static sim m;
    sim_init(&m, 2, 5000, 4, 64, 200, 10000);
    sim_run(&m, 60, 0.3, 2, 5000);
    double quota = 5000.0 * 60;
    printf("SNOMED chars in 60 s: %.0f of %.0f (%.2f%%)\n", m.sent_chars, quota,
           100 * m.sent_chars / quota);
    /* A request larger than the burst is let through when the bucket is
     * full: the bound is rate * t + the largest request. */
    assert_true(m.sent_chars <= quota + 10000);
    assert_true(m.sent_chars >= 0.97 * quota);
}

static void throttle_shrinks_and_pauses(void **state)
{
    (void)state;
    ms_cm_sched s;
    ms_cm_item it[40] = {0};
    ms_cm_sched_opts o = {.tps = 40, .cps = 40000, .arc = {.initial = 20, .max = 64, .k = 2}};
    ms_cm_sched_init(&s, &o, 0);
    for (int i = 0; i < 40; i++) {
        it[i].cost = 100;
        ms_cm_sched_push(&s, &it[i]);
    }
    double w;
    for (int i = 0; i < 20; i++)
        assert_ptr_equal(ms_cm_sched_next(&s, 0, &w), &it[i]);
    assert_null(ms_cm_sched_next(&s, 0, &w)); /* at the limit */
    assert_true(w < 0);
    /* Twenty answers come back throttled together: one decrease, not 20. */
    for (int i = 0; i < 20; i++)
        ms_cm_sched_attempt(&s, 0.001, 0.001, MS_CM_ANSWER_THROTTLED, 100);
    assert_int_equal(s.arc.limit, 18); /* floor(20 * 0.9) */
    assert_int_equal(s.arc.decreases, 1);
    for (int i = 0; i < 20; i++)
        ms_cm_sched_requeue(&s, 0.001, &it[19 - i]);
    /* The whole operation pauses, even with slots and tokens free. */
    assert_null(ms_cm_sched_next(&s, 0.01, &w));
    assert_true(w > 0.15);
    /* After the hold, buckets were drained and charged for the retries:
     * the first request waits for tokens to accrue. */
    double t = 0.01 + w;
    assert_null(ms_cm_sched_next(&s, t, &w));
    assert_true(w > 0);
    t += w;
    assert_ptr_equal(ms_cm_sched_next(&s, t, &w), &it[0]); /* front first */
    /* A later window with another throttle: one more step. */
    ms_cm_sched_attempt(&s, t + 1, 0.001, MS_CM_ANSWER_THROTTLED, 100);
    assert_int_equal(s.arc.limit, 16); /* floor(18 * 0.9) */
    /* 5xx counts as backpressure too; the limit never goes below 1. */
    for (int i = 0; i < 100; i++)
        ms_cm_sched_attempt(&s, t + 2 + i, 0.001, MS_CM_ANSWER_FAILED, 100);
    assert_int_equal(s.arc.limit, 1);
}

static void increase_only_when_reached_and_fast(void **state)
{
    (void)state;
    ms_cm_arc a;
    ms_cm_arc_opts o = {.initial = 4, .max = 10, .k = 2};
    ms_cm_arc_init(&a, &o, 0);
    /* Not reached: steady RTT, many windows, no increase. */
    double t = 0;
    for (int i = 0; i < 50; i++) {
        t += 0.1;
        ms_cm_arc_observe(&a, t, 0.1, false);
    }
    assert_int_equal(a.limit, 4);
    assert_int_equal(a.increases, 0);
    /* Reached, RTT at the mean: +1 per window. */
    for (int i = 0; i < 3; i++) {
        ms_cm_arc_reached(&a);
        t += 0.1;
        ms_cm_arc_observe(&a, t, 0.1, false);
    }
    assert_int_equal(a.limit, 7);
    /* Reached but slower than the mean (within k deviations): no increase,
     * no decrease. */
    ms_cm_arc_reached(&a);
    t += 0.104;
    ms_cm_arc_observe(&a, t, 0.104, false);
    assert_int_equal(a.limit, 7);
    /* Far above mean + k * deviation: x0.9. */
    ms_cm_arc_reached(&a);
    t += 1.0;
    ms_cm_arc_observe(&a, t, 1.0, false);
    assert_int_equal(a.limit, 6);
    /* Never past the maximum. */
    for (int i = 0; i < 200; i++) {
        ms_cm_arc_reached(&a);
        t += 0.05;
        ms_cm_arc_observe(&a, t, 0.05, false);
    }
    assert_int_equal(a.limit, 10);
}

static void increase_once_per_window(void **state)
{
    (void)state;
    ms_cm_arc a;
    ms_cm_arc_opts o = {.initial = 1, .max = 64, .k = 2};
    ms_cm_arc_init(&a, &o, 0);
    ms_cm_arc_reached(&a);
    ms_cm_arc_observe(&a, 0.1, 0.1, false); /* first window: mean 0.1, +1 */
    assert_int_equal(a.limit, 2);
    /* Many answers within one RTT-long window: one step at most. */
    ms_cm_arc_reached(&a);
    for (int i = 0; i < 30; i++)
        ms_cm_arc_observe(&a, 0.1 + i * 0.003, 0.1, false);
    assert_int_equal(a.limit, 2);
    ms_cm_arc_observe(&a, 0.25, 0.1, false);
    assert_int_equal(a.limit, 3);
}

static void requeue_goes_to_front(void **state)
{
    (void)state;
    ms_cm_sched s;
    ms_cm_item it[3] = {{.cost = 10}, {.cost = 10}, {.cost = 10}};
    ms_cm_sched_opts o = {.tps = 0, .cps = 0, .arc = {.initial = 1, .max = 1}};
    ms_cm_sched_init(&s, &o, 0);
    for (int i = 0; i < 3; i++)
        ms_cm_sched_push(&s, &it[i]);
    double w;
    assert_ptr_equal(ms_cm_sched_next(&s, 0, &w), &it[0]);
    assert_null(ms_cm_sched_next(&s, 0, &w)); /* limit 1 */
    ms_cm_sched_requeue(&s, 1, &it[0]);        /* retries ran out */
    assert_int_equal(s.queued, 3);
    assert_int_equal(s.inflight, 0);
    assert_null(ms_cm_sched_next(&s, 1, &w));  /* held: backoff */
    assert_true(w > 0 && w <= 0.25 + 1e-9);
    assert_ptr_equal(ms_cm_sched_next(&s, 1 + w, &w), &it[0]);
    /* Backoff doubles while failures continue, and resets on success. */
    ms_cm_sched_requeue(&s, 2, &it[0]);
    ms_cm_sched_next(&s, 2, &w);
    assert_true(w > 0.49 && w <= 0.5 + 1e-9);
    assert_ptr_equal(ms_cm_sched_next(&s, 2.5, &w), &it[0]);
    ms_cm_sched_finished(&s, true);
    assert_ptr_equal(ms_cm_sched_next(&s, 2.5, &w), &it[1]);
    ms_cm_sched_requeue(&s, 3, &it[1]);
    ms_cm_sched_next(&s, 3, &w);
    assert_true(w > 0.24 && w <= 0.25 + 1e-9);
    /* Withdrawn requests (a failed report) leave the queue. */
    ms_cm_sched_remove(&s, &it[1]);
    ms_cm_sched_remove(&s, &it[2]);
    assert_int_equal(s.queued, 0);
    assert_null(ms_cm_sched_next(&s, 10, &w));
    assert_true(w < 0);
}

/* SIGHUP: new quotas and a lower ceiling apply to a running scheduler. */
static void set_limits_live(void **state)
{
    (void)state;
    static sim m;
    /* 40 TPS, 100-character requests, a limit of 8 (ceiling 64). */
    sim_init(&m, 40, 40000, 8, 64, MAXQ, 100);
    sim_run(&m, 10, 0.02, 40, 40000);
    assert_true(m.sent_reqs >= 0.97 * 40 * 10);
    assert_true(m.s.arc.limit >= 8);
    /* Everything was answered by t = 10 (rtt 0.02 s, last send before). */
    /* Quota cut to 5 TPS, ceiling cut to 3 (below the running limit). */
    ms_cm_sched_set_limits(&m.s, 10, 5, 40000, 3);
    assert_int_equal(m.s.arc.limit, 3);
    assert_int_equal(m.s.arc.o.max, 3);
    assert_true(m.s.tps.rate == 5 && m.s.tps.burst == 5);
    /* Sending without answers: in flight stops at the new ceiling. */
    double wait;
    int peak = 0;
    while (ms_cm_sched_next(&m.s, 10, &wait))
        peak++;
    assert_true(peak + m.nfly <= 3);
    for (int i = 0; i < peak; i++)
        ms_cm_sched_finished(&m.s, true);
    /* 20 simulated seconds at 5 TPS: never above 5/s + 5 of burst. */
    m.sent_reqs = 0;
    m.worst_excess_reqs = 0;
    sim_run_from(&m, 10, 30, 0.02, 5, 40000);
    printf("after the cut: %.0f requests in 20 s at 5 TPS, limit %d\n", m.sent_reqs,
           m.s.arc.limit);
    assert_true(m.worst_excess_reqs <= 1e-6);
    assert_true(m.sent_reqs >= 0.95 * 5 * 20);
    assert_true(m.s.arc.limit <= 3);
    /* Raised again: the rate follows; the limit never passes the ceiling. */
    ms_cm_sched_set_limits(&m.s, 30, 40, 40000, 6);
    m.sent_reqs = 0;
    m.worst_excess_reqs = 0;
    sim_run_from(&m, 30, 50, 0.02, 40, 40000);
    printf("raised again: %.0f requests in 20 s at 40 TPS, limit %d\n", m.sent_reqs,
           m.s.arc.limit);
    assert_true(m.worst_excess_reqs <= 1e-6);
    assert_true(m.sent_reqs >= 0.97 * 40 * 20);
    assert_true(m.s.arc.limit <= 6);
    /* A ceiling of 0 is taken as 1. */
    ms_cm_sched_set_limits(&m.s, 50, 40, 40000, 0);
    assert_int_equal(m.s.arc.limit, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cps_quota_held),
        cmocka_unit_test(tps_quota_held),
        cmocka_unit_test(snomed_quota_held),
        cmocka_unit_test(throttle_shrinks_and_pauses),
        cmocka_unit_test(increase_only_when_reached_and_fast),
        cmocka_unit_test(increase_once_per_window),
        cmocka_unit_test(requeue_goes_to_front),
        cmocka_unit_test(set_limits_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
