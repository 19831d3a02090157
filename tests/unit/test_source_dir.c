/* test_source_dir.c -- the directory source (source.type = dir) driving a
 * bare engine into the recording test sink: only *.pdf files (any case, not
 * hidden) become reports, in name order, with id, path, size and position
 * set; committed files move to source.done_dir; a missing done_dir is a
 * build error and a missing source.path a run error; with source.watch a
 * file that appears later is taken once stable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins.h"
#include "base/config.h"
#include "core/engine.h"
#include "pdfgen.h"
#include "sources/source_dir.h"
#include "testsink.h"
#include "testutil.h"

static char *tmp;

static void set(ms_config *cfg, const char *k, const char *v)
{
    char err[256];
    if (ms_config_set(cfg, k, v, "t", err, sizeof err) != 0)
        fail_msg("%s: %s", k, err);
}

static void make_pdf(const char *dir, const char *name, const char *text)
{
    char *p = ms_test_path(dir, name), err[256];
    ms_pdfgen_opts o = {0};
    if (ms_pdfgen_write(p, text, strlen(text), &o, err, sizeof err) != 0)
        fail_msg("pdfgen %s: %s", name, err);
    free(p);
}

static void touch_txt(const char *dir, const char *name)
{
    char *p = ms_test_path(dir, name);
    assert_int_equal(ms_test_write_file(p, "x", 1), 0);
    free(p);
}

static off_t file_size(const char *dir, const char *name)
{
    char *p = ms_test_path(dir, name);
    struct stat st;
    off_t n = stat(p, &st) == 0 ? st.st_size : -1;
    free(p);
    return n;
}

static bool exists(const char *dir, const char *name)
{
    return file_size(dir, name) >= 0;
}

/* What the engine handed over, per report. */
typedef struct seen {
    int n;
    char id[16][64];
    char path[16][1024];
    size_t size[16];
    int64_t offset[16];
    /* watch test: on the first report write this file; stop after stop_at */
    const char *later_dir, *later_name;
    int stop_at;
    ms_engine *e;
} seen;

static void on_report(const ms_doc *doc, void *ud)
{
    seen *s = ud;
    assert_true(s->n < 16);
    snprintf(s->id[s->n], sizeof s->id[0], "%s", doc->id);
    snprintf(s->path[s->n], sizeof s->path[0], "%s", doc->input_path ? doc->input_path : "");
    s->size[s->n] = doc->input_size;
    s->offset[s->n] = doc->pos.offset;
    s->n++;
    if (s->later_name && s->n == 1)
        make_pdf(s->later_dir, s->later_name, "Later report.\n");
    if (s->stop_at && s->n == s->stop_at)
        ms_engine_stop(s->e);
}

/* Run the dir source over cfg into a test sink. Returns ms_engine_run's
 * code; -1 when ms_source_dir_new refused the configuration (err set). */
static int run(const ms_config *cfg, bool once, ms_test_record *rec, seen *s, char *err,
               size_t errlen)
{
    ms_source *src = ms_source_dir_new(cfg, err, errlen);
    if (!src)
        return -1;
    ms_engine *e = ms_engine_new(cfg, err, errlen);
    assert_non_null(e);
    ms_engine_set_source(e, src);
    ms_engine_add_sink(e, ms_test_sink_new(0, rec));
    s->e = e;
    ms_engine_on_report(e, on_report, s);
    ms_engine_set_once(e, once);
    int rc = ms_engine_run(e);
    ms_engine_free(e);
    return rc;
}

static ms_config *config(const char *in, const char *done)
{
    ms_config *cfg = ms_config_new();
    set(cfg, "log.level", "error");
    set(cfg, "engine.workers", "1");
    set(cfg, "source.type", "dir");
    set(cfg, "source.path", in);
    if (done)
        set(cfg, "source.done_dir", done);
    return cfg;
}

