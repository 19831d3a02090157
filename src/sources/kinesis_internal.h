/* kinesis_internal.h -- shared by source_kinesis.c and kinesis_shards.c. */
#ifndef MS_KINESIS_INTERNAL_H
#define MS_KINESIS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "base/metrics.h"
#include "aws/aws.h"
#include "sources/checkpoint.h"
#include "core/source.h"

#define KIN_SEQ_MAX 128

typedef enum kin_state {
    KIN_IDLE = 0,  /* lease store: another process holds (or may take) it */
    KIN_WAIT,      /* a parent is not finished yet */
    KIN_ITER,      /* needs a shard iterator */
    KIN_READ,      /* GetRecords loop */
    KIN_ENDED,     /* read to its end; waiting for its records' delivery */
    KIN_DONE       /* SHARD_END recorded */
} kin_state;

/* A record admitted and not yet covered by a commit. */
typedef struct kin_inflight {
    int64_t counter;
    char seq[KIN_SEQ_MAX];
} kin_inflight;

typedef struct kin_shard {
    char id[128];
    char parent[128], adj_parent[128];
    uint64_t lane;
    kin_state state;
    char *iter;
    bool busy;          /* a request is in flight */
    bool at_tip;        /* the last GetRecords returned nothing, 0 ms behind */
    uint64_t due_ms;    /* earliest time of the next call (uv_now) */
    uint64_t last_call_ms;
    int backoff_ms;
    json_t *buf;        /* Records fetched and not yet admitted */
    size_t buf_i;
    int64_t next_counter;
    kin_inflight *fifo;
    size_t fifo_head, fifo_tail, fifo_cap;
    char last_admitted[KIN_SEQ_MAX];
    ms_metric *lag;     /* medstream_source_lag_ms{stream,shard} (the old name, kept) */
    ms_metric *lag_s;   /* medstream_source_lag_seconds{stream,shard} */
} kin_shard;

typedef struct kin_source {
    ms_source base;
    char stream[256];
    char endpoint_cfg[512], endpoint[512];
    char start[32];
    double start_ts;          /* at_timestamp: seconds since the epoch */
    int64_t poll_ms, max_records, ckpt_interval_ms;
    size_t max_bytes;         /* parse.max_bytes: the record decoder's cap */
    ms_aws_opts aopts;
    ms_aws *aws;
    ms_checkpoint *ckpt;
    uv_timer_t tick;
    uint64_t last_flush_ms;
    bool tick_open, paused, stopped, closing, started;
    bool drained_sent;
    /* ListShards */
    bool list_needed, list_busy;
    uint64_t list_due_ms;
    int list_backoff_ms;
    json_t *list_acc;         /* shards gathered over the pages */
    kin_shard **shards;
    int nshards, capshards;
    int requests;             /* in flight */
    bool leases;              /* the store hands out shards (dynamodb) */
    uint64_t next_list_ms;
    char failed[1200];        /* set when the source cannot go on */
    void (*close_done)(ms_source *);
} kin_source;

/* kinesis_shards.c */
kin_shard *ms_kin_find_shard(kin_source *k, const char *id);
kin_shard *ms_kin_find_lane(kin_source *k, uint64_t lane);
/* Merge a ListShards result (array of Shard objects); new shards start in
 * KIN_WAIT. Returns how many were new. */
int ms_kin_merge_shards(kin_source *k, json_t *shards);
/* True when the shard's parents are finished (or unknown to us). */
bool ms_kin_parents_done(kin_source *k, const kin_shard *s);
bool ms_kin_has_known_parent(kin_source *k, const kin_shard *s);
int ms_kin_fifo_push(kin_shard *s, int64_t counter, const char *seq);
void ms_kin_shard_free(kin_shard *s);
/* ISO-8601 UTC ("2024-05-01T12:00:00Z", fraction allowed) or epoch seconds. */
int ms_kin_parse_time(const char *s, double *out);

/* check-config --probe: ListShards on source.kinesis.stream, its shards
 * counted (kinesis_shards.c). */
void ms_kin_probe(const ms_config *cfg, ms_probe *p);

#endif
