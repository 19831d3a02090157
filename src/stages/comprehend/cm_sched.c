/* cm_sched.c -- see cm_sched.h. */
#include "stages/comprehend/cm_sched.h"

#include <math.h>

/* A window's RTT counts as "above the mean" only past this fraction of the
 * mean even when the deviation is ~0 (identical RTTs), so a steady service
 * does not read microsecond jitter as congestion. */
#define MIN_DEV_FRACTION 0.05
/* Shortest window: below this, RTTs are timer noise. */
#define MIN_WINDOW_S 0.001

void ms_cm_arc_init(ms_cm_arc *a, const ms_cm_arc_opts *o, double now)
{
    a->o = *o;
    if (a->o.initial < 1)
        a->o.initial = 1;
    if (a->o.max < a->o.initial)
        a->o.max = a->o.initial;
    if (a->o.alpha <= 0 || a->o.alpha > 1)
        a->o.alpha = 0.4;
    if (a->o.decrease <= 0 || a->o.decrease >= 1)
        a->o.decrease = 0.9;
    if (a->o.k < 0)
        a->o.k = 0;
    a->limit = a->o.initial;
    a->mean = a->dev = 0;
    a->have_mean = false;
    a->win_end = now;
    a->win_sum = 0;
    a->win_n = 0;
    a->win_reached = a->win_decreased = false;
    a->increases = a->decreases = 0;
}

void ms_cm_arc_reached(ms_cm_arc *a)
{
    a->win_reached = true;
}

static void decrease(ms_cm_arc *a)
{
    if (a->win_decreased)
        return;
    int l = (int)floor(a->limit * a->o.decrease);
    a->limit = l < 1 ? 1 : l;
    a->win_decreased = true;
    a->decreases++;
}

static void new_window(ms_cm_arc *a, double now, double len)
{
    a->win_end = now + (len > MIN_WINDOW_S ? len : MIN_WINDOW_S);
    a->win_sum = 0;
    a->win_n = 0;
    a->win_reached = a->win_decreased = false;
}

/* The window is over: judge its good answers, open the next one. */
static void close_window(ms_cm_arc *a, double now, double rtt)
{
    if (a->win_n > 0) {
        double cur = a->win_sum / a->win_n;
        if (!a->have_mean) {
            if (a->win_reached && !a->win_decreased && a->limit < a->o.max) {
                a->limit++;
                a->increases++;
            }
            a->mean = cur;
            a->dev = 0;
            a->have_mean = true;
        } else {
            double dev = a->dev > MIN_DEV_FRACTION * a->mean ? a->dev : MIN_DEV_FRACTION * a->mean;
            if (cur > a->mean + a->o.k * dev)
                decrease(a);
            else if (cur <= a->mean * (1 + 1e-9) && a->win_reached && !a->win_decreased &&
                     a->limit < a->o.max) {
                a->limit++;
                a->increases++;
            }
            double diff = cur - a->mean;
            a->mean += a->o.alpha * diff;
            a->dev = (1 - a->o.alpha) * a->dev + a->o.alpha * fabs(diff);
        }
    }
    new_window(a, now, a->have_mean ? a->mean : rtt);
}

void ms_cm_arc_observe(ms_cm_arc *a, double now, double rtt, bool backpressure)
{
    if (backpressure) {
        /* At once, but once per window: a burst of throttled answers to
         * requests sent together is one signal. */
        if (now >= a->win_end)
            close_window(a, now, rtt);
        decrease(a);
        return;
    }
    if (rtt >= 0) {
        a->win_sum += rtt;
        a->win_n++;
    }
    if (now >= a->win_end)
        close_window(a, now, rtt);
}

/* ---- the operation's queue ------------------------------------------- */

void ms_cm_sched_init(ms_cm_sched *s, const ms_cm_sched_opts *o, double now)
{
    *s = (ms_cm_sched){0};
    s->o = *o;
    if (s->o.throttle_hold_s <= 0)
        s->o.throttle_hold_s = 0.2;
    if (s->o.requeue_base_s <= 0)
        s->o.requeue_base_s = 0.25;
    if (s->o.requeue_max_s <= 0)
        s->o.requeue_max_s = 10;
    /* One second of burst, the way the service's quotas are stated. */
    ms_bucket_init(&s->tps, o->tps, o->tps, now);
    ms_bucket_init(&s->cps, o->cps, o->cps, now);
    ms_cm_arc_init(&s->arc, &o->arc, now);
    s->hold_until = s->requeue_until = now;
    ms_list_init(&s->queue);
}

