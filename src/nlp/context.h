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
 * trigger's scope; so does a new clause with its own verb after "and", "or"
 * or a comma ("no fever and is eating well").
 *
 * Rules the findings stage relies on (issue 14):
 *   - coordination: a negation, uncertainty or hypothetical trigger reaches
 *     every conjunct of a list of short items ("denies fever, chills, ...
 *     or dyspnea on exertion", "no aneurysm or pseudoaneurysm");
 *   - list rows: a line starting "Label:" is a boundary; post-triggers
 *     never cross a line break (unless the sentence wraps on in lower
 *     case) nor a later "Label:"; "X: No/None/denies/negative" negates X,
 *     "X: Yes/present/positive" affirms it; "(-) X" negates, "(+)" ends;
 *   - uncertainty (LOW_CONFIDENCE, never NEGATION): likely, probable,
 *     possible, suspected, questionable, query, "?X", r/o, rule out, to
 *     exclude, cannot be excluded, versus/vs, suggestive of, may represent,
 *     differential. Also "unlikely" and "low suspicion for": a condition
 *     left open is not ruled out. "Consistent with" is a conclusion (as in
 *     radiology impressions) and adds no trait;
 *   - not the patient's (HYPOTHETICAL): a drug's indication ("Colace for
 *     constipation", "prn pain", "as needed for wheezing", "metformin for
 *     type 2 diabetes" -- the findings stage finds a diagnosis from its
 *     other mentions), unless the drug follows a verb of treatment ("was
 *     given ondansetron for nausea"); watch-for, return and call-if
 *     precautions; consent risks ("risks including bleeding ..."); generic
 *     subjects of educational text ("people with", "patients with", "X can
 *     cause Y", "symptoms include").
 * Conditions in an ALLERGIES section keep section MS_SEC_ALLERGIES: a
 * reaction, not a current condition. TEST_TREATMENT_PROCEDURE and MEDICATION entities get
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
