/* plugins.c -- the registry of sources, stages, sinks and services.
 *
 * Adding a component: define its `const ms_plugin` in its own file
 * (core/plugin.h says what to fill in) and add one line to MS_BUILTIN
 * below. Nothing else: the pipeline builder, check-config, --help and the
 * key reference all read this registry. Stages run in the order listed. */
#include "plugins.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/errbuf.h"

#define MS_BUILTIN(X)                                                                      \
    X(ms_source_dir_plugin)              /* sources/source_dir.c */                      \
    X(ms_source_kafka_plugin)            /* sources/source_kafka.c */                    \
    X(ms_source_kinesis_plugin)          /* sources/source_kinesis.c */                  \
    X(ms_stage_fetch_plugin)             /* stages/fetch_s3.c */                         \
    X(ms_stage_parse_plugin)             /* stages/parse_pdf.c */                        \
    X(ms_stage_chunk_plugin)             /* stages/chunk.c */                            \
    X(ms_stage_extract_local_plugin)     /* stages/extract_local.c */                    \
    X(ms_stage_extract_comprehend_plugin) /* stages/comprehend/extract_comprehend.c */   \
    X(ms_stage_assemble_plugin)          /* stages/assemble.c */                         \
    X(ms_sink_file_plugin)               /* sinks/sink_file.c */                         \
    X(ms_sink_s3_plugin)                 /* sinks/sink_s3.c */                           \
    X(ms_sink_sns_plugin)                /* sinks/sink_sns.c */                          \
    X(ms_sink_kafka_plugin)              /* sinks/sink_kafka.c */                        \
    X(ms_service_admin_plugin)           /* telemetry/http_admin.c */                    \
    X(ms_service_cloudwatch_plugin)      /* telemetry/metrics_cloudwatch.c */          \
    X(ms_service_sd_notify_plugin)       /* telemetry/sd_notify.c */                   \
    X(ms_service_audit_plugin)           /* telemetry/audit.c */

#define DECLARE(p) extern const ms_plugin p;
MS_BUILTIN(DECLARE)
#define ENTRY(p) &p,
static const ms_plugin *const builtin[] = {MS_BUILTIN(ENTRY)};
#define NBUILTIN (sizeof builtin / sizeof builtin[0])

#define MAX_PLUGINS 64

/* A slice [begin, end) of the merged key table and who declared it. */
typedef struct key_group {
    const ms_plugin *plugin;   /* NULL: core keys, or a shared map */
    const ms_cfg_map *map;     /* a shared map, or NULL */
    size_t begin, end;
} key_group;

static struct {
    pthread_mutex_t lock;
    bool ready;
    const ms_plugin *list[MAX_PLUGINS];
    size_t n;
    ms_cfg_key *keys;          /* merged table for the current list */
    key_group groups[2 * MAX_PLUGINS + 1];
    size_t ngroups;
    /* Everything the merged tables point to stays allocated for the life of
     * the process: configurations created earlier keep pointing at the
     * table they were made with. */
    void **owned;
    size_t nowned, capowned;
} reg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *keep(void *p)
{
    if (!p)
        abort(); /* the registry cannot work without its tables */
    if (reg.nowned == reg.capowned) {
        size_t cap = reg.capowned ? 2 * reg.capowned : 32;
        void **o = realloc(reg.owned, cap * sizeof *o);
        if (!o)
            abort();
        reg.owned = o;
        reg.capowned = cap;
    }
    reg.owned[reg.nowned++] = p;
    return p;
}

const char *ms_plugin_kind_name(ms_plugin_kind kind)
{
    switch (kind) {
    case MS_PLUGIN_SOURCE: return "source";
    case MS_PLUGIN_STAGE: return "stage";
    case MS_PLUGIN_SINK: return "sink";
    case MS_PLUGIN_SERVICE: return "service";
    }
    return "?";
}

/* ---- the list ----------------------------------------------------------- */

static const ms_plugin *find_locked(ms_plugin_kind kind, const char *name)
{
    for (size_t i = 0; i < reg.n; i++)
        if (reg.list[i]->kind == kind && strcmp(reg.list[i]->name, name) == 0)
            return reg.list[i];
    return NULL;
}

static bool has_create(const ms_plugin *p)
{
    switch (p->kind) {
    case MS_PLUGIN_SOURCE: return p->create.source != NULL;
    case MS_PLUGIN_STAGE: return p->create.stage != NULL && p->slot && *p->slot;
    case MS_PLUGIN_SINK: return p->create.sink != NULL;
    case MS_PLUGIN_SERVICE: return p->create.service != NULL;
    }
    return false;
}

