/* test_list.c -- base/list.h: order of insert_head / insert_tail, removal
 * from anywhere (idempotent, self-linked afterwards), safe iteration while
 * removing, first/last on an empty list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/list.h"

typedef struct item {
    int v;
    ms_list link;
} item;

static void collect(ms_list *h, int *out, int *n)
{
    ms_list *it;
    *n = 0;
    ms_list_foreach(it, h)
        out[(*n)++] = ms_list_entry(it, item, link)->v;
}

static void order_and_remove(void **state)
{
    (void)state;
    ms_list h;
    ms_list_init(&h);
    assert_true(ms_list_empty(&h));
    assert_null(ms_list_first_entry(&h, item, link));
    assert_null(ms_list_last_entry(&h, item, link));
    item a = {.v = 1}, b = {.v = 2}, c = {.v = 3};
    ms_list_insert_tail(&h, &b.link);
    ms_list_insert_head(&h, &a.link);
    ms_list_insert_tail(&h, &c.link);
    int got[4], n;
    collect(&h, got, &n);
    assert_int_equal(n, 3);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 2);
    assert_int_equal(got[2], 3);
    assert_ptr_equal(ms_list_first_entry(&h, item, link), &a);
    assert_ptr_equal(ms_list_last_entry(&h, item, link), &c);
    ms_list_remove(&b.link);
    assert_false(ms_list_linked(&b.link));
    ms_list_remove(&b.link);   /* again: no effect */
    collect(&h, got, &n);
    assert_int_equal(n, 2);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 3);
    assert_true(ms_list_linked(&a.link));
}

static void safe_iteration(void **state)
{
    (void)state;
    ms_list h;
    ms_list_init(&h);
    item v[5];
    for (int i = 0; i < 5; i++) {
        v[i].v = i;
        ms_list_insert_tail(&h, &v[i].link);
    }
    ms_list *it, *tmp;
    ms_list_foreach_safe(it, tmp, &h) {
        item *x = ms_list_entry(it, item, link);
        if (x->v % 2 == 0)
            ms_list_remove(&x->link);
    }
    int got[5], n;
    collect(&h, got, &n);
    assert_int_equal(n, 2);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 3);
    ms_list_foreach_safe(it, tmp, &h)
        ms_list_remove(it);
    assert_true(ms_list_empty(&h));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_and_remove),
        cmocka_unit_test(safe_iteration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
