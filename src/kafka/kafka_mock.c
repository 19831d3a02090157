/* kafka_mock.c -- librdkafka's in-process mock cluster and a small
 * synchronous producer, for `medstream demo`, `medstream kafka-mock` and the
 * tests. */
#include "kafka/kafka_mock.h"
#include "base/errbuf.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ms_kafka_mock {
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *cluster;
    char *bootstraps;
};

struct ms_kafka_producer {
    rd_kafka_t *rk;
    atomic_int failed;
};

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk; (void)level; (void)fac; (void)buf;
}

ms_kafka_mock *ms_kafka_mock_new(int brokers, char *err, size_t errlen)
{
    ms_kafka_mock *m = calloc(1, sizeof *m);
    if (!m) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    char errstr[512];
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!m->rk) {
        rd_kafka_conf_destroy(conf);
        ms_errf(err, errlen, "mock cluster handle: %s", errstr);
        free(m);
        return NULL;
    }
    m->cluster = rd_kafka_mock_cluster_new(m->rk, brokers);
    if (!m->cluster) {
        ms_errf(err, errlen, "cannot start the mock cluster");
        rd_kafka_destroy(m->rk);
        free(m);
        return NULL;
    }
    m->bootstraps = strdup(rd_kafka_mock_cluster_bootstraps(m->cluster));
    return m;
}

const char *ms_kafka_mock_bootstraps(ms_kafka_mock *m)
{
    return m->bootstraps;
}

int ms_kafka_mock_create_topic(ms_kafka_mock *m, const char *topic, int partitions)
{
    return rd_kafka_mock_topic_create(m->cluster, topic, partitions, 1) ? -1 : 0;
}

void ms_kafka_mock_free(ms_kafka_mock *m)
{
    if (!m)
        return;
    rd_kafka_mock_cluster_destroy(m->cluster);
    rd_kafka_destroy(m->rk);
    free(m->bootstraps);
    free(m);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    ms_kafka_producer *p = opaque;
    if (msg->err)
        atomic_fetch_add(&p->failed, 1);
}

ms_kafka_producer *ms_kafka_producer_new(const char *bootstraps, char *err, size_t errlen)
{
    ms_kafka_producer *p = calloc(1, sizeof *p);
    if (!p) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[512];
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "message.max.bytes", "104857600", errstr, sizeof errstr)) {
        ms_errf(err, errlen, "producer config: %s", errstr);
        rd_kafka_conf_destroy(conf);
        free(p);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, p);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!p->rk) {
        ms_errf(err, errlen, "producer: %s", errstr);
        rd_kafka_conf_destroy(conf);
        free(p);
        return NULL;
    }
    return p;
}

int ms_kafka_producer_send(ms_kafka_producer *p, const char *topic, int32_t partition,
                           const void *value, size_t len, const char *key)
{
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(topic),
            RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
            RD_KAFKA_V_VALUE((void *)value, len),
            RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(p->rk, 100);
            continue;
        }
        rd_kafka_poll(p->rk, 0);
        return err ? -1 : 0;
    }
}

int ms_kafka_producer_flush(ms_kafka_producer *p, int timeout_ms)
{
    if (rd_kafka_flush(p->rk, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return -1;
    return atomic_load(&p->failed);
}

void ms_kafka_producer_free(ms_kafka_producer *p)
{
    if (!p)
        return;
    rd_kafka_destroy(p->rk);
    free(p);
}
