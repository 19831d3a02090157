/* reload.c -- SIGHUP reloads the configuration file (reload.h). */
#include "cli/reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "pipeline.h"
#include "plugins.h"

/* Pass-through keys (kafka.*) as one string, to tell whether any changed. */
typedef struct pass_buf {
    char *s;
    size_t n;
} pass_buf;

static int add_pass(const char *key, const char *value, const char *origin, void *ud)
{
    (void)origin;
    pass_buf *b = ud;
    size_t add = strlen(key) + strlen(value) + 3;
    char *p = realloc(b->s, b->n + add);
    if (!p)
        return -1;
    b->s = p;
    b->n += (size_t)snprintf(b->s + b->n, add, "%s=%s\n", key, value);
    return 0;
}

static bool pass_changed(const ms_config *a, const ms_config *b)
{
    pass_buf x = {0}, y = {0};
    ms_config_foreach_pass(a, "kafka.", add_pass, &x);
    ms_config_foreach_pass(b, "kafka.", add_pass, &y);
    bool changed = (x.s == NULL) != (y.s == NULL) || (x.s && strcmp(x.s, y.s) != 0);
    free(x.s);
    free(y.s);
    return changed;
}

static int load(const ms_cli_opts *o, ms_config *cfg, char *err, size_t errlen)
{
    if (ms_config_load_file(cfg, o->config_file, err, errlen) != 0)
        return -1;
    for (int i = 0; i < o->nsets; i++)
        if (ms_config_set_arg(cfg, o->sets[i], err, errlen) != 0)
            return -1;
    return ms_pipeline_check(cfg, err, errlen);
}

void ms_cli_reload(ms_engine *e, void *ud)
{
    ms_reloader *r = ud;
    const ms_cli_opts *o = r->opts;
    if (!o->config_file) {
        ms_log(MS_LOG_WARN, "SIGHUP: started without a configuration file (-c); nothing to reload",
               KEND);
        return;
    }
    ms_log(MS_LOG_INFO, "SIGHUP: reloading the configuration", KS("file", o->config_file), KEND);
    char err[1024] = "";
    ms_config *next = ms_config_new();
    if (load(o, next, err, sizeof err) != 0) {
        r->rejected++;
        ms_log(MS_LOG_ERROR, "configuration reload rejected; the running configuration is kept",
               KS("file", o->config_file), KS("error", err), KEND);
        ms_config_free(next);
        return;
    }
    int applied = 0, restart = 0;
    for (const ms_cfg_key *k = ms_plugins_keys(); k->name; k++) {
        const char *was = ms_config_str(r->cfg, k->name);
        const char *now = ms_config_str(next, k->name);
        if (strcmp(was, now) == 0)
            continue;
        bool secret = (k->flags & MS_CFG_SECRET) != 0;
        if (!(k->flags & MS_CFG_LIVE)) {
            char msg[256];
            snprintf(msg, sizeof msg, "needs restart: %s", k->name);
            ms_log(MS_LOG_WARN, msg, KS("key", k->name), KS("running", secret ? "***" : was),
                   KS("file", secret ? "***" : now), KEND);
            restart++;
            continue;
        }
        char errk[256];
        char old[256];
        snprintf(old, sizeof old, "%s", was);
        /* Validated above, so the set cannot fail; the origin is the file. */
        if (ms_config_set(r->cfg, k->name, now, ms_config_origin(next, k->name), errk,
                          sizeof errk) != 0) {
            ms_log(MS_LOG_ERROR, "reload: cannot apply", KS("key", k->name), KS("error", errk),
                   KEND);
            continue;
        }
        ms_log(MS_LOG_INFO, "reload: applied", KS("key", k->name), KS("old", old),
               KS("new", ms_config_str(r->cfg, k->name)), KEND);
        applied++;
    }
    if (pass_changed(r->cfg, next)) {
        ms_log(MS_LOG_WARN, "needs restart: kafka.*", KS("key", "kafka.*"), KEND);
        restart++;
    }
    ms_config_free(next);
    r->applied += applied;
    r->restart += restart;
    /* The summary is logged before the log settings change, so it is seen
     * even when the new level would hide it. */
    ms_log(MS_LOG_INFO, "configuration reloaded", KS("file", o->config_file),
           KI("applied", applied), KI("needs_restart", restart), KEND);
    if (applied == 0)
        return;
    ms_log_setup(ms_config_str(r->cfg, "log.level"), ms_config_str(r->cfg, "log.format"));
    if (o->stats_interval < 0) /* --stats-interval wins over the file */
        ms_engine_set_stats_interval(e, (int)ms_config_int(r->cfg, "stats.interval_s"));
    ms_engine_reload_plugins(e, r->cfg);
}
