/* test_json_out.c -- ms_json_dumps_indent2 against jansson's own
 * json_dumps(INDENT(2) | PRESERVE_ORDER | REAL_PRECISION(6)), byte for
 * byte: hand-picked edge cases (escapes, control characters, non-ASCII,
 * NUL inside strings and keys, reals of every magnitude, empty and nested
 * containers), thousands of random trees, and the NULL cases (invalid
 * UTF-8, a scalar at the top) and an invalid key, which json_dumps writes
 * cut short. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_out.h"

#define FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))

static void same(const json_t *j)
{
    char *want = json_dumps(j, FLAGS);
    size_t len = 12345;
    char *got = ms_json_dumps_indent2(j, &len);
    if (!want) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_int_equal(len, strlen(want));
        if (strcmp(want, got) != 0)
            fail_msg("differs:\n--- json_dumps\n%s\n--- ms_json_dumps_indent2\n%s", want, got);
    }
    free(want);
    free(got);
}

static void edge_cases(void **state)
{
    (void)state;
    json_t *o = json_object();
    json_object_set_new(o, "empty_obj", json_object());
    json_object_set_new(o, "empty_arr", json_array());
    json_object_set_new(o, "null", json_null());
    json_object_set_new(o, "t", json_true());
    json_object_set_new(o, "f", json_false());
    json_object_set_new(o, "imin", json_integer(LLONG_MIN));
    json_object_set_new(o, "imax", json_integer(LLONG_MAX));
    json_object_set_new(o, "zero", json_integer(0));
    json_object_set_new(o, "esc", json_string("q\"b\\s/ \b\f\n\r\t\x01\x1f\x7f end"));
    json_object_set_new(o, "utf8", json_string("caf\xc3\xa9 \xe2\x80\x94 \xe2\x80\xa8 \xf0\x9f\x98\x80 \xc2\xb5g/dL"));
    json_object_set_new(o, "nul", json_stringn("a\0b", 3));
    json_object_setn_new(o, "key\0nul", 7, json_integer(1));
    json_object_set_new(o, "k\"ey\n\xc3\xa9", json_string(""));
    static const double reals[] = {0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 2.25, 1e-7, 1e-5, 1.23456789e-5,
                                   123456.0, 1234567.0, 12345678.9, 1e20, -1e20, 1e100, 1e-100,
                                   3.14159265358979, 0.95, 0.9, 23.004, 0.027871, 7.29076,
                                   999999.5, 1e6, 1e-4, 0.0001234, 5e-324, 1.7976931348623157e308,
                                   0.0001, 0.001, 0.01, 0.0105, 0.5001, 0.9999, 0.87654, 0.99995,
                                   1.0001, 1e-5, 0.00005};
    json_t *sc = json_array();
    for (int k = 0; k <= 10000; k++) {                  /* every score */
        json_array_append_new(sc, json_real((double)k / 1e4));
        json_array_append_new(sc, json_real(round((double)(k * 0.9999f) * 1e4) / 1e4));
    }
    json_object_set_new(o, "scores", sc);
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
        json_array_append_new(a, json_real(reals[i]));
    json_object_set_new(o, "reals", a);
    json_t *deep = json_array();
    json_t *cur = deep;
    for (int i = 0; i < 40; i++) {
        json_t *n = i % 2 ? json_array() : json_object();
        if (json_is_array(cur))
            json_array_append_new(cur, n);
        else
            json_object_set_new(cur, "x", n);
        cur = n;
    }
    json_object_set_new(o, "deep", deep);
    same(o);
    json_t *top = json_array();
    json_array_append(top, o);
    json_array_append_new(top, json_array());
    same(top);
    json_t *empty = json_array();
    same(empty);
    json_decref(empty);
    json_t *e = json_object();
    same(e);
    json_decref(e);
    json_decref(top);
    json_decref(o);
}

static void null_cases(void **state)
{
    (void)state;
    assert_null(ms_json_dumps_indent2(NULL, NULL));
    json_t *s = json_string("scalar");
    assert_null(ms_json_dumps_indent2(s, NULL));
    json_decref(s);
    static const char *const bad[] = {"\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                      "\xe0\x80\x80", "\xf0\x80\x80\x80", "\x80", "\xff",
                                      "ok \xe2\x28\xa1", "x\ty\"z\xc3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "k", json_stringn_nocheck(bad[i], strlen(bad[i])));
        same(o);                                  /* both NULL */
        assert_null(ms_json_dumps_indent2(o, NULL));
        json_decref(o);
        o = json_object();
        json_object_set_new_nocheck(o, bad[i], json_integer(1));
        same(o);
        json_decref(o);
    }
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t rand_text(char *b, size_t cap)
{
    static const char *const parts[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f",
                                        "\x7f", "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x98\x80",
                                        "mg/dL", "0", "-", ":", "{", "]"};
    size_t n = 0, k = next() % 12;
    for (size_t i = 0; i < k; i++) {
        const char *p = parts[next() % (sizeof parts / sizeof *parts)];
        size_t l = strlen(p);
        if (n + l >= cap)
            break;
        memcpy(b + n, p, l);
        n += l;
    }
    if (next() % 10 == 0 && n + 1 < cap)
        b[n++] = 0;                                   /* a NUL inside */
    b[n] = 0;
    return n;
}

static json_t *rand_value(int depth)
{
    char t[128];
    switch (next() % (depth > 5 ? 6 : 8)) {
    case 0: return json_null();
    case 1: return json_boolean(next() % 2);
    case 2: return json_integer((json_int_t)(next() >> (next() % 64)) * (next() % 2 ? 1 : -1));
    case 3: {
        if (next() % 2)                           /* a score: k / 10000 */
            return json_real(round((double)(next() % 10001) / 1e4 * 1e4) / 1e4);
        double m = (double)(next() % 2000000) / 1000.0;
        int e = (int)(next() % 40) - 20;
        double v = m;
        for (; e > 0; e--) v *= 10;
        for (; e < 0; e++) v /= 10;
        return json_real(next() % 2 ? v : -v);
    }
    case 4:
    case 5: {
        size_t n = rand_text(t, sizeof t);
        return json_stringn(t, n);
    }
    case 6: {
        json_t *a = json_array();
        for (size_t i = 0, n = next() % 5; i < n; i++)
            json_array_append_new(a, rand_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (size_t i = 0, n = next() % 5; i < n; i++) {
            size_t kl = rand_text(t, sizeof t);
            json_object_setn_new(o, t, kl, rand_value(depth + 1));
        }
        return o;
    }
    }
}

static void random_trees(void **state)
{
    (void)state;
    for (int i = 0; i < 3000; i++) {
        json_t *o = json_object();
        for (size_t k = 0, n = 1 + next() % 6; k < n; k++) {
            char key[16];
            snprintf(key, sizeof key, "k%zu", (size_t)(next() % 9));
            json_object_set_new(o, key, rand_value(0));
        }
        same(o);
        json_decref(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edge_cases),
        cmocka_unit_test(null_cases),
        cmocka_unit_test(random_trees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
