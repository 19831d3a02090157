#define _GNU_SOURCE /* qsort_r */
/* findings.c -- merge per-chunk entities and group them (see findings.h).
 * The patient text is in findings_text.c. */
#include "stages/findings.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stages/findings_internal.h"
#include "nlp/sections.h"
#include "stages/chunk.h"
#include "stages/report_type.h"

/* ---- merge ------------------------------------------------------------- */

typedef struct cp_pos {
    size_t byte;
    size_t *out;
} cp_pos;

static int cmp_cp_pos(const void *a, const void *b)
{
    size_t x = ((const cp_pos *)a)->byte, y = ((const cp_pos *)b)->byte;
    return (x > y) - (x < y);
}

/* Fill begin/end (code points) from byte_begin/byte_end in one sweep. */
static int set_code_points(ms_findings *f)
{
    size_t n = f->all.n;
    if (n == 0)
        return 0;
    cp_pos *p = malloc(2 * n * sizeof *p);
    if (!p)
        return -1;
    for (size_t i = 0; i < n; i++) {
        p[2 * i] = (cp_pos){f->all.v[i].byte_begin, &f->all.v[i].begin};
        p[2 * i + 1] = (cp_pos){f->all.v[i].byte_end, &f->all.v[i].end};
    }
    qsort(p, 2 * n, sizeof *p, cmp_cp_pos);
    size_t byte = 0, cps = 0;
    for (size_t k = 0; k < 2 * n; k++) {
        size_t target = p[k].byte < f->len ? p[k].byte : f->len;
        for (; byte < target; byte++)
            if (((unsigned char)f->text[byte] & 0xC0) != 0x80)
                cps++;
        *p[k].out = cps;
    }
    free(p);
    return 0;
}

static int cmp_top(const void *a, const void *b, void *ctx)
{
    const ms_nlp_entity *v = ctx;
    const ms_nlp_entity *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];
    if (x->byte_begin != y->byte_begin)
        return x->byte_begin < y->byte_begin ? -1 : 1;
    size_t lx = x->byte_end - x->byte_begin, ly = y->byte_end - y->byte_begin;
    if (lx != ly)
        return lx > ly ? -1 : 1; /* longer first */
    return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

/* Chunks do not overlap today, but an entity may still be reported twice
 * (an extractor answering overlapping windows, a retried chunk) or a
 * phrase split at a seam may come back as two overlapping pieces. Keep the
 * longest top-level entity of a category over any overlap; the dropped
 * one's attributes move to the one kept. dup_of[i] = kept index or i. */
static int dedup(ms_findings *f, size_t *dup_of)
{
    size_t n = f->all.n;
    ms_nlp_entity *v = f->all.v;
    size_t *top = malloc((n ? n : 1) * sizeof *top);
    if (!top)
        return -1;
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        dup_of[i] = i;
        if (v[i].parent < 0 && !v[i].is_attribute)
            top[nt++] = i;
    }
    qsort_r(top, nt, sizeof *top, cmp_top, v);
    /* Per category, the kept entity reaching furthest right so far. */
    enum { NCAT = 8 };
    const char *cat[NCAT] = {0};
    size_t kept[NCAT];
    for (size_t k = 0; k < nt; k++) {
        size_t i = top[k];
        int c = 0;
        while (c < NCAT && cat[c] && strcmp(cat[c], v[i].category) != 0)
            c++;
        if (c == NCAT)
            continue;
        if (cat[c] && v[i].byte_begin < v[kept[c]].byte_end) {
            dup_of[i] = kept[c];
            continue;
        }
        cat[c] = v[i].category;
        kept[c] = i;
    }
    free(top);
    return 0;
}

static bool same_attr(const ms_nlp_entity *a, const ms_nlp_entity *b)
{
    return a->parent == b->parent && a->byte_begin == b->byte_begin &&
           a->byte_end == b->byte_end && strcmp(a->type, b->type) == 0;
}

