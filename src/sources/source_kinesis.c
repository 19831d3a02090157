/* source_kinesis.c -- reports from an Amazon Kinesis data stream.
 *
 * One timer on the loop (the tick) drives everything: it lists the shards
 * (ListShards, paginated), starts a shard once its parents are finished
 * (GetShardIterator from the checkpoint, else TRIM_HORIZON for a child and
 * source.kinesis.start for a root shard), runs one GetRecords loop per
 * shard, admits fetched records while the engine has room, and flushes the
 * checkpoint store. Every call goes through ms_aws_send (Kinesis JSON 1.1).
 *
 * Limits per shard: at most one GetRecords every 200 ms (5 calls/s) and,
 * after a read of B bytes, the next one no sooner than B / 2 MB/s; at the
 * tip the shard is polled every source.kinesis.poll_interval_ms.
 * ProvisionedThroughputExceededException backs the shard off (250 ms
 * doubling to 10 s); ExpiredIteratorException gets a new iterator after
 * the last admitted record (or the checkpoint when none was admitted).
 *
 * Delivery: a shard is a lane; its records get an admission counter as
 * their lane offset, and the sequence number of each counter is kept until
 * the engine's watermark passes it, so the checkpoint only ever names a
 * record every sink confirmed. A closed shard read to its end and fully
 * delivered is recorded as SHARD_END; only then are its children read (the
 * order KCL keeps). Backpressure stops admitting and polling; fetched
 * records wait in memory. */
#include "sources/record.h"
#include "base/errbuf.h"
#include "sources/source_kinesis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "base/log.h"
#include "sources/kinesis_internal.h"
#include "core/plugin.h"

#define TICK_MS 20
#define MIN_CALL_GAP_MS 200              /* 5 GetRecords/s per shard */
#define SHARD_BYTES_PER_S (2.0 * 1024 * 1024)
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 10000

typedef enum kin_op { OP_LIST, OP_ITER, OP_GET } kin_op;

typedef struct kin_req {
    kin_source *k;
    kin_shard *s;
    kin_op op;
    char *body;
} kin_req;

static void on_done(const ms_aws_result *r, void *ud);

static void set_drained(kin_source *k, bool v)
{
    if (k->drained_sent == v || k->stopped || k->closing)
        return;
    k->drained_sent = v;
    ms_engine_source_drained(k->base.engine, v);
}

static int next_backoff(int cur)
{
    int b = cur ? cur * 2 : BACKOFF_MIN_MS;
    return b > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b;
}

static uint64_t now_ms(kin_source *k)
{
    return uv_now((uv_loop_t *)k->base.loop);
}

/* Send one Kinesis call; body is consumed. -1 when nothing was sent. */
static int send_op(kin_source *k, kin_shard *s, kin_op op, json_t *body)
{
    static const char *const targets[] = {"Kinesis_20131202.ListShards",
                                          "Kinesis_20131202.GetShardIterator",
                                          "Kinesis_20131202.GetRecords"};
    kin_req *q = calloc(1, sizeof *q);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!q || !text) {
        free(q);
        free(text);
        return -1;
    }
    q->k = k;
    q->s = s;
    q->op = op;
    q->body = text;
    ms_aws_request rq = {
        .service = "kinesis",
        .endpoint = k->endpoint,
        .target = targets[op],
        .json_version = "1.1",
        .body = text,
        .body_len = strlen(text),
        /* GetRecords throttling is paced per shard here, not retried blindly. */
        .max_attempts = op == OP_GET ? 1 : 0,
        .max_response_bytes = 64u * 1024 * 1024,
    };
    char err[256];
    if (ms_aws_send(k->aws, &rq, on_done, q, err, sizeof err) != 0) {
        ms_log(MS_LOG_WARN, "kinesis: cannot send", KS("op", targets[op]), KS("error", err), KEND);
        free(text);
        free(q);
        return -1;
    }
    k->requests++;
    if (s)
        s->busy = true;
    return 0;
}

/* ---- requests ---------------------------------------------------------- */

static void list_shards(kin_source *k, const char *next_token)
{
    json_t *body = next_token ? json_pack("{s:s}", "NextToken", next_token)
                              : json_pack("{s:s}", "StreamName", k->stream);
    if (send_op(k, NULL, OP_LIST, body) == 0)
        k->list_busy = true;
    else
        k->list_due_ms = now_ms(k) + BACKOFF_MAX_MS;
}

