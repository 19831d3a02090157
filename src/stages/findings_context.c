/* findings_context.c -- text around a condition's mention that makes it
 * no finding about the patient, beyond the sentence-level ConText pass:
 * the risks told in a consent discussion, normal anatomy, on a lab
 * report the labels of its interpretive ranges and its specimen notes,
 * on a form the answer to the field a condition names ("Diabetes:
 * No", "Asthma: [x] Yes [ ] No"), and for a medicine whether the report
 * stops it ("Medicines stopped: ramipril (held ...)").
 *
 * Consent discussions.
 * An operative note often spends a paragraph on what the operation could
 * cause: "Risks and benefits were discussed with him. Risks include
 * bleeding and infection. The hematoma could compress the spinal cord and
 * result in weakness of all four extremities. The patient can also have a
 * stroke should the plaque be propelled ... The patient understood all
 * these risks and agreed to proceed." Sentence-level triggers ("risks
 * include", "could develop") catch some sentences of it; the others read
 * as plain statements ("result in weakness", "can also have a stroke").
 * The paragraph as a whole is the cue: from a sentence that introduces
 * risks to the sentence where the patient understands or agrees, nothing
 * named is a finding about the patient.
 *
 * A span opens at the word "risk(s)" of a sentence that also says the
 * risks were discussed, explained, reviewed, described or listed
 * ("include"), and closes at the end of the first later sentence (or the
 * same one) saying the patient understood, agreed or consented, or that
 * questions were answered -- within MAX_SPAN bytes and without crossing a
 * blank line or a heading ("DESCRIPTION OF PROCEDURE:"). No closing
 * sentence, no span: a paragraph that only opens may go on to the
 * findings. Words before "risk" in the opening sentence stay outside
 * ("Given her stenosis, the risks ... were discussed"). A list of the
 * classic complications "discussed" is a span by itself
 * (complication_lists). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nlp/sentence.h"
#include "stages/findings_internal.h"
#include "stages/report_type.h"

enum { MAX_SPAN = 3000, MAX_SENTENCE = 600 };

/* A heading starts at k: a word of capitals (three or more letters), up
 * to four of them, then ':' ("DESCRIPTION OF PROCEDURE:", "FINDINGS:"). */
static bool heading_at(const char *t, size_t len, size_t k)
{
    while (k < len && (t[k] == ' ' || t[k] == ',' || t[k] == '\t'))
        k++;
    size_t caps = 0;
    for (int words = 0; k < len && words < 5; words++) {
        size_t w = k;
        while (k < len && (isupper((unsigned char)t[k]) || t[k] == '/' || t[k] == '&'))
            k++;
        if (k == w || (k < len && islower((unsigned char)t[k])))
            return false;
        caps += k - w;
        while (k < len && t[k] == ' ')
            k++;
        if (k < len && t[k] == ':')
            return caps >= 3;
    }
    return false;
}

/* The end of the sentence starting at b: the first sentence end, line
 * break or MAX_SENTENCE bytes. *stop is set when what follows it ends
 * the paragraph (a blank line, a heading, the end of the text). */
static size_t sentence_after(const char *t, size_t len, size_t b, bool *stop)
{
    size_t e = b;
    *stop = false;
    while (e < len && e - b < MAX_SENTENCE && !ms__sentence_end(t, len, e)) {
        if (t[e] == '\n' && e + 1 < len && t[e + 1] == '\n') {
            *stop = true;
            return e;
        }
        e++;
    }
    if (e >= len || heading_at(t, len, e + 1))
        *stop = true;
    return e;
}

static const char *const OPEN[] = {"discussed", "explained", "reviewed", "described", "outlined",
                                   "reiterated", "include", "includes", "including", "included"};
static const char *const CLOSE[] = {"understood", "understands", "understand", "agreed",
                                    "agrees", "agree", "consented", "consents", "consent",
                                    "answered", "addressed", "wishes", "wished", "elected"};

/* Append [b, e) to out (capacity *cap); on failure out is freed, -1. */
static int push_span(ms_fx_spans *out, size_t *cap, size_t b, size_t e)
{
    if (out->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        void *p = realloc(out->v, nc * sizeof *out->v);
        if (!p) {
            ms_fx_spans_free(out);
            return -1;
        }
        out->v = p;
        *cap = nc;
    }
    out->v[out->n][0] = b;
    out->v[out->n][1] = e;
    out->n++;
    return 0;
}

