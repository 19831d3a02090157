/* sections.c -- section headings and the section of each entity (see
 * sections.h). One pass over the text collects headings in order; each
 * entity then finds its heading by binary search. */
#include "nlp/sections.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SEC_SUB (-2)          /* a subheading: keeps the current section */
#define SEC_UNKNOWN (-1)
#define HMAX 64               /* longest heading looked at, bytes */

static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static bool is_alpha(unsigned char c) { return is_upper(c) || is_lower(c); }
static bool is_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Lower-case the heading into " w1 w2 ... " (single spaces, leading and
 * trailing space) so keywords can be found with strstr(" word "). Returns
 * the number of words. */
static int normalize(const char *h, size_t len, char *out, size_t cap)
{
    size_t k = 0;
    int words = 0;
    bool in_word = false;
    out[k++] = ' ';
    for (size_t i = 0; i < len && k + 2 < cap; i++) {
        unsigned char c = (unsigned char)h[i];
        if (is_alpha(c) || c == '/' || c == '&' || c == '\'' ||
            (c >= '0' && c <= '9')) {
            out[k++] = (char)(is_upper(c) ? c + 32 : c);
            if (!in_word)
                words++;
            in_word = true;
        } else if (c == '-' && in_word && i + 1 < len &&
                   is_alpha((unsigned char)h[i + 1])) {
            out[k++] = '-';
        } else if (in_word) {
            out[k++] = ' ';
            in_word = false;
        }
    }
    if (in_word)
        out[k++] = ' ';
    out[k] = '\0';
    return words;
}

static bool has(const char *norm, const char *word)
{
    return strstr(norm, word) != NULL;
}

