/* test_compose.c -- findings composed from a body site and a finding word
 * (src/nlp/compose.c): site first and head first, one modifier between,
 * negation read as for any mention, the lexicon's own longer names kept,
 * nothing composed across a line or from a bare "change". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "nlp/nlp.h"

static ms_nlp_engine *engine;

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

/* The condition whose text is exactly `what`, or NULL. */
static const ms_nlp_entity *cond(const ms_nlp_result *r, const char *text, const char *what)
{
    for (size_t i = 0; i < r->n; i++) {
        const ms_nlp_entity *e = &r->v[i];
        if (e->is_attribute || strcmp(e->category, "MEDICAL_CONDITION") != 0)
            continue;
        if (e->byte_end - e->byte_begin == strlen(what) &&
            strncasecmp(text + e->byte_begin, what, strlen(what)) == 0)
            return e;
    }
    return NULL;
}

static bool negated(const ms_nlp_entity *e)
{
    for (int k = 0; k < (int)e->ntraits; k++)
        if (strcmp(e->traits[k].name, "NEGATION") == 0)
            return true;
    return false;
}

static void test_site_then_head(void **state)
{
    (void)state;
    const char *t = "There is an anterior cruciate ligament tear. Carotid calcification. "
                    "Soft tissue swelling over the ankle. Tibial cystic change. Foot pain.";
    ms_nlp_result r = {0};
    assert_int_equal(ms_nlp_detect(engine, t, strlen(t), &r), 0);
    static const char *const want[] = {"anterior cruciate ligament tear", "Carotid calcification",
                                       "Soft tissue swelling", "Tibial cystic change",
                                       "Foot pain"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const ms_nlp_entity *e = cond(&r, t, want[i]);
        if (!e)
            print_message("not composed: %s\n", want[i]);
        assert_non_null(e);
        assert_false(negated(e));
    }
    ms_nlp_result_free(&r);
}

static void test_head_of_site(void **state)
{
    (void)state;
    const char *t = "Tear of the medial meniscus. Slight prominence of the mediastinum. "
                    "Simple cyst in the right kidney. No interval change in the liver.";
    ms_nlp_result r = {0};
    assert_int_equal(ms_nlp_detect(engine, t, strlen(t), &r), 0);
    assert_non_null(cond(&r, t, "Tear of the medial meniscus"));
    assert_non_null(cond(&r, t, "prominence of the mediastinum"));
    assert_non_null(cond(&r, t, "cyst in the right kidney"));
    assert_null(cond(&r, t, "change in the liver"));
    ms_nlp_result_free(&r);
}

static void test_negated_and_limits(void **state)
{
    (void)state;
    const char *t = "No quadriceps tendon tear or meniscal tear. No interval change.\n"
                    "Right knee\ntear sheet attached. Pleural effusion.";
    ms_nlp_result r = {0};
    assert_int_equal(ms_nlp_detect(engine, t, strlen(t), &r), 0);
    const ms_nlp_entity *a = cond(&r, t, "quadriceps tendon tear");
    const ms_nlp_entity *b = cond(&r, t, "meniscal tear");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(negated(a));
    assert_true(negated(b));
    assert_null(cond(&r, t, "interval change"));
    assert_null(cond(&r, t, "knee\ntear"));           /* not across a line */
    const ms_nlp_entity *p = cond(&r, t, "Pleural effusion");
    assert_non_null(p);
    assert_non_null(p->canonical);                     /* the lexicon's own row */
    assert_string_equal(p->canonical, "pleural effusion");
    ms_nlp_result_free(&r);
}

/* A head that is not a plain word lends its plain words, whatever the
 * site; a plain head lends none (the finding's own words are shown). */
static void test_head_lay(void **state)
{
    (void)state;
    const char *t = "Pelvic abscess. Opacification of the maxillary sinus. Soft tissue swelling. "
                    "Tibial cystic change.";
    ms_nlp_result r = {0};
    assert_int_equal(ms_nlp_detect(engine, t, strlen(t), &r), 0);
    const ms_nlp_entity *a = cond(&r, t, "Pelvic abscess");
    const ms_nlp_entity *o = cond(&r, t, "Opacification of the maxillary sinus");
    const ms_nlp_entity *s = cond(&r, t, "Soft tissue swelling");
    const ms_nlp_entity *c = cond(&r, t, "Tibial cystic change");
    assert_non_null(a);
    assert_non_null(o);
    assert_non_null(s);
    assert_non_null(c);
    assert_null(a->canonical);
    assert_string_equal(a->lay, "pocket of pus");
    assert_string_equal(o->lay, "hazy area on the image");
    assert_null(s->lay);
    assert_null(c->lay);
    ms_nlp_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_then_head),
        cmocka_unit_test(test_head_of_site),
        cmocka_unit_test(test_negated_and_limits),
        cmocka_unit_test(test_head_lay),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
