/* plugin.h -- what a source, stage, sink or service declares about itself.
 *
 * Every component the pipeline can be built from is one `ms_plugin`, defined
 * in the component's own file and listed by one line in the registry
 * (src/plugins.c). The registry is the only place that knows them all: the
 * pipeline builder, `check-config`, `--help` and docs/configuration.md work
 * from it, so adding a component never needs an edit anywhere else.
 *
 * Selection, by kind:
 *   source   the one named by `source.type`;
 *   stage    every registered stage runs, in registry order; stages that
 *            share a `slot` are alternatives and `<slot>.engine` picks one
 *            (the registry generates that key: first registered = default);
 *   sink     those named by `sink.type` (a list) and `dlq.type`;
 *   service  every service whose enabled() is true (NULL = always).
 *
 * Constructors all have one shape: read what they need from the
 * configuration, return the new object, or NULL with a message in err (one
 * line, naming the key at fault). check() validates what the constructor
 * would need without opening anything (`check-config` runs it); it may be
 * NULL. */
#ifndef MS_PLUGIN_H
#define MS_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/config.h"
#include "base/probe.h"
#include "core/service.h"
#include "core/sink.h"
#include "core/source.h"
#include "core/stage.h"

typedef enum ms_plugin_kind {
    MS_PLUGIN_SOURCE,
    MS_PLUGIN_STAGE,
    MS_PLUGIN_SINK,
    MS_PLUGIN_SERVICE
} ms_plugin_kind;

typedef struct ms_plugin {
    const char *name;          /* the value of source.type / sink.type /
                                  <slot>.engine, or the stage/service name */
    ms_plugin_kind kind;
    const char *description;   /* one line: what it does, for --help and docs */
    const char *slot;          /* stages only: position in the pipeline */
    const ms_cfg_key *keys;    /* its own keys (name == NULL ends), or NULL */
    const ms_cfg_map *shared;  /* keys shared with other plugins, or NULL */
    bool (*enabled)(const ms_config *cfg);                     /* services */
    int (*check)(const ms_config *cfg, char *err, size_t errlen);
    /* Creates an AWS client when it starts (with this configuration), so
     * check-config validates the AWS settings for it too; NULL = never. */
    bool (*uses_aws)(const ms_config *cfg);
    /* check-config --probe: reach what this plugin would use with cfg (a
     * topic, a stream, a bucket, a service...) and report each thing
     * tried as one PASS/FAIL line (base/probe.h says the rules: bounded,
     * no secrets). May block; runs after check() passed. NULL = nothing
     * to reach. */
    void (*probe)(const ms_config *cfg, ms_probe *p);
    union {
        ms_source *(*source)(const ms_config *cfg, char *err, size_t errlen);
        ms_stage *(*stage)(const ms_config *cfg, char *err, size_t errlen);
        ms_sink *(*sink)(const ms_config *cfg, char *err, size_t errlen);
        ms_service *(*service)(const ms_config *cfg, char *err, size_t errlen);
    } create;
} ms_plugin;

/* A uses_aws for plugins that always create an AWS client. */
static inline bool ms_plugin_always(const ms_config *cfg)
{
    (void)cfg;
    return true;
}

#endif
