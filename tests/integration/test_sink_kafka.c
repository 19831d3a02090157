/* test_sink_kafka.c -- the Kafka sink against librdkafka's mock cluster:
 * a directory of PDFs through sink.type = file,kafka, then the summaries
 * topic is consumed back and compared with the file sink's output, key by
 * key; the dead letter goes to the dead-letter topic. A replay produces
 * the same keys again (consumers compacting by key keep one record). The
 * audit trail names the partition and offset of every record consumed. */
#include <jansson.h>
#include <librdkafka/rdkafka.h>
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
#include "harness.h"
#include "pipeline.h"
#include "testutil.h"

#define NPDF 5
#define PARTS 3

static const char *src;
static char *tmp;
static ms_kafka_mock *mock;

static void set(ms_config *cfg, const char *k, const char *v)
{
    char err[512];
    if (ms_config_set(cfg, k, v, "test", err, sizeof err) != 0)
        fail_msg("%s=%s: %s", k, v, err);
}

typedef struct rec {
    char key[256];
    char *value;
    size_t len;
    char kind[32];
    int partition;
    long long offset;
} rec;

/* Every record of topic (all partitions), from the beginning. */
static int consume_all(const char *topic, rec *out, int max, int want)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", ms_kafka_mock_bootstraps(mock), errstr,
                      sizeof errstr);
    rd_kafka_conf_set(conf, "group.id", "readback", errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    assert_non_null(rk);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(PARTS);
    for (int p = 0; p < PARTS; p++)
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(rk, l), 0);
    rd_kafka_topic_partition_list_destroy(l);
    /* Until every partition reported its end after `want` records, or
     * 200 polls of 100 ms (a bound against hanging, not a timing goal). */
    int n = 0, eofs = 0;
    for (int polls = 0; polls < 200 && !(n >= want && eofs >= PARTS); polls++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eofs++;
        } else if (m->err) {
            printf("consumer: %s\n", rd_kafka_message_errstr(m));
        } else if (n < max) {
            snprintf(out[n].key, sizeof out[n].key, "%.*s", (int)m->key_len, (char *)m->key);
            out[n].value = malloc(m->len + 1);
            memcpy(out[n].value, m->payload, m->len);
            out[n].value[m->len] = '\0';
            out[n].len = m->len;
            out[n].partition = (int)m->partition;
            out[n].offset = (long long)m->offset;
            out[n].kind[0] = '\0';
            rd_kafka_headers_t *h = NULL;
            const void *v;
            size_t vl;
            if (rd_kafka_message_headers(m, &h) == 0 &&
                rd_kafka_header_get_last(h, "medstream-kind", &v, &vl) == 0)
                snprintf(out[n].kind, sizeof out[n].kind, "%.*s", (int)vl, (const char *)v);
            n++;
        }
        rd_kafka_message_destroy(m);
    }
    /* Assigned, never subscribed: no group to leave (closing would wait on
     * the mock coordinator). */
    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    return n;
}

static ms_engine_totals run_once(const char *inbox, const char *out)
{
    ms_config *cfg = ms_config_new();
    set(cfg, "source.type", "dir");
    set(cfg, "source.path", inbox);
    set(cfg, "sink.file.dir", out);
    set(cfg, "sink.file.fsync", "false");
    set(cfg, "sink.type", "file,kafka");
    set(cfg, "sink.kafka.topic", "summaries");
    set(cfg, "sink.kafka.dead_letter_topic", "dead-letters");
    set(cfg, "kafka.bootstrap.servers", ms_kafka_mock_bootstraps(mock));
    set(cfg, "engine.workers", "2");
    char err[512];
    ms_config_set(cfg, "http.listen", "off", "test", err, sizeof err); /* when the key exists */
    ms_engine_totals t = ms_test_pipeline_run(cfg, NULL);
    ms_config_free(cfg);
    return t;
}

/* The audit trail (beside the summaries: "<out>.audit.jsonl") names, for
 * the record with this report id, the topic, partition and offset where
 * the consumer found it. */
static bool audited_at(const char *audit, const char *topic, const rec *r)
{
    FILE *f = fopen(audit, "r");
    assert_non_null(f);
    char line[16384];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        assert_non_null(j);
        size_t i;
        json_t *d;
        if (!strcmp(json_string_value(json_object_get(j, "id")), r->key))
            json_array_foreach(json_object_get(j, "destinations"), i, d)
                found |= !strcmp(json_string_value(json_object_get(d, "sink")), "kafka") &&
                         !strcmp(json_string_value(json_object_get(d, "topic")), topic) &&
                         json_integer_value(json_object_get(d, "partition")) == r->partition &&
                         json_integer_value(json_object_get(d, "offset")) == r->offset;
        json_decref(j);
    }
    fclose(f);
    return found;
}

