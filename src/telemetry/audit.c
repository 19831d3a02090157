/* audit.c -- the audit trail: the record (render), where it goes (target),
 * the writer, and the service that hooks them into the engine. See audit.h
 * for the record's contents and the durability rule. */
#include "telemetry/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "aws/aws.h"
#include "aws/sts_identity.h"
#include "base/errbuf.h"
#include "base/filemode.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/str.h"
#include "core/engine.h"
#include "core/plugin.h"

/* ---- the record ---------------------------------------------------------- */

/* "2026-12-07T05:20:01.123Z" */
static json_t *utc_ms(int64_t unix_ms)
{
    time_t s = (time_t)(unix_ms / 1000);
    struct tm tm;
    char buf[40];
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(unix_ms % 1000));
    return json_string(buf);
}

/* Add (service, operation) with `requests` to ops, merging equal pairs. */
static void count_op(json_t *ops, const char *service, const char *op, json_int_t requests)
{
    size_t i;
    json_t *o;
    json_array_foreach(ops, i, o)
        if (!strcmp(json_string_value(json_object_get(o, "service")), service) &&
            !strcmp(json_string_value(json_object_get(o, "operation")), op)) {
            json_int_t n = json_integer_value(json_object_get(o, "requests"));
            json_object_set_new(o, "requests", json_integer(n + requests));
            return;
        }
    json_array_append_new(ops, json_pack("{s:s, s:s, s:I}", "service", service, "operation", op,
                                         "requests", requests));
}

static void add_key_id(json_t *ids, const char *akid)
{
    if (!akid || !*akid)
        return;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
        if (!strcmp(json_string_value(v), akid))
            return;
    json_array_append_new(ids, json_string(akid));
}

/* aws_operations and principal: Comprehend Medical from doc->billing (with
 * its billed units), the input's GetObject, and the sinks' calls counted
 * from the destinations they reported (one call per destination). */
static void aws_calls(const ms_doc *doc, json_t *ops, json_t *ids)
{
    for (int i = 0; i < MS_DOC_MAX_BILLED_OPS; i++) {
        const ms_doc_billing *b = &doc->billing[i];
        if (!b->op || (!b->requests && !b->cache_hits))
            continue;
        json_array_append_new(
            ops, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "service", "comprehendmedical",
                           "operation", b->op, "requests", (json_int_t)b->requests,
                           "characters", (json_int_t)b->characters, "billed_units",
                           (json_int_t)b->billed_units, "cache_hits", (json_int_t)b->cache_hits));
        add_key_id(ids, b->access_key_id);
    }
    if (doc->s3_uri)
        count_op(ops, "s3", "GetObject", 1);
    size_t i;
    json_t *d;
    json_array_foreach(doc->destinations, i, d) {
        const char *op = json_string_value(json_object_get(d, "operation"));
        const char *sink = json_string_value(json_object_get(d, "sink"));
        if (op && sink)
            count_op(ops, sink, op, 1);
        add_key_id(ids, json_string_value(json_object_get(d, "access_key_id")));
    }
}

char *ms_audit_render(const ms_doc *doc, int64_t now_unix_ms, uint64_t now_mono_ns)
{
    return ms_audit_render_with(doc, now_unix_ms, now_mono_ns, NULL);
}

/* principal: the access key ids, and with caller identity on, the ARN and
 * account STS answered (and the key id it saw) or "unknown". */
static json_t *principal_json(json_t *ids, const ms_audit_identity *who)
{
    json_t *p = json_pack("{s:o}", "access_key_ids", ids);
    if (!who)
        return p;
    bool known = who->arn && who->arn[0];
    json_object_set_new(p, "arn", json_string(known ? who->arn : "unknown"));
    json_object_set_new(p, "account",
                        json_string(known && who->account ? who->account : "unknown"));
    json_object_set_new(p, "identity_key_id",
                        known && who->key_id ? json_string(who->key_id) : json_null());
    return p;
}

