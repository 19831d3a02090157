/* pipeline.h -- build an engine from a configuration: the stages
 * (parse -> chunk -> extract -> assemble), the source and the sinks it
 * names. */
#ifndef MS_PIPELINE_H
#define MS_PIPELINE_H

#include <stddef.h>

#include "core/config.h"
#include "core/engine.h"
#include "core/stage.h"

#define MS_PIPELINE_NSTAGES 4
extern const char *const ms_pipeline_stage_names[MS_PIPELINE_NSTAGES];

ms_engine *ms_pipeline_build(const ms_config *cfg, char *err, size_t errlen);

/* The stages alone, in order, configured from cfg (medstream extract runs
 * them in the calling thread). 0, or -1 with err set (nothing created). */
int ms_pipeline_stages(const ms_config *cfg, ms_stage **out, char *err, size_t errlen);

/* Validate what ms_pipeline_build would need (check-config), without
 * opening anything. */
int ms_pipeline_check(const ms_config *cfg, char *err, size_t errlen);

#endif
