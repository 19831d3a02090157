#define _GNU_SOURCE /* qsort_r */
/* findings_status.c -- one status per condition for the whole report.
 *
 * A report names a condition several times, in sections with different
 * jobs: "Query melanoma" in the clinical history, "No evidence of
 * melanoma" in the diagnosis. Each mention reads one way on its own
 * (mention_status: its traits, its section, the kind of report; computed
 * once per mention into f->cond_status);
 * the condition gets the status its most authoritative mentions give it.
 *
 * Rules (docs/summary.md, "One status per condition"):
 *  1. Mentions that are a relative's, or not about the patient (a return
 *     precaution, a drug's use, a name on a bill), decide only when there
 *     is no other mention: family, else not_patient.
 *  2. Every other mention has the rank of its section: conclusion
 *     (impression, diagnosis, assessment) 5; findings, exam, results 4;
 *     history of the present illness, untitled or unknown sections 3;
 *     plan and review of systems 2; indication, clinical history, past
 *     history, medication lists 1. The highest-ranked mentions decide.
 *  3. Among those: uncertain over present (say less), present over
 *     historical, historical over ruled out -- except (3b) that a doubt
 *     the report settles later is ruled out: when none of them is
 *     present and the last of them rules the condition out ("PE was
 *     considered but the CTA was negative for PE").
 *  4. A condition ruled out there but stated as present in a section of
 *     rank 3 or more (pain on admission that has resolved, a finding the
 *     conclusion does not repeat) is shown as present and marked mixed:
 *     the text says the report also says it was not there. It is never
 *     listed both ways. Not a diagnosis the conclusion itself rules out
 *     ("Suspected mastoiditis ruled out") that only the story (rank 3)
 *     called present: that stays ruled out.
 *  5. A ruled-out or uncertain condition whose words are inside a present
 *     one's ("margins negative for carcinoma" with "invasive ductal
 *     carcinoma" concluded) becomes not_patient (demote_generic).
 * A mention's own line is read before its traits: a margin's status is
 * not the patient's, a zero count ("0/3 nodes positive for") rules out, a
 * form's answer ("Diabetes: No") decides its field.
 * Everything is kept as evidence: each mention's offsets, section role and
 * own status are in the JSON. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nlp/sections.h"
#include "nlp/sentence.h"
#include "stages/findings_internal.h"
#include "stages/report_type.h"

static int rank_of(ms_nlp_section s)
{
    switch (s) {
    case MS_SEC_CONCLUSION:
    case MS_SEC_ASSESSMENT_PLAN:
        return 5;
    case MS_SEC_RESULTS:
    case MS_SEC_EXAM:
        return 4;
    case MS_SEC_HISTORY_PRESENT:
    case MS_SEC_NONE:
    case MS_SEC_OTHER:
        return 3;
    case MS_SEC_PLAN:
    case MS_SEC_REVIEW_OF_SYSTEMS:
        return 2;
    default:
        return 1;
    }
}

static bool word_at(const char *t, size_t len, size_t i, const char *w)
{
    size_t n = strlen(w);
    return i + n <= len && strncasecmp(t + i, w, n) == 0 &&
           (i + n == len || !isalpha((unsigned char)t[i + n]));
}

/* What the words before a mention in its sentence (up to 80 bytes) say:
 *  -1: a zero count ("0/3 lymph nodes positive for metastatic carcinoma",
 *      "none of 12 nodes involved by"), or a zero score after it ("pain
 *      is 0/10") -- ruled out;
 *  +2: a margin's status ("Margins negative for carcinoma") -- about the
 *      margin (not the margin's own statement, pathology.c); 0: neither. */
