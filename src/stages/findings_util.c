/* findings_util.c -- small helpers every findings_*.c file uses (declared
 * in findings_internal.h): entity traits and attributes, the status a
 * mention reads as, and the text buffer of the patient text. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

ms_fx_status ms_fx_condition_status(const ms_nlp_entity *e)
{
    if (ms_fx_has_trait(e, "PERTAINS_TO_FAMILY") || e->section == MS_SEC_FAMILY_HISTORY)
        return MS_FX_FAMILY;
    if (ms_fx_has_trait(e, "NEGATION"))
        return MS_FX_NEGATED;
    if (ms_fx_has_trait(e, "HYPOTHETICAL") || ms_fx_has_trait(e, "LOW_CONFIDENCE"))
        return MS_FX_UNCERTAIN;
    if (ms_fx_has_trait(e, "PAST_HISTORY") || e->section == MS_SEC_PAST_HISTORY)
        return MS_FX_HISTORICAL;
    return MS_FX_AFFIRMED;
}

bool ms_fx_is_allergy(const ms_nlp_entity *e)
{
    if (e->section == MS_SEC_ALLERGIES && !ms_fx_has_trait(e, "NEGATION"))
        return ms_fx_is(e, "MEDICATION") ||
               (ms_fx_is(e, "MEDICAL_CONDITION") && e->canonical && strstr(e->canonical, "allerg"));
    return ms_fx_is(e, "MEDICAL_CONDITION") && e->canonical && strstr(e->canonical, "allergy") &&
           !ms_fx_has_trait(e, "NEGATION");
}

