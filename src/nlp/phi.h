/* phi.h -- protected health information and time expressions in clinical
 * text, as Amazon Comprehend Medical reports them.
 *
 * ms_phi_find() appends to out (growing out->v with realloc) top-level
 * entities (parent -1, not attributes) of category
 * PROTECTED_HEALTH_INFORMATION with type NAME, AGE, DATE, ID, PHONE_OR_FAX,
 * EMAIL, ADDRESS, URL or PROFESSION, and of category TIME_EXPRESSION
 * ("3 days", "two weeks ago", "yesterday", "on admission", "hospital day
 * 3"). A time expression's type names what it relates to; this pass does
 * not know that and uses TIME_TO_DX_NAME -- the engine re-types it
 * (TIME_TO_MEDICATION_NAME, TIME_TO_TEST_NAME, TIME_TO_PROCEDURE_NAME,
 * TIME_TO_TREATMENT_NAME) when it links the expression to an entity, and
 * the service reports time expressions only when linked.
 *
 * Offsets are filled in code points (begin/end) and bytes. Category and
 * type strings are static. Entities do not overlap each other; existing
 * entries of out are left untouched. Linear in len; never logs text.
 * Returns 0, or -1 on out of memory (out keeps what was appended). */
#ifndef MS_NLP_PHI_H
#define MS_NLP_PHI_H

#include <stddef.h>

#include "nlp/nlp.h"

int ms_phi_find(const char *text, size_t len, ms_nlp_result *out);

#endif
