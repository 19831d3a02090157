/* pipeline.h -- build an engine from a configuration and the plugin
 * registry (plugins.h): the source `source.type` names, every registered
 * stage in order (one per slot, `<slot>.engine` choosing among
 * alternatives), the sinks `sink.type` and `dlq.type` name, and every
 * enabled service. Nothing here knows a plugin by name. */
#ifndef MS_PIPELINE_H
#define MS_PIPELINE_H

#include <stddef.h>

#include "base/config.h"
#include "base/probe.h"
#include "core/engine.h"
#include "core/stage.h"

/* A configured engine (not running), or NULL with err set. */
ms_engine *ms_pipeline_build(const ms_config *cfg, char *err, size_t errlen);

/* The stages alone, in order, configured from cfg, with index and
 * pipeline_names set (medstream extract runs them in the calling thread).
 * Writes at most `max` stages to out; returns how many, or -1 with err set
 * (nothing created). The caller destroys them. */
int ms_pipeline_stages(const ms_config *cfg, ms_stage **out, int max, char *err,
                       size_t errlen);

/* Validate what ms_pipeline_build would need (check-config), without
 * opening anything: the choices, then every selected plugin's check(). */
int ms_pipeline_check(const ms_config *cfg, char *err, size_t errlen);

/* check-config --probe, after ms_pipeline_check passed: the credentials
 * (when a selected plugin uses AWS), then the probe of every selected
 * plugin that declares one (core/plugin.h), in pipeline order, each
 * reporting to p. -1 with err only when the plan itself is wrong. */
int ms_pipeline_probe(const ms_config *cfg, ms_probe *p, char *err, size_t errlen);

#endif