static int add_locked(const ms_plugin *p, char *err, size_t errlen)
{
    if (!p || !p->name || !*p->name || !p->description || !has_create(p)) {
        ms_errf(err, errlen, "plugin '%s': name, description, constructor (and a slot for a "
                "stage) are required", p && p->name ? p->name : "");
        return -1;
    }
    if (find_locked(p->kind, p->name)) {
        ms_errf(err, errlen, "a %s called '%s' is registered already",
                ms_plugin_kind_name(p->kind), p->name);
        return -1;
    }
    if (reg.n == MAX_PLUGINS) {
        ms_errf(err, errlen, "too many plugins (%d)", MAX_PLUGINS);
        return -1;
    }
    reg.list[reg.n++] = p;
    reg.keys = NULL; /* rebuilt on next use */
    return 0;
}

static void init_locked(void)
{
    if (reg.ready)
        return;
    reg.ready = true;
    for (size_t i = 0; i < NBUILTIN; i++) {
        char err[256];
        if (add_locked(builtin[i], err, sizeof err) != 0) {
            fprintf(stderr, "plugin registry: %s\n", err);
            abort(); /* a malformed built-in list is a bug */
        }
    }
}

static void names_locked(ms_plugin_kind kind, const char *slot, const char *sep, char *buf,
                         size_t len)
{
    size_t at = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < reg.n && len; i++) {
        const ms_plugin *p = reg.list[i];
        if (p->kind != kind || (slot && (!p->slot || strcmp(p->slot, slot) != 0)))
            continue;
        int w = snprintf(buf + at, len - at, "%s%s", at ? sep : "", p->name);
        if (w < 0 || (size_t)w >= len - at) {
            buf[len - 1] = '\0';
            return;
        }
        at += (size_t)w;
    }
}

/* ---- the merged key table ----------------------------------------------- */

static char *dupstr(const char *s)
{
    return keep(strdup(s));
}

/* choices with each "@kind" token replaced by that kind's names ("|"). */
static const char *expand_choices(const char *choices)
{
    if (!choices || !strchr(choices, '@'))
        return choices;
    char out[1024] = "";
    size_t at = 0;
    for (const char *p = choices; *p;) {
        size_t n = strcspn(p, "|");
        char tok[64];
        snprintf(tok, sizeof tok, "%.*s", (int)n, p);
        char val[512];
        snprintf(val, sizeof val, "%s", tok);
        for (int k = MS_PLUGIN_SOURCE; k <= MS_PLUGIN_SERVICE; k++)
            if (tok[0] == '@' && strcmp(tok + 1, ms_plugin_kind_name((ms_plugin_kind)k)) == 0)
                names_locked((ms_plugin_kind)k, NULL, "|", val, sizeof val);
        at += (size_t)snprintf(out + at, sizeof out - at, "%s%s", at ? "|" : "", val);
        if (at >= sizeof out)
            abort(); /* choices this long are a bug in a key table */
        p += n + (p[n] ? 1 : 0);
    }
    return dupstr(out);
}

static size_t count_keys(const ms_cfg_key *k)
{
    size_t n = 0;
    while (k && k[n].name)
        n++;
    return n;
}

/* Slots that have alternatives get a generated `<slot>.engine` key. */
static bool slot_has_alternatives(const char *slot, size_t upto, bool *first)
{
    size_t count = 0, first_at = SIZE_MAX;
    for (size_t i = 0; i < reg.n; i++) {
        const ms_plugin *p = reg.list[i];
        if (p->kind == MS_PLUGIN_STAGE && strcmp(p->slot, slot) == 0) {
            count++;
            if (first_at == SIZE_MAX)
                first_at = i;
        }
    }
    *first = first_at == upto;
    return count > 1;
}

static void slot_key(const char *slot, ms_cfg_key *k)
{
    char name[128], choices[512], help[1024], def[64] = "";
    size_t at = 0;
    names_locked(MS_PLUGIN_STAGE, slot, "|", choices, sizeof choices);
    at = (size_t)snprintf(help, sizeof help, "Which %s stage runs:", slot);
    for (size_t i = 0; i < reg.n; i++) {
        const ms_plugin *p = reg.list[i];
        if (p->kind != MS_PLUGIN_STAGE || strcmp(p->slot, slot) != 0)
            continue;
        if (!def[0])
            snprintf(def, sizeof def, "%s", p->name);
        if (at < sizeof help)
            at += (size_t)snprintf(help + at, sizeof help - at, "%s `%s` = %s",
                                   def[0] && strcmp(def, p->name) ? ";" : "", p->name,
                                   p->description);
    }
    if (at < sizeof help)
        snprintf(help + at, sizeof help - at, ".");
    snprintf(name, sizeof name, "%s.engine", slot);
    *k = (ms_cfg_key){.name = dupstr(name), .type = MS_CFG_ENUM, .def = dupstr(def),
                      .choices = dupstr(choices), .help = dupstr(help)};
}

