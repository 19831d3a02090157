/* kafka_probe.c -- `check-config --probe` for the Kafka source and sink:
 * the brokers answer a metadata request and each topic exists, with its
 * partition count. Contract: kafka_conf.h. */
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "base/str.h"
#include "kafka/kafka_conf.h"
#include "kafka/msk_iam.h"

typedef struct iam_wait {
    bool done;
    char error[256];
} iam_wait;

static void on_iam_ready(void *ud, const char *error)
{
    iam_wait *w = ud;
    w->done = true;
    if (error)
        ms_strlcpy(w->error, sizeof w->error, error);
}

static void on_iam_guard(uv_timer_t *t)
{
    iam_wait *w = t->data;
    if (!w->done) {
        w->done = true;
        ms_strlcpy(w->error, sizeof w->error, "no MSK IAM token in time (credentials?)");
    }
}

/* msk.iam: the first token must exist before the client connects (as in
 * the source and sink); its refresher lives on this private loop. */
static ms_msk_iam_ref *iam_start(uv_loop_t *loop, const ms_config *cfg, long timeout_ms,
                                 char *err, size_t errlen)
{
    iam_wait w = {0};
    ms_msk_iam_ref *ref = ms_msk_iam_acquire(loop, cfg, on_iam_ready, &w, err, errlen);
    if (!ref)
        return NULL;
    uv_timer_t guard;
    uv_timer_init(loop, &guard);
    guard.data = &w;
    uv_timer_start(&guard, on_iam_guard, (uint64_t)timeout_ms, 0);
    while (!w.done && uv_run(loop, UV_RUN_ONCE))
        ;
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    if (w.error[0]) {
        ms_strlcpy(err, errlen, w.error);
        ms_msk_iam_release(ref);
        return NULL;
    }
    return ref;
}

/* One metadata request for all topics (asking for one by name can create
 * it on a broker with auto.create.topics.enable), then each topic looked up. */
static void probe_topics(rd_kafka_t *rk, const char *subject, const char *const *topics,
                         int ntopics, ms_probe *p)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, (int)p->timeout_ms);
    for (int i = 0; i < ntopics; i++) {
        const struct rd_kafka_metadata_topic *t = NULL;
        for (int j = 0; e == RD_KAFKA_RESP_ERR_NO_ERROR && j < md->topic_cnt; j++)
            if (!strcmp(md->topics[j].topic, topics[i]))
                t = &md->topics[j];
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
            ms_probe_report(p, false, subject, "topic %s: metadata request failed: %s "
                            "(brokers unreachable?)", topics[i], rd_kafka_err2str(e));
        else if (!t)
            ms_probe_report(p, false, subject, "topic %s does not exist (%d topics on %d "
                            "brokers)", topics[i], md->topic_cnt, md->broker_cnt);
        else if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR)
            ms_probe_report(p, false, subject, "topic %s: %s", topics[i], rd_kafka_err2str(t->err));
        else
            ms_probe_report(p, true, subject, "topic %s: %d partitions, %d brokers answering",
                            topics[i], t->partition_cnt, md->broker_cnt);
    }
    if (md)
        rd_kafka_metadata_destroy(md);
}

void ms_kafka_probe_topics(const ms_config *cfg, ms_kafka_role role, const char *subject,
                           const char *const *topics, int ntopics, ms_probe *p)
{
    if (ms_config_int(cfg, "kafka.mock_brokers") > 0) {
        ms_probe_report(p, true, subject, "kafka.mock_brokers is set: an in-process mock "
                        "cluster, nothing outside to reach");
        return;
    }
    char err[512];
    rd_kafka_conf_t *conf = ms_kafka_conf_new(cfg, role, err, sizeof err);
    if (!conf) {
        ms_probe_report(p, false, subject, "%s", err);
        return;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    ms_msk_iam_ref *iam = NULL;
    if (ms_kafka_uses_aws(cfg) &&
        !(iam = iam_start(&loop, cfg, p->timeout_ms, err, sizeof err))) {
        ms_probe_report(p, false, subject, "MSK IAM: %s", err);
        rd_kafka_conf_destroy(conf);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        return;
    }
    rd_kafka_t *rk = rd_kafka_new(role == MS_KAFKA_CONSUMER ? RD_KAFKA_CONSUMER
                                                            : RD_KAFKA_PRODUCER,
                                  conf, err, sizeof err);
    if (!rk) {
        ms_probe_report(p, false, subject, "cannot create the client: %s", err);
        rd_kafka_conf_destroy(conf);
    } else {
        if (iam) {
            /* nothing polls this client: let librdkafka call the token
             * callback from its own thread */
            rd_kafka_error_t *be = rd_kafka_sasl_background_callbacks_enable(rk);
            if (be)
                rd_kafka_error_destroy(be);
        }
        probe_topics(rk, subject, topics, ntopics, p);
        rd_kafka_destroy(rk);
    }
    ms_msk_iam_release(iam);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}