/* A consent discussion without the word "risk": one sentence that says
 * something was discussed or explained and lists the classic
 * complications -- "bleeding" with "infection", "death", "scarring",
 * "injury" or "damage" ("We have discussed bleeding, infection, injury to
 * the rectum, deep vein thrombosis, MI, stroke, and death."). The
 * sentence is a span of its own; no closing sentence is needed, since a
 * list of what could go wrong is not how a report states what did. */
static int complication_lists(const char *t, size_t len, ms_fx_spans *out, size_t *cap)
{
    static const char *const TOLD[] = {"discussed", "explained", "reviewed", "reiterated",
                                       "counseled", "counselled", "aware", "include",
                                       "includes", "including", "included"};
    static const char *const WITH[] = {"infection", "infections", "death", "scarring",
                                       "injury", "damage"};
    for (size_t k = 0; k + 8 <= len; k++) {
        if ((t[k] != 'b' && t[k] != 'B') || strncasecmp(t + k, "bleeding", 8) != 0 ||
            (k > 0 && isalpha((unsigned char)t[k - 1])) ||
            (k + 8 < len && isalpha((unsigned char)t[k + 8])))
            continue;
        size_t sb = k;
        while (sb > 0 && k - sb < MAX_SENTENCE && !ms__sentence_end(t, len, sb - 1) &&
               t[sb - 1] != '\n')
            sb--;
        bool stop;
        size_t se = sentence_after(t, len, k, &stop);
        if (ms_fx_spans_has(out, k) || !ms_fx_has_any(t, sb, se, TOLD, sizeof TOLD / sizeof *TOLD) ||
            !ms_fx_has_any(t, sb, se, WITH, sizeof WITH / sizeof *WITH)) {
            k = se;
            continue;
        }
        if (push_span(out, cap, sb, se) < 0)
            return -1;
        k = se;
    }
    return 0;
}

int ms_fx_consent_spans(const char *t, size_t len, ms_fx_spans *out)
{
    out->v = NULL;
    out->n = 0;
    size_t cap = 0;
    for (size_t k = 0; k + 4 <= len; k++) {
        if ((t[k] != 'r' && t[k] != 'R') || strncasecmp(t + k, "risk", 4) != 0 ||
            (k > 0 && isalpha((unsigned char)t[k - 1])))
            continue;
        /* the sentence around "risk": its start (back to a sentence end)
         * and its end */
        size_t sb = k;
        while (sb > 0 && k - sb < MAX_SENTENCE && !ms__sentence_end(t, len, sb - 1) && t[sb - 1] != '\n')
            sb--;
        bool stop;
        size_t se = sentence_after(t, len, k, &stop);
        if (!ms_fx_has_any(t, sb, se, OPEN, sizeof OPEN / sizeof *OPEN)) {
            k = se;
            continue;
        }
        /* forward, a sentence at a time, to the closing one */
        size_t s = sb, e = se, end = 0;
        for (;;) {
            if (ms_fx_has_any(t, s, e, CLOSE, sizeof CLOSE / sizeof *CLOSE)) {
                end = e;
                break;
            }
            if (stop || e + 1 >= len || e - k > MAX_SPAN)
                break;
            s = e + 1;
            e = sentence_after(t, len, s, &stop);
        }
        if (!end) {
            k = se;
            continue;
        }
        if (push_span(out, &cap, k, end) < 0)
            return -1;
        k = end;
    }
    return complication_lists(t, len, out, &cap);
}

bool ms_fx_spans_has(const ms_fx_spans *s, size_t off)
{
    for (size_t i = 0; i < s->n; i++)
        if (off >= s->v[i][0] && off < s->v[i][1])
            return true;
    return false;
}

