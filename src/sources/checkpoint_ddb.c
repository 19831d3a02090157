/* checkpoint_ddb.c -- the DynamoDB lease store (checkpoint.store = dynamodb).
 *
 * A KCL-compatible lease table (hash key leaseKey = shard id; leaseOwner,
 * leaseCounter, checkpoint, checkpointSubSequenceNumber,
 * ownerSwitchesSinceCheckpoint, parentShardId) through DynamoDB's JSON 1.0
 * protocol, so several medstream processes reading one stream split its
 * shards:
 *  - every failover/3 each held lease is renewed: leaseCounter + 1, on the
 *    condition that the owner and the counter are still ours; a failed
 *    condition means the lease was taken and the shard is dropped;
 *  - every failover/2 the table is scanned; a lease whose counter has not
 *    moved for checkpoint.failover_ms (or that has no owner) is expired;
 *    with W live workers each aims at ceil(leases / W) leases, taking
 *    expired ones first, else one from the worker holding the most
 *    (balancing); a take is a conditional update on leaseCounter;
 *  - a checkpoint is written with the same condition (owner and counter),
 *    so a process that lost its lease can never move the checkpoint.
 * Finished shards (checkpoint SHARD_END) need no owner.
 *
 * Loop thread only. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sources/checkpoint.h"
#include "base/errbuf.h"
#include "base/log.h"

#define POS_MAX 128

typedef struct lease {
    char key[128];
    char owner[160];
    int64_t counter;
    char checkpoint[POS_MAX];
    char parent[2][128];
    bool held, busy;
    uint64_t seen_ms;          /* when counter was last seen to change */
    char pending[POS_MAX];     /* checkpoint set and not yet written */
    uint64_t last_renew_ms;
    uint64_t last_ok_ms;       /* our last successful take/renew/checkpoint */
} lease;

typedef enum ddb_op { D_DESCRIBE, D_CREATE, D_PUT, D_SCAN, D_RENEW, D_TAKE, D_CKPT } ddb_op;

typedef struct ddb_store {
    ms_checkpoint base;
    uv_loop_t *loop;
    ms_aws *aws;
    uv_timer_t timer;
    bool timer_open, ready, settled, closing, scan_busy, describe_busy;
    char table[256], endpoint_cfg[512], endpoint[512], worker[160], start[32];
    int64_t failover_ms;
    uint64_t next_scan_ms, next_describe_ms, scan_started_ms;
    json_t *scan_acc;
    lease *v;
    int n, cap;
    int inflight;
    void (*close_done)(void *);
    void *close_ud;
} ddb_store;

typedef struct ddb_req {
    ddb_store *d;
    ddb_op op;
    char key[128];
    int64_t counter;           /* the counter the request sets */
    char pos[POS_MAX];
    char *body;
} ddb_req;

static lease *find(ddb_store *d, const char *key)
{
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->v[i].key, key) == 0)
            return &d->v[i];
    return NULL;
}

static lease *add(ddb_store *d, const char *key)
{
    lease *l = find(d, key);
    if (l || strlen(key) >= sizeof l->key)
        return l;
    if (d->n == d->cap) {
        int ncap = d->cap ? d->cap * 2 : 16;
        lease *v = realloc(d->v, (size_t)ncap * sizeof *v);
        if (!v)
            return NULL;
        d->v = v;
        d->cap = ncap;
    }
    l = &d->v[d->n++];
    memset(l, 0, sizeof *l);
    snprintf(l->key, sizeof l->key, "%s", key);
    l->seen_ms = uv_now(d->loop);
    return l;
}

static void on_done(const ms_aws_result *r, void *ud);

