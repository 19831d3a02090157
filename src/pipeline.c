/* pipeline.c -- build an engine from a configuration, through the registry. */
#include "pipeline.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "aws/aws.h"
#include "base/errbuf.h"
#include "plugins.h"

/* ---- plan: which plugins the configuration selects ----------------------- */

#define MAX_SINKS 8

typedef struct plan {
    const ms_plugin *source;
    const ms_plugin *stages[MS_MAX_STAGES];
    int nstages;
    const ms_plugin *sinks[MAX_SINKS];   /* sink.type, in order, distinct */
    int nsinks;
    const ms_plugin *dlq;                /* dlq.type; NULL = "same" */
} plan;

/* The stage plugin that runs in `slot`: the only one, or the one
 * `<slot>.engine` names (the key exists when a slot has alternatives). */
static const ms_plugin *slot_choice(const ms_config *cfg, const ms_plugin *first, char *err,
                                    size_t errlen)
{
    const ms_plugin *p, *other = NULL;
    for (size_t i = 0; (p = ms_plugins_at(i)); i++)
        if (p != first && p->kind == MS_PLUGIN_STAGE && strcmp(p->slot, first->slot) == 0)
            other = p;
    if (!other)
        return first;
    char key[128];
    snprintf(key, sizeof key, "%s.engine", first->slot);
    const char *name = ms_config_str(cfg, key);
    const ms_plugin *chosen = name ? ms_plugins_find(MS_PLUGIN_STAGE, name) : NULL;
    if (!chosen || strcmp(chosen->slot, first->slot) != 0) {
        char names[256];
        ms_plugins_names(MS_PLUGIN_STAGE, first->slot, ", ", names, sizeof names);
        ms_errf(err, errlen, "%s: '%s' is not one of %s", key, name ? name : "", names);
        return NULL;
    }
    return chosen;
}

static int plan_stages(const ms_config *cfg, plan *pl, char *err, size_t errlen)
{
    const ms_plugin *p;
    pl->nstages = 0;
    for (size_t i = 0; (p = ms_plugins_at(i)); i++) {
        if (p->kind != MS_PLUGIN_STAGE)
            continue;
        bool done = false; /* this slot was planned at its first plugin */
        for (size_t j = 0; j < i && !done; j++) {
            const ms_plugin *q = ms_plugins_at(j);
            done = q->kind == MS_PLUGIN_STAGE && strcmp(q->slot, p->slot) == 0;
        }
        if (done)
            continue;
        if (pl->nstages == MS_MAX_STAGES) {
            ms_errf(err, errlen, "more than %d pipeline stages", MS_MAX_STAGES);
            return -1;
        }
        if (!(pl->stages[pl->nstages] = slot_choice(cfg, p, err, errlen)))
            return -1;
        pl->nstages++;
    }
    return 0;
}

static const ms_plugin *named(ms_plugin_kind kind, const char *key, const char *name,
                              char *err, size_t errlen)
{
    const ms_plugin *p = ms_plugins_find(kind, name);
    if (!p) {
        char names[256];
        ms_plugins_names(kind, NULL, ", ", names, sizeof names);
        ms_errf(err, errlen, "%s: '%s' is not one of %s", key, name, names);
    }
    return p;
}

static int plan_sinks(const ms_config *cfg, plan *pl, char *err, size_t errlen)
{
    char copy[256], *save = NULL;
    snprintf(copy, sizeof copy, "%s", ms_config_str(cfg, "sink.type"));
    pl->nsinks = 0;
    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        const ms_plugin *p = named(MS_PLUGIN_SINK, "sink.type", t, err, errlen);
        if (!p)
            return -1;
        bool dup = false;
        for (int i = 0; i < pl->nsinks; i++)
            dup |= pl->sinks[i] == p;
        if (!dup && pl->nsinks == MAX_SINKS) {
            ms_errf(err, errlen, "sink.type: more than %d sinks", MAX_SINKS);
            return -1;
        }
        if (!dup)
            pl->sinks[pl->nsinks++] = p;
    }
    if (pl->nsinks == 0) {
        ms_errf(err, errlen, "sink.type: no sink given");
        return -1;
    }
    const char *dlq = ms_config_str(cfg, "dlq.type");
    pl->dlq = NULL;
    if (strcmp(dlq, "same") != 0) {
        pl->dlq = ms_plugins_find(MS_PLUGIN_SINK, dlq);
        if (!pl->dlq) {
            char names[256];
            ms_plugins_names(MS_PLUGIN_SINK, NULL, ", ", names, sizeof names);
            ms_errf(err, errlen, "dlq.type: '%s' is not same or one of %s", dlq, names);
            return -1;
        }
    }
    return 0;
}

