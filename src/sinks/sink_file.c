/* sink_file.c -- one JSON file per report, written atomically.
 *
 * Each write is a chain of libuv file-system requests (run on libuv's
 * thread pool, so the loop never blocks on the disk):
 *   open(.tmp, mode) -> fchmod(mode) -> write... -> fsync -> close -> rename
 *   -> fsync(dir) -> done
 * The file name is derived from the report id, so a replay overwrites.
 * Summaries and dead letters carry PHI: the temporary file is created with
 * sink.file.mode (0600) and fchmod'ed to exactly that before any byte is
 * written, so the umask cannot change it and the rename keeps it; missing
 * directories get sink.file.dir_mode (0700). See base/filemode.h.
 * A write cut by a crash leaves its temporary file (".<id>.json.<pid>.<n>.tmp",
 * hidden, PHI); attach removes those whose process is gone. */
#include "sinks/sink_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "base/log.h"
#include "base/errbuf.h"
#include "base/filemode.h"
#include "core/plugin.h"

typedef struct file_sink {
    char *dir;
    char *dl_dir;
    bool fsync_each;
    mode_t file_mode, dir_mode;
    uv_loop_t *loop;
    uv_file dir_fd, dl_dir_fd;
    unsigned long long tmp_seq;
} file_sink;

typedef struct write_req {
    uv_fs_t fs;
    ms_sink *sink;
    ms_doc *doc;
    ms_sink_done_cb done;
    bool dead_letter;
    uv_file fd;
    size_t written;
    char tmp[4096];
    char path[4096];
    char error[160];
} write_req;

static void step_open(uv_fs_t *req);
static void step_chmod(uv_fs_t *req);
static void step_write(uv_fs_t *req);
static void step_fsync(uv_fs_t *req);
static void start_close(write_req *w);
static void step_close(uv_fs_t *req);
static void step_rename(uv_fs_t *req);
static void step_dirsync(uv_fs_t *req);

static void finish(write_req *w, int status)
{
    ms_sink_done_cb done = w->done;
    ms_sink *sink = w->sink;
    ms_doc *doc = w->doc;
    const char *err = status == 0 ? NULL : w->error;
    char errcopy[160];
    if (err) {
        snprintf(errcopy, sizeof errcopy, "%s", err);
        err = errcopy;
    }
    /* The audit trail's entry (doc.h destinations): the file written. */
    if (status == 0)
        ms_doc_add_destination(doc, json_pack("{s:s, s:s}", "sink", "file", "path", w->path));
    free(w);
    done(sink, doc, status, err);
}

/* Record the first error, clean up the temporary file, report failure. */
static void fail(write_req *w, const char *what, int uverr)
{
    snprintf(w->error, sizeof w->error, "%s: %s", what, uv_strerror(uverr));
    uv_loop_t *loop = ((file_sink *)w->sink->state)->loop;
    if (w->fd >= 0) {
        uv_fs_t r;
        uv_fs_close(loop, &r, w->fd, NULL);
        uv_fs_req_cleanup(&r);
        w->fd = -1;
    }
    uv_fs_t r;
    uv_fs_unlink(loop, &r, w->tmp, NULL);
    uv_fs_req_cleanup(&r);
    finish(w, -1);
}

static void do_write(write_req *w)
{
    uv_buf_t buf = uv_buf_init(w->doc->output + w->written,
                               (unsigned int)(w->doc->output_len - w->written));
    uv_fs_write(w->fs.loop, &w->fs, w->fd, &buf, 1, -1, step_write);
}

static void step_open(uv_fs_t *req)
{
    write_req *w = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0) {
        fail(w, "open", (int)r);
        return;
    }
    w->fd = (uv_file)r;
    /* O_TRUNC on a leftover temporary file keeps its old mode, and the umask
     * may have narrowed the new one: set exactly the configured mode. */
    file_sink *fs = w->sink->state;
    uv_fs_fchmod(w->fs.loop, &w->fs, w->fd, (int)fs->file_mode, step_chmod);
}

static void step_chmod(uv_fs_t *req)
{
    write_req *w = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0) {
        fail(w, "fchmod", (int)r);
        return;
    }
    do_write(w);
}

static void step_write(uv_fs_t *req)
{
    write_req *w = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0) {
        fail(w, "write", (int)r);
        return;
    }
    w->written += (size_t)r;
    if (w->written < w->doc->output_len) {
        do_write(w);
        return;
    }
    file_sink *fs = w->sink->state;
    if (fs->fsync_each)
        uv_fs_fsync(w->fs.loop, &w->fs, w->fd, step_fsync);
    else
        start_close(w);
}