static int send_op(ddb_store *d, ddb_op op, json_t *body, lease *l, int64_t counter,
                   const char *pos)
{
    static const char *const targets[] = {
        "DynamoDB_20120810.DescribeTable", "DynamoDB_20120810.CreateTable",
        "DynamoDB_20120810.PutItem",       "DynamoDB_20120810.Scan",
        "DynamoDB_20120810.UpdateItem",    "DynamoDB_20120810.UpdateItem",
        "DynamoDB_20120810.UpdateItem"};
    ddb_req *q = calloc(1, sizeof *q);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!q || !text) {
        free(q);
        free(text);
        return -1;
    }
    q->d = d;
    q->op = op;
    q->counter = counter;
    if (l)
        snprintf(q->key, sizeof q->key, "%s", l->key);
    snprintf(q->pos, sizeof q->pos, "%s", pos ? pos : "");
    q->body = text;
    ms_aws_request rq = {.service = "dynamodb", .endpoint = d->endpoint, .target = targets[op],
                         .json_version = "1.0", .body = text, .body_len = strlen(text)};
    char err[256];
    if (ms_aws_send(d->aws, &rq, on_done, q, err, sizeof err) != 0) {
        free(text);
        free(q);
        return -1;
    }
    d->inflight++;
    if (l)
        l->busy = true;
    return 0;
}

static json_t *S(const char *s)
{
    return json_pack("{s:s}", "S", s);
}

static json_t *N(int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return json_pack("{s:s}", "N", b);
}

static json_t *key_of(const lease *l)
{
    return json_pack("{s:o}", "leaseKey", S(l->key));
}

/* ---- lease operations --------------------------------------------------- */

static void renew(ddb_store *d, lease *l)
{
    json_t *b = json_pack(
        "{s:s, s:o, s:s, s:s, s:{s:o, s:o, s:o}}", "TableName", d->table, "Key", key_of(l),
        "UpdateExpression", "SET leaseCounter = :n",
        "ConditionExpression", "leaseOwner = :me AND leaseCounter = :c",
        "ExpressionAttributeValues", ":n", N(l->counter + 1), ":me", S(d->worker), ":c",
        N(l->counter));
    l->last_renew_ms = uv_now(d->loop);
    send_op(d, D_RENEW, b, l, l->counter + 1, NULL);
}

static void take(ddb_store *d, lease *l)
{
    ms_log(MS_LOG_INFO, "taking lease", KS("shard", l->key),
           KS("from", l->owner[0] ? l->owner : "none"), KEND);
    json_t *b = json_pack(
        "{s:s, s:o, s:s, s:s, s:{s:o, s:o, s:o, s:o}, s:s}", "TableName", d->table, "Key",
        key_of(l), "UpdateExpression",
        "SET leaseOwner = :me, leaseCounter = :n, "
        "ownerSwitchesSinceCheckpoint = if_not_exists(ownerSwitchesSinceCheckpoint, :zero) + :one",
        "ConditionExpression", "leaseCounter = :c", "ExpressionAttributeValues", ":n",
        N(l->counter + 1), ":me", S(d->worker), ":c", N(l->counter), ":one", N(1),
        "ReturnValues", "ALL_NEW");
    json_object_set_new(json_object_get(b, "ExpressionAttributeValues"), ":zero", N(0));
    send_op(d, D_TAKE, b, l, l->counter + 1, NULL);
}

static void write_checkpoint(ddb_store *d, lease *l)
{
    json_t *b = json_pack(
        "{s:s, s:o, s:s, s:s, s:{s:o, s:o, s:o, s:o, s:o}}", "TableName", d->table, "Key",
        key_of(l), "UpdateExpression",
        "SET checkpoint = :p, checkpointSubSequenceNumber = :zero, "
        "ownerSwitchesSinceCheckpoint = :zero, leaseCounter = :n",
        "ConditionExpression", "leaseOwner = :me AND leaseCounter = :c",
        "ExpressionAttributeValues", ":p", S(l->pending), ":zero", N(0), ":n",
        N(l->counter + 1), ":me", S(d->worker), ":c", N(l->counter));
    send_op(d, D_CKPT, b, l, l->counter + 1, l->pending);
}

static void lost(ddb_store *d, lease *l, const char *why)
{
    if (l->held)
        ms_log(MS_LOG_WARN, "lease lost", KS("shard", l->key), KS("why", why), KEND);
    l->held = false;
    l->pending[0] = '\0';
}