static bool one_of(const char *norm, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(norm, list[i]) == 0)
            return true;
    return false;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int classify_norm(const char *s)
{
    static const char *const sub[] = {
        " heent ", " head ", " eyes ", " ears ", " nose ", " throat ",
        " mouth ", " neck ", " chest ", " lungs ", " lung ", " heart ",
        " cardiac ", " cardiovascular ", " cv ", " cvs ", " respiratory ",
        " resp ", " pulmonary ", " abdomen ", " abd ", " gi ", " gu ",
        " genitourinary ", " gastrointestinal ", " extremities ", " ext ",
        " skin ", " integumentary ", " neuro ", " neurologic ",
        " neurological ", " psych ", " psychiatric ", " musculoskeletal ",
        " msk ", " lymph ", " lymphatic ", " lymph nodes ", " back ",
        " spine ", " breasts ", " breast ", " pelvic ", " rectal ",
        " constitutional ", " general ", " gen ", " endocrine ",
        " hematologic ", " heme ", " heme/lymph ", " allergic/immunologic ",
        " immunologic ", " allergy/immunologic ", " allergy/immunology ",
        " allergic/immunology ", " allergy/immune ", " allergic/immune ", " immunology ",
        " allergy and immunology ", " allergic and immunologic ", " mother ", " father ", " brother ", " brothers ",
        " sister ", " sisters ", " siblings ", " children ", " maternal ",
        " paternal ", " patient ", " name ", " patient name ", " date ",
        " mrn ", " dob ", " age ", " sex ", " time ", " tobacco ",
        " alcohol ", " drugs ", " occupation ", " marital status ",
        " bp ", " hr ", " rr ", " temp ", " pulse ", " weight ", " height ",
        " note ", " comment ", " comments ", " ear ", " eye ", " vascular ",
        " genitalia ", " musculoskeletal/extremities "};
    if (one_of(s, sub, N(sub)))
        return SEC_SUB;
    if (((has(s, " family ") && (has(s, " history ") || has(s, " hx "))) ||
         strcmp(s, " fh ") == 0 || strcmp(s, " fhx ") == 0 ||
         strcmp(s, " family ") == 0))
        return MS_SEC_FAMILY_HISTORY;
    if (has(s, " social ") || strcmp(s, " sh ") == 0 || strcmp(s, " shx ") == 0 ||
        strcmp(s, " habits ") == 0 || strcmp(s, " personal history ") == 0)
        return MS_SEC_SOCIAL_HISTORY;
    if (has(s, " allerg"))
        return MS_SEC_ALLERGIES;
    if (has(s, " review of systems ") || has(s, " review of system ") ||
        strcmp(s, " ros ") == 0 || has(s, " systems review "))
        return MS_SEC_REVIEW_OF_SYSTEMS;
    if ((has(s, " past ") && (has(s, " medical ") || has(s, " surgical ") ||
                              has(s, " history ") || has(s, " hx "))) ||
        has(s, " pmh ") || has(s, " psh ") || has(s, " pmhx ") ||
        has(s, " pshx ") || has(s, " medical history ") ||
        has(s, " surgical history ") || has(s, " previous history ") ||
        has(s, " medical/surgical history ") || has(s, " past history ") ||
        has(s, " medical and surgical history "))
        return MS_SEC_PAST_HISTORY;
    /* Reason for the report: what the requester asked or suspected. Tried
     * before "history" so "clinical history" is not the patient's story. */
    if (has(s, " indication") || has(s, " clinical history ") ||
        has(s, " clinical information ") || has(s, " clinical details ") ||
        has(s, " clinical notes ") || has(s, " clinical question ") ||
        has(s, " reason for exam") || has(s, " reason for study ") ||
        has(s, " reason for referral ") || has(s, " reason for request ") ||
        has(s, " referral reason ") || strcmp(s, " question ") == 0 ||
        has(s, " preoperative diagnos") || has(s, " pre-op diagnos") ||
        has(s, " preprocedure diagnos") || has(s, " pre-procedure diagnos") ||
        /* the diagnosis a stay began with; the discharge diagnosis (a
         * conclusion) is what it ended with */
        has(s, " admission diagnos") || has(s, " admitting diagnos") ||
        has(s, " diagnosis on admission ") || has(s, " diagnoses on admission ") ||
        has(s, " provisional diagnos") || has(s, " preliminary diagnos") ||
        has(s, " referring diagnos") ||
        has(s, " referral diagnos"))
        return MS_SEC_INDICATION;
    if (has(s, " present illness ") || has(s, " hpi ") ||
        has(s, " chief complaint ") || strcmp(s, " cc ") == 0 ||
        has(s, " interval history ") || strcmp(s, " history ") == 0 ||
        strcmp(s, " subjective ") == 0 || has(s, " reason for admission ") ||
        has(s, " reason for visit ") || has(s, " reason for consultation ") ||
        has(s, " presenting complaint "))
        return MS_SEC_HISTORY_PRESENT;
    if (has(s, " medication") || has(s, " meds ") || has(s, " medicines ") ||
        has(s, " current drugs ") || has(s, " prescriptions "))
        return MS_SEC_MEDICATIONS;
    if (has(s, " exam ") || has(s, " examination ") || has(s, " physical ") ||
        has(s, " vital signs ") || strcmp(s, " vitals ") == 0 ||
        strcmp(s, " objective ") == 0 || has(s, " pe "))
        return MS_SEC_EXAM;
    /* Billing and ordering: what was charged or asked for, not findings. */
    if (has(s, " charges ") || has(s, " charge ") || has(s, " invoice ") ||
        has(s, " billing ") || has(s, " bill ") || has(s, " services ") ||
        has(s, " tests ordered ") || has(s, " orders ") || has(s, " order ") ||
        has(s, " itemized ") || has(s, " amount ") || has(s, " payment ") ||
        has(s, " insurance ") || has(s, " claim ") || has(s, " account ") ||
        has(s, " cpt ") || has(s, " procedure codes "))
        return MS_SEC_ADMIN;
    if (has(s, " assessment ") || has(s, " a/p ") || has(s, " a&p ") ||
        has(s, " assessment/plan ") || has(s, " impression/plan ") ||
        has(s, " assessment/recommendations ") || has(s, " assessment/recommendation "))
        return MS_SEC_ASSESSMENT_PLAN;
    if (has(s, " impression ") || has(s, " impressions ") || has(s, " diagnosis ") ||
        has(s, " diagnoses ") || has(s, " problem list ") ||
        has(s, " problems ") || has(s, " conclusion") ||
        has(s, " dx ") || has(s, " interpretation ") || has(s, " opinion "))
        return MS_SEC_CONCLUSION;
    if (has(s, " plan ") || has(s, " recommendation") ||
        has(s, " disposition ") || has(s, " follow-up ") ||
        has(s, " follow up ") || has(s, " followup ") ||
        has(s, " instructions ") || has(s, " next steps "))
        return MS_SEC_PLAN;
    /* Known headings with no role of their own: what follows is not the
     * reason for the report (a run-in "TECHNIQUE:" ends "REASON FOR EXAM:") */
    if (strcmp(s, " technique ") == 0 || strcmp(s, " comparison ") == 0 ||
        strcmp(s, " procedure ") == 0 || strcmp(s, " procedures ") == 0 ||
        has(s, " procedure performed ") || has(s, " procedures performed ") ||
        strcmp(s, " operation ") == 0 || strcmp(s, " anesthesia ") == 0 ||
        strcmp(s, " specimen ") == 0 || strcmp(s, " specimens ") == 0 ||
        has(s, " hospital course ") || has(s, " course in the hospital ") ||
        has(s, " clinical course ") || strcmp(s, " course ") == 0 ||
        has(s, " summary of stay ") || has(s, " hospital stay ") ||
        has(s, " summary of admission ") || has(s, " admission summary ") ||
        has(s, " course of stay "))
        return MS_SEC_OTHER;
    if (has(s, " lab ") || has(s, " labs ") || has(s, " laboratory ") ||
        has(s, " results ") || has(s, " findings ") || has(s, " studies ") ||
        has(s, " imaging ") || has(s, " radiology ") || has(s, " data ") ||
        has(s, " pathology ") || has(s, " diagnostic ") || has(s, " ekg ") ||
        has(s, " ecg ") || has(s, " result ") || has(s, " finding ") ||
        has(s, " microscopic ") || has(s, " macroscopic ") ||
        has(s, " gross ") || has(s, " description "))
        return MS_SEC_RESULTS;
    return SEC_UNKNOWN;
}

