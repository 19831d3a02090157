/* test_metrics_moved.c -- no dead metric: a dir -> file pipeline (good
 * reports, one that is not a PDF, a slow test sink so backpressure pauses the
 * source, then a second run whose output directory vanishes so the sink
 * fails and retries, stopped with a tiny drain time so the report is
 * abandoned) while a thread samples the registry; afterwards EVERY metric
 * the run registered must have moved (a counter or histogram counted
 * something, a gauge was seen non-zero) or be listed below with the reason
 * it needs a peer or a fault this test does not provide. A metric that is
 * registered and never updated (medstream_reports_admitted_total was) fails.
 * The run's summaries, dead letters and directories are checked to be 0600 /
 * 0700 (sink.file.mode / dir_mode defaults) under umask 022. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "plugins.h"
#include "base/config.h"
#include "base/metrics.h"
#include "pdfgen.h"
#include "telemetry/metrics_prom.h"
#include "harness.h"
#include "testutil.h"

#define NDOCS 12

/* Metrics this pipeline cannot move, and why. Matched on the name and, when
 * labels is not NULL, the exact label string. Keep the list short: every
 * entry is a metric no test here would notice going dead. */
static const struct {
    const char *name, *labels, *why;
} needs_peer[] = {
    {"medstream_queue_depth", NULL,
     "point-in-time gauge refreshed only at a stats tick; a tick rarely lands while a report "
     "waits in a ring, so a sample of 0 is no sign of a dead gauge"},
    {"medstream_workers_busy", NULL,
     "point-in-time gauge refreshed only at a stats tick (see medstream_queue_depth)"},
    {"medstream_awaiting_commit_reports", NULL,
     "moves only with a source whose commits are acknowledged later (Kafka); the dir source "
     "commits at once. integration.kafka_revoke_hold reads it (back to 0 after a revoke)"},
    {"medstream_sink_errors_total", "sink=\"test\"",
     "the recording test sink never fails; the file sink's counter moves in run 2"},
    {"medstream_stage_errors_total", NULL,
     "a stage failing internally (out of memory, bad pages) needs a fault; rejected inputs are "
     "dead letters, counted by medstream_reports_delivered_total{status=\"dead_letter\"}"},
};

typedef struct seen {
    char key[512];
    bool moved;
} seen;

typedef struct sampler {
    pthread_t th;
    atomic_bool stop;
    pthread_mutex_t mu;
    seen *v;
    size_t n, cap;
    ms_engine *e;
    /* Run 2's fault, driven from the sampling thread: at break_at_ns the
     * output directory is removed and inputs appear; at stop_engine_at_ns
     * the engine is stopped (as SIGTERM). 0 = not this run. */
    uint64_t break_at_ns, stop_engine_at_ns;
    const char *break_dir, *late_src, *late_dst;
} sampler;

static bool metric_moved(ms_metric *m)
{
    switch (m->type) {
    case MS_METRIC_GAUGE:
        return ms_metric_gauge(m) != 0;
    default:
        return ms_metric_count(m) != 0;
    }
}

static void sample(sampler *s)
{
    ms_metric **v = NULL;
    size_t n = 0;
    if (ms_metrics_snapshot(&v, &n) != 0)
        return;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < n; i++) {
        char key[512];
        snprintf(key, sizeof key, "%s{%s}", v[i]->name, v[i]->labels);
        size_t j = 0;
        while (j < s->n && strcmp(s->v[j].key, key) != 0)
            j++;
        if (j == s->n) {
            if (s->n == s->cap) {
                s->cap = s->cap ? 2 * s->cap : 64;
                s->v = realloc(s->v, s->cap * sizeof *s->v);
            }
            snprintf(s->v[s->n].key, sizeof s->v[s->n].key, "%s", key);
            s->v[s->n++].moved = false;
        }
        if (metric_moved(v[i]))
            s->v[j].moved = true;
    }
    pthread_mutex_unlock(&s->mu);
    free(v);
}