static void get_iterator(kin_source *k, kin_shard *s)
{
    const char *c = ms_checkpoint_get(k->ckpt, s->id);
    json_t *body = json_pack("{s:s, s:s}", "StreamName", k->stream, "ShardId", s->id);
    const char *type, *after = NULL;
    if (s->last_admitted[0])
        after = s->last_admitted; /* a renewal: never read an admitted record twice */
    else if (c && strcmp(c, MS_CHECKPOINT_SHARD_END) != 0)
        after = c;
    if (after) {
        type = "AFTER_SEQUENCE_NUMBER";
        json_object_set_new(body, "StartingSequenceNumber", json_string(after));
    } else if (ms_kin_has_known_parent(k, s) || strcmp(k->start, "trim_horizon") == 0) {
        type = "TRIM_HORIZON"; /* a child is always read from its start */
    } else if (strcmp(k->start, "latest") == 0) {
        type = "LATEST";
    } else {
        type = "AT_TIMESTAMP";
        json_object_set_new(body, "Timestamp", json_real(k->start_ts));
    }
    json_object_set_new(body, "ShardIteratorType", json_string(type));
    ms_log(MS_LOG_INFO, "kinesis shard starts", KS("shard", s->id), KS("at", type), KEND);
    if (send_op(k, s, OP_ITER, body) != 0)
        s->due_ms = now_ms(k) + BACKOFF_MAX_MS;
}

static void get_records(kin_source *k, kin_shard *s)
{
    json_t *body = json_pack("{s:s, s:I}", "ShardIterator", s->iter, "Limit",
                             (json_int_t)k->max_records);
    s->last_call_ms = now_ms(k);
    if (send_op(k, s, OP_GET, body) != 0)
        s->due_ms = now_ms(k) + BACKOFF_MAX_MS;
}

/* ---- answers ----------------------------------------------------------- */

static void on_list(kin_source *k, const ms_aws_result *r, json_t *root)
{
    if (r->outcome != MS_AWS_SUCCESS || !root) {
        k->list_busy = false;
        json_decref(k->list_acc);
        k->list_acc = NULL;
        if (k->nshards == 0 && r->outcome != MS_AWS_THROTTLE) {
            /* Reported from the next tick, not from inside the AWS callback. */
            snprintf(k->failed, sizeof k->failed, "kinesis ListShards on stream %s failed: %s %s",
                     k->stream, r->error.code[0] ? r->error.code : ms_aws_outcome_name(r->outcome),
                     r->error.message);
            return;
        }
        k->list_backoff_ms = next_backoff(k->list_backoff_ms);
        k->list_due_ms = now_ms(k) + (uint64_t)k->list_backoff_ms;
        ms_log(MS_LOG_WARN, "kinesis ListShards failed; will retry", KS("error", r->error.code),
               KI("retry_ms", k->list_backoff_ms), KEND);
        return;
    }
    if (!k->list_acc)
        k->list_acc = json_array();
    json_array_extend(k->list_acc, json_object_get(root, "Shards"));
    const char *next = json_string_value(json_object_get(root, "NextToken"));
    if (next && *next) {
        list_shards(k, next);
        return;
    }
    k->list_busy = false;
    k->list_needed = false;
    k->list_backoff_ms = 0;
    ms_kin_merge_shards(k, k->list_acc);
    if (k->ckpt->ops->add_shards)
        k->ckpt->ops->add_shards(k->ckpt, k->list_acc);
    json_decref(k->list_acc);
    k->list_acc = NULL;
}

static void on_iter(kin_source *k, kin_shard *s, const ms_aws_result *r, json_t *root)
{
    const char *it = root ? json_string_value(json_object_get(root, "ShardIterator")) : NULL;
    if (s->state != KIN_ITER)
        return; /* the lease was lost meanwhile */
    if (r->outcome != MS_AWS_SUCCESS || !it) {
        s->backoff_ms = next_backoff(s->backoff_ms);
        s->due_ms = now_ms(k) + (uint64_t)s->backoff_ms;
        ms_log(MS_LOG_WARN, "kinesis GetShardIterator failed; will retry", KS("shard", s->id),
               KS("error", r->error.code), KI("retry_ms", s->backoff_ms), KEND);
        return;
    }
    free(s->iter);
    s->iter = strdup(it);
    s->backoff_ms = 0;
    s->state = KIN_READ;
    s->due_ms = now_ms(k);
}

