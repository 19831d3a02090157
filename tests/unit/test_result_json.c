/* test_result_json.c -- ms_nlp_result_write (the entities written straight
 * into the summary) gives the bytes ms_json_dumps_indent2 gives for
 * ms_nlp_result_to_json's tree, at the top and in a slot of a larger tree
 * (ms_json_dumps_indent2_fill): on the engine's output for clinical text,
 * and on hand-made results with what the engine rarely makes -- unmapped
 * attributes, attributes out of text order, invalid UTF-8 and NUL in the
 * text, a NULL trait name, out-of-range offsets, no entities at all. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_out.h"
#include "nlp/nlp.h"

static int fill(ms_jw *w, void *ud)
{
    void **a = ud;
    const ms_nlp_result *r = a[0];
    const char *text = a[1];
    size_t len = *(const size_t *)a[2];
    return ms_nlp_result_write(r, text, len, w);
}

static void same(const ms_nlp_result *r, const char *text, size_t len)
{
    json_t *tree = ms_nlp_result_to_json(r, text, len);
    assert_non_null(tree);
    char *want = ms_json_dumps_indent2(tree, NULL);
    assert_non_null(want);
    ms_jw w = {0};
    assert_int_equal(ms_nlp_result_write(r, text, len, &w), 0);
    char *got = ms_jw_finish(&w, NULL);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(want);

    /* in a slot, one level down, between other members */
    json_t *outer = json_object(), *slot = json_object();
    json_object_set_new(outer, "before", json_string("x"));
    json_object_set_new(outer, "entities", slot);
    json_object_set_new(outer, "after", json_integer(1));
    json_t *ref = json_object();
    json_object_set_new(ref, "before", json_string("x"));
    json_object_set_new(ref, "entities", tree);
    json_object_set_new(ref, "after", json_integer(1));
    want = ms_json_dumps_indent2(ref, NULL);
    void *ud[3] = {(void *)r, (void *)text, &len};
    got = ms_json_dumps_indent2_fill(outer, slot, fill, ud, NULL);
    assert_non_null(want);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(want);
    json_decref(outer);
    json_decref(ref);
}

static void engine_output(void **state)
{
    (void)state;
    ms_nlp_engine *e = ms_nlp_engine_new();
    assert_non_null(e);
    static const char *const texts[] = {
        "HISTORY: 62-year-old man with angina, denies chest pain. Takes aspirin 81 mg daily "
        "and metoprolol 25 mg twice a day for 3 years. No history of diabetes.\n"
        "LABS: Hemoglobin 13.2 g/dL, LDL 144 mg/dL. Allergic to penicillin (rash).\n"
        "PLAN: Follow up in 2 weeks; CT of the chest if dyspnea gets worse. Mother had breast cancer.",
        "Take 20 mg at night. 5 mL twice daily. Right knee, severe.",
        "caf\xc3\xa9 \xe2\x80\x94 fever 38.5 \xc2\xb0" "C for two days, cough; ibuprofen 400 mg PRN.",
        "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        ms_nlp_result r = {0};
        size_t len = strlen(texts[i]);
        assert_int_equal(ms_nlp_detect(e, texts[i], len, &r), 0);
        same(&r, texts[i], len);
        ms_nlp_result_free(&r);
    }
    ms_nlp_engine_free(e);
}

static void hand_made(void **state)
{
    (void)state;
    static const char text[] = "aspirin 81 mg \xff\xfe bad\0nul today severe x";
    size_t len = sizeof text - 1;
    ms_nlp_entity v[7];
    memset(v, 0, sizeof v);
    /* 0: a medication; 1, 2: its attributes, listed out of text order */
    v[0] = (ms_nlp_entity){.begin = 0, .end = 7, .byte_begin = 0, .byte_end = 7, .score = 0.95f,
                           .category = "MEDICATION", .type = "GENERIC_NAME", .parent = -1};
    v[0].traits[0] = (ms_nlp_trait){.name = "NEGATION", .score = 0.87654f};
    v[0].traits[1] = (ms_nlp_trait){.name = NULL, .score = 0.5f};
    v[0].ntraits = 2;
    v[1] = (ms_nlp_entity){.begin = 11, .end = 13, .byte_begin = 11, .byte_end = 13,
                           .score = 0.9f, .category = "MEDICATION", .type = "DOSAGE",
                           .parent = 0, .is_attribute = true, .relationship_score = 0.8f};
    v[2] = (ms_nlp_entity){.begin = 8, .end = 10, .byte_begin = 8, .byte_end = 10,
                           .score = 0.9f, .category = "MEDICATION", .type = "STRENGTH",
                           .parent = 0, .is_attribute = true, .relationship_type = "STRENGTH",
                           .relationship_score = 0.99f};
    /* 3: an unmapped attribute; 4: invalid UTF-8 and a NUL in its text */
    v[3] = (ms_nlp_entity){.begin = 30, .end = 35, .byte_begin = 30, .byte_end = 35,
                           .score = 0.7f, .category = "TIME_EXPRESSION", .type = "TIME_TO_DX_NAME",
                           .parent = -1, .is_attribute = true};
    v[4] = (ms_nlp_entity){.begin = 14, .end = 24, .byte_begin = 14, .byte_end = 25,
                           .score = 0.5f, .category = NULL, .type = NULL, .parent = -1};
    /* 5: offsets past the text; 6: an unmapped attribute before everything */
    v[5] = (ms_nlp_entity){.begin = 90, .end = 99, .byte_begin = 90, .byte_end = 99,
                           .score = 0.1f, .category = "ANATOMY", .type = "SYSTEM_ORGAN_SITE",
                           .parent = -1};
    v[6] = (ms_nlp_entity){.begin = 0, .end = 0, .byte_begin = 36, .byte_end = 42,
                           .score = 0.6f, .category = "MEDICAL_CONDITION", .type = "ACUITY",
                           .parent = -1, .is_attribute = true, .relationship_type = "ACUITY"};
    ms_nlp_result r = {.v = v, .n = 7, .cap = 7};
    same(&r, text, len);
    ms_nlp_result none = {0};
    same(&none, text, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(engine_output),
        cmocka_unit_test(hand_made),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