void ms_cm_sched_push(ms_cm_sched *s, ms_cm_item *it)
{
    ms_list_insert_tail(&s->queue, &it->link);
    it->queued = true;
    s->queued++;
}

void ms_cm_sched_push_front(ms_cm_sched *s, ms_cm_item *it)
{
    ms_list_insert_head(&s->queue, &it->link);
    it->queued = true;
    s->queued++;
}

void ms_cm_sched_remove(ms_cm_sched *s, ms_cm_item *it)
{
    if (!it->queued)
        return;
    ms_list_remove(&it->link);
    it->queued = false;
    s->queued--;
}

ms_cm_item *ms_cm_sched_next(ms_cm_sched *s, double now, double *wait_s)
{
    *wait_s = -1;
    if (ms_list_empty(&s->queue))
        return NULL;
    if (s->inflight >= s->arc.limit) {
        ms_cm_arc_reached(&s->arc);
        return NULL;
    }
    if (now < s->hold_until) {
        *wait_s = s->hold_until - now;
        return NULL;
    }
    ms_cm_item *it = ms_list_first_entry(&s->queue, ms_cm_item, link);
    double w1 = ms_bucket_wait(&s->tps, now, 1);
    double w2 = ms_bucket_wait(&s->cps, now, it->cost);
    double w = w1 > w2 ? w1 : w2;
    if (w > 0) {
        *wait_s = w;
        return NULL;
    }
    /* Both said yes at this instant, so both takes succeed. */
    ms_bucket_take(&s->tps, now, 1);
    ms_bucket_take(&s->cps, now, it->cost);
    ms_cm_sched_remove(s, it);
    s->inflight++;
    s->sent++;
    if (s->inflight >= s->arc.limit)
        ms_cm_arc_reached(&s->arc);
    *wait_s = 0;
    return it;
}

static void drain(ms_bucket *b, double now)
{
    double level = ms_bucket_level(b, now);
    if (level > 0)
        ms_bucket_force(b, now, level);
}

void ms_cm_sched_attempt(ms_cm_sched *s, double now, double rtt, ms_cm_answer a,
                         double cost)
{
    ms_cm_arc_observe(&s->arc, now, rtt, a != MS_CM_ANSWER_OK);
    if (a == MS_CM_ANSWER_OK)
        return;
    if (a == MS_CM_ANSWER_THROTTLED) {
        s->throttles++;
        drain(&s->tps, now);
        drain(&s->cps, now);
        if (s->hold_until < now + s->o.throttle_hold_s)
            s->hold_until = now + s->o.throttle_hold_s;
    } else {
        s->failures++;
    }
    /* The AWS client may retry this attempt without asking us. */
    ms_bucket_force(&s->tps, now, 1);
    ms_bucket_force(&s->cps, now, cost);
}

void ms_cm_sched_finished(ms_cm_sched *s, bool ok)
{
    if (s->inflight > 0)
        s->inflight--;
    if (ok)
        s->fails = 0;
}

void ms_cm_sched_requeue(ms_cm_sched *s, double now, ms_cm_item *it)
{
    if (s->inflight > 0)
        s->inflight--;
    ms_cm_sched_push_front(s, it);
    s->requeues++;
    /* Requests that were in flight together come back together: one
     * backoff step per round, not one per request. */
    if (now >= s->requeue_until) {
        int n = s->fails < 16 ? s->fails : 16;
        double hold = s->o.requeue_base_s * ldexp(1.0, n);
        if (hold > s->o.requeue_max_s)
            hold = s->o.requeue_max_s;
        s->fails++;
        s->requeue_until = now + hold;
    }
    if (s->hold_until < s->requeue_until)
        s->hold_until = s->requeue_until;
}

void ms_cm_sched_set_limits(ms_cm_sched *s, double now, double tps, double cps, int max)
{
    s->o.tps = tps;
    s->o.cps = cps;
    ms_bucket_set(&s->tps, tps, tps, now);
    ms_bucket_set(&s->cps, cps, cps, now);
    if (max < 1)
        max = 1;
    s->o.arc.max = s->arc.o.max = max;
    if (s->arc.o.initial > max)
        s->o.arc.initial = s->arc.o.initial = max;
    if (s->arc.limit > max)
        s->arc.limit = max;
}
