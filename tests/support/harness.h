/* harness.h -- run the configured pipeline once in a test: build it with
 * ms_pipeline_build, optionally attach the recording test sink, run, and
 * hand back the engine's totals. Every integration test that drives a whole
 * pipeline goes through ms_test_pipeline_run, so "build, attach, run, count"
 * is written once. */
#ifndef MS_HARNESS_H
#define MS_HARNESS_H

#include <stdbool.h>

#include "base/config.h"
#include "core/engine.h"
#include "testsink.h"

typedef struct ms_test_run_opts {
    /* Stop when the source is drained and everything is delivered
     * (ms_engine_set_once); false runs until ms_engine_stop. */
    bool once;
    /* When non-NULL, a test sink recording into it is added after the
     * configured sinks (the record outlives the run; free it with
     * ms_test_record_free). */
    ms_test_record *rec;
    int sink_delay_ms; /* the test sink's confirmation delay (0: at once) */
    /* When > 0, ms_engine_stop after this many reports reached their sinks
     * (a graceful stop, as SIGTERM). */
    int stop_after;
    /* Called after the engine is built and before it runs (e.g. to start a
     * thread that stops it), and after the run returns, before the engine is
     * freed (e.g. to join that thread). Either may be NULL. */
    void (*before_run)(ms_engine *e, void *ud);
    void (*after_run)(ms_engine *e, void *ud);
    void *ud;
} ms_test_run_opts;

/* Build the pipeline cfg describes, run it with opts (NULL: once, no test
 * sink), free the engine and return its totals. Fails the current cmocka
 * test when the build fails or ms_engine_run does not return 0. cfg stays
 * the caller's. */
ms_engine_totals ms_test_pipeline_run(const ms_config *cfg, const ms_test_run_opts *opts);

#endif