static int line_context(const ms_findings *f, const ms_nlp_entity *e)
{
    const char *t = f->text;
    size_t b = e->byte_begin, lb = b;
    while (lb > 0 && t[lb - 1] != '\n' && b - lb < 80)
        lb--;
    /* a margin or a count belongs to its own sentence ("pain is 0/10. Back
     * pain 7/10"; "Bronchial margin: Negative.,In situ carcinoma: Absent") */
    for (size_t k = b; k > lb; k--)
        if (ms__sentence_end(t, f->len, k - 1)) {
            lb = k;
            break;
        }
    if ((ms_fx_has_word(t, lb, b, "margin") || ms_fx_has_word(t, lb, b, "margins")) &&
        !(e->canonical && strcmp(e->canonical, MS_NLP_MARGIN_FINDING) == 0))
        return 2;
    for (size_t k = lb; k + 2 < b; k++) {
        bool start = k == lb || !isdigit((unsigned char)t[k - 1]);
        if (!start || t[k] != '0')
            continue;
        size_t q = k + 1;
        if (t[q] == '/' && isdigit((unsigned char)t[q + 1]))
            return -1;
        if (q + 4 < b && strncasecmp(t + q, " of ", 4) == 0 && isdigit((unsigned char)t[q + 4]))
            return -1;
    }
    if (ms_fx_has_word(t, lb, b, "none of"))
        return -1;
    /* a score of zero after it: "pain is 0/10", "pain score: 0 out of 10" */
    size_t a = e->byte_end, le = a;
    while (le < f->len && t[le] != '\n' && le - a < 24)
        le++;
    static const char *const FILL[] = {"is", "was", "of", "score", "scale", "level", "rated",
                                       "at", "now"};
    for (size_t k = a; k < le;) {
        while (k < le && (t[k] == ' ' || t[k] == ':' || t[k] == '=' || t[k] == ','))
            k++;
        if (k < le && t[k] == '0' && (k + 1 >= le || !isdigit((unsigned char)t[k + 1])) &&
            (k + 1 >= le || t[k + 1] != '.')) {
            size_t q = k + 1;
            while (q < le && t[q] == ' ')
                q++;
            if ((q + 2 < le && t[q] == '/' && t[q + 1] == '1' && t[q + 2] == '0') ||
                word_at(t, le, q, "out of"))
                return -1;
            break;
        }
        size_t w = k;
        while (w < le && isalpha((unsigned char)t[w]))
            w++;
        bool fill = false;
        for (size_t i = 0; i < sizeof FILL / sizeof *FILL && !fill; i++)
            fill = w - k == strlen(FILL[i]) && strncasecmp(t + k, FILL[i], w - k) == 0;
        if (!fill)
            break;
        k = w;
    }
    return 0;
}

/* Words on the mention's line before it (up to 80 bytes, or to the start
 * of its sentence up to 200) that make a
 * hypothetical mention not the patient's even in the story of a report:
 * a worry ("she is worried about having cancer", "afraid that it is a
 * stroke": the patient's or family's fear, which the report records but
 * does not suggest) and a risk ("risks including bleeding, infection and
 * bile duct injury were discussed", "complications such as"), and what
 * the patient could go on to have ("he could develop a wound infection",
 * "a danger of becoming quadriplegic"), and a precaution ("care was taken
 * to avoid injury to the nerve", "to prevent stroke"). Only asked
 * of mentions the ConText pass made hypothetical; "if she has a UTI"
 * stays a possibility. ("concerned about" is left out: it is as often the
 * clinician's suspicion.) */
static bool hypothetical_not_patient(const ms_findings *f, const ms_nlp_entity *e)
{
    static const char *const words[] = {"worried", "worries", "worry", "afraid", "fear",
                                        "fears", "fearful", "anxious", "risk", "risks",
                                        "complication", "complications", "side effect",
                                        "side effects", "danger", "could develop",
                                        "may develop", "might develop", "can develop",
                                        "would develop", "could get", "could have",
                                        "could become", "could suffer", "may suffer",
                                        /* screening looks without suspicion */
                                        "screen", "screening", "screened"};
    /* a precaution ("care was taken to avoid injury to the median nerve",
     * "aspirin to prevent stroke") or a return precaution told in the story
     * ("instructed to seek immediate medical attention for shortness of
     * breath") -- but not a doubt of the report's own next to one
     * ("prevention of further fractures and possible osteoporosis") */
    static const char *const care[] = {"avoid", "avoiding", "avoided", "prevent",
                                       "preventing", "prevention", "prophylaxis", "protect",
                                       "protecting", "protected", "instructed", "seek"};
    const char *t = f->text;
    size_t b = e->byte_begin, lb = b;
    /* its line, up to 80 bytes, or its sentence, up to 200 ("All risks
     * ... were discussed with the patient, which include, but are not
     * limited to infection, deep vein thrombosis, ...") */
    while (lb > 0 && t[lb - 1] != '\n' &&
           (b - lb < 80 || (b - lb < 200 && !ms__sentence_end(t, f->len, lb - 1))))
        lb--;
    if (ms_fx_has_any(t, lb, b, words, sizeof words / sizeof *words))
        return true;
    /* a precaution speaks of its own sentence ("He did not seek medical
     * attention. He ... did not report any history of MI") */
    size_t sb = b;
    while (sb > lb && !ms__sentence_end(t, f->len, sb - 1))
        sb--;
    return !ms_fx_has_trait(e, "LOW_CONFIDENCE") &&
           ms_fx_has_any(t, sb, b, care, sizeof care / sizeof *care);
}

/* Is the mention an item of a list of risks ("Potential complications
 * include, but are not limited to:, 1. Infection. 2. Bleeding. 3.
 * Incontinence.")? Such items are not the patient's: each list row is its
 * own ConText scope, so the trigger before the list does not reach them.
 * The head must be within 400 bytes before the mention, with only short
 * pieces (list items, at most 45 bytes between separators) and no blank
 * line or heading line in between; a sentence of prose ends the list. */
