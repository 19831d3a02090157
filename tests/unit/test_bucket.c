/* test_bucket.c -- ms_bucket in simulated time: steady rates, bursts,
 * refill, requests larger than the burst (debt), unlimited buckets,
 * refunds and clocks that step back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "base/bucket.h"

#define EPS 1e-9

static void starts_full_and_drains(void **state)
{
    (void)state;
    ms_bucket b;
    ms_bucket_init(&b, 40, 40, 100.0);
    assert_true(fabs(ms_bucket_level(&b, 100.0) - 40) < EPS);
    for (int i = 0; i < 40; i++)
        assert_true(ms_bucket_take(&b, 100.0, 1) == 0);
    double w = ms_bucket_take(&b, 100.0, 1);
    assert_true(w > 0);
    assert_true(fabs(w - 1.0 / 40) < 1e-6);     /* one token at 40/s */
    /* a refusal consumes nothing */
    assert_true(fabs(ms_bucket_level(&b, 100.0)) < EPS);
}

static void refills_at_rate_up_to_burst(void **state)
{
    (void)state;
    ms_bucket b;
    ms_bucket_init(&b, 10, 5, 0);
    assert_true(ms_bucket_take(&b, 0, 5) == 0);
    assert_true(fabs(ms_bucket_level(&b, 0.25) - 2.5) < 1e-9);
    assert_true(ms_bucket_take(&b, 0.25, 3) > 0);
    assert_true(fabs(ms_bucket_wait(&b, 0.25, 3) - 0.05) < 1e-9);
    assert_true(ms_bucket_take(&b, 0.30, 3) == 0);
    /* a long idle period fills only to the burst */
    assert_true(fabs(ms_bucket_level(&b, 1000) - 5) < EPS);
}

/* Over 10 simulated seconds, a client asking every millisecond gets
 * burst + rate * t grants, whatever the granularity. */
static void steady_rate_over_time(void **state)
{
    (void)state;
    ms_bucket b;
    ms_bucket_init(&b, 40, 40, 0);
    int granted = 0;
    for (int ms = 0; ms <= 10000; ms++)
        if (ms_bucket_take(&b, ms / 1000.0, 1) == 0)
            granted++;
    assert_in_range(granted, 40 + 400 - 1, 40 + 400 + 1);

    /* characters per second: 1,000-char requests against 40,000 cps */
    ms_bucket_init(&b, 40000, 40000, 0);
    granted = 0;
    for (int ms = 0; ms <= 5000; ms++)
        if (ms_bucket_take(&b, ms / 1000.0, 1000) == 0)
            granted++;
    assert_in_range(granted, 40 + 200 - 1, 40 + 200 + 1);
}

static void larger_than_burst_goes_into_debt(void **state)
{
    (void)state;
    ms_bucket b;
    ms_bucket_init(&b, 40000, 40000, 0);
    /* a single 20,000-char request passes at once */
    assert_true(ms_bucket_take(&b, 0, 20000) == 0);

    /* 100,000 against a 40,000 burst: refused until the bucket is full
     * again, then granted, leaving 60,000 of debt */
    double w = ms_bucket_take(&b, 0, 100000);
    assert_true(fabs(w - 0.5) < 1e-9);     /* 20,000 missing at 40,000/s */
    assert_true(ms_bucket_take(&b, 0.5, 100000) == 0);
    assert_true(fabs(ms_bucket_level(&b, 0.5) + 60000) < 1e-6);
    /* the debt blocks even a tiny request for 1.5 s */
    w = ms_bucket_take(&b, 0.5, 1);
    assert_true(fabs(w - (60001.0 / 40000)) < 1e-6);
    assert_true(ms_bucket_take(&b, 1.99, 1) > 0);
    assert_true(ms_bucket_take(&b, 2.0 + 1.0 / 40000 + EPS, 1) == 0);
}

static void forced_takes_and_refunds(void **state)
{
    (void)state;
    ms_bucket b;
    ms_bucket_init(&b, 2, 2, 0);
    ms_bucket_force(&b, 0, 5);
    assert_true(fabs(ms_bucket_level(&b, 0) + 3) < EPS);
    assert_true(fabs(ms_bucket_wait(&b, 0, 1) - 2.0) < EPS);
    ms_bucket_refund(&b, 0, 4);
    assert_true(fabs(ms_bucket_level(&b, 0) - 1) < EPS);
    ms_bucket_refund(&b, 0, 100);            /* never above the burst */
    assert_true(fabs(ms_bucket_level(&b, 0) - 2) < EPS);
}

static void unlimited_and_defaults(void **state)
{
    (void)state;
    ms_bucket b;
    ms_bucket_init(&b, 0, 0, 0);
    assert_true(ms_bucket_unlimited(&b));
    for (int i = 0; i < 1000; i++)
        assert_true(ms_bucket_take(&b, 0, 1e9) == 0);
    /* burst 0 = one second's worth; fractional rates still admit 1 */
    ms_bucket_init(&b, 2, 0, 0);
    assert_true(fabs(b.burst - 2) < EPS);
    ms_bucket_init(&b, 0.5, 0, 0);
    assert_true(fabs(b.burst - 1) < EPS);
    assert_true(ms_bucket_take(&b, 0, 1) == 0);
    assert_true(fabs(ms_bucket_take(&b, 0, 1) - 2.0) < EPS);
    /* switching an unlimited bucket to a limit keeps it full */
    ms_bucket_init(&b, 0, 0, 0);
    ms_bucket_set(&b, 10, 10, 5);
    assert_true(ms_bucket_take(&b, 5, 10) == 0);
    assert_true(ms_bucket_take(&b, 5, 1) > 0);
    /* lowering the burst clamps the level */
    ms_bucket_init(&b, 100, 100, 0);
    ms_bucket_set(&b, 100, 10, 0);
    assert_true(fabs(ms_bucket_level(&b, 0) - 10) < EPS);
    /* zero-sized takes are free */
    assert_true(ms_bucket_take(&b, 0, 0) == 0);
    assert_true(fabs(ms_bucket_level(&b, 0) - 10) < EPS);
}

static void clock_stepping_back_refunds_nothing(void **state)
{
    (void)state;
    ms_bucket b;
    ms_bucket_init(&b, 10, 10, 50);
    assert_true(ms_bucket_take(&b, 50, 10) == 0);
    assert_true(ms_bucket_take(&b, 40, 1) > 0);    /* earlier: no refill */
    assert_true(fabs(ms_bucket_level(&b, 40)) < EPS);
    assert_true(ms_bucket_take(&b, 50.1 + EPS, 1) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_full_and_drains),
        cmocka_unit_test(refills_at_rate_up_to_burst),
        cmocka_unit_test(steady_rate_over_time),
        cmocka_unit_test(larger_than_burst_goes_into_debt),
        cmocka_unit_test(forced_takes_and_refunds),
        cmocka_unit_test(unlimited_and_defaults),
        cmocka_unit_test(clock_stepping_back_refunds_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
