/* pipeline.h -- build an engine from a configuration: the stages
 * (parse -> chunk -> assemble), the source and the sinks it names. */
#ifndef MS_PIPELINE_H
#define MS_PIPELINE_H

#include <stddef.h>

#include "core/config.h"
#include "core/engine.h"

ms_engine *ms_pipeline_build(const ms_config *cfg, char *err, size_t errlen);

/* Validate what ms_pipeline_build would need (check-config), without
 * opening anything. */
int ms_pipeline_check(const ms_config *cfg, char *err, size_t errlen);

#endif
