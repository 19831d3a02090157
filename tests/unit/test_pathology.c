/* test_pathology.c -- a pathology report's margins and lymph nodes
 * (src/nlp/pathology.c): the statement's value names "positive surgical
 * margin" / "lymph node metastases" negated or present; a margin or a node
 * without such a value (a costal margin, a close margin, an examination's
 * "lymph nodes negative") names nothing. Our own sentences, in the forms of
 * synoptic and prose pathology reports. */
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

static bool negated(const ms_nlp_entity *e)
{
    for (int k = 0; k < (int)e->ntraits; k++)
        if (strcmp(e->traits[k].name, "NEGATION") == 0)
            return true;
    return false;
}

/* What text t says of the condition named canonical: 'n' negated, 'p'
 * present, '-' not named (exactly one mention expected). */
static char said(const char *t, const char *canonical)
{
    ms_nlp_result r = {0};
    assert_int_equal(ms_nlp_detect(engine, t, strlen(t), &r), 0);
    char v = '-';
    int seen = 0;
    for (size_t i = 0; i < r.n; i++) {
        const ms_nlp_entity *e = &r.v[i];
        if (e->is_attribute || strcmp(e->category, "MEDICAL_CONDITION") != 0 || !e->canonical ||
            strcmp(e->canonical, canonical) != 0)
            continue;
        v = negated(e) ? 'n' : 'p';
        seen++;
    }
    ms_nlp_result_free(&r);
    if (seen > 1) {
        print_message("%d mentions in: %s\n", seen, t);
        fail();
    }
    return v;
}

#define MARGIN "positive surgical margin"
#define NODES "lymph node metastases"

static void check(const char *t, const char *canonical, char want)
{
    char got = said(t, canonical);
    if (got != want) print_message("'%s': %c, want %c\n", t, got, want);
    assert_int_equal(got, want);
}

static void test_margins(void **state)
{
    (void)state;
    check("Margins: Negative.", MARGIN, 'n');
    check("Inked surgical margin:  Uninvolved by invasive carcinoma.", MARGIN, 'n');
    check("Deep margin: not involved.", MARGIN, 'n');
    check("Margins: clear (closest 4 mm, deep).", MARGIN, 'n');
    check("The peripheral margins are free of tumor.", MARGIN, 'n');
    check("The lesion was excised with negative margins.", MARGIN, 'n');
    check("Wedge biopsy showing adenocarcinoma with free resection margin.", MARGIN, 'n');
    check("Margins: Positive for carcinoma at the deep margin.", MARGIN, 'p');
    check("The medial margin is involved by melanoma in situ.", MARGIN, 'p');
}

static void test_margin_without_value(void **state)
{
    (void)state;
    check("Margins: close (1 mm).", MARGIN, '-');
    check("Margins: cannot be assessed.", MARGIN, '-');
    check("The liver edge is 2 cm below the right costal margin.", MARGIN, '-');
    check("Margins: well circumscribed.", MARGIN, '-');
    check("The free margin of the eyelid is intact.", MARGIN, '-');
    check("A mass with clear margins.", MARGIN, '-');
}

static void test_lymph_nodes(void **state)
{
    (void)state;
    check("Lymph nodes: 0/12.", NODES, 'n');
    check("Regional lymph nodes (0 of 3) negative.", NODES, 'n');
    check("Number of positive lymph nodes: 0", NODES, 'n');
    check("Lymph nodes involved: 0", NODES, 'n');
    check("Twelve lymph nodes, negative for metastatic carcinoma.", NODES, 'n');
    check("Seven lymph nodes with anthracosis and no metastatic tumor.", NODES, 'n');
    check("Lymph nodes: 3/14 positive for metastatic carcinoma.", NODES, 'p');
    check("Number of positive lymph nodes: 2", NODES, 'p');
    check("Two lymph nodes with metastatic adenocarcinoma.", NODES, 'p');
}

static void test_lymph_nodes_without_statement(void **state)
{
    (void)state;
    check("Lymph nodes: negative.", NODES, '-');           /* an examination's no adenopathy */
    check("The lymph nodes are not enlarged.", NODES, '-');
    check("Number of lymph nodes examined: 14", NODES, '-');
    check("Lymph nodes: 3/14.", NODES, '-');                /* a count without a finding word */
}

static void test_synoptic_items(void **state)
{
    (void)state;
    check("Lymphatic invasion: Not identified.", "lymphovascular invasion", 'n');
    check("Blood/lymphatic vessel invasion:  Absent.", "lymphovascular invasion", 'n');
    check("Extranodal extension: Present.", "extranodal extension", 'p');
    check("In situ carcinoma:  Absent.", "carcinoma in situ", 'n');
    check("Tumor necrosis: absent.", "necrosis", 'n');
    check("Bronchioloalveolar carcinoma, mucinous type.", "lung adenocarcinoma", 'p');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_margins),
        cmocka_unit_test(test_margin_without_value),
        cmocka_unit_test(test_lymph_nodes),
        cmocka_unit_test(test_lymph_nodes_without_statement),
        cmocka_unit_test(test_synoptic_items),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
