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
/* For a test with a single numeric value in the lexicon's own unit:
 * -1 below, +1 above, 0 inside the reference range or not comparable. */
int ms_fx_test_flag(const ms_findings *f, size_t idx, double *value);

#endif
