/* findings_internal.h -- helpers shared by findings.c and findings_text.c. */
#ifndef MS_FINDINGS_INTERNAL_H
#define MS_FINDINGS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "stages/findings.h"

/* How a condition is reported, most specific first: a family member's
 * condition is not the patient's, a negated one was looked for and not
 * found, an uncertain one is possible or to be ruled out. */
typedef enum ms_fx_status {
    MS_FX_AFFIRMED,
    MS_FX_NEGATED,
    MS_FX_UNCERTAIN,
    MS_FX_HISTORICAL,
    MS_FX_FAMILY,
    MS_FX_NSTATUS
} ms_fx_status;

extern const char *const ms_fx_status_name[MS_FX_NSTATUS];

bool ms_fx_has_trait(const ms_nlp_entity *e, const char *name);
/* A top-level (not attribute) entity of this category. */
bool ms_fx_is(const ms_nlp_entity *e, const char *category);
/* The first attribute of entity idx with this type, or NULL. */
const ms_nlp_entity *ms_fx_attr(const ms_findings *f, size_t idx, const char *type);
/* The entity's text as a JSON string (json null for NULL). */
struct json_t *ms_fx_text(const ms_findings *f, const ms_nlp_entity *e);
ms_fx_status ms_fx_condition_status(const ms_nlp_entity *e);
bool ms_fx_is_allergy(const ms_nlp_entity *e);

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
/* The "tests" array of the findings JSON. */
struct json_t *ms_fx_tests_json(const ms_findings *f);
/* The test-results part of the patient text. */
void ms_fx_tests_text(ms_fx_sbuf *b, const ms_findings *f);

#endif
