/* extract_comprehend_internal.h -- the Comprehend stage's state, shared by
 * extract_comprehend.c (the loop stage) and extract_comprehend_conf.c
 * (options and metrics). Not for other modules. */
#ifndef MS_EXTRACT_COMPREHEND_INTERNAL_H
#define MS_EXTRACT_COMPREHEND_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "aws/aws.h"
#include "base/config.h"
#include "base/list.h"
#include "base/metrics.h"
#include "core/stage.h"
#include "nlp/nlp.h"
#include "stages/comprehend/cm_cache.h"
#include "stages/comprehend/cm_ops.h"
#include "stages/comprehend/cm_sched.h"

#define REDIS_TIMEOUT_MS 250

typedef struct cm_stage cm_stage;
typedef struct cm_job cm_job;

typedef enum req_state { R_NEW, R_REDIS, R_QUEUED, R_SENDING, R_DONE } req_state;

typedef struct cm_req {
    ms_cm_item item;          /* scheduler link; cost = characters */
    cm_job *job;
    ms_cm_op op;
    size_t chunk, base_byte, base_cp, len, chars;
    ms_cm_key key;
    req_state state;
    bool cached;              /* answered from a cache: nothing to store */
    char *resp;               /* the response JSON, owned */
    size_t resp_len;
    char *body;               /* the request JSON while it is on the wire */
    size_t body_len;
} cm_req;

struct cm_job {
    cm_stage *x;
    ms_doc *doc;
    ms_stage_done_cb done;
    cm_req *reqs;
    size_t nreqs;
    size_t left;              /* requests not yet DONE */
    size_t busy;              /* callbacks outstanding (Redis, AWS) + guards */
    bool failed;
    ms_list link;             /* in cm_stage.jobs */
};

typedef struct cm_metrics {
    ms_metric *requests, *chars, *billed, *hits_mem, *hits_redis, *requeues, *pagination;
    ms_metric *attempts[5];   /* by ms_aws_outcome */
    ms_metric *limit, *inflight, *queued, *rtt;
} cm_metrics;

typedef struct cm_op {
    bool on;
    ms_cm_sched s;
    ms_cm_sched_opts so;
    int bill_slot;            /* index into doc->billing */
    cm_metrics m;
} cm_op;

struct cm_stage {
    ms_stage stage;
    /* options, copied: the config may be gone by attach() */
    char endpoint_cfg[512];
    bool redis_on;
    ms_cm_redis_conf redis_conf;
    ms_aws_opts aopts;
    int max_attempts;
    size_t cache_bytes;
    long redis_ttl_s;
    /* runtime */
    uv_loop_t *loop;
    ms_aws *aws;
    char endpoint[512];
    ms_nlp_engine *enrich;
    ms_cm_lru *lru;
    ms_cm_redis *redis;
    cm_op ops[MS_CM_NOPS];
    int nops_on;
    uv_timer_t timer;
    bool timer_init;
    bool pumping, pump_again;
    bool closing, destroyed;
    int closes_pending;
    ms_list jobs;             /* cm_job.link (set up by ms__cmx_configure) */
};

/* Read the comprehend.* keys (already validated by
 * ms_extract_comprehend_check) into x and register each enabled
 * operation's metrics. */
void ms__cmx_configure(cm_stage *x, const ms_config *cfg);

/* The Redis tier's settings (comprehend.cache.redis_*) into rc, the files
 * checked readable: 1, 0 when the tier is off, -1 with a reason. */
int ms__cmx_redis_conf(const ms_config *cfg, ms_cm_redis_conf *rc, char *err, size_t errlen);

/* Read the keys that may change on SIGHUP (an operation's tps and cps, the
 * concurrency ceiling) into so. */
void ms__cmx_read_limits(const ms_config *cfg, int op, ms_cm_sched_opts *so);

/* Publish an operation's scheduler state to its gauges. */
void ms__cmx_op_gauges(cm_op *o);

/* check-config --probe: one DetectEntitiesV2 call, and the Redis cache
 * when one is configured (cm_probe.c). */
void ms__cmx_probe(const ms_config *cfg, ms_probe *p);

/* The stage's configuration keys (comprehend.*), declared in
 * extract_comprehend_conf.c. */
extern const ms_cfg_key ms__comprehend_keys[];

#endif
