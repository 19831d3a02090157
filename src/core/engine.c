/* engine.c -- the stream engine: loop, workers, backpressure, delivery.
 *
 * Threads: the loop thread runs everything in this file except worker_run()
 * and the pool hooks, which run on worker threads. Docs cross between them
 * only through the two rings:
 *
 *   work ring (loop -> workers)   done ring (workers -> loop, + uv_async)
 *
 * Both rings are sized above engine.max_inflight_docs, and a doc occupies at
 * most one ring slot at a time, so a push can never find a ring full. */
#include "core/engine.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "base/errbuf.h"
#include "core/engine_internal.h"
#include "base/backoff.h"
#include "base/log.h"
#include "base/metrics.h"
#include "core/cpus.h"
#include "core/pool.h"
#include "core/ring.h"
#include "core/tracker.h"

static void dispatch(ms_engine *e, ms_doc *doc);
static void check_finish(ms_engine *e);
static void on_commit(uint64_t lane, int64_t next_offset, void *ud);
static void begin_stop(ms_engine *e);
static void abandon_all(ms_engine *e);

/* engine.workers = 0: one worker per CPU the process may use (cpus.h). */
static int default_workers(void)
{
    char why[512];
    int n = ms_cpus_available(why, sizeof why);
    ms_log(MS_LOG_INFO, "workers from the CPUs available", KI("workers", n), KS("reason", why),
           KEND);
    return n;
}

ms_engine *ms_engine_new(const ms_config *cfg, char *err, size_t errlen)
{
    ms_engine *e = calloc(1, sizeof *e);
    if (!e) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    ms_list_init(&e->retries);
    e->nworkers = (int)ms_config_int(cfg, "engine.workers");
    if (e->nworkers <= 0)
        e->nworkers = default_workers();
    else
        ms_log(MS_LOG_INFO, "workers from engine.workers", KI("workers", e->nworkers), KEND);
    e->max_docs = ms_config_int(cfg, "engine.max_inflight_docs");
    e->max_bytes = ms_config_int(cfg, "engine.max_inflight_bytes");
    e->resume_pct = (int)ms_config_int(cfg, "engine.resume_pct");
    e->drain_timeout_ms = ms_config_int(cfg, "engine.drain_timeout_ms");
    e->stats_interval_s = (int)ms_config_int(cfg, "stats.interval_s");
    e->loop = calloc(1, sizeof(uv_loop_t));
    e->work = ms_ring_new((size_t)e->max_docs + 1);
    e->done = ms_ring_new((size_t)e->max_docs + 1);
    e->tracker = ms_tracker_new(on_commit, e);
    if (!e->loop || !e->work || !e->done || !e->tracker || uv_loop_init(e->loop) != 0) {
        ms_errf(err, errlen, "cannot create the engine (out of memory?)");
        free(e->loop);
        e->loop = NULL;
        ms_engine_free(e);
        return NULL;
    }
    e->loop_ready = true;
    ms__engine_metrics_init(e);
    return e;
}

void ms_engine_free(ms_engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->nstages; i++)
        if (e->stages[i]->ops->destroy)
            e->stages[i]->ops->destroy(e->stages[i]);
    for (int i = 0; i < e->nsinks; i++)
        if (e->sinks[i]->ops->destroy)
            e->sinks[i]->ops->destroy(e->sinks[i]);
    if (e->source && e->source->ops->destroy)
        e->source->ops->destroy(e->source);
    if (e->loop_ready) {
        /* Close anything a component left behind so the loop can close. */
        uv_walk(e->loop, ms__engine_close_walk, NULL);
        uv_run(e->loop, UV_RUN_DEFAULT);
    }
    for (int i = 0; i < e->nservices; i++)
        e->services[i]->ops->destroy(e->services[i]);
    if (e->loop_ready)
        uv_loop_close(e->loop);
    free(e->loop);
    ms_ring_free(e->work);
    ms_ring_free(e->done);
    ms_tracker_free(e->tracker);
    free(e->pending);
    free(e->unacked);
    free(e->wstate);
    free(e);
}

