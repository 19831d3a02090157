/* bucket.h -- a token bucket: `rate` tokens per second accrue up to `burst`.
 *
 * Time is passed in (monotonic seconds, any origin), so the bucket is a pure
 * value type: testable in simulated time, no clock reads, no locks (guard
 * it yourself when shared between threads).
 *
 *   ms_bucket b;
 *   ms_bucket_init(&b, 40, 40, now);             40/s, one second of burst
 *   double wait = ms_bucket_take(&b, now, 1);    0 = granted and consumed,
 *                                                else seconds until it would be
 *
 * A request larger than the burst (n > burst) could never be granted by a
 * plain bucket. Here it is granted once the bucket is full, and the bucket
 * goes into debt (tokens = burst - n < 0): later requests wait until the
 * debt is repaid at `rate`. So a single 20,000-character call against a
 * 40,000 characters/s quota passes at once, and one 100,000-character call
 * against it passes when the bucket is full and then blocks the bucket for
 * 2.5 s -- the long-run rate is kept either way.
 *
 * rate <= 0 means unlimited: every take is granted and nothing is counted. */
#ifndef MS_BUCKET_H
#define MS_BUCKET_H

#include <stdbool.h>

typedef struct ms_bucket {
    double rate;     /* tokens per second; <= 0 = unlimited */
    double burst;    /* capacity */
    double tokens;   /* current level; negative = debt */
    double last;     /* time of the last refill */
} ms_bucket;

/* A full bucket at time now. burst <= 0 is taken as rate (one second's
 * worth), and a burst below 1 as 1 so that single units always fit. */
void ms_bucket_init(ms_bucket *b, double rate, double burst, double now);

/* Change rate and burst, keeping the current level (clamped to the new
 * burst; a bucket that was unlimited starts full). */
void ms_bucket_set(ms_bucket *b, double rate, double burst, double now);

bool ms_bucket_unlimited(const ms_bucket *b);

/* Tokens available at time now (may be negative: debt). Refills. A time
 * earlier than the last one seen is treated as the last one (no refund). */
double ms_bucket_level(ms_bucket *b, double now);

/* Seconds until take(n) would be granted: 0 when it would be now. Refills;
 * consumes nothing. */
double ms_bucket_wait(ms_bucket *b, double now, double n);

/* Take n tokens when possible: returns 0 and consumes them, else returns
 * the seconds to wait (> 0) and consumes nothing. n > burst is granted only
 * when the bucket is full, leaving a debt (see above). */
double ms_bucket_take(ms_bucket *b, double now, double n);

/* Consume n tokens unconditionally (may go into debt): for work that was
 * admitted by another rule but must still be paid for. */
void ms_bucket_force(ms_bucket *b, double now, double n);

/* Give n tokens back (up to burst): for a take that was undone, e.g. the
 * second of two buckets refused. */
void ms_bucket_refund(ms_bucket *b, double now, double n);

#endif
