/* source_kafka.c -- reports from Kafka / Amazon MSK topics.
 *
 * A librdkafka high-level consumer (cooperative-sticky) whose queue is
 * driven by the loop: librdkafka writes a byte to a pipe when its consumer
 * queue becomes non-empty, uv_poll wakes us, and we serve the queue without
 * blocking. Offsets are never auto-committed: the engine calls commit() with
 * the delivery watermark of a partition, and we commit it (batched every
 * source.commit_interval_ms, synchronously on revoke and on close; the
 * commits and their acknowledgements are in kafka_commit.c).
 *
 * Backpressure holds. A message that finds no room in the engine is kept
 * (the rd_kafka_message_t itself, `held`) and the consumer queue is not
 * served until the engine resumes us; then the held message is submitted
 * first and serving goes on. Neither a pause nor a seek happens, so
 * librdkafka keeps its prefetched records (a pause or a seek throws them
 * away behind a new version barrier, and the refetch waits for the fetch in
 * flight, up to fetch.wait.max.ms).
 *
 * A hold must not last long: while we do not call rd_kafka_consumer_poll
 * no rebalance callback runs, and after kafka.max.poll.interval.ms without
 * a poll the consumer leaves its group. So a hold longer than hold_ms
 * (source.hold_ms; by default the smaller of 10 s and a tenth of
 * max.poll.interval.ms) falls back to pausing every assigned partition and
 * serving the queue again (callbacks, errors); the held message stays held.
 * A pause makes librdkafka resume at its "app position", the offset after
 * the last message rd_kafka_consumer_poll returned -- the one after the held
 * message -- so on resume the held message is submitted first and nothing
 * is skipped or read twice.
 *
 * At-least-once: a held message was never admitted, so no watermark passes
 * it (and nothing later of its partition is admitted while it is held). If
 * its partition is revoked or lost, or the source stops, it is dropped
 * uncommitted: the next owner (or run) reads it again. */
#define _GNU_SOURCE /* pipe2 */
#include "sources/source_kafka.h"

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "base/errbuf.h"
#include "base/str.h"
#include "core/engine.h"
#include "base/log.h"
#include "base/metrics.h"
#include "kafka/kafka_conf.h"
#include "kafka/msk_iam.h"
#include "sources/kafka_internal.h"
#include "sources/record.h"
#include "core/plugin.h"

static int topic_index(kafka_source *k, const char *topic)
{
    for (int i = 0; i < k->ntopics; i++)
        if (strcmp(k->topics[i], topic) == 0)
            return i;
    return 0;
}

static part *add_part(kafka_source *k, const char *topic, int32_t partition)
{
    part *p = ms__kafka_find_part(k, topic, partition);
    if (p)
        return p;
    if (k->nparts == k->capparts) {
        int ncap = k->capparts ? k->capparts * 2 : 16;
        part *v = realloc(k->parts, (size_t)ncap * sizeof *v);
        if (!v)
            return NULL;
        k->parts = v;
        k->capparts = ncap;
    }
    p = &k->parts[k->nparts++];
    memset(p, 0, sizeof *p);
    p->topic = strdup(topic);
    p->partition = partition;
    p->lane = ((uint64_t)(uint32_t)topic_index(k, topic) << 32) | (uint32_t)partition;
    p->commit_next = -1;
    p->committed_next = -1;
    return p;
}

static void remove_part(kafka_source *k, part *p)
{
    free(p->topic);
    *p = k->parts[--k->nparts];
}

/* The partitions to pause/resume/commit, as a librdkafka list. */
static rd_kafka_topic_partition_list_t *assignment_list(kafka_source *k)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(k->nparts ? k->nparts : 1);
    for (int i = 0; i < k->nparts; i++)
        rd_kafka_topic_partition_list_add(l, k->parts[i].topic, k->parts[i].partition);
    return l;
}

static void update_drained(kafka_source *k)
{
    bool all = k->ever_assigned && k->nparts > 0 && !k->held;
    for (int i = 0; i < k->nparts && all; i++)
        if (!k->parts[i].eof)
            all = false;
    ms_engine_source_drained(k->base.engine, all);
}

static bool is_held_part(kafka_source *k, const char *topic, int32_t partition);
static void drop_held(kafka_source *k);

/* ---- rebalance -------------------------------------------------------- */

