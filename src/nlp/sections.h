/* sections.h -- report section headings ("MEDICATIONS:", "Family History:",
 * "ALLERGIES", "A/P", "Review of Systems" ...) and the section each entity
 * falls in.
 *
 * A heading is recognised at the start of a line (after blanks, bullets or
 * a list number), either as "Heading:" followed by anything, or as a short
 * line made only of heading words ("FAMILY HISTORY", "Medications on
 * discharge"). A known heading in capitals followed by ':' is also accepted
 * after a sentence end or a comma inside a line ("... stable. SOCIAL
 * HISTORY: ...", "...,PLAN: ...").
 * Body-system subheadings ("HEENT:", "LUNGS:", "Mother:") keep the current
 * section; other capitalised headings ("PROCEDURE:") start MS_SEC_OTHER.
 * Text before the first heading is MS_SEC_NONE. */
#ifndef MS_NLP_SECTIONS_H
#define MS_NLP_SECTIONS_H

#include <stddef.h>

#include "nlp/nlp.h"

/* Set ents[i].section for every entity from its byte_begin. Entities may
 * be in any order. O(len + n log h), h the number of headings. On out of
 * memory every entity gets MS_SEC_NONE. */
void ms_sections_mark(const char *text, size_t len, ms_nlp_entity *ents,
                      size_t n);

/* The section a heading text names (e.g. "Past Medical History",
 * "PMH", "medications on discharge"), or -1 if it is not a known heading.
 * Exposed for tests. */
int ms_section_classify(const char *heading, size_t len);

/* What a section is for, whatever its heading says. The findings stage
 * decides a condition's document-level status from the roles of the
 * sections it is mentioned in (a conclusion outranks the reason). */
typedef enum ms_section_role {
    MS_ROLE_NONE,        /* before the first heading */
    MS_ROLE_REASON,      /* indication, clinical history, question, HPI */
    MS_ROLE_FINDINGS,    /* findings, description, exam, results, ROS */
    MS_ROLE_CONCLUSION,  /* impression, diagnosis, assessment */
    MS_ROLE_PLAN,        /* plan, recommendations, follow-up */
    MS_ROLE_HISTORY,     /* past medical/surgical, family, social history */
    MS_ROLE_MEDICATIONS,
    MS_ROLE_ALLERGIES,
    MS_ROLE_ADMIN,       /* billing, services, tests ordered */
    MS_ROLE_OTHER,       /* a heading with no known role */
    MS_ROLE_COUNT
} ms_section_role;

ms_section_role ms_section_role_of(ms_nlp_section s);
/* "reason", "findings", "conclusion", ... (static storage). */
const char *ms_section_role_name(ms_section_role r);

#endif