int ms_engine_add_stage(ms_engine *e, ms_stage *stage)
{
    if (e->nstages == MS_MAX_STAGES)
        return -1;
    stage->index = e->nstages;
    e->stages[e->nstages++] = stage;
    ms__engine_stage_metrics(e, stage);
    return 0;
}

void ms_engine_set_source(ms_engine *e, ms_source *src)
{
    e->source = src;
    src->engine = e;
    src->loop = e->loop;
}

int ms_engine_add_sink(ms_engine *e, ms_sink *sink)
{
    if (e->nsinks == MS_ENGINE_MAX_SINKS)
        return -1;
    e->sinks[e->nsinks++] = sink;
    ms__engine_sink_metrics(e, sink);
    return 0;
}

void ms_engine_set_once(ms_engine *e, bool once) { e->once = once; }
void ms_engine_set_stats_interval(ms_engine *e, int s)
{
    e->stats_interval_s = s;
    if (e->handles_open)
        ms__engine_stats_timer_restart(e);
}

void ms_engine_on_reload(ms_engine *e, void (*cb)(ms_engine *e, void *ud), void *ud)
{
    e->reload_cb = cb;
    e->reload_ud = ud;
}

void ms_engine_reload_plugins(ms_engine *e, const ms_config *cfg)
{
    for (int i = 0; i < e->nstages; i++)
        if (e->stages[i]->ops->reload)
            e->stages[i]->ops->reload(e->stages[i], cfg);
    for (int i = 0; i < e->nservices; i++)
        if (e->service_started[i] && e->services[i]->ops->reload)
            e->services[i]->ops->reload(e->services[i], cfg);
}
void ms_engine_handle_signals(ms_engine *e, bool on) { e->handle_signals = on; }
int ms_engine_workers(const ms_engine *e) { return e->nworkers; }
void *ms_engine_loop(ms_engine *e) { return e->loop; }

void ms_engine_on_report(ms_engine *e, ms_report_cb cb, void *ud)
{
    e->report_cb = cb;
    e->report_ud = ud;
}

void ms_engine_set_audit(ms_engine *e, const ms_engine_audit *audit)
{
    e->audit = *audit;
}

/* The audit trail could not be written: a committed report must always
 * have its record, so commit nothing more and stop (exit 1). */
static void audit_failed(ms_engine *e)
{
    if (e->audit_failed)
        return;
    e->audit_failed = true;
    ms_log(MS_LOG_ERROR, "audit trail not writable: committing nothing more and stopping", KEND);
    e->exit_code = 1;
    begin_stop(e);
}

void ms_engine_get_totals(ms_engine *e, ms_engine_totals *out)
{
    *out = e->totals;
}

bool ms_engine_is_running(const ms_engine *e)
{
    return e->running && !e->stopping && !e->finishing;
}

int ms_engine_add_service(ms_engine *e, ms_service *svc)
{
    if (e->nservices == MS_ENGINE_MAX_SERVICES) {
        svc->ops->destroy(svc);
        return -1;
    }
    e->services[e->nservices++] = svc;
    return 0;
}

/* ---- workers ---------------------------------------------------------- */

static void **wstate_slot(ms_engine *e, int worker, int stage)
{
    return &e->wstate[worker * MS_MAX_STAGES + stage];
}

/* Runs on a worker thread: every consecutive CPU stage, back to back. */
static void worker_run(void *ud, int w, void *item)
{
    ms_engine *e = ud;
    ms_doc *doc = item;
    while (doc->stage < e->nstages && !doc->reason && !atomic_load(&e->abandon)) {
        ms_stage *st = e->stages[doc->stage];
        if (st->ops->kind != MS_STAGE_CPU)
            break;
        uint64_t t0 = ms_now_ns();
        int rc = st->ops->process(st, *wstate_slot(e, w, doc->stage), doc);
        uint64_t dt = ms_now_ns() - t0;
        doc->stage_ms[doc->stage] = (double)dt / 1e6;
        ms__engine_stage_observe(e, doc->stage, dt, rc == 0 && !doc->reason);
        if (rc != 0 && !doc->reason)
            ms_doc_fail(doc, st->ops->name, "internal", "stage returned an error without a reason");
        doc->stage++;
    }
    if (doc->reason && !atomic_load(&e->abandon)) {
        ms_doc_release_work(doc);
        ms_doc_render_dead_letter(doc);
    }
    while (!ms_ring_push(e->done, doc))
        sched_yield(); /* cannot happen: the ring holds every in-flight doc */
    uv_async_send(&e->wake);
}

