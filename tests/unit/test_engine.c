/* test_engine.c -- ms_engine without the pipeline: a scripted source and
 * the recording test sink (or a failing / silent one) drive the engine
 * directly. Checked: backpressure (the source is paused exactly when
 * engine.max_inflight_docs / _bytes is reached, never exceeded, and resumed
 * once in-flight falls to engine.resume_pct of the limit), once-mode drain,
 * a graceful stop draining what is in flight (a second ms_engine_stop is
 * idempotent, still graceful), the drain timeout abandoning unconfirmed
 * reports without committing them, and a second SIGTERM forcing the exit
 * (128 + signal) while the first one drains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "plugins.h"
#include "base/config.h"
#include "core/engine.h"
#include "testsink.h"

/* ---- a scripted source (loop thread) ------------------------------------ */

typedef struct script {
    int total;            /* reports to produce */
    size_t size;          /* input_size of each */
    int stop_after_ms;    /* > 0: ms_engine_stop this long after start */
    int notify_fd;        /* >= 0: write one byte here once started */
    const ms_test_record *rec; /* confirmations, to compute what is in flight */
    /* observed */
    int next;             /* produced so far */
    bool paused;
    int pauses, resumes, stops, closes;
    int admitted_at_stop, inflight_at_stop;
    int max_at_pause, min_at_pause; /* in flight when pause() was called */
    int worst_at_resume;  /* the largest in-flight count seen at resume() */
    int first_at_resume;
    int64_t committed;    /* last next_offset, -1 = never */
    int commits;
    ms_engine *e;
    uv_timer_t produce, stopper;
    void (*closed)(ms_source *);
    int open_handles;
    ms_source *self;
} script;

static int inflight(const script *s)
{
    return s->next - (s->rec ? s->rec->n : 0);
}

static void produce(uv_timer_t *t)
{
    script *s = t->data;
    while (!s->paused && s->next < s->total && s->stops == 0) {
        if (!ms_engine_has_room(s->e, s->size))
            return; /* the engine paused us; resume() restarts */
        ms_doc *d = ms_doc_new();
        char id[32];
        snprintf(id, sizeof id, "r%03d", s->next);
        ms_doc_set_id(d, id);
        d->pos.lane = 1;
        d->pos.offset = s->next;
        d->input_size = s->size;
        s->next++;
        ms_engine_submit(s->e, d);
    }
    if (s->next == s->total)
        ms_engine_source_drained(s->e, true);
}

static void fire_stop(uv_timer_t *t)
{
    ms_engine_stop(((script *)t->data)->e);
}

static int src_start(ms_source *src)
{
    script *s = src->state;
    s->e = src->engine;
    s->self = src;
    uv_timer_init(src->loop, &s->produce);
    uv_timer_init(src->loop, &s->stopper);
    s->produce.data = s->stopper.data = s;
    s->open_handles = 2;
    uv_timer_start(&s->produce, produce, 0, 0);
    if (s->stop_after_ms > 0)
        uv_timer_start(&s->stopper, fire_stop, (uint64_t)s->stop_after_ms, 0);
    if (s->notify_fd >= 0) {
        ssize_t w = write(s->notify_fd, "s", 1);
        (void)w;
    }
    return 0;
}

static void src_pause(ms_source *src)
{
    script *s = src->state;
    assert_false(s->paused);
    s->paused = true;
    int n = inflight(s);
    if (s->pauses == 0 || n > s->max_at_pause)
        s->max_at_pause = n;
    if (s->pauses == 0 || n < s->min_at_pause)
        s->min_at_pause = n;
    s->pauses++;
}

static void src_resume(ms_source *src)
{
    script *s = src->state;
    assert_true(s->paused);
    s->paused = false;
    int n = inflight(s);
    if (s->resumes == 0)
        s->first_at_resume = n;
    if (n > s->worst_at_resume)
        s->worst_at_resume = n;
    s->resumes++;
    uv_timer_start(&s->produce, produce, 0, 0);
}

static void src_commit(ms_source *src, uint64_t lane, int64_t next)
{
    script *s = src->state;
    assert_int_equal(lane, 1);
    assert_true(next > s->committed); /* the watermark only moves forward */
    s->committed = next;
    s->commits++;
}

