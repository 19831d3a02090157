/* report_type.c -- what kind of document a report is (see report_type.h).
 *
 * Each cue is a phrase found case-insensitively at word boundaries; it
 * scores `title` points when it starts in the title area -- the first
 * TITLE_LINES non-blank lines, at most TITLE_BYTES (a report's letterhead
 * and title; a short form is not all title) -- and `body` points
 * anywhere else, once per cue however often it appears. Layout cues add to
 * that: result-table rows for lab reports, "$" amounts for bills, Yes/No
 * answers for forms. The best kind needs MIN_SCORE points; a tie keeps
 * the kind listed first in `kinds` order below (more specific first). */
#include "stages/report_type.h"

#include <stdbool.h>
#include <string.h>

#define TITLE_BYTES 400 /* every cue phrase starts with a lower-case letter */
#define TITLE_LINES 4

/* Where the title area ends: after TITLE_LINES non-blank lines or
 * TITLE_BYTES bytes, whichever comes first. */
static size_t title_end(const char *t, size_t len)
{
    size_t lines = 0, i = 0;
    bool blank = true;
    for (; i < len && i < TITLE_BYTES; i++) {
        if (t[i] == '\n') {
            lines += !blank;
            blank = true;
            if (lines == TITLE_LINES)
                break;
        } else if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r') {
            blank = false;
        }
    }
    return i;
}
#define MIN_SCORE 3

typedef struct cue {
    ms_report_type type;
    const char *phrase;       /* lower case, at least two characters */
    size_t len;
    int title, body;
} cue;

#define CUE(type, phrase, title, body) {type, phrase, sizeof(phrase) - 1, title, body}

