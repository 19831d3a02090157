/* test_plugin_registry.c -- a component is one file plus one registry line.
 *
 * This file is that "one file": a throwaway sink, stage and service are
 * declared here with their own configuration keys and registered through
 * the public registry API (the registry line), and then the ordinary
 * machinery -- configuration, check-config, the pipeline builder, the key
 * reference, --help -- picks them up with no edit anywhere else. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/errbuf.h"
#include "core/engine.h"
#include "core/plugin.h"
#include "harness.h"
#include "pipeline.h"
#include "plugins.h"
#include "testutil.h"

/* ---- a throwaway sink: counts what it is given -------------------------- */

typedef struct counting {
    int summaries, dead_letters;
    char label[32];
} counting;

static counting *last_counting; /* the sink the last pipeline built */
static int counting_closed;     /* destroyed sinks, to see ownership */
static int counting_final_summaries, counting_final_dead_letters;

static void counting_write(ms_sink *sink, ms_doc *doc, bool dead_letter, ms_sink_done_cb done)
{
    counting *c = sink->state;
    if (dead_letter)
        c->dead_letters++;
    else
        c->summaries++;
    done(sink, doc, 0, NULL);
}

static void counting_destroy(ms_sink *sink)
{
    counting *c = sink->state;
    counting_final_summaries = c->summaries;
    counting_final_dead_letters = c->dead_letters;
    counting_closed++;
    if (last_counting == c)
        last_counting = NULL;
    free(c);
    free(sink);
}

static const ms_sink_ops counting_ops = {
    .name = "counting",
    .write = counting_write,
    .destroy = counting_destroy,
};

static int counting_check(const ms_config *cfg, char *err, size_t errlen)
{
    if (strcmp(ms_config_str(cfg, "sink.counting.label"), "bad") == 0) {
        ms_errf(err, errlen, "sink.counting.label: 'bad' is refused");
        return -1;
    }
    return 0;
}