/* Drop entities marked as duplicates, re-point attributes, compact. */
static int compact(ms_findings *f, const size_t *dup_of)
{
    size_t n = f->all.n;
    ms_nlp_entity *v = f->all.v;
    size_t *newidx = malloc((n ? n : 1) * sizeof *newidx);
    if (!newidx)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        newidx[i] = SIZE_MAX;
        bool top = v[i].parent < 0 && !v[i].is_attribute;
        if (top && dup_of[i] != i)
            continue;
        newidx[i] = m++;
    }
    ms_nlp_entity *out = malloc((m ? m : 1) * sizeof *out);
    if (!out) {
        free(newidx);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (newidx[i] == SIZE_MAX)
            continue;
        ms_nlp_entity e = v[i];
        if (e.parent >= 0) {
            size_t p = dup_of[(size_t)e.parent];
            e.parent = newidx[p] == SIZE_MAX ? -1 : (int)newidx[p];
        }
        out[k++] = e;
    }
    free(newidx);
    free(f->all.v);
    f->all.v = out;
    f->all.n = f->all.cap = k;
    return 0;
}

static int cmp_kid(const void *a, const void *b, void *ctx)
{
    const ms_nlp_entity *v = ctx;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const ms_nlp_entity *x = &v[i], *y = &v[j];
    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    if (x->byte_begin != y->byte_begin)
        return x->byte_begin < y->byte_begin ? -1 : 1;
    return (i > j) - (i < j);
}

/* Index the attributes by parent (kid_start/kids) and drop an attribute
 * equal to an earlier one of the same parent (two chunks' copies of one
 * attribute, moved to the kept entity by dedup). O(n log n). */
static int index_kids(ms_findings *f)
{
    size_t n = f->all.n, na = 0;
    ms_nlp_entity *v = f->all.v;
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    f->kid_start = calloc(n + 1, sizeof *f->kid_start);
    f->kids = malloc((n ? n : 1) * sizeof *f->kids);
    if (!ord || !f->kid_start || !f->kids) {
        free(ord);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (v[i].parent >= 0)
            ord[na++] = i;
    qsort_r(ord, na, sizeof *ord, cmp_kid, v);
    size_t nk = 0;
    for (size_t k = 0; k < na; k++) {
        size_t i = ord[k];
        bool dup = false;
        /* equal attributes sort next to each other (same parent, begin) */
        for (size_t q = nk; q > 0 && !dup; q--) {
            const ms_nlp_entity *o = &v[f->kids[q - 1]];
            if (o->parent != v[i].parent || o->byte_begin != v[i].byte_begin)
                break;
            dup = same_attr(o, &v[i]);
        }
        if (dup) {
            v[i].parent = -1;        /* dropped below */
            v[i].type = NULL;
            continue;
        }
        f->kids[nk++] = i;
        f->kid_start[(size_t)v[i].parent + 1]++;
    }
    free(ord);
    for (size_t i = 0; i < n; i++)
        f->kid_start[i + 1] += f->kid_start[i];
    /* kids is sorted by parent, so kid_start indexes it directly. Now drop
     * the duplicates from the entity array; nothing points at them, and
     * every index above them moves down. */
    size_t *shift = malloc((n ? n : 1) * sizeof *shift);
    if (!shift)
        return -1;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        shift[i] = w;
        if (v[i].type)
            v[w++] = v[i];
    }
    if (w != n) {
        for (size_t i = 0; i < w; i++)
            if (v[i].parent >= 0)
                v[i].parent = (int)shift[v[i].parent];
        for (size_t k = 0; k < nk; k++)
            f->kids[k] = shift[f->kids[k]];
        size_t *ks = calloc(w + 1, sizeof *ks);
        if (!ks) {
            free(shift);
            return -1;
        }
        for (size_t k = 0; k < nk; k++)
            ks[(size_t)v[f->kids[k]].parent + 1]++;
        for (size_t i = 0; i < w; i++)
            ks[i + 1] += ks[i];
        free(f->kid_start);
        f->kid_start = ks;
        f->all.n = w;
    }
    free(shift);
    return 0;
}