static void on_assign(kafka_source *k, rd_kafka_topic_partition_list_t *parts)
{
    for (int i = 0; i < parts->cnt; i++) {
        add_part(k, parts->elems[i].topic, parts->elems[i].partition);
        ms_log(MS_LOG_INFO, "partition assigned", KS("topic", parts->elems[i].topic),
               KI("partition", parts->elems[i].partition), KEND);
    }
    k->ever_assigned = true;
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t err = 0;
    if (strcmp(rd_kafka_rebalance_protocol(k->rk), "COOPERATIVE") == 0)
        error = rd_kafka_incremental_assign(k->rk, parts);
    else
        err = rd_kafka_assign(k->rk, parts);
    if (error) {
        ms_log(MS_LOG_ERROR, "assign failed", KS("error", rd_kafka_error_string(error)), KEND);
        rd_kafka_error_destroy(error);
    } else if (err) {
        ms_log(MS_LOG_ERROR, "assign failed", KS("error", rd_kafka_err2str(err)), KEND);
    }
    if (k->parts_paused || k->stopped)
        rd_kafka_pause_partitions(k->rk, parts);
    update_drained(k);
}

static void on_revoke(kafka_source *k, rd_kafka_topic_partition_list_t *parts)
{
    bool lost = rd_kafka_assignment_lost(k->rk);
    /* Commit what is confirmed for these partitions before letting go; the
     * rest of their in-flight work will be redone by the next owner. */
    if (!lost)
        ms__kafka_commit_pending(k, true);
    /* librdkafka keeps a partition's pause across its revoke and a later
     * assignment: one paused by the hold fallback would come back paused
     * for good (nothing of ours would resume it). */
    if (k->parts_paused)
        rd_kafka_resume_partitions(k->rk, parts);
    for (int i = 0; i < parts->cnt; i++) {
        part *p = ms__kafka_find_part(k, parts->elems[i].topic, parts->elems[i].partition);
        ms_log(MS_LOG_INFO, lost ? "partition lost" : "partition revoked",
               KS("topic", parts->elems[i].topic), KI("partition", parts->elems[i].partition), KEND);
        if (is_held_part(k, parts->elems[i].topic, parts->elems[i].partition)) {
            ms_log(MS_LOG_INFO, "kafka source: held record dropped with its partition",
                   KS("topic", parts->elems[i].topic), KI("partition", k->held->partition),
                   KI("offset", (long long)k->held->offset), KEND);
            drop_held(k); /* not admitted: the next owner reads it */
        }
        if (!p)
            continue;
        ms_engine_forget_lane(k->base.engine, p->lane);
        remove_part(k, p);
    }
    if (strcmp(rd_kafka_rebalance_protocol(k->rk), "COOPERATIVE") == 0) {
        rd_kafka_error_t *error = rd_kafka_incremental_unassign(k->rk, parts);
        if (error)
            rd_kafka_error_destroy(error);
    } else {
        rd_kafka_assign(k->rk, NULL);
    }
    update_drained(k);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    kafka_source *k = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        on_assign(k, parts);
    else
        on_revoke(k, parts);
}

/* ---- messages --------------------------------------------------------- */

static void pause_all(kafka_source *k, bool pause)
{
    if (!k->nparts)
        return;
    rd_kafka_topic_partition_list_t *l = assignment_list(k);
    if (pause)
        rd_kafka_pause_partitions(k->rk, l);
    else
        rd_kafka_resume_partitions(k->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
}

static bool is_held_part(kafka_source *k, const char *topic, int32_t partition)
{
    return k->held && k->held->partition == partition && k->held->rkt &&
           strcmp(rd_kafka_topic_name(k->held->rkt), topic) == 0;
}

/* Let go of the held message without admitting it (revoke, stop, close):
 * it was never admitted, so it is not committed and is read again. */
static void drop_held(kafka_source *k)
{
    if (!k->held)
        return;
    rd_kafka_message_destroy(k->held);
    k->held = NULL;
    if (k->open_handles)
        uv_timer_stop(&k->hold_timer);
}

static void serve(kafka_source *k);

/* The hold lasted hold_ms: pause every partition and serve the queue again
 * (rebalance callbacks, errors, group membership). The message stays held. */
static void fall_back_to_pause(kafka_source *k)
{
    if (k->parts_paused || !k->held || k->stopped || k->closing)
        return;
    k->parts_paused = true;
    pause_all(k, true);
    ms_counter_add(ms_counter("medstream_kafka_source_pauses_total", "",
                              "Kafka source: times every partition was paused because the engine "
                              "had no room for longer than source.hold_ms"), 1);
    ms_log(MS_LOG_INFO, "kafka source: no room for longer than source.hold_ms, partitions paused",
           KI("hold_ms", k->hold_ms), KEND);
}

static void on_hold_timeout(uv_timer_t *t)
{
    kafka_source *k = t->data;
    fall_back_to_pause(k);
    if (k->parts_paused)
        serve(k);
}

static void hold(kafka_source *k, rd_kafka_message_t *m)
{
    k->held = m;
    if (k->hold_ms == 0)
        fall_back_to_pause(k);
    else if (!k->parts_paused)
        uv_timer_start(&k->hold_timer, on_hold_timeout, (uint64_t)k->hold_ms, 0);
}

/* Read m again after resume: only for a message polled while another is
 * held, which the design rules out (nothing is polled during a hold but in
 * the pause fallback, when every partition is paused). */
static void rewind_to(kafka_source *k, const char *topic, rd_kafka_message_t *m)
{
    ms_log(MS_LOG_WARN, "kafka source: a record arrived while another was held; seeking back",
           KS("topic", topic), KI("partition", m->partition), KI("offset", (long long)m->offset),
           KEND);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, m->partition)->offset = m->offset;
    rd_kafka_error_t *error = rd_kafka_seek_partitions(k->rk, l, 0);
    if (error)
        rd_kafka_error_destroy(error);
    rd_kafka_topic_partition_list_destroy(l);
}

