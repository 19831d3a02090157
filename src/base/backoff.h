/* backoff.h -- the one exponential backoff computation.
 *
 *   ms_backoff_exp(base, attempt, cap)
 *       base * 2^(attempt-1), at most cap: attempt 1 waits base, each
 *       further attempt doubles it. Deterministic.
 *   ms_backoff_full_jitter(base, attempt, cap, rand01)
 *       rand01 * base * 2^(attempt-1), at most cap ("full jitter", as the
 *       AWS SDKs' standard retry mode computes it). rand01 is a uniform
 *       number in [0, 1), injected so that callers and tests are exact.
 *
 * attempt < 1 counts as 1; very large attempts saturate at cap (the
 * exponent is clamped only to keep the double finite). Units are the
 * caller's (base and cap in the same unit as the result). Pure functions,
 * thread-safe. */
#ifndef MS_BASE_BACKOFF_H
#define MS_BASE_BACKOFF_H

double ms_backoff_exp(double base, int attempt, double cap);
double ms_backoff_full_jitter(double base, int attempt, double cap, double rand01);

#endif
