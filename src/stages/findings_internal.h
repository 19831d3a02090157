/* findings_internal.h -- helpers shared by findings.c and findings_text.c. */
#ifndef MS_FINDINGS_INTERNAL_H
#define MS_FINDINGS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "stages/findings.h"

/* The status of a condition: of one mention (ms_fx_mention_status) or of
 * the condition over the whole report (ms_fx_cond.status). Affirmed is
 * "present"; negated is "ruled out"; not_patient is a condition named
 * but not said about the patient (a return precaution, a drug's use, a
 * test on a bill). */
typedef enum ms_fx_status {
    MS_FX_AFFIRMED,
    MS_FX_NEGATED,
    MS_FX_UNCERTAIN,
    MS_FX_HISTORICAL,
    MS_FX_FAMILY,
    MS_FX_NOT_PATIENT,
    MS_FX_NSTATUS
} ms_fx_status;

extern const char *const ms_fx_status_name[MS_FX_NSTATUS];

/* One condition of the report (all mentions with one canonical name,
 * or the same words when the lexicon has none) and its one status. */
typedef struct ms_fx_cond {
    ms_fx_status status;
    size_t rep;             /* the entity shown: first mention with the status */
    size_t first;           /* index into f->cond_mentions */
    size_t n;               /* mentions */
    bool concluded;         /* a conclusion mention agrees with status */
    bool mixed;             /* present, but some mention says not present */
} ms_fx_cond;

/* Group the condition mentions into f->conds and decide each status
 * (findings_status.c, rules in docs/summary.md). 0, or -1 on OOM. */
int ms_fx_status_build(ms_findings *f);
/* Byte spans of the text [v[i][0], v[i][1]) (findings_context.c). */
typedef struct ms_fx_spans {
    size_t (*v)[2];
    size_t n;
} ms_fx_spans;
/* The consent discussions of t: from a sentence that introduces the risks
 * ("risks ... were discussed", "risks include") to the sentence where the
 * patient understood or agreed, within one paragraph. What they name is
 * not about the patient. 0, or -1 on out of memory (out is then empty). */
int ms_fx_consent_spans(const char *t, size_t len, ms_fx_spans *out);
bool ms_fx_spans_has(const ms_fx_spans *s, size_t off);
void ms_fx_spans_free(ms_fx_spans *s);
/* Is the condition mention e, whatever its own words say, no finding
 * about the patient from what is around it: inside a consent span; normal
 * anatomy ("normal lumbar lordosis"); on a lab report, the label of an
 * interpretive range ("Prediabetes: 5.7 - 6.4", "Diabetes: >6.4") or a
 * specimen index ("hemolysis may falsely elevate potassium")? */
bool ms_fx_context_not_patient(const ms_findings *f, const ms_nlp_entity *e,
                               const ms_fx_spans *consent);

/* A form's answer to the field the mention e names: "Diabetes: No",
 * "Thyroid disease: Yes (hypothyroidism)", "Chest pain: none", "Asthma:
 * [x] Yes [ ] No" (check boxes "[ ]", "[x]", "( )", "(X)", "☐", "☑", "☒":
 * the ticked one answers). +1 yes, -1 no, 2 boxes left blank (or both
 * ticked), 0 not a form field (findings_context.c). */
int ms_fx_form_answer(const ms_findings *f, const ms_nlp_entity *e);

/* A MEDICAL_CONDITION mention that is an allergy's reaction ("Sulfa:
 * anaphylactoid reaction" in an Allergies section): not a condition. */
bool ms_fx_is_reaction(const ms_findings *f, const ms_nlp_entity *e);