static int start_workers(ms_engine *e)
{
    e->wstate = calloc((size_t)e->nworkers * MS_MAX_STAGES, sizeof(void *));
    if (!e->wstate)
        return -1;
    /* Per-worker stage state is created here, on the loop thread, so a
     * failure is reported before any thread starts. */
    for (int w = 0; w < e->nworkers; w++)
        for (int i = 0; i < e->nstages; i++) {
            ms_stage *st = e->stages[i];
            if (st->ops->kind == MS_STAGE_CPU && st->ops->worker_init &&
                st->ops->worker_init(st, w, wstate_slot(e, w, i)) != 0) {
                ms_log(MS_LOG_ERROR, "cannot initialise stage for worker",
                       KS("stage", st->ops->name), KI("worker", w), KEND);
                return -1;
            }
        }
    ms_pool_hooks hooks = {.run = worker_run, .ud = e};
    e->pool = ms_pool_new(e->nworkers, e->work, &hooks);
    return e->pool ? 0 : -1;
}

static void stop_workers(ms_engine *e)
{
    ms_pool_free(e->pool);
    e->pool = NULL;
    if (!e->wstate)
        return;
    for (int w = 0; w < e->nworkers; w++)
        for (int i = 0; i < e->nstages; i++) {
            ms_stage *st = e->stages[i];
            void **slot = wstate_slot(e, w, i);
            if (*slot && st->ops->worker_fini)
                st->ops->worker_fini(st, *slot);
            *slot = NULL;
        }
}

/* ---- admission and backpressure -------------------------------------- */

/* What counts against the limits: the reports in the pipeline and the
 * delivered ones awaiting their commit acknowledgement (engine_acks.c). */
static bool at_limit(ms_engine *e, size_t bytes)
{
    int64_t docs = e->inflight_docs + e->unacked_docs;
    if (docs == 0)
        return false; /* never deadlock on one report larger than the limit */
    return docs >= e->max_docs ||
           e->inflight_bytes + e->unacked_bytes + (int64_t)bytes > e->max_bytes;
}

static void pause_source(ms_engine *e)
{
    if (e->paused || e->finishing)
        return;
    e->paused = true;
    e->totals.pauses++;
    ms__engine_paused_changed(e);
    if (e->source && e->source->ops->pause)
        e->source->ops->pause(e->source);
    ms__engine_acks_flush(e); /* blocked by reports awaiting their commit */
}

static void maybe_resume(ms_engine *e)
{
    if (!e->paused || e->stopping)
        return;
    if ((e->inflight_docs + e->unacked_docs) * 100 > e->max_docs * e->resume_pct ||
        (e->inflight_bytes + e->unacked_bytes) * 100 > e->max_bytes * e->resume_pct)
        return;
    e->paused = false;
    ms__engine_paused_changed(e);
    if (e->source && e->source->ops->resume)
        e->source->ops->resume(e->source);
}

bool ms_engine_has_room(ms_engine *e, size_t bytes)
{
    if (e->stopping)
        return false;
    if (at_limit(e, bytes)) {
        pause_source(e);
        return false;
    }
    return true;
}

void ms_engine_submit(ms_engine *e, ms_doc *doc)
{
    if (ms_tracker_add(e->tracker, doc->pos.lane, doc->pos.offset, &doc->ticket) != 0) {
        ms_log(MS_LOG_ERROR, "out of memory admitting a report", KS("id", doc->id), KEND);
        ms_doc_free(doc);
        return;
    }
    doc->seq = ++e->seq;
    doc->admitted_ns = ms_now_ns();
    e->inflight_docs++;
    e->inflight_bytes += (int64_t)doc->input_size;
    e->totals.admitted++;
    ms_counter_add(e->m.admitted, 1);
    ms__engine_inflight_changed(e);
    if (at_limit(e, 0))
        pause_source(e);
    dispatch(e, doc);
}