static void takes_pdfs_in_name_order(void **state)
{
    (void)state;
    char *in = ms_test_path(tmp, "in1");
    assert_int_equal(mkdir(in, 0755), 0);
    make_pdf(in, "b-second.PDF", "Second.\n");
    make_pdf(in, "a-first.pdf", "First.\n");
    make_pdf(in, "c-third.pdf", "Third.\n");
    make_pdf(in, ".hidden.pdf", "Hidden.\n");
    touch_txt(in, "notes.txt");
    char *sub = ms_test_path(in, "sub.pdf"); /* a directory, not a report */
    assert_int_equal(mkdir(sub, 0755), 0);

    ms_config *cfg = config(in, NULL);
    ms_test_record rec = {0};
    seen s = {0};
    char err[256];
    assert_int_equal(run(cfg, true, &rec, &s, err, sizeof err), 0);
    ms_config_free(cfg);

    assert_int_equal(rec.n, 3);
    assert_int_equal(s.n, 3);
    const char *want[3] = {"a-first", "b-second", "c-third"};
    const char *files[3] = {"a-first.pdf", "b-second.PDF", "c-third.pdf"};
    for (int i = 0; i < 3; i++) {
        assert_string_equal(s.id[i], want[i]);
        assert_string_equal(rec.ids[i], want[i]);
        assert_false(rec.dead[i]);
        char *p = ms_test_path(in, files[i]);
        assert_string_equal(s.path[i], p);
        free(p);
        assert_int_equal(s.size[i], (size_t)file_size(in, files[i]));
        assert_int_equal(s.offset[i], i); /* admission order */
    }
    /* without done_dir the files stay where they are */
    for (int i = 0; i < 3; i++)
        assert_true(exists(in, files[i]));
    ms_test_record_free(&rec);
    free(sub);
    free(in);
}

static void done_dir_receives_committed_files(void **state)
{
    (void)state;
    char *in = ms_test_path(tmp, "in2"), *done = ms_test_path(tmp, "done2");
    assert_int_equal(mkdir(in, 0755), 0);
    assert_int_equal(mkdir(done, 0755), 0);
    make_pdf(in, "r1.pdf", "One.\n");
    make_pdf(in, "r2.pdf", "Two.\n");
    touch_txt(in, "keep.txt");

    ms_config *cfg = config(in, done);
    ms_test_record rec = {0};
    seen s = {0};
    char err[256];
    assert_int_equal(run(cfg, true, &rec, &s, err, sizeof err), 0);
    ms_config_free(cfg);
    assert_int_equal(rec.n, 2);
    assert_false(exists(in, "r1.pdf"));
    assert_false(exists(in, "r2.pdf"));
    assert_true(exists(done, "r1.pdf"));
    assert_true(exists(done, "r2.pdf"));
    assert_true(exists(in, "keep.txt"));
    assert_int_equal(ms_test_count_files(done, ".pdf"), 2);
    ms_test_record_free(&rec);
    free(in);
    free(done);
}

static void bad_directories(void **state)
{
    (void)state;
    char err[256] = "";
    char *in = ms_test_path(tmp, "in3"), *nodone = ms_test_path(tmp, "no-such-done");
    assert_int_equal(mkdir(in, 0755), 0);
    ms_config *cfg = config(in, nodone);
    ms_test_record rec = {0};
    seen s = {0};
    assert_int_equal(run(cfg, true, &rec, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "source.done_dir"));
    ms_config_free(cfg);

    /* source.path missing: the source fails to start, the run exits 1 */
    char *nopath = ms_test_path(tmp, "no-such-inbox");
    cfg = config(nopath, NULL);
    assert_int_equal(run(cfg, true, &rec, &s, err, sizeof err), 1);
    assert_int_equal(rec.n, 0);
    ms_config_free(cfg);
    free(in);
    free(nodone);
    free(nopath);
}

/* Watch mode: the directory is rescanned; a file written after the start
 * is delivered (after two scans agree on its size), and the run only ends
 * on stop. */
static void watch_takes_new_files(void **state)
{
    (void)state;
    char *in = ms_test_path(tmp, "in4");
    assert_int_equal(mkdir(in, 0755), 0);
    make_pdf(in, "w1.pdf", "First.\n");
    ms_config *cfg = config(in, NULL);
    set(cfg, "source.watch", "true");
    set(cfg, "source.poll_interval_ms", "50");
    ms_test_record rec = {0};
    seen s = {.later_dir = in, .later_name = "w2.pdf", .stop_at = 2};
    char err[256];
    assert_int_equal(run(cfg, false, &rec, &s, err, sizeof err), 0);
    ms_config_free(cfg);
    assert_int_equal(rec.n, 2);
    assert_string_equal(rec.ids[0], "w1");
    assert_string_equal(rec.ids[1], "w2");
    assert_int_equal(s.size[1], (size_t)file_size(in, "w2.pdf"));
    ms_test_record_free(&rec);
    free(in);
}

static int setup(void **state)
{
    (void)state;
    tmp = ms_test_tmpdir("srcdir");
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
        cmocka_unit_test(takes_pdfs_in_name_order),
        cmocka_unit_test(done_dir_receives_committed_files),
        cmocka_unit_test(bad_directories),
        cmocka_unit_test(watch_takes_new_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
