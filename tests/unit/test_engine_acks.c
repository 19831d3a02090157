/* test_engine_acks.c -- the hard in-flight bound with a source whose
 * commits are asynchronous (source.h, acks_commits): a scripted source on
 * one lane that acknowledges a commit only when the engine asks it to
 * flush, a few milliseconds later (a broker round trip). Checked: admitted
 * minus acknowledged never exceeds engine.max_inflight_docs (a delivered
 * report keeps counting until its commit is acknowledged), the engine asks
 * for the commit when such reports block admission (without that flush
 * the run would wait for ever: the watchdog fails it), every report is
 * delivered once; and a forgotten (revoked) lane releases its
 * unacknowledged reports, so admission goes on without any
 * acknowledgement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "plugins.h"
#include "base/config.h"
#include "core/engine.h"
#include "testsink.h"

typedef struct acker {
    int total, limit;
    bool ack;              /* acknowledge flushed commits (else never) */
    int forget_after_ms;   /* > 0: forget the lane this long after a flush */
    ms_engine *e;
    ms_source *self;
    bool paused;
    int next;              /* admitted so far (offsets 0..next-1) */
    int64_t commit_next;   /* latest watermark handed to commit() */
    int64_t acked;         /* latest acknowledged next offset */
    int worst;             /* max of admitted - acknowledged */
    int flushes, forgets;
    int admitted_at_forget;
    bool timed_out;
    uv_timer_t produce, ack_timer, watchdog, forget_timer;
    int open_handles;
    void (*closed)(ms_source *);
} acker;

static void produce(uv_timer_t *t)
{
    acker *s = t->data;
    while (!s->paused && s->next < s->total) {
        if (!ms_engine_has_room(s->e, 10))
            return;
        ms_doc *d = ms_doc_new();
        char id[32];
        snprintf(id, sizeof id, "a%03d", s->next);
        ms_doc_set_id(d, id);
        d->pos.lane = 1;
        d->pos.offset = s->next;
        d->input_size = 10;
        s->next++;
        int64_t base = s->acked < 0 ? 0 : s->acked;
        if (s->next - base > s->worst)
            s->worst = (int)(s->next - base);
        ms_engine_submit(s->e, d);
    }
    if (s->next == s->total)
        ms_engine_source_drained(s->e, true);
}

static void fire_ack(uv_timer_t *t)
{
    acker *s = t->data;
    s->acked = s->commit_next;
    ms_engine_committed(s->e, 1, s->commit_next);
}

static void fire_forget(uv_timer_t *t)
{
    acker *s = t->data;
    if (s->forgets++ == 0)
        s->admitted_at_forget = s->next;
    ms_engine_forget_lane(s->e, 1);
}

static void fire_watchdog(uv_timer_t *t)
{
    acker *s = t->data;
    s->timed_out = true;
    ms_engine_stop(s->e);
}

static int a_start(ms_source *src)
{
    acker *s = src->state;
    s->e = src->engine;
    s->self = src;
    uv_timer_t *ts[] = {&s->produce, &s->ack_timer, &s->watchdog, &s->forget_timer};
    for (int i = 0; i < 4; i++) {
        uv_timer_init(src->loop, ts[i]);
        ts[i]->data = s;
    }
    s->open_handles = 4;
    uv_timer_start(&s->produce, produce, 0, 0);
    uv_timer_start(&s->watchdog, fire_watchdog, 20000, 0);
    return 0;
}

static void a_pause(ms_source *src) { ((acker *)src->state)->paused = true; }

static void a_resume(ms_source *src)
{
    acker *s = src->state;
    s->paused = false;
    uv_timer_start(&s->produce, produce, 0, 0);
}

static void a_commit(ms_source *src, uint64_t lane, int64_t next)
{
    acker *s = src->state;
    assert_int_equal(lane, 1);
    s->commit_next = next;
}

/* The engine is blocked by unacknowledged reports: "commit now"; the
 * acknowledgement comes 5 ms later, like a broker's answer. */
static void a_flush(ms_source *src)
{
    acker *s = src->state;
    s->flushes++;
    if (s->ack && !uv_is_active((uv_handle_t *)&s->ack_timer))
        uv_timer_start(&s->ack_timer, fire_ack, 5, 0);
    if (s->forget_after_ms > 0 && !uv_is_active((uv_handle_t *)&s->forget_timer))
        uv_timer_start(&s->forget_timer, fire_forget, (uint64_t)s->forget_after_ms, 0);
}

