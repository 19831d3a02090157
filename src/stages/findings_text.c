#define _GNU_SOURCE /* qsort_r */
/* findings_text.c -- the plain-language summary for the patient.
 *
 * Rules: only what the report says (every line comes from an entity found
 * in it); lay words first with the clinical term in brackets; what the
 * report says was NOT found is stated as such, in its own list, never mixed
 * with what was found; family history is not the patient's; uncertain
 * findings are called possible; it always ends by saying it is not medical
 * advice. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stages/findings_internal.h"
#include "stages/report_type.h"
#include "nlp/sections.h"

#define MAX_ITEMS 12

/* The words as written in the report, for an entity or an attribute. */
static void put_text(ms_fx_sbuf *b, const ms_findings *f, const ms_nlp_entity *e)
{
    ms_fx_printf(b, "%.*s", (int)(e->byte_end - e->byte_begin), f->text + e->byte_begin);
}

/* "high blood pressure (hypertension)", or the clinical term alone. */
static void put_term(ms_fx_sbuf *b, const ms_findings *f, const ms_nlp_entity *e)
{
    if (e->lay && e->canonical && strcasecmp(e->lay, e->canonical) != 0)
        ms_fx_printf(b, "%s (%s)", e->lay, e->canonical);
    else if (e->canonical)
        ms_fx_printf(b, "%s", e->canonical);
    else if (e->lay) { /* a composed finding: "pocket of pus (pelvic abscess)" */
        ms_fx_printf(b, "%s (", e->lay);
        put_text(b, f, e);
        ms_fx_printf(b, ")");
    } else
        put_text(b, f, e);
}

/* The key an item is listed under once: canonical name, else the text. */
static int cmp_key(const ms_findings *f, const ms_nlp_entity *a, const ms_nlp_entity *b)
{
    const char *ka = a->canonical ? a->canonical : f->text + a->byte_begin;
    const char *kb = b->canonical ? b->canonical : f->text + b->byte_begin;
    size_t la = a->canonical ? strlen(ka) : a->byte_end - a->byte_begin;
    size_t lb = b->canonical ? strlen(kb) : b->byte_end - b->byte_begin;
    int c = strncasecmp(ka, kb, la < lb ? la : lb);
    if (c)
        return c;
    return (la > lb) - (la < lb);
}

static int cmp_item(const void *x, const void *y, void *ctx)
{
    const ms_findings *f = ctx;
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    int c = cmp_key(f, &f->all.v[i], &f->all.v[j]);
    return c ? c : (i > j) - (i < j);
}

static int cmp_index(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    return (i > j) - (i < j);
}

typedef int (*pick_fn)(const ms_findings *f, size_t i, int arg);
typedef void (*item_fn)(ms_fx_sbuf *b, const ms_findings *f, size_t i);

/* One titled list of distinct items in report order (the first mention of
 * each); nothing at all when it is empty. O(n log n). */
static void section(ms_fx_sbuf *b, const ms_findings *f, const char *title, pick_fn pick, int arg,
                    item_fn item)
{
    size_t np = 0, nk = 0;
    size_t *ix = malloc((f->all.n ? f->all.n : 1) * sizeof *ix);
    if (!ix) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < f->all.n; i++)
        if (pick(f, i, arg))
            ix[np++] = i;
    qsort_r(ix, np, sizeof *ix, cmp_item, (void *)f);
    for (size_t k = 0; k < np; k++)
        if (k == 0 || cmp_key(f, &f->all.v[ix[k - 1]], &f->all.v[ix[k]]) != 0)
            ix[nk++] = ix[k];
    qsort(ix, nk, sizeof *ix, cmp_index);
    for (size_t k = 0; k < nk && k < MAX_ITEMS; k++) {
        if (k == 0)
            ms_fx_printf(b, "\n%s\n", title);
        ms_fx_printf(b, "- ");
        item(b, f, ix[k]);
        ms_fx_printf(b, "\n");
    }
    if (nk > MAX_ITEMS)
        ms_fx_printf(b, "- and %zu more (see the full report)\n", nk - MAX_ITEMS);
    free(ix);
}

static void item_condition(ms_fx_sbuf *b, const ms_findings *f, size_t i)
{
    const ms_nlp_entity *acuity = ms_fx_attr(f, i, "ACUITY");
    if (acuity) {
        put_text(b, f, acuity);
        ms_fx_printf(b, " ");
    }
    put_term(b, f, &f->all.v[i]);
}

/* Which conditions a list shows: a status, and for present ones whether
 * the report concludes them (concluded first, then the others). */
typedef enum cond_pick {
    PICK_CONCLUDED,
    PICK_OTHER_PRESENT,
    PICK_ALL_PRESENT,
    PICK_STATUS
} cond_pick;

