/* source_dir.c -- reports from *.pdf files in a directory.
 *
 * Files are taken in name order. With source.watch the directory is rescanned
 * every source.poll_interval_ms and a new file is taken once its size and
 * modification time are unchanged across two scans (so a file still being
 * copied in is not read half-written; writers that rename into place are
 * picked up on the second scan). The whole directory is one lane; a file's
 * position is its admission number. On commit, files are moved to
 * source.done_dir when set, otherwise left in place (a restart reprocesses
 * them, and the sinks overwrite: at-least-once). */
#include "sources/source_dir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <uv.h>

#include "base/errbuf.h"
#include "core/engine.h"
#include "base/log.h"
#include "core/plugin.h"

typedef struct file_ent {
    char *name;
    uint64_t size;
    int64_t mtime_ns;
} file_ent;

typedef struct ent_list {
    file_ent *v;
    size_t n, cap, head; /* head: first not yet consumed (pending list) */
} ent_list;

typedef struct inflight_file {
    int64_t seq;
    char *name;
} inflight_file;

typedef struct dir_source {
    ms_source base;
    char *path, *done_dir;
    bool watch, paused, stopped;
    uint64_t poll_ms;
    uv_timer_t scan_timer, feed_timer;
    int open_handles;
    void (*close_done)(ms_source *);
    ent_list pending;     /* accepted, not yet submitted, name order */
    ent_list candidates;  /* watch: seen once, waiting to be stable */
    char **seen;          /* sorted names already accepted */
    size_t nseen, capseen;
    inflight_file *fifo;  /* admitted files in seq order (for done_dir) */
    size_t fifo_head, fifo_tail, fifo_cap;
    int64_t seq;
} dir_source;

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const file_ent *)a)->name, ((const file_ent *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_seen(dir_source *d, const char *name)
{
    return d->nseen && bsearch(&name, d->seen, d->nseen, sizeof(char *), cmp_str);
}

static int ent_push(ent_list *l, const char *name, uint64_t size, int64_t mtime)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        file_ent *v = realloc(l->v, ncap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = ncap;
    }
    l->v[l->n].name = strdup(name);
    if (!l->v[l->n].name)
        return -1;
    l->v[l->n].size = size;
    l->v[l->n].mtime_ns = mtime;
    l->n++;
    return 0;
}

static void ent_clear(ent_list *l)
{
    for (size_t i = l->head; i < l->n; i++)
        free(l->v[i].name);
    l->n = l->head = 0;
}

static bool has_pdf_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && name[0] != '.' && strcasecmp(name + n - 4, ".pdf") == 0;
}

static file_ent *find_candidate(dir_source *d, const char *name)
{
    file_ent key = {.name = (char *)name};
    if (!d->candidates.n)
        return NULL;
    return bsearch(&key, d->candidates.v, d->candidates.n, sizeof key, cmp_ent);
}

static int mark_seen(dir_source *d, const char *name)
{
    if (d->nseen == d->capseen) {
        size_t ncap = d->capseen ? d->capseen * 2 : 64;
        char **v = realloc(d->seen, ncap * sizeof *v);
        if (!v)
            return -1;
        d->seen = v;
        d->capseen = ncap;
    }
    d->seen[d->nseen] = strdup(name);
    if (!d->seen[d->nseen])
        return -1;
    d->nseen++;
    return 0;
}

/* One pass over the directory: accept new files into pending. */
static void scan(dir_source *d)
{
    DIR *dir = opendir(d->path);
    if (!dir) {
        ms_log(MS_LOG_ERROR, "cannot read source directory", KS("dir", d->path),
               KS("error", strerror(errno)), KEND);
        return;
    }
    ent_list found = {0};
    struct dirent *e;
    char full[4096];
    while ((e = readdir(dir))) {
        if (!has_pdf_suffix(e->d_name) || is_seen(d, e->d_name))
            continue;
        snprintf(full, sizeof full, "%s/%s", d->path, e->d_name);
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        ent_push(&found, e->d_name, (uint64_t)st.st_size, mt);
    }
    closedir(dir);
    if (found.n > 1) /* qsort(NULL, 0) is undefined behaviour */
        qsort(found.v, found.n, sizeof *found.v, cmp_ent);

    ent_list next_candidates = {0};
    size_t before = d->nseen;
    for (size_t i = 0; i < found.n; i++) {
        file_ent *f = &found.v[i];
        file_ent *c = d->watch ? find_candidate(d, f->name) : NULL;
        bool stable = !d->watch || (c && c->size == f->size && c->mtime_ns == f->mtime_ns);
        if (stable) {
            if (ent_push(&d->pending, f->name, f->size, f->mtime_ns) == 0)
                mark_seen(d, f->name);
        } else {
            ent_push(&next_candidates, f->name, f->size, f->mtime_ns);
        }
    }
    if (d->nseen != before)
        qsort(d->seen, d->nseen, sizeof(char *), cmp_str);
    ent_clear(&d->candidates);
    free(d->candidates.v);
    d->candidates = next_candidates;
    ent_clear(&found);
    free(found.v);
}