/* Is the line starting at t[k] (up to lim) a heading: capitals only
 * ("FINDINGS"), or ending in a colon ("Findings:")? */
static bool heading_line(const char *t, size_t k, size_t lim)
{
    size_t e = k;
    int upper = 0, lower = 0;
    while (e < lim && t[e] != '\n') {
        upper += isupper((unsigned char)t[e]) != 0;
        lower += islower((unsigned char)t[e]) != 0;
        e++;
    }
    while (e > k && (t[e - 1] == ' ' || t[e - 1] == '\t'))
        e--;
    return (upper >= 3 && lower == 0) || (e > k && t[e - 1] == ':');
}

static bool in_risk_list(const ms_findings *f, const ms_nlp_entity *e)
{
    /* (a head may run into its first item without a separator: "risks to
     * include but not be limited to bleeding requiring transfusion;
     * infection; sepsis"; the piece after the head is what must be short) */
    static const char *const heads[] = {
        "complications include", "complications including", "complications such as",
        "risks include", "risks including", "risks such as", "side effects include",
        "side effects including", "side effects such as", "risks to include",
        "risks which include", "risks that include", "complications to include",
        "risks include but are not limited to", "risks to include but not be limited to",
        "risks including but not limited to", "complications include but are not limited to",
        "complications including but not limited to"};
    enum { PIECE = 45, HEAD_MAX = 48 };
    const char *t = f->text;
    size_t b = e->byte_begin, lo = b > 400 ? b - 400 : 0;
    size_t run = 0;
    for (size_t k = b; k > lo; k--) {
        char ch = t[k - 1];
        if (ch == '\n' && ((k >= 2 && t[k - 2] == '\n') || heading_line(t, k, b)))
            return false;
        bool sep = ch == '.' || ch == ',' || ch == ';' || ch == ':' || ch == '\n' ||
                   ch == '(' || ch == ')' || isdigit((unsigned char)ch);
        run = sep ? 0 : run + 1;
        if (run > PIECE + HEAD_MAX)
            return false;
        int c0 = tolower((unsigned char)ch);   /* a head starts a word */
        if ((c0 != 'c' && c0 != 'r' && c0 != 's') || (k >= 2 && isalpha((unsigned char)t[k - 2])))
            continue;
        for (size_t h = 0; h < sizeof heads / sizeof *heads; h++) {
            size_t n = strlen(heads[h]);
            if (heads[h][0] == c0 && k - 1 + n <= b && strncasecmp(t + k - 1, heads[h], n) == 0 &&
                run <= n + PIECE)
                return true;
        }
    }
    return false;
}

/* A diagnosis someone is being worked up for ("is being evaluated for
 * inflammatory bowel disease", "was tested for HIV"): a question, read
 * like a hypothetical. Not a symptom or a sign: "being evaluated for chest
 * pain" says the patient has the pain. The phrase must end at most 12
 * bytes before the mention ("evaluated now for"), on its line. */
static bool workup_of_diagnosis(const ms_findings *f, const ms_nlp_entity *e)
{
    static const char *const cues[] = {"evaluated for", "tested for", "screened for",
                                       "worked up for", "evaluated now for"};
    if (ms_fx_has_trait(e, "SYMPTOM") || ms_fx_has_trait(e, "SIGN"))
        return false;
    const char *t = f->text;
    size_t b = e->byte_begin;
    for (size_t i = 0; i < sizeof cues / sizeof *cues; i++) {
        size_t n = strlen(cues[i]);
        for (size_t gap = 1; gap <= 12 && gap + n <= b; gap++) {
            size_t at = b - gap - n;
            if (t[b - gap] == '\n')
                break;
            if (strncasecmp(t + at, cues[i], n) == 0 && (at == 0 || !isalpha((unsigned char)t[at - 1])))
                return true;
        }
    }
    return false;
}

/* Is the sentence of a mention in a family-history section about the
 * patient ("The patient denies any palpitations" run on after "FAMILY
 * HISTORY: ..." in a flattened transcription)? It names "the patient"
 * (not "the patient's") before the mention and no relative. */