static void on_records(kin_source *k, kin_shard *s, const ms_aws_result *r, json_t *root)
{
    uint64_t now = now_ms(k);
    if (s->state != KIN_READ)
        return; /* the lease was lost meanwhile */
    if (r->outcome != MS_AWS_SUCCESS || !root) {
        if (strcmp(r->error.code, "ExpiredIteratorException") == 0) {
            ms_log(MS_LOG_INFO, "kinesis iterator expired; renewing", KS("shard", s->id), KEND);
            free(s->iter);
            s->iter = NULL;
            s->state = KIN_ITER;
            s->due_ms = now;
            return;
        }
        s->backoff_ms = next_backoff(s->backoff_ms);
        s->due_ms = now + (uint64_t)s->backoff_ms;
        ms_log(r->outcome == MS_AWS_THROTTLE ? MS_LOG_INFO : MS_LOG_WARN,
               "kinesis GetRecords failed; backing off", KS("shard", s->id),
               KS("error", r->error.code[0] ? r->error.code : ms_aws_outcome_name(r->outcome)),
               KI("retry_ms", s->backoff_ms), KEND);
        return;
    }
    s->backoff_ms = 0;
    json_t *recs = json_object_get(root, "Records");
    size_t n = json_array_size(recs), bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(json_string_value(json_object_get(json_array_get(recs, i), "Data"))
                            ?: "") / 4 * 3;
    if (n > 0) {
        json_decref(s->buf);
        s->buf = json_incref(recs);
        s->buf_i = 0;
        s->at_tip = false;
        set_drained(k, false);
    }
    json_t *behind = json_object_get(root, "MillisBehindLatest");
    bool caught_up = !behind || json_integer_value(behind) == 0;
    if (json_is_integer(behind)) {
        if (!s->lag) {
            char labels[320];
            snprintf(labels, sizeof labels, "stream=\"%.64s\",shard=\"%.128s\"", k->stream, s->id);
            s->lag = ms_gauge("medstream_source_lag_ms", labels,
                              "How far behind the newest record the source reads (Kinesis MillisBehindLatest)");
            s->lag_s = ms_gauge_milli("medstream_source_lag_seconds", labels,
                                      "How far behind the newest record the source reads, in "
                                      "seconds (Kinesis MillisBehindLatest / 1000)");
        }
        ms_gauge_set(s->lag, (int64_t)json_integer_value(behind));
        ms_gauge_set(s->lag_s, (int64_t)json_integer_value(behind)); /* milli gauge */
    }
    const char *next = json_string_value(json_object_get(root, "NextShardIterator"));
    free(s->iter);
    s->iter = next && *next ? strdup(next) : NULL;
    if (!s->iter) {
        ms_log(MS_LOG_INFO, "kinesis shard read to its end", KS("shard", s->id), KEND);
        k->list_needed = true; /* find its children */
    }
    if (n == 0)
        s->at_tip = caught_up;
    uint64_t gap = s->last_call_ms + MIN_CALL_GAP_MS;
    uint64_t bw = now + (uint64_t)((double)bytes * 1000.0 / SHARD_BYTES_PER_S);
    s->due_ms = gap > bw ? gap : bw;
    if (n == 0 && caught_up && now + (uint64_t)k->poll_ms > s->due_ms)
        s->due_ms = now + (uint64_t)k->poll_ms;
}

static void on_done(const ms_aws_result *r, void *ud)
{
    kin_req *q = ud;
    kin_source *k = q->k;
    k->requests--;
    if (q->s)
        q->s->busy = false;
    if (!k->closing) {
        json_t *root = NULL;
        if (r->outcome == MS_AWS_SUCCESS && r->resp && r->resp->body_len)
            root = json_loadb(r->resp->body, r->resp->body_len, 0, NULL);
        if (q->op == OP_LIST)
            on_list(k, r, root);
        else if (q->op == OP_ITER)
            on_iter(k, q->s, r, root);
        else
            on_records(k, q->s, r, root);
        json_decref(root);
    }
    free(q->body);
    free(q);
}

