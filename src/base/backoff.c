/* backoff.c -- exponential backoff (contract: backoff.h). */
#include "base/backoff.h"

#include <math.h>

/* base * 2^(attempt-1), not capped; attempt clamped to [1, 1001]. */
static double span(double base, int attempt)
{
    if (attempt < 1)
        attempt = 1;
    return ldexp(base, (attempt > 1000 ? 1000 : attempt) - 1);
}

double ms_backoff_exp(double base, int attempt, double cap)
{
    double d = span(base, attempt);
    return d < cap ? d : cap;
}

double ms_backoff_full_jitter(double base, int attempt, double cap, double rand01)
{
    double d = rand01 * span(base, attempt);
    return d < cap ? d : cap;
}
