/* test_backpressure.c -- a deliberately slow sink: in-flight reports and
 * bytes never exceed engine.max_inflight_docs / max_inflight_bytes, the
 * source is paused and resumed, and nothing is lost. Runs the dir and the
 * Kafka source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "plugins.h"
#include "base/config.h"
#include "core/engine.h"
#include "kafka/kafka_mock.h"
#include "pdfgen.h"
#include "harness.h"
#include "testutil.h"

#define NDOCS 40

static char *tmp;
static size_t sizes[NDOCS];
static size_t max_size;

static void make_inputs(void)
{
    char err[512], path[2048], dir[1024];
    snprintf(dir, sizeof dir, "%s/in", tmp);
    mkdir(dir, 0755);
    for (int i = 0; i < NDOCS; i++) {
        /* Varying sizes so the byte limit, not only the count, binds. */
        size_t words = 50 + (size_t)(i % 7) * 400;
        char *text = malloc(words * 12 + 64);
        size_t n = 0;
        for (size_t w = 0; w < words; w++)
            n += (size_t)sprintf(text + n, "word%zu ", w);
        text[n] = 0;
        snprintf(path, sizeof path, "%s/doc%02d.pdf", dir, i);
        ms_pdfgen_opts o = {0};
        assert_int_equal(ms_pdfgen_write(path, text, n, &o, err, sizeof err), 0);
        free(text);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        sizes[i] = (size_t)st.st_size;
        if (sizes[i] > max_size)
            max_size = sizes[i];
    }
}

static ms_config *base_config(int max_docs, size_t max_bytes)
{
    char err[512], v[64], out[1024];
    ms_config *cfg = ms_config_new();
    assert_int_equal(ms_config_set(cfg, "http.listen", "off", "t", err, sizeof err), 0);
    snprintf(v, sizeof v, "%d", max_docs);
    assert_int_equal(ms_config_set(cfg, "engine.max_inflight_docs", v, "t", err, sizeof err), 0);
    snprintf(v, sizeof v, "%zu", max_bytes);
    assert_int_equal(ms_config_set(cfg, "engine.max_inflight_bytes", v, "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "engine.workers", "2", "t", err, sizeof err), 0);
    snprintf(out, sizeof out, "%s/out", tmp);
    assert_int_equal(ms_config_set(cfg, "sink.file.dir", out, "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "sink.file.fsync", "false", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "log.level", "warn", "t", err, sizeof err), 0);
    return cfg;
}

static void run_and_check(ms_config *cfg, int max_docs, size_t max_bytes)
{
    ms_test_record rec = {0};
    ms_engine_totals t = ms_test_pipeline_run(
        cfg, &(ms_test_run_opts){.once = true, .rec = &rec, .sink_delay_ms = 15});

    printf("max in flight: %lld docs (limit %d), %lld bytes (limit %zu); pauses %llu\n",
           (long long)t.max_inflight_docs, max_docs, (long long)t.max_inflight_bytes, max_bytes,
           (unsigned long long)t.pauses);
    assert_true(t.max_inflight_docs <= max_docs);
    assert_true(t.max_inflight_bytes <= (long long)max_bytes);
    assert_true(rec.max_concurrent <= max_docs);
    assert_true(t.pauses > 0);
    assert_int_equal(t.delivered, NDOCS);
    assert_int_equal(rec.n, NDOCS);
    ms_test_record_free(&rec);
}

static void test_dir_source(void **state)
{
    (void)state;
    char err[512], in[1024];
    size_t max_bytes = max_size * 3;
    ms_config *cfg = base_config(5, max_bytes);
    snprintf(in, sizeof in, "%s/in", tmp);
    assert_int_equal(ms_config_set(cfg, "source.type", "dir", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "source.path", in, "t", err, sizeof err), 0);
    run_and_check(cfg, 5, max_bytes);
    ms_config_free(cfg);
}

static void test_kafka_source(void **state)
{
    (void)state;
    char err[512];
    ms_kafka_mock *mock = ms_kafka_mock_new(1, err, sizeof err);
    assert_non_null(mock);
    assert_int_equal(ms_kafka_mock_create_topic(mock, "bp", 3), 0);
    ms_kafka_producer *p = ms_kafka_producer_new(ms_kafka_mock_bootstraps(mock), err, sizeof err);
    assert_non_null(p);
    for (int i = 0; i < NDOCS; i++) {
        char path[1024];
        size_t len;
        snprintf(path, sizeof path, "%s/in/doc%02d.pdf", tmp, i);
        char *data = ms_test_read_file(path, &len);
        assert_non_null(data);
        assert_int_equal(ms_kafka_producer_send(p, "bp", i % 3, data, len, NULL), 0);
        free(data);
    }
    assert_int_equal(ms_kafka_producer_flush(p, 30000), 0);
    ms_kafka_producer_free(p);

    size_t max_bytes = max_size * 2;
    ms_config *cfg = base_config(3, max_bytes);
    assert_int_equal(ms_config_set(cfg, "source.type", "kafka", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "source.topics", "bp", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "kafka.bootstrap.servers", ms_kafka_mock_bootstraps(mock),
                                   "t", err, sizeof err), 0);
    run_and_check(cfg, 3, max_bytes);
    ms_config_free(cfg);
    ms_kafka_mock_free(mock);
}

static int setup(void **state)
{
    (void)state;
    tmp = ms_test_tmpdir("bp");
    make_inputs();
    return 0;
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
        cmocka_unit_test(test_dir_source),
        cmocka_unit_test(test_kafka_source),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