static bool patient_sentence(const ms_findings *f, const ms_nlp_entity *e)
{
    static const char *const kin[] = {"mother", "father", "sister", "brother", "grandmother",
                                      "grandfather", "aunt", "uncle", "son", "daughter",
                                      "family", "sibling", "siblings", "cousin", "mom", "dad",
                                      "parents", "parent", "relative", "relatives"};
    const char *t = f->text;
    size_t b = e->byte_begin, s = b;
    while (s > 0 && b - s < 200 && t[s - 1] != '\n' && !(t[s - 1] == '.' && (s == 1 ||
           !isdigit((unsigned char)t[s - 2]))) && t[s - 1] != '?' && t[s - 1] != '!')
        s--;
    bool patient = false;
    for (size_t k = s; k + 7 <= b && !patient; k++)
        patient = strncasecmp(t + k, "patient", 7) == 0 && (k == 0 || !isalpha((unsigned char)t[k - 1])) &&
                  (k + 7 == b || (!isalpha((unsigned char)t[k + 7]) && t[k + 7] != '\''));
    if (!patient)
        return false;
    size_t z = e->byte_end;  /* the rest of the sentence: "... colon cancer in her family" */
    while (z < f->len && z - e->byte_end < 120 && t[z] != '\n' && t[z] != '.')
        z++;
    return !ms_fx_has_any(t, s, z, kin, sizeof kin / sizeof *kin);
}

/* Is the mention the topic of a heading, "SUBSTANCE ABUSE HISTORY:",
 * "Seizure history:", "MENTAL HEALTH AND SUBSTANCE ABUSE:", "DIABETES
 * MEDICATIONS:"? The heading names what the section is about; the text
 * under it says whether the patient has it. A heading in capitals counts
 * only with a topic word besides the condition, so a problem label ("2.
 * HYPERTENSION:", "ACUTE RENAL FAILURE:") is still the patient's. */
static bool heading_topic(const ms_findings *f, const ms_nlp_entity *e)
{
    /* words that make a capitalised heading about a topic: "MENTAL HEALTH
     * AND SUBSTANCE ABUSE:", "DIABETES MEDICATIONS:", "SEIZURE HX:" (not
     * a problem label: "1. HYPERTENSION:", "ACUTE RENAL FAILURE:") */
    static const char *const topic[] = {"history", "hx", "medications", "medication", "meds",
                                        "health", "and", "screening", "education",
                                        "management", "care", "risk", "factors"};
    const char *t = f->text;
    size_t len = f->len, i = e->byte_end;
    while (i < len && (t[i] == ' ' || t[i] == '\t'))
        i++;
    size_t w = word_at(t, len, i, "history") ? 7 : word_at(t, len, i, "hx") ? 2 : 0;
    if (w) {
        size_t k = i + w;
        while (k < len && (t[k] == ' ' || t[k] == '\t'))
            k++;
        if (k < len && t[k] == ':')
            return true;
    }
    /* a heading in capitals around it, up to its colon (60 bytes before,
     * 40 after, within one piece of the line) */
    size_t a = e->byte_begin, lo = a > 60 ? a - 60 : 0;
    while (a > lo && t[a - 1] != '\n' && t[a - 1] != '.' && t[a - 1] != ',' && t[a - 1] != ':')
        a--;
    size_t z = e->byte_end, hi = len - z > 40 ? z + 40 : len;
    while (z < hi && t[z] != ':' && t[z] != '\n' && t[z] != '.' && t[z] != ',')
        z++;
    if (z >= hi || t[z] != ':')
        return false;
    bool other = false;
    for (size_t k = a; k < z; k++) {
        if (islower((unsigned char)t[k]))
            return false;
        if (k >= e->byte_begin && k < e->byte_end)
            continue;
        if ((k == a || !isalpha((unsigned char)t[k - 1])) && isalpha((unsigned char)t[k]))
            for (size_t q = 0; q < sizeof topic / sizeof *topic && !other; q++)
                other = word_at(t, len, k, topic[q]) && k + strlen(topic[q]) <= z;
    }
    return other;
}

/* Is the mention a step of a procedure, not a finding: "a pneumoperitoneum
 * was established", "after adequate pneumoperitoneum", "insufflated to
 * create a pneumoperitoneum"? The words after it, on its line: "was
 * (were) [then, easily ...] achieved | obtained | created | established |
 * induced"; or, right before it (an article between), "adequate",
 * "create", "achieve", "obtain", "maintain" and their past forms. A
 * diagnosis established ("the diagnosis of ectopic pregnancy was
 * established") is not a step: not when "diagnosis" is in the 60 bytes
 * before. */