int ms_section_classify(const char *heading, size_t len)
{
    char norm[HMAX * 2 + 4];
    if (!heading)
        return -1;
    if (len > HMAX)
        len = HMAX;
    if (normalize(heading, len, norm, sizeof norm) == 0)
        return -1;
    int c = classify_norm(norm);
    return c < 0 ? -1 : c;
}

/* Words allowed in a heading that stands alone on its line (no colon). */
static bool heading_words_only(const char *norm)
{
    static const char *const vocab[] = {
        "history", "of", "present", "illness", "past", "medical", "surgical",
        "family", "social", "medications", "medication", "meds", "discharge",
        "on", "admission", "at", "allergies", "allergy", "drug", "known",
        "review", "systems", "system", "physical", "exam", "examination",
        "impression", "impressions", "assessment", "and", "plan", "diagnosis", "diagnoses",
        "labs", "laboratory", "lab", "data", "findings", "results", "current",
        "home", "the", "hpi", "pmh", "psh", "ros", "a/p", "a&p", "chief",
        "complaint", "vital", "signs", "problem", "list", "studies",
        "imaging", "final", "preoperative", "postoperative", "admitting",
        "principal", "secondary", "fh", "sh", "fhx", "shx", "personal", "recommendations", "objective",
        "subjective", "interval", "outpatient", "inpatient", "active",
        "pre-op", "post-op", "operative", "indication", "indications",
        "clinical", "information", "details", "reason", "for", "referral",
        "microscopic", "macroscopic", "gross", "description", "conclusion",
        "conclusions", "interpretation", "recommendation", "follow-up",
        "follow", "up", "instructions", "hospital", "course", "charges",
        "services", "billing", "invoice", "itemized", "tests", "ordered",
        "opinion", "dx", "procedure", "study", "question", "summary", "stay"};
    const char *p = norm;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        size_t n = (size_t)(q - p);
        bool ok = false;
        for (size_t i = 0; i < N(vocab) && !ok; i++)
            ok = strlen(vocab[i]) == n && memcmp(vocab[i], p, n) == 0;
        if (!ok)
            return false;
        p = q;
    }
    return true;
}

typedef struct {
    size_t pos;
    int sec;
} heading;

typedef struct {
    heading *v;
    size_t n, cap;
    bool oom;
} hlist;

static void push(hlist *h, size_t pos, int sec)
{
    if (h->oom)
        return;
    if (h->n && h->v[h->n - 1].sec == sec)
        return;               /* same section again: nothing changes */
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 32;
        heading *v = realloc(h->v, cap * sizeof *v);
        if (!v) {
            h->oom = true;
            return;
        }
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n].pos = pos;
    h->v[h->n].sec = sec;
    h->n++;
}

static bool heading_char(unsigned char c)
{
    return is_alpha(c) || c == ' ' || c == '\t' || c == '/' || c == '&' ||
           c == '-' || c == '\'' || c == ',' || c == '(' || c == ')';
}

/* A heading starting at p (line start, after bullets). Returns the section
 * (>= 0), SEC_SUB or SEC_UNKNOWN, or -3 if p starts no heading. */
static int heading_at(const char *t, size_t p, size_t eol, bool midline)
{
    if (p >= eol || !is_upper((unsigned char)t[p]))
        return -3;
    size_t q = p, lim = p + HMAX < eol ? p + HMAX : eol;
    bool lower = false;
    while (q < lim && heading_char((unsigned char)t[q])) {
        lower |= is_lower((unsigned char)t[q]);
        if (lower && midline)
            return -3;   /* what follows could only say -3 (below) */
        q++;
    }
    char norm[HMAX * 2 + 4];
    if (q < eol && t[q] == ':') {
        int words = normalize(t + p, q - p, norm, sizeof norm);
        if (words == 0 || words > 7)
            return -3;
        int c = classify_norm(norm);
        if (midline && (c < 0 || lower))
            return -3;
        if (c == SEC_UNKNOWN) {
            size_t letters = 0;
            for (size_t i = p; i < q; i++)
                letters += is_alpha((unsigned char)t[i]);
            return (!lower && letters >= 3) ? SEC_UNKNOWN : -3;
        }
        return c;
    }
    if (midline)
        return -3;
    /* a heading alone on its line */
    size_t e = q;
    while (e < eol && is_blank((unsigned char)t[e]))
        e++;
    if (e != eol || q - p > 50)
        return -3;
    int words = normalize(t + p, q - p, norm, sizeof norm);
    if (words == 0 || words > 6 || !heading_words_only(norm))
        return -3;
    int c = classify_norm(norm);
    return c >= 0 ? c : -3;
}

