/* test_kafka_e2e.c -- Kafka (librdkafka mock cluster) -> pipeline -> sinks,
 * including a clean stop in the middle and restarts with the same group:
 * every record is delivered exactly once across the runs (a clean stop
 * drains and commits), and dead letters are delivered like summaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plugins.h"
#include "base/config.h"
#include "core/engine.h"
#include "base/metrics.h"
#include "kafka/kafka_mock.h"
#include "pdfgen.h"
#include "harness.h"
#include "testutil.h"

#define TOPIC "reports"
#define PARTS 2

typedef struct fixture {
    char *tmp;
    ms_kafka_mock *mock;
    ms_kafka_producer *producer;
    int next_offset[PARTS];
    char **ids;       /* expected report ids, in production order */
    bool *bad;        /* expected dead letter */
    int n;
} fixture;

static fixture fx;

static void produce(int count, int bad_every)
{
    char err[512];
    for (int i = 0; i < count; i++) {
        int part = (fx.n + i) % PARTS;
        char id[128];
        snprintf(id, sizeof id, TOPIC "-%d-%d", part, fx.next_offset[part]++);
        bool bad = bad_every && (i % bad_every) == bad_every - 1;
        char *data;
        size_t len;
        if (bad) {
            data = strdup("plain text, not a pdf");
            len = strlen(data);
        } else {
            char text[512], path[1024];
            snprintf(text, sizeof text,
                     "Report %s\n\nThe patient was seen today for follow up of hypertension.\n"
                     "Blood pressure 132/84. Continue lisinopril 10 mg daily.\n", id);
            snprintf(path, sizeof path, "%s/%s.pdf", fx.tmp, id);
            ms_pdfgen_opts o = {0};
            assert_int_equal(ms_pdfgen_write(path, text, strlen(text), &o, err, sizeof err), 0);
            data = ms_test_read_file(path, &len);
            assert_non_null(data);
        }
        assert_int_equal(ms_kafka_producer_send(fx.producer, TOPIC, part, data, len, NULL), 0);
        free(data);
        fx.ids = realloc(fx.ids, (size_t)(fx.n + i + 1) * sizeof *fx.ids);
        fx.bad = realloc(fx.bad, (size_t)(fx.n + i + 1) * sizeof *fx.bad);
        fx.ids[fx.n + i] = strdup(id);
        fx.bad[fx.n + i] = bad;
    }
    fx.n += count;
    assert_int_equal(ms_kafka_producer_flush(fx.producer, 30000), 0);
}

/* One medstream "process": build from config, run, free. */
static ms_engine_totals run_once(ms_test_record *rec, bool once, int stop_after)
{
    char err[1024];
    ms_config *cfg = ms_config_new();
    char out[1024];
    snprintf(out, sizeof out, "%s/out", fx.tmp);
    assert_int_equal(ms_config_set(cfg, "source.type", "kafka", "test", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "http.listen", "off", "test", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "source.topics", TOPIC, "test", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "kafka.bootstrap.servers", ms_kafka_mock_bootstraps(fx.mock),
                                   "test", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "kafka.group.id", "e2e", "test", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "engine.workers", "2", "test", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "engine.max_inflight_docs", "4", "test", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "sink.file.dir", out, "test", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "sink.file.fsync", "false", "test", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "log.level", "warn", "test", err, sizeof err), 0);
    /* The mock group coordinator waits session.timeout.ms - 1s for members
     * after a LeaveGroup (a real broker does not); keep restarts quick. */
    assert_int_equal(ms_config_set(cfg, "kafka.session.timeout.ms", "6000", "test", err, sizeof err), 0);
    ms_engine_totals t = ms_test_pipeline_run(
        cfg, &(ms_test_run_opts){.once = once, .rec = rec, .stop_after = stop_after});
    ms_config_free(cfg);
    return t;
}

static void check_exactly_once(const ms_test_record *rec)
{
    int dead = 0;
    for (int i = 0; i < fx.n; i++) {
        int c = ms_test_record_count(rec, fx.ids[i]);
        if (c != 1)
            fail_msg("%s delivered %d times", fx.ids[i], c);
        dead += fx.bad[i];
    }
    assert_int_equal(rec->n, fx.n);
    int rec_dead = 0;
    for (int i = 0; i < rec->n; i++)
        rec_dead += rec->dead[i];
    assert_int_equal(rec_dead, dead);
}

typedef struct lag_seen {
    int partitions;
    int64_t total;
} lag_seen;

static void find_lag(ms_metric *m, void *ud)
{
    lag_seen *l = ud;
    if (strcmp(m->name, "medstream_source_lag_records") == 0) {
        l->partitions++;
        l->total += m->gauge;
    }
}

static void test_stop_and_restart(void **state)
{
    (void)state;
    ms_test_record rec = {0};
    produce(30, 10); /* 27 PDFs, 3 not-PDFs */

    /* First process: stopped cleanly after 8 reports (drains in-flight). */
    ms_engine_totals t1 = run_once(&rec, false, 8);
    assert_true(t1.delivered + t1.dead_letters >= 8);
    assert_true(rec.n < fx.n);
    assert_int_equal(t1.abandoned, 0);

    /* Second process, same group: the rest, nothing twice. */
    ms_engine_totals t2 = run_once(&rec, true, 0);
    assert_int_equal(t1.delivered + t1.dead_letters + t2.delivered + t2.dead_letters, 30);
    check_exactly_once(&rec);

    /* More records later: a third run sees only those. */
    produce(6, 0);
    ms_engine_totals t3 = run_once(&rec, true, 0);
    assert_int_equal(t3.delivered, 6);
    assert_int_equal(t3.dead_letters, 0);
    check_exactly_once(&rec);

    /* Consumer lag per partition was exported while reading, and is 0 once
     * everything was read; the sinks' latency was recorded. */
    lag_seen lag = {0, 0};
    ms_metrics_foreach(find_lag, &lag);
    assert_true(lag.partitions > 0);
    assert_int_equal(lag.total, 0);
    assert_true(ms_histogram("medstream_sink_seconds", "sink=\"file\"", "")->count > 0);

    /* Nothing new: a fourth run delivers nothing and still exits. */
    ms_engine_totals t4 = run_once(&rec, true, 0);
    assert_int_equal(t4.delivered + t4.dead_letters, 0);

    /* The file sink wrote every summary and dead letter too. */
    char out[1024], dl[1024];
    snprintf(out, sizeof out, "%s/out", fx.tmp);
    snprintf(dl, sizeof dl, "%s/out/dead-letter", fx.tmp);
    assert_int_equal(ms_test_count_files(out, ".json"), 33);
    assert_int_equal(ms_test_count_files(dl, ".json"), 3);
    ms_test_record_free(&rec);
}

static int setup(void **state)
{
    (void)state;
    char err[512];
    fx.tmp = ms_test_tmpdir("kafka");
    fx.mock = ms_kafka_mock_new(1, err, sizeof err);
    if (!fx.mock)
        return -1;
    if (ms_kafka_mock_create_topic(fx.mock, TOPIC, PARTS) != 0)
        return -1;
    fx.producer = ms_kafka_producer_new(ms_kafka_mock_bootstraps(fx.mock), err, sizeof err);
    return fx.producer ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_kafka_producer_free(fx.producer);
    ms_kafka_mock_free(fx.mock);
    ms_test_rm_rf(fx.tmp);
    free(fx.tmp);
    for (int i = 0; i < fx.n; i++)
        free(fx.ids[i]);
    free(fx.ids);
    free(fx.bad);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_and_restart),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