static void submit(kafka_source *k, part *p, const char *topic, const rd_kafka_message_t *m)
{
    /* Lag: records on the broker past this one. The high watermark is
     * librdkafka's cached value from its last fetch: no broker round trip. */
    int64_t lo, hi;
    if (rd_kafka_get_watermark_offsets(k->rk, topic, m->partition, &lo, &hi) ==
            RD_KAFKA_RESP_ERR_NO_ERROR && hi >= 0) {
        if (!p->lag) {
            char labels[320];
            snprintf(labels, sizeof labels, "topic=\"%.200s\",partition=\"%d\"", topic,
                     (int)m->partition);
            p->lag = ms_gauge("medstream_source_lag_records", labels,
                              "Records on the broker after the last one read (Kafka consumer lag)");
        }
        int64_t lag = hi - (m->offset + 1);
        ms_gauge_set(p->lag, lag > 0 ? lag : 0);
    }
    ms_doc *doc = ms_doc_new();
    if (!doc)
        return;
    char id[256];
    snprintf(id, sizeof id, "%s-%d-%lld", topic, (int)m->partition, (long long)m->offset);
    ms_doc_set_id(doc, id);
    /* Raw PDF, envelope or S3 event (record.h); a bad one is submitted
     * failed and becomes a dead letter, its offset committed like any other. */
    ms_record_fill_doc(doc, m->payload, m->len, k->max_bytes);
    doc->pos.lane = p->lane;
    doc->pos.partition = m->partition;
    doc->pos.offset = m->offset;
    snprintf(doc->pos.label, sizeof doc->pos.label, "%s/%d/%lld", topic, (int)m->partition,
             (long long)m->offset);
    ms_engine_submit(k->base.engine, doc);
}

/* One event of the consumer queue. Returns true when m was kept as the held
 * message (the caller must not destroy it). */
static bool handle_message(kafka_source *k, rd_kafka_message_t *m)
{
    const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    part *p = m->rkt ? ms__kafka_find_part(k, topic, m->partition) : NULL;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        /* The held message's partition is not at its end, whatever a
         * (stale) event says; update_drained also waits for the held one. */
        if (p && !is_held_part(k, topic, m->partition))
            p->eof = true;
        update_drained(k);
        return false;
    }
    if (m->err) {
        ms_log(MS_LOG_WARN, "consumer error", KS("error", rd_kafka_message_errstr(m)),
               KS("topic", topic), KI("partition", m->partition), KEND);
        return false;
    }
    if (!p || k->stopped)
        return false; /* not (or no longer) ours: not admitted, not committed */
    if (p->eof) {
        p->eof = false;
        ms_engine_source_drained(k->base.engine, false);
    }
    if (k->held) {
        rewind_to(k, topic, m);
        return false;
    }
    if (!ms_engine_has_room(k->base.engine, m->len)) {
        hold(k, m); /* the engine paused us; kafka_resume releases it */
        return true;
    }
    submit(k, p, topic, m);
    return false;
}

/* After the engine resumed us: submit the held message if it fits now (if
 * not, the engine pauses us again and it stays held). */