/* ---- admission --------------------------------------------------------- */

static void feed(kin_source *k, kin_shard *s)
{
    ms_engine *e = k->base.engine;
    size_t n = json_array_size(s->buf);
    while (s->buf_i < n) {
        if (k->paused || k->stopped)
            return;
        json_t *rec = json_array_get(s->buf, s->buf_i);
        const char *b64 = json_string_value(json_object_get(rec, "Data"));
        const char *seq = json_string_value(json_object_get(rec, "SequenceNumber"));
        size_t b64len = b64 ? strlen(b64) : 0, len = 0;
        if (!ms_engine_has_room(e, b64len / 4 * 3))
            return;
        unsigned char *data = malloc(b64len / 4 * 3 + 3);
        if (!data)
            return;
        long got = b64 ? ms_record_base64_decode(b64, b64len, data) : -1;
        if (got >= 0)
            len = (size_t)got;
        if (got < 0) {
            ms_log(MS_LOG_WARN, "kinesis record data is not base64; admitted empty",
                   KS("shard", s->id), KEND);
            len = 0;
        }
        if (!seq)
            seq = "";
        ms_position pos = {.lane = s->lane, .partition = (int32_t)s->lane,
                           .offset = s->next_counter};
        /* labels are for people: long names are cut to fit */
        snprintf(pos.label, sizeof pos.label, "%.64s/%.40s/%.80s", k->stream, s->id, seq);
        char id[320];
        snprintf(id, sizeof id, "%s-%s", s->id, seq);
        ms_doc *doc = ms_kinesis_record_doc(data, len, &pos, id, k->max_bytes);
        free(data);
        if (!doc || ms_kin_fifo_push(s, s->next_counter, seq) != 0) {
            ms_doc_free(doc);
            return;
        }
        s->next_counter++;
        snprintf(s->last_admitted, sizeof s->last_admitted, "%s", seq);
        s->buf_i++;
        ms_engine_submit(e, doc);
    }
    json_decref(s->buf);
    s->buf = NULL;
    s->buf_i = 0;
}

/* A shard read to its end whose every record is delivered: SHARD_END. */
static void finish_shard(kin_source *k, kin_shard *s)
{
    ms_checkpoint_set(k->ckpt, s->id, MS_CHECKPOINT_SHARD_END);
    ms_checkpoint_flush(k->ckpt);
    s->state = KIN_DONE;
    ms_log(MS_LOG_INFO, "kinesis shard finished", KS("shard", s->id),
           KI("records", s->next_counter), KEND);
}

/* Lease lost: drop what is fetched; what is in flight is not committed
 * (the new owner reads it again from the checkpoint). */
static void release_shard(kin_source *k, kin_shard *s)
{
    ms_log(MS_LOG_INFO, "kinesis shard released", KS("shard", s->id), KEND);
    ms_engine_forget_lane(k->base.engine, s->lane);
    free(s->iter);
    s->iter = NULL;
    json_decref(s->buf);
    s->buf = NULL;
    s->buf_i = 0;
    s->fifo_head = s->fifo_tail = 0;
    s->last_admitted[0] = '\0';
    s->at_tip = false;
    s->backoff_ms = 0;
    s->state = KIN_IDLE;
}

static bool is_shard_end(kin_source *k, kin_shard *s)
{
    const char *c = ms_checkpoint_get(k->ckpt, s->id);
    return c && strcmp(c, MS_CHECKPOINT_SHARD_END) == 0;
}