static void build_keys_locked(void)
{
    if (reg.keys)
        return;
    size_t total = count_keys(ms_cfg_core_keys) + 1;
    for (size_t i = 0; i < reg.n; i++)
        total += 1 + count_keys(reg.list[i]->keys) +
                 (reg.list[i]->shared ? count_keys(reg.list[i]->shared->keys) : 0);
    ms_cfg_key *t = keep(calloc(total, sizeof *t));
    size_t n = 0;
    reg.ngroups = 0;

    key_group *core = &reg.groups[reg.ngroups++];
    *core = (key_group){.begin = n};
    for (const ms_cfg_key *k = ms_cfg_core_keys; k->name; k++) {
        t[n] = *k;
        t[n++].choices = expand_choices(k->choices);
    }
    for (size_t i = 0; i < reg.n; i++) {
        bool first;
        const ms_plugin *p = reg.list[i];
        if (p->kind == MS_PLUGIN_STAGE && slot_has_alternatives(p->slot, i, &first) && first)
            slot_key(p->slot, &t[n++]);
    }
    core->end = n;

    for (size_t i = 0; i < reg.n; i++) {
        const ms_plugin *p = reg.list[i];
        if (p->keys && p->keys[0].name) {
            key_group *g = &reg.groups[reg.ngroups++];
            *g = (key_group){.plugin = p, .begin = n};
            for (const ms_cfg_key *k = p->keys; k->name; k++) {
                t[n] = *k;
                t[n++].choices = expand_choices(k->choices);
            }
            g->end = n;
        }
        bool seen = false;
        for (size_t j = 0; j < reg.ngroups && p->shared; j++)
            seen |= reg.groups[j].map == p->shared;
        if (p->shared && !seen) {
            key_group *g = &reg.groups[reg.ngroups++];
            *g = (key_group){.map = p->shared, .begin = n};
            for (const ms_cfg_key *k = p->shared->keys; k->name; k++) {
                t[n] = *k;
                t[n++].choices = expand_choices(k->choices);
            }
            g->end = n;
        }
    }
    t[n].name = NULL;
    reg.keys = t;
}

/* A key declared twice would make one of them unreachable. */
static int check_unique_locked(char *err, size_t errlen)
{
    for (size_t i = 0; reg.keys[i].name; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(reg.keys[i].name, reg.keys[j].name) == 0) {
                ms_errf(err, errlen, "configuration key '%s' is declared twice",
                        reg.keys[i].name);
                return -1;
            }
    return 0;
}

/* ---- public API --------------------------------------------------------- */

int ms_plugins_register(const ms_plugin *p, char *err, size_t errlen)
{
    pthread_mutex_lock(&reg.lock);
    init_locked();
    int rc = add_locked(p, err, errlen);
    if (rc == 0) {
        build_keys_locked();
        if (check_unique_locked(err, errlen) != 0) {
            reg.list[--reg.n] = NULL;
            reg.keys = NULL;
            rc = -1;
        }
    }
    pthread_mutex_unlock(&reg.lock);
    return rc;
}

const ms_plugin *ms_plugins_find(ms_plugin_kind kind, const char *name)
{
    pthread_mutex_lock(&reg.lock);
    init_locked();
    const ms_plugin *p = find_locked(kind, name);
    pthread_mutex_unlock(&reg.lock);
    return p;
}

const ms_plugin *ms_plugins_at(size_t i)
{
    pthread_mutex_lock(&reg.lock);
    init_locked();
    const ms_plugin *p = i < reg.n ? reg.list[i] : NULL;
    pthread_mutex_unlock(&reg.lock);
    return p;
}

void ms_plugins_names(ms_plugin_kind kind, const char *slot, const char *sep, char *buf,
                      size_t len)
{
    pthread_mutex_lock(&reg.lock);
    init_locked();
    names_locked(kind, slot, sep, buf, len);
    pthread_mutex_unlock(&reg.lock);
}

