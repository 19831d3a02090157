/* findings_util.c -- small helpers every findings_*.c file uses (declared
 * in findings_internal.h): entity traits and attributes, the status a
 * mention reads as, and the text buffer of the patient text. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "nlp/nlp.h"
#include "stages/findings_internal.h"

void ms_fx_printf(ms_fx_sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}


bool ms_fx_has_trait(const ms_nlp_entity *e, const char *name)
{
    for (int i = 0; i < e->ntraits; i++)
        if (strcmp(e->traits[i].name, name) == 0)
            return true;
    return false;
}

const ms_nlp_entity *ms_fx_attr(const ms_findings *f, size_t idx, const char *type)
{
    if (!f->kid_start || idx >= f->all.n)
        return NULL;
    for (size_t k = f->kid_start[idx]; k < f->kid_start[idx + 1]; k++)
        if (strcmp(f->all.v[f->kids[k]].type, type) == 0)
            return &f->all.v[f->kids[k]];
    return NULL;
}

json_t *ms_fx_text(const ms_findings *f, const ms_nlp_entity *e)
{
    if (!e)
        return json_null();
    return json_stringn(f->text + e->byte_begin, e->byte_end - e->byte_begin);
}

bool ms_fx_is(const ms_nlp_entity *e, const char *category)
{
    return e->parent < 0 && !e->is_attribute && strcmp(e->category, category) == 0;
}

/* Case-insensitive: does one of the phrases end right before pos (blanks
 * and ':' between them allowed), within the same line? */
static bool preceded_by(const char *t, size_t pos, const char *const *phrases, size_t n)
{
    size_t p = pos;
    while (p > 0 && (t[p - 1] == ' ' || t[p - 1] == '\t' || t[p - 1] == ':'))
        p--;
    for (size_t k = 0; k < n; k++) {
        size_t l = strlen(phrases[k]);
        if (l <= p && strncasecmp(t + p - l, phrases[k], l) == 0 &&
            (p == l || !isalpha((unsigned char)t[p - l - 1])))
            return true;
    }
    return false;
}

/* An epinephrine auto-injector in an allergy list is what the patient
 * carries for the allergy, not what they are allergic to. */
static bool is_rescue_medicine(const ms_nlp_entity *e)
{
    return e->canonical && strcasecmp(e->canonical, "epinephrine") == 0;
}

bool ms_fx_is_allergy(const ms_findings *f, const ms_nlp_entity *e)
{
    static const char *const cues[] = {"allergic to", "allergy to", "allergies to",
                                       "allergic reaction to", "intolerant of",
                                       "intolerance to", "sensitivity to", "allergies"};
    if (ms_fx_has_trait(e, "NEGATION"))
        return false;
    if (ms_fx_is(e, "MEDICATION")) {
        if (is_rescue_medicine(e))
            return false;
        return e->section == MS_SEC_ALLERGIES ||
               preceded_by(f->text, e->byte_begin, cues, sizeof cues / sizeof *cues);
    }
    return ms_fx_is(e, "MEDICAL_CONDITION") && e->canonical && strstr(e->canonical, "allerg");
}

bool ms_fx_is_reaction(const ms_findings *f, const ms_nlp_entity *e)
{
    return ms_fx_is(e, "MEDICAL_CONDITION") && e->section == MS_SEC_ALLERGIES &&
           !ms_fx_is_allergy(f, e) && !ms_fx_has_trait(e, "NEGATION");
}

/* ends the allergen's sentence: a newline, ';', or ". " / ".," (not "p.o.") */
static bool reaction_stop(const ms_findings *f, size_t k)
{
    char c = f->text[k];
    return c == '\n' || c == ';' ||
           (c == '.' && (k + 1 >= f->len || f->text[k + 1] == ' ' || f->text[k + 1] == ','));
}

const ms_nlp_entity *ms_fx_reaction_at(const ms_findings *f, size_t ab, size_t ae)
{
    /* the allergen's own sentence: MTSamples joins a whole history into one
     * line ("... allergy to penicillin.,CARDIOVASCULAR: hypercholesterolemia") */
    size_t lb = ab, le = ae;
    while (lb > 0 && !reaction_stop(f, lb - 1) && ab - lb < 256)
        lb--;
    while (le < f->len && !reaction_stop(f, le) && le - ae < 256)
        le++;
    const ms_nlp_entity *best = NULL;
    for (size_t i = 0; i < f->all.n; i++) {
        const ms_nlp_entity *e = &f->all.v[i];
        if (e->byte_begin < lb || e->byte_end > le || !ms_fx_is_reaction(f, e))
            continue;
        /* the reaction after the allergen on its line, else the one before */
        if (!best || (e->byte_begin > ab && best->byte_begin < ab))
            best = e;
    }
    return best;
}

const ms_nlp_entity *ms_fx_allergy_reaction(const ms_findings *f, size_t idx)
{
    return ms_fx_reaction_at(f, f->all.v[idx].byte_begin, f->all.v[idx].byte_end);
}


bool ms_fx_word_here(const char *t, size_t lim, size_t k, const char *w)
{
    size_t n = strlen(w);
    return k + n <= lim && strncasecmp(t + k, w, n) == 0 &&
           (k == 0 || !isalpha((unsigned char)t[k - 1])) &&
           (k + n == lim || !isalpha((unsigned char)t[k + n]));
}

bool ms_fx_has_any(const char *t, size_t b, size_t e, const char *const *w, size_t nw)
{
    for (size_t k = b; k < e; k++) {
        if (!isalpha((unsigned char)t[k]) || (k > b && isalpha((unsigned char)t[k - 1])))
            continue;
        int c = tolower((unsigned char)t[k]);   /* the first letter first: cheap */
        for (size_t i = 0; i < nw; i++) {
            size_t n = strlen(w[i]);
            if (tolower((unsigned char)w[i][0]) == c && k + n <= e &&
                strncasecmp(t + k, w[i], n) == 0 && (k + n == e || !isalpha((unsigned char)t[k + n])))
                return true;
        }
    }
    return false;
}

bool ms_fx_has_word(const char *t, size_t b, size_t e, const char *w)
{
    return ms_fx_has_any(t, b, e, &w, 1);
}