void ms_engine_source_drained(ms_engine *e, bool drained)
{
    e->source_drained = drained;
    check_finish(e);
}

void ms_engine_forget_lane(ms_engine *e, uint64_t lane)
{
    size_t j = 0;
    for (size_t i = 0; i < e->npending; i++)
        if (e->pending[i].lane != lane)
            e->pending[j++] = e->pending[i];
    e->npending = j;
    ms_tracker_forget(e->tracker, lane);
    ms__engine_acks_forget(e, lane);
    maybe_resume(e);
}

void ms_engine_committed(ms_engine *e, uint64_t lane, int64_t next_offset)
{
    ms__engine_acks_release(e, lane, next_offset);
    maybe_resume(e);
}

void ms_engine_source_failed(ms_engine *e, const char *why)
{
    ms_log(MS_LOG_ERROR, "source failed", KS("reason", why), KEND);
    e->exit_code = 1;
    begin_stop(e);
}

/* ---- moving docs between stages -------------------------------------- */

static void release(ms_engine *e, ms_doc *doc)
{
    e->inflight_docs--;
    e->inflight_bytes -= (int64_t)doc->input_size;
    ms__engine_inflight_changed(e);
    ms_doc_free(doc);
    maybe_resume(e);
    check_finish(e);
}

static void abandon_doc(ms_engine *e, ms_doc *doc)
{
    ms_tracker_abandon(e->tracker, &doc->ticket);
    e->totals.abandoned++;
    ms_counter_add(e->m.abandoned, 1);
    release(e, doc);
}

static void completed(ms_engine *e, ms_doc *doc)
{
    /* The audit record goes first: the tracker may commit below. */
    if (e->audit.record && (e->audit_failed || e->audit.record(doc, e->audit.ud) != 0)) {
        audit_failed(e);
        abandon_doc(e, doc);
        return;
    }
    bool dead = doc->reason != NULL;
    if (dead) {
        e->totals.dead_letters++;
        ms_log(MS_LOG_WARN, "dead letter", KS("id", doc->id), KS("stage", doc->failed_stage),
               KS("reason", doc->reason), KS("detail", doc->message), KEND);
    } else {
        e->totals.delivered++;
        ms_log(MS_LOG_DEBUG, "report delivered", KS("id", doc->id), KI("pages", doc->npages),
               KI("chars", (long long)doc->text_chars), KEND);
    }
    ms__engine_delivered(e, doc);
    if (e->report_cb)
        e->report_cb(doc, e->report_ud);
    /* With an acking source it stays counted until its commit is
     * acknowledged; counted first: the tracker may commit (and flush). */
    ms__engine_await_ack(e, doc);
    /* May call the source's commit(). */
    ms_tracker_done(e->tracker, &doc->ticket);
    release(e, doc);
}

static void sink_write(ms_engine *e, ms_sink *s, ms_doc *doc);

static void retry_fire(uv_timer_t *t)
{
    ms_retry *r = t->data;
    ms_engine *e = r->engine;
    ms__engine_retry_unlink(e, r);
    ms_doc *doc = r->doc;
    ms_sink *s = r->sink;
    uv_close((uv_handle_t *)&r->timer, (uv_close_cb)free);
    if (e->abandon) {
        if (--doc->sinks_pending == 0)
            abandon_doc(e, doc);
        return;
    }
    sink_write(e, s, doc);
}