static void *sample_loop(void *ud)
{
    sampler *s = ud;
    while (!atomic_load(&s->stop)) {
        sample(s);
        if (s->break_at_ns && ms_now_ns() >= s->break_at_ns) {
            s->break_at_ns = 0;
            ms_test_rm_rf(s->break_dir);
            rename(s->late_src, s->late_dst); /* the watching source picks it up */
        }
        if (s->stop_engine_at_ns && ms_now_ns() >= s->stop_engine_at_ns) {
            s->stop_engine_at_ns = 0;
            ms_engine_stop(s->e);
        }
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    return NULL;
}

static void start_sampler(ms_engine *e, void *ud)
{
    sampler *s = ud;
    s->e = e;
    atomic_store(&s->stop, false);
    pthread_create(&s->th, NULL, sample_loop, s);
}

static void stop_sampler(ms_engine *e, void *ud)
{
    (void)e;
    sampler *s = ud;
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    sample(s); /* the final values */
}

static char *tmp;

static ms_config *config_for(const char *in, const char *out)
{
    char err[512];
    ms_config *cfg = ms_config_new();
    const char *sets[][2] = {
        {"source.type", "dir"},           {"source.path", in},
        {"sink.file.dir", out},           {"sink.file.fsync", "true"},
        {"engine.workers", "2"},          {"engine.max_inflight_docs", "2"},
        {"log.level", "error"},           {"http.listen", "off"},
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (ms_config_set(cfg, sets[i][0], sets[i][1], "test", err, sizeof err) != 0)
            fail_msg("%s", err);
    return cfg;
}

static void make_inputs(const char *in, int n, bool with_bad)
{
    char err[512], path[2048];
    mkdir(in, 0755);
    for (int i = 0; i < n; i++) {
        char text[256];
        int len = snprintf(text, sizeof text,
                           "Report %d\n\nPatient seen for chest pain. Lisinopril 10 mg daily.\n", i);
        snprintf(path, sizeof path, "%s/r%02d.pdf", in, i);
        /* A header and footer on every page: boilerplate the chunk stage
         * strips (medstream_boilerplate_chars_total). */
        ms_pdfgen_opts o = {.header = "GENERAL HOSPITAL - RADIOLOGY", .footer = "Page %d of %d",
                            .min_pages = 3};
        assert_int_equal(ms_pdfgen_write(path, text, (size_t)len, &o, err, sizeof err), 0);
    }
    if (with_bad) {
        snprintf(path, sizeof path, "%s/broken.pdf", in);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("not a pdf\n", f);
        fclose(f);
    }
}

static void check_modes(const char *dir, mode_t want_file)
{
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    if ((st.st_mode & 0777) != 0700)
        fail_msg("%s is %04o, want 0700", dir, (unsigned)(st.st_mode & 0777));
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d))) {
        if (!strstr(de->d_name, ".json"))
            continue;
        char *p = ms_test_path(dir, de->d_name);
        assert_int_equal(stat(p, &st), 0);
        if ((st.st_mode & 0777) != want_file)
            fail_msg("%s is %04o, want %04o", p, (unsigned)(st.st_mode & 0777),
                     (unsigned)want_file);
        free(p);
        files++;
    }
    closedir(d);
    assert_true(files > 0);
}

