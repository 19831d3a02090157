/* findings.h -- from per-chunk entities to one report's findings.
 *
 * ms_findings_build() merges the extract stage's per-chunk entities into
 * document coordinates (through each chunk's offset map), drops duplicates
 * where chunks meet, re-reads section headings over the whole document (a
 * chunk may not contain the heading that governs it), and groups what was
 * found: medications with their attributes, conditions kept apart by
 * status (affirmed, negated, uncertain, historical, family), tests with
 * value and unit flagged against known reference ranges, procedures and
 * allergies. The result renders as JSON (the summary's "entities" and
 * "findings") and as a plain-language text for the patient. */
#ifndef MS_FINDINGS_H
#define MS_FINDINGS_H

#include <stddef.h>

#include "core/doc.h"
#include "nlp/nlp.h"

struct json_t;

typedef struct ms_findings {
    ms_nlp_result all;         /* document coordinates; parents remapped */
    const char *text;          /* the document text the offsets refer to */
    size_t len;
    int npages;
    /* Attributes of entity i are kids[kid_start[i] .. kid_start[i + 1]). */
    size_t *kid_start;
    size_t *kids;
    void *tests;               /* findings_tests.c's own state */
    int report_type;           /* ms_report_type */
    /* Conditions with one status each (findings_status.c): mentions of
     * conds[c] are cond_mentions[conds[c].first .. + conds[c].n), entity
     * indices in report order; conds in report order of first mention. */
    struct ms_fx_cond *conds;
    size_t nconds;
    size_t *cond_mentions;
    unsigned char *cond_status; /* each mention's own status (ms_fx_status) */
    /* Allergens no entity names ("Latex - rash", findings_allergens.c). */
    struct ms_fx_allergen *allergens;
    size_t nallergens;
} ms_findings;

/* Build from doc->text, doc->chunks and doc->extract (an array of
 * doc->nchunks ms_nlp_result). Returns 0, or -1 on out of memory. */
int ms_findings_build(const ms_doc *doc, ms_findings *f);
void ms_findings_free(ms_findings *f);

/* {"Entities": [...], "UnmappedAttributes": [...]} in document offsets. */
struct json_t *ms_findings_entities_json(const ms_findings *f);
/* ... the same written into w where a value goes (nlp.h,
 * ms_nlp_result_write); 0 or -1 on out of memory. */
struct ms_jw;
int ms_findings_entities_write(const ms_findings *f, struct ms_jw *w);

/* {"medications": [...], "allergies": [...], "conditions": {...},
 *  "tests": [...], "procedures": [...]} */
struct json_t *ms_findings_json(const ms_findings *f);

/* Add what ms_findings_json(f) lists to s, typed: the length of each list
 * and the affirmed conditions' names (malloc'd into s, freed by
 * ms_doc_summary_clear()). Returns 0, or -1 on out of memory (what was
 * added so far stays in s). */
int ms_findings_summarize(const ms_findings *f, ms_summary *s);

/* What kind of report it is: "lab_report", "radiology", ... (static). */
const char *ms_findings_report_type(const ms_findings *f);

/* The plain-language summary (malloc'd, NUL-terminated); NULL on OOM. */
char *ms_findings_patient_text(const ms_findings *f);

#endif