static void sink_done(ms_sink *s, ms_doc *doc, int status, const char *error)
{
    ms_engine *e = doc->engine_ref;
    ms__engine_sink_observe(e, s, doc, status);
    if (status != 0) {
        e->totals.sink_errors++;
        doc->sink_errors++;
        if (!e->abandon) {
            /* Exponential backoff, 100 ms doubling to 30 s (docs/sinks.md):
             * 100 ms * 2^sink_errors, so the first retry waits 200 ms;
             * never dropped. The shared computation, but without the
             * jitter of aws/retry.c, on purpose: the AWS sinks already
             * retry each request with full jitter inside ms_aws_send, and
             * this outer loop, which re-runs a document's whole write once
             * those are spent, keeps the documented deterministic
             * schedule (the logged retry_ms is the actual wait). */
            uint64_t delay = (uint64_t)ms_backoff_exp(100, doc->sink_errors + 1, 30000);
            ms_log(MS_LOG_WARN, "sink write failed; will retry", KS("id", doc->id),
                   KS("sink", s->name), KS("error", error ? error : "unknown"),
                   KI("retry_ms", (long long)delay), KEND);
            ms__engine_retry_later(e, s, doc, delay, retry_fire);
            return;
        }
        if (--doc->sinks_pending == 0)
            abandon_doc(e, doc);
        return;
    }
    if (--doc->sinks_pending == 0) {
        if (doc->sink_errors && e->abandon)
            abandon_doc(e, doc);
        else
            completed(e, doc);
    }
}

static void sink_write(ms_engine *e, ms_sink *s, ms_doc *doc)
{
    s->ops->write(s, doc, doc->reason != NULL, sink_done);
}

static void deliver(ms_engine *e, ms_doc *doc)
{
    bool dead = doc->reason != NULL;
    if (dead && !doc->output) {
        ms_doc_release_work(doc);
        ms_doc_render_dead_letter(doc);
    }
    doc->state = MS_DOC_SINK;
    doc->engine_ref = e;
    int n = 0;
    for (int i = 0; i < e->nsinks; i++)
        if (dead ? e->sinks[i]->dead_letters : e->sinks[i]->summaries)
            n++;
    if (n == 0) {
        ms_log(MS_LOG_WARN, "no sink accepts this record; counted as delivered",
               KS("id", doc->id), KS("kind", dead ? "dead_letter" : "summary"), KEND);
        completed(e, doc);
        return;
    }
    /* One extra count while we loop: a sink may confirm synchronously. */
    doc->sinks_pending = n + 1;
    doc->sink_started_ns = ms_now_ns();
    for (int i = 0; i < e->nsinks; i++)
        if (dead ? e->sinks[i]->dead_letters : e->sinks[i]->summaries)
            sink_write(e, e->sinks[i], doc);
    if (--doc->sinks_pending == 0)
        completed(e, doc);
}

static void loop_stage_done(ms_stage *st, ms_doc *doc)
{
    ms_engine *e = doc->engine_ref;
    uint64_t dt = ms_now_ns() - doc->stage_started_ns;
    doc->stage_ms[doc->stage] = (double)dt / 1e6;
    ms__engine_stage_observe(e, doc->stage, dt, !doc->reason);
    doc->stage++;
    dispatch(e, doc);
}

static void dispatch(ms_engine *e, ms_doc *doc)
{
    doc->engine_ref = e;
    if (e->abandon) {
        abandon_doc(e, doc);
        return;
    }
    if (doc->reason || doc->stage >= e->nstages) {
        deliver(e, doc);
        return;
    }
    ms_stage *st = e->stages[doc->stage];
    if (st->ops->kind == MS_STAGE_CPU) {
        doc->state = MS_DOC_WORK;
        while (!ms_ring_push(e->work, doc))
            sched_yield(); /* cannot happen, see the top of this file */
        ms_pool_notify(e->pool);
    } else {
        doc->state = MS_DOC_LOOP;
        doc->stage_started_ns = ms_now_ns();
        st->ops->start(st, doc, loop_stage_done);
    }
}

static void on_wake(uv_async_t *a)
{
    ms_engine *e = a->data;
    ms_doc *doc;
    while ((doc = ms_ring_pop(e->done)))
        dispatch(e, doc);
    if (atomic_load(&e->stop_requested) && !e->stopping)
        begin_stop(e);
}

/* ---- commit, stop, finish -------------------------------------------- */

