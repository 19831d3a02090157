/* filemode.h -- permission bits for files that carry PHI.
 *
 * Summaries, dead letters and checkpoints are created with an explicit mode
 * (default 0600 for files, 0700 for directories) that is applied exactly:
 * the process umask neither widens it (it never can) nor narrows it (the
 * mode is set again with fchmod/chmod after creation, so an operator who
 * asks for 0640 so a reader group can collect the files gets 0640 even under
 * umask 077). Directories that already exist are left as they are: their
 * mode is the operator's, and a warning names any that other users may
 * enter. */
#ifndef MS_FILEMODE_H
#define MS_FILEMODE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MS_FILE_MODE_DEFAULT 0600
#define MS_DIR_MODE_DEFAULT 0700

/* Parse an octal mode string ("0600", "640"): 3 or 4 octal digits, no
 * set-id or sticky bits, and the owner must keep read+write (files) or
 * read+write+search (directories), since medstream itself needs them.
 * Returns 0, or -1 with a message naming key in err. */
int ms_filemode_parse(const char *key, const char *text, bool dir, mode_t *out, char *err,
                      size_t errlen);

/* mkdir -p: each missing component is created with mode, exactly (see
 * above). Returns 0, or -1 with errno set. */
int ms_mkdir_p_mode(const char *path, mode_t mode);

#endif
