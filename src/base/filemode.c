/* filemode.c -- parse and apply PHI-safe permission bits (filemode.h). */
#include "base/filemode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/errbuf.h"
#include "base/log.h"

int ms_filemode_parse(const char *key, const char *text, bool dir, mode_t *out, char *err,
                      size_t errlen)
{
    size_t n = text ? strlen(text) : 0;
    unsigned v = 0;
    bool ok = n >= 3 && n <= 4;
    for (size_t i = 0; ok && i < n; i++) {
        if (text[i] < '0' || text[i] > '7')
            ok = false;
        else
            v = v * 8 + (unsigned)(text[i] - '0');
    }
    if (!ok) {
        ms_errf(err, errlen, "%s='%s': expected an octal mode such as %s", key,
                text ? text : "", dir ? "0700" : "0600");
        return -1;
    }
    if (v & ~0777u) {
        ms_errf(err, errlen, "%s='%s': set-user-id, set-group-id and sticky bits are not allowed",
                key, text);
        return -1;
    }
    unsigned need = dir ? 0700u : 0600u;
    if ((v & need) != need) {
        ms_errf(err, errlen, "%s='%s': the owner needs %s to write these %s", key, text,
                dir ? "rwx (0700)" : "rw (0600)", dir ? "directories" : "files");
        return -1;
    }
    *out = (mode_t)v;
    return 0;
}

/* Create one directory with exactly mode; an existing one is left alone. */
static int mkdir_one(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0)
        return chmod(path, mode); /* undo what the umask took away */
    if (errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 0777 & ~mode) & 0077) {
        char have[16], want[16];
        snprintf(have, sizeof have, "%04o", (unsigned)(st.st_mode & 0777));
        snprintf(want, sizeof want, "%04o", (unsigned)mode);
        ms_log(MS_LOG_WARN, "existing output directory is more open than the configured mode",
               KS("dir", path), KS("mode", have), KS("configured", want), KEND);
    }
    return 0;
}

int ms_mkdir_p_mode(const char *path, mode_t mode)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        /* Parents that exist (/, /var, the operator's mount) are not warned
         * about: only the last component holds the files. */
        if (mkdir(tmp, mode) == 0) {
            if (chmod(tmp, mode) != 0)
                return -1;
        } else if (errno != EEXIST) {
            return -1;
        }
        *p = '/';
    }
    return mkdir_one(tmp, mode);
}
