/* engine_aux.c -- the engine's handles, metrics, sink retries and the
 * periodic stats line / live status. The flow of docs is in engine.c. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/engine_internal.h"
#include "base/log.h"

/* ---- metrics ---------------------------------------------------------- */

void ms__engine_metrics_init(ms_engine *e)
{
    e->m.admitted = ms_counter("medstream_reports_admitted_total", "",
                               "Reports admitted from the source");
    e->m.delivered = ms_counter("medstream_reports_delivered_total", "status=\"ok\"",
                                "Reports confirmed by every sink");
    e->m.dead = ms_counter("medstream_reports_delivered_total", "status=\"dead_letter\"",
                           "Reports confirmed by every sink");
    e->m.abandoned = ms_counter("medstream_reports_abandoned_total", "",
                                "Reports left unfinished at shutdown (redelivered later)");
    e->m.commits = ms_counter("medstream_source_commits_total", "",
                              "Watermark advances handed to the source");
    e->m.pauses = ms_counter("medstream_source_pauses_total", "",
                             "Times backpressure paused the source");
    e->m.inflight = ms_gauge("medstream_inflight_reports", "",
                             "Reports counted against engine.max_inflight_docs: admitted, not yet "
                             "delivered, or delivered with their commit not yet acknowledged");
    e->m.inflight_bytes = ms_gauge("medstream_inflight_bytes", "", "Input bytes of those reports");
    e->m.awaiting_commit = ms_gauge("medstream_awaiting_commit_reports", "",
                                    "Of those, delivered reports whose offset commit the broker "
                                    "has not yet acknowledged (Kafka source)");
    e->m.inflight_max = ms_gauge("medstream_inflight_reports_max", "",
                                 "High-water mark of in-flight reports");
    e->m.inflight_bytes_max = ms_gauge("medstream_inflight_bytes_max", "",
                                       "High-water mark of in-flight bytes");
    e->m.paused = ms_gauge("medstream_source_paused", "", "1 while backpressure pauses the source");
    e->m.work_depth = ms_gauge("medstream_queue_depth", "queue=\"work\"", "Reports waiting in a ring");
    e->m.done_depth = ms_gauge("medstream_queue_depth", "queue=\"done\"", "Reports waiting in a ring");
    e->m.busy = ms_gauge("medstream_workers_busy", "", "Workers running a stage");
    e->m.e2e = ms_histogram("medstream_report_seconds", "",
                            "Admission to delivery, per report");
}

void ms__engine_stage_metrics(ms_engine *e, ms_stage *st)
{
    char labels[96];
    snprintf(labels, sizeof labels, "stage=\"%s\"", st->ops->name);
    stage_metrics *m = &e->stage_m[st->index];
    m->seconds = ms_histogram("medstream_stage_seconds", labels, "Time a report spent in a stage");
    m->ok = ms_counter("medstream_stage_reports_total", labels, "Reports a stage finished");
    m->failed = ms_counter("medstream_stage_errors_total", labels, "Reports a stage failed");
}

void ms__engine_sink_metrics(ms_engine *e, ms_sink *s)
{
    char labels[96];
    snprintf(labels, sizeof labels, "sink=\"%s\"", s->name);
    sink_metrics *m = &e->sink_m[e->nsinks - 1];
    s->metrics = m;
    m->writes = ms_counter("medstream_sink_writes_total", labels, "Confirmed sink writes");
    m->errors = ms_counter("medstream_sink_errors_total", labels, "Failed sink writes (retried)");
    m->seconds = ms_histogram("medstream_sink_seconds", labels, "Sink write latency");
}

void ms__engine_stage_observe(ms_engine *e, int stage, uint64_t ns, bool ok)
{
    stage_metrics *m = &e->stage_m[stage];
    ms_histogram_observe_ns(m->seconds, ns);
    ms_counter_add(ok ? m->ok : m->failed, 1);
}

void ms__engine_sink_observe(ms_engine *e, ms_sink *s, ms_doc *doc, int status)
{
    sink_metrics *m = s->metrics;
    ms_counter_add(status == 0 ? m->writes : m->errors, 1);
    /* From delivery to this sink's confirmation, failed attempts and the
     * backoff between them included: what a report waits for the sink. */
    if (status == 0 && doc->sink_started_ns)
        ms_histogram_observe_ns(m->seconds, ms_now_ns() - doc->sink_started_ns);
}

