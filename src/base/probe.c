/* probe.c -- see probe.h. */
#include "base/probe.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ms_probe_report(ms_probe *p, bool ok, const char *subject, const char *fmt, ...)
{
    fprintf(p->out, "%s  %s: ", ok ? "PASS" : "FAIL", subject);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
    fflush(p->out);
    if (ok)
        p->passed++;
    else
        p->failed++;
}

void ms_probe_note(ms_probe *p, const char *subject, const char *fmt, ...)
{
    fprintf(p->out, "INFO  %s: ", subject);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
    fflush(p->out);
}

/* The deepest existing ancestor of path (path itself excluded) into out. */
static void existing_parent(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    for (;;) {
        char *slash = strrchr(out, '/');
        if (!slash) {
            snprintf(out, n, ".");
            return;
        }
        if (slash == out) {
            out[1] = 0;
            return;
        }
        *slash = 0;
        struct stat st;
        if (stat(out, &st) == 0)
            return;
    }
}

/* Create and remove a file in dir: what access(2) cannot tell (a
 * read-only mount, a full quota on inodes). */
static int try_write(const char *dir, char *why, size_t n)
{
    char tmpl[4200];
    if (snprintf(tmpl, sizeof tmpl, "%s/.medstream-probe-XXXXXX", dir) >= (int)sizeof tmpl) {
        snprintf(why, n, "path too long");
        return -1;
    }
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        snprintf(why, n, "%s", strerror(errno));
        return -1;
    }
    close(fd);
    unlink(tmpl);
    return 0;
}

void ms_probe_dir(ms_probe *p, const char *subject, const char *path, bool write)
{
    struct stat st;
    char why[256];
    if (stat(path, &st) != 0) {
        if (!write || errno != ENOENT) {
            ms_probe_report(p, false, subject, "%s: %s", path, strerror(errno));
            return;
        }
        char parent[4096];
        existing_parent(path, parent, sizeof parent);
        if (try_write(parent, why, sizeof why) != 0)
            ms_probe_report(p, false, subject, "%s does not exist and cannot be created in %s: %s",
                            path, parent, why);
        else
            ms_probe_report(p, true, subject, "%s does not exist yet; %s is writable, it will be "
                            "created there", path, parent);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        ms_probe_report(p, false, subject, "%s is not a directory", path);
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        ms_probe_report(p, false, subject, "%s cannot be read: %s", path, strerror(errno));
        return;
    }
    long entries = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        entries += e->d_name[0] != '.';
    closedir(d);
    if (write && try_write(path, why, sizeof why) != 0) {
        ms_probe_report(p, false, subject, "%s is not writable: %s", path, why);
        return;
    }
    ms_probe_report(p, true, subject, "%s is a %s directory (%ld entries)", path,
                    write ? "readable and writable" : "readable", entries);
}