bool ms_fx_has_trait(const ms_nlp_entity *e, const char *name);
/* A top-level (not attribute) entity of this category. */
bool ms_fx_is(const ms_nlp_entity *e, const char *category);
/* The first attribute of entity idx with this type, or NULL. */
const ms_nlp_entity *ms_fx_attr(const ms_findings *f, size_t idx, const char *type);
/* The entity's text as a JSON string (json null for NULL). */
struct json_t *ms_fx_text(const ms_findings *f, const ms_nlp_entity *e);
/* An allergen that is not a medicine -- latex, a food, a sting, contrast
 * dye, tape -- read where an allergy is told (an Allergies section, or
 * after "allergic to" in its sentence) and named by no entity: its words
 * [b, e) and the name shown ("peanuts" for "peanut"). Built once per
 * report into f->allergens (findings_allergens.c): 0, or -1 on OOM. */
typedef struct ms_fx_allergen {
    size_t b, e;
    const char *name;
} ms_fx_allergen;
int ms_fx_allergens_build(ms_findings *f);
/* The reaction written on the line of the words [b, e), or NULL. */
const ms_nlp_entity *ms_fx_reaction_at(const ms_findings *f, size_t b, size_t e);

/* An allergen: a medicine in an Allergies section (not an epinephrine
 * auto-injector) or after "allergic to", or an allergy condition. */
bool ms_fx_is_allergy(const ms_findings *f, const ms_nlp_entity *e);
/* The reaction written on the allergen idx's line, or NULL. Bounded: the
 * line is looked at up to 256 bytes each side. */
const ms_nlp_entity *ms_fx_allergy_reaction(const ms_findings *f, size_t idx);

/* The medicine e is one the report stops: named under a label or heading
 * that says so ("Medicines stopped:", "DISCONTINUED MEDICATIONS:"), or
 * right after ("ramipril (held ...)", "metformin was discontinued",
 * "warfarin on hold" -- not "hold if ...") or right before its name ("stop
 * aspirin", not "do not stop warfarin"). Listed as not taken, like a
 * negated one (findings_context.c). */
bool ms_fx_med_stopped(const ms_findings *f, const ms_nlp_entity *e);

/* Whole words, any case (findings_util.c): w starts at t[k] and ends
 * before lim; t[b, e) holds w (a word start at b counts); t[b, e) holds one
 * of the nw words. Phrases with spaces work too ("none of"). */
bool ms_fx_word_here(const char *t, size_t lim, size_t k, const char *w);
bool ms_fx_has_word(const char *t, size_t b, size_t e, const char *w);
bool ms_fx_has_any(const char *t, size_t b, size_t e, const char *const *w, size_t nw);

/* A growing string for the patient text; on out of memory oom is set and
 * later printing does nothing. */
typedef struct ms_fx_sbuf {
    char *p;
    size_t len, cap;
    int oom;
} ms_fx_sbuf;

void ms_fx_printf(ms_fx_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- tests with values (findings_tests.c) ----
 * ms_fx_tests_build() runs last in ms_findings_build() and decides which
 * entities are test results and how each is flagged; it may keep its own
 * state in f->tests (freed by ms_fx_tests_free()). Returns 0 or -1 (OOM). */
int ms_fx_tests_build(ms_findings *f);
void ms_fx_tests_free(ms_findings *f);
/* Entity i is listed under findings.tests. */
bool ms_fx_is_test(const ms_findings *f, size_t i);
/* Entity i lies in the name of a lab-table row with a result ("Hepatitis
 * C Ab   Reactive", "Vitamin B12   >2000 pg/mL"): it names the test, it
 * is no condition and no medicine of the patient's. */
bool ms_fx_in_lab_row(const ms_findings *f, size_t i);
/* ms_fx_in_lab_row, or on a lab report an entity of its order or billing
 * lines: a medicine named there is a test, not the patient's medicine. */
bool ms_fx_names_test(const ms_findings *f, size_t i);
/* How many items the "tests" array has. */
size_t ms_fx_tests_count(const ms_findings *f);
/* Rows of a result table with a printed range or flag (a lab-report cue). */
size_t ms_fx_tests_table_rows(const ms_findings *f);
/* The "tests" array of the findings JSON. */
struct json_t *ms_fx_tests_json(const ms_findings *f);
/* The test-results part of the patient text. */
void ms_fx_tests_text(ms_fx_sbuf *b, const ms_findings *f);

#endif
