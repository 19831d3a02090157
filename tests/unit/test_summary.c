/* test_summary.c -- the typed summary (doc->summary) says what the JSON
 * in doc->output says: assemble renders both from the same data (issue
 * 13, "render once"), and the sinks and commands read only the typed
 * fields. For every sample report (the .txt files in examples/, through
 * chunk, the local extract engine and assemble), a report without an
 * extract stage, and a dead letter, the test parses the JSON and compares
 * it field by field with the typed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/doc.h"
#include "nlp/nlp.h"
#include "stages/assemble.h"
#include "stages/chunk.h"
#include "stages/text_norm.h"
#include "testutil.h"

static ms_nlp_engine *engine;
static const char *const names[] = {"fetch", "parse", "chunk", "extract", "assemble"};
#define NNAMES 5

static int setup(void **state)
{
    (void)state;
    engine = ms_nlp_engine_new();
    return engine ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_nlp_engine_free(engine);
    return 0;
}

/* A doc as the pipeline has it before assemble: normalised text on one
 * page, chunked with the default options, and (with_extract) the local
 * engine's entities per chunk. */
static ms_doc *doc_for(const char *id, const char *raw, size_t rawlen, bool with_extract)
{
    ms_doc *d = ms_doc_new();
    assert_non_null(d);
    ms_doc_set_id(d, id);
    snprintf(d->pos.label, sizeof d->pos.label, "examples/%s", id);
    d->input_size = rawlen;
    d->text = ms_text_normalize(raw, rawlen, &d->text_len, &d->text_chars);
    assert_non_null(d->text);
    d->pages = malloc(sizeof *d->pages);
    assert_non_null(d->pages);
    d->pages[0] = (ms_page){0, d->text_len};
    d->npages = 1;
    ms_chunk_opts o;
    ms_chunk_opts_default(&o);
    assert_int_equal(ms_chunk_text(d->text, d->text_len, d->pages, 1, &o, &d->chunks, &d->nchunks,
                                   NULL, NULL),
                     0);
    if (with_extract)
        ms_test_extract_local(engine, d);
    d->stage = NNAMES;
    return d;
}

static size_t count(json_t *o, const char *key)
{
    json_t *a = json_object_get(o, key);
    if (a)
        assert_true(json_is_array(a));
    return json_array_size(a);
}

/* Every typed field against the JSON the same render produced. */
static void check_summary(const ms_doc *d, bool expect_findings)
{
    const ms_summary *s = &d->summary;
    json_error_t je;
    json_t *j = json_loadb(d->output, d->output_len, 0, &je);
    assert_non_null(j);
    assert_true(s->rendered);
    assert_false(s->dead_letter);
    assert_string_equal(json_string_value(json_object_get(j, "schema")), "medstream.summary/v1");
    assert_string_equal(json_string_value(json_object_get(j, "id")), d->id);

    json_t *f = json_object_get(j, "findings");
    assert_int_equal(s->has_findings, f != NULL);
    assert_int_equal(s->has_findings, expect_findings);
    assert_int_equal(s->has_findings, json_object_get(j, "extraction") != NULL);
    assert_int_equal(s->has_findings, json_object_get(j, "entities") != NULL);

    json_t *pt = json_object_get(j, "patient_summary");
    if (json_is_string(pt)) {
        assert_non_null(s->patient_text);
        assert_int_equal(s->patient_text_len, json_string_length(pt));
        assert_int_equal(strlen(s->patient_text), s->patient_text_len);
        assert_memory_equal(s->patient_text, json_string_value(pt), s->patient_text_len);
    } else {
        assert_null(s->patient_text);
        assert_int_equal(s->patient_text_len, 0);
    }
    if (expect_findings)
        assert_non_null(s->patient_text); /* the local engine always writes one */

    json_t *cond = json_object_get(f, "conditions");
    assert_int_equal(s->medications, count(f, "medications"));
    assert_int_equal(s->allergies, count(f, "allergies"));
    assert_int_equal(s->tests, count(f, "tests"));
    assert_int_equal(s->procedures, count(f, "procedures"));
    assert_int_equal(s->conditions_affirmed, count(cond, "affirmed"));
    assert_int_equal(s->conditions_negated, count(cond, "negated"));
    assert_int_equal(s->conditions_uncertain, count(cond, "uncertain"));
    assert_int_equal(s->conditions_historical, count(cond, "historical"));
    assert_int_equal(s->conditions_family, count(cond, "family"));
    assert_int_equal(s->conditions_not_patient, count(cond, "not_patient"));
    if (f)
        assert_int_equal(json_object_size(cond), 6); /* no status the struct lacks */

    /* The names: distinct "lay"-else-"canonical" of the affirmed list, in
     * order, the first MS_SUMMARY_MAX_NAMES (what `medstream demo` shows);
     * a composed finding (no canonical) is not named: its lay words are
     * its head's alone ("small lump"). */
    const char *want[64];
    int nwant = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(cond, "affirmed"), i, c) {
        const char *name = json_string_value(json_object_get(c, "lay"));
        if (!name || !json_string_value(json_object_get(c, "canonical")))
            name = json_string_value(json_object_get(c, "canonical"));
        bool again = !name;
        for (int k = 0; k < nwant && !again; k++)
            again = strcmp(want[k], name) == 0;
        if (!again && nwant < 64)
            want[nwant++] = name;
    }
    int expect = nwant < MS_SUMMARY_MAX_NAMES ? nwant : MS_SUMMARY_MAX_NAMES;
    assert_int_equal(s->naffirmed_names, expect);
    for (int k = 0; k < expect; k++)
        assert_string_equal(s->affirmed_names[k], want[k]);
    json_decref(j);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    char *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
    p[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return p;
}

