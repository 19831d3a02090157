/* kinesis_shards.c -- the Kinesis source's shard table, resharding rules,
 * and the small codecs it needs (base64 record data, start timestamps). */
#define _GNU_SOURCE /* timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sources/record.h"
#include "base/log.h"
#include "base/str.h"
#include "sources/kinesis_internal.h"
#include "sources/source_kinesis.h"

kin_shard *ms_kin_find_shard(kin_source *k, const char *id)
{
    for (int i = 0; i < k->nshards; i++)
        if (strcmp(k->shards[i]->id, id) == 0)
            return k->shards[i];
    return NULL;
}

kin_shard *ms_kin_find_lane(kin_source *k, uint64_t lane)
{
    for (int i = 0; i < k->nshards; i++)
        if (k->shards[i]->lane == lane)
            return k->shards[i];
    return NULL;
}

int ms_kin_merge_shards(kin_source *k, json_t *shards)
{
    int added = 0;
    size_t i;
    json_t *sh;
    json_array_foreach(shards, i, sh) {
        const char *id = json_string_value(json_object_get(sh, "ShardId"));
        if (!id || strlen(id) >= sizeof((kin_shard *)0)->id || ms_kin_find_shard(k, id))
            continue;
        if (k->nshards == k->capshards) {
            int ncap = k->capshards ? k->capshards * 2 : 16;
            kin_shard **v = realloc(k->shards, (size_t)ncap * sizeof *v);
            if (!v)
                return added;
            k->shards = v;
            k->capshards = ncap;
        }
        kin_shard *s = calloc(1, sizeof *s);
        if (!s)
            return added;
        ms_strlcpy(s->id, sizeof s->id, id);
        ms_strlcpy(s->parent, sizeof s->parent,
                 json_string_value(json_object_get(sh, "ParentShardId")));
        ms_strlcpy(s->adj_parent, sizeof s->adj_parent,
                 json_string_value(json_object_get(sh, "AdjacentParentShardId")));
        /* Lanes are never reused within a process: a shard keeps its lane. */
        s->lane = (uint64_t)k->nshards;
        s->state = k->leases ? KIN_IDLE : KIN_WAIT;
        k->shards[k->nshards++] = s;
        added++;
        ms_log(MS_LOG_INFO, "kinesis shard found", KS("shard", s->id),
               KS("parent", s->parent[0] ? s->parent : "none"), KEND);
    }
    return added;
}

/* A parent is finished when its SHARD_END is recorded, or when the stream
 * no longer lists it and no checkpoint names it (trimmed past retention:
 * nothing of it is left to read). */
static bool parent_done(kin_source *k, const char *id)
{
    if (!id[0])
        return true;
    kin_shard *p = ms_kin_find_shard(k, id);
    if (p)
        return p->state == KIN_DONE;
    const char *c = ms_checkpoint_get(k->ckpt, id);
    return !c || strcmp(c, MS_CHECKPOINT_SHARD_END) == 0;
}

bool ms_kin_parents_done(kin_source *k, const kin_shard *s)
{
    return parent_done(k, s->parent) && parent_done(k, s->adj_parent);
}

static bool known(kin_source *k, const char *id)
{
    return id[0] && (ms_kin_find_shard(k, id) || ms_checkpoint_get(k->ckpt, id));
}

bool ms_kin_has_known_parent(kin_source *k, const kin_shard *s)
{
    return known(k, s->parent) || known(k, s->adj_parent);
}

int ms_kin_fifo_push(kin_shard *s, int64_t counter, const char *seq)
{
    if (s->fifo_tail - s->fifo_head == s->fifo_cap) {
        size_t ncap = s->fifo_cap ? s->fifo_cap * 2 : 64;
        kin_inflight *v = malloc(ncap * sizeof *v);
        if (!v)
            return -1;
        for (size_t i = s->fifo_head; i < s->fifo_tail; i++)
            v[i - s->fifo_head] = s->fifo[i % s->fifo_cap];
        s->fifo_tail -= s->fifo_head;
        s->fifo_head = 0;
        free(s->fifo);
        s->fifo = v;
        s->fifo_cap = ncap;
    }
    kin_inflight *e = &s->fifo[s->fifo_tail % s->fifo_cap];
    e->counter = counter;
    ms_strlcpy(e->seq, sizeof e->seq, seq);
    s->fifo_tail++;
    return 0;
}

void ms_kin_shard_free(kin_shard *s)
{
    if (!s)
        return;
    free(s->iter);
    json_decref(s->buf);
    free(s->fifo);
    free(s);
}

int ms_kin_parse_time(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (*end == '\0' && end != s) {
        *out = v;
        return 0;
    }
    struct tm tm = {0};
    double frac = 0;
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return -1;
    if (*p == '.') {
        frac = strtod(p, &end);
        p = end;
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0 && *p != '\0')
        return -1;
    *out = (double)timegm(&tm) + frac;
    return 0;
}

