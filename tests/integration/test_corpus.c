/* test_corpus.c -- the robustness corpus (real-world and deliberately
 * malformed PDFs in ../shared/corpora/pdfs) through dir source -> parse ->
 * chunk -> assemble -> file sink: every file ends as a summary or as a dead
 * letter with a known reason; nothing crashes, hangs or is lost. Skipped
 * (exit 77) when ../shared is absent. */
#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "plugins.h"
#include "base/config.h"
#include "core/doc.h"
#include "core/engine.h"
#include "harness.h"
#include "testutil.h"

static const char *reasons[] = {"not_pdf", "encrypted", "corrupt", "too_large",
                                "timeout", "no_text", "io_error", NULL};

static bool known_reason(const char *r)
{
    for (int i = 0; reasons[i]; i++)
        if (strcmp(reasons[i], r) == 0)
            return true;
    return false;
}

static void run_dir(const char *in)
{
    char err[1024], out[1024];
    char *tmp = ms_test_tmpdir("corpus");
    snprintf(out, sizeof out, "%s/out", tmp);
    ms_config *cfg = ms_config_new();
    assert_int_equal(ms_config_set(cfg, "source.type", "dir", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "http.listen", "off", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "source.path", in, "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "sink.file.dir", out, "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "sink.file.fsync", "false", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "parse.timeout_ms", "20000", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "log.level", "error", "t", err, sizeof err), 0);
    ms_engine_totals t = ms_test_pipeline_run(cfg, NULL);
    ms_config_free(cfg);

    int files = 0, summaries = 0, dead = 0;
    DIR *d = opendir(in);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l <= 4 || de->d_name[0] == '.' || strcasecmp(de->d_name + l - 4, ".pdf") != 0)
            continue;
        files++;
        ms_doc tmpdoc = {0};
        char stem[512];
        snprintf(stem, sizeof stem, "%.*s", (int)(l - 4), de->d_name);
        ms_doc_set_id(&tmpdoc, stem);
        char p1[2048], p2[2048];
        snprintf(p1, sizeof p1, "%s/%s.json", out, tmpdoc.id);
        snprintf(p2, sizeof p2, "%s/dead-letter/%s.json", out, tmpdoc.id);
        json_error_t jerr;
        json_t *j = json_load_file(p1, 0, &jerr);
        if (j) {
            summaries++;
            assert_true(json_integer_value(json_object_get(j, "pages")) > 0);
        } else {
            j = json_load_file(p2, 0, &jerr);
            if (!j)
                fail_msg("%s: neither summary nor dead letter", de->d_name);
            const char *r = json_string_value(json_object_get(j, "reason"));
            if (!r || !known_reason(r))
                fail_msg("%s: unknown dead-letter reason %s", de->d_name, r ? r : "(none)");
            dead++;
        }
        json_decref(j);
        free(tmpdoc.id);
    }
    closedir(d);
    printf("%s: %d files -> %d summaries, %d dead letters\n", in, files, summaries, dead);
    assert_int_equal(summaries + dead, files);
    assert_int_equal((int)(t.delivered + t.dead_letters), files);
    ms_test_rm_rf(tmp);
    free(tmp);
}

static void test_pdfjs(void **state)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/corpora/pdfs/pdf.js", (const char *)*state);
    run_dir(path);
}

static void test_qpdf(void **state)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/corpora/pdfs/qpdf", (const char *)*state);
    run_dir(path);
}

int main(void)
{
    const char *shared = ms_test_shared_dir();
    if (!shared)
        ms_test_skip("../shared is absent: the robustness corpus is not available here");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_pdfjs, (void *)shared),
        cmocka_unit_test_prestate(test_qpdf, (void *)shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