static int make_plan(const ms_config *cfg, plan *pl, char *err, size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    if (!(pl->source = named(MS_PLUGIN_SOURCE, "source.type", ms_config_str(cfg, "source.type"),
                             err, errlen)))
        return -1;
    if (plan_stages(cfg, pl, err, errlen) != 0)
        return -1;
    return plan_sinks(cfg, pl, err, errlen);
}

static bool service_on(const ms_plugin *p, const ms_config *cfg)
{
    return p->kind == MS_PLUGIN_SERVICE && (!p->enabled || p->enabled(cfg));
}

/* ---- check ---------------------------------------------------------------- */

static int check_one(const ms_plugin *p, const ms_config *cfg, char *err, size_t errlen)
{
    return p->check ? p->check(cfg, err, errlen) : 0;
}

/* The first plugin of the plan that creates an AWS client at start (its
 * uses_aws says so), whose name the AWS error carries; NULL when none does.
 * The fetch stage creates its client only for the first s3:// reference
 * and CloudWatch's exporter logs and goes on without one, so neither stops
 * `run` and neither declares uses_aws. */
static const ms_plugin *first_aws_user(const plan *pl, const ms_config *cfg)
{
    const ms_plugin *all[1 + MS_MAX_STAGES + MAX_SINKS + 1];
    int n = 0;
    all[n++] = pl->source;
    for (int i = 0; i < pl->nstages; i++)
        all[n++] = pl->stages[i];
    for (int i = 0; i < pl->nsinks; i++)
        all[n++] = pl->sinks[i];
    if (pl->dlq)
        all[n++] = pl->dlq;
    for (int i = 0; i < n; i++)
        if (all[i]->uses_aws && all[i]->uses_aws(cfg))
            return all[i];
    return NULL;
}

int ms_pipeline_check(const ms_config *cfg, char *err, size_t errlen)
{
    plan pl;
    if (make_plan(cfg, &pl, err, errlen) != 0)
        return -1;
    if (check_one(pl.source, cfg, err, errlen) != 0)
        return -1;
    for (int i = 0; i < pl.nstages; i++)
        if (check_one(pl.stages[i], cfg, err, errlen) != 0)
            return -1;
    for (int i = 0; i < pl.nsinks; i++)
        if (check_one(pl.sinks[i], cfg, err, errlen) != 0)
            return -1;
    if (pl.dlq && check_one(pl.dlq, cfg, err, errlen) != 0)
        return -1;
    const ms_plugin *p;
    for (size_t i = 0; (p = ms_plugins_at(i)); i++)
        if (service_on(p, cfg) && check_one(p, cfg, err, errlen) != 0)
            return -1;
    const ms_plugin *user = first_aws_user(&pl, cfg);
    if (user) {
        char aerr[1024];
        if (ms_aws_check_config(cfg, aerr, sizeof aerr) != 0) {
            ms_errf(err, errlen, "%s: cannot create the AWS client: %s", user->name, aerr);
            return -1;
        }
    }
    return 0;
}

/* ---- probe ---------------------------------------------------------------- */

int ms_pipeline_probe(const ms_config *cfg, ms_probe *p, char *err, size_t errlen)
{
    plan pl;
    if (make_plan(cfg, &pl, err, errlen) != 0)
        return -1;
    if (first_aws_user(&pl, cfg))
        ms_aws_probe_creds(cfg, p);
    const ms_plugin *all[1 + MS_MAX_STAGES + MAX_SINKS + 1];
    int n = 0;
    all[n++] = pl.source;
    for (int i = 0; i < pl.nstages; i++)
        all[n++] = pl.stages[i];
    for (int i = 0; i < pl.nsinks; i++)
        all[n++] = pl.sinks[i];
    if (pl.dlq) {
        bool dup = false;
        for (int i = 0; i < pl.nsinks; i++)
            dup |= pl.sinks[i] == pl.dlq;
        if (!dup)
            all[n++] = pl.dlq;
    }
    for (int i = 0; i < n; i++)
        if (all[i]->probe)
            all[i]->probe(cfg, p);
    const ms_plugin *sv;
    for (size_t i = 0; (sv = ms_plugins_at(i)); i++)
        if (service_on(sv, cfg) && sv->probe)
            sv->probe(cfg, p);
    return 0;
}

