/* engine_internal.h -- the engine's private state, shared by engine.c
 * (flow of docs) and engine_aux.c (handles, metrics, retries, status). */
#ifndef MS_ENGINE_INTERNAL_H
#define MS_ENGINE_INTERNAL_H

#include <stdatomic.h>
#include <uv.h>

#include "core/engine.h"
#include "base/list.h"
#include "base/metrics.h"
#include "core/pool.h"
#include "core/ring.h"
#include "core/tracker.h"

#define MS_ENGINE_MAX_SINKS 8

typedef struct ms_retry {
    uv_timer_t timer;
    struct ms_engine *engine;
    ms_sink *sink;
    ms_doc *doc;
    ms_list link;              /* in engine->retries */
} ms_retry;

typedef struct stage_metrics {
    ms_metric *seconds, *ok, *failed;
} stage_metrics;

typedef struct sink_metrics {
    ms_metric *writes, *errors, *seconds;
} sink_metrics;

struct ms_engine {
    uv_loop_t *loop;
    bool loop_ready;
    uv_async_t wake;
    uv_signal_t sigint, sigterm, sighup;
    void (*reload_cb)(ms_engine *e, void *ud); /* SIGHUP; NULL: nothing to reload */
    void *reload_ud;
    uv_timer_t drain_timer, stats_timer, status_timer;
    bool handles_open;

    int nworkers;
    ms_pool *pool;
    ms_ring *work, *done;
    void **wstate;             /* [worker * MS_MAX_STAGES + stage] */

    ms_stage *stages[MS_MAX_STAGES];
    int nstages;
    stage_metrics stage_m[MS_MAX_STAGES];
    ms_source *source;
    ms_sink *sinks[MS_ENGINE_MAX_SINKS];
    sink_metrics sink_m[MS_ENGINE_MAX_SINKS];
    int nsinks;
    ms_tracker *tracker;
    ms_list retries;           /* ms_retry.link: pending sink retries */
    ms_service *services[MS_ENGINE_MAX_SERVICES];
    bool service_started[MS_ENGINE_MAX_SERVICES];
    int nservices;

    int64_t max_docs, max_bytes, drain_timeout_ms;
    int resume_pct;
    int64_t inflight_docs, inflight_bytes;     /* admitted, not yet delivered */
    /* Delivered, awaiting the source's commit acknowledgement (a source with
     * acks_commits; engine_acks.c): they count against the limits too. */
    int64_t unacked_docs, unacked_bytes;
    struct ms_unacked { uint64_t lane; int64_t offset, bytes; } *unacked;
    size_t nunacked, cap_unacked;
    uint64_t seq;
    bool paused, once, source_drained, handle_signals;
    bool running, stopping, finishing;
    _Atomic bool abandon;
    atomic_bool stop_requested;
    int exit_code;

    int stats_interval_s;
    uint64_t stats_last_ns, stats_last_done;
    ms_engine_totals totals;
    ms_report_cb report_cb;
    void *report_ud;
    ms_engine_audit audit;     /* record == NULL: no audit trail */
    bool audit_failed;         /* a record or sync failed: commit nothing more */
    /* With an audit trail, watermark moves wait here (latest per lane) for
     * one sync of the trail per loop iteration (engine.c, "commits"). */
    struct ms_pending_commit { uint64_t lane; int64_t next; } *pending;
    size_t npending, cap_pending;
    uv_idle_t audit_idle;      /* runs the flush; active while moves wait */
    bool audit_idle_open;

    struct {
        ms_metric *admitted, *delivered, *dead, *abandoned, *commits, *pauses;
        ms_metric *inflight, *inflight_bytes, *inflight_max, *inflight_bytes_max;
        ms_metric *awaiting_commit, *paused, *work_depth, *done_depth, *busy, *e2e;
    } m;
};

void ms__engine_metrics_init(ms_engine *e);
void ms__engine_stage_metrics(ms_engine *e, ms_stage *st);
void ms__engine_sink_metrics(ms_engine *e, ms_sink *s);
void ms__engine_stage_observe(ms_engine *e, int stage, uint64_t ns, bool ok);
void ms__engine_sink_observe(ms_engine *e, ms_sink *s, ms_doc *doc, int status);
void ms__engine_inflight_changed(ms_engine *e);
void ms__engine_paused_changed(ms_engine *e);
void ms__engine_delivered(ms_engine *e, ms_doc *doc);
void ms__engine_committed(ms_engine *e);

/* engine_acks.c: reports delivered but not yet acknowledged as committed
 * (only with a source that has acks_commits). await_ack keeps a delivered
 * doc counted (call before ms_tracker_done: false when the source commits
 * synchronously or the doc's lane was forgotten, then it is released as
 * before); the others release them (the caller then may resume the
 * source). */
bool ms__engine_await_ack(ms_engine *e, const ms_doc *doc);
void ms__engine_acks_release(ms_engine *e, uint64_t lane, int64_t next_offset);
void ms__engine_acks_forget(ms_engine *e, uint64_t lane);
void ms__engine_acks_clear(ms_engine *e);
/* A watermark was handed to the source: if admission is blocked, ask an
 * acking source to commit now (source.h, flush). */
void ms__engine_acks_flush(ms_engine *e);

void ms__engine_retry_later(ms_engine *e, ms_sink *s, ms_doc *doc, uint64_t delay_ms,
                           uv_timer_cb fire);
void ms__engine_retry_unlink(ms_engine *e, ms_retry *r);
void ms__engine_retry_cancel_all(ms_engine *e, void (*abandon)(ms_engine *, ms_doc *));

int ms__engine_open_handles(ms_engine *e, uv_async_cb wake, uv_signal_cb sig);
/* (Re)start the stats timer at e->stats_interval_s (0: stopped). */
void ms__engine_stats_timer_restart(ms_engine *e);
void ms__engine_close_handles(ms_engine *e);
void ms__engine_close_walk(uv_handle_t *h, void *arg);

#endif
