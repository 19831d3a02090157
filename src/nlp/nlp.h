/* nlp.h -- the local clinical entity engine: UTF-8 text in, entities out in
 * Amazon Comprehend Medical's DetectEntitiesV2 shape.
 *
 * One ms_nlp_engine is built once (lexicons are compiled into the binary)
 * and shared read-only by every worker thread; ms_nlp_detect() keeps all
 * its scratch state in the result, so concurrent calls need no locks.
 *
 * Entities and attributes live in one array. A top-level entity has
 * parent == -1; an attribute (DOSAGE of a medication, TEST_VALUE of a test,
 * ACUITY of a condition, DIRECTION of an anatomy term ...) has parent set to
 * the index of the entity it belongs to, and relationship_type/score set.
 * An attribute the engine found but could not link has parent == -1 and
 * is_attribute set: it is reported under UnmappedAttributes, as the service
 * does. Category, type, trait and relationship names are the service's own
 * enum strings (static storage). */
#ifndef MS_NLP_H
#define MS_NLP_H

#include <stdbool.h>
#include <stddef.h>

struct json_t;

#define MS_NLP_MAX_TRAITS 4

/* The canonical name of the finding a pathology report's margin statement
 * names ("Margins: negative", src/nlp/pathology.c): the findings stage
 * reads such a mention as the patient's, not as a condition "about the
 * margin". */
#define MS_NLP_MARGIN_FINDING "positive surgical margin"

typedef struct ms_nlp_trait {
    const char *name;            /* "NEGATION", "SIGN", "PAST_HISTORY", ... */
    float score;
} ms_nlp_trait;

/* Section of the report an entity was found in (headings such as
 * "MEDICATIONS:", "ALLERGIES", "Family History:"). */
typedef enum ms_nlp_section {
    MS_SEC_NONE = 0,
    MS_SEC_HISTORY_PRESENT,      /* HPI, history of present illness */
    MS_SEC_PAST_HISTORY,         /* past medical / surgical history */
    MS_SEC_MEDICATIONS,
    MS_SEC_ALLERGIES,
    MS_SEC_FAMILY_HISTORY,
    MS_SEC_SOCIAL_HISTORY,
    MS_SEC_REVIEW_OF_SYSTEMS,
    MS_SEC_EXAM,
    MS_SEC_RESULTS,              /* labs, findings, microscopic description */
    MS_SEC_ASSESSMENT_PLAN,      /* assessment (and plan), A/P */
    MS_SEC_OTHER,
    MS_SEC_INDICATION,           /* indication, clinical history, question */
    MS_SEC_CONCLUSION,           /* impression, (final) diagnosis, conclusion */
    MS_SEC_PLAN,                 /* plan, recommendations, follow-up */
    MS_SEC_ADMIN,                /* charges, services billed, tests ordered */
    MS_SEC_COUNT
} ms_nlp_section;

typedef struct ms_nlp_entity {
    /* Offsets into the input: code points (the service's BeginOffset /
     * EndOffset) and bytes (for slicing the UTF-8 text). */
    size_t begin, end;
    size_t byte_begin, byte_end;
    float score;
    const char *category;        /* "MEDICATION", "MEDICAL_CONDITION", ... */
    const char *type;            /* "GENERIC_NAME", "DX_NAME", "DOSAGE", ... */
    ms_nlp_trait traits[MS_NLP_MAX_TRAITS];
    int ntraits;

    int parent;                  /* index of the owning entity, or -1 */
    bool is_attribute;           /* an attribute type (linked or not) */
    const char *relationship_type; /* e.g. "DOSAGE", "ACUITY"; NULL if none */
    float relationship_score;

    /* What the lexicon knows (NULL when nothing): the canonical name
     * (a brand's generic, a synonym's preferred term), a plain-language
     * term, the medication class, and a code only where the lexicon ships
     * one ("ICD-10-CM" / "RxNorm"). For tests: the usual unit and the
     * reference range (has_range). */
    const char *canonical;
    const char *lay;
    const char *med_class;
    const char *code_system;
    const char *code;
    const char *unit;
    bool has_range;
    double range_low, range_high;
    /* a condition named in a negated form ("afebrile", "nontender"): its
     * NEGATION comes from the word itself, not from a ConText trigger */
    bool negated_form;

    ms_nlp_section section;

    /* Concepts Amazon Comprehend Medical inferred (InferICD10CM,
     * InferRxNorm, InferSNOMEDCT; stages/cm_parse.c): the best-scored
     * concept of each system, code and description, NULL when none. The
     * local engine never sets them. An inferred ICD-10-CM or RxNorm code
     * is also put in code_system/code (it wins over the lexicon's), and a
     * SNOMED CT code when there is no other; concept_description describes
     * whatever code holds when it was inferred. */
    const char *icd10cm, *icd10cm_desc;
    const char *rxnorm, *rxnorm_desc;
    const char *snomedct, *snomedct_desc;
    float icd10cm_score, rxnorm_score, snomedct_score;
    const char *concept_description;
} ms_nlp_entity;

typedef struct ms_nlp_result {
    ms_nlp_entity *v;            /* entities then attributes, any order */
    size_t n, cap;
    void *scratch;               /* engine-private, reused across calls */
    /* Strings owned by the result (names and codes a Comprehend Medical
     * response brought that are not static): a list of malloc'd blocks,
     * each starting with the pointer to the next. Freed by
     * ms_nlp_result_free; ms_nlp_detect leaves it alone. */
    void *arena;
} ms_nlp_result;

typedef struct ms_nlp_engine ms_nlp_engine;

/* Build the engine from the compiled-in lexicons. NULL on out of memory. */
ms_nlp_engine *ms_nlp_engine_new(void);
void ms_nlp_engine_free(ms_nlp_engine *e);

/* Detect entities in text (UTF-8, len bytes; invalid sequences are treated
 * as single opaque code points). Clears and fills *out. Returns 0, or -1 on
 * out of memory. Runs in time linear in len; never recurses on input. */
int ms_nlp_detect(const ms_nlp_engine *e, const char *text, size_t len,
                  ms_nlp_result *out);

void ms_nlp_result_free(ms_nlp_result *r);

/* {"Entities": [...], "UnmappedAttributes": [...]} exactly as the service
 * returns it: Id numbering, BeginOffset/EndOffset in code points, Score,
 * Text, Category, Type, Traits[{Name, Score}], Attributes[{Type, Score,
 * RelationshipScore, RelationshipType, Id, BeginOffset, EndOffset, Text,
 * Category, Traits}]. text/len are the input given to ms_nlp_detect(). */
struct json_t *ms_nlp_result_to_json(const ms_nlp_result *r, const char *text,
                                     size_t len);

/* The same object written into w (base/json_out.h) where a value goes:
 * the bytes ms_json_dumps_indent2 would write for ms_nlp_result_to_json's
 * tree at that place. Returns 0, or -1 on out of memory. */
struct ms_jw;
int ms_nlp_result_write(const ms_nlp_result *r, const char *text, size_t len,
                        struct ms_jw *w);

#endif