ms_doc *ms_kinesis_record_doc(const unsigned char *data, size_t len, const ms_position *pos,
                              const char *id, size_t max_bytes)
{
    ms_doc *doc = ms_doc_new();
    if (!doc)
        return NULL;
    doc->pos = *pos;
    ms_doc_set_id(doc, id);
    /* Raw PDF, envelope or S3 event, as on Kafka (record.h); a record that
     * cannot be decoded is submitted failed and becomes a dead letter. */
    ms_record_fill_doc(doc, data, len, max_bytes);
    return doc;
}

/* checkpoint.store = dynamodb: DescribeTable on the lease table -- it
 * exists, is ACTIVE and has the lease key (checkpoint_ddb.c). A missing
 * table fails: medstream would create it only with dynamodb:CreateTable,
 * which the shipped policy does not grant (the template creates it). */
static void probe_lease_table(const ms_config *cfg, const char *stream, ms_probe *p)
{
    const char *subject = "source kinesis: lease table";
    const char *t = ms_config_str(cfg, "checkpoint.table");
    const char *table = t[0] ? t : stream;
    json_t *b = json_pack("{s:s}", "TableName", table);
    char *body = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    if (!body) {
        ms_probe_report(p, false, subject, "out of memory");
        return;
    }
    ms_aws_request rq = {.service = "dynamodb", .target = "DynamoDB_20120810.DescribeTable",
                         .json_version = "1.0", .body = body, .body_len = strlen(body)};
    ms_aws_sync r;
    char err[512];
    if (ms_aws_call_sync(cfg, ms_config_str(cfg, "checkpoint.endpoint"), NULL, &rq,
                         p->timeout_ms, &r, err, sizeof err) != 0) {
        ms_probe_report(p, false, subject, "DescribeTable %s not sent: %s", table, err);
        free(body);
        return;
    }
    free(body);
    if (r.outcome != MS_AWS_SUCCESS) {
        bool missing = strstr(r.error.code, "ResourceNotFound") != NULL;
        ms_probe_report(p, false, subject, "DescribeTable %s at %s: %s%s", table, r.endpoint,
                        ms_aws_sync_why(&r, err, sizeof err),
                        missing ? " (medstream creates a missing table only with "
                                  "dynamodb:CreateTable; the shipped policy expects the "
                                  "template's table)" : "");
        ms_aws_sync_free(&r);
        return;
    }
    json_t *doc = json_loadb(r.body ? r.body : "", r.body_len, 0, NULL);
    json_t *tab = json_object_get(doc, "Table");
    const char *status = json_string_value(json_object_get(tab, "TableStatus"));
    bool keyed = false;
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(tab, "KeySchema"), i, k) {
        const char *an = json_string_value(json_object_get(k, "AttributeName"));
        const char *kt = json_string_value(json_object_get(k, "KeyType"));
        keyed |= an && kt && !strcmp(an, "leaseKey") && !strcmp(kt, "HASH");
    }
    bool ok = status && !strcmp(status, "ACTIVE") && keyed;
    ms_probe_report(p, ok, subject, "table %s: %s, %s (DescribeTable at %s, region %s)", table,
                    status ? status : "no TableStatus",
                    keyed ? "hash key leaseKey" : "no hash key leaseKey: not a lease table",
                    r.endpoint, r.region);
    json_decref(doc);
    ms_aws_sync_free(&r);
}

void ms_kin_probe(const ms_config *cfg, ms_probe *p)
{
    const char *stream = ms_config_str(cfg, "source.kinesis.stream");
    char body[600];
    json_t *b = json_pack("{s:s}", "StreamName", stream);
    char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    ms_strlcpy(body, sizeof body, text ? text : "{}");
    free(text);
    ms_aws_request rq = {.service = "kinesis", .target = "Kinesis_20131202.ListShards",
                         .json_version = "1.1", .body = body, .body_len = strlen(body)};
    ms_aws_sync r;
    char err[512];
    if (ms_aws_call_sync(cfg, ms_config_str(cfg, "source.kinesis.endpoint"), NULL, &rq,
                         p->timeout_ms, &r, err, sizeof err) != 0) {
        ms_probe_report(p, false, "source kinesis", "ListShards %s not sent: %s", stream, err);
        return;
    }
    if (r.outcome != MS_AWS_SUCCESS) {
        ms_probe_report(p, false, "source kinesis", "ListShards %s at %s: %s", stream,
                        r.endpoint, ms_aws_sync_why(&r, err, sizeof err));
    } else {
        json_t *doc = json_loadb(r.body ? r.body : "", r.body_len, 0, NULL);
        json_t *shards = json_object_get(doc, "Shards");
        long open = 0;
        for (size_t i = 0; i < json_array_size(shards); i++) {
            json_t *range = json_object_get(json_array_get(shards, i), "SequenceNumberRange");
            open += json_object_get(range, "EndingSequenceNumber") == NULL;
        }
        ms_probe_report(p, shards != NULL, "source kinesis", "stream %s: %zu shards (%ld open)%s "
                        "at %s, region %s", stream, json_array_size(shards), open,
                        json_object_get(doc, "NextToken") ? " in the first page" : "",
                        r.endpoint, r.region);
        json_decref(doc);
    }
    ms_aws_sync_free(&r);
    if (!strcmp(ms_config_str(cfg, "checkpoint.store"), "dynamodb"))
        probe_lease_table(cfg, stream, p);
}
