/* test_sink_file.c -- the file sink on its own loop: <dir>/<id>.json and
 * <dir>/dead-letter/<id>.json with exactly the output bytes, confirmed only
 * once the file is in place; the write is atomic (a reader polling the path
 * during large overwrites only ever sees a complete version); no temporary
 * file is left; a replay overwrites; failures are reported, not confirmed;
 * with fsync on and off; files are created 0600 and directories 0700 by
 * default (they carry PHI) whatever the umask, and a configured mode is
 * applied exactly (neither widened nor narrowed by the umask); bad mode
 * strings are refused by the plugin; attach removes the temporary files
 * of writes cut by a crash (their process gone, or named with our own pid)
 * and leaves a live process's and anything not ours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "core/doc.h"
#include "plugins.h"
#include "sinks/sink_file.h"
#include "testutil.h"

static char *tmp;

typedef struct result {
    int calls, status;
    char error[160];
    bool existed_at_done; /* the final file was there when done() ran */
    const char *expect_path;
} result;

static void on_done(ms_sink *s, ms_doc *doc, int status, const char *error)
{
    (void)s;
    result *r = doc->source_ref;
    r->calls++;
    r->status = status;
    snprintf(r->error, sizeof r->error, "%s", error ? error : "");
    struct stat st;
    r->existed_at_done = r->expect_path && stat(r->expect_path, &st) == 0;
}

static ms_doc *doc_with(const char *id, const char *out, size_t len)
{
    ms_doc *d = ms_doc_new();
    ms_doc_set_id(d, id);
    if (out) {
        d->output = malloc(len + 1);
        memcpy(d->output, out, len);
        d->output[len] = 0;
        d->output_len = len;
    }
    return d;
}

/* One write, run to completion on loop. */
static result write_one(uv_loop_t *loop, ms_sink *s, ms_doc *d, bool dead, const char *path)
{
    result r = {.expect_path = path};
    d->source_ref = &r;
    s->ops->write(s, d, dead, on_done);
    uv_run(loop, UV_RUN_DEFAULT);
    assert_int_equal(r.calls, 1);
    d->source_ref = NULL;
    return r;
}

