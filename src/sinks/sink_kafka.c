/* sink_kafka.c -- an idempotent librdkafka producer on the loop.
 *
 * librdkafka writes to a pipe when its main queue (which carries delivery
 * reports) becomes non-empty; a uv_poll on the pipe serves the queue with
 * rd_kafka_poll(rk, 0), so delivery callbacks -- and done() -- run on the
 * loop thread. */
#define _GNU_SOURCE /* pipe2 */
#include "sinks/sink_kafka.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "base/errbuf.h"
#include "base/log.h"
#include "kafka/kafka_conf.h"
#include "core/plugin.h"

typedef struct kafka_sink {
    rd_kafka_t *rk;
    rd_kafka_queue_t *mainq;
    char topic[256], dl_topic[256];
    int pipe_fds[2];
    uv_poll_t poll;
    bool polling;
    ms_sink *self;
} kafka_sink;

typedef struct kafka_write {
    ms_sink *sink;
    ms_doc *doc;
    ms_sink_done_cb done;
} kafka_write;

/* Delivery report: runs inside rd_kafka_poll, on the loop thread. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    kafka_write *w = m->_private;
    if (!w)
        return;
    ms_sink *sink = w->sink;
    ms_doc *doc = w->doc;
    ms_sink_done_cb done = w->done;
    free(w);
    if (m->err) {
        char err[256];
        snprintf(err, sizeof err, "produce: %s", rd_kafka_err2str(m->err));
        done(sink, doc, -1, err);
        return;
    }
    /* The audit trail's entry (doc.h destinations): where the broker put it. */
    ms_doc_add_destination(doc, json_pack("{s:s, s:s, s:i, s:I}", "sink", "kafka", "topic",
                                          rd_kafka_topic_name(m->rkt), "partition",
                                          (int)m->partition, "offset", (json_int_t)m->offset));
    done(sink, doc, 0, NULL);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
    kafka_sink *k = h->data;
    char buf[256];
    while (read(k->pipe_fds[0], buf, sizeof buf) > 0)
        ;
    /* Serve everything queued; each call serves what is there now. */
    while (rd_kafka_poll(k->rk, 0) > 0)
        ;
}