int ms_findings_build(const ms_doc *doc, ms_findings *f)
{
    memset(f, 0, sizeof *f);
    f->text = doc->text ? doc->text : "";
    f->len = doc->text ? doc->text_len : 0;
    f->npages = doc->npages;
    const ms_nlp_result *r = doc->extract;
    if (!r)
        return 0;
    size_t total = 0;
    for (size_t i = 0; i < doc->nchunks; i++)
        total += r[i].n;
    f->all.v = malloc((total ? total : 1) * sizeof *f->all.v);
    size_t *dup_of = malloc((total ? total : 1) * sizeof *dup_of);
    if (!f->all.v || !dup_of) {
        free(dup_of);
        return -1;
    }
    f->all.cap = total;
    for (size_t i = 0; i < doc->nchunks; i++) {
        const ms_chunk *c = &doc->chunks[i];
        size_t base = f->all.n;
        for (size_t j = 0; j < r[i].n; j++) {
            ms_nlp_entity e = r[i].v[j];
            size_t b = ms_chunk_to_doc(c, e.byte_begin);
            size_t end = e.byte_end > e.byte_begin ? ms_chunk_to_doc(c, e.byte_end - 1) + 1 : b;
            if (b == SIZE_MAX || end > f->len || b > end)
                b = end = 0; /* cannot happen with a sane offset map */
            e.byte_begin = b;
            e.byte_end = end;
            e.parent = e.parent >= 0 ? (int)(base + (size_t)e.parent) : -1;
            f->all.v[f->all.n++] = e;
        }
    }
    int rc = dedup(f, dup_of);
    if (rc == 0)
        rc = compact(f, dup_of);
    free(dup_of);
    if (rc == 0)
        rc = index_kids(f);
    if (rc == 0)
        rc = set_code_points(f);
    if (rc == 0)
        ms_sections_mark(f->text, f->len, f->all.v, f->all.n);
    if (rc == 0)
        rc = ms_fx_allergens_build(f);
    if (rc == 0)
        rc = ms_fx_tests_build(f);
    if (rc == 0) {
        f->report_type =
            (int)ms_report_type_detect(f->text, f->len, ms_fx_tests_table_rows(f));
        rc = ms_fx_status_build(f);
    }
    return rc;
}

void ms_findings_free(ms_findings *f)
{
    ms_fx_tests_free(f);
    free(f->allergens);
    free(f->conds);
    free(f->cond_mentions);
    free(f->cond_status);
    free(f->all.v);
    free(f->kid_start);
    free(f->kids);
    memset(f, 0, sizeof *f);
}

const char *ms_findings_report_type(const ms_findings *f)
{
    return ms_report_type_name((ms_report_type)f->report_type);
}

json_t *ms_findings_entities_json(const ms_findings *f)
{
    return ms_nlp_result_to_json(&f->all, f->text, f->len);
}

int ms_findings_entities_write(const ms_findings *f, struct ms_jw *w)
{
    return ms_nlp_result_write(&f->all, f->text, f->len, w);
}

/* ---- grouped findings -------------------------------------------------- */

static void set_attr(json_t *o, const char *key, const ms_findings *f, size_t idx, const char *type)
{
    json_object_set_new(o, key, ms_fx_text(f, ms_fx_attr(f, idx, type)));
}

/* What Comprehend Medical inferred (never set by the local engine, so its
 * output is unchanged): "snomedct", and "concept", the description of the
 * main code (desc: the ICD-10-CM / RxNorm one, else SNOMED CT's). */
static void set_inferred(json_t *o, const ms_nlp_entity *e, const char *desc)
{
    if (e->snomedct)
        json_object_set_new(o, "snomedct", json_string(e->snomedct));
    if (!desc)
        desc = e->snomedct_desc;
    if (desc)
        json_object_set_new(o, "concept", json_string(desc));
}

static json_t *medication_json(const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    json_t *o = json_object();
    json_object_set_new(o, "text", ms_fx_text(f, e));
    json_object_set_new(o, "generic", e->canonical ? json_string(e->canonical) : json_null());
    json_object_set_new(o, "class", e->med_class ? json_string(e->med_class) : json_null());
    set_attr(o, "strength", f, i, "STRENGTH");
    set_attr(o, "dosage", f, i, "DOSAGE");
    set_attr(o, "route", f, i, "ROUTE_OR_MODE");
    set_attr(o, "form", f, i, "FORM");
    set_attr(o, "frequency", f, i, "FREQUENCY");
    set_attr(o, "duration", f, i, "DURATION");
    set_attr(o, "rate", f, i, "RATE");
    /* not taken: negated ("no aspirin") or stopped ("ramipril (held)") */
    json_object_set_new(o, "negated", json_boolean(ms_fx_has_trait(e, "NEGATION") ||
                                                   ms_fx_med_stopped(f, e)));
    const char *rx = e->rxnorm;
    if (!rx && e->code && (!e->code_system || strcmp(e->code_system, "RxNorm") == 0))
        rx = e->code;
    if (rx)
        json_object_set_new(o, "rxnorm", json_string(rx));
    set_inferred(o, e, e->rxnorm_desc);
    return o;
}

/* Where a mention is, what section role it has and how it reads there:
 * the evidence for its condition's status. */
