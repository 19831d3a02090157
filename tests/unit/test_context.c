/* test_context.c -- section headings, ConText traits and PHI detection;
 * plus the negation evaluation over the annotated NegEx sentences in
 * $MS_SHARED/corpora/negation/negex-annotations-half.tsv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nlp/context.h"
#include "nlp/nlp.h"
#include "nlp/phi.h"
#include "nlp/sections.h"

/* ---- helpers ---- */

static ms_nlp_entity ent_at(const char *text, const char *needle,
                            const char *category)
{
    ms_nlp_entity e;
    memset(&e, 0, sizeof e);
    const char *p = strstr(text, needle);
    assert_non_null(p);
    e.byte_begin = e.begin = (size_t)(p - text);
    e.byte_end = e.end = e.byte_begin + strlen(needle);
    e.category = category;
    e.type = "DX_NAME";
    e.parent = -1;
    e.score = 0.9f;
    return e;
}

static bool has_trait(const ms_nlp_entity *e, const char *name)
{
    for (int i = 0; i < e->ntraits; i++)
        if (strcmp(e->traits[i].name, name) == 0)
            return true;
    return false;
}

/* Traits of one condition mention in a one-sentence text. */
static ms_nlp_entity ctx1(const char *text, const char *needle)
{
    ms_nlp_entity e = ent_at(text, needle, "MEDICAL_CONDITION");
    ms_sections_mark(text, strlen(text), &e, 1);
    ms_context_apply(text, strlen(text), &e, 1);
    return e;
}

#define NEG(t, w) assert_true(has_trait((ms_nlp_entity[]){ctx1(t, w)}, "NEGATION"))
#define AFF(t, w) assert_false(has_trait((ms_nlp_entity[]){ctx1(t, w)}, "NEGATION"))
#define TRAIT(t, w, n) assert_true(has_trait((ms_nlp_entity[]){ctx1(t, w)}, n))
#define NOTRAIT(t, w, n) assert_false(has_trait((ms_nlp_entity[]){ctx1(t, w)}, n))

/* ---- the NegEx evaluation ---- */

typedef struct {
    size_t tp, fp, fn, tn;
} confusion;

static void prf(const char *what, const confusion *c, double *f1out)
{
    double p = c->tp + c->fp ? (double)c->tp / (double)(c->tp + c->fp) : 0;
    double r = c->tp + c->fn ? (double)c->tp / (double)(c->tp + c->fn) : 0;
    double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
    print_message("%-28s P=%.3f R=%.3f F1=%.3f (tp=%zu fp=%zu fn=%zu tn=%zu)\n",
                  what, p, r, f, c->tp, c->fp, c->fn, c->tn);
    if (f1out)
        *f1out = f;
}

static void count(confusion *c, bool gold, bool pred)
{
    if (gold && pred)
        c->tp++;
    else if (pred)
        c->fp++;
    else if (gold)
        c->fn++;
    else
        c->tn++;
}

/* Case-insensitive search; NULL if absent. */
static const char *find_ci(const char *hay, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return NULL;
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, nlen) == 0)
            return p;
    return NULL;
}

