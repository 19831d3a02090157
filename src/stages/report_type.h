/* report_type.h -- what kind of document a report is.
 *
 * ms_report_type_detect() reads the text once and scores each kind from
 * cues: title words near the top of the first page ("DISCHARGE SUMMARY",
 * "SURGICAL PATHOLOGY REPORT", "INVOICE"), section headings that only one
 * kind of report has ("Microscopic description", "Hospital course",
 * "Postoperative diagnosis", "Amount due"), and layout (many rows of a
 * result table, many Yes/No checklist answers, money amounts). A title
 * counts most; the kind with the highest score wins if it reaches a
 * minimum, else MS_REPORT_OTHER. The rules are in report_type.c and in
 * docs/summary.md ("Report type"). Linear in len; no allocation. */
#ifndef MS_REPORT_TYPE_H
#define MS_REPORT_TYPE_H

#include <stddef.h>

typedef enum ms_report_type {
    MS_REPORT_OTHER,
    MS_REPORT_LAB,            /* "lab_report" */
    MS_REPORT_RADIOLOGY,
    MS_REPORT_PATHOLOGY,
    MS_REPORT_DISCHARGE,      /* "discharge_summary" */
    MS_REPORT_OPERATIVE,      /* "operative_note": operation or procedure */
    MS_REPORT_CLINIC,         /* "clinic_note": clinic letter, consult, ED */
    MS_REPORT_PRESCRIPTION,
    MS_REPORT_BILLING,        /* bill, invoice, claim, order form */
    MS_REPORT_INTAKE,         /* "intake_form": admission or intake form */
    MS_REPORT_NTYPES
} ms_report_type;

/* The kind of report text[0..len) is. lab_rows: rows of a result table
 * found in it (value with a range or flag), a strong lab-report cue. */
ms_report_type ms_report_type_detect(const char *text, size_t len, size_t lab_rows);

/* "lab_report", "radiology", ... as in the summary's report_type. */
const char *ms_report_type_name(ms_report_type t);

/* Words for the patient: "a laboratory report", "a bill or invoice". */
const char *ms_report_type_lay(ms_report_type t);

/* A document that is not about the patient's health findings (a bill,
 * an order or intake form): names of tests or conditions in it are what
 * it is about, not results or diagnoses. */
int ms_report_type_administrative(ms_report_type t);

#endif