void ms_fx_spans_free(ms_fx_spans *s)
{
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* Words that end the look back for "normal": a mention after them is not
 * the noun "normal" qualifies ("normal sinus rhythm with atrial flutter",
 * "normal except for a scoliosis"). */
static const char *const PHRASE_END[] = {"with", "and", "or", "but", "of", "for", "no", "not",
                                         "without", "except", "to", "in", "on", "at", "is",
                                         "are", "was", "were", "by", "from", "than"};

static bool normal_anatomy(const char *t, size_t len, size_t b)
{
    static const char *const NORMAL[] = {"normal", "natural", "physiologic", "physiological"};
    size_t k = b;
    for (int words = 0; words < 3; words++) {
        /* one space (or a hyphen) back to the end of the previous word */
        if (k == 0 || (t[k - 1] != ' ' && t[k - 1] != '-'))
            return false;
        k--;
        size_t we = k;
        while (k > 0 && isalpha((unsigned char)t[k - 1]))
            k--;
        if (k == we || we - k > 15)
            return false;
        for (size_t i = 0; i < sizeof NORMAL / sizeof *NORMAL; i++)
            if (ms_fx_word_here(t, len, k, NORMAL[i]) && k + strlen(NORMAL[i]) == we)
                return true;
        for (size_t i = 0; i < sizeof PHRASE_END / sizeof *PHRASE_END; i++)
            if (we - k == strlen(PHRASE_END[i]) && strncasecmp(t + k, PHRASE_END[i], we - k) == 0)
                return false;
    }
    return false;
}

/* The condition ending at t[e] labels an interpretive range: a ':' or
 * '=' then a number or comparator. */
static bool range_label(const char *t, size_t len, size_t e)
{
    size_t k = e;
    while (k < len && (t[k] == ' ' || t[k] == '\t'))
        k++;
    if (k >= len || (t[k] != ':' && t[k] != '='))
        return false;
    k++;
    while (k < len && (t[k] == ' ' || t[k] == '\t'))
        k++;
    /* a comparator ("<", ">=", the UTF-8 signs) or a number follows */
    if (k < len && (t[k] == '<' || t[k] == '>'))
        return true;
    if (k + 1 < len && (unsigned char)t[k] == 0xE2 && (unsigned char)t[k + 1] == 0x89)
        return true; /* ≤ ≥ */
    return k < len && isdigit((unsigned char)t[k]);
}

/* A specimen index, the tube's, not the patient's (on a lab report). */
static bool specimen_word(const char *canonical)
{
    static const char *const words[] = {"hemolysis", "lipemia", "jaundice"};
    for (size_t i = 0; canonical && i < sizeof words / sizeof *words; i++)
        if (strcmp(canonical, words[i]) == 0)
            return true;
    return false;
}

bool ms_fx_context_not_patient(const ms_findings *f, const ms_nlp_entity *e,
                               const ms_fx_spans *consent)
{
    if (ms_fx_spans_has(consent, e->byte_begin) || normal_anatomy(f->text, f->len, e->byte_begin))
        return true;
    return f->report_type == MS_REPORT_LAB &&
           (range_label(f->text, f->len, e->byte_end) || specimen_word(e->canonical));
}

/* A box at t[p]: "[ ]", "[x]", "( )", "(X)", "[✓]", "☐", "☑", "☒". Returns
 * its length (0: none) and *ticked. */
static size_t box_at(const char *t, size_t len, size_t p, bool *ticked)
{
    const unsigned char *u = (const unsigned char *)t;
    if (p + 2 < len && u[p] == 0xE2 && u[p + 1] == 0x98 && u[p + 2] >= 0x90 && u[p + 2] <= 0x92) {
        *ticked = u[p + 2] != 0x90; /* ☐ U+2610 empty; ☑ ☒ ticked */
        return 3;
    }
    if (t[p] != '[' && t[p] != '(')
        return 0;
    char close = t[p] == '[' ? ']' : ')';
    size_t q = p + 1;
    bool mark = false;
    while (q < len && q - p <= 5 && t[q] != close) {
        if (t[q] != ' ')
            mark = true; /* x, X, *, v, or a UTF-8 check mark */
        q++;
    }
    if (q >= len || t[q] != close || q - p > 5)
        return 0;
    *ticked = mark;
    return q + 1 - p;
}

/* The answer ticked in check boxes from t[i] (to lim or the line's end):
 * "[ ] Yes  [x] No" -1, "[x] Yes [ ] No" +1, boxes with none (or both)
 * ticked 2, no boxes 0. */
static int checkbox_answer(const char *t, size_t len, size_t i, size_t lim)
{
    int boxes = 0, yes = 0, no = 0;
    for (size_t p = i; p < lim && t[p] != '\n';) {
        bool ticked;
        size_t n = box_at(t, len, p, &ticked);
        if (!n) {
            p++;
            continue;
        }
        boxes++;
        size_t w = p + n;
        while (w < lim && t[w] == ' ')
            w++;
        bool is_yes = w + 3 <= len && strncasecmp(t + w, "yes", 3) == 0 &&
                      (w + 3 == len || !isalpha((unsigned char)t[w + 3]));
        bool is_no = w + 2 <= len && strncasecmp(t + w, "no", 2) == 0 &&
                     (w + 2 == len || !isalpha((unsigned char)t[w + 2]));
        if (ticked && is_yes)
            yes++;
        if (ticked && is_no)
            no++;
        p = w;
    }
    if (!boxes)
        return 0;
    if (yes && !no)
        return 1;
    if (no && !yes)
        return -1;
    return 2; /* no box ticked, or both: no answer to go by */
}

static bool word_at(const char *t, size_t len, size_t i, const char *w)
{
    size_t n = strlen(w);
    return i + n <= len && strncasecmp(t + i, w, n) == 0 &&
           (i + n == len || !isalpha((unsigned char)t[i + n]));
}

/* A form's answer to the field this mention names: "Diabetes: No",
 * "Thyroid disease: Yes (hypothyroidism)", "Chest pain: none", "Asthma:
 * [x] Yes [ ] No". +1 yes, -1 no, 2 boxes left blank, 0 not a form field. The answer decides over trigger words, which
 * on a form belong to the neighbouring field ("Diabetes: No   Asthma:
 * Yes" has "No" right before "Asthma"). Bounded: 40 bytes each side. */
int ms_fx_form_answer(const ms_findings *f, const ms_nlp_entity *e)
{
    const char *t = f->text;
    size_t len = f->len, i = e->byte_end, lim = i + 40 < len ? i + 40 : len;
    /* the rest of the field's name: "/anxiety", " disease" */
    while (i < lim && (isalpha((unsigned char)t[i]) || t[i] == ' ' || t[i] == '/' || t[i] == '-'))
        i++;
    if (i < lim && t[i] == ':') {
        i++;
        /* (a flattened transcription puts ", " after the colon) */
        while (i < lim && (t[i] == ' ' || t[i] == '\t' || t[i] == ','))
            i++;
        /* "Suicidal/Homicidal Ideation:  The patient denies" */
        if (word_at(t, len, i, "the") && word_at(t, len, i + 4, "patient"))
            i += 12;
        else if (word_at(t, len, i, "patient"))
            i += 8;
        while (i < lim && t[i] == ' ')
            i++;
        /* "[ ] Yes  [x] No": the ticked box answers (2: none ticked) */
        int box = checkbox_answer(t, len, i, i + 60 < len ? i + 60 : len);
        if (box)
            return box;
        if (word_at(t, len, i, "yes") || word_at(t, len, i, "y") || word_at(t, len, i, "positive"))
            return 1;
        if (word_at(t, len, i, "no") || word_at(t, len, i, "n") || word_at(t, len, i, "none") ||
            word_at(t, len, i, "negative") || word_at(t, len, i, "denies") ||
            word_at(t, len, i, "absent"))
            return -1;
        return 0;
    }
    /* the detail of a yes: "Thyroid disease: Yes (hypothyroidism)" */
    size_t b = e->byte_begin;
    if (b >= 5 && t[b - 1] == '(') {
        size_t k = b - 1;
        while (k > 0 && t[k - 1] == ' ')
            k--;
        if (k >= 3 && strncasecmp(t + k - 3, "yes", 3) == 0 && (k == 3 || !isalpha((unsigned char)t[k - 4])))
            return 1;
    }
    return 0;
}

/* Words that stop a medicine: in a heading or label ("Medicines stopped:",
 * "DISCONTINUED MEDICATIONS:"), right after the name ("ramipril (held
 * because of ...)", "metformin was discontinued") or right before it
 * ("stop aspirin", "discontinued lisinopril"). */
static const char *const STOP_WORDS[] = {"stopped", "stop", "discontinued", "discontinue",
                                         "held", "hold", "ceased", "withheld", "suspended"};

static bool stop_word_at(const char *t, size_t k, size_t e)
{
    for (size_t i = 0; i < sizeof STOP_WORDS / sizeof *STOP_WORDS; i++)
        if (ms_fx_word_here(t, e, k, STOP_WORDS[i]))
            return true;
    return false;
}

/* The label of the line holding byte b ("Medicines stopped: ramipril"), or
 * of the nearest heading line above it within 12 lines (a list under
 * "DISCONTINUED MEDICATIONS:"): its text up to the ':' (or the whole line
 * for a heading in capitals). Returns false when there is none. */
static bool label_above(const char *t, size_t b, size_t *lb, size_t *le)
{
    size_t ls = b;
    while (ls > 0 && t[ls - 1] != '\n')
        ls--;
    for (int lines = 0; lines < 12; lines++) {
        size_t k = ls, upper = 0, lower = 0;
        while (k < b && t[k] != '\n' && t[k] != ':') {
            upper += isupper((unsigned char)t[k]) != 0;
            lower += islower((unsigned char)t[k]) != 0;
            k++;
        }
        if (k < b && t[k] == ':' && k - ls <= 60) {
            *lb = ls;
            *le = k;
            return true;
        }
        if (lines > 0 && upper >= 3 && lower == 0) {
            *lb = ls;
            *le = k;
            return true;
        }
        if (ls == 0 || (ls >= 2 && t[ls - 2] == '\n'))
            return false; /* the text's start or a blank line */
        b = ls - 1;
        ls = b;
        while (ls > 0 && t[ls - 1] != '\n')
            ls--;
    }
    return false;
}

bool ms_fx_med_stopped(const ms_findings *f, const ms_nlp_entity *e)
{
    const char *t = f->text;
    size_t b = e->byte_begin, end = e->byte_end, lb, le;
    if (!t || end > f->len)
        return false;
    if (label_above(t, b, &lb, &le) && ms_fx_has_any(t, lb, le, STOP_WORDS, sizeof STOP_WORDS / sizeof *STOP_WORDS))
        return true;
    /* right after: "ramipril (held ...", "metformin was discontinued",
     * "warfarin on hold" -- not a hold parameter ("hold if HR < 60") */
    static const char *const aux[] = {"was ", "were ", "is ", "has been ", "have been ",
                                      "had been ", "on "};
    size_t k = end;
    while (k < f->len && (t[k] == ' ' || t[k] == '('))
        k++;
    for (int w = 0; w < 3 && k < f->len; w++) {
        if (stop_word_at(t, k, f->len)) {
            size_t q = k;
            while (q < f->len && isalpha((unsigned char)t[q]))
                q++;
            while (q < f->len && t[q] == ' ')
                q++;
            return !(q + 2 < f->len && (strncasecmp(t + q, "if ", 3) == 0 ||
                                        strncasecmp(t + q, "for ", 4) == 0 ||
                                        strncasecmp(t + q, "parameters", 10) == 0));
        }
        size_t a = 0;
        while (a < sizeof aux / sizeof *aux &&
               strncasecmp(t + k, aux[a], strlen(aux[a])) != 0)
            a++;
        if (a == sizeof aux / sizeof *aux)
            break;
        k += strlen(aux[a]);
    }
    /* right before: "stop aspirin", "discontinued the metformin", never
     * "do not stop warfarin" */
    k = b;
    while (k > 0 && t[k - 1] == ' ')
        k--;
    size_t we = k;
    while (k > 0 && isalpha((unsigned char)t[k - 1]))
        k--;
    if (we - k == 3 && strncasecmp(t + k, "the", 3) == 0) {
        while (k > 0 && t[k - 1] == ' ')
            k--;
        we = k;
        while (k > 0 && isalpha((unsigned char)t[k - 1]))
            k--;
    }
    if (we > k && stop_word_at(t, k, we)) {
        size_t p = k;
        while (p > 0 && t[p - 1] == ' ')
            p--;
        size_t pe = p;
        while (p > 0 && (isalpha((unsigned char)t[p - 1]) || t[p - 1] == '\''))
            p--;
        bool not = (pe - p == 3 && strncasecmp(t + p, "not", 3) == 0) ||
                   (pe - p == 5 && strncasecmp(t + p, "don't", 5) == 0) ||
                   (pe - p == 5 && strncasecmp(t + p, "never", 5) == 0);
        return !not;
    }
    return false;
}
