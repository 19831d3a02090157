/* kafka_internal.h -- shared by source_kafka.c (consumer, rebalance,
 * holds) and kafka_commit.c (offset commits and their acknowledgements). */
#ifndef MS_KAFKA_INTERNAL_H
#define MS_KAFKA_INTERNAL_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "base/config.h"
#include "base/metrics.h"
#include "core/source.h"
#include "kafka/msk_iam.h"

typedef struct part {
    char *topic;
    int32_t partition;
    uint64_t lane;
    bool eof;
    int64_t commit_next;     /* watermark to commit, -1 = none */
    int64_t committed_next;  /* last watermark handed to librdkafka */
    ms_metric *lag;          /* medstream_source_lag_records{topic,partition} */
} part;

typedef struct kafka_source {
    ms_source base;
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    rd_kafka_queue_t *commit_q; /* results of the asynchronous commits */
    int pipe_fds[2];
    uv_poll_t poll;
    uv_idle_t idle;
    uv_timer_t commit_timer;
    uv_timer_t hold_timer;   /* the hold -> pause fallback */
    int open_handles;
    void (*close_done)(ms_source *);
    char **topics;
    int ntopics;
    part *parts;
    int nparts, capparts;
    bool paused, stopped, closing, started, ever_assigned;
    rd_kafka_message_t *held; /* polled, found no room: submitted on resume */
    bool parts_paused;        /* the fallback: every partition paused */
    int64_t hold_ms;          /* hold at most this long, then pause */
    int64_t commit_interval_ms;
    int commits_out;         /* asynchronous commits not yet answered */
    bool flush_wanted;       /* the engine asked for a commit while one was out */
    size_t max_bytes;        /* parse.max_bytes: caps a decoded envelope */
    const ms_config *cfg;    /* outlives the source */
    ms_msk_iam_ref *msk;     /* msk.iam: the token refresher */
} kafka_source;

/* kafka_commit.c. The partition (NULL: not assigned to us). */
part *ms__kafka_find_part(kafka_source *k, const char *topic, int32_t partition);

/* Commit every partition whose watermark moved; sync: wait
 * for the broker (revoke, close), else the result comes through commit_q
 * and every acknowledged position is reported with ms_engine_committed(). */
void ms__kafka_commit_pending(kafka_source *k, bool sync);
/* Create commit_q, signalled on pipe_fds[1] like the consumer queue. */
void ms__kafka_commit_queue_open(kafka_source *k);
/* Serve every commit result waiting on commit_q (loop thread). */
void ms__kafka_serve_commits(kafka_source *k);
/* source.commit_interval_ms's timer. */
void ms__kafka_on_commit_timer(uv_timer_t *t);
/* The source ops commit and flush (source.h). */
void ms__kafka_commit(ms_source *src, uint64_t lane, int64_t next);
void ms__kafka_flush(ms_source *src);
/* librdkafka's offset_commit_cb: the synchronous commits' results. */
void ms__kafka_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *offsets, void *opaque);

#endif
