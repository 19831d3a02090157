/* test_text_norm.c -- Unicode clean-up of extracted text: ligature
 * expansion, NFC, control characters, invalid UTF-8, and the whitespace
 * and code point helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "stages/text_norm.h"

static void expect_norm(const char *in, size_t inlen, const char *want)
{
    size_t len = 0, chars = 0;
    char *out = ms_text_normalize(in, inlen, &len, &chars);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    assert_int_equal(chars, ms_text_count_chars(want, strlen(want)));
    free(out);
}

static void test_normalize(void **state)
{
    (void)state;
    /* U+FB00..U+FB06 */
    const char *lig = "\xef\xac\x80 \xef\xac\x81 \xef\xac\x82 \xef\xac\x83 \xef\xac\x84 "
                      "\xef\xac\x85 \xef\xac\x86";
    expect_norm(lig, strlen(lig), "ff fi fl ffi ffl st st");
    expect_norm("\xef\xac\x81nal", 6, "final");
    /* e + combining acute -> U+00E9; A + ring -> U+00C5 */
    expect_norm("cafe\xcc\x81 A\xcc\x8a", 10, "caf\xc3\xa9 \xc3\x85");
    /* Hangul L + V jamo compose to U+AC00 */
    expect_norm("\xe1\x84\x80\xe1\x85\xa1", 6, "\xea\xb0\x80");
    /* already composed stays as is; ASCII untouched */
    expect_norm("caf\xc3\xa9", 5, "caf\xc3\xa9");
    /* controls dropped except \n and \t; C1 (U+0085) dropped too */
    expect_norm("a\x01" "b\r\n\tc\x7f\xc2\x85" "d", 11, "ab\n\tcd");
    /* NUL in the middle is a control character */
    expect_norm("x\0y", 3, "xy");
    /* invalid sequences become U+FFFD */
    expect_norm("\xff" "a", 2, "\xef\xbf\xbd" "a");
    expect_norm("\xc3(", 2, "\xef\xbf\xbd(");
    expect_norm("ab\xe2\x82", 4, "ab\xef\xbf\xbd\xef\xbf\xbd");
    /* an encoded surrogate is not valid UTF-8 */
    size_t len;
    char *out = ms_text_normalize("\xed\xa0\x80z", 4, &len, NULL);
    assert_non_null(out);
    assert_null(strstr(out, "\xed\xa0"));
    assert_memory_equal(out, "\xef\xbf\xbd", 3);
    assert_int_equal(out[len - 1], 'z');
    free(out);
    expect_norm("", 0, "");

    assert_false(ms_text_has_visible("", 0));
    assert_false(ms_text_has_visible(" \n\t \xc2\xa0\xe2\x80\x83\n", 10));
    assert_true(ms_text_has_visible("  x ", 4));
    assert_true(ms_text_has_visible("\xc2\xa0\xc3\xa9", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
