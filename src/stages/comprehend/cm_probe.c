/* cm_probe.c -- the Comprehend stage's `check-config --probe`: one tiny
 * DetectEntitiesV2 call (its cost stated: 1 billed unit) and, when a Redis
 * cache is configured, a SET and GET of a probe key through the same code
 * the stage uses. Nothing printed carries a password or the URL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "aws/aws.h"
#include "stages/comprehend/extract_comprehend_internal.h"

/* Not clinical text from anyone: a fixed phrase, 19 characters = 1 unit. */
#define PROBE_TEXT "aspirin 81 mg daily"

static void probe_service(const ms_config *cfg, ms_probe *p)
{
    const char *subject = "stage comprehend";
    char body[128];
    snprintf(body, sizeof body, "{\"Text\":\"%s\"}", PROBE_TEXT);
    ms_aws_request rq = {.service = "comprehendmedical",
                         .target = "ComprehendMedical_20181030.DetectEntitiesV2",
                         .json_version = "1.1", .body = body, .body_len = strlen(body)};
    ms_aws_sync r;
    char err[512];
    size_t chars = strlen(PROBE_TEXT);
    long units = (long)((chars + 99) / 100);
    if (ms_aws_call_sync(cfg, ms_config_str(cfg, "comprehend.endpoint"), NULL, &rq,
                         p->timeout_ms, &r, err, sizeof err) != 0) {
        ms_probe_report(p, false, subject, "DetectEntitiesV2 not sent: %s", err);
        return;
    }
    if (r.outcome == MS_AWS_SUCCESS) {
        json_t *doc = json_loadb(r.body ? r.body : "", r.body_len, 0, NULL);
        json_t *ents = json_object_get(doc, "Entities");
        ms_probe_report(p, ents != NULL, subject,
                        "DetectEntitiesV2 answered (HTTP %ld, %zu entities) at %s, region %s; "
                        "cost: %ld billed unit (%zu characters; 1 unit = 100 characters, at "
                        "least 1 per request)", r.status, json_array_size(ents), r.endpoint,
                        r.region, units, chars);
        json_decref(doc);
    } else {
        ms_probe_report(p, false, subject, "DetectEntitiesV2 at %s: %s (nothing billed)",
                        r.endpoint, ms_aws_sync_why(&r, err, sizeof err));
    }
    ms_aws_sync_free(&r);
}

typedef struct probe_get {
    bool done, hit;
} probe_get;

static void on_get(const char *val, size_t len, void *ud)
{
    (void)len;
    probe_get *g = ud;
    g->done = true;
    g->hit = val != NULL;
}

static void on_closed(void *ud)
{
    *(bool *)ud = true;
}

static void probe_redis(const ms_cm_redis_conf *rc, ms_probe *p)
{
    const char *subject = "stage comprehend: redis cache";
    char where[512];
    snprintf(where, sizeof where, "%s:%d db %d (%s%s%s%s)", rc->host, rc->port, rc->db,
             rc->tls ? "TLS" : "no TLS", rc->password[0] ? ", AUTH" : ", no AUTH",
             rc->user[0] ? " as " : "", rc->user);
    uv_loop_t loop;
    uv_loop_init(&loop);
    char err[512];
    ms_cm_redis *r = ms_cm_redis_new(&loop, rc, 60, p->timeout_ms, err, sizeof err);
    if (!r) {
        ms_probe_report(p, false, subject, "%s: %s", where, err);
        uv_loop_close(&loop);
        return;
    }
    /* A key no answer can have: a different "operation" in the hash. */
    ms_cm_key k;
    ms_cm_key_of("medstream-probe", "probe", 5, &k);
    ms_cm_redis_set(r, &k, "ok", 2);
    probe_get g = {0};
    ms_cm_redis_get(r, &k, on_get, &g);
    while (!g.done && uv_run(&loop, UV_RUN_ONCE))
        ;
    ms_cm_redis_stats st;
    ms_cm_redis_stats_get(r, &st);
    bool closed = false;
    ms_cm_redis_close(r, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (g.hit)
        ms_probe_report(p, true, subject, "%s: SET and GET of a probe key answered", where);
    else
        ms_probe_report(p, false, subject, "%s: %s (at run time the cache would be skipped: "
                        "every lookup a miss, billed by the service)", where,
                        st.last_error[0] ? st.last_error : st.timeouts ? "no answer in time"
                                                                       : "GET missed");
}

void ms__cmx_probe(const ms_config *cfg, ms_probe *p)
{
    probe_service(cfg, p);
    ms_cm_redis_conf rc;
    char err[512];
    int on = ms__cmx_redis_conf(cfg, &rc, err, sizeof err);
    if (on > 0)
        probe_redis(&rc, p);
    else if (on < 0)
        ms_probe_report(p, false, "stage comprehend: redis cache", "%s", err);
}
