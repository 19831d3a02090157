/* bucket.c -- token bucket (see bucket.h). */
#include "base/bucket.h"

static void refill(ms_bucket *b, double now)
{
    if (now <= b->last)
        return;              /* clocks that step back do not refund */
    b->tokens += (now - b->last) * b->rate;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    b->last = now;
}

static double norm_burst(double rate, double burst)
{
    if (burst <= 0)
        burst = rate;
    return burst < 1 ? 1 : burst;
}

void ms_bucket_init(ms_bucket *b, double rate, double burst, double now)
{
    b->rate = rate;
    b->burst = norm_burst(rate, burst);
    b->tokens = b->burst;
    b->last = now;
}

void ms_bucket_set(ms_bucket *b, double rate, double burst, double now)
{
    bool was_unlimited = ms_bucket_unlimited(b);
    if (!was_unlimited)
        refill(b, now);
    b->last = now > b->last ? now : b->last;
    b->rate = rate;
    b->burst = norm_burst(rate, burst);
    /* an unlimited bucket was full of everything: it starts full */
    if (was_unlimited || b->tokens > b->burst)
        b->tokens = b->burst;
}

bool ms_bucket_unlimited(const ms_bucket *b)
{
    return !(b->rate > 0);
}

double ms_bucket_level(ms_bucket *b, double now)
{
    if (ms_bucket_unlimited(b))
        return b->burst;
    refill(b, now);
    return b->tokens;
}

/* What must be in the bucket to grant n: n itself, or for n beyond the
 * capacity a full bucket. */
static double needed(const ms_bucket *b, double n)
{
    return n > b->burst ? b->burst : n;
}

double ms_bucket_wait(ms_bucket *b, double now, double n)
{
    if (ms_bucket_unlimited(b) || n <= 0)
        return 0;
    refill(b, now);
    double short_by = needed(b, n) - b->tokens;
    if (short_by <= 0)
        return 0;
    double w = short_by / b->rate;
    /* never report 0 for a refusal, however small the shortfall */
    return w > 1e-9 ? w : 1e-9;
}

double ms_bucket_take(ms_bucket *b, double now, double n)
{
    double w = ms_bucket_wait(b, now, n);
    if (w == 0 && !ms_bucket_unlimited(b) && n > 0)
        b->tokens -= n;
    return w;
}

void ms_bucket_force(ms_bucket *b, double now, double n)
{
    if (ms_bucket_unlimited(b) || n <= 0)
        return;
    refill(b, now);
    b->tokens -= n;
}

void ms_bucket_refund(ms_bucket *b, double now, double n)
{
    if (ms_bucket_unlimited(b) || n <= 0)
        return;
    refill(b, now);
    b->tokens += n;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
}