static bool release_held(kafka_source *k)
{
    if (k->paused || k->stopped || !ms_engine_has_room(k->base.engine, k->held->len))
        return false;
    rd_kafka_message_t *m = k->held;
    k->held = NULL;
    uv_timer_stop(&k->hold_timer);
    if (k->parts_paused) {
        /* librdkafka resumes each partition at the offset after the last
         * message polled: for the held one's partition, right after it. */
        k->parts_paused = false;
        pause_all(k, false);
    }
    const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    part *p = ms__kafka_find_part(k, topic, m->partition);
    if (p)
        submit(k, p, topic, m);
    rd_kafka_message_destroy(m);
    return true;
}

static void on_idle(uv_idle_t *h);

/* Serve the consumer queue without blocking; at most `budget` events per
 * loop turn so one busy topic cannot starve the rest of the loop. When the
 * budget runs out, an idle handle brings us back on the next turn (the pipe
 * only signals the empty -> non-empty transition). While a message is held
 * nothing is polled, except in the pause fallback. */
static void serve(kafka_source *k)
{
    int budget = 512;
    while (budget-- > 0 && k->rk && !k->closing) {
        if (k->parts_paused && !k->held && !k->paused && !k->stopped) {
            /* The held message went with a revoked partition during the
             * pause fallback, and the engine has room again (possibly since
             * a callback of the poll below: a revoke releases the reports
             * its partitions had counted, which can resume us). */
            k->parts_paused = false;
            pause_all(k, false);
        }
        if (k->held && !release_held(k) && !k->parts_paused) {
            uv_idle_stop(&k->idle);
            return;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(k->rk, 0);
        if (!m) {
            uv_idle_stop(&k->idle);
            return;
        }
        if (!handle_message(k, m))
            rd_kafka_message_destroy(m);
    }
    if (!k->closing)
        uv_idle_start(&k->idle, on_idle);
}

static void on_idle(uv_idle_t *h)
{
    serve(h->data);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
    kafka_source *k = h->data;
    char buf[256];
    while (read(k->pipe_fds[0], buf, sizeof buf) > 0)
        ;
    ms__kafka_serve_commits(k); /* also during a hold: it waits for these */
    serve(k);
}

/* ---- source interface -------------------------------------------------- */

static int begin(kafka_source *k);
static void msk_ready(void *ud, const char *error);

static int kafka_start(ms_source *src)
{
    kafka_source *k = (kafka_source *)src;
    uv_loop_t *loop = src->loop;
    if (pipe2(k->pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        ms_log(MS_LOG_ERROR, "pipe failed", KS("error", strerror(errno)), KEND);
        return -1;
    }
    k->queue = rd_kafka_queue_get_consumer(k->rk);
    rd_kafka_queue_io_event_enable(k->queue, k->pipe_fds[1], "1", 1);
    ms__kafka_commit_queue_open(k);
    uv_poll_init(loop, &k->poll, k->pipe_fds[0]);
    uv_idle_init(loop, &k->idle);
    uv_timer_init(loop, &k->commit_timer);
    uv_timer_init(loop, &k->hold_timer);
    k->poll.data = k->idle.data = k->commit_timer.data = k->hold_timer.data = k;
    k->open_handles = 4;
    if (k->commit_interval_ms > 0)
        uv_timer_start(&k->commit_timer, ms__kafka_on_commit_timer, (uint64_t)k->commit_interval_ms,
                       (uint64_t)k->commit_interval_ms);
    if (k->cfg && ms_config_bool(k->cfg, "msk.iam")) {
        /* Serve librdkafka's queue (where its OAUTHBEARER refresh callback
         * runs) only once an MSK IAM token exists (msk_iam.h). */
        char err[512];
        k->msk = ms_msk_iam_acquire(loop, k->cfg, msk_ready, k, err, sizeof err);
        if (!k->msk) {
            ms_log(MS_LOG_ERROR, "msk iam: cannot start", KS("error", err), KEND);
            return -1;
        }
        return 0;
    }
    return begin(k);
}

static void msk_ready(void *ud, const char *error)
{
    kafka_source *k = ud;
    if (error) {
        ms_engine_source_failed(k->base.engine, error);
        return;
    }
    if (!k->closing && !k->stopped && !k->started && begin(k) != 0)
        ms_engine_source_failed(k->base.engine, "kafka subscribe failed");
}

static int begin(kafka_source *k)
{
    uv_poll_start(&k->poll, UV_READABLE, on_readable);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(k->ntopics);
    for (int i = 0; i < k->ntopics; i++)
        rd_kafka_topic_partition_list_add(subs, k->topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(k->rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (err) {
        ms_log(MS_LOG_ERROR, "subscribe failed", KS("error", rd_kafka_err2str(err)), KEND);
        return -1;
    }
    k->started = true;
    ms_log(MS_LOG_INFO, "kafka consumer subscribed", KI("topics", k->ntopics), KEND);
    serve(k);
    return 0;
}

/* The engine has no room: the next message that does not fit is held
 * (handle_message); nothing is paused here. */
static void kafka_pause(ms_source *src)
{
    kafka_source *k = (kafka_source *)src;
    k->paused = true;
}

/* Room again: on the next loop turn serve() submits the held message first
 * (and resumes the partitions if the hold fell back to pausing them). Not
 * from here: the engine calls this from inside its completion path. */
static void kafka_resume(ms_source *src)
{
    kafka_source *k = (kafka_source *)src;
    if (!k->paused || k->stopped)
        return;
    k->paused = false;
    if (k->open_handles && k->started && !k->closing)
        uv_idle_start(&k->idle, on_idle);
}

static void kafka_stop(ms_source *src)
{
    kafka_source *k = (kafka_source *)src;
    if (k->stopped)
        return;
    k->stopped = true;
    drop_held(k);
    pause_all(k, true);
}

static void on_closed(uv_handle_t *h)
{
    kafka_source *k = h->data;
    if (--k->open_handles == 0 && k->close_done)
        k->close_done(&k->base);
}

static void kafka_close(ms_source *src, void (*done)(ms_source *))
{
    kafka_source *k = (kafka_source *)src;
    kafka_stop(src);
    if (k->started) {
        ms__kafka_commit_pending(k, true);
        k->closing = true;
        /* Leaves the group; the revoke callback runs from inside and commits
         * again (a no-op when nothing moved). */
        rd_kafka_queue_io_event_enable(k->queue, -1, NULL, 0);
        rd_kafka_queue_io_event_enable(k->commit_q, -1, NULL, 0);
        rd_kafka_consumer_close(k->rk);
        ms_log(MS_LOG_INFO, "kafka consumer closed", KEND);
    }
    ms_msk_iam_release(k->msk); /* after the close: leaving the group may connect */
    k->msk = NULL;
    if (!k->open_handles) {
        done(src);
        return;
    }
    k->close_done = done;
    uv_close((uv_handle_t *)&k->poll, on_closed);
    uv_close((uv_handle_t *)&k->idle, on_closed);
    uv_close((uv_handle_t *)&k->commit_timer, on_closed);
    uv_close((uv_handle_t *)&k->hold_timer, on_closed);
}

static void kafka_destroy(ms_source *src)
{
    kafka_source *k = (kafka_source *)src;
    ms_msk_iam_release(k->msk);
    if (k->held) { /* close was not called: the loop is gone, no timer to stop */
        rd_kafka_message_destroy(k->held);
        k->held = NULL;
    }
    if (k->queue)
        rd_kafka_queue_destroy(k->queue);
    if (k->commit_q)
        rd_kafka_queue_destroy(k->commit_q);
    if (k->rk)
        rd_kafka_destroy(k->rk);
    if (k->pipe_fds[0] > 0) {
        close(k->pipe_fds[0]);
        close(k->pipe_fds[1]);
    }
    for (int i = 0; i < k->nparts; i++)
        free(k->parts[i].topic);
    free(k->parts);
    for (int i = 0; i < k->ntopics; i++)
        free(k->topics[i]);
    free(k->topics);
    free(k);
}

static const ms_source_ops kafka_ops = {
    .name = "kafka",
    .start = kafka_start,
    .pause = kafka_pause,
    .resume = kafka_resume,
    .commit = ms__kafka_commit,
    .stop = kafka_stop,
    .close = kafka_close,
    .destroy = kafka_destroy,
    .acks_commits = true,
    .flush = ms__kafka_flush,
};

static int split_topics(kafka_source *k, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    if (!copy)
        return -1;
    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        char **v = realloc(k->topics, (size_t)(k->ntopics + 1) * sizeof *v);
        if (!v)
            break;
        k->topics = v;
        k->topics[k->ntopics++] = strdup(t);
    }
    free(copy);
    return k->ntopics > 0 ? 0 : -1;
}

/* source.hold_ms: -1 = the smaller of 10 s and a tenth of
 * max.poll.interval.ms; an explicit value may not exceed half of it (a
 * hold does not poll, and without a poll for max.poll.interval.ms the
 * consumer leaves its group). */
static int hold_ms_from(const ms_config *cfg, rd_kafka_conf_t *conf, int64_t *out, char *err,
                        size_t errlen)
{
    char v[32] = "";
    size_t n = sizeof v;
    int64_t mpi = 300000; /* librdkafka's default */
    if (rd_kafka_conf_get(conf, "max.poll.interval.ms", v, &n) == RD_KAFKA_CONF_OK && v[0])
        mpi = strtoll(v, NULL, 10);
    int64_t want = ms_config_int(cfg, "source.hold_ms");
    if (want < 0) {
        *out = mpi / 10 < 10000 ? mpi / 10 : 10000;
        return 0;
    }
    if (want > mpi / 2) {
        ms_errf(err, errlen, "source.hold_ms = %lld: at most half of kafka.max.poll.interval.ms "
                "(%lld)", (long long)want, (long long)mpi);
        return -1;
    }
    *out = want;
    return 0;
}

ms_source *ms_source_kafka_new(const ms_config *cfg, char *err, size_t errlen)
{
    kafka_source *k = calloc(1, sizeof *k);
    if (!k) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    k->base.ops = &kafka_ops;
    k->base.state = k;
    k->pipe_fds[0] = k->pipe_fds[1] = -1;
    k->commit_interval_ms = ms_config_int(cfg, "source.commit_interval_ms");
    k->max_bytes = (size_t)ms_config_int(cfg, "parse.max_bytes");
    k->cfg = cfg;
    if (split_topics(k, ms_config_str(cfg, "source.topics")) != 0) {
        ms_errf(err, errlen, "source.topics: no topic given");
        kafka_destroy(&k->base);
        return NULL;
    }
    rd_kafka_conf_t *conf = ms_kafka_conf_new(cfg, MS_KAFKA_CONSUMER, err, errlen);
    if (!conf) {
        kafka_destroy(&k->base);
        return NULL;
    }
    if (hold_ms_from(cfg, conf, &k->hold_ms, err, errlen) != 0) {
        rd_kafka_conf_destroy(conf);
        kafka_destroy(&k->base);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, k);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(conf, ms__kafka_commit_cb);
    char errstr[512];
    k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!k->rk) {
        rd_kafka_conf_destroy(conf);
        ms_errf(err, errlen, "kafka consumer: %s", errstr);
        kafka_destroy(&k->base);
        return NULL;
    }
    rd_kafka_poll_set_consumer(k->rk);
    return &k->base;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key kafka_source_keys[] = {
    MS_KEY_STR("source.topics", "reports",
        "kafka source: comma-separated topics to consume."),
    MS_KEY_INT("source.commit_interval_ms", "1000", 0, 600000,
        "kafka source: how often confirmed offsets are committed (0 = after every confirmation); they are always committed on shutdown and rebalance, and at once when delivered reports awaiting their commit fill engine.max_inflight_docs (they count against it until the broker acknowledges the commit)."),
    MS_KEY_INT("source.hold_ms", "-1", -1, 43200000,
        "kafka source: when the engine is full, the next record is held (no pause, librdkafka keeps its prefetch) for at most this long, then every partition is paused; -1 = the smaller of 10 s and a tenth of kafka.max.poll.interval.ms, 0 = pause at once; at most half of kafka.max.poll.interval.ms."),
    { 0 }
};

static void kafka_probe(const ms_config *cfg, ms_probe *p)
{
    char list[1024];
    const char *topics[32];
    int n = 0;
    ms_strlcpy(list, sizeof list, ms_config_str(cfg, "source.topics"));
    char *save = NULL;
    for (char *t = strtok_r(list, ", ", &save); t && n < 32; t = strtok_r(NULL, ", ", &save))
        topics[n++] = t;
    ms_kafka_probe_topics(cfg, MS_KAFKA_CONSUMER, "source kafka", topics, n, p);
}

const ms_plugin ms_source_kafka_plugin = {
    .name = "kafka",
    .kind = MS_PLUGIN_SOURCE,
    .description = "records on Kafka topics (Amazon MSK), offsets committed after delivery",
    .keys = kafka_source_keys,
    .shared = &ms_kafka_cfg_map,
    .check = ms_kafka_conf_check,
    .uses_aws = ms_kafka_uses_aws,
    .probe = kafka_probe,
    .create.source = ms_source_kafka_new,
};
