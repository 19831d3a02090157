/* checkpoint.c -- the checkpoint store interface and the file store.
 *
 * The file is rewritten with checkpoint.mode (0600), set exactly with fchmod
 * on the temporary file before the rename, whatever the umask. */
#include "sources/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errbuf.h"
#include "base/filemode.h"
#include "base/log.h"

typedef struct file_store {
    ms_checkpoint base;
    char *path;
    char *stream;
    json_t *root;    /* the whole file: other streams are kept as they are */
    json_t *shards;  /* root.streams.<stream>, borrowed */
    bool dirty;
    mode_t mode;
} file_store;

const char *ms_checkpoint_get(ms_checkpoint *c, const char *shard)
{
    return c->ops->get(c, shard);
}

int ms_checkpoint_set(ms_checkpoint *c, const char *shard, const char *position)
{
    return c->ops->set(c, shard, position);
}

int ms_checkpoint_flush(ms_checkpoint *c)
{
    return c->ops->flush(c);
}

void ms_checkpoint_free(ms_checkpoint *c)
{
    if (c)
        c->ops->free(c);
}

static const char *file_get(ms_checkpoint *c, const char *shard)
{
    file_store *f = (file_store *)c;
    return json_string_value(json_object_get(f->shards, shard));
}

static int file_set(ms_checkpoint *c, const char *shard, const char *position)
{
    file_store *f = (file_store *)c;
    const char *old = file_get(c, shard);
    if (old && strcmp(old, position) == 0)
        return 0;
    if (json_object_set_new(f->shards, shard, json_string(position)) != 0)
        return -1;
    f->dirty = true;
    return 0;
}

static int fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Write the whole document to <path>.tmp, fsync it, rename it over path and
 * fsync the directory: a crash leaves either the old or the new file. */
static int file_flush(ms_checkpoint *c)
{
    file_store *f = (file_store *)c;
    if (!f->dirty)
        return 0;
    char *text = json_dumps(f->root, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!text)
        return -1;
    size_t n = strlen(text);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, f->mode);
    int rc = -1;
    const char *what = "open";
    if (fd >= 0 && fchmod(fd, f->mode) != 0) {
        what = "fchmod";
        close(fd);
        fd = -1;
    }
    if (fd >= 0) {
        size_t off = 0;
        what = "write";
        while (off < n) {
            ssize_t w = write(fd, text + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        if (off == n && write(fd, "\n", 1) == 1) {
            what = "fsync";
            if (fsync(fd) == 0)
                rc = 0;
        }
        if (close(fd) != 0)
            rc = -1;
    }
    if (rc == 0) {
        what = "rename";
        rc = rename(tmp, f->path);
    }
    if (rc == 0)
        fsync_dir_of(f->path);
    else {
        ms_log(MS_LOG_ERROR, "cannot write the checkpoint file", KS("path", f->path),
               KS("step", what), KS("error", strerror(errno)), KEND);
        unlink(tmp);
    }
    free(text);
    if (rc == 0)
        f->dirty = false;
    return rc;
}

static void file_free(ms_checkpoint *c)
{
    file_store *f = (file_store *)c;
    json_decref(f->root);
    free(f->path);
    free(f->stream);
    free(f);
}

static const ms_checkpoint_ops file_ops = {
    .name = "file",
    .get = file_get,
    .set = file_set,
    .flush = file_flush,
    .free = file_free,
};

ms_checkpoint *ms_checkpoint_file_open(const char *path, const char *stream, char *err,
                                       size_t errlen)
{
    if (!path || !*path || strlen(path) > 4000) {
        ms_errf(err, errlen, "checkpoint.path is empty or too long");
        return NULL;
    }
    file_store *f = calloc(1, sizeof *f);
    if (!f) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    f->base.ops = &file_ops;
    f->mode = MS_FILE_MODE_DEFAULT;
    f->path = strdup(path);
    f->stream = strdup(stream);
    json_error_t jerr;
    if (access(path, F_OK) == 0) {
        f->root = json_load_file(path, 0, &jerr);
        if (!f->root || !json_is_object(f->root)) {
            ms_errf(err, errlen, "checkpoint file %s is not valid JSON (line %d: %s)", path,
                     jerr.line, jerr.text);
            file_free(&f->base);
            return NULL;
        }
    } else {
        f->root = json_object();
    }
    json_t *streams = json_object_get(f->root, "streams");
    if (!json_is_object(streams)) {
        streams = json_object();
        json_object_set_new(f->root, "streams", streams);
    }
    f->shards = json_object_get(streams, stream);
    if (!json_is_object(f->shards)) {
        f->shards = json_object();
        json_object_set_new(streams, stream, f->shards);
    }
    if (!f->path || !f->stream || !f->shards) {
        ms_errf(err, errlen, "out of memory");
        file_free(&f->base);
        return NULL;
    }
    return &f->base;
}

void ms_checkpoint_file_set_mode(ms_checkpoint *c, mode_t mode)
{
    ((file_store *)c)->mode = mode;
}

ms_checkpoint *ms_checkpoint_open(const ms_config *cfg, const char *stream, char *err,
                                  size_t errlen)
{
    const char *store = ms_config_str(cfg, "checkpoint.store");
    if (strcmp(store, "file") == 0) {
        mode_t mode;
        if (ms_filemode_parse("checkpoint.mode", ms_config_str(cfg, "checkpoint.mode"), false,
                              &mode, err, errlen) != 0)
            return NULL;
        ms_checkpoint *c = ms_checkpoint_file_open(ms_config_str(cfg, "checkpoint.path"), stream,
                                                   err, errlen);
        if (c)
            ms_checkpoint_file_set_mode(c, mode);
        return c;
    }
    if (strcmp(store, "dynamodb") == 0)
        return ms_checkpoint_ddb_open(cfg, stream, err, errlen);
    ms_errf(err, errlen, "checkpoint.store '%s' is not supported", store);
    return NULL;
}
