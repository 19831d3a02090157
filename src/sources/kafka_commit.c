/* kafka_commit.c -- the Kafka source's offset commits.
 *
 * The engine hands us each partition's delivery watermark (commit()); we
 * commit it asynchronously, batched every source.commit_interval_ms (0:
 * at once), and synchronously on revoke and on close. The asynchronous
 * commits' results come back on our own queue, commit_q, which signals the
 * same pipe as the consumer queue, so they are served on the loop thread
 * even while a held message keeps the consumer queue unserved (a hold
 * waits for exactly these acknowledgements). Every acknowledged position
 * is reported with ms_engine_committed(): until then the engine keeps the
 * delivered reports below it counted against its in-flight limits, which
 * bounds what a crash can redo by engine.max_inflight_docs (source.h).
 *
 * When those reports block admission the engine asks for a commit now
 * (flush). At most one such commit is waited for at a time: a flush while
 * commits are out is remembered and done when they are answered, so under
 * a backlog the commits batch themselves at the broker's round trip. A
 * failed commit is retried by the commit timer (source.commit_interval_ms,
 * or 1 s when that is 0), never in a tight loop; its reports stay counted
 * until a commit past them succeeds or the partition is revoked. */
#include "sources/kafka_internal.h"

#include <string.h>

#include "base/log.h"
#include "core/engine.h"

#define RETRY_MS 1000 /* a failed commit's retry with commit_interval_ms = 0 */

part *ms__kafka_find_part(kafka_source *k, const char *topic, int32_t partition)
{
    for (int i = 0; i < k->nparts; i++)
        if (k->parts[i].partition == partition && strcmp(k->parts[i].topic, topic) == 0)
            return &k->parts[i];
    return NULL;
}

static part *find_lane(kafka_source *k, uint64_t lane)
{
    for (int i = 0; i < k->nparts; i++)
        if (k->parts[i].lane == lane)
            return &k->parts[i];
    return NULL;
}

/* A commit of these partitions (l NULL: of which, unknown: all) failed:
 * commit them again later. */
static void commit_failed(kafka_source *k, const rd_kafka_topic_partition_list_t *l,
                          rd_kafka_resp_err_t err)
{
    bool again = false;
    for (int i = 0; !l && i < k->nparts; i++) {
        k->parts[i].committed_next = -1;
        again = true;
    }
    for (int i = 0; l && i < l->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &l->elems[i];
        rd_kafka_resp_err_t e = err ? err : tp->err;
        if (!e)
            continue;
        part *p = ms__kafka_find_part(k, tp->topic, tp->partition);
        if (p && p->committed_next == tp->offset) { /* no later commit since */
            p->committed_next = -1;
            again = true;
        }
    }
    if (again && k->commit_interval_ms == 0 && k->open_handles && !k->closing)
        uv_timer_start(&k->commit_timer, ms__kafka_on_commit_timer, RETRY_MS, 0);
}

/* Report the acknowledged positions of l to the engine. */
static void acknowledged(kafka_source *k, const rd_kafka_topic_partition_list_t *l,
                         rd_kafka_resp_err_t err)
{
    if (err)
        return;
    for (int i = 0; i < l->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &l->elems[i];
        part *p = tp->err || tp->offset < 0 ? NULL
                                            : ms__kafka_find_part(k, tp->topic, tp->partition);
        if (p)
            ms_engine_committed(k->base.engine, p->lane, tp->offset);
    }
}

static bool failed(const rd_kafka_topic_partition_list_t *l, rd_kafka_resp_err_t err)
{
    if (err)
        return err != RD_KAFKA_RESP_ERR__NO_OFFSET;
    for (int i = 0; l && i < l->cnt; i++)
        if (l->elems[i].err)
            return true;
    return false;
}

/* An asynchronous commit's result (from ms__kafka_serve_commits). */
static void commit_result(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    kafka_source *k = opaque;
    k->commits_out--;
    if (!offsets || failed(offsets, err)) {
        /* Retried by the commit timer, not at once: no tight loop while
         * the group coordinator refuses (a rebalance, a broker down). */
        ms_log(MS_LOG_WARN, "offset commit failed; will retry",
               KS("error", rd_kafka_err2str(err || !offsets ? err : offsets->elems[0].err)),
               KEND);
        commit_failed(k, offsets, err);
        if (offsets)
            acknowledged(k, offsets, err); /* the partitions that made it */
        return;
    }
    acknowledged(k, offsets, err);
    if (k->flush_wanted && k->commits_out == 0 && !k->closing) {
        k->flush_wanted = false;
        ms__kafka_commit_pending(k, false);
    }
}

void ms__kafka_commit_pending(kafka_source *k, bool sync)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (int i = 0; i < k->nparts; i++) {
        part *p = &k->parts[i];
        if (p->commit_next >= 0 && p->commit_next != p->committed_next) {
            rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = p->commit_next;
            p->committed_next = p->commit_next;
        }
    }
    if (l->cnt > 0 && sync) {
        rd_kafka_resp_err_t err = rd_kafka_commit(k->rk, l, 0);
        if (failed(l, err))
            ms_log(MS_LOG_WARN, "offset commit failed", KS("error", rd_kafka_err2str(err)), KEND);
        acknowledged(k, l, err);
    } else if (l->cnt > 0) {
        rd_kafka_resp_err_t err = rd_kafka_commit_queue(k->rk, l, k->commit_q, commit_result, k);
        if (err) { /* not sent (no group?): no result will come */
            ms_log(MS_LOG_WARN, "offset commit failed; will retry",
                   KS("error", rd_kafka_err2str(err)), KEND);
            commit_failed(k, l, err);
        } else {
            k->commits_out++;
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
}

void ms__kafka_commit_queue_open(kafka_source *k)
{
    k->commit_q = rd_kafka_queue_new(k->rk);
    rd_kafka_queue_io_event_enable(k->commit_q, k->pipe_fds[1], "1", 1);
}

void ms__kafka_serve_commits(kafka_source *k)
{
    /* The pipe only signals an empty -> non-empty transition: serve all. */
    while (k->commit_q && rd_kafka_queue_poll_callback(k->commit_q, 0) > 0)
        ;
}

void ms__kafka_on_commit_timer(uv_timer_t *t)
{
    ms__kafka_commit_pending(t->data, false);
}

void ms__kafka_commit(ms_source *src, uint64_t lane, int64_t next)
{
    kafka_source *k = (kafka_source *)src;
    part *p = find_lane(k, lane);
    if (!p)
        return;
    p->commit_next = next;
    if (k->commit_interval_ms == 0)
        ms__kafka_commit_pending(k, false);
}

void ms__kafka_flush(ms_source *src)
{
    kafka_source *k = (kafka_source *)src;
    if (!k->started || k->closing)
        return;
    if (k->commits_out > 0) {
        k->flush_wanted = true;
        return;
    }
    ms__kafka_commit_pending(k, false);
}

void ms__kafka_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk, (void)offsets, (void)opaque;
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        ms_log(MS_LOG_WARN, "offset commit failed", KS("error", rd_kafka_err2str(err)), KEND);
}