static bool procedure_step(const ms_findings *f, const ms_nlp_entity *e)
{
    static const char *const done[] = {"achieved", "obtained", "created", "established",
                                       "induced", "insufflated"};
    /* (not "established": "no history of established coronary artery
     * disease" is about the disease) */
    static const char *const before[] = {"adequate", "create", "created", "achieve",
                                         "achieved", "obtain", "obtained", "maintain",
                                         "maintained", "insufflate"};
    static const char *const adv[] = {"then", "easily", "quickly", "successfully",
                                      "adequately", "subsequently", "next", "again"};
    const char *t = f->text;
    size_t len = f->len, b = e->byte_begin, lo = b > 60 ? b - 60 : 0;
    if (ms_fx_has_word(t, lo, b, "diagnosis"))
        return false;
    size_t i = e->byte_end;
    while (i < len && t[i] == ' ')
        i++;
    if (word_at(t, len, i, "was") || word_at(t, len, i, "were")) {
        i += word_at(t, len, i, "was") ? 3 : 4;
        for (int k = 0; k < 2; k++) {
            while (i < len && t[i] == ' ')
                i++;
            for (size_t d = 0; d < sizeof done / sizeof *done; d++)
                if (word_at(t, len, i, done[d]))
                    return true;
            bool moved = false;
            for (size_t a = 0; a < sizeof adv / sizeof *adv && !moved; a++)
                if (word_at(t, len, i, adv[a])) {
                    i += strlen(adv[a]);
                    moved = true;
                }
            if (!moved)
                break;
        }
    }
    /* the word before, past one article */
    size_t k = b;
    for (int w = 0; w < 2; w++) {
        while (k > 0 && t[k - 1] == ' ')
            k--;
        size_t s0 = k;
        while (s0 > 0 && isalpha((unsigned char)t[s0 - 1]))
            s0--;
        if (s0 == k)
            return false;
        for (size_t q = 0; q < sizeof before / sizeof *before; q++)
            if (k - s0 == strlen(before[q]) && strncasecmp(t + s0, before[q], k - s0) == 0)
                return true;
        if (!(k - s0 <= 3 && (word_at(t, len, s0, "a") || word_at(t, len, s0, "an") ||
                              word_at(t, len, s0, "the"))))
            return false;
        k = s0;
    }
    return false;
}

static ms_fx_status mention_status(const ms_findings *f, const ms_nlp_entity *e)
{
    if (e->section == MS_SEC_ADMIN || ms_report_type_administrative(f->report_type))
        return MS_FX_NOT_PATIENT;
    if (procedure_step(f, e))
        return MS_FX_NOT_PATIENT;
    if (heading_topic(f, e))  /* its answer may still be a no: "ALCOHOL USE:, None." */
        return ms_fx_form_answer(f, e) < 0 ? MS_FX_NEGATED : MS_FX_NOT_PATIENT;
    /* "DM" in a medication list is a product's suffix ("Duraphen II DM",
     * dextromethorphan), not diabetes */
    if (e->section == MS_SEC_MEDICATIONS && e->byte_end - e->byte_begin == 2 &&
        strncmp(f->text + e->byte_begin, "DM", 2) == 0)
        return MS_FX_NOT_PATIENT;
    if ((ms_fx_has_trait(e, "PERTAINS_TO_FAMILY") || e->section == MS_SEC_FAMILY_HISTORY) &&
        !(e->section == MS_SEC_FAMILY_HISTORY && patient_sentence(f, e))) {
        /* "Family history: negative for colon cancer", "Father: no
         * cancer": the family does not have it -- neither a family
         * problem nor the patient's, so not listed at all */
        if (ms_fx_has_trait(e, "NEGATION") || line_context(f, e) < 0 || ms_fx_form_answer(f, e) < 0)
            return MS_FX_NOT_PATIENT;
        return MS_FX_FAMILY;
    }
    int ctx = line_context(f, e);
    if (ctx == 2 || in_risk_list(f, e))
        return MS_FX_NOT_PATIENT;
    if (ctx < 0)
        return MS_FX_NEGATED;
    int answer = ms_fx_form_answer(f, e);
    if (answer < 0)
        return MS_FX_NEGATED;
    if (answer == 2)
        return MS_FX_NOT_PATIENT; /* a field left blank says nothing */
    if (answer > 0)
        return e->section == MS_SEC_PAST_HISTORY ? MS_FX_HISTORICAL : MS_FX_AFFIRMED;
    /* a risk named in consent text is nobody's finding, even inside a
     * negation's reach ("prostatectomy with or without nerve sparing ...
     * the risks of bleeding, infection, rectal injury") */
    if (ms_fx_has_trait(e, "NEGATION") && ms_fx_has_trait(e, "HYPOTHETICAL") &&
        hypothetical_not_patient(f, e))
        return MS_FX_NOT_PATIENT;
    if (ms_fx_has_trait(e, "NEGATION"))
        return MS_FX_NEGATED;
    /* "worried she might have diabetes": the patient's worry, not the
     * report's doubt, even with a doubt word inside it */
    if (ms_fx_has_trait(e, "HYPOTHETICAL") && ms_fx_has_trait(e, "LOW_CONFIDENCE") &&
        hypothetical_not_patient(f, e))
        return MS_FX_NOT_PATIENT;
    if (ms_fx_has_trait(e, "LOW_CONFIDENCE"))
        return MS_FX_UNCERTAIN;
    if (ms_fx_has_trait(e, "HYPOTHETICAL") || workup_of_diagnosis(f, e)) {
        /* "If she has a UTI" in the history or findings: a possibility.
         * Anywhere else ("return if chest pain" in an assessment and
         * plan, "for nausea" in a medication list, a lab's explanatory
         * note): not about the patient -- never "possible chest pain". */
        ms_section_role r = ms_section_role_of(e->section);
        if (hypothetical_not_patient(f, e))
            return MS_FX_NOT_PATIENT;
        bool story = r == MS_ROLE_REASON || r == MS_ROLE_FINDINGS || r == MS_ROLE_NONE ||
                     r == MS_ROLE_OTHER;
        /* (a lab report's notes and a prescription's "as needed for
         * pain" tell no story) */
        return story && f->report_type != MS_REPORT_LAB &&
                       f->report_type != MS_REPORT_PRESCRIPTION
                   ? MS_FX_UNCERTAIN
                   : MS_FX_NOT_PATIENT;
    }
    if (ms_fx_has_trait(e, "PAST_HISTORY") || e->section == MS_SEC_PAST_HISTORY)
        return MS_FX_HISTORICAL;
    return MS_FX_AFFIRMED;
}

