/* test_assemble.c -- the assemble stage at the end of the configured
 * stages (run in this thread, as `medstream extract` does): a report with
 * entities gets a medstream.summary/v1 summary with its id, pages, chunks,
 * the extracted entities, findings, the patient text and per-stage timings,
 * and the stage then drops the work data; a report with no extraction has
 * no entities; a report that fails earlier never reaches assemble and
 * leaves as a dead letter naming the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "plugins.h"
#include "base/config.h"
#include "core/doc.h"
#include "pdfgen.h"
#include "pipeline.h"
#include "stages/assemble.h"
#include "testutil.h"

static int run_stage(ms_stage *st, ms_doc *doc)
{
    void *ws = NULL;
    if (st->ops->worker_init && st->ops->worker_init(st, 0, &ws) != 0)
        fail_msg("worker_init %s", st->ops->name);
    int rc = st->ops->process(st, ws, doc);
    if (st->ops->worker_fini)
        st->ops->worker_fini(st, ws);
    return rc;
}

/* Run parse .. assemble over input, as the engine would (stop at the first
 * failure). Returns the doc. */
static ms_doc *through_stages(const char *id, unsigned char *input, size_t len)
{
    char err[256];
    ms_config *cfg = ms_config_new();
    assert_int_equal(ms_config_set(cfg, "log.level", "error", "t", err, sizeof err), 0);
    ms_stage *stages[MS_MAX_STAGES];
    int n = ms_pipeline_stages(cfg, stages, MS_MAX_STAGES, err, sizeof err);
    if (n < 0)
        fail_msg("stages: %s", err);
    assert_int_equal(n, 5);
    assert_string_equal(stages[0]->ops->name, "fetch");
    assert_string_equal(stages[1]->ops->name, "parse");
    assert_string_equal(stages[n - 1]->ops->name, "assemble");
    assert_string_equal(stages[n - 1]->pipeline_names[2], "chunk");
    ms_doc *doc = ms_doc_new();
    ms_doc_set_id(doc, id);
    doc->input = input;
    doc->input_len = doc->input_size = len;
    for (int i = 0; i < n; i++)
        assert_int_equal(stages[i]->index, i);
    for (int i = 1; i < n && !doc->reason; i++) { /* from parse: fetch is for S3 records */
        doc->stage = i;
        if (run_stage(stages[i], doc) == 0)
            doc->stage = i + 1;
    }
    for (int i = 0; i < n; i++)
        stages[i]->ops->destroy(stages[i]);
    ms_config_free(cfg);
    return doc;
}

static bool has_entity(json_t *ents, const char *text)
{
    size_t i;
    json_t *e;
    json_array_foreach(ents, i, e)
        if (json_is_string(json_object_get(e, "Text")) &&
            strcmp(json_string_value(json_object_get(e, "Text")), text) == 0)
            return true;
    return false;
}

static void summary_with_entities(void **state)
{
    (void)state;
    char *dir = ms_test_tmpdir("assemble"), err[256];
    char *path = ms_test_path(dir, "r.pdf");
    const char *text = "Discharge summary.\n\nThe patient takes aspirin 81 mg daily for "
                       "hypertension. No fever.\n";
    ms_pdfgen_opts o = {0};
    assert_int_equal(ms_pdfgen_write(path, text, strlen(text), &o, err, sizeof err), 0);
    size_t len;
    unsigned char *pdf = (unsigned char *)ms_test_read_file(path, &len);
    assert_non_null(pdf);
    ms_doc *doc = through_stages("rep-7", pdf, len);
    if (doc->reason)
        fail_msg("failed: %s %s", doc->reason, doc->message);
    assert_int_equal(doc->stage, 5);
    assert_non_null(doc->output);
    assert_int_equal(doc->output_len, strlen(doc->output));
    /* the stage released the work data once the summary was rendered */
    assert_null(doc->text);
    assert_null(doc->chunks);
    assert_null(doc->extract);
    assert_null(doc->input);

    json_error_t je;
    json_t *j = json_loads(doc->output, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "schema")), "medstream.summary/v1");
    assert_string_equal(json_string_value(json_object_get(j, "id")), "rep-7");
    assert_int_equal(json_integer_value(json_object_get(j, "pages")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "input_bytes")), (json_int_t)len);
    assert_true(json_integer_value(json_object_get(j, "characters")) > 50);
    assert_true(json_array_size(json_object_get(j, "chunks")) >= 1);
    /* Comprehend Medical's response shape: {"Entities": [...]} */
    json_t *ents = json_object_get(json_object_get(j, "entities"), "Entities");
    assert_true(json_is_array(ents));
    assert_true(has_entity(ents, "aspirin"));
    assert_true(has_entity(ents, "hypertension"));
    assert_true(json_is_object(json_object_get(j, "findings")));
    assert_true(json_is_string(json_object_get(j, "patient_summary")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "extraction"),
                                                          "engine")), "local");
    json_t *t = json_object_get(j, "timings_ms");
    assert_true(json_is_real(json_object_get(t, "parse")));
    assert_null(json_object_get(t, "fetch")); /* fetch counts for S3 reports only */
    /* PHI stays in the entities; the summary never embeds the raw text */
    assert_null(strstr(doc->output, "Discharge summary.\n"));
    json_decref(j);
    ms_doc_free(doc);
    ms_test_rm_rf(dir);
    free(path);
    free(dir);
}

/* ms_assemble_render on a doc no extract stage touched: no entities or
 * findings keys, timings only for the stages it passed. */
static void render_without_extraction(void **state)
{
    (void)state;
    static const char *const names[] = {"fetch", "parse", "chunk", "extract", "assemble"};
    ms_doc *doc = ms_doc_new();
    ms_doc_set_id(doc, "plain");
    doc->npages = 2;
    doc->stage = 2; /* fetch and parse passed */
    doc->stage_ms[1] = 1.5;
    assert_int_equal(ms_assemble_render(doc, names, 5), 0);
    json_t *j = json_loads(doc->output, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "pages")), 2);
    assert_null(json_object_get(j, "entities"));
    assert_null(json_object_get(j, "findings"));
    json_t *t = json_object_get(j, "timings_ms");
    assert_int_equal(json_object_size(t), 1);
    assert_true(json_real_value(json_object_get(t, "parse")) == 1.5);
    json_decref(j);
    ms_doc_free(doc);
}

static void failure_becomes_dead_letter(void **state)
{
    (void)state;
    const char *junk = "this is not a PDF at all\n";
    unsigned char *in = (unsigned char *)strdup(junk);
    ms_doc *doc = through_stages("junk", in, strlen(junk));
    assert_non_null(doc->reason);
    assert_string_equal(doc->reason, "not_pdf");
    assert_string_equal(doc->failed_stage, "parse");
    assert_int_equal(doc->stage, 1); /* stopped at parse: assemble never ran */
    assert_null(doc->output);
    assert_int_equal(ms_doc_render_dead_letter(doc), 0);
    json_t *j = json_loads(doc->output, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "junk");
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "not_pdf");
    assert_null(json_object_get(j, "entities"));
    json_decref(j);
    ms_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summary_with_entities),
        cmocka_unit_test(render_without_extraction),
        cmocka_unit_test(failure_becomes_dead_letter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