const ms_cfg_key *ms_plugins_keys(void)
{
    pthread_mutex_lock(&reg.lock);
    init_locked();
    bool fresh = reg.keys == NULL;
    build_keys_locked();
    char err[256];
    if (fresh && check_unique_locked(err, sizeof err) != 0) {
        fprintf(stderr, "plugin registry: %s\n", err);
        abort(); /* only the built-in list can get here: a bug */
    }
    const ms_cfg_key *k = reg.keys;
    pthread_mutex_unlock(&reg.lock);
    return k;
}

ms_config *ms_config_new(void)
{
    return ms_config_new_table(ms_plugins_keys());
}

/* A section heading and its paragraph; `code` spans as in Markdown. */
static void describe_heading(FILE *out, ms_doc_format fmt, bool first, const char *title,
                             const char *para)
{
    if (fmt == MS_DOC_MAN) {
        fputs(".SS ", out);
        ms_doc_text(out, fmt, title);
        fputs("\n.PP\n", out);
        ms_doc_text(out, fmt, para);
        fputs("\n", out);
    } else {
        fprintf(out, "%s### %s\n\n%s\n\n", first ? "" : "\n", title, para);
    }
}

void ms_plugins_describe(FILE *out)
{
    ms_plugins_describe_as(out, MS_DOC_MARKDOWN);
}

void ms_plugins_describe_as(FILE *out, ms_doc_format fmt)
{
    const ms_cfg_key *keys = ms_plugins_keys();
    pthread_mutex_lock(&reg.lock);
    for (size_t g = 0; g < reg.ngroups; g++) {
        const key_group *kg = &reg.groups[g];
        char title[160], para[1024];
        if (kg->plugin) {
            const ms_plugin *p = kg->plugin;
            bool alt = p->kind == MS_PLUGIN_STAGE && strcmp(p->slot, p->name) != 0;
            snprintf(title, sizeof title, "%s `%s%s%s`", ms_plugin_kind_name(p->kind),
                     alt ? p->slot : "", alt ? "/" : "", p->name);
            snprintf(para, sizeof para, "%s.", p->description);
        } else if (kg->map) {
            snprintf(title, sizeof title, "%s", kg->map->title);
            size_t n = (size_t)snprintf(para, sizeof para, "Read by");
            int nreaders = 0;
            for (size_t i = 0; i < reg.n && n < sizeof para; i++)
                if (reg.list[i]->shared == kg->map)
                    n += (size_t)snprintf(para + n, sizeof para - n, "%s %s `%s`",
                                          nreaders++ ? "," : "",
                                          ms_plugin_kind_name(reg.list[i]->kind),
                                          reg.list[i]->name);
            if (n < sizeof para)
                snprintf(para + n, sizeof para - n, ".");
        } else {
            snprintf(title, sizeof title, "Core");
            snprintf(para, sizeof para, "The engine, logging, the choice of source, stages "
                                        "and sinks, and what every AWS client shares.");
        }
        describe_heading(out, fmt, g == 0, title, para);
        ms_config_describe_keys(keys + kg->begin, kg->end - kg->begin, fmt, out);
    }
    pthread_mutex_unlock(&reg.lock);
}

void ms_plugins_list(FILE *out)
{
    static const char *const heading[] = {
        [MS_PLUGIN_SOURCE] = "sources (source.type)",
        [MS_PLUGIN_STAGE] = "stages (in pipeline order; <slot>.engine picks among alternatives)",
        [MS_PLUGIN_SINK] = "sinks (sink.type, dlq.type)",
        [MS_PLUGIN_SERVICE] = "services (started when configured)",
    };
    pthread_mutex_lock(&reg.lock);
    init_locked();
    for (int k = MS_PLUGIN_SOURCE; k <= MS_PLUGIN_SERVICE; k++) {
        fprintf(out, "%s%s:\n", k == MS_PLUGIN_SOURCE ? "" : "\n", heading[k]);
        for (size_t i = 0; i < reg.n; i++) {
            const ms_plugin *p = reg.list[i];
            if ((int)p->kind != k)
                continue;
            char label[64];
            if (p->kind == MS_PLUGIN_STAGE && strcmp(p->slot, p->name) != 0)
                snprintf(label, sizeof label, "%s/%s", p->slot, p->name);
            else
                snprintf(label, sizeof label, "%s", p->name);
            fprintf(out, "  %-20s %s\n", label, p->description);
        }
    }
    pthread_mutex_unlock(&reg.lock);
}