static void scan(const char *t, size_t len, hlist *h)
{
    size_t i = 0;
    while (i < len) {
        size_t eol = i;
        while (eol < len && t[eol] != '\n')
            eol++;
        /* line start: skip blanks, bullets and list numbers */
        size_t p = i;
        for (int round = 0; round < 3; round++) {
            while (p < eol && is_blank((unsigned char)t[p]))
                p++;
            if (p < eol && (t[p] == '-' || t[p] == '*' || t[p] == '#')) {
                p++;
                continue;
            }
            if (p + 2 < eol && (unsigned char)t[p] == 0xE2 &&
                (unsigned char)t[p + 1] == 0x80 &&
                (unsigned char)t[p + 2] == 0xA2) {
                p += 3;
                continue;
            }
            size_t d = p;
            while (d < eol && d < p + 3 && t[d] >= '0' && t[d] <= '9')
                d++;
            if (d > p && d < eol && (t[d] == '.' || t[d] == ')')) {
                p = d + 1;
                continue;
            }
            break;
        }
        int c = heading_at(t, p, eol, false);
        if (c >= 0)
            push(h, p, c);
        else if (c == SEC_UNKNOWN)
            push(h, p, MS_SEC_OTHER);
        /* known capitalised headings after a sentence end or a comma in the
         * line (transcriptions run them together: "...,PLAN: ...") */
        for (size_t k = p; k + 2 < eol; k++) {
            if ((t[k] != '.' && t[k] != ',') || (!is_blank((unsigned char)t[k + 1]) &&
                                                 !is_upper((unsigned char)t[k + 1])))
                continue;
            size_t s = k + 1;
            while (s < eol && is_blank((unsigned char)t[s]))
                s++;
            int m = heading_at(t, s, eol, true);
            if (m >= 0)
                push(h, s, m);
        }
        i = eol + 1;
    }
}

void ms_sections_mark(const char *text, size_t len, ms_nlp_entity *ents,
                      size_t n)
{
    if (!ents || n == 0)
        return;
    hlist h = {0};
    if (text)
        scan(text, len, &h);
    for (size_t i = 0; i < n; i++) {
        size_t b = ents[i].byte_begin;
        size_t lo = 0, hi = h.oom ? 0 : h.n;   /* first heading after b */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (h.v[mid].pos <= b)
                lo = mid + 1;
            else
                hi = mid;
        }
        ents[i].section = lo ? (ms_nlp_section)h.v[lo - 1].sec : MS_SEC_NONE;
    }
    free(h.v);
}

ms_section_role ms_section_role_of(ms_nlp_section s)
{
    switch (s) {
    case MS_SEC_HISTORY_PRESENT:
    case MS_SEC_INDICATION:
        return MS_ROLE_REASON;
    case MS_SEC_EXAM:
    case MS_SEC_RESULTS:
    case MS_SEC_REVIEW_OF_SYSTEMS:
        return MS_ROLE_FINDINGS;
    case MS_SEC_CONCLUSION:
    case MS_SEC_ASSESSMENT_PLAN:
        return MS_ROLE_CONCLUSION;
    case MS_SEC_PLAN:
        return MS_ROLE_PLAN;
    case MS_SEC_PAST_HISTORY:
    case MS_SEC_FAMILY_HISTORY:
    case MS_SEC_SOCIAL_HISTORY:
        return MS_ROLE_HISTORY;
    case MS_SEC_MEDICATIONS:
        return MS_ROLE_MEDICATIONS;
    case MS_SEC_ALLERGIES:
        return MS_ROLE_ALLERGIES;
    case MS_SEC_ADMIN:
        return MS_ROLE_ADMIN;
    case MS_SEC_NONE:
        return MS_ROLE_NONE;
    case MS_SEC_OTHER:
    case MS_SEC_COUNT:
        break;
    }
    return MS_ROLE_OTHER;
}

const char *ms_section_role_name(ms_section_role r)
{
    static const char *const names[MS_ROLE_COUNT] = {
        "none", "reason", "findings", "conclusion", "plan", "history",
        "medications", "allergies", "administrative", "other"};
    return (unsigned)r < MS_ROLE_COUNT ? names[r] : "other";
}