void ms__engine_inflight_changed(ms_engine *e)
{
    /* What counts against the limits: in the pipeline, or delivered and
     * awaiting the acknowledgement of its commit (engine_acks.c). */
    int64_t docs = e->inflight_docs + e->unacked_docs;
    int64_t bytes = e->inflight_bytes + e->unacked_bytes;
    ms_gauge_set(e->m.inflight, docs);
    ms_gauge_set(e->m.inflight_bytes, bytes);
    ms_gauge_set(e->m.awaiting_commit, e->unacked_docs);
    ms_gauge_max(e->m.inflight_max, docs);
    ms_gauge_max(e->m.inflight_bytes_max, bytes);
    if (docs > e->totals.max_inflight_docs)
        e->totals.max_inflight_docs = docs;
    if (bytes > e->totals.max_inflight_bytes)
        e->totals.max_inflight_bytes = bytes;
}

void ms__engine_paused_changed(ms_engine *e)
{
    ms_gauge_set(e->m.paused, e->paused ? 1 : 0);
    if (e->paused)
        ms_counter_add(e->m.pauses, 1);
}

void ms__engine_delivered(ms_engine *e, ms_doc *doc)
{
    ms_counter_add(doc->reason ? e->m.dead : e->m.delivered, 1);
    if (doc->reason) {
        /* By reason too; the reasons are a small fixed set of codes
         * (doc.h), so each series is registered once, at its first use. */
        char l[96];
        snprintf(l, sizeof l, "reason=\"%s\"", doc->reason);
        ms_counter_add(ms_counter("medstream_dead_letters_total", l,
                                  "Dead letters by reason (docs/operations.md)"), 1);
    }
    ms_histogram_observe_ns(e->m.e2e, ms_now_ns() - doc->admitted_ns);
}

void ms__engine_committed(ms_engine *e)
{
    ms_counter_add(e->m.commits, 1);
}

/* ---- sink retries ----------------------------------------------------- */

void ms__engine_retry_later(ms_engine *e, ms_sink *s, ms_doc *doc, uint64_t delay_ms,
                           uv_timer_cb fire)
{
    ms_retry *r = calloc(1, sizeof *r);
    if (!r)
        abort(); /* out of memory for a 200-byte timer: nothing sane left */
    r->engine = e;
    r->sink = s;
    r->doc = doc;
    ms_list_insert_head(&e->retries, &r->link);
    uv_timer_init(e->loop, &r->timer);
    r->timer.data = r;
    uv_timer_start(&r->timer, fire, delay_ms, 0);
}

void ms__engine_retry_unlink(ms_engine *e, ms_retry *r)
{
    (void)e;
    ms_list_remove(&r->link);
}

void ms__engine_retry_cancel_all(ms_engine *e, void (*abandon)(ms_engine *, ms_doc *))
{
    while (!ms_list_empty(&e->retries)) {
        ms_retry *r = ms_list_entry(e->retries.next, ms_retry, link);
        ms__engine_retry_unlink(e, r);
        uv_timer_stop(&r->timer);
        ms_doc *doc = r->doc;
        uv_close((uv_handle_t *)&r->timer, (uv_close_cb)free);
        if (--doc->sinks_pending == 0)
            abandon(e, doc);
    }
}

/* ---- stats line and live status -------------------------------------- */

static void refresh_gauges(ms_engine *e)
{
    ms_gauge_set(e->m.work_depth, (int64_t)ms_ring_size(e->work));
    ms_gauge_set(e->m.done_depth, (int64_t)ms_ring_size(e->done));
    ms_gauge_set(e->m.busy, e->pool ? ms_pool_busy(e->pool) : 0);
}

static double rate_since_last(ms_engine *e)
{
    uint64_t now = ms_now_ns();
    uint64_t done = e->totals.delivered + e->totals.dead_letters;
    double dt = (double)(now - e->stats_last_ns) / 1e9;
    double rate = dt > 0 ? (double)(done - e->stats_last_done) / dt : 0;
    e->stats_last_ns = now;
    e->stats_last_done = done;
    return rate;
}