static void step_shard(kin_source *k, kin_shard *s, uint64_t now)
{
    if (k->leases && s->state != KIN_DONE) {
        bool ours = k->ckpt->ops->owns(k->ckpt, s->id);
        if (!ours && s->state != KIN_IDLE)
            release_shard(k, s);
        if (s->state == KIN_IDLE) {
            if (is_shard_end(k, s))
                s->state = KIN_DONE; /* finished, by us or by another process */
            else if (ours)
                s->state = KIN_WAIT;
            else
                return;
        }
    }
    switch (s->state) {
    case KIN_IDLE:
        return;
    case KIN_WAIT:
        if (!ms_kin_parents_done(k, s))
            return;
        {
            const char *c = ms_checkpoint_get(k->ckpt, s->id);
            if (c && strcmp(c, MS_CHECKPOINT_SHARD_END) == 0) {
                s->state = KIN_DONE;
                return;
            }
        }
        s->state = KIN_ITER;
        s->due_ms = now;
        /* fall through */
    case KIN_ITER:
        if (!s->busy && now >= s->due_ms)
            get_iterator(k, s);
        return;
    case KIN_READ:
        if (s->buf)
            feed(k, s);
        if (s->buf || s->busy || k->paused)
            return;
        if (!s->iter) {
            s->state = KIN_ENDED;
            return;
        }
        if (now >= s->due_ms)
            get_records(k, s);
        return;
    case KIN_ENDED:
        if (s->fifo_head == s->fifo_tail)
            finish_shard(k, s);
        return;
    case KIN_DONE:
        return;
    }
}

static void kin_stop(ms_source *src);

static void on_tick(uv_timer_t *t)
{
    kin_source *k = t->data;
    if (k->stopped || k->closing)
        return;
    if (k->failed[0]) {
        kin_stop(&k->base);
        ms_engine_source_failed(k->base.engine, k->failed);
        return;
    }
    uint64_t now = now_ms(k);
    if (k->leases && now >= k->next_list_ms) {
        /* Leases are created from the listing: list until the store is
         * settled, then now and then for shards others' splits made. */
        k->list_needed = true;
        k->next_list_ms = now + (k->ckpt->ops->settled(k->ckpt) ? 10000 : 1000);
    }
    if (k->list_needed && !k->list_busy && now >= k->list_due_ms)
        list_shards(k, NULL);
    for (int i = 0; i < k->nshards && !k->stopped; i++)
        step_shard(k, k->shards[i], now);
    if (now - k->last_flush_ms >= (uint64_t)k->ckpt_interval_ms) {
        ms_checkpoint_flush(k->ckpt);
        k->last_flush_ms = now;
    }
    /* --once: every shard finished or at its tip with nothing waiting. */
    bool drained = !k->list_needed && !k->list_busy && k->nshards > 0 &&
                   (!k->leases || k->ckpt->ops->settled(k->ckpt));
    for (int i = 0; i < k->nshards && drained; i++) {
        kin_shard *s = k->shards[i];
        drained = s->state == KIN_DONE || s->state == KIN_IDLE ||
                  (s->state == KIN_READ && s->at_tip && !s->buf);
    }
    if (!k->stopped && !k->closing)
        set_drained(k, drained);
}

/* ---- source interface -------------------------------------------------- */

static int kin_start(ms_source *src)
{
    kin_source *k = (kin_source *)src;
    char err[512];
    k->aws = ms_aws_new(src->loop, &k->aopts, err, sizeof err);
    if (!k->aws) {
        ms_log(MS_LOG_ERROR, "kinesis: cannot create the AWS client", KS("error", err), KEND);
        return -1;
    }
    if (ms_aws_endpoint(k->aws, "kinesis", k->endpoint_cfg[0] ? k->endpoint_cfg : NULL,
                        k->endpoint, sizeof k->endpoint, err, sizeof err) != 0) {
        ms_log(MS_LOG_ERROR, "kinesis: no endpoint", KS("error", err), KEND);
        return -1;
    }
    if (k->ckpt->ops->start && k->ckpt->ops->start(k->ckpt, src->loop, k->aws) != 0)
        return -1;
    uv_timer_init(src->loop, &k->tick);
    k->tick.data = k;
    k->tick_open = true;
    k->list_needed = true;
    k->started = true;
    k->last_flush_ms = now_ms(k);
    uv_timer_start(&k->tick, on_tick, 0, TICK_MS);
    ms_log(MS_LOG_INFO, "kinesis source started", KS("stream", k->stream),
           KS("endpoint", k->endpoint), KS("start", k->start), KEND);
    return 0;
}

static void kin_pause(ms_source *src)
{
    ((kin_source *)src)->paused = true;
}

static void kin_resume(ms_source *src)
{
    ((kin_source *)src)->paused = false; /* the next tick feeds and polls */
}