static void commit_now(ms_engine *e, uint64_t lane, int64_t next_offset)
{
    ms__engine_committed(e);
    if (e->source && e->source->ops->commit)
        e->source->ops->commit(e->source, lane, next_offset);
    ms__engine_acks_flush(e);
}

/* With an audit trail, every record must be durable before its position
 * moves. Syncing at each watermark move would cost one fdatasync per report
 * on the loop thread, so moves are kept (the latest per lane) and passed to
 * the source together, after ONE sync, from an idle callback: once per loop
 * iteration, i.e. per batch of reports that finished together. The active
 * idle handle keeps the loop from blocking while moves wait. The kept moves
 * are flushed before the source is stopped or closed; those of a forgotten
 * (revoked) lane are dropped: redelivered, as its in-flight reports are. */
static void flush_commits(ms_engine *e)
{
    if (e->audit_idle_open)
        uv_idle_stop(&e->audit_idle);
    size_t n = e->npending;
    if (n == 0)
        return;
    e->npending = 0;
    if (e->audit_failed || e->audit.sync(e->audit.ud) != 0) {
        audit_failed(e);
        return;
    }
    for (size_t i = 0; i < n; i++)
        commit_now(e, e->pending[i].lane, e->pending[i].next);
}

static void on_audit_idle(uv_idle_t *h)
{
    flush_commits(h->data);
}

static void on_commit(uint64_t lane, int64_t next_offset, void *ud)
{
    ms_engine *e = ud;
    if (!e->audit.sync) {
        commit_now(e, lane, next_offset);
        return;
    }
    if (e->audit_failed)
        return;
    size_t i = 0;
    while (i < e->npending && e->pending[i].lane != lane)
        i++;
    if (i == e->npending && e->npending == e->cap_pending) {
        size_t cap = e->cap_pending ? 2 * e->cap_pending : 16;
        struct ms_pending_commit *p = realloc(e->pending, cap * sizeof *p);
        if (!p) {
            /* Out of memory: this move alone, synced now. */
            flush_commits(e);
            if (!e->audit_failed && e->audit.sync(e->audit.ud) == 0)
                commit_now(e, lane, next_offset);
            else
                audit_failed(e);
            return;
        }
        e->pending = p;
        e->cap_pending = cap;
    }
    if (i == e->npending)
        e->npending++;
    e->pending[i].lane = lane;
    e->pending[i].next = next_offset; /* watermarks only move forward */
    if (e->audit_idle_open)
        uv_idle_start(&e->audit_idle, on_audit_idle);
    else
        flush_commits(e); /* the loop's handles are gone: no batching */
}

static void on_drain_timeout(uv_timer_t *t)
{
    ms_engine *e = t->data;
    ms_log(MS_LOG_WARN, "drain timeout: abandoning unfinished reports (they will be redelivered)",
           KI("in_flight", e->inflight_docs), KEND);
    abandon_all(e);
}

static void abandon_all(ms_engine *e)
{
    e->abandon = true;
    for (int i = 0; i < e->nstages; i++)
        if (e->stages[i]->ops->abort_all)
            e->stages[i]->ops->abort_all(e->stages[i]);
    ms__engine_retry_cancel_all(e, abandon_doc);
    check_finish(e);
}

static void begin_stop(ms_engine *e)
{
    if (e->stopping)
        return;
    e->stopping = true;
    ms_log(MS_LOG_INFO, "stopping: draining in-flight reports",
           KI("in_flight", e->inflight_docs), KI("drain_timeout_ms", e->drain_timeout_ms), KEND);
    flush_commits(e);
    if (e->source && e->source->ops->stop)
        e->source->ops->stop(e->source);
    if (e->inflight_docs > 0) {
        if (e->drain_timeout_ms == 0) {
            abandon_all(e);
            return;
        }
        uv_timer_start(&e->drain_timer, on_drain_timeout, (uint64_t)e->drain_timeout_ms, 0);
    }
    check_finish(e);
}

void ms_engine_stop(ms_engine *e)
{
    atomic_store(&e->stop_requested, true);
    uv_async_send(&e->wake);
}

