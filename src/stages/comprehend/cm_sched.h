/* cm_sched.h -- shaping of one Comprehend Medical operation: a requests/s
 * bucket, a characters/s bucket, an adaptive concurrency limit and the
 * queue of requests waiting for all three.
 *
 * Pure bookkeeping with injected time (seconds, any monotonic origin): no
 * clock reads, no timers, no I/O, so the unit test drives it in simulated
 * time and the stage (extract_comprehend.c) owns the loop side.
 *
 * Adaptive concurrency (ms_cm_arc) follows Vector's "adaptive request
 * concurrency": responses are grouped into windows one mean round-trip time
 * long. At the end of a window whose average RTT is at or below the moving
 * average, and in which the limit was actually reached (a request waited for
 * it, or in-flight hit it), the limit grows by 1. A throttle or a 5xx, or a
 * window whose RTT is above mean + k * deviation, multiplies it by 0.9
 * (floored, at least 1) -- at most once per window, so a burst of throttled
 * answers to requests sent together costs one step, not thirty.
 *
 * A throttle slows the whole operation: both buckets are drained (tokens
 * set to zero) and nothing is sent for throttle_hold_s. A request whose
 * retries ran out goes back to the front of the queue (never dropped) and
 * holds the operation with an exponential backoff (one step per round of
 * requests that failed together) that resets on the next success.
 *
 * Threading: one thread (the loop). */
#ifndef MS_CM_SCHED_H
#define MS_CM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bucket.h"
#include "base/list.h"

typedef struct ms_cm_arc_opts {
    int initial;        /* starting limit (>= 1) */
    int max;            /* ceiling (>= initial) */
    double k;           /* RTT deviation multiplier (Vector: rtt_deviation_scale) */
    double alpha;       /* EWMA weight of a new window (0 = 0.4) */
    double decrease;    /* multiplicative decrease (0 = 0.9) */
} ms_cm_arc_opts;

typedef struct ms_cm_arc {
    ms_cm_arc_opts o;
    int limit;
    double mean, dev;   /* EWMA of window RTTs and of |window - mean| */
    bool have_mean;
    double win_end;     /* the current window ends at this time */
    double win_sum;     /* RTTs of good answers in the window */
    int win_n;
    bool win_reached;   /* the limit was reached during the window */
    bool win_decreased; /* a decrease already happened in this window */
    uint64_t increases, decreases;
} ms_cm_arc;

void ms_cm_arc_init(ms_cm_arc *a, const ms_cm_arc_opts *o, double now);
/* The limit was hit: a request waited for a slot, or in-flight reached it. */
void ms_cm_arc_reached(ms_cm_arc *a);
/* One answer: rtt in seconds; backpressure = throttle, 5xx or timeout. */
void ms_cm_arc_observe(ms_cm_arc *a, double now, double rtt, bool backpressure);

/* A queued request; embed it in your own struct. cost = characters. */
typedef struct ms_cm_item {
    ms_list link;             /* in ms_cm_sched.queue while queued */
    double cost;
    bool queued;
} ms_cm_item;

typedef struct ms_cm_sched_opts {
    double tps, cps;          /* <= 0 = unlimited */
    ms_cm_arc_opts arc;
    double throttle_hold_s;   /* 0 = 0.2 */
    double requeue_base_s;    /* 0 = 0.25: first hold after a requeue */
    double requeue_max_s;     /* 0 = 10 */
} ms_cm_sched_opts;

typedef enum ms_cm_answer {
    MS_CM_ANSWER_OK = 0,      /* 2xx or a final (4xx) answer: no backpressure */
    MS_CM_ANSWER_THROTTLED,   /* 429 / ThrottlingException / TooManyRequests */
    MS_CM_ANSWER_FAILED       /* 5xx, reset, timeout */
} ms_cm_answer;

typedef struct ms_cm_sched {
    ms_cm_sched_opts o;
    ms_bucket tps, cps;
    ms_cm_arc arc;
    double hold_until;
    int fails;                /* requeue rounds since the last success */
    double requeue_until;     /* the current requeue backoff ends */
    ms_list queue;            /* ms_cm_item.link, FIFO (not movable once
                                 initialised: the list points at it) */
    size_t queued;
    int inflight;
    uint64_t sent, throttles, failures, requeues;
} ms_cm_sched;

void ms_cm_sched_init(ms_cm_sched *s, const ms_cm_sched_opts *o, double now);

void ms_cm_sched_push(ms_cm_sched *s, ms_cm_item *it);        /* at the back */
void ms_cm_sched_push_front(ms_cm_sched *s, ms_cm_item *it);
void ms_cm_sched_remove(ms_cm_sched *s, ms_cm_item *it);      /* if queued */

/* The next request to send now, or NULL. With a request returned, its
 * tokens are taken and it counts as in flight until ms_cm_sched_finished
 * or ms_cm_sched_requeue. With NULL, *wait_s is the seconds until a send
 * could happen (buckets, hold), or -1 when only a finished request or a
 * push can change that (empty queue, concurrency limit). */
ms_cm_item *ms_cm_sched_next(ms_cm_sched *s, double now, double *wait_s);

/* One attempt was answered (the AWS client calls back per attempt). For
 * THROTTLED/FAILED, the client may send a retry on its own: its tokens
 * (1 request, `cost` characters) are charged here, as debt if need be, so
 * retries count against the quota too. */
void ms_cm_sched_attempt(ms_cm_sched *s, double now, double rtt, ms_cm_answer a,
                         double cost);

/* A request left the operation: answered (ok true) or failed for good. */
void ms_cm_sched_finished(ms_cm_sched *s, bool ok);

/* Its retries ran out on throttles or transient failures: back to the
 * front of the queue, and the whole operation holds for a backoff. */
void ms_cm_sched_requeue(ms_cm_sched *s, double now, ms_cm_item *it);

/* New quotas while running (SIGHUP): both buckets take the new rate and a
 * burst of one second's worth, keeping their level (clamped to the new
 * burst), and the concurrency ceiling becomes max (>= 1). A limit above the
 * new ceiling drops to it at once; requests already in flight finish, and
 * no new one is sent until in-flight is below the limit again. A ceiling
 * raised lets the limit grow again the usual way (it does not jump). */
void ms_cm_sched_set_limits(ms_cm_sched *s, double now, double tps, double cps, int max);

#endif