static void kin_commit(ms_source *src, uint64_t lane, int64_t next)
{
    kin_source *k = (kin_source *)src;
    kin_shard *s = ms_kin_find_lane(k, lane);
    if (!s)
        return;
    char last[KIN_SEQ_MAX] = "";
    while (s->fifo_head < s->fifo_tail) {
        kin_inflight *f = &s->fifo[s->fifo_head % s->fifo_cap];
        if (f->counter >= next)
            break;
        memcpy(last, f->seq, sizeof last);
        s->fifo_head++;
    }
    if (last[0])
        ms_checkpoint_set(k->ckpt, s->id, last);
    if (k->ckpt_interval_ms == 0)
        ms_checkpoint_flush(k->ckpt);
}

static void kin_stop(ms_source *src)
{
    kin_source *k = (kin_source *)src;
    k->stopped = true;
    if (k->tick_open)
        uv_timer_stop(&k->tick);
}

static void tick_closed(uv_handle_t *h)
{
    kin_source *k = h->data;
    k->tick_open = false;
    if (k->close_done)
        k->close_done(&k->base);
}

static void aws_closed(void *ud)
{
    kin_source *k = ud;
    if (k->tick_open)
        uv_close((uv_handle_t *)&k->tick, tick_closed);
    else if (k->close_done)
        k->close_done(&k->base);
}

static void store_closed(void *ud)
{
    kin_source *k = ud;
    if (k->aws)
        ms_aws_close(k->aws, aws_closed, k);
    else
        aws_closed(k);
}

static void kin_close(ms_source *src, void (*done)(ms_source *))
{
    kin_source *k = (kin_source *)src;
    kin_stop(src);
    /* Commits already arrived for everything delivered: make them durable. */
    if (k->ckpt)
        ms_checkpoint_flush(k->ckpt);
    k->closing = true;
    k->close_done = done;
    if (k->aws && k->ckpt->ops->close && k->started)
        k->ckpt->ops->close(k->ckpt, store_closed, k); /* its writes need the client */
    else
        store_closed(k);
}

static void kin_destroy(ms_source *src)
{
    kin_source *k = (kin_source *)src;
    for (int i = 0; i < k->nshards; i++)
        ms_kin_shard_free(k->shards[i]);
    free(k->shards);
    json_decref(k->list_acc);
    ms_checkpoint_free(k->ckpt);
    free(k);
}

static const ms_source_ops kinesis_ops = {
    .name = "kinesis",
    .start = kin_start,
    .pause = kin_pause,
    .resume = kin_resume,
    .commit = kin_commit,
    .stop = kin_stop,
    .close = kin_close,
    .destroy = kin_destroy,
};

static void copy_cfg(char *dst, size_t n, const char *v)
{
    snprintf(dst, n, "%s", v ? v : "");
}

/* What the constructor rejects before opening anything (check-config). */
static int kinesis_check(const ms_config *cfg, char *err, size_t errlen)
{
    double ts;
    if (!ms_config_str(cfg, "source.kinesis.stream")[0]) {
        ms_errf(err, errlen, "source.kinesis.stream: no stream given");
        return -1;
    }
    if (strcmp(ms_config_str(cfg, "source.kinesis.start"), "at_timestamp") == 0 &&
        ms_kin_parse_time(ms_config_str(cfg, "source.kinesis.start_timestamp"), &ts) != 0) {
        ms_errf(err, errlen, "source.kinesis.start_timestamp: need an ISO-8601 UTC time "
                              "(2024-05-01T12:00:00Z) or epoch seconds with start = at_timestamp");
        return -1;
    }
    return 0;
}