static const cue cues[] = {
    /* billing: amounts, codes, payment words */
    CUE(MS_REPORT_BILLING, "invoice", 6, 3),
    CUE(MS_REPORT_BILLING, "statement of account", 6, 3),
    CUE(MS_REPORT_BILLING, "itemized bill", 6, 3),
    CUE(MS_REPORT_BILLING, "itemised bill", 6, 3),
    CUE(MS_REPORT_BILLING, "billing statement", 6, 3),
    CUE(MS_REPORT_BILLING, "patient statement", 6, 2),
    CUE(MS_REPORT_BILLING, "claim form", 6, 3),
    CUE(MS_REPORT_BILLING, "explanation of benefits", 6, 3),
    CUE(MS_REPORT_BILLING, "amount due", 3, 3),
    CUE(MS_REPORT_BILLING, "balance due", 3, 3),
    CUE(MS_REPORT_BILLING, "total due", 3, 3),
    CUE(MS_REPORT_BILLING, "amount billed", 3, 3),
    CUE(MS_REPORT_BILLING, "total charges", 3, 3),
    CUE(MS_REPORT_BILLING, "subtotal", 2, 2),
    CUE(MS_REPORT_BILLING, "cpt", 1, 1),
    CUE(MS_REPORT_BILLING, "payment", 1, 1),
    CUE(MS_REPORT_BILLING, "insurance", 1, 1),
    CUE(MS_REPORT_BILLING, "unit price", 3, 3),
    CUE(MS_REPORT_BILLING, "qty", 1, 1),
    CUE(MS_REPORT_BILLING, "requisition", 5, 2),
    CUE(MS_REPORT_BILLING, "order form", 6, 3),
    CUE(MS_REPORT_BILLING, "tests ordered", 2, 2),
    /* prescriptions */
    CUE(MS_REPORT_PRESCRIPTION, "prescription", 6, 1),
    CUE(MS_REPORT_PRESCRIPTION, "rx", 2, 0),
    CUE(MS_REPORT_PRESCRIPTION, "sig", 0, 1),
    /* not "capillary refills less than 2 seconds" (an examination) */
    CUE(MS_REPORT_PRESCRIPTION, "refills:", 2, 2),
    CUE(MS_REPORT_PRESCRIPTION, "refill:", 2, 2),
    CUE(MS_REPORT_PRESCRIPTION, "no refills", 2, 2),
    CUE(MS_REPORT_PRESCRIPTION, "dispense", 2, 2),
    CUE(MS_REPORT_PRESCRIPTION, "substitution permitted", 2, 2),
    /* intake and admission forms */
    CUE(MS_REPORT_INTAKE, "intake form", 6, 3),
    CUE(MS_REPORT_INTAKE, "intake", 3, 0),
    CUE(MS_REPORT_INTAKE, "admission form", 6, 3),
    CUE(MS_REPORT_INTAKE, "registration form", 6, 3),
    CUE(MS_REPORT_INTAKE, "questionnaire", 5, 2),
    CUE(MS_REPORT_INTAKE, "health history form", 6, 3),
    CUE(MS_REPORT_INTAKE, "patient information form", 6, 3),
    CUE(MS_REPORT_INTAKE, "emergency contact", 1, 1),
    CUE(MS_REPORT_INTAKE, "please list", 1, 1),
    CUE(MS_REPORT_INTAKE, "signature of patient", 1, 1),
    /* pathology */
    CUE(MS_REPORT_PATHOLOGY, "surgical pathology", 6, 3),
    CUE(MS_REPORT_PATHOLOGY, "pathology report", 6, 3),
    CUE(MS_REPORT_PATHOLOGY, "cytology", 4, 1),
    CUE(MS_REPORT_PATHOLOGY, "histopathology", 6, 3),
    CUE(MS_REPORT_PATHOLOGY, "autopsy", 6, 2),
    CUE(MS_REPORT_PATHOLOGY, "microscopic description", 3, 3),
    CUE(MS_REPORT_PATHOLOGY, "gross description", 3, 3),
    CUE(MS_REPORT_PATHOLOGY, "macroscopic description", 3, 3),
    CUE(MS_REPORT_PATHOLOGY, "specimen", 1, 1),
    CUE(MS_REPORT_PATHOLOGY, "pathology consultation", 6, 3),
    CUE(MS_REPORT_PATHOLOGY, "biopsy report", 6, 3),
    CUE(MS_REPORT_PATHOLOGY, "biopsy", 3, 1),
    CUE(MS_REPORT_PATHOLOGY, "pathologist", 1, 1),
    CUE(MS_REPORT_PATHOLOGY, "external examination", 3, 2),
    CUE(MS_REPORT_PATHOLOGY, "internal examination", 3, 2),
    CUE(MS_REPORT_PATHOLOGY, "cause of death", 3, 3),
    CUE(MS_REPORT_PATHOLOGY, "margins", 0, 1),
    /* what only a pathologist reports: stains and tissue types */
    CUE(MS_REPORT_PATHOLOGY, "immunohistochemical", 3, 2),
    CUE(MS_REPORT_PATHOLOGY, "immunohistochemistry", 3, 2),
    CUE(MS_REPORT_PATHOLOGY, "histologic", 3, 2),
    CUE(MS_REPORT_PATHOLOGY, "frozen section", 3, 2),
    /* radiology */
    CUE(MS_REPORT_RADIOLOGY, "radiology report", 6, 3),
    CUE(MS_REPORT_RADIOLOGY, "imaging report", 6, 3),
    /* a heart ultrasound is imaging too */
    CUE(MS_REPORT_RADIOLOGY, "echocardiogram report", 6, 3),
    CUE(MS_REPORT_RADIOLOGY, "echocardiogram", 4, 1),
    CUE(MS_REPORT_RADIOLOGY, "echocardiography", 4, 1),
    CUE(MS_REPORT_RADIOLOGY, "ct", 2, 0),
    CUE(MS_REPORT_RADIOLOGY, "mri", 2, 0),
    CUE(MS_REPORT_RADIOLOGY, "x-ray", 2, 0),
    CUE(MS_REPORT_RADIOLOGY, "ultrasound", 2, 0),
    CUE(MS_REPORT_RADIOLOGY, "radiograph", 2, 1),
    CUE(MS_REPORT_RADIOLOGY, "mammogram", 3, 0),
    CUE(MS_REPORT_RADIOLOGY, "technique", 1, 1),
    CUE(MS_REPORT_RADIOLOGY, "comparison", 1, 1),
    CUE(MS_REPORT_RADIOLOGY, "contrast", 0, 1),
    CUE(MS_REPORT_RADIOLOGY, "impression", 0, 1),
    CUE(MS_REPORT_RADIOLOGY, "radiologist", 1, 1),
    CUE(MS_REPORT_RADIOLOGY, "exam", 2, 0),
    CUE(MS_REPORT_RADIOLOGY, "reason for exam", 3, 2),
    CUE(MS_REPORT_RADIOLOGY, "guidance", 1, 2),
    CUE(MS_REPORT_RADIOLOGY, "views", 1, 1),
    /* discharge summaries */
    CUE(MS_REPORT_DISCHARGE, "discharge summary", 6, 3),
    CUE(MS_REPORT_DISCHARGE, "hospital course", 2, 3),
    CUE(MS_REPORT_DISCHARGE, "discharge diagnosis", 2, 3),
    CUE(MS_REPORT_DISCHARGE, "discharge diagnoses", 2, 3),
    CUE(MS_REPORT_DISCHARGE, "date of discharge", 2, 2),
    CUE(MS_REPORT_DISCHARGE, "discharge date", 2, 2),
    CUE(MS_REPORT_DISCHARGE, "discharged", 1, 1),
    CUE(MS_REPORT_DISCHARGE, "discharge note", 6, 3),
    CUE(MS_REPORT_DISCHARGE, "course in the hospital", 3, 3),
    CUE(MS_REPORT_DISCHARGE, "discharge letter", 6, 3),
    CUE(MS_REPORT_DISCHARGE, "discharge", 3, 0),
    CUE(MS_REPORT_DISCHARGE, "admission date", 1, 1),
    /* operations and procedures */
    CUE(MS_REPORT_OPERATIVE, "operative report", 6, 3),
    CUE(MS_REPORT_OPERATIVE, "operation note", 6, 3),
    CUE(MS_REPORT_OPERATIVE, "operative note", 6, 3),
    CUE(MS_REPORT_OPERATIVE, "procedure note", 6, 3),
    CUE(MS_REPORT_OPERATIVE, "procedure report", 6, 3),
    CUE(MS_REPORT_OPERATIVE, "postoperative diagnosis", 3, 3),
    CUE(MS_REPORT_OPERATIVE, "preoperative diagnosis", 3, 3),
    CUE(MS_REPORT_OPERATIVE, "procedure performed", 3, 3),
    CUE(MS_REPORT_OPERATIVE, "procedures performed", 3, 3),
    CUE(MS_REPORT_OPERATIVE, "anesthesia", 1, 2),
    CUE(MS_REPORT_OPERATIVE, "anaesthesia", 1, 2),
    CUE(MS_REPORT_OPERATIVE, "estimated blood loss", 2, 2),
    CUE(MS_REPORT_OPERATIVE, "description of procedure", 2, 2),
    CUE(MS_REPORT_OPERATIVE, "description of the procedure", 2, 2),
    CUE(MS_REPORT_OPERATIVE, "findings at operation", 2, 2),
    CUE(MS_REPORT_OPERATIVE, "surgeon", 1, 1),
    CUE(MS_REPORT_OPERATIVE, "catheterization", 4, 1),
    CUE(MS_REPORT_OPERATIVE, "catheterisation", 4, 1),
    CUE(MS_REPORT_OPERATIVE, "angiography", 3, 1),
    CUE(MS_REPORT_OPERATIVE, "endoscopy report", 6, 3),
    CUE(MS_REPORT_OPERATIVE, "colonoscopy report", 6, 3),
    CUE(MS_REPORT_OPERATIVE, "operator", 1, 1),
    CUE(MS_REPORT_OPERATIVE, "prepped and draped", 3, 3),
    CUE(MS_REPORT_OPERATIVE, "general anesthesia", 2, 2),
    CUE(MS_REPORT_OPERATIVE, "general endotracheal anesthesia", 2, 2),
    /* clinic notes, letters and consults */
    CUE(MS_REPORT_CLINIC, "clinic letter", 6, 3),
    CUE(MS_REPORT_CLINIC, "clinic note", 6, 3),
    CUE(MS_REPORT_CLINIC, "consultation", 4, 1),
    CUE(MS_REPORT_CLINIC, "progress note", 6, 3),
    CUE(MS_REPORT_CLINIC, "office visit", 5, 2),
    CUE(MS_REPORT_CLINIC, "history and physical", 5, 2),
    CUE(MS_REPORT_CLINIC, "chief complaint", 4, 3),
    CUE(MS_REPORT_CLINIC, "history of present illness", 4, 3),
    CUE(MS_REPORT_CLINIC, "review of systems", 1, 1),
    CUE(MS_REPORT_CLINIC, "physical examination", 1, 1),
    CUE(MS_REPORT_CLINIC, "assessment", 1, 1),
    CUE(MS_REPORT_CLINIC, "subjective", 1, 1),
    CUE(MS_REPORT_CLINIC, "dear dr", 3, 2),
    CUE(MS_REPORT_CLINIC, "thank you for referring", 2, 2),
    CUE(MS_REPORT_CLINIC, "visit note", 6, 3),
    CUE(MS_REPORT_CLINIC, "urgent care", 4, 1),
    CUE(MS_REPORT_CLINIC, "emergency department note", 6, 3),
    CUE(MS_REPORT_CLINIC, "follow-up", 3, 0),
    CUE(MS_REPORT_CLINIC, "clinic", 3, 0),
    CUE(MS_REPORT_CLINIC, "consult", 3, 0),
    CUE(MS_REPORT_CLINIC, "reason for referral", 3, 2),
    CUE(MS_REPORT_CLINIC, "plan", 0, 1),
    /* laboratory */
    CUE(MS_REPORT_LAB, "laboratory report", 6, 3),
    CUE(MS_REPORT_LAB, "lab report", 6, 3),
    CUE(MS_REPORT_LAB, "laboratory results", 6, 3),
    CUE(MS_REPORT_LAB, "lab results", 6, 3),
    CUE(MS_REPORT_LAB, "test results", 3, 1),
    CUE(MS_REPORT_LAB, "reference range", 3, 3),
    CUE(MS_REPORT_LAB, "reference interval", 3, 3),
    CUE(MS_REPORT_LAB, "ref range", 3, 3),
    CUE(MS_REPORT_LAB, "specimen collected", 2, 2),
    CUE(MS_REPORT_LAB, "collected", 1, 1),
    CUE(MS_REPORT_LAB, "laboratory", 4, 0),
    CUE(MS_REPORT_LAB, "lab", 3, 0),
    CUE(MS_REPORT_LAB, "clinical chemistry", 5, 2),
    CUE(MS_REPORT_LAB, "chemistry", 3, 0),
    CUE(MS_REPORT_LAB, "haematology", 4, 0),
    CUE(MS_REPORT_LAB, "hematology", 4, 0),
    CUE(MS_REPORT_LAB, "urinalysis", 5, 0),
    CUE(MS_REPORT_LAB, "full blood count", 5, 1),
    CUE(MS_REPORT_LAB, "complete blood count", 4, 1),
    CUE(MS_REPORT_LAB, "panel", 3, 0),
    CUE(MS_REPORT_LAB, "profile", 2, 0),
    CUE(MS_REPORT_LAB, "diagnostics", 2, 0),
    CUE(MS_REPORT_LAB, "diagnostic centre", 3, 0),
    CUE(MS_REPORT_LAB, "diagnostic center", 3, 0),
    CUE(MS_REPORT_LAB, "work-up", 1, 0),
    CUE(MS_REPORT_LAB, "specimen type", 2, 2),
};

