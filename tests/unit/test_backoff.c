/* test_backoff.c -- base/backoff.h: the deterministic schedule is the one
 * the engine's sink retries always had (100 ms << errors, capped at 30 s),
 * full jitter scales it by rand01, both saturate at the cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>

#include "base/backoff.h"

static void exponential(void **state)
{
    (void)state;
    assert_true(ms_backoff_exp(100, 1, 30000) == 100);
    assert_true(ms_backoff_exp(100, 0, 30000) == 100);    /* < 1 counts as 1 */
    assert_true(ms_backoff_exp(100, 3, 30000) == 400);
    assert_true(ms_backoff_exp(100, 100000, 30000) == 30000);
    /* The engine's former formula, for every error count it can see. */
    for (int errors = 1; errors < 64; errors++) {
        int n = errors < 9 ? errors : 9;
        uint64_t old = 100u << n;
        if (old > 30000)
            old = 30000;
        assert_int_equal((uint64_t)ms_backoff_exp(100, errors + 1, 30000), old);
    }
}

static void full_jitter(void **state)
{
    (void)state;
    assert_true(ms_backoff_full_jitter(1, 1, 20, 0.5) == 0.5);
    assert_true(ms_backoff_full_jitter(1, 4, 20, 0.5) == 4.0);
    assert_true(ms_backoff_full_jitter(1, 3, 20, 0.0) == 0.0);
    assert_true(ms_backoff_full_jitter(1, 6, 20, 0.99) == 20.0);
    assert_true(ms_backoff_full_jitter(0.25, 3, 10, 0.5) == 0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exponential),
        cmocka_unit_test(full_jitter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