/* A lease item's attributes into l (owner, counter, checkpoint, parents). */
static void read_item(ddb_store *d, lease *l, json_t *item)
{
    if (l->held) {
        /* Our own state is newer than a scan that began before our last
         * successful update; otherwise the item only tells whether someone
         * else took the lease. */
        const char *o = json_string_value(json_object_get(json_object_get(item, "leaseOwner"), "S"));
        if (l->last_ok_ms >= d->scan_started_ms || (o && strcmp(o, d->worker) == 0))
            return;
        lost(d, l, "taken");
    }
    const char *owner = json_string_value(json_object_get(json_object_get(item, "leaseOwner"), "S"));
    const char *cnt = json_string_value(json_object_get(json_object_get(item, "leaseCounter"), "N"));
    const char *ck = json_string_value(json_object_get(json_object_get(item, "checkpoint"), "S"));
    int64_t c = cnt ? strtoll(cnt, NULL, 10) : 0;
    if (c != l->counter || strcmp(owner ? owner : "", l->owner) != 0)
        l->seen_ms = uv_now(d->loop);
    l->counter = c;
    snprintf(l->owner, sizeof l->owner, "%s", owner ? owner : "");
    if (ck && !(l->held && l->checkpoint[0]))
        snprintf(l->checkpoint, sizeof l->checkpoint, "%s", ck);
    json_t *ps = json_object_get(json_object_get(item, "parentShardId"), "SS");
    for (size_t i = 0; i < 2; i++)
        snprintf(l->parent[i], sizeof l->parent[i], "%s",
                 json_string_value(json_array_get(ps, i)) ?: "");
}

static bool finished(const lease *l)
{
    return strcmp(l->checkpoint, MS_CHECKPOINT_SHARD_END) == 0;
}

/* After a full scan: count live workers, take expired leases, balance. */
static void take_round(ddb_store *d)
{
    uint64_t now = uv_now(d->loop);
    char owners[64][160];
    int counts[64], nowners = 0, total = 0, mine = 0;
    for (int i = 0; i < d->n; i++) {
        lease *l = &d->v[i];
        if (finished(l))
            continue;
        total++;
        if (l->held) {
            mine++;
            continue;
        }
        bool expired = !l->owner[0] || now - l->seen_ms > (uint64_t)d->failover_ms;
        if (expired)
            continue;
        int j = 0;
        while (j < nowners && strcmp(owners[j], l->owner) != 0)
            j++;
        if (j == nowners && nowners < 64) {
            snprintf(owners[nowners], sizeof owners[0], "%s", l->owner);
            counts[nowners++] = 0;
        }
        if (j < 64)
            counts[j]++;
    }
    int workers = nowners + 1;
    int target = (total + workers - 1) / workers;
    for (int i = 0; i < d->n && mine < target; i++) {
        lease *l = &d->v[i];
        if (l->held || l->busy || finished(l))
            continue;
        if (!l->owner[0] || now - l->seen_ms > (uint64_t)d->failover_ms) {
            take(d, l);
            mine++;
        }
    }
    if (mine < target && d->settled) {
        /* Balance: one lease a round from the busiest worker above target. */
        int most = -1;
        for (int j = 0; j < nowners; j++)
            if (counts[j] > target && (most < 0 || counts[j] > counts[most]))
                most = j;
        for (int i = 0; most >= 0 && i < d->n; i++) {
            lease *l = &d->v[i];
            if (!l->held && !l->busy && !finished(l) && strcmp(l->owner, owners[most]) == 0) {
                take(d, l);
                break;
            }
        }
    }
    d->settled = true;
}

static void scan(ddb_store *d, json_t *start_key)
{
    json_t *b = json_pack("{s:s, s:b}", "TableName", d->table, "ConsistentRead", 1);
    if (start_key)
        json_object_set(b, "ExclusiveStartKey", start_key);
    else
        d->scan_started_ms = uv_now(d->loop);
    if (send_op(d, D_SCAN, b, NULL, 0, NULL) == 0)
        d->scan_busy = true;
}

static void describe(ddb_store *d)
{
    if (send_op(d, D_DESCRIBE, json_pack("{s:s}", "TableName", d->table), NULL, 0, NULL) == 0)
        d->describe_busy = true;
}

