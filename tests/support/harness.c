/* harness.c -- see harness.h. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pipeline.h"

typedef struct stopper {
    ms_engine *e;
    int stop_after, seen;
} stopper;

static void on_report(const ms_doc *doc, void *ud)
{
    (void)doc;
    stopper *s = ud;
    if (++s->seen == s->stop_after)
        ms_engine_stop(s->e);
}

ms_engine_totals ms_test_pipeline_run(const ms_config *cfg, const ms_test_run_opts *opts)
{
    static const ms_test_run_opts defaults = {.once = true};
    if (!opts)
        opts = &defaults;
    char err[1024];
    ms_engine *e = ms_pipeline_build(cfg, err, sizeof err);
    if (!e)
        fail_msg("build: %s", err);
    if (opts->rec)
        ms_engine_add_sink(e, ms_test_sink_new(opts->sink_delay_ms, opts->rec));
    stopper s = {e, opts->stop_after, 0};
    if (opts->stop_after > 0)
        ms_engine_on_report(e, on_report, &s);
    ms_engine_set_once(e, opts->once);
    if (opts->before_run)
        opts->before_run(e, opts->ud);
    int rc = ms_engine_run(e);
    if (opts->after_run)
        opts->after_run(e, opts->ud);
    ms_engine_totals t;
    ms_engine_get_totals(e, &t);
    ms_engine_free(e);
    assert_int_equal(rc, 0);
    return t;
}