static bool is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* The phrase at text[i] (case-insensitive, whole words)? */
static bool phrase_at(const char *t, size_t len, size_t i, const char *p, size_t n)
{
    if (i + n > len || (i > 0 && is_word((unsigned char)t[i - 1])))
        return false;
    for (size_t k = 0; k < n; k++)
        if (lower((unsigned char)t[i + k]) != (unsigned char)p[k])
            return false;
    return i + n == len || !is_word((unsigned char)t[i + n]);
}

/* Layout: "$12.50"-style amounts, and lines answering Yes/No. */
static void layout(const char *t, size_t len, int *money, int *yesno)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '$' && i + 1 < len && t[i + 1] >= '0' && t[i + 1] <= '9')
            (*money)++;
        else if ((c == 'Y' || c == 'N') && (i == 0 || !is_word((unsigned char)t[i - 1])) &&
                 (phrase_at(t, len, i, "yes", 3) || phrase_at(t, len, i, "no", 2))) {
            /* a checklist answer: "Diabetes: Yes", "[x] No" -- the word
             * right after ':' or ']' and ending its field */
            size_t b = i;
            while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
                b--;
            /* ... and no lower-case word after it: "Eyes: No change in
             * vision" is a review of systems in prose, not a form */
            size_t a = i + (c == 'Y' ? 3 : 2);
            while (a < len && (t[a] == ' ' || t[a] == '\t'))
                a++;
            bool prose = a < len && t[a] >= 'a' && t[a] <= 'z';
            if (b > 0 && (t[b - 1] == ':' || t[b - 1] == ']') && !prose)
                (*yesno)++;
        }
    }
}

