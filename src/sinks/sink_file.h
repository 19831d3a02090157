/* sink_file.h -- write each report as <dir>/<id>.json (atomic rename),
 * dead letters as <dir>/dead-letter/<id>.json, readable by the owner only
 * unless configured otherwise. */
#ifndef MS_SINK_FILE_H
#define MS_SINK_FILE_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/sink.h"

/* dir is created if missing (with dead-letter/ inside). fsync: fsync the
 * file and the directory before confirming. */
ms_sink *ms_sink_file_new(const char *dir, bool fsync_each);

/* Permission bits of the files and of the directories it creates (default
 * 0600 / 0700, applied exactly whatever the umask: base/filemode.h). Call
 * before attach. */
void ms_sink_file_set_modes(ms_sink *sink, mode_t file_mode, mode_t dir_mode);

#endif
