/* demo.c -- `medstream demo`: the whole pipeline on one machine.
 *
 * Starts librdkafka's mock cluster (3 brokers) in process, produces the
 * bundled sample reports (the PDFs in examples/) plus one record that is not a PDF
 * (to show the dead-letter path) onto topic "reports" (3 partitions), then
 * runs the real pipeline -- Kafka source, parse, chunk, assemble, file sink
 * -- with --once semantics into ./out, printing one line per report. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "plugins.h"
#include "cli/cli.h"
#include "base/config.h"
#include "core/engine.h"
#include "base/metrics.h"
#include "kafka/kafka_mock.h"
#include "pipeline.h"

#define DEMO_TOPIC "reports"
#define DEMO_PARTITIONS 3
#define DEMO_MAX 256
#define DEMO_NAMES 3 /* condition names on a findings line */
_Static_assert(DEMO_NAMES <= MS_SUMMARY_MAX_NAMES, "the summary keeps too few names");

typedef struct demo_record {
    char name[128];
    int32_t partition;
    int64_t offset;
} demo_record;

typedef struct demo {
    demo_record rec[DEMO_MAX];
    int n;
    const char *out_dir;
    uint64_t pages, ok, dead;
} demo;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        *len = (size_t)n;
    return buf;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted *.pdf names in dir; returns count or -1. */
static int list_samples(const char *dir, char **names, int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcasecmp(e->d_name + l - 4, ".pdf") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_name);
    return n;
}

static const char *record_name(demo *dm, const ms_doc *doc)
{
    for (int i = 0; i < dm->n; i++)
        if (dm->rec[i].partition == doc->pos.partition && dm->rec[i].offset == doc->pos.offset)
            return dm->rec[i].name;
    return "?";
}

/* One line of what the summary found: counts, then the first few names
 * (the summary's typed fields, doc.h). */
static void print_findings(const ms_summary *sum)
{
    if (!sum->has_findings)
        return;
    printf("               found: %zu conditions (%zu ruled out), %zu medicines, %zu test results",
           sum->conditions_affirmed, sum->conditions_negated, sum->medications, sum->tests);
    const char *sep = " - ";
    /* one name per condition, not per mention: the names are distinct */
    for (int i = 0; i < sum->naffirmed_names && i < DEMO_NAMES; i++) {
        printf("%s%s", sep, sum->affirmed_names[i]);
        sep = ", ";
    }
    printf("\n");
}

static void on_report(const ms_doc *doc, void *ud)
{
    demo *dm = ud;
    double ms = 0;
    for (int i = 0; i < MS_MAX_STAGES; i++)
        ms += doc->stage_ms[i];
    if (doc->reason) {
        dm->dead++;
        printf("  dead-letter  %-28s %-20s reason=%s -> %s/dead-letter/%s.json\n",
               record_name(dm, doc), doc->id, doc->reason, dm->out_dir, doc->id);
    } else {
        dm->ok++;
        dm->pages += (uint64_t)doc->npages;
        printf("  summary      %-28s %-20s pages=%d chars=%zu chunks=%zu boilerplate=%zu "
               "%.1f ms -> %s/%s.json\n",
               record_name(dm, doc), doc->id, doc->npages, doc->text_chars, doc->nchunks,
               doc->boilerplate_chars, ms, dm->out_dir, doc->id);
        if (doc->output)
            print_findings(&doc->summary);
    }
    fflush(stdout);
}

/* Produce the samples; fills dm->rec with where each one landed. */
static int produce(demo *dm, const char *bootstraps, const char *dir, char **names, int n)
{
    char err[512];
    ms_kafka_producer *p = ms_kafka_producer_new(bootstraps, err, sizeof err);
    if (!p) {
        fprintf(stderr, "medstream demo: %s\n", err);
        return -1;
    }
    int64_t next_offset[DEMO_PARTITIONS] = {0};
    for (int i = 0; i <= n && dm->n < DEMO_MAX; i++) {
        char *data;
        size_t len;
        char name[128];
        if (i < n) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            data = read_all(path, &len);
            snprintf(name, sizeof name, "%s", names[i]);
            if (!data) {
                fprintf(stderr, "medstream demo: cannot read %s\n", path);
                continue;
            }
        } else {
            /* One record that is not a PDF: it must become a dead letter. */
            data = strdup("This record is plain text, not a PDF.\n");
            len = strlen(data);
            snprintf(name, sizeof name, "(not a pdf)");
        }
        int32_t part = (int32_t)(i % DEMO_PARTITIONS);
        if (ms_kafka_producer_send(p, DEMO_TOPIC, part, data, len, name) != 0) {
            fprintf(stderr, "medstream demo: cannot produce %s\n", name);
            free(data);
            continue;
        }
        demo_record *r = &dm->rec[dm->n++];
        snprintf(r->name, sizeof r->name, "%s", name);
        r->partition = part;
        r->offset = next_offset[part]++;
        free(data);
    }
    int failed = ms_kafka_producer_flush(p, 30000);
    ms_kafka_producer_free(p);
    if (failed != 0) {
        fprintf(stderr, "medstream demo: producing the samples failed\n");
        return -1;
    }
    return 0;
}