static bool cond_wanted(const ms_fx_cond *c, cond_pick pick, ms_fx_status status)
{
    switch (pick) {
    case PICK_CONCLUDED:
        return c->status == MS_FX_AFFIRMED && c->concluded;
    case PICK_OTHER_PRESENT:
        return c->status == MS_FX_AFFIRMED && !c->concluded;
    case PICK_ALL_PRESENT:
        return c->status == MS_FX_AFFIRMED;
    case PICK_STATUS:
        break;
    }
    return c->status == status;
}

/* One titled list of conditions (each once: f->conds has one item per
 * condition); nothing when it is empty. */
static void cond_section(ms_fx_sbuf *b, const ms_findings *f, const char *title, cond_pick pick,
                         ms_fx_status status)
{
    size_t shown = 0, total = 0;
    for (size_t c = 0; c < f->nconds; c++) {
        const ms_fx_cond *x = &f->conds[c];
        if (!cond_wanted(x, pick, status))
            continue;
        if (total++ >= MAX_ITEMS)
            continue;
        if (shown++ == 0)
            ms_fx_printf(b, "\n%s\n", title);
        ms_fx_printf(b, "- ");
        item_condition(b, f, x->rep);
        if (x->mixed)
            ms_fx_printf(b, ". At another point the report says it was not there");
        ms_fx_printf(b, "\n");
    }
    if (total > MAX_ITEMS)
        ms_fx_printf(b, "- and %zu more (see the full report)\n", total - MAX_ITEMS);
}

static size_t count_conds(const ms_findings *f, cond_pick pick, ms_fx_status status)
{
    size_t n = 0;
    for (size_t c = 0; c < f->nconds; c++)
        n += cond_wanted(&f->conds[c], pick, status);
    return n;
}

static int pick_medication(const ms_findings *f, size_t i, int negated)
{
    const ms_nlp_entity *e = &f->all.v[i];
    return ms_fx_is(e, "MEDICATION") && !ms_fx_is_allergy(f, e) && !ms_fx_names_test(f, i) &&
           (ms_fx_has_trait(e, "NEGATION") || ms_fx_med_stopped(f, e)) == (negated != 0);
}

/* Plain words for the abbreviations prescriptions use ("po", "bid");
 * anything else is shown as written. */
static void put_attr(ms_fx_sbuf *b, const ms_findings *f, const ms_nlp_entity *a)
{
    static const char *const lay[][2] = {
        {"po", "by mouth"}, {"p.o.", "by mouth"}, {"p.o", "by mouth"},
        {"iv", "into a vein"}, {"i.v.", "into a vein"}, {"im", "into a muscle"},
        {"sq", "under the skin"}, {"subq", "under the skin"},
        {"sc", "under the skin"}, {"sl", "under the tongue"},
        {"pr", "rectally"}, {"tab", "tablet"}, {"tabs", "tablets"},
        {"cap", "capsule"}, {"caps", "capsules"}, {"qd", "once a day"},
        {"q.d.", "once a day"}, {"bid", "twice a day"}, {"b.i.d.", "twice a day"},
        {"tid", "three times a day"}, {"t.i.d.", "three times a day"},
        {"qid", "four times a day"}, {"q.i.d.", "four times a day"},
        {"qhs", "at bedtime"}, {"hs", "at bedtime"}, {"qam", "every morning"},
        {"qpm", "every evening"}, {"qod", "every other day"},
        {"prn", "when needed"}, {"p.r.n.", "when needed"}, {"stat", "right away"}};
    size_t n = a->byte_end - a->byte_begin;
    for (size_t k = 0; k < sizeof lay / sizeof lay[0]; k++) {
        if (strlen(lay[k][0]) == n &&
            strncasecmp(lay[k][0], f->text + a->byte_begin, n) == 0) {
            ms_fx_printf(b, "%s", lay[k][1]);
            return;
        }
    }
    put_text(b, f, a);
}

static void item_medication(ms_fx_sbuf *b, const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    put_text(b, f, e);
    size_t tl = e->byte_end - e->byte_begin;
    if (e->canonical && (strlen(e->canonical) != tl ||
                         strncasecmp(e->canonical, f->text + e->byte_begin, tl) != 0))
        ms_fx_printf(b, " (%s)", e->canonical);
    if (e->lay)
        ms_fx_printf(b, ", %s", e->lay);
    static const char *const attrs[] = {"STRENGTH", "DOSAGE", "ROUTE_OR_MODE", "FORM",
                                        "FREQUENCY", "DURATION", "RATE"};
    const char *sep = ": ";
    for (size_t k = 0; k < sizeof attrs / sizeof *attrs; k++) {
        const ms_nlp_entity *a = ms_fx_attr(f, i, attrs[k]);
        if (!a)
            continue;
        ms_fx_printf(b, "%s", sep);
        put_attr(b, f, a);
        sep = ", ";
    }
}