static void step_fsync(uv_fs_t *req)
{
    write_req *w = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0) {
        fail(w, "fsync", (int)r);
        return;
    }
    start_close(w);
}

static void start_close(write_req *w)
{
    uv_file fd = w->fd;
    w->fd = -1;
    uv_fs_close(w->fs.loop, &w->fs, fd, step_close);
}

static void step_close(uv_fs_t *req)
{
    write_req *w = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0) {
        fail(w, "close", (int)r);
        return;
    }
    uv_fs_rename(w->fs.loop, &w->fs, w->tmp, w->path, step_rename);
}

static void step_rename(uv_fs_t *req)
{
    write_req *w = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0) {
        fail(w, "rename", (int)r);
        return;
    }
    file_sink *fs = w->sink->state;
    if (!fs->fsync_each) {
        finish(w, 0);
        return;
    }
    /* The rename is durable only once the directory entry is. */
    uv_fs_fsync(w->fs.loop, &w->fs, w->dead_letter ? fs->dl_dir_fd : fs->dir_fd, step_dirsync);
}

static void step_dirsync(uv_fs_t *req)
{
    write_req *w = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0) {
        snprintf(w->error, sizeof w->error, "fsync directory: %s", uv_strerror((int)r));
        finish(w, -1);
        return;
    }
    finish(w, 0);
}

static void file_write(ms_sink *sink, ms_doc *doc, bool dead_letter, ms_sink_done_cb done)
{
    file_sink *fs = sink->state;
    write_req *w = calloc(1, sizeof *w);
    if (!w) {
        done(sink, doc, -1, "out of memory");
        return;
    }
    w->sink = sink;
    w->doc = doc;
    w->done = done;
    w->dead_letter = dead_letter;
    w->fd = -1;
    w->fs.data = w;
    const char *dir = dead_letter ? fs->dl_dir : fs->dir;
    snprintf(w->path, sizeof w->path, "%s/%s.json", dir, doc->id);
    snprintf(w->tmp, sizeof w->tmp, "%s/.%s.json.%ld.%llu.tmp", dir, doc->id, (long)getpid(),
             ++fs->tmp_seq);
    if (!doc->output) {
        snprintf(w->error, sizeof w->error, "nothing to write");
        finish(w, -1);
        return;
    }
    uv_fs_open(fs->loop, &w->fs, w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
               (int)fs->file_mode, step_open);
}

/* The pid in a temporary file's name ".<id>.json.<pid>.<n>.tmp", or -1 when
 * the name is not one of ours. */
static long tmp_owner(const char *name)
{
    size_t len = strlen(name);
    if (name[0] != '.' || len < sizeof ".x.json.1.1.tmp" - 1 || strcmp(name + len - 4, ".tmp") != 0)
        return -1;
    const char *end = name + len - 4, *p = end;
    int dots = 0;
    while (p > name && dots < 2) { /* back over "<pid>.<n>" */
        p--;
        if (*p == '.')
            dots++;
        else if (*p < '0' || *p > '9')
            return -1;
    }
    if (dots != 2 || p - name < 6 || strncmp(p - 5, ".json", 5) != 0)
        return -1;
    return strtol(p + 1, NULL, 10);
}

/* Remove the temporary files left by crashed writers in dir: those of a
 * process that no longer exists, and those named with our own pid (nothing
 * is being written yet; in a container every start may get the same pid).
 * Another live process's files are left alone (several processes may share
 * a directory); a pid from another pid namespace that shares the volume may
 * look gone, and its write then fails and is retried. Returns how many. */