static void create_table(ddb_store *d)
{
    json_t *b = json_pack("{s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:s}", "TableName", d->table,
                          "AttributeDefinitions", "AttributeName", "leaseKey", "AttributeType",
                          "S", "KeySchema", "AttributeName", "leaseKey", "KeyType", "HASH",
                          "BillingMode", "PAY_PER_REQUEST");
    ms_log(MS_LOG_INFO, "creating the lease table", KS("table", d->table), KEND);
    send_op(d, D_CREATE, b, NULL, 0, NULL);
}

/* ---- answers ------------------------------------------------------------ */

static void on_answer(ddb_store *d, ddb_req *q, const ms_aws_result *r, json_t *root)
{
    bool ok = r->outcome == MS_AWS_SUCCESS;
    lease *l = q->key[0] ? find(d, q->key) : NULL;
    if (l)
        l->busy = false;
    switch (q->op) {
    case D_DESCRIBE:
        d->describe_busy = false;
        if (ok && strcmp(json_string_value(json_object_get(json_object_get(root, "Table"),
                                                            "TableStatus")) ?: "",
                         "ACTIVE") == 0) {
            d->ready = true;
            d->next_scan_ms = 0;
        } else if (!ok && strcmp(r->error.code, "ResourceNotFoundException") == 0) {
            create_table(d);
        } else if (!ok) {
            ms_log(MS_LOG_WARN, "lease table: DescribeTable failed", KS("error", r->error.code),
                   KEND);
        }
        d->next_describe_ms = uv_now(d->loop) + 200;
        return;
    case D_CREATE:
        if (!ok && strcmp(r->error.code, "ResourceInUseException") != 0)
            ms_log(MS_LOG_WARN, "lease table: CreateTable failed", KS("error", r->error.code),
                   KEND);
        return;
    case D_PUT:
        return; /* exists already, or created: the next scan reads it */
    case D_SCAN: {
        if (!ok) {
            d->scan_busy = false;
            ms_log(MS_LOG_WARN, "lease table: Scan failed", KS("error", r->error.code), KEND);
            return;
        }
        if (!d->scan_acc)
            d->scan_acc = json_array();
        json_array_extend(d->scan_acc, json_object_get(root, "Items"));
        json_t *last = json_object_get(root, "LastEvaluatedKey");
        if (json_is_object(last) && json_object_size(last)) {
            d->scan_busy = false;
            scan(d, last);
            return;
        }
        d->scan_busy = false;
        size_t i;
        json_t *item;
        json_array_foreach(d->scan_acc, i, item) {
            const char *k = json_string_value(json_object_get(json_object_get(item, "leaseKey"), "S"));
            lease *x = k ? add(d, k) : NULL;
            if (x && !x->busy)
                read_item(d, x, item);
        }
        json_decref(d->scan_acc);
        d->scan_acc = NULL;
        if (!d->closing)
            take_round(d);
        return;
    }
    case D_RENEW:
    case D_TAKE:
    case D_CKPT:
        if (!l)
            return;
        if (ok) {
            l->counter = q->counter;
            l->seen_ms = l->last_ok_ms = uv_now(d->loop);
            if (q->op == D_TAKE) {
                json_t *attrs = json_object_get(root, "Attributes");
                l->held = false;
                l->checkpoint[0] = '\0';
                read_item(d, l, attrs);
                l->held = true;
                l->counter = q->counter;
                l->last_renew_ms = uv_now(d->loop);
                ms_log(MS_LOG_INFO, "lease taken", KS("shard", l->key),
                       KS("checkpoint", l->checkpoint), KEND);
            } else if (q->op == D_CKPT) {
                snprintf(l->checkpoint, sizeof l->checkpoint, "%s", q->pos);
                if (strcmp(l->pending, q->pos) == 0)
                    l->pending[0] = '\0';
            }
        } else if (strcmp(r->error.code, "ConditionalCheckFailedException") == 0) {
            if (q->op == D_TAKE)
                ms_log(MS_LOG_INFO, "lease taken by another worker first", KS("shard", l->key),
                       KEND);
            else
                lost(d, l, q->op == D_RENEW ? "renewal refused" : "checkpoint refused");
        } else {
            ms_log(MS_LOG_WARN, "lease table: update failed", KS("shard", l->key),
                   KS("error", r->error.code), KEND);
        }
        return;
    }
}