static void a_stop(ms_source *src) { (void)src; }

static void handle_closed(uv_handle_t *h)
{
    acker *s = h->data;
    if (--s->open_handles == 0)
        s->closed(s->self);
}

static void a_close(ms_source *src, void (*done)(ms_source *))
{
    acker *s = src->state;
    s->closed = done;
    uv_close((uv_handle_t *)&s->produce, handle_closed);
    uv_close((uv_handle_t *)&s->ack_timer, handle_closed);
    uv_close((uv_handle_t *)&s->watchdog, handle_closed);
    uv_close((uv_handle_t *)&s->forget_timer, handle_closed);
}

static void a_destroy(ms_source *src) { free(src); }

static const ms_source_ops acker_ops = {
    .name = "acker", .start = a_start, .pause = a_pause, .resume = a_resume,
    .commit = a_commit, .stop = a_stop, .close = a_close, .destroy = a_destroy,
    .acks_commits = true, .flush = a_flush,
};

static ms_engine *engine(acker *s, ms_test_record *rec)
{
    char err[256], lim[16];
    ms_config *cfg = ms_config_new();
    snprintf(lim, sizeof lim, "%d", s->limit);
    const char *kv[][2] = {{"log.level", "error"}, {"engine.workers", "2"},
                           {"engine.max_inflight_docs", lim}, {"engine.resume_pct", "50"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (ms_config_set(cfg, kv[i][0], kv[i][1], "t", err, sizeof err) != 0)
            fail_msg("%s: %s", kv[i][0], err);
    ms_engine *e = ms_engine_new(cfg, err, sizeof err);
    ms_config_free(cfg);
    if (!e)
        fail_msg("engine: %s", err);
    ms_source *src = calloc(1, sizeof *src);
    src->ops = &acker_ops;
    src->state = s;
    s->commit_next = s->acked = -1;
    ms_engine_set_source(e, src);
    ms_engine_add_sink(e, ms_test_sink_new(1, rec));
    ms_engine_set_once(e, true);
    return e;
}

static void counted_until_acknowledged(void **state)
{
    (void)state;
    ms_test_record rec = {0};
    acker s = {.total = 60, .limit = 4, .ack = true};
    ms_engine *e = engine(&s, &rec);
    assert_int_equal(ms_engine_run(e), 0);
    ms_engine_totals t;
    ms_engine_get_totals(e, &t);
    ms_engine_free(e);
    printf("admitted - acknowledged <= %d (limit %d), %d flushes, max counted %lld\n", s.worst,
           s.limit, s.flushes, (long long)t.max_inflight_docs);
    assert_false(s.timed_out);
    assert_int_equal(t.delivered, 60);
    assert_int_equal(rec.n, 60);
    for (int i = 0; i < 60; i++) {
        char id[32];
        snprintf(id, sizeof id, "a%03d", i);
        assert_int_equal(ms_test_record_count(&rec, id), 1);
    }
    assert_true(s.worst <= s.limit);
    assert_true(t.max_inflight_docs <= s.limit);
    assert_true(s.flushes > 0);
    ms_test_record_free(&rec);
}

static void forgotten_lane_releases(void **state)
{
    (void)state;
    ms_test_record rec = {0};
    acker s = {.total = 12, .limit = 4, .ack = false, .forget_after_ms = 200};
    ms_engine *e = engine(&s, &rec);
    assert_int_equal(ms_engine_run(e), 0);
    ms_engine_totals t;
    ms_engine_get_totals(e, &t);
    ms_engine_free(e);
    printf("admitted %d before the forget (limit %d), %d in all\n", s.admitted_at_forget,
           s.limit, s.next);
    assert_false(s.timed_out);
    /* without acknowledgements nothing past the limit was admitted until
     * the lane was forgotten (after the first and the second batch) ... */
    assert_int_equal(s.forgets, 2);
    assert_int_equal(s.admitted_at_forget, s.limit);
    /* ... and the forget released them: everything went through */
    assert_int_equal(t.delivered, 12);
    assert_int_equal(rec.n, 12);
    ms_test_record_free(&rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counted_until_acknowledged),
        cmocka_unit_test(forgotten_lane_releases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