static void src_stop(ms_source *src)
{
    script *s = src->state;
    if (s->stops++ == 0) {
        s->admitted_at_stop = s->next;
        s->inflight_at_stop = inflight(s);
    }
}

static void handle_closed(uv_handle_t *h)
{
    script *s = h->data;
    if (--s->open_handles == 0)
        s->closed(s->self);
}

static void src_close(ms_source *src, void (*done)(ms_source *))
{
    script *s = src->state;
    s->closes++;
    s->closed = done;
    uv_close((uv_handle_t *)&s->produce, handle_closed);
    uv_close((uv_handle_t *)&s->stopper, handle_closed);
}

static void src_destroy(ms_source *src)
{
    free(src);
}

static const ms_source_ops script_ops = {
    .name = "script", .start = src_start, .pause = src_pause, .resume = src_resume,
    .commit = src_commit, .stop = src_stop, .close = src_close, .destroy = src_destroy,
};

/* ---- sinks that fail or never answer ------------------------------------ */

static void fail_write(ms_sink *s, ms_doc *doc, bool dead, ms_sink_done_cb done)
{
    (void)dead;
    done(s, doc, -1, "refused by the test");
}

static void silent_write(ms_sink *s, ms_doc *doc, bool dead, ms_sink_done_cb done)
{
    (void)s, (void)doc, (void)dead, (void)done; /* never confirms */
}

static void free_sink(ms_sink *s) { free(s); }

static const ms_sink_ops fail_ops = {.name = "fail", .write = fail_write, .destroy = free_sink};
static const ms_sink_ops silent_ops = {.name = "silent", .write = silent_write,
                                       .destroy = free_sink};

static ms_sink *odd_sink(const ms_sink_ops *ops)
{
    ms_sink *s = calloc(1, sizeof *s);
    s->ops = ops;
    snprintf(s->name, sizeof s->name, "%s", ops->name);
    s->summaries = s->dead_letters = true;
    return s;
}

/* ---- helpers ------------------------------------------------------------ */

static ms_engine *engine(const char *const kv[][2], size_t n, script *s)
{
    char err[256];
    ms_config *cfg = ms_config_new();
    if (ms_config_set(cfg, "log.level", "error", "t", err, sizeof err) != 0)
        fail_msg("log.level: %s", err);
    for (size_t i = 0; i < n; i++)
        if (ms_config_set(cfg, kv[i][0], kv[i][1], "t", err, sizeof err) != 0)
            fail_msg("%s: %s", kv[i][0], err);
    ms_engine *e = ms_engine_new(cfg, err, sizeof err);
    ms_config_free(cfg);
    if (!e)
        fail_msg("engine: %s", err);
    ms_source *src = calloc(1, sizeof *src);
    src->ops = &script_ops;
    src->state = s;
    s->committed = -1;
    ms_engine_set_source(e, src);
    return e;
}

#define NKV(a) (sizeof(a) / sizeof((a)[0]))

/* ---- backpressure ------------------------------------------------------- */

static void docs_limit_pauses_and_resumes(void **state)
{
    (void)state;
    ms_test_record rec = {0};
    script s = {.total = 60, .size = 100, .notify_fd = -1, .rec = &rec};
    const char *kv[][2] = {{"engine.workers", "2"}, {"engine.max_inflight_docs", "8"},
                           {"engine.resume_pct", "50"}};
    ms_engine *e = engine(kv, NKV(kv), &s);
    ms_engine_add_sink(e, ms_test_sink_new(3, &rec));
    ms_engine_set_once(e, true);
    assert_int_equal(ms_engine_run(e), 0);
    ms_engine_totals t;
    ms_engine_get_totals(e, &t);
    ms_engine_free(e);

    printf("pauses %d resumes %d; at pause %d..%d, at resume <= %d\n", s.pauses, s.resumes,
           s.min_at_pause, s.max_at_pause, s.worst_at_resume);
    assert_true(s.pauses > 1);
    assert_int_equal(t.pauses, (uint64_t)s.pauses);
    /* paused exactly when the 8th report was admitted */
    assert_int_equal(s.min_at_pause, 8);
    assert_int_equal(s.max_at_pause, 8);
    assert_int_equal(t.max_inflight_docs, 8);
    /* resumed as soon as in flight fell to 50 % of 8 (one confirmation at a
     * time, so exactly 4), never earlier */
    assert_int_equal(s.first_at_resume, 4);
    assert_int_equal(s.worst_at_resume, 4);
    assert_int_equal(rec.max_concurrent, 8);
    assert_int_equal(t.delivered, 60);
    assert_int_equal(rec.n, 60);
    assert_int_equal(t.abandoned, 0);
    assert_int_equal(s.committed, 60); /* every offset below 60 delivered */
    assert_int_equal(s.closes, 1);
    ms_test_record_free(&rec);
}