static void summaries_on_kafka_equal_files(void **state)
{
    (void)state;
    char *inbox = ms_test_path(tmp, "in"), *out = ms_test_path(tmp, "out");
    mkdir(inbox, 0755);
    assert_int_equal(ms_test_make_samples(inbox), 0);
    char *bad = ms_test_path(inbox, "not-a-pdf.pdf");
    assert_int_equal(ms_test_write_file(bad, "no pdf here\n", 12), 0);
    free(bad);

    ms_engine_totals t = run_once(inbox, out);
    assert_int_equal(t.delivered, NPDF);
    assert_int_equal(t.dead_letters, 1);
    assert_int_equal(t.sink_errors, 0);

    rec recs[64];
    int n = consume_all("summaries", recs, 64, NPDF);
    printf("summaries topic: %d records\n", n);
    assert_int_equal(n, NPDF);
    for (int i = 0; i < n; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%.1500s/%.255s.json", out, recs[i].key);
        size_t len;
        char *file = ms_test_read_file(path, &len);
        assert_non_null(file);
        assert_int_equal(len, recs[i].len);
        assert_memory_equal(file, recs[i].value, len);
        assert_string_equal(recs[i].kind, "summary");
        char audit[2048];
        snprintf(audit, sizeof audit, "%s.audit.jsonl", out);
        if (!audited_at(audit, "summaries", &recs[i]))
            fail_msg("%s at %d/%lld: not in the audit trail", recs[i].key, recs[i].partition,
                     recs[i].offset);
        free(file);
        free(recs[i].value);
    }
    n = consume_all("dead-letters", recs, 64, 1);
    assert_int_equal(n, 1);
    assert_string_equal(recs[0].key, "not-a-pdf");
    assert_string_equal(recs[0].kind, "dead_letter");
    assert_non_null(strstr(recs[0].value, "\"reason\": \"not_pdf\""));
    char audit[2048];
    snprintf(audit, sizeof audit, "%s.audit.jsonl", out);
    assert_true(audited_at(audit, "dead-letters", &recs[0]));
    free(recs[0].value);

    /* A replay produces the same keys again, nothing else. */
    t = run_once(inbox, out);
    assert_int_equal(t.delivered, NPDF);
    n = consume_all("summaries", recs, 64, 2 * NPDF);
    assert_int_equal(n, 2 * NPDF);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= strcmp(recs[i].key, recs[j].key) == 0;
        distinct += !seen;
    }
    assert_int_equal(distinct, NPDF);
    for (int i = 0; i < n; i++)
        free(recs[i].value);
    free(inbox);
    free(out);
}

static void config_errors(void **state)
{
    (void)state;
    char err[512];
    ms_config *cfg = ms_config_new();
    set(cfg, "sink.type", "kafka");
    set(cfg, "sink.kafka.topic", "");
    assert_int_equal(ms_pipeline_check(cfg, err, sizeof err), -1);
    printf("refused: %s\n", err);
    set(cfg, "sink.kafka.topic", "summaries");
    assert_int_equal(ms_pipeline_check(cfg, err, sizeof err), 0);
    set(cfg, "kafka.acks", "1"); /* idempotence needs acks=all: overridden */
    assert_int_equal(ms_pipeline_check(cfg, err, sizeof err), 0);
    set(cfg, "kafka.no.such.property", "1");
    assert_int_equal(ms_pipeline_check(cfg, err, sizeof err), -1);
    printf("refused: %s\n", err);
    ms_config_free(cfg);
}

static int setup(void **state)
{
    (void)state;
    src = getenv("MS_SRC");
    if (!src)
        ms_test_skip("MS_SRC not set (run through ctest)");
    char err[256];
    mock = ms_kafka_mock_new(1, err, sizeof err);
    if (!mock)
        ms_test_skip("cannot start librdkafka's mock cluster");
    if (ms_kafka_mock_create_topic(mock, "summaries", PARTS) != 0 ||
        ms_kafka_mock_create_topic(mock, "dead-letters", PARTS) != 0)
        return -1;
    tmp = ms_test_tmpdir("sink-kafka");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ms_kafka_mock_free(mock);
    if (tmp)
        ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_errors),
        cmocka_unit_test(summaries_on_kafka_equal_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