char *ms_audit_render_with(const ms_doc *doc, int64_t now_unix_ms, uint64_t now_mono_ns,
                           const ms_audit_identity *who)
{
    int64_t age_ms = doc->admitted_ns && now_mono_ns > doc->admitted_ns
                         ? (int64_t)((now_mono_ns - doc->admitted_ns) / 1000000)
                         : 0;
    bool dead = doc->reason != NULL;
    json_t *ops = json_array(), *ids = json_array();
    aws_calls(doc, ops, ids);
    json_t *input = json_object();
    json_object_set_new(input, "sha256",
                        doc->input_sha256[0] ? json_string(doc->input_sha256) : json_null());
    json_object_set_new(input, "bytes", json_integer((json_int_t)doc->input_size));
    if (doc->s3_uri)
        json_object_set_new(input, "s3_uri", json_string(doc->s3_uri));
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string(MS_AUDIT_SCHEMA));
    json_object_set_new(o, "id", json_string(doc->id ? doc->id : ""));
    json_object_set_new(o, "outcome", json_string(dead ? "dead_letter" : "delivered"));
    json_object_set_new(o, "reason", dead ? json_string(doc->reason) : json_null());
    json_object_set_new(o, "failed_stage",
                        dead && doc->failed_stage ? json_string(doc->failed_stage) : json_null());
    json_object_set_new(o, "source", ms_doc_source_json(doc));
    json_object_set_new(o, "input", input);
    json_object_set_new(o, "admitted_at", utc_ms(now_unix_ms - age_ms));
    json_object_set_new(o, "delivered_at", utc_ms(now_unix_ms));
    json_object_set_new(o, "engine",
                        doc->extract_engine ? json_string(doc->extract_engine) : json_null());
    json_object_set_new(o, "aws_operations", ops);
    json_object_set_new(o, "principal", principal_json(ids, who));
    json_object_set_new(o, "destinations",
                        doc->destinations ? json_deep_copy(doc->destinations) : json_array());
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line)
        return NULL;
    size_t n = strlen(line);
    char *out = realloc(line, n + 2);
    if (!out) {
        free(line);
        return NULL;
    }
    out[n] = '\n';
    out[n + 1] = '\0';
    return out;
}

/* ---- where it goes ------------------------------------------------------- */

/* Is `name` in the comma/space separated list? */
static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        p += strspn(p, ", ");
        size_t l = strcspn(p, ", ");
        if (l == n && !strncmp(p, name, n))
            return true;
        p += l;
    }
    return false;
}

int ms_audit_target(const ms_config *cfg, ms_audit_kind *kind, char *path, size_t pathlen,
                    char *err, size_t errlen)
{
    const char *type = ms_config_str(cfg, "audit.type");
    const char *given = ms_config_str(cfg, "audit.path");
    path[0] = '\0';
    if (!strcmp(type, "off")) {
        *kind = MS_AUDIT_OFF;
        return 0;
    }
    bool file_sink = listed(ms_config_str(cfg, "sink.type"), "file") ||
                     !strcmp(ms_config_str(cfg, "dlq.type"), "file");
    if (!strcmp(type, "stdout") || (!strcmp(type, "auto") && !given[0] && !file_sink)) {
        *kind = MS_AUDIT_STDOUT;
        return 0;
    }
    *kind = MS_AUDIT_FILE;
    int n;
    if (given[0]) {
        n = snprintf(path, pathlen, "%s", given);
    } else {
        /* Beside the summaries, not among them: "<dir>.audit.jsonl". */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", ms_config_str(cfg, "sink.file.dir"));
        size_t l = strlen(dir);
        while (l > 1 && dir[l - 1] == '/')
            dir[--l] = '\0';
        const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
        if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
            n = snprintf(path, pathlen, "%s/audit.jsonl", dir);
        else
            n = snprintf(path, pathlen, "%s.audit.jsonl", dir);
    }
    if (n < 0 || (size_t)n >= pathlen || !path[0]) {
        ms_errf(err, errlen, "audit.path: empty or too long");
        return -1;
    }
    return 0;
}

/* ---- the writer ---------------------------------------------------------- */

struct ms_audit_writer {
    int fd;
    bool own_fd;        /* opened here (not stdout) */
    bool syncable;      /* a regular file */
    bool dirty;         /* appended since the last sync */
    uint64_t records, syncs;
};

static int mkdir_parent(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    return ms_mkdir_p_mode(dir, MS_DIR_MODE_DEFAULT);
}