static void bytes_limit_pauses_and_resumes(void **state)
{
    (void)state;
    ms_test_record rec = {0};
    /* 10 reports of 1000 bytes fit in 10 KiB = 10240; the docs limit is
     * far away, so only bytes can pause */
    script s = {.total = 50, .size = 1000, .notify_fd = -1, .rec = &rec};
    const char *kv[][2] = {{"engine.workers", "1"}, {"engine.max_inflight_docs", "1000"},
                           {"engine.max_inflight_bytes", "10240"}, {"engine.resume_pct", "75"}};
    ms_engine *e = engine(kv, NKV(kv), &s);
    ms_engine_add_sink(e, ms_test_sink_new(3, &rec));
    ms_engine_set_once(e, true);
    assert_int_equal(ms_engine_run(e), 0);
    ms_engine_totals t;
    ms_engine_get_totals(e, &t);
    ms_engine_free(e);

    printf("pauses %d; at pause %d..%d; at resume <= %d; max bytes %lld\n", s.pauses,
           s.min_at_pause, s.max_at_pause, s.worst_at_resume, (long long)t.max_inflight_bytes);
    assert_true(s.pauses > 1);
    /* has_room refuses the 11th: 11000 > 10240 */
    assert_int_equal(s.max_at_pause, 10);
    assert_int_equal(s.min_at_pause, 10);
    assert_int_equal(t.max_inflight_bytes, 10000);
    /* resume once bytes <= 75 % of 10240 = 7680: 7 reports (7000 bytes) */
    assert_int_equal(s.first_at_resume, 7);
    assert_int_equal(s.worst_at_resume, 7);
    assert_int_equal(t.delivered, 50);
    assert_int_equal(s.committed, 50);
    ms_test_record_free(&rec);
}

/* One report larger than the bytes limit is still admitted when nothing is
 * in flight (no deadlock), alone. */
static void oversized_report_goes_alone(void **state)
{
    (void)state;
    ms_test_record rec = {0};
    script s = {.total = 3, .size = 5000, .notify_fd = -1, .rec = &rec};
    const char *kv[][2] = {{"engine.workers", "1"}, {"engine.max_inflight_bytes", "1024"}};
    ms_engine *e = engine(kv, NKV(kv), &s);
    ms_engine_add_sink(e, ms_test_sink_new(2, &rec));
    ms_engine_set_once(e, true);
    assert_int_equal(ms_engine_run(e), 0);
    ms_engine_totals t;
    ms_engine_get_totals(e, &t);
    ms_engine_free(e);
    assert_int_equal(t.delivered, 3);
    assert_int_equal(t.max_inflight_docs, 1);
    assert_int_equal(rec.max_concurrent, 1);
    ms_test_record_free(&rec);
}

/* ---- stopping ----------------------------------------------------------- */

typedef struct stop_ctx {
    ms_engine *e;
    int seen, after;
} stop_ctx;

static void stop_on_report(const ms_doc *doc, void *ud)
{
    (void)doc;
    stop_ctx *c = ud;
    if (++c->seen == c->after) {
        ms_engine_stop(c->e);
        ms_engine_stop(c->e); /* a second stop changes nothing */
    }
}