static json_t *mention_json(const ms_findings *f, size_t i, ms_fx_status status)
{
    const ms_nlp_entity *e = &f->all.v[i];
    json_t *o = json_object();
    json_object_set_new(o, "begin", json_integer((json_int_t)e->begin));
    json_object_set_new(o, "end", json_integer((json_int_t)e->end));
    json_object_set_new(o, "text", ms_fx_text(f, e));
    json_object_set_new(o, "section", json_string(ms_section_role_name(ms_section_role_of(e->section))));
    json_object_set_new(o, "status", json_string(ms_fx_status_name[status]));
    json_t *traits = json_array();
    for (int t = 0; t < e->ntraits; t++)
        json_array_append_new(traits, json_string(e->traits[t].name));
    json_object_set_new(o, "traits", traits);
    return o;
}

#define MAX_EVIDENCE 32 /* mentions listed per condition */

static json_t *condition_json(const ms_findings *f, const ms_fx_cond *c)
{
    size_t i = c->rep;
    const ms_nlp_entity *e = &f->all.v[i];
    json_t *o = json_object();
    json_object_set_new(o, "text", ms_fx_text(f, e));
    json_object_set_new(o, "canonical", e->canonical ? json_string(e->canonical) : json_null());
    json_object_set_new(o, "lay", e->lay ? json_string(e->lay) : json_null());
    set_attr(o, "acuity", f, i, "ACUITY");
    json_t *traits = json_array();
    for (int t = 0; t < e->ntraits; t++)
        json_array_append_new(traits, json_string(e->traits[t].name));
    json_object_set_new(o, "traits", traits);
    /* an inferred ICD-10-CM code wins over the lexicon's */
    if (e->icd10cm)
        json_object_set_new(o, "icd10cm", json_string(e->icd10cm));
    else if (e->code && e->code_system && strcmp(e->code_system, "ICD-10-CM") == 0)
        json_object_set_new(o, "icd10cm", json_string(e->code));
    set_inferred(o, e, e->icd10cm_desc);
    json_object_set_new(o, "status", json_string(ms_fx_status_name[c->status]));
    json_object_set_new(o, "concluded", json_boolean(c->concluded));
    json_object_set_new(o, "mixed", json_boolean(c->mixed));
    json_t *ev = json_array();
    for (size_t k = 0; k < c->n && k < MAX_EVIDENCE; k++)
        json_array_append_new(ev, mention_json(f, f->cond_mentions[c->first + k],
                                               (ms_fx_status)f->cond_status[c->first + k]));
    json_object_set_new(o, "mentions", ev);
    return o;
}

static json_t *procedure_json(const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    json_t *o = json_object();
    json_object_set_new(o, "text", ms_fx_text(f, e));
    json_object_set_new(o, "type", json_string(e->type));
    json_object_set_new(o, "canonical", e->canonical ? json_string(e->canonical) : json_null());
    json_object_set_new(o, "negated", json_boolean(ms_fx_has_trait(e, "NEGATION")));
    set_inferred(o, e, NULL);
    return o;
}

/* Which list of "findings" entity i goes to; FX_NONE for attributes and
 * what no list shows. The one place that decides, so the JSON and the
 * typed counts (ms_findings_summarize) cannot disagree. */
typedef enum fx_group {
    FX_NONE,
    FX_ALLERGY,
    FX_MEDICATION,
    FX_CONDITION,
    FX_TEST,
    FX_PROCEDURE
} fx_group;

static fx_group group_of(const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    if (e->parent >= 0 || e->is_attribute)
        return FX_NONE;
    if (ms_fx_is_allergy(f, e))
        return FX_ALLERGY;
    if (ms_fx_is(e, "MEDICATION"))
        return ms_fx_names_test(f, i) ? FX_NONE : FX_MEDICATION;
    if (ms_fx_is(e, "MEDICAL_CONDITION"))
        return ms_fx_is_reaction(f, e) || ms_fx_in_lab_row(f, i) ? FX_NONE : FX_CONDITION;
    if (ms_fx_is(e, "TEST_TREATMENT_PROCEDURE"))
        return ms_fx_is_test(f, i) ? FX_TEST : FX_PROCEDURE;
    return FX_NONE;
}