static void on_signal(uv_signal_t *h, int signum)
{
    ms_engine *e = h->data;
    if (signum == SIGHUP) {
        if (e->stopping)
            ms_log(MS_LOG_WARN, "SIGHUP while stopping: not reloading", KEND);
        else if (e->reload_cb)
            e->reload_cb(e, e->reload_ud);
        else
            ms_log(MS_LOG_WARN, "SIGHUP: no configuration file to reload; ignored", KEND);
        return;
    }
    if (e->stopping) {
        /* Second signal: leave at once; unfinished work is not committed. */
        static const char msg[] = "second signal: exiting without committing unfinished work\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(128 + signum);
    }
    ms_log(MS_LOG_INFO, "signal received", KS("signal", signum == SIGINT ? "SIGINT" : "SIGTERM"), KEND);
    begin_stop(e);
}

static void source_closed(ms_source *src)
{
    ms_engine *e = src->engine;
    ms__engine_close_handles(e);
}

static void check_finish(ms_engine *e)
{
    if (e->finishing || !e->running)
        return;
    bool want = e->stopping || (e->once && e->source_drained);
    if (!want || e->inflight_docs > 0)
        return;
    e->finishing = true;
    flush_commits(e);
    /* Nothing more is admitted; close() commits synchronously. */
    ms__engine_acks_clear(e);
    if (!e->stopping && e->source && e->source->ops->stop)
        e->source->ops->stop(e->source);
    ms_log(MS_LOG_INFO, "finished", KI("delivered", (long long)e->totals.delivered),
           KI("dead_letters", (long long)e->totals.dead_letters),
           KI("abandoned", (long long)e->totals.abandoned), KEND);
    if (e->source && e->source->ops->close)
        e->source->ops->close(e->source, source_closed);
    else
        ms__engine_close_handles(e);
}

int ms_engine_run(ms_engine *e)
{
    for (int i = 0; i < e->nsinks; i++)
        if (e->sinks[i]->ops->attach && e->sinks[i]->ops->attach(e->sinks[i], e->loop) != 0)
            return 1;
    for (int i = 0; i < e->nstages; i++)
        if (e->stages[i]->ops->kind == MS_STAGE_LOOP && e->stages[i]->ops->attach &&
            e->stages[i]->ops->attach(e->stages[i], e->loop) != 0)
            return 1;
    if (ms__engine_open_handles(e, on_wake, on_signal) != 0)
        return 1;
    /* For the audit trail's commit batches (inactive until used; the audit
     * service hooks itself in when it starts, below). */
    uv_idle_init(e->loop, &e->audit_idle);
    e->audit_idle.data = e;
    e->audit_idle_open = true;
    bool required_failed = false;
    for (int i = 0; i < e->nservices; i++) {
        e->service_started[i] = !e->services[i]->ops->start ||
                                e->services[i]->ops->start(e->services[i], e, e->loop) == 0;
        if (!e->service_started[i] && e->services[i]->required) {
            ms_log(MS_LOG_ERROR, "a required service did not start; not starting",
                   KS("service", e->services[i]->ops->name), KEND);
            required_failed = true;
        }
    }
    if (required_failed || start_workers(e) != 0) {
        ms__engine_close_handles(e);
        uv_run(e->loop, UV_RUN_DEFAULT);
        stop_workers(e);
        return 1;
    }
    e->running = true;
    ms_log(MS_LOG_INFO, "started", KS("source", e->source ? e->source->ops->name : "none"),
           KI("workers", e->nworkers), KI("max_inflight_docs", e->max_docs),
           KI("max_inflight_bytes", e->max_bytes), KEND);
    if (!e->source || e->source->ops->start(e->source) != 0) {
        e->exit_code = 1;
        begin_stop(e);
    }
    uv_run(e->loop, UV_RUN_DEFAULT);
    e->running = false;
    stop_workers(e);
    /* Anything a worker pushed after the loop ended (abandon path). */
    ms_doc *doc;
    while ((doc = ms_ring_pop(e->done)) || (doc = ms_ring_pop(e->work)))
        ms_doc_free(doc);
    ms_log_status(NULL);
    return e->exit_code;
}