static int count_hidden(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void check_file(const char *path, const char *want, size_t len)
{
    size_t n;
    char *got = ms_test_read_file(path, &n);
    assert_non_null(got);
    assert_int_equal(n, len);
    assert_memory_equal(got, want, len);
    free(got);
}

static void writes_summaries_and_dead_letters(bool fsync_each)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *out = ms_test_path(tmp, fsync_each ? "out-sync/nested" : "out-nosync/nested");
    ms_sink *s = ms_sink_file_new(out, fsync_each);
    assert_non_null(s);
    assert_true(s->summaries && s->dead_letters);
    mode_t old = umask(022);
    assert_int_equal(s->ops->attach(s, &loop), 0); /* creates dir and dead-letter/ */
    char *dl = ms_test_path(out, "dead-letter");
    struct stat st;
    assert_int_equal(stat(dl, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    const char *sum = "{\"id\":\"rep-1\",\"ok\":true}\n";
    char *path = ms_test_path(out, "rep-1.json");
    ms_doc *d = doc_with("rep-1", sum, strlen(sum));
    result r = write_one(&loop, s, d, false, path);
    assert_int_equal(r.status, 0);
    assert_true(r.existed_at_done);
    check_file(path, sum, strlen(sum));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* PHI: owner only, umask 022 or not */
    ms_doc_free(d);

    const char *dead = "{\"id\":\"rep-2\",\"reason\":\"not_pdf\"}\n";
    char *dpath = ms_test_path(dl, "rep-2.json");
    d = doc_with("rep-2", dead, strlen(dead));
    r = write_one(&loop, s, d, true, dpath);
    assert_int_equal(r.status, 0);
    assert_true(r.existed_at_done);
    check_file(dpath, dead, strlen(dead));
    assert_int_equal(stat(dpath, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *wrong = ms_test_path(out, "rep-2.json");
    assert_int_not_equal(stat(wrong, &st), 0); /* not among the summaries */
    ms_doc_free(d);

    /* a replay overwrites (idempotent by id) */
    const char *sum2 = "{\"id\":\"rep-1\",\"v\":2}\n";
    d = doc_with("rep-1", sum2, strlen(sum2));
    r = write_one(&loop, s, d, false, path);
    assert_int_equal(r.status, 0);
    check_file(path, sum2, strlen(sum2));
    ms_doc_free(d);
    assert_int_equal(ms_test_count_files(out, ".json"), 1);
    assert_int_equal(count_hidden(out), 0); /* no temporary file left */
    assert_int_equal(count_hidden(dl), 0);
    umask(old);

    s->ops->destroy(s);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    free(out);
    free(dl);
    free(path);
    free(dpath);
    free(wrong);
}

static void summaries_with_fsync(void **state)
{
    (void)state;
    writes_summaries_and_dead_letters(true);
}

static void summaries_without_fsync(void **state)
{
    (void)state;
    writes_summaries_and_dead_letters(false);
}

static void failures_are_reported(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *out = ms_test_path(tmp, "out-fail");
    ms_sink *s = ms_sink_file_new(out, false);
    assert_int_equal(s->ops->attach(s, &loop), 0);

    /* no output rendered */
    ms_doc *d = doc_with("empty", NULL, 0);
    result r = write_one(&loop, s, d, false, NULL);
    assert_int_equal(r.status, -1);
    assert_string_equal(r.error, "nothing to write");
    ms_doc_free(d);

    /* the directory vanished after attach: open fails, nothing confirmed,
     * no file appears */
    char *dl = ms_test_path(out, "dead-letter");
    assert_int_equal(ms_test_rm_rf(dl), 0);
    char *dpath = ms_test_path(dl, "x.json");
    d = doc_with("x", "{}", 2);
    r = write_one(&loop, s, d, true, dpath);
    assert_int_equal(r.status, -1);
    assert_non_null(strstr(r.error, "open"));
    assert_false(r.existed_at_done);
    ms_doc_free(d);

    s->ops->destroy(s);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    free(out);
    free(dl);
    free(dpath);
}

/* A reader polling the final path while large versions overwrite each
 * other: every read is one whole version (all one letter, that version's
 * length), never a prefix or a mix. */
typedef struct watcher {
    const char *path;
    atomic_bool stop;
    atomic_int reads;
    int bad;
    char bad_what[128];
} watcher;

#define BIG (3u << 20)

static void *watch(void *arg)
{
    watcher *w = arg;
    while (!atomic_load(&w->stop)) {
        size_t n;
        char *b = ms_test_read_file(w->path, &n);
        if (!b)
            continue; /* not there yet */
        atomic_fetch_add(&w->reads, 1);
        char c = n ? b[0] : '?';
        size_t want = c == 'a' ? BIG : c == 'b' ? BIG + 12345 : 0;
        bool ok = n == want && want > 0;
        for (size_t i = 0; ok && i < n; i++)
            ok = b[i] == c;
        if (!ok && w->bad++ == 0)
            snprintf(w->bad_what, sizeof w->bad_what, "read %zu bytes starting '%c'", n, c);
        free(b);
    }
    return NULL;
}

static void no_partial_file_visible(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *out = ms_test_path(tmp, "out-atomic");
    ms_sink *s = ms_sink_file_new(out, false);
    assert_int_equal(s->ops->attach(s, &loop), 0);
    char *path = ms_test_path(out, "big.json");
    char *va = malloc(BIG), *vb = malloc(BIG + 12345);
    memset(va, 'a', BIG);
    memset(vb, 'b', BIG + 12345);

    watcher w = {.path = path};
    pthread_t th;
    pthread_create(&th, NULL, watch, &w);
    /* at least 10 writes, and on until the reader has run a few times (a
     * loaded machine may not schedule it during the first ten) */
    for (int i = 0; i < 10 || (atomic_load(&w.reads) < 3 && i < 2000); i++) {
        ms_doc *d = i % 2 ? doc_with("big", vb, BIG + 12345) : doc_with("big", va, BIG);
        result r = write_one(&loop, s, d, false, path);
        assert_int_equal(r.status, 0);
        ms_doc_free(d);
    }
    atomic_store(&w.stop, true);
    pthread_join(th, NULL);
    printf("%d reads while writing, %d partial\n", atomic_load(&w.reads), w.bad);
    if (w.bad)
        fail_msg("a reader saw a partial file: %s", w.bad_what);
    assert_true(atomic_load(&w.reads) > 0);
    assert_int_equal(count_hidden(out), 0);

    s->ops->destroy(s);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    free(va);
    free(vb);
    free(out);
    free(path);
}

/* A configured mode is applied exactly: umask 077 does not narrow 0640/0750,
 * and umask 0 does not widen the default; an old temporary file with a wide
 * mode left by a crash does not lend its mode to the new file. */
static void configured_modes_are_exact(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    mode_t old = umask(077);
    char *out = ms_test_path(tmp, "out-mode/a/b");
    ms_sink *s = ms_sink_file_new(out, true);
    ms_sink_file_set_modes(s, 0640, 0750);
    assert_int_equal(s->ops->attach(s, &loop), 0);
    struct stat st;
    char *parent = ms_test_path(tmp, "out-mode/a");
    assert_int_equal(stat(parent, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0750);
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0750);
    char *path = ms_test_path(out, "m.json");
    ms_doc *d = doc_with("m", "{}\n", 3);
    result r = write_one(&loop, s, d, false, path);
    assert_int_equal(r.status, 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    ms_doc_free(d);
    s->ops->destroy(s);
    uv_run(&loop, UV_RUN_DEFAULT);

    umask(0);
    char *out2 = ms_test_path(tmp, "out-mode0");
    s = ms_sink_file_new(out2, false);
    assert_int_equal(s->ops->attach(s, &loop), 0);
    assert_int_equal(stat(out2, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char *path2 = ms_test_path(out2, "n.json");
    d = doc_with("n", "{}\n", 3);
    r = write_one(&loop, s, d, false, path2);
    assert_int_equal(r.status, 0);
    assert_int_equal(stat(path2, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    ms_doc_free(d);
    s->ops->destroy(s);
    uv_run(&loop, UV_RUN_DEFAULT);
    umask(old);
    assert_int_equal(uv_loop_close(&loop), 0);
    free(out);
    free(parent);
    free(path);
    free(out2);
    free(path2);
}

/* dir/<before><pid><after> */
static void touch(const char *dir, const char *before, long pid, const char *after)
{
    char name[256];
    snprintf(name, sizeof name, "%s%ld%s", before, pid, after);
    char *p = ms_test_path(dir, name);
    assert_int_equal(ms_test_write_file(p, "{\"partial\"", 11), 0);
    free(p);
}

static bool exists(const char *dir, const char *before, long pid, const char *after)
{
    char name[256];
    snprintf(name, sizeof name, "%s%ld%s", before, pid, after);
    char *p = ms_test_path(dir, name);
    bool ok = access(p, F_OK) == 0;
    free(p);
    return ok;
}

/* Regression (found by the Kinesis crash campaign): every SIGKILL during a
 * write left a hidden ".<id>.json.<pid>.<n>.tmp" with a partial summary,
 * and nothing ever removed it. */
static void stale_temporary_files_removed(void **state)
{
    (void)state;
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    assert_true(child > 0);
    waitpid(child, NULL, 0); /* a pid that is gone */
    long dead = child, self = getpid(), live = getppid();
    char *out = ms_test_path(tmp, "out-stale");
    char *dl = ms_test_path(out, "dead-letter");
    assert_int_equal(ms_test_run("umask 077 && mkdir -p '%s'", dl), 0);
    touch(out, ".rep-1.json.", dead, ".7.tmp");
    touch(dl, ".rep-2.json.", dead, ".1.tmp");
    touch(out, ".rep-3.json.", self, ".2.tmp");
    touch(out, ".rep-4.json.", live, ".3.tmp");   /* a live writer: kept */
    touch(out, ".notes.", dead, ".1.tmp");        /* not ours: kept */
    touch(out, "rep-5.json.", dead, ".1.tmp");    /* not hidden: kept */
    uv_loop_t loop;
    uv_loop_init(&loop);
    ms_sink *s = ms_sink_file_new(out, false);
    assert_int_equal(s->ops->attach(s, &loop), 0);
    assert_false(exists(out, ".rep-1.json.", dead, ".7.tmp"));
    assert_false(exists(dl, ".rep-2.json.", dead, ".1.tmp"));
    assert_false(exists(out, ".rep-3.json.", self, ".2.tmp"));
    assert_true(exists(out, ".rep-4.json.", live, ".3.tmp"));
    assert_true(exists(out, ".notes.", dead, ".1.tmp"));
    assert_true(exists(out, "rep-5.json.", dead, ".1.tmp"));
    s->ops->destroy(s);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    free(out);
    free(dl);
}

/* The plugin reads sink.file.mode / dir_mode and refuses what is not a
 * sane octal mode. */
static void plugin_validates_modes(void **state)
{
    (void)state;
    static const char *bad[][2] = {
        {"sink.file.mode", "rw-------"}, {"sink.file.mode", "0400"},
        {"sink.file.mode", "4600"},      {"sink.file.mode", "06000"},
        {"sink.file.mode", "0680"},      {"sink.file.dir_mode", "0600"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ms_config *cfg = ms_config_new();
        char err[256] = "", set[128];
        snprintf(set, sizeof set, "%s=%s", bad[i][0], bad[i][1]);
        assert_int_equal(ms_config_set_arg(cfg, set, err, sizeof err), 0);
        ms_sink *s = ms_plugins_find(MS_PLUGIN_SINK, "file")->create.sink(cfg, err, sizeof err);
        if (s)
            fail_msg("%s was accepted", set);
        assert_non_null(strstr(err, bad[i][0]));
        ms_config_free(cfg);
    }
    ms_config *cfg = ms_config_new();
    char err[256] = "";
    assert_int_equal(ms_config_set_arg(cfg, "sink.file.mode=640", err, sizeof err), 0);
    ms_sink *s = ms_plugins_find(MS_PLUGIN_SINK, "file")->create.sink(cfg, err, sizeof err);
    assert_non_null(s);
    s->ops->destroy(s);
    ms_config_free(cfg);
}

static int setup(void **state)
{
    (void)state;
    tmp = ms_test_tmpdir("sinkfile");
    return tmp ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summaries_with_fsync),
        cmocka_unit_test(summaries_without_fsync),
        cmocka_unit_test(failures_are_reported),
        cmocka_unit_test(no_partial_file_visible),
        cmocka_unit_test(configured_modes_are_exact),
        cmocka_unit_test(plugin_validates_modes),
        cmocka_unit_test(stale_temporary_files_removed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