ms_audit_writer *ms_audit_writer_open(const char *path, mode_t mode, char *err, size_t errlen)
{
    ms_audit_writer *w = calloc(1, sizeof *w);
    if (!w) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    if (!path) {
        w->fd = STDOUT_FILENO;
    } else {
        if (mkdir_parent(path) != 0) {
            ms_errf(err, errlen, "audit.path: cannot create the directory of %s: %s", path,
                    strerror(errno));
            free(w);
            return NULL;
        }
        w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode);
        /* Exactly mode, whatever the umask (base/filemode.h); an existing
         * file is brought to it too, since it holds the same kind of data.
         * A device or a FIFO (audit.path = /dev/stderr) is left as it is. */
        struct stat st;
        if (w->fd < 0 || fstat(w->fd, &st) != 0 ||
            (S_ISREG(st.st_mode) && fchmod(w->fd, mode) != 0)) {
            ms_errf(err, errlen, "audit.path: cannot open %s: %s", path, strerror(errno));
            if (w->fd >= 0)
                close(w->fd);
            free(w);
            return NULL;
        }
        w->own_fd = true;
    }
    struct stat st;
    w->syncable = fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode);
    return w;
}

int ms_audit_writer_append(ms_audit_writer *w, const char *line, size_t len)
{
    /* One write per record: O_APPEND places it whole at the end, so lines
     * of several processes sharing the file never interleave. */
    ssize_t n;
    do
        n = write(w->fd, line, len);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)len) {
        if (n >= 0)
            errno = EIO; /* short write: disk full */
        return -1;
    }
    w->records++;
    w->dirty = true;
    return 0;
}

int ms_audit_writer_sync(ms_audit_writer *w)
{
    if (!w->dirty)
        return 0;
    if (w->syncable) {
        if (fdatasync(w->fd) != 0)
            return -1;
        w->syncs++;
    }
    w->dirty = false;
    return 0;
}

uint64_t ms_audit_writer_records(const ms_audit_writer *w) { return w->records; }
uint64_t ms_audit_writer_syncs(const ms_audit_writer *w) { return w->syncs; }

void ms_audit_writer_close(ms_audit_writer *w)
{
    if (!w)
        return;
    if (w->own_fd)
        close(w->fd);
    free(w);
}

/* ---- the service --------------------------------------------------------- */

/* After a failed GetCallerIdentity, the next attempt waits this long (the
 * timer or a record triggers it); records say "unknown" meanwhile, or keep
 * the last identity learned (with the key id it was learned for). */
#define IDENTITY_RETRY_NS (60ull * 1000000000ull)

typedef struct audit_service {
    ms_audit_writer *w;
    char path[4096];   /* "" = stdout */
    ms_metric *records, *sync_seconds;
    /* audit.caller_identity: the pipeline's principal from STS, learned on
     * the loop through an AWS client of our own (the same aws.* settings
     * as every other component, so the same credential chain). */
    bool identity_on;
    ms_aws_opts aopts;
    ms_aws *aws;
    uv_timer_t tick;    /* notices a changed access key id between records */
    bool tick_open;
    bool busy;          /* a credential fetch or a GetCallerIdentity in flight */
    bool closing;
    bool fail_logged;   /* the first failure is logged, the rest are not */
    uint64_t failed_at; /* ms_now_ns of the last failure, 0 = none */
    ms_aws_identity id; /* id.arn[0] == 0: unknown */
    char id_key[128];   /* the access key id STS saw */
} audit_service;

static void identity_failed(audit_service *a, const char *why)
{
    a->busy = false;
    a->failed_at = ms_now_ns();
    if (!a->fail_logged) {   /* once, until STS answers again */
        a->fail_logged = true;
        ms_log(MS_LOG_WARN, a->id.arn[0]
                   ? "audit: caller identity not refreshed; records keep the last identity "
                     "learned, with its key id (the pipeline goes on)"
                   : "audit: caller identity unknown; records say \"unknown\" until STS "
                     "answers (the pipeline goes on)",
               KS("reason", why ? why : "?"), KEND);
    }
}

static void on_identity(const ms_aws_identity *id, const char *key_id, const char *error,
                        void *ud)
{
    audit_service *a = ud;
    if (a->closing) {
        a->busy = false;
        return;
    }
    if (!id) {
        identity_failed(a, error);
        return;
    }
    a->busy = false;
    a->failed_at = 0;
    bool changed = strcmp(a->id.arn, id->arn) != 0;
    a->id = *id;
    ms_strlcpy(a->id_key, sizeof a->id_key, key_id ? key_id : "");
    if (changed || a->fail_logged)
        ms_log(MS_LOG_INFO, "audit: caller identity", KS("arn", a->id.arn),
               KS("account", a->id.account), KEND);
    a->fail_logged = false;
}