static void maybe_closed(ddb_store *d);

static void on_done(const ms_aws_result *r, void *ud)
{
    ddb_req *q = ud;
    ddb_store *d = q->d;
    d->inflight--;
    json_t *root = NULL;
    if (r->resp && r->resp->body_len)
        root = json_loadb(r->resp->body, r->resp->body_len, 0, NULL);
    on_answer(d, q, r, root);
    json_decref(root);
    free(q->body);
    free(q);
    if (d->closing)
        maybe_closed(d);
}

/* ---- the timer ---------------------------------------------------------- */

static void on_timer(uv_timer_t *t)
{
    ddb_store *d = t->data;
    if (d->closing)
        return;
    uint64_t now = uv_now(d->loop);
    if (!d->ready) {
        if (!d->describe_busy && now >= d->next_describe_ms)
            describe(d);
        return;
    }
    uint64_t renew_every = (uint64_t)d->failover_ms / 3;
    for (int i = 0; i < d->n; i++) {
        lease *l = &d->v[i];
        if (l->held && !l->busy && now - l->last_renew_ms >= renew_every)
            renew(d, l);
    }
    if (!d->scan_busy && now >= d->next_scan_ms) {
        d->next_scan_ms = now + (uint64_t)d->failover_ms / 2;
        scan(d, NULL);
    }
}

/* ---- store interface ---------------------------------------------------- */

static const char *ddb_get(ms_checkpoint *c, const char *shard)
{
    lease *l = find((ddb_store *)c, shard);
    if (!l)
        return NULL;
    if (l->pending[0])
        return l->pending;
    const char *p = l->checkpoint;
    if (!p[0] || strcmp(p, "TRIM_HORIZON") == 0 || strcmp(p, "LATEST") == 0 ||
        strcmp(p, "AT_TIMESTAMP") == 0)
        return NULL; /* an initial position: the source decides */
    return p;
}

static int ddb_set(ms_checkpoint *c, const char *shard, const char *position)
{
    lease *l = find((ddb_store *)c, shard);
    if (!l || !l->held)
        return -1;
    snprintf(l->pending, sizeof l->pending, "%s", position);
    return 0;
}

static int ddb_flush(ms_checkpoint *c)
{
    ddb_store *d = (ddb_store *)c;
    if (!d->aws)
        return 0;
    for (int i = 0; i < d->n; i++) {
        lease *l = &d->v[i];
        /* A lease busy with a renewal is written on the next flush. */
        if (l->held && !l->busy && l->pending[0] && strcmp(l->pending, l->checkpoint) != 0)
            write_checkpoint(d, l);
    }
    return 0;
}

static int ddb_start(ms_checkpoint *c, uv_loop_t *loop, ms_aws *aws)
{
    ddb_store *d = (ddb_store *)c;
    char err[256];
    d->loop = loop;
    d->aws = aws;
    if (ms_aws_endpoint(aws, "dynamodb", d->endpoint_cfg[0] ? d->endpoint_cfg : NULL, d->endpoint,
                        sizeof d->endpoint, err, sizeof err) != 0) {
        ms_log(MS_LOG_ERROR, "lease table: no DynamoDB endpoint", KS("error", err), KEND);
        return -1;
    }
    uv_timer_init(loop, &d->timer);
    d->timer.data = d;
    d->timer_open = true;
    uv_timer_start(&d->timer, on_timer, 0, 50);
    ms_log(MS_LOG_INFO, "lease table", KS("table", d->table), KS("worker", d->worker),
           KI("failover_ms", d->failover_ms), KEND);
    return 0;
}