static void stop_drains_in_flight(void **state)
{
    (void)state;
    ms_test_record rec = {0};
    script s = {.total = 1000, .size = 10, .notify_fd = -1, .rec = &rec};
    const char *kv[][2] = {{"engine.workers", "1"}, {"engine.max_inflight_docs", "6"}};
    ms_engine *e = engine(kv, NKV(kv), &s);
    ms_engine_add_sink(e, ms_test_sink_new(20, &rec));
    stop_ctx c = {e, 0, 5};
    ms_engine_on_report(e, stop_on_report, &c);
    ms_engine_set_once(e, false); /* only the stop ends this run */
    assert_int_equal(ms_engine_run(e), 0);
    ms_engine_totals t;
    ms_engine_get_totals(e, &t);
    assert_false(ms_engine_is_running(e));
    ms_engine_free(e);

    printf("admitted %llu, delivered %llu; %d in flight when the stop began\n",
           (unsigned long long)t.admitted, (unsigned long long)t.delivered, s.inflight_at_stop);
    /* nothing admitted once the stop began, and there was work in flight */
    assert_int_equal(t.admitted, (uint64_t)s.admitted_at_stop);
    assert_true(t.admitted < 1000);
    assert_true(s.inflight_at_stop > 0);
    /* everything in flight was drained, nothing abandoned */
    assert_int_equal(t.delivered, t.admitted);
    assert_int_equal(t.abandoned, 0);
    assert_int_equal(rec.n, (int)t.admitted);
    assert_int_equal(s.committed, (int64_t)t.admitted);
    assert_int_equal(s.stops, 1);
    assert_int_equal(s.closes, 1);
    ms_test_record_free(&rec);
}

/* A sink that keeps failing: the engine retries until the drain timeout,
 * then abandons; nothing abandoned is committed. */
static void drain_timeout_abandons(void **state)
{
    (void)state;
    script s = {.total = 4, .size = 10, .stop_after_ms = 50, .notify_fd = -1};
    const char *kv[][2] = {{"engine.workers", "1"}, {"engine.drain_timeout_ms", "300"}};
    ms_engine *e = engine(kv, NKV(kv), &s);
    ms_engine_add_sink(e, odd_sink(&fail_ops));
    ms_engine_set_once(e, false);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(ms_engine_run(e), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms_engine_totals t;
    ms_engine_get_totals(e, &t);
    ms_engine_free(e);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("abandoned %llu, sink errors %llu, %.2f s\n", (unsigned long long)t.abandoned,
           (unsigned long long)t.sink_errors, secs);
    assert_int_equal(t.admitted, 4);
    assert_int_equal(t.abandoned, 4);
    assert_int_equal(t.delivered, 0);
    assert_true(t.sink_errors >= 4);
    assert_int_equal(s.commits, 0);
    assert_int_equal(s.committed, -1);
    /* it waited for the drain timeout (50 ms + 300 ms), not for the sink */
    assert_true(secs >= 0.3);
    assert_true(secs < 10);
}

/* With handled signals, the first SIGTERM drains (here: forever, the sink
 * never answers), the second one exits at once with 128 + SIGTERM. Run in a
 * child process, since that exit is _exit. */
static void second_signal_forces_exit(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        script s = {.total = 3, .size = 10, .notify_fd = fds[1]};
        const char *kv[][2] = {{"engine.workers", "1"}, {"engine.drain_timeout_ms", "600000"}};
        ms_engine *e = engine(kv, NKV(kv), &s);
        ms_engine_add_sink(e, odd_sink(&silent_ops));
        ms_engine_handle_signals(e, true);
        int rc = ms_engine_run(e);
        _exit(rc == 0 ? 3 : 4); /* not reached unless the drain ended */
    }
    close(fds[1]);
    char b;
    assert_int_equal(read(fds[0], &b, 1), 1); /* the source started */
    close(fds[0]);
    usleep(100000);
    kill(pid, SIGTERM);
    usleep(300000);
    int st;
    /* the first signal only starts the drain, which cannot finish */
    assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
    kill(pid, SIGTERM);
    pid_t r = 0;
    for (int i = 0; i < 100 && r == 0; i++) {
        usleep(50000);
        r = waitpid(pid, &st, WNOHANG);
    }
    if (r == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        fail_msg("the second SIGTERM did not end the process");
    }
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 128 + SIGTERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(docs_limit_pauses_and_resumes),
        cmocka_unit_test(bytes_limit_pauses_and_resumes),
        cmocka_unit_test(oversized_report_goes_alone),
        cmocka_unit_test(stop_drains_in_flight),
        cmocka_unit_test(drain_timeout_abandons),
        cmocka_unit_test(second_signal_forces_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
