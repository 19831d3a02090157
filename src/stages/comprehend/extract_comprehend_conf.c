/* extract_comprehend_conf.c -- the Comprehend stage's options (the
 * comprehend.* keys) and its metrics; the stage itself is
 * extract_comprehend.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/errbuf.h"
#include "base/metrics.h"
#include "base/str.h"
#include "stages/comprehend/extract_comprehend.h"
#include "stages/comprehend/extract_comprehend_internal.h"

/* ---- options ----------------------------------------------------------- */

/* comprehend.operations: comma-separated API names (or their config keys). */
static int parse_ops(const char *list, bool on[MS_CM_NOPS], char *err, size_t errlen)
{
    memset(on, 0, sizeof(bool) * MS_CM_NOPS);
    int n = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ", \t");
        int found = -1;
        for (int i = 0; i < MS_CM_NOPS; i++)
            if ((strlen(ms_cm_ops[i].name) == len && !strncmp(p, ms_cm_ops[i].name, len)) ||
                (strlen(ms_cm_ops[i].key) == len && !strncmp(p, ms_cm_ops[i].key, len)))
                found = i;
        if (found < 0) {
            ms_errf(err, errlen,
                     "comprehend.operations: unknown operation '%.*s' (DetectEntitiesV2, "
                     "InferICD10CM, InferRxNorm, InferSNOMEDCT, DetectPHI)",
                     (int)(len > 64 ? 64 : len), p);
            return -1;
        }
        if (!on[found])
            n++;
        on[found] = true;
        p += len;
    }
    if (n == 0) {
        ms_errf(err, errlen, "comprehend.operations: name at least one operation");
        return -1;
    }
    return n;
}

int ms_extract_comprehend_check(const ms_config *cfg, char *err, size_t errlen)
{
    bool on[MS_CM_NOPS];
    if (parse_ops(ms_config_str(cfg, "comprehend.operations"), on, err, errlen) < 0)
        return -1;
    ms_cm_redis_conf rc;
    if (ms__cmx_redis_conf(cfg, &rc, err, errlen) < 0)
        return -1;
    if (ms_config_int(cfg, "comprehend.concurrency_initial") >
        ms_config_int(cfg, "comprehend.concurrency_max")) {
        ms_errf(err, errlen, "comprehend.concurrency_initial is above comprehend.concurrency_max");
        return -1;
    }
    return 0;
}

int ms__cmx_redis_conf(const ms_config *cfg, ms_cm_redis_conf *rc, char *err, size_t errlen)
{
    const char *url = ms_config_str(cfg, "comprehend.cache.redis_url");
    if (!url || !*url)
        return 0;
    if (ms_cm_redis_conf_parse(rc, url, ms_config_str(cfg, "comprehend.cache.redis_username"),
                               ms_config_str(cfg, "comprehend.cache.redis_password"),
                               ms_config_str(cfg, "comprehend.cache.redis_ca_file"),
                               ms_config_str(cfg, "comprehend.cache.redis_cert_file"),
                               ms_config_str(cfg, "comprehend.cache.redis_key_file"), err,
                               errlen) != 0)
        return -1;
    const char *files[3][2] = {{"comprehend.cache.redis_ca_file", rc->ca_file},
                               {"comprehend.cache.redis_cert_file", rc->cert_file},
                               {"comprehend.cache.redis_key_file", rc->key_file}};
    for (int i = 0; i < 3; i++)
        if (files[i][1][0] && access(files[i][1], R_OK) != 0) {
            ms_errf(err, errlen, "%s: cannot read '%s': %s", files[i][0], files[i][1],
                    strerror(errno));
            return -1;
        }
    return 1;
}

/* ---- metrics ----------------------------------------------------------- */

