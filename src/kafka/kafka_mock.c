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

#define MOCK_MAX_TOPICS 64

struct ms_kafka_mock {
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *cluster;
    char *bootstraps;
    int brokers;
    int ntopics;             /* topics created by ms_kafka_mock_create_topic */
    struct {
        char *name;
        int partitions;
    } topics[MOCK_MAX_TOPICS];
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
    m->brokers = brokers;
    return m;
}

const char *ms_kafka_mock_bootstraps(ms_kafka_mock *m)
{
    return m->bootstraps;
}

int ms_kafka_mock_create_topic(ms_kafka_mock *m, const char *topic, int partitions)
{
    return ms_kafka_mock_create_topic_rf(m, topic, partitions, 1);
}

int ms_kafka_mock_create_topic_rf(ms_kafka_mock *m, const char *topic, int partitions,
                                  int replication)
{
    if (replication < 1)
        replication = 1;
    if (replication > m->brokers)
        return -1;
    if (rd_kafka_mock_topic_create(m->cluster, topic, partitions, replication))
        return -1;
    if (m->ntopics < MOCK_MAX_TOPICS) {
        m->topics[m->ntopics].name = strdup(topic);
        m->topics[m->ntopics].partitions = partitions;
        if (m->topics[m->ntopics].name)
            m->ntopics++;
    }
    return 0;
}

/* ---- run-time faults (`kafka-mock --control`) ------------------------------ */

/* A broker id: 1..brokers, or "all" / -1 for every broker. */
static int parse_broker(ms_kafka_mock *m, const char *s, int allow_all, int32_t *out)
{
    if (allow_all && (!strcmp(s, "all") || !strcmp(s, "-1"))) {
        *out = -1;
        return 0;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || end == s || v < 1 || v > m->brokers)
        return -1;
    *out = (int32_t)v;
    return 0;
}

static int topic_partitions(ms_kafka_mock *m, const char *topic)
{
    for (int i = 0; i < m->ntopics; i++)
        if (!strcmp(m->topics[i].name, topic))
            return m->topics[i].partitions;
    return -1;
}

static int reply_err(char *reply, size_t len, rd_kafka_resp_err_t e)
{
    if (e) {
        snprintf(reply, len, "error: %s", rd_kafka_err2str(e));
        return -1;
    }
    snprintf(reply, len, "ok");
    return 0;
}

int ms_kafka_mock_command(ms_kafka_mock *m, const char *line, char *reply, size_t replylen)
{
    char buf[512], *argv[6], *save = NULL;
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *t = strtok_r(buf, " \t\r\n", &save); t && argc < 6; t = strtok_r(NULL, " \t\r\n", &save))
        argv[argc++] = t;
    int32_t b;
    if (argc == 0 || argv[0][0] == '#') {
        reply[0] = '\0';
        return 1;
    }
    if ((!strcmp(argv[0], "down") || !strcmp(argv[0], "up")) && argc == 2) {
        if (parse_broker(m, argv[1], 1, &b) != 0)
            goto bad_broker;
        return reply_err(reply, replylen, argv[0][0] == 'd'
                         ? rd_kafka_mock_broker_set_down(m->cluster, b)
                         : rd_kafka_mock_broker_set_up(m->cluster, b));
    }
    if (!strcmp(argv[0], "leader") && argc == 4) {
        if (parse_broker(m, argv[3], 0, &b) != 0)
            goto bad_broker;
        int lo, hi;
        if (!strcmp(argv[2], "all")) {
            hi = topic_partitions(m, argv[1]);
            if (hi < 0) {
                snprintf(reply, replylen, "error: 'all' needs a topic created with --topic");
                return -1;
            }
            lo = 0;
        } else {
            char *end;
            long p = strtol(argv[2], &end, 10);
            if (*end || end == argv[2] || p < 0 || p > 100000) {
                snprintf(reply, replylen, "error: bad partition '%s'", argv[2]);
                return -1;
            }
            lo = (int)p;
            hi = lo + 1;
        }
        for (int p = lo; p < hi; p++) {
            rd_kafka_resp_err_t e = rd_kafka_mock_partition_set_leader(m->cluster, argv[1], p, b);
            if (e)
                return reply_err(reply, replylen, e);
        }
        return reply_err(reply, replylen, RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    if (!strcmp(argv[0], "coordinator") && argc == 3) {
        if (parse_broker(m, argv[2], 0, &b) != 0)
            goto bad_broker;
        return reply_err(reply, replylen, rd_kafka_mock_coordinator_set(m->cluster, "group",
                                                                        argv[1], b));
    }
    if (!strcmp(argv[0], "rtt") && argc == 3) {
        if (parse_broker(m, argv[1], 1, &b) != 0)
            goto bad_broker;
        char *end;
        long ms = strtol(argv[2], &end, 10);
        if (*end || end == argv[2] || ms < 0 || ms > 600000) {
            snprintf(reply, replylen, "error: bad milliseconds '%s'", argv[2]);
            return -1;
        }
        return reply_err(reply, replylen, rd_kafka_mock_broker_set_rtt(m->cluster, b, (int)ms));
    }
    snprintf(reply, replylen, "error: unknown command (down B | up B | leader TOPIC P|all B | "
             "coordinator GROUP B | rtt B MS)");
    return -1;
bad_broker:
    snprintf(reply, replylen, "error: broker must be 1-%d%s", m->brokers,
             strcmp(argv[0], "leader") && strcmp(argv[0], "coordinator") ? " or all" : "");
    return -1;
}

void ms_kafka_mock_free(ms_kafka_mock *m)
{
    if (!m)
        return;
    rd_kafka_mock_cluster_destroy(m->cluster);
    rd_kafka_destroy(m->rk);
    free(m->bootstraps);
    for (int i = 0; i < m->ntopics; i++)
        free(m->topics[i].name);
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