/* Words that qualify a condition without making it another one: "acute
 * appendicitis" and "appendicitis" are one condition for its status (the
 * report cannot have one and rule out the other). */
static const char *const qualifiers[] = {
    "acute", "chronic", "mild", "moderate", "severe", "left", "right", "bilateral",
    "small", "large", "new", "recurrent", "persistent", "significant", "minimal",
    "marked", "early", "active", "possible", "probable", "suspected", "subacute",
    "mildly", "moderately", "severely", "worsening", "ongoing", NULL};

typedef struct fx_key {
    const char *p;
    size_t n;
} fx_key;

/* The canonical name (else the words), leading qualifiers skipped. */
static fx_key key_of(const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    fx_key k = {e->canonical ? e->canonical : f->text + e->byte_begin,
                e->canonical ? strlen(e->canonical) : e->byte_end - e->byte_begin};
    for (bool again = true; again;) {
        again = false;
        for (const char *const *q = qualifiers; *q; q++) {
            size_t l = strlen(*q);
            if (k.n > l + 1 && strncasecmp(k.p, *q, l) == 0 && k.p[l] == ' ') {
                k.p += l + 1;
                k.n -= l + 1;
                again = true;
            }
        }
    }
    return k;
}

/* A condition mention with its key, computed once for the sort. */
typedef struct fx_mention {
    size_t ent;
    fx_key key;
} fx_mention;

static int cmp_keys(fx_key a, fx_key b)
{
    int c = strncasecmp(a.p, b.p, a.n < b.n ? a.n : b.n);
    return c ? c : (a.n > b.n) - (a.n < b.n);
}

static int cmp_mention(const void *x, const void *y, void *ctx)
{
    const fx_mention *a = x, *b = y;
    const ms_findings *f = ctx;
    int c = cmp_keys(a->key, b->key);
    if (c)
        return c;
    size_t pi = f->all.v[a->ent].byte_begin, pj = f->all.v[b->ent].byte_begin;
    return pi != pj ? (pi > pj) - (pi < pj) : (a->ent > b->ent) - (a->ent < b->ent);
}

static int cmp_cond(const void *x, const void *y, void *ctx)
{
    const ms_findings *f = ctx;
    const ms_fx_cond *a = x, *b = y;
    size_t i = f->cond_mentions[a->first], j = f->cond_mentions[b->first];
    size_t pa = f->all.v[i].byte_begin, pb = f->all.v[j].byte_begin;
    return (pa > pb) - (pa < pb);
}

/* Which of two statuses wins among equally ranked mentions (rule 3). */
static int prec(ms_fx_status s)
{
    switch (s) {
    case MS_FX_UNCERTAIN:
        return 4;
    case MS_FX_AFFIRMED:
        return 3;
    case MS_FX_HISTORICAL:
        return 2;
    case MS_FX_NEGATED:
        return 1;
    default:
        return 0;
    }
}