static void metrics_init(cm_op *o, const char *name)
{
    char l[96], l2[128];
    snprintf(l, sizeof l, "op=\"%s\"", name);
    o->m.requests = ms_counter("medstream_comprehend_requests_total", l,
                               "Comprehend Medical requests answered (billed)");
    o->m.chars = ms_counter("medstream_comprehend_characters_total", l,
                            "Characters in answered requests");
    o->m.billed = ms_counter("medstream_comprehend_billed_units_total", l,
                             "Billed units (100 characters, at least 1 per request)");
    snprintf(l2, sizeof l2, "%s,tier=\"memory\"", l);
    o->m.hits_mem = ms_counter("medstream_comprehend_cache_hits_total", l2,
                               "Requests answered from the cache (not billed)");
    snprintf(l2, sizeof l2, "%s,tier=\"redis\"", l);
    o->m.hits_redis = ms_counter("medstream_comprehend_cache_hits_total", l2,
                                 "Requests answered from the cache (not billed)");
    o->m.requeues = ms_counter("medstream_comprehend_requeues_total", l,
                               "Requests queued again after their retries ran out");
    o->m.pagination = ms_counter("medstream_comprehend_pagination_tokens_total", l,
                                 "Answers carrying a PaginationToken (cannot be followed)");
    static const char *const outcomes[5] = {"success", "throttle", "transient", "timeout",
                                            "final"};
    for (int i = 0; i < 5; i++) {
        snprintf(l2, sizeof l2, "%s,outcome=\"%s\"", l, outcomes[i]);
        o->m.attempts[i] = ms_counter("medstream_comprehend_attempts_total", l2,
                                      "HTTP attempts by outcome (retries included)");
    }
    o->m.limit = ms_gauge("medstream_comprehend_concurrency_limit", l,
                          "Adaptive concurrency limit");
    o->m.inflight = ms_gauge("medstream_comprehend_inflight", l, "Requests on the wire");
    o->m.queued = ms_gauge("medstream_comprehend_queued", l, "Requests waiting to be sent");
    o->m.rtt = ms_histogram("medstream_comprehend_rtt_seconds", l, "Round-trip time per attempt");
}

void ms__cmx_op_gauges(cm_op *o)
{
    ms_gauge_set(o->m.limit, o->s.arc.limit);
    ms_gauge_set(o->m.inflight, o->s.inflight);
    ms_gauge_set(o->m.queued, (int64_t)o->s.queued);
}

void ms__cmx_read_limits(const ms_config *cfg, int op, ms_cm_sched_opts *so)
{
    char key[96];
    snprintf(key, sizeof key, "comprehend.%s.tps", ms_cm_ops[op].key);
    so->tps = ms_config_double(cfg, key);
    snprintf(key, sizeof key, "comprehend.%s.cps", ms_cm_ops[op].key);
    so->cps = ms_config_double(cfg, key);
    so->arc.max = (int)ms_config_int(cfg, "comprehend.concurrency_max");
}

void ms__cmx_configure(cm_stage *x, const ms_config *cfg)
{
    char err[256];
    bool on[MS_CM_NOPS];
    /* x is fresh from calloc: this is its first setup, so the job list's
     * head is initialised here too. */
    ms_list_init(&x->jobs);
    /* validated by ms_extract_comprehend_check */
    parse_ops(ms_config_str(cfg, "comprehend.operations"), on, err, sizeof err);
    ms_aws_opts_from_config(cfg, &x->aopts);
    ms_strlcpy(x->endpoint_cfg, sizeof x->endpoint_cfg, ms_config_str(cfg, "comprehend.endpoint"));
    x->redis_on = ms__cmx_redis_conf(cfg, &x->redis_conf, err, sizeof err) > 0;
    x->max_attempts = (int)ms_config_int(cfg, "comprehend.max_attempts");
    x->cache_bytes = (size_t)ms_config_int(cfg, "comprehend.cache_mb") * 1024 * 1024;
    x->redis_ttl_s = (long)ms_config_int(cfg, "comprehend.cache.ttl_s");
    int slot = 0;
    for (int op = 0; op < MS_CM_NOPS; op++) {
        cm_op *o = &x->ops[op];
        o->on = on[op];
        if (!o->on)
            continue;
        o->so.arc.initial = (int)ms_config_int(cfg, "comprehend.concurrency_initial");
        o->so.arc.k = ms_config_double(cfg, "comprehend.rtt_deviation_k");
        ms__cmx_read_limits(cfg, op, &o->so);
        o->bill_slot = slot++;
        x->nops_on++;
        metrics_init(o, ms_cm_ops[op].name);
    }
}

/* ---- plugin ---------------------------------------------------------------- */