json_t *ms_findings_json(const ms_findings *f)
{
    json_t *meds = json_array(), *allergies = json_array(), *procs = json_array();
    json_t *cond[MS_FX_NSTATUS];
    for (int s = 0; s < MS_FX_NSTATUS; s++)
        cond[s] = json_array();
    for (size_t i = 0; i < f->all.n; i++) {
        const ms_nlp_entity *e = &f->all.v[i];
        switch (group_of(f, i)) {
        case FX_ALLERGY: {
            json_t *a = json_object();
            json_object_set_new(a, "text", ms_fx_text(f, e));
            json_object_set_new(a, "canonical", e->canonical ? json_string(e->canonical) : json_null());
            json_object_set_new(a, "reaction", ms_fx_text(f, ms_fx_allergy_reaction(f, i)));
            json_array_append_new(allergies, a);
            break;
        }
        case FX_MEDICATION:
            json_array_append_new(meds, medication_json(f, i));
            break;
        case FX_CONDITION:
            break; /* one item per condition, below */
        case FX_TEST:
            break; /* listed by ms_fx_tests_json() */
        case FX_PROCEDURE:
            json_array_append_new(procs, procedure_json(f, i));
            break;
        case FX_NONE:
            break;
        }
    }
    for (size_t k = 0; k < f->nallergens; k++) {
        const ms_fx_allergen *al = &f->allergens[k];
        json_t *a = json_object();
        json_object_set_new(a, "text", json_stringn(f->text + al->b, al->e - al->b));
        json_object_set_new(a, "canonical", json_string(al->name));
        json_object_set_new(a, "reaction", ms_fx_text(f, ms_fx_reaction_at(f, al->b, al->e)));
        json_array_append_new(allergies, a);
    }
    for (size_t c = 0; c < f->nconds; c++)
        json_array_append_new(cond[f->conds[c].status], condition_json(f, &f->conds[c]));
    json_t *conditions = json_object();
    for (int s = 0; s < MS_FX_NSTATUS; s++)
        json_object_set_new(conditions, ms_fx_status_name[s], cond[s]);
    json_t *o = json_object();
    json_object_set_new(o, "medications", meds);
    json_object_set_new(o, "allergies", allergies);
    json_object_set_new(o, "conditions", conditions);
    json_object_set_new(o, "tests", ms_fx_tests_json(f));
    json_object_set_new(o, "procedures", procs);
    return o;
}

/* An affirmed condition's name as condition_json shows it ("lay", else
 * "canonical"), unless it is there already or the list is full. */
static int add_name(ms_summary *s, const ms_nlp_entity *e)
{
    /* a composed finding (no canonical) has only its head's plain words
     * ("a small lump"): too vague to name it alone */
    const char *name = !e->canonical ? NULL : e->lay ? e->lay : e->canonical;
    if (!name || s->naffirmed_names == MS_SUMMARY_MAX_NAMES)
        return 0;
    for (int k = 0; k < s->naffirmed_names; k++)
        if (strcmp(s->affirmed_names[k], name) == 0)
            return 0;
    if (!(s->affirmed_names[s->naffirmed_names] = strdup(name)))
        return -1;
    s->naffirmed_names++;
    return 0;
}

int ms_findings_summarize(const ms_findings *f, ms_summary *s)
{
    for (size_t i = 0; i < f->all.n; i++) {
        switch (group_of(f, i)) {
        case FX_ALLERGY:
            s->allergies++;
            break;
        case FX_MEDICATION:
            s->medications++;
            break;
        case FX_TEST:
            break; /* rows the engine did not name count too: below */
        case FX_PROCEDURE:
            s->procedures++;
            break;
        case FX_NONE:
            break;
        case FX_CONDITION:
            break; /* counted per condition, below */
        }
    }
    s->allergies += (int)f->nallergens;
    s->tests = ms_fx_tests_count(f);
    for (size_t c = 0; c < f->nconds; c++) {
        switch (f->conds[c].status) {
        case MS_FX_AFFIRMED:
            s->conditions_affirmed++;
            if (add_name(s, &f->all.v[f->conds[c].rep]) != 0)
                return -1;
            break;
        case MS_FX_NEGATED:
            s->conditions_negated++;
            break;
        case MS_FX_UNCERTAIN:
            s->conditions_uncertain++;
            break;
        case MS_FX_HISTORICAL:
            s->conditions_historical++;
            break;
        case MS_FX_FAMILY:
            s->conditions_family++;
            break;
        case MS_FX_NOT_PATIENT:
            s->conditions_not_patient++;
            break;
        case MS_FX_NSTATUS:
            break;
        }
    }
    return 0;
}

const char *const ms_fx_status_name[MS_FX_NSTATUS] = {
    "affirmed", "negated", "uncertain", "historical", "family", "not_patient",
};
