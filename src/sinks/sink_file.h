/* sink_file.h -- write each report as <dir>/<id>.json (atomic rename),
 * dead letters as <dir>/dead-letter/<id>.json. */
#ifndef MS_SINK_FILE_H
#define MS_SINK_FILE_H

#include <stdbool.h>

#include "core/sink.h"

/* dir is created if missing (with dead-letter/ inside). fsync: fsync the
 * file and the directory before confirming. */
ms_sink *ms_sink_file_new(const char *dir, bool fsync_each);

#endif
