/* context.h -- ConText-style assertion traits for detected entities.
 *
 * For every top-level MEDICAL_CONDITION entity (parent == -1, not an
 * attribute) the sentence around it is tokenized once and scanned for
 * trigger phrases (our own lists, see context.c):
 *   NEGATION            "no", "denies", "without", "negative for" ... and
 *                       post-triggers such as "was ruled out", "not seen";
 *   HYPOTHETICAL        "if", "return if", "should she develop", "risk of";
 *   LOW_CONFIDENCE      uncertainty: "possible", "suspected", "r/o" ...;
 *   PAST_HISTORY        "history of", "s/p", "previous" ... and the past
 *                       history section;
 *   PERTAINS_TO_FAMILY  "mother", "family history of" ... and the family
 *                       history section.
 * Pseudo-triggers ("no change", "not only", "gram negative") never fire and
 * termination terms ("but", "however", "which", ";", sentence ends) close a
 * trigger's scope. TEST_TREATMENT_PROCEDURE and MEDICATION entities get
 * NEGATION only, and only from a trigger right before them ("no aspirin",
 * "not on anticoagulation").
 *
 * Entities' section fields should already be set (ms_sections_mark). Traits
 * are added once each, within MS_NLP_MAX_TRAITS, with fixed scores. Work is
 * bounded per entity (a window of at most a few hundred bytes each side), so
 * the total is linear in len + n. Thread-safe; never logs text. */
#ifndef MS_NLP_CONTEXT_H
#define MS_NLP_CONTEXT_H

#include <stddef.h>

#include "nlp/nlp.h"

void ms_context_apply(const char *text, size_t len, ms_nlp_entity *ents,
                      size_t n);

#endif
