/* test_tracker.c -- ms_tracker: the ordered delivery watermark. Done
 * records out of order advance the watermark only over the leading done
 * run (gaps hold it back), abandoned records block their lane for good,
 * lanes are independent, a forgotten lane never reports again, and the
 * pending count follows add/done/abandon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "core/tracker.h"

/* Every commit callback, in order. */
typedef struct commits {
    int n;
    uint64_t lane[4096];
    int64_t next[4096];
} commits;

static void on_commit(uint64_t lane, int64_t next, void *ud)
{
    commits *c = ud;
    assert_true(c->n < 4096);
    c->lane[c->n] = lane;
    c->next[c->n] = next;
    c->n++;
}

static void gaps_hold_the_watermark(void **state)
{
    (void)state;
    commits c = {0};
    ms_tracker *t = ms_tracker_new(on_commit, &c);
    ms_ticket tk[5];
    /* offsets need not be contiguous: 10, 11, 15, 16, 20 */
    const int64_t off[5] = {10, 11, 15, 16, 20};
    for (int i = 0; i < 5; i++)
        assert_int_equal(ms_tracker_add(t, 7, off[i], &tk[i]), 0);
    assert_int_equal(ms_tracker_pending(t), 5);
    assert_int_equal(ms_tracker_watermark(t, 7), -1);

    /* later records done first: nothing is committable yet */
    ms_tracker_done(t, &tk[2]);
    ms_tracker_done(t, &tk[4]);
    assert_int_equal(c.n, 0);
    assert_int_equal(ms_tracker_watermark(t, 7), -1);
    assert_int_equal(ms_tracker_pending(t), 3);

    /* the head: the watermark moves over 10 only (11 is a gap) */
    ms_tracker_done(t, &tk[0]);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.lane[0], 7);
    assert_int_equal(c.next[0], 11);
    assert_int_equal(ms_tracker_watermark(t, 7), 11);

    /* filling the gap jumps over the done run 11, 15 up to 16 (not done) */
    ms_tracker_done(t, &tk[1]);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.next[1], 16);

    ms_tracker_done(t, &tk[3]);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.next[2], 21); /* everything below 21 is delivered */
    assert_int_equal(ms_tracker_watermark(t, 7), 21);
    assert_int_equal(ms_tracker_pending(t), 0);

    /* a second done on a finished ticket is a no-op */
    ms_tracker_done(t, &tk[3]);
    assert_int_equal(c.n, 3);
    assert_int_equal(ms_tracker_pending(t), 0);
    ms_tracker_free(t);
}

static void abandon_blocks_the_lane(void **state)
{
    (void)state;
    commits c = {0};
    ms_tracker *t = ms_tracker_new(on_commit, &c);
    ms_ticket tk[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(ms_tracker_add(t, 1, i, &tk[i]), 0);
    ms_tracker_done(t, &tk[0]);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.next[0], 1);

    ms_tracker_abandon(t, &tk[1]);
    assert_int_equal(ms_tracker_pending(t), 2);
    assert_int_equal(c.n, 1); /* an abandoned record is not delivered */
    ms_tracker_done(t, &tk[2]);
    ms_tracker_done(t, &tk[3]);
    /* done records after the abandoned one never pass it */
    assert_int_equal(c.n, 1);
    assert_int_equal(ms_tracker_watermark(t, 1), 1);
    assert_int_equal(ms_tracker_pending(t), 0);

    /* later records on the same lane stay behind it too */
    ms_ticket more;
    assert_int_equal(ms_tracker_add(t, 1, 4, &more), 0);
    ms_tracker_done(t, &more);
    assert_int_equal(c.n, 1);
    assert_int_equal(ms_tracker_watermark(t, 1), 1);
    ms_tracker_free(t);
}

static void lanes_are_independent(void **state)
{
    (void)state;
    commits c = {0};
    ms_tracker *t = ms_tracker_new(on_commit, &c);
    ms_ticket a0, a1, b0;
    assert_int_equal(ms_tracker_add(t, 100, 0, &a0), 0);
    assert_int_equal(ms_tracker_add(t, 200, 50, &b0), 0);
    assert_int_equal(ms_tracker_add(t, 100, 1, &a1), 0);
    ms_tracker_abandon(t, &a0);  /* lane 100 is stuck ... */
    ms_tracker_done(t, &b0);     /* ... lane 200 is not */
    ms_tracker_done(t, &a1);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.lane[0], 200);
    assert_int_equal(c.next[0], 51);
    assert_int_equal(ms_tracker_watermark(t, 100), -1);
    assert_int_equal(ms_tracker_watermark(t, 200), 51);
    assert_int_equal(ms_tracker_watermark(t, 300), -1); /* unknown lane */
    ms_tracker_free(t);
}

static void forgotten_lane_is_silent(void **state)
{
    (void)state;
    commits c = {0};
    ms_tracker *t = ms_tracker_new(on_commit, &c);
    ms_ticket tk[2];
    assert_int_equal(ms_tracker_add(t, 3, 0, &tk[0]), 0);
    assert_int_equal(ms_tracker_add(t, 3, 1, &tk[1]), 0);
    ms_tracker_forget(t, 3);
    assert_int_equal(ms_tracker_watermark(t, 3), -1);
    /* in-flight records finish after the revoke: no commit for that lane */
    ms_tracker_done(t, &tk[0]);
    ms_tracker_done(t, &tk[1]);
    assert_int_equal(c.n, 0);
    assert_int_equal(ms_tracker_pending(t), 0);

    /* the lane re-assigned later starts afresh */
    ms_ticket again;
    assert_int_equal(ms_tracker_add(t, 3, 2, &again), 0);
    ms_tracker_done(t, &again);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.next[0], 3);
    ms_tracker_free(t);
}

/* Many records in flight (the lane's ring grows) finished in reverse: one
 * commit, at the end, to the last offset + 1. */
static void grows_and_commits_once(void **state)
{
    (void)state;
    enum { N = 1000 };
    commits c = {0};
    ms_tracker *t = ms_tracker_new(on_commit, &c);
    ms_ticket *tk = calloc(N, sizeof *tk);
    for (int i = 0; i < N; i++)
        assert_int_equal(ms_tracker_add(t, 9, 1000 + i, &tk[i]), 0);
    for (int i = N - 1; i >= 1; i--)
        ms_tracker_done(t, &tk[i]);
    assert_int_equal(c.n, 0);
    assert_int_equal(ms_tracker_pending(t), 1);
    ms_tracker_done(t, &tk[0]);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.next[0], 1000 + N);
    free(tk);
    ms_tracker_free(t);
}

/* Without a callback the watermark still moves; freeing after every record
 * finished or was abandoned leaks nothing (checked by the ASan build). */
static void no_callback_then_free(void **state)
{
    (void)state;
    ms_tracker *t = ms_tracker_new(NULL, NULL);
    ms_ticket tk;
    assert_int_equal(ms_tracker_add(t, 1, 0, &tk), 0);
    ms_tracker_abandon(t, &tk);
    assert_int_equal(ms_tracker_add(t, 2, 0, &tk), 0);
    ms_tracker_done(t, &tk); /* no callback set: fine */
    assert_int_equal(ms_tracker_watermark(t, 2), 1);
    ms_tracker_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gaps_hold_the_watermark),
        cmocka_unit_test(abandon_blocks_the_lane),
        cmocka_unit_test(lanes_are_independent),
        cmocka_unit_test(forgotten_lane_is_silent),
        cmocka_unit_test(grows_and_commits_once),
        cmocka_unit_test(no_callback_then_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