static void kafka_write_doc(ms_sink *sink, ms_doc *doc, bool dead_letter, ms_sink_done_cb done)
{
    kafka_sink *k = sink->state;
    kafka_write *w = calloc(1, sizeof *w);
    if (!w || !doc->output || !k->polling) {
        free(w);
        done(sink, doc, -1, !doc->output ? "nothing to write" : "cannot produce now");
        return;
    }
    w->sink = sink;
    w->doc = doc;
    w->done = done;
    const char *id = doc->id ? doc->id : "";
    rd_kafka_resp_err_t err = rd_kafka_producev(
        k->rk, RD_KAFKA_V_TOPIC(dead_letter ? k->dl_topic : k->topic),
        RD_KAFKA_V_KEY(id, strlen(id)), RD_KAFKA_V_VALUE(doc->output, doc->output_len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADER("medstream-kind", dead_letter ? "dead_letter" : "summary", -1),
        RD_KAFKA_V_OPAQUE(w), RD_KAFKA_V_END);
    if (err) {
        /* Queue full or a fatal idempotence error: the engine retries. */
        free(w);
        char e[200];
        snprintf(e, sizeof e, "produce: %s", rd_kafka_err2str(err));
        done(sink, doc, -1, e);
    }
}

static int kafka_attach(ms_sink *sink, void *loop)
{
    kafka_sink *k = sink->state;
    if (pipe2(k->pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        ms_log(MS_LOG_ERROR, "kafka sink: pipe failed", KS("error", strerror(errno)), KEND);
        return -1;
    }
    k->mainq = rd_kafka_queue_get_main(k->rk);
    rd_kafka_queue_io_event_enable(k->mainq, k->pipe_fds[1], "1", 1);
    uv_poll_init(loop, &k->poll, k->pipe_fds[0]);
    k->poll.data = k;
    uv_poll_start(&k->poll, UV_READABLE, on_readable);
    /* Does not keep the loop alive by itself: the engine's own handles do
     * while writes are pending, and once it finished nothing is. */
    uv_unref((uv_handle_t *)&k->poll);
    k->polling = true;
    ms_log(MS_LOG_INFO, "kafka sink: ready", KS("topic", k->topic),
           KS("dead_letter_topic", k->dl_topic), KEND);
    return 0;
}

static void kafka_free(kafka_sink *k)
{
    if (k->mainq) {
        rd_kafka_queue_io_event_enable(k->mainq, -1, NULL, 0);
        rd_kafka_queue_destroy(k->mainq);
    }
    if (k->rk) {
        /* Nothing is in flight when the engine destroys its sinks (it waits
         * for every write); flush anyway, briefly, then let go. */
        rd_kafka_flush(k->rk, 2000);
        rd_kafka_destroy(k->rk);
    }
    if (k->pipe_fds[0] >= 0) {
        close(k->pipe_fds[0]);
        close(k->pipe_fds[1]);
    }
    free(k->self);
    free(k);
}

static void on_poll_closed(uv_handle_t *h)
{
    kafka_free(h->data);
}

static void kafka_destroy(ms_sink *sink)
{
    kafka_sink *k = sink->state;
    if (k->polling) {
        k->polling = false;
        /* Freed in the close callback: the loop still owns the handle. */
        uv_close((uv_handle_t *)&k->poll, on_poll_closed);
        return;
    }
    kafka_free(k);
}

static const ms_sink_ops kafka_ops = {
    .name = "kafka",
    .attach = kafka_attach,
    .write = kafka_write_doc,
    .destroy = kafka_destroy,
};

static rd_kafka_conf_t *producer_conf(const ms_config *cfg, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = ms_kafka_conf_new(cfg, MS_KAFKA_PRODUCER, err, errlen);
    if (!conf)
        return NULL;
    /* Idempotence (set by ms_kafka_conf_new) needs acks=all; say so
     * explicitly so a pass-through acks=1 is refused here, not later. */
    char e[256];
    if (rd_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof e) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "acks", "all", e, sizeof e) != RD_KAFKA_CONF_OK) {
        ms_errf(err, errlen, "kafka sink: %s", e);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

int ms_sink_kafka_check(const ms_config *cfg, char *err, size_t errlen)
{
    if (!*ms_config_str(cfg, "sink.kafka.topic") || !*ms_config_str(cfg, "sink.kafka.dead_letter_topic")) {
        ms_errf(err, errlen, "sink.kafka.topic / sink.kafka.dead_letter_topic: required by the kafka sink");
        return -1;
    }
    rd_kafka_conf_t *conf = producer_conf(cfg, err, errlen);
    if (!conf)
        return -1;
    rd_kafka_conf_destroy(conf);
    return 0;
}

ms_sink *ms_sink_kafka_new(const ms_config *cfg, char *err, size_t errlen)
{
    if (ms_sink_kafka_check(cfg, err, errlen) != 0)
        return NULL;
    rd_kafka_conf_t *conf = producer_conf(cfg, err, errlen);
    ms_sink *sink = calloc(1, sizeof *sink);
    kafka_sink *k = calloc(1, sizeof *k);
    if (!conf || !sink || !k) {
        if (conf)
            rd_kafka_conf_destroy(conf);
        free(sink);
        free(k);
        if (conf)
            ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    k->pipe_fds[0] = k->pipe_fds[1] = -1;
    k->self = sink;
    snprintf(k->topic, sizeof k->topic, "%s", ms_config_str(cfg, "sink.kafka.topic"));
    snprintf(k->dl_topic, sizeof k->dl_topic, "%s",
             ms_config_str(cfg, "sink.kafka.dead_letter_topic"));
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char errstr[512];
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!k->rk) {
        rd_kafka_conf_destroy(conf);
        ms_errf(err, errlen, "kafka producer: %s", errstr);
        kafka_free(k);
        return NULL;
    }
    sink->ops = &kafka_ops;
    sink->state = k;
    snprintf(sink->name, sizeof sink->name, "kafka");
    sink->summaries = true;
    sink->dead_letters = true;
    return sink;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key kafka_sink_keys[] = {
    MS_KEY_STR("sink.kafka.topic", "summaries",
        "kafka sink: topic of the summaries (key = report id, idempotent producer, acks=all; the producer takes the kafka.* keys)."),
    MS_KEY_STR("sink.kafka.dead_letter_topic", "summaries-dead-letter",
        "kafka sink: topic of the dead-letter records."),
    { 0 }
};

static void kafka_sink_probe(const ms_config *cfg, ms_probe *p)
{
    const char *topics[2] = {ms_config_str(cfg, "sink.kafka.topic"),
                             ms_config_str(cfg, "sink.kafka.dead_letter_topic")};
    ms_kafka_probe_topics(cfg, MS_KAFKA_PRODUCER, "sink kafka", topics, 2, p);
}

const ms_plugin ms_sink_kafka_plugin = {
    .name = "kafka",
    .kind = MS_PLUGIN_SINK,
    .description = "summaries on a Kafka topic, keyed by report id (idempotent producer)",
    .keys = kafka_sink_keys,
    .shared = &ms_kafka_cfg_map,
    .check = ms_sink_kafka_check,
    .uses_aws = ms_kafka_uses_aws,
    .probe = kafka_sink_probe,
    .create.sink = ms_sink_kafka_new,
};