ms_source *ms_source_kinesis_new(const ms_config *cfg, char *err, size_t errlen)
{
    kin_source *k = calloc(1, sizeof *k);
    if (!k) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    k->base.ops = &kinesis_ops;
    k->base.state = k;
    copy_cfg(k->stream, sizeof k->stream, ms_config_str(cfg, "source.kinesis.stream"));
    copy_cfg(k->endpoint_cfg, sizeof k->endpoint_cfg,
             ms_config_str(cfg, "source.kinesis.endpoint"));
    copy_cfg(k->start, sizeof k->start, ms_config_str(cfg, "source.kinesis.start"));
    k->poll_ms = ms_config_int(cfg, "source.kinesis.poll_interval_ms");
    k->max_bytes = (size_t)ms_config_int(cfg, "parse.max_bytes");
    k->max_records = ms_config_int(cfg, "source.kinesis.max_records");
    k->ckpt_interval_ms = ms_config_int(cfg, "checkpoint.interval_ms");
    if (kinesis_check(cfg, err, errlen) != 0) {
        kin_destroy(&k->base);
        return NULL;
    }
    if (strcmp(k->start, "at_timestamp") == 0)
        ms_kin_parse_time(ms_config_str(cfg, "source.kinesis.start_timestamp"), &k->start_ts);
    ms_aws_opts_from_config(cfg, &k->aopts);
    k->ckpt = ms_checkpoint_open(cfg, k->stream, err, errlen);
    if (!k->ckpt) {
        kin_destroy(&k->base);
        return NULL;
    }
    k->leases = k->ckpt->ops->owns != NULL;
    return &k->base;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key kinesis_keys[] = {
    MS_KEY_STR("source.kinesis.stream", "reports",
        "kinesis source: the data stream to read."),
    MS_KEY_STR("source.kinesis.endpoint", "",
        "kinesis source: endpoint URL (e.g. a local kinesalite); empty = AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL, then the region's endpoint."),
    MS_KEY_ENUM("source.kinesis.start", "trim_horizon", "trim_horizon|latest|at_timestamp",
         "kinesis source: where a shard with no checkpoint starts (children of a resharded shard always start at their beginning)."),
    MS_KEY_STR("source.kinesis.start_timestamp", "",
        "kinesis source with start = at_timestamp: ISO-8601 UTC time (2024-05-01T12:00:00Z) or epoch seconds."),
    MS_KEY_INT("source.kinesis.poll_interval_ms", "1000", 200, 3600000,
        "kinesis source: how often a shard at its tip is polled (GetRecords); shards behind are read as fast as 5 calls/s and 2 MB/s allow."),
    MS_KEY_INT("source.kinesis.max_records", "1000", 1, 10000,
        "kinesis source: records asked for per GetRecords call."),
    MS_KEY_ENUM("checkpoint.store", "file", "file|dynamodb",
         "Where stream positions (Kinesis sequence numbers) are kept after sink confirmation: `file` (one JSON file, atomic rewrites) or `dynamodb` (a KCL-compatible lease table shared by several processes)."),
    MS_KEY_STR("checkpoint.path", "./medstream-checkpoints.json",
        "checkpoint.store = file: the checkpoint file (one process per file)."),
    MS_KEY_STR("checkpoint.mode", "0600",
        "checkpoint.store = file: permission bits (octal) of the checkpoint file, applied exactly whatever the umask."),
    MS_KEY_INT("checkpoint.interval_ms", "1000", 0, 600000,
        "How often confirmed positions are written (0 = after every confirmation); always on shard end and on shutdown."),
    MS_KEY_STR("checkpoint.table", "",
        "checkpoint.store = dynamodb: the lease table (created when missing, on-demand billing); empty = the stream's name."),
    MS_KEY_STR("checkpoint.endpoint", "",
        "checkpoint.store = dynamodb: DynamoDB endpoint URL (e.g. a local dynalite); empty = AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, then the region's endpoint."),
    MS_KEY_INT("checkpoint.failover_ms", "10000", 300, 3600000,
        "checkpoint.store = dynamodb: a lease not renewed for this long is taken by another process; leases are renewed every third of it."),
    MS_KEY_STR("checkpoint.worker_id", "",
        "checkpoint.store = dynamodb: this process's lease owner name; empty = host-pid-random."),
    { 0 }
};

const ms_plugin ms_source_kinesis_plugin = {
    .name = "kinesis",
    .kind = MS_PLUGIN_SOURCE,
    .description = "records on a Kinesis data stream, checkpoints in a file or a DynamoDB lease table",
    .keys = kinesis_keys,
    .check = kinesis_check,
    .uses_aws = ms_plugin_always,
    .probe = ms_kin_probe,
    .create.source = ms_source_kinesis_new,
};