static void on_stats(uv_timer_t *t)
{
    ms_engine *e = t->data;
    refresh_gauges(e);
    ms_log(MS_LOG_INFO, "stats", KF("reports_per_s", rate_since_last(e)),
           KI("in_flight", e->inflight_docs), KI("in_flight_bytes", e->inflight_bytes),
           KI("work_queue", (long long)ms_ring_size(e->work)),
           KI("done_queue", (long long)ms_ring_size(e->done)),
           KI("busy_workers", e->pool ? ms_pool_busy(e->pool) : 0),
           KI("delivered", (long long)e->totals.delivered),
           KI("dead_letters", (long long)e->totals.dead_letters),
           KI("sink_errors", (long long)e->totals.sink_errors),
           KS("paused", e->paused ? "true" : "false"), KEND);
}

static void add_throttles(ms_metric *m, void *ud)
{
    if (m->type == MS_METRIC_COUNTER && strstr(m->labels, "outcome=\"throttle\"") &&
        strcmp(m->name, "medstream_comprehend_attempts_total") == 0)
        *(uint64_t *)ud += ms_metric_count(m);
}

static void on_status(uv_timer_t *t)
{
    ms_engine *e = t->data;
    static uint64_t last_ns, last_done;
    uint64_t now = ms_now_ns();
    uint64_t done = e->totals.delivered + e->totals.dead_letters;
    double rate = last_ns ? (double)(done - last_done) * 1e9 / (double)(now - last_ns) : 0;
    last_ns = now;
    last_done = done;
    refresh_gauges(e);
    uint64_t throttles = 0;
    ms_metrics_foreach(add_throttles, &throttles);
    char line[256];
    snprintf(line, sizeof line,
             "medstream: %llu reports (%.1f/s)  in flight %lld/%lld  %s  throttles %llu  dead letters %llu  sink errors %llu",
             (unsigned long long)done, rate, (long long)e->inflight_docs, (long long)e->max_docs,
             e->paused ? "PAUSED" : "flowing", (unsigned long long)throttles,
             (unsigned long long)e->totals.dead_letters,
             (unsigned long long)e->totals.sink_errors);
    ms_log_status(line);
}

/* ---- handles ---------------------------------------------------------- */

int ms__engine_open_handles(ms_engine *e, uv_async_cb wake, uv_signal_cb sig)
{
    if (uv_async_init(e->loop, &e->wake, wake) != 0)
        return -1;
    e->wake.data = e;
    uv_timer_init(e->loop, &e->drain_timer);
    e->drain_timer.data = e;
    uv_timer_init(e->loop, &e->stats_timer);
    e->stats_timer.data = e;
    uv_timer_init(e->loop, &e->status_timer);
    e->status_timer.data = e;
    uv_signal_init(e->loop, &e->sigint);
    e->sigint.data = e;
    uv_signal_init(e->loop, &e->sigterm);
    e->sigterm.data = e;
    uv_signal_init(e->loop, &e->sighup);
    e->sighup.data = e;
    e->handles_open = true;
    if (e->handle_signals) {
        uv_signal_start(&e->sigint, sig, SIGINT);
        uv_signal_start(&e->sigterm, sig, SIGTERM);
        uv_signal_start(&e->sighup, sig, SIGHUP); /* reload, never a kill */
    }
    e->stats_last_ns = ms_now_ns();
    ms__engine_stats_timer_restart(e);
    if (isatty(2))
        uv_timer_start(&e->status_timer, on_status, 500, 500);
    return 0;
}

void ms__engine_stats_timer_restart(ms_engine *e)
{
    uv_timer_stop(&e->stats_timer);
    if (e->stats_interval_s > 0)
        uv_timer_start(&e->stats_timer, on_stats, (uint64_t)e->stats_interval_s * 1000,
                       (uint64_t)e->stats_interval_s * 1000);
}

static void close_one(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void ms__engine_close_handles(ms_engine *e)
{
    if (!e->handles_open)
        return;
    e->handles_open = false;
    close_one((uv_handle_t *)&e->wake);
    close_one((uv_handle_t *)&e->drain_timer);
    close_one((uv_handle_t *)&e->stats_timer);
    close_one((uv_handle_t *)&e->status_timer);
    close_one((uv_handle_t *)&e->sigint);
    close_one((uv_handle_t *)&e->sigterm);
    close_one((uv_handle_t *)&e->sighup);
    if (e->audit_idle_open)
        close_one((uv_handle_t *)&e->audit_idle);
    e->audit_idle_open = false;
    for (int i = 0; i < e->nservices; i++) {
        if (e->service_started[i] && e->services[i]->ops->stop)
            e->services[i]->ops->stop(e->services[i]);
        e->service_started[i] = false;
    }
    ms_log_status(NULL);
}

void ms__engine_close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    close_one(h);
}
