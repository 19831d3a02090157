/* pipeline.h -- build an engine from a configuration: the stages
 * (fetch -> parse -> chunk -> extract -> assemble), the source and the sinks it
 * names. */
#ifndef MS_PIPELINE_H
#define MS_PIPELINE_H

#include <stddef.h>

#include "base/config.h"
#include "core/engine.h"
#include "core/stage.h"

/* Stage indexes: fetch (S3 objects named by a record; a no-op for the
 * rest), parse, chunk, extract, assemble. */
#define MS_PIPELINE_FETCH 0
#define MS_PIPELINE_PARSE 1
#define MS_PIPELINE_EXTRACT 3
#define MS_PIPELINE_NSTAGES 5
extern const char *const ms_pipeline_stage_names[MS_PIPELINE_NSTAGES];

ms_engine *ms_pipeline_build(const ms_config *cfg, char *err, size_t errlen);

/* The stages alone, in order, configured from cfg (medstream extract runs
 * them in the calling thread). 0, or -1 with err set (nothing created). */
int ms_pipeline_stages(const ms_config *cfg, ms_stage **out, char *err, size_t errlen);

/* Validate what ms_pipeline_build would need (check-config), without
 * opening anything. */
int ms_pipeline_check(const ms_config *cfg, char *err, size_t errlen);

#endif