static void on_identity_creds(const ms_aws_creds *cr, const char *error, void *ud)
{
    audit_service *a = ud;
    if (a->closing || !a->aws) {
        a->busy = false;
        return;
    }
    if (!cr) {
        identity_failed(a, error);
        return;
    }
    if (a->id.arn[0] && !strcmp(cr->access_key_id, a->id_key)) {
        a->busy = false;   /* the same key: the identity stands */
        return;
    }
    char err[512];
    if (ms_sts_identity_get(a->aws, on_identity, a, err, sizeof err) != 0)
        identity_failed(a, err);
}

/* Learn (again) who the credentials are: once they are first resolved, and
 * whenever the access key id changed since (a refresh of role
 * credentials; checked by each record and by a 1 s timer); after a
 * failure, not before IDENTITY_RETRY_NS passed. One lookup at a time. */
static void identity_refresh(audit_service *a)
{
    if (!a->aws || a->busy || a->closing)
        return;
    if (a->failed_at && ms_now_ns() - a->failed_at < IDENTITY_RETRY_NS)
        return;
    const char *cur = ms_aws_access_key_id(a->aws);
    if (a->id.arn[0] && cur && !strcmp(cur, a->id_key))
        return;
    a->busy = true;
    ms_aws_prefetch(a->aws, on_identity_creds, a);
}

static void on_tick(uv_timer_t *t)
{
    identity_refresh(t->data);
}

static int audit_record(const ms_doc *doc, void *ud)
{
    audit_service *a = ud;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    ms_audit_identity who = {.arn = a->id.arn, .account = a->id.account, .key_id = a->id_key};
    char *line = ms_audit_render_with(doc, now_ms, ms_now_ns(), a->identity_on ? &who : NULL);
    if (a->identity_on)
        identity_refresh(a);   /* for the next records */
    int rc = line ? ms_audit_writer_append(a->w, line, strlen(line)) : -1;
    if (rc != 0)
        ms_log(MS_LOG_ERROR, "cannot append the audit record", KS("id", doc->id),
               KS("path", a->path[0] ? a->path : "stdout"),
               KS("error", line ? strerror(errno) : "out of memory"), KEND);
    else
        ms_counter_add(a->records, 1);
    free(line);
    return rc;
}

static int audit_sync(void *ud)
{
    audit_service *a = ud;
    uint64_t t0 = ms_now_ns();
    uint64_t before = ms_audit_writer_syncs(a->w);
    if (ms_audit_writer_sync(a->w) != 0) {
        ms_log(MS_LOG_ERROR, "cannot sync the audit trail", KS("path", a->path),
               KS("error", strerror(errno)), KEND);
        return -1;
    }
    if (ms_audit_writer_syncs(a->w) != before)
        ms_histogram_observe_ns(a->sync_seconds, ms_now_ns() - t0);
    return 0;
}

static int audit_start(ms_service *svc, ms_engine *e, void *loop)
{
    audit_service *a = svc->state;
    ms_engine_set_audit(e, &(ms_engine_audit){.record = audit_record, .sync = audit_sync,
                                              .ud = a});
    ms_log(MS_LOG_INFO, "audit trail", KS("to", a->path[0] ? a->path : "stdout"),
           KS("caller_identity", a->identity_on ? "on" : "off"), KEND);
    if (a->identity_on) {
        char err[512];
        a->aws = ms_aws_new(loop, &a->aopts, err, sizeof err);
        if (!a->aws) {
            a->fail_logged = true;
            ms_log(MS_LOG_WARN, "audit: caller identity unknown; records say \"unknown\" "
                   "(the pipeline goes on)", KS("reason", err), KEND);
        } else {
            identity_refresh(a);   /* resolves the credentials, then asks STS */
            /* A refresh of role credentials changes the key id in the
             * background: look once a second (a string compare), so the
             * next records carry the new identity. Does not keep the loop
             * alive. */
            uv_timer_init(loop, &a->tick);
            a->tick.data = a;
            a->tick_open = true;
            uv_timer_start(&a->tick, on_tick, 1000, 1000);
            uv_unref((uv_handle_t *)&a->tick);
        }
    }
    return 0;
}