static int pick_allergy(const ms_findings *f, size_t i, int unused)
{
    return ms_fx_is_allergy(f, &f->all.v[i]);
}

/* The reaction's plain name, as " (reaction: hives)". */
static void put_reaction(ms_fx_sbuf *b, const ms_findings *f, const ms_nlp_entity *r)
{
    if (!r)
        return;
    ms_fx_printf(b, " (reaction: ");
    if (r->lay || r->canonical)
        ms_fx_printf(b, "%s", r->lay ? r->lay : r->canonical);
    else
        put_text(b, f, r);
    ms_fx_printf(b, ")");
}

/* "Penicillin (reaction: hives)": the allergen as written (its generic
 * name when that differs), then the reaction's plain name. */
static void item_allergy(ms_fx_sbuf *b, const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    if (ms_fx_is(e, "MEDICATION")) {
        put_text(b, f, e);
        size_t tl = e->byte_end - e->byte_begin;
        if (e->canonical && (strlen(e->canonical) != tl ||
                             strncasecmp(e->canonical, f->text + e->byte_begin, tl) != 0))
            ms_fx_printf(b, " (%s)", e->canonical);
    } else {
        put_term(b, f, e);
    }
    put_reaction(b, f, ms_fx_allergy_reaction(f, i));
}

/* The allergies the entities name, then those no entity names (latex,
 * foods, contrast dye: findings_allergens.c), under one title. */
static void allergy_section(ms_fx_sbuf *b, const ms_findings *f)
{
    size_t before = b->len;
    section(b, f, "Allergies:", pick_allergy, 0, item_allergy);
    for (size_t k = 0; k < f->nallergens && k < MAX_ITEMS; k++) {
        const ms_fx_allergen *al = &f->allergens[k];
        if (k == 0 && b->len == before)
            ms_fx_printf(b, "\nAllergies:\n");
        ms_fx_printf(b, "- %s", al->name);
        put_reaction(b, f, ms_fx_reaction_at(f, al->b, al->e));
        ms_fx_printf(b, "\n");
    }
}

static void item_plain(ms_fx_sbuf *b, const ms_findings *f, size_t i)
{
    put_term(b, f, &f->all.v[i]);
}

/* Is a negated test's negation its result ("Blood cultures negative",
 * a lab row's "Negative" reference)? Then it was done: a word of a
 * negative result follows it on its line, within 48 bytes. */
static bool negative_result(const ms_findings *f, const ms_nlp_entity *e)
{
    static const char *const words[] = {"negative", "neg", "-ve", "nonreactive", "non-reactive",
                                        "not detected", "none detected", NULL};
    size_t end = e->byte_end + 48 < f->len ? e->byte_end + 48 : f->len;
    for (size_t p = e->byte_end; p < end && f->text[p] != '\n'; p++) {
        if (p > e->byte_end && isalnum((unsigned char)f->text[p - 1]) && f->text[p] != '-')
            continue;
        for (size_t k = 0; words[k]; k++) {
            size_t n = strlen(words[k]);
            if (p + n <= f->len && strncasecmp(f->text + p, words[k], n) == 0 &&
                (p + n == f->len || !isalnum((unsigned char)f->text[p + n])))
                return true;
        }
    }
    return false;
}

static int pick_procedure(const ms_findings *f, size_t i, int negated)
{
    const ms_nlp_entity *e = &f->all.v[i];
    if (!ms_fx_is(e, "TEST_TREATMENT_PROCEDURE") || ms_fx_is_test(f, i) ||
        ms_fx_has_trait(e, "NEGATION") != (negated != 0))
        return 0;
    /* a negative result is no "not done"; and a test is not said to be
     * done either when unsure: such a test is left out of both lists */
    return !(ms_fx_has_trait(e, "NEGATION") && negative_result(f, e));
}

/* The names a bill or order form lists: its conditions and procedures,
 * each once, none of them presented as a finding. */
static int pick_listed(const ms_findings *f, size_t i, int unused)
{
    (void)unused;
    const ms_nlp_entity *e = &f->all.v[i];
    return ms_fx_is(e, "TEST_TREATMENT_PROCEDURE") || ms_fx_is(e, "MEDICAL_CONDITION");
}

/* Is the entity in a sentence that recommends something ("Follow-up CT
 * in 6 months is recommended", "Repeat HbA1c advised")? The sentence is
 * looked at up to 200 bytes each side. */