ms_report_type ms_report_type_detect(const char *text, size_t len, size_t lab_rows)
{
    enum { NCUES = sizeof cues / sizeof cues[0] };
    _Static_assert(NCUES < 0xff, "cue indices are unsigned char, 0xff ends a chain");
    int score[MS_REPORT_NTYPES] = {0};
    bool seen[NCUES] = {false};
    /* the cues by their first letter, so a word start tries only its own
     * (chained: first[l] -> next[k] -> ...; linear in the cues) */
    unsigned char first[26], next[NCUES];
    memset(first, 0xff, sizeof first);
    for (size_t k = NCUES; k-- > 0;) {
        int l = cues[k].phrase[0] - 'a';
        next[k] = first[l];
        first[l] = (unsigned char)k;
    }
    if (!text)
        len = 0;
    size_t tend = title_end(text, len);
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned char c = lower((unsigned char)text[i]);
        if (c < 'a' || c > 'z' || (i > 0 && is_word((unsigned char)text[i - 1])))
            continue;
        unsigned char c2 = lower((unsigned char)text[i + 1]);
        for (unsigned k = first[c - 'a']; k != 0xff; k = next[k]) {
            if (seen[k] || (unsigned char)cues[k].phrase[1] != c2 ||
                !phrase_at(text, len, i, cues[k].phrase, cues[k].len))
                continue;
            seen[k] = true;
            /* in the title a cue counts at least as much as in the body */
            int body = cues[k].body, title = cues[k].title > body ? cues[k].title : body;
            score[cues[k].type] += i < tend ? title : body;
        }
    }
    int money = 0, yesno = 0;
    layout(text, len, &money, &yesno);
    score[MS_REPORT_BILLING] += money >= 3 ? 3 : money;
    score[MS_REPORT_INTAKE] += yesno >= 4 ? 4 : yesno / 2;
    score[MS_REPORT_LAB] += lab_rows >= 4 ? 4 : (int)lab_rows;
    ms_report_type best = MS_REPORT_OTHER;
    int top = MIN_SCORE - 1;
    /* more specific kinds first: a bill or a form names tests and
     * conditions, a pathology report has a clinical history */
    static const ms_report_type order[] = {
        MS_REPORT_BILLING, MS_REPORT_PRESCRIPTION, MS_REPORT_INTAKE, MS_REPORT_PATHOLOGY,
        MS_REPORT_RADIOLOGY, MS_REPORT_DISCHARGE, MS_REPORT_OPERATIVE, MS_REPORT_LAB,
        MS_REPORT_CLINIC};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        if (score[order[k]] > top) {
            top = score[order[k]];
            best = order[k];
        }
    return best;
}

const char *ms_report_type_name(ms_report_type t)
{
    static const char *const names[MS_REPORT_NTYPES] = {
        "other", "lab_report", "radiology", "pathology", "discharge_summary",
        "operative_note", "clinic_note", "prescription", "billing", "intake_form"};
    return (unsigned)t < MS_REPORT_NTYPES ? names[t] : "other";
}

const char *ms_report_type_lay(ms_report_type t)
{
    static const char *const lay[MS_REPORT_NTYPES] = {
        "a medical document", "a lab test report", "a scan or x-ray report",
        "a tissue test (pathology) report", "a hospital discharge summary",
        "a report of an operation or procedure", "a clinic letter or note",
        "a prescription", "a bill, invoice or order form", "an admission or health form"};
    return (unsigned)t < MS_REPORT_NTYPES ? lay[t] : lay[0];
}

int ms_report_type_administrative(ms_report_type t)
{
    return t == MS_REPORT_BILLING;
}