/* ---- build ---------------------------------------------------------------- */

static int create_stages(const plan *pl, const ms_config *cfg, ms_stage **out, int max,
                         char *err, size_t errlen)
{
    if (pl->nstages > max) {
        ms_errf(err, errlen, "%d pipeline stages, room for %d", pl->nstages, max);
        return -1;
    }
    for (int i = 0; i < pl->nstages; i++) {
        out[i] = pl->stages[i]->create.stage(cfg, err, errlen);
        if (!out[i]) {
            if (!err[0])
                ms_errf(err, errlen, "cannot create the %s stage", pl->stages[i]->name);
            for (int j = 0; j < i; j++)
                out[j]->ops->destroy(out[j]);
            return -1;
        }
    }
    for (int i = 0; i < pl->nstages; i++) {
        out[i]->index = i;
        out[i]->pipeline_len = pl->nstages;
        for (int j = 0; j < pl->nstages; j++)
            out[i]->pipeline_names[j] = out[j]->ops->name;
    }
    return pl->nstages;
}

int ms_pipeline_stages(const ms_config *cfg, ms_stage **out, int max, char *err, size_t errlen)
{
    plan pl;
    if (err && errlen)
        err[0] = '\0';
    memset(&pl, 0, sizeof pl);
    if (plan_stages(cfg, &pl, err, errlen) != 0)
        return -1;
    return create_stages(&pl, cfg, out, max, err, errlen);
}

static int add_sink(ms_engine *e, const ms_plugin *p, bool summaries, bool dead_letters,
                    const ms_config *cfg, char *err, size_t errlen)
{
    ms_sink *s = p->create.sink(cfg, err, errlen);
    if (!s) {
        if (!err[0])
            ms_errf(err, errlen, "cannot create the %s sink", p->name);
        return -1;
    }
    s->summaries = summaries;
    s->dead_letters = dead_letters;
    if (ms_engine_add_sink(e, s) != 0) {
        s->ops->destroy(s);
        ms_errf(err, errlen, "too many sinks");
        return -1;
    }
    return 0;
}

static int build(ms_engine *e, const plan *pl, const ms_config *cfg, char *err, size_t errlen)
{
    ms_stage *stages[MS_MAX_STAGES];
    int n = create_stages(pl, cfg, stages, MS_MAX_STAGES, err, errlen);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++)
        ms_engine_add_stage(e, stages[i]);

    ms_source *src = pl->source->create.source(cfg, err, errlen);
    if (!src) {
        if (!err[0])
            ms_errf(err, errlen, "cannot create the %s source", pl->source->name);
        return -1;
    }
    ms_engine_set_source(e, src);

    const ms_plugin *p;
    for (size_t i = 0; (p = ms_plugins_at(i)); i++) {
        if (!service_on(p, cfg))
            continue;
        ms_service *svc = p->create.service(cfg, err, errlen);
        if (!svc) {
            if (!err[0])
                ms_errf(err, errlen, "cannot create the %s service", p->name);
            return -1;
        }
        if (ms_engine_add_service(e, svc) != 0) {
            ms_errf(err, errlen, "too many services (%d)", MS_ENGINE_MAX_SERVICES);
            return -1;
        }
    }

    /* Dead letters go to every sink (dlq.type = same) or to the one named,
     * which is added dead-letter-only when it takes no summaries. */
    bool dlq_listed = pl->dlq == NULL;
    for (int i = 0; i < pl->nsinks; i++) {
        bool dl = !pl->dlq || pl->dlq == pl->sinks[i];
        dlq_listed |= dl;
        if (add_sink(e, pl->sinks[i], true, dl, cfg, err, errlen) != 0)
            return -1;
    }
    if (!dlq_listed && add_sink(e, pl->dlq, false, true, cfg, err, errlen) != 0)
        return -1;
    return 0;
}

ms_engine *ms_pipeline_build(const ms_config *cfg, char *err, size_t errlen)
{
    plan pl;
    if (err && errlen)
        err[0] = '\0';
    if (make_plan(cfg, &pl, err, errlen) != 0)
        return NULL;
    ms_engine *e = ms_engine_new(cfg, err, errlen);
    if (!e)
        return NULL;
    if (build(e, &pl, cfg, err, errlen) != 0) {
        ms_engine_free(e);
        return NULL;
    }
    return e;
}