static void test_negex_eval(void **state)
{
    (void)state;
    const char *shared = getenv("MS_SHARED");
    if (!shared || !*shared) {
        print_message("MS_SHARED not set: NegEx evaluation skipped\n");
        skip();
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/negation/negex-annotations-half.tsv",
             shared);
    FILE *f = fopen(path, "r");
    if (!f) {
        print_message("%s absent: NegEx evaluation skipped\n", path);
        skip();
    }
    const char *dump = getenv("MS_CONTEXT_DUMP");  /* dev aid: line numbers */
    confusion neg = {0}, hyp = {0}, hist = {0}, fam = {0};
    size_t rows = 0, missing = 0, bad = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    bool header = true;
    while ((got = getline(&line, &cap, f)) > 0) {
        if (header) {          /* line number, Condition, sentence, ... */
            header = false;
            continue;
        }
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        char *col[6] = {0};
        int nc = 0;
        char *s = line;
        while (nc < 6) {
            col[nc++] = s;
            char *tab = strchr(s, '\t');
            if (!tab)
                break;
            *tab = '\0';
            s = tab + 1;
        }
        if (nc < 6) {
            bad++;
            continue;
        }
        rows++;
        const char *cond = col[1], *sent = col[2];
        while (*cond == ' ')
            cond++;
        size_t clen = strlen(cond);
        while (clen && cond[clen - 1] == ' ')
            clen--;
        /* The annotated mention is upper-cased in the sentence: prefer
         * that occurrence, then any case-insensitive one. */
        char up[1024];
        const char *at = NULL;
        if (clen < sizeof up) {
            for (size_t k = 0; k < clen; k++)
                up[k] = (char)((cond[k] >= 'a' && cond[k] <= 'z') ? cond[k] - 32
                                                                 : cond[k]);
            up[clen] = '\0';
            at = strstr(sent, up);
        }
        if (!at)
            at = find_ci(sent, cond, clen);
        if (!at) {
            missing++;
            continue;
        }
        ms_nlp_entity e;
        memset(&e, 0, sizeof e);
        e.byte_begin = e.begin = (size_t)(at - sent);
        e.byte_end = e.end = e.byte_begin + clen;
        e.category = "MEDICAL_CONDITION";
        e.type = "DX_NAME";
        e.parent = -1;
        size_t slen = strlen(sent);
        ms_sections_mark(sent, slen, &e, 1);
        ms_context_apply(sent, slen, &e, 1);
        bool gold_neg = strcasecmp(col[3], "Negated") == 0;
        bool pred_neg = has_trait(&e, "NEGATION");
        count(&neg, gold_neg, pred_neg);
        count(&hyp, strcasecmp(col[4], "Not particular") == 0,
              has_trait(&e, "HYPOTHETICAL"));
        count(&hist, strcasecmp(col[4], "Historical") == 0,
              has_trait(&e, "PAST_HISTORY"));
        count(&fam, strcasecmp(col[5], "Patient") != 0,
              has_trait(&e, "PERTAINS_TO_FAMILY"));
        if (dump && gold_neg != pred_neg)
            print_message("neg %s line %s\n", gold_neg ? "FN" : "FP", col[0]);
        if (dump && strcmp(dump, "all") == 0) {
            bool gh = strcasecmp(col[4], "Historical") == 0;
            if (gh != has_trait(&e, "PAST_HISTORY"))
                print_message("hist %s line %s\n", gh ? "FN" : "FP", col[0]);
            bool gy = strcasecmp(col[4], "Not particular") == 0;
            if (gy != has_trait(&e, "HYPOTHETICAL"))
                print_message("hyp %s line %s\n", gy ? "FN" : "FP", col[0]);
        }
    }
    free(line);
    fclose(f);
    print_message("NegEx rows: %zu, condition not found in sentence: %zu, "
                  "malformed: %zu\n", rows, missing, bad);
    double f1 = 0;
    prf("NEGATION (Negated)", &neg, &f1);
    prf("HYPOTHETICAL (Not particular)", &hyp, NULL);
    prf("PAST_HISTORY (Historical)", &hist, NULL);
    prf("PERTAINS_TO_FAMILY (not Patient)", &fam, NULL);
    assert_true(rows > 1000);
    assert_true(missing < 20);
    assert_true(f1 >= 0.90);
}


/* ---- ConText triggers, scopes and sections ---- */

static void test_context_triggers(void **state)
{
    (void)state;
    NEG("Patient denies chest pain.", "chest pain");
    NEG("No evidence of pneumonia.", "pneumonia");
    NEG("Negative for fever, chills or rigors.", "rigors");
    NEG("Pulmonary embolism was ruled out.", "Pulmonary embolism");
    AFF("Chest pain, no nausea.", "Chest pain");
    AFF("No change in her edema.", "edema");      /* pseudo-trigger */
    AFF("No fever but she has a cough.", "cough"); /* "but" ends the scope */
    AFF("Gram negative bacteremia.", "bacteremia");
    TRAIT("History of myocardial infarction in 2019.", "myocardial infarction",
          "PAST_HISTORY");
    TRAIT("Mother had breast cancer.", "breast cancer", "PERTAINS_TO_FAMILY");
    TRAIT("Return if you develop fever.", "fever", "HYPOTHETICAL");
    TRAIT("Possible pneumonia on the left.", "pneumonia", "LOW_CONFIDENCE");
    NOTRAIT("She has pneumonia.", "pneumonia", "LOW_CONFIDENCE");
    NOTRAIT("She has pneumonia.", "pneumonia", "PERTAINS_TO_FAMILY");
}