static void decide(const ms_findings *f, ms_fx_cond *c)
{
    const size_t *m = f->cond_mentions + c->first;
    const unsigned char *st = f->cond_status + c->first;
    int top = 0;
    bool family = false, any = false;
    for (size_t k = 0; k < c->n; k++) {
        const ms_nlp_entity *e = &f->all.v[m[k]];
        ms_fx_status s = (ms_fx_status)st[k];
        if (s == MS_FX_FAMILY)
            family = true;
        if (prec(s) == 0)
            continue;
        any = true;
        if (rank_of(e->section) > top)
            top = rank_of(e->section);
    }
    if (!any) {                                        /* rule 1 */
        c->status = family ? MS_FX_FAMILY : MS_FX_NOT_PATIENT;
        for (size_t k = 0; k < c->n; k++)
            if (st[k] == c->status) {
                c->rep = m[k];
                break;
            }
        return;
    }
    ms_fx_status best = MS_FX_NEGATED;                 /* rules 2, 3 */
    for (size_t k = 0; k < c->n; k++) {
        const ms_nlp_entity *e = &f->all.v[m[k]];
        ms_fx_status s = (ms_fx_status)st[k];
        if (prec(s) > 0 && rank_of(e->section) == top && prec(s) > prec(best))
            best = s;
    }
    if (best == MS_FX_UNCERTAIN) {                     /* rule 3b */
        /* A doubt the report settles later: "PE was considered but the
         * CTA was negative for PE", "r/o MI ... MI excluded". Among the
         * deciding mentions, when no present one exists and the last
         * word is a ruled-out one, the report has answered its own
         * question; a doubt raised after a negative stays a doubt. */
        size_t last_unc = 0, last_neg = 0;
        bool affirmed = false;
        for (size_t k = 0; k < c->n; k++) {
            const ms_nlp_entity *e = &f->all.v[m[k]];
            ms_fx_status s = (ms_fx_status)st[k];
            if (rank_of(e->section) != top)
                continue;
            affirmed |= s == MS_FX_AFFIRMED;
            if (s == MS_FX_UNCERTAIN && e->byte_begin + 1 > last_unc)
                last_unc = e->byte_begin + 1;
            if (s == MS_FX_NEGATED && e->byte_begin + 1 > last_neg)
                last_neg = e->byte_begin + 1;
        }
        if (!affirmed && last_neg > last_unc)
            best = MS_FX_NEGATED;
    }
    bool present_high = false, present_found = false, negated = false;  /* rule 4 */
    bool concluded_no = false;
    for (size_t k = 0; k < c->n; k++) {
        const ms_nlp_entity *e = &f->all.v[m[k]];
        ms_fx_status s = (ms_fx_status)st[k];
        present_high |= s == MS_FX_AFFIRMED && rank_of(e->section) >= 3;
        present_found |= s == MS_FX_AFFIRMED && rank_of(e->section) >= 4;
        negated |= s == MS_FX_NEGATED;
        /* a diagnosis the conclusion rules out ("Suspected mastoiditis
         * ruled out") that only the story called present was a working
         * idea, not something that came and went like a pain or a fever:
         * the conclusion's word stands. Findings that show it (one lymph
         * node negative, another positive) keep it present. */
        concluded_no |= s == MS_FX_NEGATED && rank_of(e->section) == 5 && top == 5 &&
                        ms_fx_has_trait(e, "DIAGNOSIS");
    }
    if (best == MS_FX_NEGATED && present_high && (!concluded_no || present_found))
        best = MS_FX_AFFIRMED;
    c->status = best;
    c->mixed = best == MS_FX_AFFIRMED && negated;
    c->rep = SIZE_MAX;
    for (size_t k = 0; k < c->n; k++) {
        const ms_nlp_entity *e = &f->all.v[m[k]];
        if (st[k] != best)
            continue;
        bool concl = ms_section_role_of(e->section) == MS_ROLE_CONCLUSION;
        c->concluded |= concl;
        /* show the conclusion's words when it has them, else the first */
        if (c->rep == SIZE_MAX || (concl && ms_section_role_of(f->all.v[c->rep].section) !=
                                                MS_ROLE_CONCLUSION))
            c->rep = m[k];
    }
}

/* Are the words of a (case-insensitive) whole words inside b? */
static bool words_in(const char *a, size_t an, const char *b, size_t bn)
{
    int a0 = an ? tolower((unsigned char)a[0]) : 0;   /* the first letter first: cheap */
    for (size_t k = 0; an && k + an <= bn; k++)
        if (tolower((unsigned char)b[k]) == a0 && strncasecmp(b + k, a, an) == 0 && (k == 0 || !isalpha((unsigned char)b[k - 1])) &&
            (k + an == bn || !isalpha((unsigned char)b[k + an])))
            return true;
    return false;
}

/* "No carcinoma" somewhere (or "rule out carcinoma" in the history) and
 * "invasive ductal carcinoma" concluded: the generic one is not shown as
 * ruled out or possible (it would read "you do not have cancer" next to
 * the cancer the report found; the question was answered). When the words
 * of a ruled-out or uncertain condition are inside a present condition's
 * words or name, it becomes not_patient: said less, never contradicted.
 * So does a generic cancer word ("rule out carcinoma", "? malignancy")
 * when the report concludes a named cancer ("adenocarcinoma", "melanoma"
 * in its diagnosis; a cancer named only in the history leaves "no
 * evidence of malignancy" as it is).
 * O(conditions^2), conditions are few. */
/* "carcinoma", "cancer", "malignancy", "tumor": the generic question a
 * pathology report answers with a named cancer. */