static bool recommended(const ms_findings *f, const ms_nlp_entity *e)
{
    static const char *const cues[] = {"recommend", "advised", "advise ", "suggest",
                                       "should be repeated", "repeat ", "please arrange",
                                       "refer for", "referred for", "referral for",
                                       "schedule", NULL};
    size_t b = e->byte_begin, en = e->byte_end;
    while (b > 0 && e->byte_begin - b < 200 && f->text[b - 1] != '.' &&
           !(f->text[b - 1] == '\n' && b > 1 && f->text[b - 2] == '\n'))
        b--;
    while (en < f->len && en - e->byte_end < 200 && f->text[en] != '.' && f->text[en] != '\n')
        en++;
    for (const char *const *c = cues; *c; c++) {
        size_t n = strlen(*c);
        for (size_t k = b; k + n <= en; k++)
            if ((f->text[k] | 0x20) == (*c)[0] && strncasecmp(f->text + k, *c, n) == 0)
                return true;
    }
    return false;
}

/* Procedures and tests the plan asks for, or a sentence recommends: the
 * next steps. */
static bool next_step(const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    return ms_fx_is(e, "TEST_TREATMENT_PROCEDURE") && !ms_fx_is_test(f, i) &&
           !ms_fx_has_trait(e, "NEGATION") && (e->section == MS_SEC_PLAN || recommended(f, e));
}

static int pick_next_step(const ms_findings *f, size_t i, int unused)
{
    (void)unused;
    return next_step(f, i);
}

static int pick_procedure_done(const ms_findings *f, size_t i, int negated)
{
    return pick_procedure(f, i, negated) && (negated || !next_step(f, i));
}

char *ms_findings_patient_text(const ms_findings *f)
{
    ms_fx_sbuf b = {0};
    ms_report_type type = (ms_report_type)f->report_type;
    ms_fx_printf(&b, "This is %s (%d page%s). This summary uses only the words in it.\n",
                 ms_report_type_lay(type), f->npages, f->npages == 1 ? "" : "s");
    size_t before = b.len;
    if (ms_report_type_administrative(type)) {
        /* Names on a bill or an order are what was charged or asked for:
         * never results, never diagnoses. */
        ms_fx_printf(&b, "\nIt is not a test result or a diagnosis. It does not say what you have.\n");
        section(&b, f, "It lists these services, tests or reasons:", pick_listed, 0, item_plain);
        section(&b, f, "It lists these medicines:", pick_medication, 0, item_medication);
    } else {
        bool concluded = count_conds(f, PICK_CONCLUDED, MS_FX_AFFIRMED) > 0;
        if (type == MS_REPORT_INTAKE) {
            /* what the patient filled in: history, not a diagnosis */
            ms_fx_printf(&b, "\nIt records what was filled in. It is not a diagnosis.\n");
            cond_section(&b, f, "Health problems listed on the form:", PICK_ALL_PRESENT,
                         MS_FX_AFFIRMED);
        } else if (concluded) {
            cond_section(&b, f, "What the report concludes:", PICK_CONCLUDED, MS_FX_AFFIRMED);
            cond_section(&b, f, "Other problems the report mentions:", PICK_OTHER_PRESENT,
                         MS_FX_AFFIRMED);
        } else {
            cond_section(&b, f, "Problems the report mentions:", PICK_ALL_PRESENT, MS_FX_AFFIRMED);
        }
        ms_fx_tests_text(&b, f);
        cond_section(&b, f,
                     type == MS_REPORT_INTAKE
                         ? "The form says no to these:"
                         : "The report says you do not have these (they were checked for):",
                     PICK_STATUS, MS_FX_NEGATED);
        cond_section(&b, f, "The report says these are possible, but not confirmed:", PICK_STATUS,
                     MS_FX_UNCERTAIN);
        cond_section(&b, f, "Past health problems the report mentions:", PICK_STATUS,
                     MS_FX_HISTORICAL);
        cond_section(&b, f, "Health problems in your family (not yours):", PICK_STATUS,
                     MS_FX_FAMILY);
        section(&b, f, "Medicines:", pick_medication, 0, item_medication);
        section(&b, f, "Medicines the report says you are not taking or should not take:",
                pick_medication, 1, item_medication);
        allergy_section(&b, f);
        section(&b, f, "Tests, procedures and treatments the report mentions:",
                pick_procedure_done, 0, item_plain);
        section(&b, f, "Tests or procedures the report says were not done or not needed:",
                pick_procedure_done, 1, item_plain);
        section(&b, f, "Next steps the report suggests:", pick_next_step, 0, item_plain);
    }
    if (b.len == before)
        ms_fx_printf(&b, "\nNo conditions, medicines or tests were recognised in this report.\n");
    ms_fx_printf(&b, "\nThis summary was made by software. It can miss or misread things. It is "
                     "not medical advice. Please talk to your doctor or care team about your "
                     "report.\n");
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