/* The installed samples, PREFIX/share/medstream/examples beside
 * PREFIX/bin/medstream (the .deb and the container image ship them there);
 * NULL when the executable's path is unknown. */
static const char *installed_samples(char *buf, size_t len)
{
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = 0;
    snprintf(buf, len, "%s/../share/medstream/examples", exe);
    return buf;
}

int ms_cli_demo(const ms_cli_opts *o)
{
    const char *dir = o->samples_dir ? o->samples_dir : "examples";
    char *names[DEMO_MAX];
    int n = list_samples(dir, names, DEMO_MAX - 1);
    char shipped[1100];
    if (n <= 0 && !o->samples_dir && installed_samples(shipped, sizeof shipped)) {
        /* Not in a source tree: the installed samples. */
        int m = list_samples(shipped, names, DEMO_MAX - 1);
        if (m > 0) {
            dir = shipped;
            n = m;
        }
    }
    if (n <= 0) {
        fprintf(stderr, "medstream demo: no sample PDFs in %s/ (generate them with "
                        "`make samples`, or pass --samples DIR)\n", dir);
        return 2;
    }
    char err[1024];
    ms_kafka_mock *mock = ms_kafka_mock_new(3, err, sizeof err);
    if (!mock || ms_kafka_mock_create_topic(mock, DEMO_TOPIC, DEMO_PARTITIONS) != 0) {
        fprintf(stderr, "medstream demo: %s\n", mock ? "cannot create topic" : err);
        ms_kafka_mock_free(mock);
        return 1;
    }
    static demo dm;
    dm.out_dir = o->out_dir ? o->out_dir : "out";
    printf("medstream demo: mock Kafka cluster (3 brokers) at %s\n", ms_kafka_mock_bootstraps(mock));
    int rc = produce(&dm, ms_kafka_mock_bootstraps(mock), dir, names, n);
    for (int i = 0; i < n; i++)
        free(names[i]);
    if (rc != 0) {
        ms_kafka_mock_free(mock);
        return 1;
    }
    printf("medstream demo: produced %d records to topic '%s'; running the pipeline\n", dm.n,
           DEMO_TOPIC);

    ms_config *cfg = ms_config_new();
    ms_config_set(cfg, "sink.file.dir", dm.out_dir, "demo", err, sizeof err);
    ms_config_set(cfg, "log.level", "warn", "demo", err, sizeof err);
    /* A demo runs even where port 9464 is taken (another medstream). */
    ms_config_set(cfg, "http.required", "false", "demo", err, sizeof err);
    rc = ms_cli_load_config(o, cfg);
    /* The mock cluster wins over -c and --set, so any profile (e.g.
     * configs/msk.ini) runs against it with its own stages and sinks. */
    ms_config_set(cfg, "source.type", "kafka", "demo", err, sizeof err);
    ms_config_set(cfg, "source.topics", DEMO_TOPIC, "demo", err, sizeof err);
    ms_config_set(cfg, "kafka.bootstrap.servers", ms_kafka_mock_bootstraps(mock), "demo", err, sizeof err);
    ms_config_set(cfg, "kafka.group.id", "medstream-demo", "demo", err, sizeof err);
    ms_engine *e = rc == 0 ? ms_pipeline_build(cfg, err, sizeof err) : NULL;
    if (!e) {
        if (rc == 0)
            fprintf(stderr, "medstream demo: %s\n", err);
        ms_config_free(cfg);
        ms_kafka_mock_free(mock);
        return rc ? rc : 1;
    }
    ms_engine_set_once(e, true);
    if (o->stats_interval >= 0)
        ms_engine_set_stats_interval(e, o->stats_interval);
    ms_engine_handle_signals(e, true);
    ms_engine_on_report(e, on_report, &dm);
    uint64_t t0 = ms_now_ns();
    rc = ms_engine_run(e);
    double secs = (double)(ms_now_ns() - t0) / 1e9;
    ms_engine_free(e);
    ms_config_free(cfg);
    ms_kafka_mock_free(mock);
    printf("medstream demo: %llu reports -> %llu summaries, %llu dead letter%s; %llu pages "
           "in %.2f s; output in %s/\n",
           (unsigned long long)(dm.ok + dm.dead), (unsigned long long)dm.ok,
           (unsigned long long)dm.dead, dm.dead == 1 ? "" : "s", (unsigned long long)dm.pages,
           secs, dm.out_dir);
    return rc;
}