static int fifo_push(dir_source *d, int64_t seq, const char *name)
{
    if (d->fifo_tail - d->fifo_head == d->fifo_cap) {
        size_t ncap = d->fifo_cap ? d->fifo_cap * 2 : 64;
        inflight_file *v = malloc(ncap * sizeof *v);
        if (!v)
            return -1;
        for (size_t i = d->fifo_head; i < d->fifo_tail; i++)
            v[i - d->fifo_head] = d->fifo[i % d->fifo_cap];
        d->fifo_tail -= d->fifo_head;
        d->fifo_head = 0;
        free(d->fifo);
        d->fifo = v;
        d->fifo_cap = ncap;
    }
    d->fifo[d->fifo_tail % d->fifo_cap] = (inflight_file){seq, strdup(name)};
    d->fifo_tail++;
    return 0;
}

/* Submit pending files while the engine has room. */
static void feed(dir_source *d)
{
    ms_engine *e = d->base.engine;
    while (!d->paused && !d->stopped && d->pending.head < d->pending.n) {
        file_ent *f = &d->pending.v[d->pending.head];
        if (!ms_engine_has_room(e, f->size))
            return;
        ms_doc *doc = ms_doc_new();
        if (!doc)
            return;
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", d->path, f->name);
        doc->input_path = strdup(full);
        doc->input_size = f->size;
        char id[256];
        snprintf(id, sizeof id, "%.*s", (int)(strlen(f->name) - 4), f->name);
        ms_doc_set_id(doc, id);
        doc->pos.lane = 0;
        doc->pos.partition = 0;
        doc->pos.offset = d->seq++;
        /* Labels are for people; keep the tail of a long path. */
        size_t fl = strlen(full), room = sizeof doc->pos.label - 1;
        memcpy(doc->pos.label, full + (fl > room ? fl - room : 0), (fl > room ? room : fl) + 1);
        if (d->done_dir)
            fifo_push(d, doc->pos.offset, f->name);
        free(f->name);
        f->name = NULL;
        d->pending.head++;
        ms_engine_submit(e, doc);
    }
    if (d->pending.head == d->pending.n)
        d->pending.n = d->pending.head = 0;
    if (!d->watch && !d->stopped && d->pending.n == 0)
        ms_engine_source_drained(e, true);
}

static void on_scan(uv_timer_t *t)
{
    dir_source *d = t->data;
    if (d->stopped)
        return;
    if (d->pending.head == d->pending.n)
        scan(d);
    feed(d);
}

static void on_feed(uv_timer_t *t)
{
    feed(t->data);
}

