/* cm_parse.h -- Comprehend Medical responses into the local engine's
 * entity structures, so assembly and findings work the same whichever
 * engine extracted.
 *
 * One chunk may be sent as several requests (the Infer operations take
 * 10,000 bytes, the chunk may hold 20,000) and to several operations. Each
 * response is merged into the chunk's one ms_nlp_result, in chunk
 * coordinates:
 *   - offsets: the service's BeginOffset/EndOffset are code points into
 *     the text that was sent; base_byte/base_cp say where that text starts
 *     in the chunk; byte offsets are recomputed from the chunk text
 *   - DetectEntitiesV2 / DetectPHI entities and attributes are added
 *     (attributes linked through parent, UnmappedAttributes kept with
 *     parent -1 and is_attribute)
 *   - InferICD10CM / InferRxNorm / InferSNOMEDCT entities that overlap an
 *     entity of the same category already in r give it their best concept
 *     (code_system "ICD-10-CM" / "RxNorm" / "SNOMED CT", code,
 *     concept_description); otherwise they are added as entities
 *   - category, type, trait and relationship names are interned: known
 *     enum values map to static strings, unknown ones (a value the service
 *     adds tomorrow) are kept, not rejected
 *   - with an engine given, each entity is looked up in the local lexicon
 *     (canonical name, lay term, medication class, unit, reference range),
 *     so the patient text reads the same with either engine
 * Strings that are not static live in the result and are freed by
 * ms_nlp_result_free. */
#ifndef MS_CM_PARSE_H
#define MS_CM_PARSE_H

#include <stddef.h>

#include "nlp/nlp.h"
#include "stages/comprehend/cm_ops.h"

/* Returns 0, or -1 with a reason in err (not JSON, wrong shape, offsets
 * outside the text sent). r is left as it was on error. enrich may be
 * NULL. */
int ms_cm_parse_merge(ms_cm_op op, const char *json, size_t json_len,
                      const char *chunk_text, size_t chunk_len,
                      size_t base_byte, size_t base_cp, size_t sent_bytes,
                      const ms_nlp_engine *enrich, ms_nlp_result *r,
                      char *err, size_t errlen);

#endif
