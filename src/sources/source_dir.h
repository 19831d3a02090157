/* source_dir.h -- reports from *.pdf files in a directory (source.type = dir). */
#ifndef MS_SOURCE_DIR_H
#define MS_SOURCE_DIR_H

#include <stddef.h>

#include "base/config.h"
#include "core/source.h"

ms_source *ms_source_dir_new(const ms_config *cfg, char *err, size_t errlen);

#endif