static int remove_stale_tmp(int dir_fd)
{
    int fd = dup(dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = tmp_owner(e->d_name);
        if (pid <= 0)
            continue;
        bool gone = pid == (long)getpid() || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
        if (gone && unlinkat(dir_fd, e->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

static int file_attach(ms_sink *sink, void *loop)
{
    file_sink *fs = sink->state;
    fs->loop = loop;
    if (ms_mkdir_p_mode(fs->dir, fs->dir_mode) != 0 ||
        ms_mkdir_p_mode(fs->dl_dir, fs->dir_mode) != 0) {
        ms_log(MS_LOG_ERROR, "cannot create output directory", KS("dir", fs->dl_dir),
               KS("error", strerror(errno)), KEND);
        return -1;
    }
    fs->dir_fd = open(fs->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    fs->dl_dir_fd = open(fs->dl_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fs->dir_fd < 0 || fs->dl_dir_fd < 0) {
        ms_log(MS_LOG_ERROR, "cannot open output directory", KS("dir", fs->dir),
               KS("error", strerror(errno)), KEND);
        return -1;
    }
    int stale = remove_stale_tmp(fs->dir_fd) + remove_stale_tmp(fs->dl_dir_fd);
    if (stale > 0)
        ms_log(MS_LOG_INFO, "removed temporary files of interrupted writes", KS("dir", fs->dir),
               KI("files", stale), KEND);
    return 0;
}

static void file_destroy(ms_sink *sink)
{
    file_sink *fs = sink->state;
    if (fs->dir_fd >= 0)
        close(fs->dir_fd);
    if (fs->dl_dir_fd >= 0)
        close(fs->dl_dir_fd);
    free(fs->dir);
    free(fs->dl_dir);
    free(fs);
    free(sink);
}

static const ms_sink_ops file_ops = {
    .name = "file",
    .attach = file_attach,
    .write = file_write,
    .destroy = file_destroy,
};

ms_sink *ms_sink_file_new(const char *dir, bool fsync_each)
{
    ms_sink *sink = calloc(1, sizeof *sink);
    file_sink *fs = calloc(1, sizeof *fs);
    size_t n = strlen(dir) + sizeof "/dead-letter";
    char *dl = malloc(n);
    char *d = strdup(dir);
    if (!sink || !fs || !dl || !d) {
        free(sink);
        free(fs);
        free(dl);
        free(d);
        return NULL;
    }
    snprintf(dl, n, "%s/dead-letter", dir);
    fs->dir = d;
    fs->dl_dir = dl;
    fs->fsync_each = fsync_each;
    fs->file_mode = MS_FILE_MODE_DEFAULT;
    fs->dir_mode = MS_DIR_MODE_DEFAULT;
    fs->dir_fd = fs->dl_dir_fd = -1;
    sink->ops = &file_ops;
    sink->state = fs;
    snprintf(sink->name, sizeof sink->name, "file");
    sink->summaries = true;
    sink->dead_letters = true;
    return sink;
}

void ms_sink_file_set_modes(ms_sink *sink, mode_t file_mode, mode_t dir_mode)
{
    file_sink *fs = sink->state;
    fs->file_mode = file_mode;
    fs->dir_mode = dir_mode;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key file_keys[] = {
    MS_KEY_STR("sink.file.dir", "./out",
        "Output directory: one `<id>.json` per report, dead letters in `<dir>/dead-letter/`."),
    MS_KEY_BOOL("sink.file.fsync", "true",
         "fsync each file and the directory before the report counts as delivered; turn it off only for throwaway benchmarks."),
    MS_KEY_STR("sink.file.mode", "0600",
        "Permission bits (octal) of each summary and dead letter; applied exactly, whatever the umask. They carry PHI: widen only to a trusted group (0640)."),
    MS_KEY_STR("sink.file.dir_mode", "0700",
        "Permission bits (octal) of the output and dead-letter directories medstream creates (existing ones are left as they are, with a warning when more open)."),
    { 0 }
};

static ms_sink *file_create(const ms_config *cfg, char *err, size_t errlen)
{
    mode_t fmode, dmode;
    if (ms_filemode_parse("sink.file.mode", ms_config_str(cfg, "sink.file.mode"), false, &fmode,
                          err, errlen) != 0 ||
        ms_filemode_parse("sink.file.dir_mode", ms_config_str(cfg, "sink.file.dir_mode"), true,
                          &dmode, err, errlen) != 0)
        return NULL;
    ms_sink *s = ms_sink_file_new(ms_config_str(cfg, "sink.file.dir"),
                                  ms_config_bool(cfg, "sink.file.fsync"));
    if (!s)
        ms_errf(err, errlen, "cannot create the file sink (out of memory)");
    else
        ms_sink_file_set_modes(s, fmode, dmode);
    return s;
}

static void file_probe(const ms_config *cfg, ms_probe *p)
{
    ms_probe_dir(p, "sink file", ms_config_str(cfg, "sink.file.dir"), true);
}

const ms_plugin ms_sink_file_plugin = {
    .name = "file",
    .kind = MS_PLUGIN_SINK,
    .description = "one JSON file per report in a directory, renamed into place and fsynced",
    .keys = file_keys,
    .probe = file_probe,
    .create.sink = file_create,
};
