/* engine.h -- the stream engine: one libuv loop, a worker pool, stages,
 * one source, sinks, backpressure and the delivery rule.
 *
 * Life of a report: the source submits a doc (loop thread) -> CPU stages on
 * a worker (work ring) -> back to the loop (done ring + uv_async) -> loop
 * stages, if any -> every sink -> the delivery tracker marks it done and
 * the source commits the watermark. See docs/architecture.md. */
#ifndef MS_ENGINE_H
#define MS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "core/doc.h"
#include "core/service.h"
#include "core/stage.h"
#include "core/sink.h"
#include "core/source.h"

typedef struct ms_engine ms_engine;

/* Called on the loop thread for every report that reached its sinks
 * (summary or dead letter), after every sink confirmed it. */
typedef void (*ms_report_cb)(const ms_doc *doc, void *ud);

typedef struct ms_engine_totals {
    uint64_t admitted;
    uint64_t delivered;        /* summaries confirmed by every sink */
    uint64_t dead_letters;     /* dead letters confirmed */
    uint64_t abandoned;        /* left unfinished at shutdown (not committed) */
    uint64_t sink_errors;      /* failed writes (retried) */
    uint64_t pauses;           /* times the source was paused */
    int64_t max_inflight_docs; /* high-water marks */
    int64_t max_inflight_bytes;
} ms_engine_totals;

/* Reads engine.* keys. The engine takes ownership of stages, source and
 * sinks added below. */
ms_engine *ms_engine_new(const ms_config *cfg, char *err, size_t errlen);
void ms_engine_free(ms_engine *e);

int ms_engine_add_stage(ms_engine *e, ms_stage *stage);
void ms_engine_set_source(ms_engine *e, ms_source *src);
int ms_engine_add_sink(ms_engine *e, ms_sink *sink);

void ms_engine_set_once(ms_engine *e, bool once);
/* Also restarts the stats timer when the engine runs (SIGHUP reload). */
void ms_engine_set_stats_interval(ms_engine *e, int seconds);
void ms_engine_handle_signals(ms_engine *e, bool on);
/* With signals handled, SIGHUP calls cb on the loop thread (the command
 * reloads its configuration file: cli/reload.c); without cb SIGHUP is
 * logged and ignored. Never a reason to exit. */
void ms_engine_on_reload(ms_engine *e, void (*cb)(ms_engine *e, void *ud), void *ud);
/* Hand cfg to every stage's and started service's reload op (loop thread):
 * they re-read their MS_CFG_LIVE keys. */
void ms_engine_reload_plugins(ms_engine *e, const ms_config *cfg);
void ms_engine_on_report(ms_engine *e, ms_report_cb cb, void *ud);

/* The audit trail's hook (telemetry/audit.c), on the loop thread. record()
 * runs for every report that reached its sinks, after report_cb and before
 * the delivery tracker may commit its position; sync() must make every
 * record so far durable and runs before the source sees any commit (the
 * engine then passes the watermark moves of one loop iteration together:
 * one sync per batch). Non-zero from
 * either: nothing more is committed (that report is abandoned, so its
 * position and every later one on its lane are redelivered) and the engine
 * stops with exit code 1. */
typedef struct ms_engine_audit {
    int (*record)(const ms_doc *doc, void *ud);
    int (*sync)(void *ud);
    void *ud;
} ms_engine_audit;
void ms_engine_set_audit(ms_engine *e, const ms_engine_audit *audit);

/* Run until stopped (signal, ms_engine_stop) or, with once, until the
 * source is drained and everything is delivered and committed. Returns the
 * process exit code. */
int ms_engine_run(ms_engine *e);

/* Graceful stop, callable from any thread (what SIGTERM does). */
void ms_engine_stop(ms_engine *e);

void ms_engine_get_totals(ms_engine *e, ms_engine_totals *out);
/* True from the source's successful start until shutdown begins. */
bool ms_engine_is_running(const ms_engine *e);

/* Add an auxiliary service (core/service.h); the engine owns it from here
 * (destroyed by ms_engine_free, also when this call fails). 0, or -1 when
 * MS_ENGINE_MAX_SERVICES are attached already. */
#define MS_ENGINE_MAX_SERVICES 8
int ms_engine_add_service(ms_engine *e, ms_service *svc);
int ms_engine_workers(const ms_engine *e);
void *ms_engine_loop(ms_engine *e);

/* --- for sources (loop thread) --- */

/* True when a record of `bytes` may be submitted now. False means: stop
 * producing; the engine has paused the source and will call resume(). */
bool ms_engine_has_room(ms_engine *e, size_t bytes);
/* Admit a doc (pos, id and input set). The engine owns it from here. */
void ms_engine_submit(ms_engine *e, ms_doc *doc);
/* The source has no more data for now (drained) or has more again. */
void ms_engine_source_drained(ms_engine *e, bool drained);
/* A partition was revoked: its in-flight records will not be committed;
 * its delivered reports awaiting a commit acknowledgement stop counting
 * against the in-flight limits (the next owner reads them again). */
void ms_engine_forget_lane(ms_engine *e, uint64_t lane);
/* For a source with acks_commits (source.h): the broker acknowledged a
 * commit of next_offset on lane. The delivered reports of lane below it
 * stop counting against the in-flight limits; a stale or repeated
 * acknowledgement releases nothing more. Loop thread. */
void ms_engine_committed(ms_engine *e, uint64_t lane, int64_t next_offset);
/* The source failed for good (e.g. cannot connect): stop with exit code 1. */
void ms_engine_source_failed(ms_engine *e, const char *why);

#endif