static ms_sink *counting_new(const ms_config *cfg, char *err, size_t errlen)
{
    if (counting_check(cfg, err, errlen) != 0)
        return NULL;
    ms_sink *s = calloc(1, sizeof *s);
    counting *c = calloc(1, sizeof *c);
    if (!s || !c) {
        free(s);
        free(c);
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(c->label, sizeof c->label, "%s", ms_config_str(cfg, "sink.counting.label"));
    s->ops = &counting_ops;
    s->state = c;
    snprintf(s->name, sizeof s->name, "counting");
    last_counting = c;
    return s;
}

static const ms_cfg_key counting_keys[] = {
    MS_KEY_STR("sink.counting.label", "plain", "A label the throwaway sink keeps."),
    {0},
};

static const ms_plugin counting_plugin = {
    .name = "counting",
    .kind = MS_PLUGIN_SINK,
    .description = "counts summaries and dead letters (test)",
    .keys = counting_keys,
    .check = counting_check,
    .create.sink = counting_new,
};

/* ---- a throwaway stage: an alternative to the assemble slot's default --- */

static int stamped; /* docs the throwaway stage saw */

static int stamp_process(ms_stage *st, void *wstate, ms_doc *doc)
{
    (void)st;
    (void)wstate;
    (void)doc;
    __atomic_add_fetch(&stamped, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static void stamp_destroy(ms_stage *st)
{
    free(st);
}

static const ms_stage_ops stamp_ops = {
    .name = "stamp",
    .kind = MS_STAGE_CPU,
    .process = stamp_process,
    .destroy = stamp_destroy,
};

static ms_stage *stamp_new(const ms_config *cfg, char *err, size_t errlen)
{
    (void)cfg;
    ms_stage *st = calloc(1, sizeof *st);
    if (!st)
        ms_errf(err, errlen, "out of memory");
    else
        st->ops = &stamp_ops;
    return st;
}

/* Two stages in one new slot "audit": `audit.engine` is generated. */
static const ms_plugin stamp_plugin = {
    .name = "stamp",
    .kind = MS_PLUGIN_STAGE,
    .slot = "audit",
    .description = "counts the reports it sees (test)",
    .create.stage = stamp_new,
};
static const ms_plugin stamp_off_plugin = {
    .name = "off",
    .kind = MS_PLUGIN_STAGE,
    .slot = "audit",
    .description = "counts nothing (test)",
    .create.stage = stamp_new, /* same code; what matters is which one is chosen */
};

/* ---- a throwaway service: started and stopped with the engine ----------- */

static int svc_started, svc_stopped, svc_destroyed;

static int svc_start(ms_service *svc, ms_engine *e, void *loop)
{
    (void)svc;
    (void)e;
    (void)loop;
    svc_started++;
    return 0;
}

static void svc_stop(ms_service *svc)
{
    (void)svc;
    svc_stopped++;
}

static void svc_destroy(ms_service *svc)
{
    svc_destroyed++;
    free(svc);
}

static const ms_service_ops svc_ops = {
    .name = "ticker", .start = svc_start, .stop = svc_stop, .destroy = svc_destroy};

static bool svc_enabled(const ms_config *cfg)
{
    return ms_config_bool(cfg, "ticker.on");
}

static ms_service *svc_new(const ms_config *cfg, char *err, size_t errlen)
{
    (void)cfg;
    ms_service *s = calloc(1, sizeof *s);
    if (!s)
        ms_errf(err, errlen, "out of memory");
    else
        s->ops = &svc_ops;
    return s;
}

static const ms_cfg_key svc_keys[] = {
    MS_KEY_BOOL("ticker.on", "false", "Start the throwaway service."),
    {0},
};

static const ms_plugin svc_plugin = {
    .name = "ticker",
    .kind = MS_PLUGIN_SERVICE,
    .description = "a service that only counts its starts (test)",
    .keys = svc_keys,
    .enabled = svc_enabled,
    .create.service = svc_new,
};

/* ---- tests -------------------------------------------------------------- */

static char *inbox;
static int nsamples;

static int setup(void **state)
{
    (void)state;
    char err[256];
    /* The registry lines. */
    if (ms_plugins_register(&counting_plugin, err, sizeof err) != 0 ||
        ms_plugins_register(&stamp_plugin, err, sizeof err) != 0 ||
        ms_plugins_register(&stamp_off_plugin, err, sizeof err) != 0 ||
        ms_plugins_register(&svc_plugin, err, sizeof err) != 0) {
        fprintf(stderr, "register: %s\n", err);
        return -1;
    }
    inbox = ms_test_tmpdir("registry");
    if (!inbox || ms_test_make_samples(inbox) != 0)
        return -1;
    nsamples = 0;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls %s/*.pdf | wc -l", inbox);
    FILE *p = popen(cmd, "r");
    if (!p || fscanf(p, "%d", &nsamples) != 1)
        nsamples = 0;
    if (p)
        pclose(p);
    return nsamples > 0 ? 0 : -1;
}

static ms_config *config(const char *sinks, const char *audit, bool ticker)
{
    char err[256];
    ms_config *cfg = ms_config_new();
    assert_non_null(cfg);
    const char *kv[][2] = {
        {"source.type", "dir"},     {"source.path", inbox},   {"sink.type", sinks},
        {"audit.engine", audit},    {"http.listen", "off"},   {"log.level", "warn"},
        {"ticker.on", ticker ? "true" : "false"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (ms_config_set(cfg, kv[i][0], kv[i][1], "test", err, sizeof err) != 0)
            fail_msg("%s=%s: %s", kv[i][0], kv[i][1], err);
    return cfg;
}

/* The throwaway sink receives every report of a real pipeline, its key is a
 * configuration key like any other, and the engine owns and frees it. */
static void test_pipeline_through_registered_sink(void **state)
{
    (void)state;
    ms_config *cfg = config("counting", "stamp", true);
    char err[256];
    assert_int_equal(ms_config_set(cfg, "sink.counting.label", "ward-7", "t", err, sizeof err), 0);
    assert_int_equal(ms_pipeline_check(cfg, err, sizeof err), 0);
    int closed = counting_closed;
    stamped = 0;
    svc_started = svc_stopped = 0;
    int destroyed = svc_destroyed;
    ms_engine_totals t = ms_test_pipeline_run(cfg, NULL);
    assert_int_equal((int)t.delivered, nsamples);
    assert_int_equal(counting_closed, closed + 1);
    assert_int_equal(counting_final_summaries, nsamples);
    assert_int_equal(counting_final_dead_letters, 0);
    assert_int_equal(stamped, nsamples);          /* the chosen audit stage ran */
    assert_int_equal(svc_started, 1);             /* the enabled service ran */
    assert_int_equal(svc_stopped, 1);
    assert_int_equal(svc_destroyed, destroyed + 1);
    ms_config_free(cfg);
}

/* `<slot>.engine` picks among alternatives; a disabled service is not built. */
static void test_slot_choice_and_disabled_service(void **state)
{
    (void)state;
    ms_config *cfg = config("counting", "off", false);
    char err[256];
    ms_stage *stages[MS_MAX_STAGES];
    int n = ms_pipeline_stages(cfg, stages, MS_MAX_STAGES, err, sizeof err);
    assert_true(n > 0);
    assert_string_equal(stages[n - 1]->ops->name, "stamp"); /* registered stages run last */
    assert_string_equal(stages[0]->pipeline_names[n - 1], "stamp");
    for (int i = 0; i < n; i++)
        stages[i]->ops->destroy(stages[i]);

    /* audit.engine = off: the "off" stage runs; it is the same code, so
     * count how many reports the one chosen stage saw. */
    stamped = 0;
    int started = svc_started;
    ms_engine_totals t = ms_test_pipeline_run(cfg, NULL);
    assert_int_equal((int)t.delivered, nsamples);
    assert_int_equal(stamped, nsamples); /* one stage per slot, never both */
    assert_int_equal(svc_started, started);
    ms_config_free(cfg);

    /* A name that is not a plugin of the slot is refused by the key itself. */
    cfg = ms_config_new();
    assert_int_not_equal(ms_config_set(cfg, "audit.engine", "nope", "t", err, sizeof err), 0);
    assert_non_null(strstr(err, "stamp"));
    ms_config_free(cfg);
}

/* Choices, errors, check-config, the key reference and --help all come from
 * the registry: the new names appear without an edit anywhere else. */
static void test_generated_messages_and_docs(void **state)
{
    (void)state;
    char err[256];
    ms_config *cfg = config("file,nosuch", "stamp", false);
    assert_int_not_equal(ms_pipeline_check(cfg, err, sizeof err), 0);
    assert_string_equal(err, "sink.type: 'nosuch' is not one of file, s3, sns, kafka, counting");
    assert_int_equal(ms_config_set(cfg, "sink.type", "counting", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "sink.counting.label", "bad", "t", err, sizeof err), 0);
    assert_int_not_equal(ms_pipeline_check(cfg, err, sizeof err), 0);
    assert_string_equal(err, "sink.counting.label: 'bad' is refused");
    assert_null(ms_pipeline_build(cfg, err, sizeof err));
    assert_string_equal(err, "sink.counting.label: 'bad' is refused");
    assert_int_equal(ms_config_set(cfg, "dlq.type", "elsewhere", "t", err, sizeof err), 0);
    assert_int_not_equal(ms_pipeline_check(cfg, err, sizeof err), 0);
    assert_string_equal(err, "dlq.type: 'elsewhere' is not same or one of file, s3, sns, kafka, "
                             "counting");
    ms_config_free(cfg);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ms_plugins_describe(f);
    fclose(f);
    assert_non_null(strstr(buf, "\n### sink `counting`\n\ncounts summaries and dead letters (test)."));
    assert_non_null(strstr(buf, "| `sink.counting.label` | string | `plain` |"));
    assert_non_null(strstr(buf, "| `audit.engine` | enum: `stamp`, `off` | `stamp` | Which audit "
                                "stage runs: `stamp` = counts the reports it sees (test); `off` ="));
    assert_non_null(strstr(buf, "| `sink.type` | string of `file`, `s3`, `sns`, `kafka`, `counting` |"));
    free(buf);

    f = open_memstream(&buf, &len);
    ms_plugins_list(f);
    fclose(f);
    assert_non_null(strstr(buf, "\n  counting             counts summaries"));
    assert_non_null(strstr(buf, "\n  audit/stamp          counts the reports"));
    assert_non_null(strstr(buf, "\n  ticker               a service"));
    free(buf);
}

/* The registry refuses what would make a plugin unreachable. */
static void test_register_refusals(void **state)
{
    (void)state;
    char err[256];
    assert_int_not_equal(ms_plugins_register(&counting_plugin, err, sizeof err), 0);
    assert_string_equal(err, "a sink called 'counting' is registered already");

    static const ms_cfg_key dup_keys[] = {
        MS_KEY_STR("sink.file.dir", "x", "Taken already by the file sink."), {0}};
    static const ms_plugin dup = {
        .name = "dupkeys", .kind = MS_PLUGIN_SINK, .description = "d",
        .keys = dup_keys, .create.sink = counting_new};
    assert_int_not_equal(ms_plugins_register(&dup, err, sizeof err), 0);
    assert_string_equal(err, "configuration key 'sink.file.dir' is declared twice");
    assert_null(ms_plugins_find(MS_PLUGIN_SINK, "dupkeys"));

    static const ms_plugin noslot = {
        .name = "noslot", .kind = MS_PLUGIN_STAGE, .description = "d",
        .create.stage = stamp_new};
    assert_int_not_equal(ms_plugins_register(&noslot, err, sizeof err), 0);
    assert_non_null(strstr(err, "a slot for a stage"));

    /* After refusals the key table is still whole and unique. */
    ms_config *cfg = ms_config_new();
    assert_string_equal(ms_config_str(cfg, "sink.file.dir"), "./out");
    ms_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_through_registered_sink),
        cmocka_unit_test(test_slot_choice_and_disabled_service),
        cmocka_unit_test(test_generated_messages_and_docs),
        cmocka_unit_test(test_register_refusals),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