static void every_metric_moves(void **state)
{
    (void)state;
    mode_t old = umask(022);
    sampler s = {0};
    pthread_mutex_init(&s.mu, NULL);

    /* Run 1: good reports and a broken one through a slow test sink and the
     * file sink, at most two in flight (the source pauses). */
    char *in = ms_test_path(tmp, "in"), *out = ms_test_path(tmp, "out");
    make_inputs(in, NDOCS, true);
    ms_config *cfg = config_for(in, out);
    ms_test_record rec = {0};
    ms_engine_totals t = ms_test_pipeline_run(
        cfg, &(ms_test_run_opts){.once = true, .rec = &rec, .sink_delay_ms = 20,
                                 .before_run = start_sampler, .after_run = stop_sampler,
                                 .ud = &s});
    assert_int_equal(t.admitted, NDOCS + 1);
    assert_int_equal(t.delivered, NDOCS);
    assert_int_equal(t.dead_letters, 1);
    /* Dead letters by reason, next to the old total. */
    assert_int_equal(ms_metric_count(ms_counter("medstream_dead_letters_total",
                                                "reason=\"not_pdf\"", "")), 1);
    assert_int_equal(ms_metric_count(ms_counter("medstream_reports_delivered_total",
                                                "status=\"dead_letter\"", "")), 1);
    ms_test_record_free(&rec);
    ms_config_free(cfg);

    /* The summaries and the dead letter carry PHI: owner only. */
    check_modes(out, 0600);
    char *dl = ms_test_path(out, "dead-letter");
    check_modes(dl, 0600);

    /* Run 2: a watching source; after 200 ms the output directory vanishes
     * and then a report arrives, so the file sink fails and retries; stopped
     * at 700 ms with a 50 ms drain, the report is abandoned. */
    char *in2 = ms_test_path(tmp, "in2"), *out2 = ms_test_path(tmp, "out2");
    char *stage = ms_test_path(tmp, "stage"), *late = ms_test_path(in2, "late.pdf");
    make_inputs(stage, 1, false);
    mkdir(in2, 0755);
    char *staged = ms_test_path(stage, "r00.pdf");
    cfg = config_for(in2, out2);
    char err[256];
    assert_int_equal(ms_config_set(cfg, "engine.drain_timeout_ms", "50", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "source.watch", "true", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "source.poll_interval_ms", "50", "t", err, sizeof err), 0);
    s.break_dir = out2;
    s.late_src = staged;
    s.late_dst = late;
    s.break_at_ns = ms_now_ns() + 200 * 1000000ull;
    s.stop_engine_at_ns = ms_now_ns() + 700 * 1000000ull;
    t = ms_test_pipeline_run(cfg, &(ms_test_run_opts){.once = false,
                                                      .before_run = start_sampler,
                                                      .after_run = stop_sampler, .ud = &s});
    assert_int_equal(t.abandoned, 1);
    free(stage);
    free(late);
    free(staged);
    ms_config_free(cfg);
    umask(old);

    /* Every registered metric moved, or is listed with its reason. */
    int dead = 0, listed = 0;
    for (size_t i = 0; i < s.n; i++) {
        const char *why = NULL;
        for (size_t k = 0; k < sizeof needs_peer / sizeof needs_peer[0]; k++) {
            size_t nl = strlen(needs_peer[k].name);
            if (strncmp(s.v[i].key, needs_peer[k].name, nl) == 0 && s.v[i].key[nl] == '{') {
                char lab[512];
                snprintf(lab, sizeof lab, "{%s}", needs_peer[k].labels ? needs_peer[k].labels : "");
                if (!needs_peer[k].labels || strcmp(s.v[i].key + nl, lab) == 0)
                    why = needs_peer[k].why;
            }
        }
        if (s.v[i].moved) {
            printf("moved   %s\n", s.v[i].key);
        } else if (why) {
            printf("listed  %s: %s\n", s.v[i].key, why);
            listed++;
        } else {
            printf("DEAD    %s\n", s.v[i].key);
            dead++;
        }
    }
    printf("%zu metrics registered, %d listed as needing a peer or fault, %d dead\n", s.n, listed,
           dead);
    assert_true(s.n >= 20);
    assert_int_equal(dead, 0);
    free(s.v);
    pthread_mutex_destroy(&s.mu);
    free(in);
    free(out);
    free(dl);
    free(in2);
    free(out2);
}

static int setup(void **state)
{
    (void)state;
    tmp = ms_test_tmpdir("metrics-moved");
    return tmp ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_metric_moves),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