static void ddb_add_shards(ms_checkpoint *c, json_t *shards)
{
    ddb_store *d = (ddb_store *)c;
    if (!d->ready)
        return; /* the source lists again; leases are created then */
    size_t i;
    json_t *sh;
    json_array_foreach(shards, i, sh) {
        const char *id = json_string_value(json_object_get(sh, "ShardId"));
        if (!id || find(d, id))
            continue;
        const char *p = json_string_value(json_object_get(sh, "ParentShardId"));
        const char *a = json_string_value(json_object_get(sh, "AdjacentParentShardId"));
        char initial[32];
        snprintf(initial, sizeof initial, "%s", p ? "TRIM_HORIZON" : d->start);
        for (char *x = initial; *x; x++)
            *x = (char)(*x >= 'a' && *x <= 'z' ? *x - 32 : *x);
        json_t *item = json_pack("{s:o, s:o, s:o, s:o, s:o}", "leaseKey", S(id), "leaseCounter",
                                 N(0), "checkpoint", S(initial), "checkpointSubSequenceNumber",
                                 N(0), "ownerSwitchesSinceCheckpoint", N(0));
        if (p) {
            json_t *ss = a ? json_pack("[s,s]", p, a) : json_pack("[s]", p);
            json_object_set_new(item, "parentShardId", json_pack("{s:o}", "SS", ss));
        }
        json_t *b = json_pack("{s:s, s:o, s:s}", "TableName", d->table, "Item", item,
                              "ConditionExpression", "attribute_not_exists(leaseKey)");
        send_op(d, D_PUT, b, NULL, 0, NULL);
    }
}

static bool ddb_owns(ms_checkpoint *c, const char *shard)
{
    lease *l = find((ddb_store *)c, shard);
    return l && l->held;
}

static bool ddb_settled(ms_checkpoint *c)
{
    return ((ddb_store *)c)->settled;
}

static void timer_closed(uv_handle_t *h)
{
    ddb_store *d = h->data;
    d->timer_open = false;
    maybe_closed(d);
}

static void maybe_closed(ddb_store *d)
{
    if (d->inflight > 0 || d->timer_open || !d->close_done)
        return;
    void (*done)(void *) = d->close_done;
    d->close_done = NULL;
    done(d->close_ud);
}

static void ddb_close(ms_checkpoint *c, void (*done)(void *), void *ud)
{
    ddb_store *d = (ddb_store *)c;
    ddb_flush(c);
    d->closing = true;
    d->close_done = done;
    d->close_ud = ud;
    if (d->timer_open) {
        uv_timer_stop(&d->timer);
        uv_close((uv_handle_t *)&d->timer, timer_closed);
    }
    maybe_closed(d);
}

static void ddb_free(ms_checkpoint *c)
{
    ddb_store *d = (ddb_store *)c;
    json_decref(d->scan_acc);
    free(d->v);
    free(d);
}

static const ms_checkpoint_ops ddb_ops = {
    .name = "dynamodb",
    .get = ddb_get,
    .set = ddb_set,
    .flush = ddb_flush,
    .free = ddb_free,
    .start = ddb_start,
    .add_shards = ddb_add_shards,
    .owns = ddb_owns,
    .settled = ddb_settled,
    .close = ddb_close,
};

ms_checkpoint *ms_checkpoint_ddb_open(const ms_config *cfg, const char *stream, char *err,
                                      size_t errlen)
{
    ddb_store *d = calloc(1, sizeof *d);
    if (!d) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    d->base.ops = &ddb_ops;
    const char *table = ms_config_str(cfg, "checkpoint.table");
    snprintf(d->table, sizeof d->table, "%s", table && *table ? table : stream);
    snprintf(d->endpoint_cfg, sizeof d->endpoint_cfg, "%s",
             ms_config_str(cfg, "checkpoint.endpoint"));
    snprintf(d->start, sizeof d->start, "%s", ms_config_str(cfg, "source.kinesis.start"));
    d->failover_ms = ms_config_int(cfg, "checkpoint.failover_ms");
    const char *w = ms_config_str(cfg, "checkpoint.worker_id");
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    if (w && *w)
        snprintf(d->worker, sizeof d->worker, "%s", w);
    else
        snprintf(d->worker, sizeof d->worker, "%s-%d-%08x", host, (int)getpid(),
                 (unsigned)(uv_hrtime() & 0xffffffffu));
    return &d->base;
}
