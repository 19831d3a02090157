/* test_str.c -- ms_strlcpy's contract: truncates, always terminates,
 * returns the source length, NULL copies as "". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/str.h"

static void fits(void **state)
{
    (void)state;
    char b[8];
    memset(b, 'x', sizeof b);
    assert_int_equal(ms_strlcpy(b, sizeof b, "abc"), 3);
    assert_string_equal(b, "abc");
    assert_int_equal(ms_strlcpy(b, sizeof b, "abcdefg"), 7);   /* exactly n - 1 */
    assert_string_equal(b, "abcdefg");
}

static void truncates(void **state)
{
    (void)state;
    char b[4];
    memset(b, 'x', sizeof b);
    size_t n = ms_strlcpy(b, sizeof b, "abcdef");
    assert_int_equal(n, 6);
    assert_true(n >= sizeof b);
    assert_string_equal(b, "abc");
}

static void null_and_zero(void **state)
{
    (void)state;
    char b[4] = "zz";
    assert_int_equal(ms_strlcpy(b, sizeof b, NULL), 0);
    assert_string_equal(b, "");
    b[0] = 'q';
    assert_int_equal(ms_strlcpy(b, 0, "abc"), 3);   /* n == 0: nothing written */
    assert_int_equal(b[0], 'q');
    assert_int_equal(ms_strlcpy(b, 1, "abc"), 3);
    assert_string_equal(b, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fits),
        cmocka_unit_test(truncates),
        cmocka_unit_test(null_and_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