static int dir_start(ms_source *src)
{
    dir_source *d = (dir_source *)src;
    struct stat st;
    if (stat(d->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ms_log(MS_LOG_ERROR, "source.path is not a directory", KS("dir", d->path), KEND);
        return -1;
    }
    uv_timer_init(src->loop, &d->scan_timer);
    uv_timer_init(src->loop, &d->feed_timer);
    d->scan_timer.data = d->feed_timer.data = d;
    d->open_handles = 2;
    scan(d);
    if (d->watch)
        uv_timer_start(&d->scan_timer, on_scan, d->poll_ms, d->poll_ms);
    feed(d);
    return 0;
}

static void dir_pause(ms_source *src)
{
    ((dir_source *)src)->paused = true;
}

static void dir_resume(ms_source *src)
{
    dir_source *d = (dir_source *)src;
    d->paused = false;
    /* Feed on the next loop turn, not inside the engine's completion path. */
    if (d->open_handles)
        uv_timer_start(&d->feed_timer, on_feed, 0, 0);
}

static void dir_commit(ms_source *src, uint64_t lane, int64_t next)
{
    dir_source *d = (dir_source *)src;
    while (d->fifo_head < d->fifo_tail) {
        inflight_file *f = &d->fifo[d->fifo_head % d->fifo_cap];
        if (f->seq >= next)
            break;
        char from[4096], to[4096];
        snprintf(from, sizeof from, "%s/%s", d->path, f->name);
        snprintf(to, sizeof to, "%s/%s", d->done_dir, f->name);
        if (rename(from, to) != 0)
            ms_log(MS_LOG_WARN, "cannot move file to source.done_dir", KS("file", f->name),
                   KS("error", strerror(errno)), KEND);
        free(f->name);
        d->fifo_head++;
    }
}

static void dir_stop(ms_source *src)
{
    dir_source *d = (dir_source *)src;
    d->stopped = true;
    if (d->open_handles) {
        uv_timer_stop(&d->scan_timer);
        uv_timer_stop(&d->feed_timer);
    }
}

static void on_closed(uv_handle_t *h)
{
    dir_source *d = h->data;
    if (--d->open_handles == 0 && d->close_done)
        d->close_done(&d->base);
}

static void dir_close(ms_source *src, void (*done)(ms_source *))
{
    dir_source *d = (dir_source *)src;
    dir_stop(src);
    if (!d->open_handles) {
        done(src);
        return;
    }
    d->close_done = done;
    uv_close((uv_handle_t *)&d->scan_timer, on_closed);
    uv_close((uv_handle_t *)&d->feed_timer, on_closed);
}

static void dir_destroy(ms_source *src)
{
    dir_source *d = (dir_source *)src;
    ent_clear(&d->pending);
    free(d->pending.v);
    ent_clear(&d->candidates);
    free(d->candidates.v);
    for (size_t i = 0; i < d->nseen; i++)
        free(d->seen[i]);
    free(d->seen);
    for (size_t i = d->fifo_head; i < d->fifo_tail; i++)
        free(d->fifo[i % d->fifo_cap].name);
    free(d->fifo);
    free(d->path);
    free(d->done_dir);
    free(d);
}

static const ms_source_ops dir_ops = {
    .name = "dir",
    .start = dir_start,
    .pause = dir_pause,
    .resume = dir_resume,
    .commit = dir_commit,
    .stop = dir_stop,
    .close = dir_close,
    .destroy = dir_destroy,
};

/* What the constructor rejects (check-config): a done_dir that is not a
 * directory would only show at the first commit otherwise. */
static int dir_check(const ms_config *cfg, char *err, size_t errlen)
{
    const char *done = ms_config_str(cfg, "source.done_dir");
    struct stat st;
    if (done && *done && (stat(done, &st) != 0 || !S_ISDIR(st.st_mode))) {
        ms_errf(err, errlen, "source.done_dir '%s' is not a directory", done);
        return -1;
    }
    return 0;
}

ms_source *ms_source_dir_new(const ms_config *cfg, char *err, size_t errlen)
{
    dir_source *d = calloc(1, sizeof *d);
    if (!d) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    d->base.ops = &dir_ops;
    d->base.state = d;
    d->path = strdup(ms_config_str(cfg, "source.path"));
    const char *done = ms_config_str(cfg, "source.done_dir");
    if (done && *done)
        d->done_dir = strdup(done);
    if (dir_check(cfg, err, errlen) != 0) {
        dir_destroy(&d->base);
        return NULL;
    }
    d->watch = ms_config_bool(cfg, "source.watch");
    d->poll_ms = (uint64_t)ms_config_int(cfg, "source.poll_interval_ms");
    return &d->base;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key dir_keys[] = {
    MS_KEY_STR("source.path", "./inbox",
        "Directory read by the dir source (`*.pdf` files)."),
    MS_KEY_BOOL("source.watch", "false",
         "dir source: keep watching the directory for new files instead of stopping once it is drained."),
    MS_KEY_INT("source.poll_interval_ms", "1000", 10, 3600000,
        "dir source with watch: rescan interval; a new file is taken once its size is unchanged across two scans."),
    MS_KEY_STR("source.done_dir", "",
        "dir source: move each file here once its report is committed (empty = leave files in place)."),
    { 0 }
};

static void dir_probe(const ms_config *cfg, ms_probe *p)
{
    ms_probe_dir(p, "source dir", ms_config_str(cfg, "source.path"), false);
    const char *done = ms_config_str(cfg, "source.done_dir");
    if (*done)
        ms_probe_dir(p, "source dir: source.done_dir", done, true);
}

const ms_plugin ms_source_dir_plugin = {
    .name = "dir",
    .kind = MS_PLUGIN_SOURCE,
    .description = "PDF files in a directory (once, or watched)",
    .keys = dir_keys,
    .check = dir_check,
    .probe = dir_probe,
    .create.source = ms_source_dir_new,
};