static void aws_closed(void *ud)
{
    (void)ud;
}

static void audit_stop(ms_service *svc)
{
    audit_service *a = svc->state;
    a->closing = true;
    if (a->tick_open) {
        uv_close((uv_handle_t *)&a->tick, NULL);
        a->tick_open = false;
    }
    if (a->aws) {
        ms_aws *c = a->aws;
        a->aws = NULL;
        ms_aws_close(c, aws_closed, a);   /* the loop runs until it is closed */
    }
}

static void audit_destroy(ms_service *svc)
{
    audit_service *a = svc->state;
    ms_audit_writer_close(a->w);
    free(a);
    free(svc);
}

static const ms_service_ops audit_ops = {
    .name = "audit",
    .start = audit_start,
    .stop = audit_stop,
    .destroy = audit_destroy,
};

static int audit_check(const ms_config *cfg, char *err, size_t errlen)
{
    ms_audit_kind kind;
    char path[4096];
    mode_t mode;
    if (ms_audit_target(cfg, &kind, path, sizeof path, err, errlen) != 0)
        return -1;
    return ms_filemode_parse("audit.mode", ms_config_str(cfg, "audit.mode"), false, &mode, err,
                             errlen);
}

static bool audit_enabled(const ms_config *cfg)
{
    return strcmp(ms_config_str(cfg, "audit.type"), "off") != 0;
}

static ms_service *audit_create(const ms_config *cfg, char *err, size_t errlen)
{
    ms_audit_kind kind;
    mode_t mode;
    audit_service *a = calloc(1, sizeof *a);
    ms_service *svc = calloc(1, sizeof *svc);
    if (!a || !svc) {
        ms_errf(err, errlen, "out of memory");
        goto fail;
    }
    if (ms_audit_target(cfg, &kind, a->path, sizeof a->path, err, errlen) != 0 ||
        ms_filemode_parse("audit.mode", ms_config_str(cfg, "audit.mode"), false, &mode, err,
                          errlen) != 0)
        goto fail;
    a->w = ms_audit_writer_open(kind == MS_AUDIT_FILE ? a->path : NULL, mode, err, errlen);
    if (!a->w)
        goto fail;
    a->identity_on = ms_config_bool(cfg, "audit.caller_identity");
    if (a->identity_on)
        ms_aws_opts_from_config(cfg, &a->aopts);
    a->records = ms_counter("medstream_audit_records_total", NULL,
                            "Audit records appended (one per report that reached its sinks).");
    a->sync_seconds = ms_histogram("medstream_audit_sync_seconds", NULL,
                                   "Time to make the audit trail durable (fdatasync) before a "
                                   "source commit.");
    svc->ops = &audit_ops;
    svc->state = a;
    return svc;
fail:
    free(a);
    free(svc);
    return NULL;
}

static const ms_cfg_key audit_keys[] = {
    MS_KEY_ENUM("audit.type", "auto", "auto|file|stdout|off",
        "Audit trail, one JSON line per report (docs/operations.md): `file` = audit.path; "
        "`stdout` = standard output (containers: the log collector keeps it; the operational "
        "log is on stderr); `auto` = `file` when audit.path is set or a file sink writes "
        "summaries or dead letters, else `stdout`; `off` = none."),
    MS_KEY_STR("audit.path", "",
        "The audit file (appended, never truncated); empty = beside the summaries directory: "
        "`<sink.file.dir>.audit.jsonl`."),
    MS_KEY_STR("audit.mode", "0600",
        "Permission bits of the audit file, applied exactly (octal; the owner keeps read+write)."),
    MS_KEY_BOOL("audit.caller_identity", "false",
        "Add the principal's ARN and account (STS GetCallerIdentity, no IAM permission needed) "
        "to each record's `principal`, learned once the credentials are resolved and again when "
        "the access key id changes; `unknown` until STS first answers (a failure is logged once, "
        "the pipeline goes on). Off by default: one more STS call per credential refresh, and STS "
        "must be reachable (a VPC endpoint or NAT)."),
    {0},
};

const ms_plugin ms_service_audit_plugin = {
    .name = "audit",
    .kind = MS_PLUGIN_SERVICE,
    .description = "the audit trail: one JSON line per report, synced before its source "
                   "position is committed",
    .keys = audit_keys,
    .enabled = audit_enabled,
    .check = audit_check,
    .create.service = audit_create,
};