static void test_sections(void **state)
{
    (void)state;
    assert_int_equal(ms_section_classify("Past Medical History", 20),
                     MS_SEC_PAST_HISTORY);
    assert_int_equal(ms_section_classify("FAMILY HISTORY", 14),
                     MS_SEC_FAMILY_HISTORY);
    assert_int_equal(ms_section_classify("Medications", 11), MS_SEC_MEDICATIONS);
    assert_int_equal(ms_section_classify("Allergies", 9), MS_SEC_ALLERGIES);
    assert_int_equal(ms_section_classify("hello world", 11), -1);
    const char *t = "HPI: cough for three days.\nPAST MEDICAL HISTORY:\n"
                    "Diabetes.\nFAMILY HISTORY: Father with diabetes.\n";
    ms_nlp_entity e = ent_at(t, "Diabetes", "MEDICAL_CONDITION");
    ms_nlp_entity f = ent_at(t, "diabetes.\n", "MEDICAL_CONDITION");
    f.byte_end = f.end = f.byte_begin + 8;
    ms_nlp_entity v[2] = {e, f};
    ms_sections_mark(t, strlen(t), v, 2);
    assert_int_equal(v[0].section, MS_SEC_PAST_HISTORY);
    assert_int_equal(v[1].section, MS_SEC_FAMILY_HISTORY);
    ms_context_apply(t, strlen(t), v, 2);
    assert_true(has_trait(&v[0], "PAST_HISTORY"));
    assert_true(has_trait(&v[1], "PERTAINS_TO_FAMILY"));
}

/* ---- PHI ---- */

static const ms_nlp_entity *phi_of(const ms_nlp_result *r, const char *text,
                                   const char *type, const char *want)
{
    for (size_t i = 0; i < r->n; i++) {
        const ms_nlp_entity *e = &r->v[i];
        if (strcmp(e->type, type) == 0 &&
            e->byte_end - e->byte_begin == strlen(want) &&
            memcmp(text + e->byte_begin, want, strlen(want)) == 0)
            return e;
    }
    print_message("missing %s '%s'\n", type, want);
    return NULL;
}

static void test_phi(void **state)
{
    (void)state;
    const char *t =
        "Patient: John Q. Public  MRN: 00123456  DOB: 03/14/1961\n"
        "Seen by Dr. Alice Moreno on March 2, 2026. 65-year-old retired teacher.\n"
        "Phone (412) 555-0188, e-mail j.public@example.org, "
        "https://portal.example.org/r/1.\n"
        "Lives at 12 Oak Street, Pittsburgh, PA 15213. Cough for 3 days.\n";
    ms_nlp_result r = {0};
    assert_int_equal(ms_phi_find(t, strlen(t), &r), 0);
    assert_non_null(phi_of(&r, t, "NAME", "John Q. Public"));
    assert_non_null(phi_of(&r, t, "ID", "00123456"));
    assert_non_null(phi_of(&r, t, "DATE", "03/14/1961"));
    assert_non_null(phi_of(&r, t, "NAME", "Alice Moreno"));
    assert_non_null(phi_of(&r, t, "DATE", "March 2, 2026"));
    assert_non_null(phi_of(&r, t, "AGE", "65"));
    assert_non_null(phi_of(&r, t, "PROFESSION", "teacher"));
    assert_non_null(phi_of(&r, t, "PHONE_OR_FAX", "(412) 555-0188"));
    assert_non_null(phi_of(&r, t, "EMAIL", "j.public@example.org"));
    assert_non_null(phi_of(&r, t, "URL", "https://portal.example.org/r/1"));
    assert_non_null(phi_of(&r, t, "ADDRESS", "12 Oak Street, Pittsburgh, PA 15213"));
    assert_non_null(phi_of(&r, t, "TIME_TO_DX_NAME", "3 days"));
    /* code-point offsets past a multi-byte character */
    const char *u = "Caf\xc3\xa9 visit 2026-01-05.";
    ms_nlp_result r2 = {0};
    assert_int_equal(ms_phi_find(u, strlen(u), &r2), 0);
    const ms_nlp_entity *d = phi_of(&r2, u, "DATE", "2026-01-05");
    assert_non_null(d);
    assert_int_equal(d->begin, 11);
    assert_int_equal(d->byte_begin, 12);
    free(r.v);
    free(r2.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context_triggers),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_phi),
        cmocka_unit_test(test_negex_eval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