/* The sample reports: the typed fields match the JSON, and there is
 * something to match (conditions, names, medications, tests somewhere). */
static void test_samples(void **state)
{
    (void)state;
    const char *src = getenv("MS_SRC");
    assert_non_null(src); /* set by ctest (tests/CMakeLists.txt) */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/examples", src);
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *de;
    int samples = 0;
    size_t affirmed = 0, meds = 0, tests = 0, negated = 0;
    int max_names = 0;
    while ((de = readdir(dp))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".txt") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        size_t len;
        char *raw = read_file(path, &len);
        ms_doc *d = doc_for(de->d_name, raw, len, true);
        free(raw);
        assert_int_equal(ms_assemble_render(d, names, NNAMES), 0);
        check_summary(d, true);
        /* What the sinks keep after the stage drops the work data. */
        ms_doc_release_work(d);
        check_summary(d, true);
        samples++;
        affirmed += d->summary.conditions_affirmed;
        negated += d->summary.conditions_negated;
        meds += d->summary.medications;
        tests += d->summary.tests;
        if (d->summary.naffirmed_names > max_names)
            max_names = d->summary.naffirmed_names;
        printf("%s: %zu affirmed, %zu negated, %zu medications, %zu tests, %d names, "
               "text %zu bytes\n",
               de->d_name, d->summary.conditions_affirmed, d->summary.conditions_negated,
               d->summary.medications, d->summary.tests, d->summary.naffirmed_names,
               d->summary.patient_text_len);
        ms_doc_free(d);
    }
    closedir(dp);
    assert_true(samples >= 5);
    assert_true(affirmed > 0 && negated > 0 && meds > 0 && tests > 0);
    assert_int_equal(max_names, MS_SUMMARY_MAX_NAMES); /* the cap is exercised */
}

/* No extract stage: no findings, no text, zero counts. Rendering twice
 * replaces the typed fields with the bytes (ASan sees a leak otherwise). */
static void test_without_extract(void **state)
{
    (void)state;
    const char *raw = "Chest X-ray. No acute findings.\n";
    ms_doc *d = doc_for("plain", raw, strlen(raw), false);
    assert_int_equal(ms_assemble_render(d, names, NNAMES), 0);
    check_summary(d, false);
    assert_int_equal(d->summary.naffirmed_names, 0);
    assert_int_equal(d->summary.medications + d->summary.conditions_affirmed, 0);
    ms_doc_free(d);

    const char *note = "ASSESSMENT: Hypertension. Lipitor 40 mg nightly. No pneumonia.\n";
    d = doc_for("twice", note, strlen(note), true);
    assert_int_equal(ms_assemble_render(d, names, NNAMES), 0);
    assert_int_equal(ms_assemble_render(d, names, NNAMES), 0);
    check_summary(d, true);
    assert_true(d->summary.conditions_affirmed >= 1 && d->summary.medications >= 1);
    ms_doc_free(d);
}

/* A dead letter, even of a doc whose summary was rendered first: the
 * typed fields say dead letter, carry no text and no findings. */
static void test_dead_letter(void **state)
{
    (void)state;
    const char *note = "ASSESSMENT: Hypertension. Lipitor 40 mg nightly.\n";
    ms_doc *d = doc_for("late-failure", note, strlen(note), true);
    assert_int_equal(ms_assemble_render(d, names, NNAMES), 0);
    assert_non_null(d->summary.patient_text);
    ms_doc_fail(d, "assemble", "internal", "made up for the test");
    assert_int_equal(ms_doc_render_dead_letter(d), 0);

    const ms_summary *s = &d->summary;
    json_t *j = json_loadb(d->output, d->output_len, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "schema")),
                        "medstream.dead_letter/v1");
    assert_true(s->rendered);
    assert_true(s->dead_letter);
    /* id and reason are doc->id and doc->reason, which the JSON renders */
    assert_string_equal(json_string_value(json_object_get(j, "id")), d->id);
    assert_string_equal(json_string_value(json_object_get(j, "reason")), d->reason);
    assert_false(s->has_findings);
    assert_null(json_object_get(j, "findings"));
    assert_null(json_object_get(j, "patient_summary"));
    assert_null(s->patient_text);
    assert_int_equal(s->patient_text_len, 0);
    assert_int_equal(s->conditions_affirmed + s->medications + s->tests, 0);
    assert_int_equal(s->naffirmed_names, 0);
    json_decref(j);
    ms_doc_free(d);

    /* The usual dead letter: failed before any summary. */
    d = ms_doc_new();
    ms_doc_set_id(d, "not a pdf");
    ms_doc_fail(d, "parse", "not_pdf", "no %%PDF- header");
    assert_int_equal(ms_doc_render_dead_letter(d), 0);
    assert_true(d->summary.rendered && d->summary.dead_letter && !d->summary.has_findings);
    assert_null(d->summary.patient_text);
    j = json_loadb(d->output, d->output_len, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "not_a_pdf");
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "not_pdf");
    json_decref(j);
    ms_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_without_extract),
        cmocka_unit_test(test_dead_letter),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