static bool generic_cancer(const char *t, size_t n)
{
    static const char *const g[] = {"carcinoma", "cancer", "malignancy", "malignant neoplasm",
                                    "malignant tumor", "neoplasm", "tumor",
                                    "tumour", "malignant"};
    for (size_t i = 0; i < sizeof g / sizeof *g; i++)
        if (n == strlen(g[i]) && strncasecmp(t, g[i], n) == 0)
            return true;
    return false;
}

/* Does a name end in a cancer's word ("adenocarcinoma", "invasive ductal
 * carcinoma", "diffuse large B-cell lymphoma", "melanoma")? */
static bool names_cancer(const char *t, size_t n)
{
    static const char *const end[] = {"carcinoma", "sarcoma", "lymphoma", "leukemia",
                                      "leukaemia", "melanoma", "blastoma", "myeloma",
                                      "mesothelioma", "cancer", "seminoma", "carcinoid"};
    for (size_t i = 0; i < sizeof end / sizeof *end; i++) {
        size_t m = strlen(end[i]);
        if (n >= m && strncasecmp(t + n - m, end[i], m) == 0)
            return true;
    }
    return false;
}

static void demote_generic(ms_findings *f)
{
    for (size_t c = 0; c < f->nconds; c++) {
        ms_fx_cond *neg = &f->conds[c];
        if (neg->status != MS_FX_NEGATED && neg->status != MS_FX_UNCERTAIN)
            continue;
        const ms_nlp_entity *ne = &f->all.v[neg->rep];
        fx_key nk = key_of(f, neg->rep);
        const char *nt = f->text + ne->byte_begin;
        size_t ntl = ne->byte_end - ne->byte_begin;
        for (size_t d = 0; d < f->nconds; d++) {
            const ms_fx_cond *pos = &f->conds[d];
            if (pos->status != MS_FX_AFFIRMED)
                continue;
            const ms_nlp_entity *pe = &f->all.v[pos->rep];
            const char *pt = f->text + pe->byte_begin;
            size_t ptl = pe->byte_end - pe->byte_begin;
            const char *pc = pe->canonical ? pe->canonical : pt;
            size_t pcl = pe->canonical ? strlen(pe->canonical) : ptl;
            if (words_in(nt, ntl, pt, ptl) || words_in(nt, ntl, pc, pcl) ||
                words_in(nk.p, nk.n, pc, pcl) ||
                (pos->concluded && (generic_cancer(nt, ntl) || generic_cancer(nk.p, nk.n)) &&
                 (names_cancer(pt, ptl) || names_cancer(pc, pcl)))) {
                neg->status = MS_FX_NOT_PATIENT;
                neg->concluded = false;
                break;
            }
        }
    }
}

static bool is_condition(const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    return ms_fx_is(e, "MEDICAL_CONDITION") && !ms_fx_is_allergy(f, e) &&
           !ms_fx_is_reaction(f, e) && !ms_fx_in_lab_row(f, i);
}

int ms_fx_status_build(ms_findings *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->all.n; i++)
        n += is_condition(f, i);
    f->cond_mentions = malloc((n ? n : 1) * sizeof *f->cond_mentions);
    f->conds = malloc((n ? n : 1) * sizeof *f->conds);
    f->cond_status = malloc(n ? n : 1);
    fx_mention *m = malloc((n ? n : 1) * sizeof *m);
    ms_fx_spans consent;
    if (!f->cond_mentions || !f->conds || !f->cond_status || !m ||
        ms_fx_consent_spans(f->text, f->text ? f->len : 0, &consent) < 0) {
        free(m);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < f->all.n; i++)
        if (is_condition(f, i))
            m[k++] = (fx_mention){i, key_of(f, i)};
    qsort_r(m, n, sizeof *m, cmp_mention, f);
    f->nconds = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && cmp_keys(m[a].key, m[b].key) == 0)
            b++;
        f->conds[f->nconds++] = (ms_fx_cond){.first = a, .n = b - a};
        a = b;
    }
    for (size_t i = 0; i < n; i++) {
        f->cond_mentions[i] = m[i].ent;
        const ms_nlp_entity *e = &f->all.v[m[i].ent];
        /* a consent discussion's risk, normal anatomy, a lab's range
         * label or specimen note: nobody's finding (findings_context.c) */
        f->cond_status[i] = (unsigned char)(ms_fx_context_not_patient(f, e, &consent)
                                                ? MS_FX_NOT_PATIENT
                                                : mention_status(f, e));
    }
    ms_fx_spans_free(&consent);
    free(m);
    for (size_t c = 0; c < f->nconds; c++)
        decide(f, &f->conds[c]);
    demote_generic(f);
    qsort_r(f->conds, f->nconds, sizeof *f->conds, cmp_cond, f);
    return 0;
}