const ms_cfg_key ms__comprehend_keys[] = {
    MS_KEY_STR("comprehend.operations", "DetectEntitiesV2",
        "Comma-separated Comprehend Medical operations run on every chunk: DetectEntitiesV2, InferICD10CM, InferRxNorm, InferSNOMEDCT, DetectPHI; each one is billed separately."),
    MS_KEY_STR("comprehend.endpoint", "",
        "Comprehend Medical endpoint URL (e.g. a local `medstream emulate`); empty = AWS_ENDPOINT_URL_COMPREHENDMEDICAL, AWS_ENDPOINT_URL, then the region's endpoint."),
    MS_KEY_DBL_LIVE("comprehend.detect_entities_v2.tps", "40", 0, 1e6,
        "DetectEntitiesV2 requests per second sent at most (0 = no limit); set it to your account's quota. Applied on SIGHUP."),
    MS_KEY_DBL_LIVE("comprehend.detect_entities_v2.cps", "40000", 0, 1e9,
        "DetectEntitiesV2 characters per second sent at most (0 = no limit); set it to your account's quota. Applied on SIGHUP."),
    MS_KEY_DBL_LIVE("comprehend.infer_icd10cm.tps", "40", 0, 1e6,
        "InferICD10CM requests per second sent at most (0 = no limit)."),
    MS_KEY_DBL_LIVE("comprehend.infer_icd10cm.cps", "40000", 0, 1e9,
        "InferICD10CM characters per second sent at most (0 = no limit)."),
    MS_KEY_DBL_LIVE("comprehend.infer_rxnorm.tps", "40", 0, 1e6,
        "InferRxNorm requests per second sent at most (0 = no limit)."),
    MS_KEY_DBL_LIVE("comprehend.infer_rxnorm.cps", "40000", 0, 1e9,
        "InferRxNorm characters per second sent at most (0 = no limit)."),
    MS_KEY_DBL_LIVE("comprehend.infer_snomedct.tps", "2", 0, 1e6,
        "InferSNOMEDCT requests per second sent at most (0 = no limit); its default quota is far lower than the others'."),
    MS_KEY_DBL_LIVE("comprehend.infer_snomedct.cps", "5000", 0, 1e9,
        "InferSNOMEDCT characters per second sent at most (0 = no limit)."),
    MS_KEY_DBL_LIVE("comprehend.detect_phi.tps", "40", 0, 1e6,
        "DetectPHI requests per second sent at most (0 = no limit)."),
    MS_KEY_DBL_LIVE("comprehend.detect_phi.cps", "40000", 0, 1e9,
        "DetectPHI characters per second sent at most (0 = no limit)."),
    MS_KEY_INT("comprehend.concurrency_initial", "1", 1, 10000,
        "Requests in flight per operation at start; the adaptive limit grows from here while round trips stay fast."),
    MS_KEY_INT_LIVE("comprehend.concurrency_max", "64", 1, 10000,
        "Ceiling of the adaptive per-operation concurrency limit; keep it at or below aws.max_connections. Applied on SIGHUP (a lower ceiling caps the running limit at once)."),
    MS_KEY_DBL("comprehend.rtt_deviation_k", "2", 0, 100,
        "The concurrency limit shrinks when a window's round-trip time exceeds its moving mean by k deviations; lower reacts sooner to a slowing service."),
    MS_KEY_INT("comprehend.max_attempts", "0", 0, 100,
        "Attempts per request before it goes back to the queue (0 = aws.max_attempts); throttled or failed requests are never dropped."),
    MS_KEY_INT("comprehend.cache_mb", "64", 0, 1048576,
        "In-memory cache of answers by hash of (operation, text), in MiB (0 = off); a hit is not sent and not billed."),
    { "comprehend.cache.redis_url", MS_CFG_STRING, "", 0, 0, NULL, MS_CFG_SECRET,
        "Shared answer cache, `redis://[[user]:password@]host[:port][/db]`, or `rediss://...` for TLS (ElastiCache in production; empty = off). It may hold a password. When Redis is unreachable, untrusted or refuses the credentials, lookups are misses (the service answers and bills) and the connection is retried." },
    MS_KEY_STR("comprehend.cache.redis_username", "",
        "Redis ACL user for AUTH (replaces the URL's; empty = the URL's, or the default user)."),
    { "comprehend.cache.redis_password", MS_CFG_STRING, "", 0, 0, NULL, MS_CFG_SECRET,
        "Redis password for AUTH (replaces the URL's; empty = the URL's, or no AUTH); use `${VAR}` to take it from the environment. Never logged." },
    MS_KEY_STR("comprehend.cache.redis_ca_file", "",
        "PEM file of the CAs trusted for a `rediss://` server (empty = the system's CAs). The server's certificate is always verified, with its name or IP address."),
    MS_KEY_STR("comprehend.cache.redis_cert_file", "",
        "PEM client certificate (chain) for a `rediss://` server that asks for one; needs comprehend.cache.redis_key_file."),
    MS_KEY_STR("comprehend.cache.redis_key_file", "",
        "PEM private key of comprehend.cache.redis_cert_file."),
    MS_KEY_INT("comprehend.cache.ttl_s", "604800", 0, 315360000,
        "Lifetime of an answer in Redis, seconds (0 = no expiry)."),
    { 0 }
};
