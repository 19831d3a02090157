/* engine.c -- the local clinical entity engine: tokenise, look up the
 * compiled lexicon (longest match, no overlaps), find attributes, add PHI
 * and time expressions (phi.c), sections and ConText traits (sections.c,
 * context.c). The result as DetectEntitiesV2 JSON: result_json.c.
 *
 * Entity scores (deterministic): a lexicon match scores 0.95 when the text
 * is written exactly as the lexicon writes it (or the entry is
 * case-sensitive), 0.90 when only letter case differs, and 0.75 when only
 * case differs and the entry is an abbreviation of at most three
 * characters ("cbc" for "CBC"). Attribute scores: see attrs.c.
 *
 * A short all-capitals condition abbreviation is dropped where the context
 * says it is something else: half of a glued compound ("LC-MS/MS"), a
 * method or accreditation ("CAP accredited"), a code, a credential ("Jane
 * Roe, MD, DM"), the posterior descending artery ("RCA/PDA"); these
 * readings of a match in its context are in sense.c. */
#include "nlp/nlp.h"
#include "nlp/context.h"
#include "nlp/nlp_internal.h"
#include "nlp/phi.h"
#include "nlp/sections.h"

#include <stdlib.h>
#include <string.h>

ms_nlp_engine *ms_nlp_engine_new(void)
{
    ms_nlp_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->lex = &ms_lex_main;
    e->vocab = ms_lex_index_build(ms__attr_vocab, ms__attr_vocab_n);
    if (!e->vocab) { free(e); return NULL; }
    return e;
}

void ms_nlp_engine_free(ms_nlp_engine *e)
{
    if (!e) return;
    ms_lex_index_free(e->vocab);
    free(e);
}

void ms_nlp_result_free(ms_nlp_result *r)
{
    if (!r) return;
    ms_nlp_scratch *sc = r->scratch;
    if (sc) {
        free(sc->tk.v);
        free(sc->sp);
        free(sc);
    }
    free(r->v);
    for (void *b = r->arena; b;) {
        void *next = *(void **)b;
        free(b);
        b = next;
    }
    memset(r, 0, sizeof *r);
}

static const char *const lt_names[] = {
    [MS_LT_GENERIC_NAME] = "GENERIC_NAME", [MS_LT_BRAND_NAME] = "BRAND_NAME",
    [MS_LT_TEST_NAME] = "TEST_NAME", [MS_LT_DIAGNOSIS] = "DIAGNOSIS",
    [MS_LT_SIGN] = "SIGN", [MS_LT_SYMPTOM] = "SYMPTOM",
    [MS_LT_PROCEDURE_NAME] = "PROCEDURE_NAME",
    [MS_LT_TREATMENT_NAME] = "TREATMENT_NAME",
    [MS_LT_SYSTEM_ORGAN_SITE] = "SYSTEM_ORGAN_SITE", [MS_LT_DIRECTION] = "DIRECTION",
};

static float lex_score(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en)
{
    if (en->cs) return 0.95f;
    /* exact spelling? compare the tokens with the surface form */
    const unsigned char *k = (const unsigned char *)en->surface;
    bool exact = true;
    for (size_t j = 0; j < en->ntok && exact; j++) {
        if (j) k++;
        MS_LEX_FOLD_EACH(c->s, c->t[i + j].b, c->t[i + j].e, 0,
                         (exact = exact && *k == _c, k += exact ? 1 : 0));
    }
    if (exact) return 0.95f;
    return strlen(en->key) <= 3 ? 0.75f : 0.90f;
}

static int emit_lex(ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en)
{
    const char *cat, *type = lt_names[en->type];
    switch (en->kind) {
    case MS_LEX_MED: cat = "MEDICATION"; break;
    case MS_LEX_COND: cat = "MEDICAL_CONDITION"; type = "DX_NAME"; break;
    case MS_LEX_ANAT: cat = "ANATOMY"; break;
    default: cat = "TEST_TREATMENT_PROCEDURE"; break;
    }
    const ms_tok *a = &c->t[i], *z = &c->t[i + m - 1];
    int k = ms__nlp_emit(c, a->b, z->e, a->cb, z->ce, i, i + m, en->kind, cat, type,
                        lex_score(c, i, en));
    if (k < 0) return -1;
    ms_nlp_entity *x = &c->out->v[k];
    if (en->kind == MS_LEX_COND) {
        x->traits[0].name = lt_names[en->type];
        x->traits[0].score = 0.90f;
        x->ntraits = 1;
        if (en->neg) {   /* "afebrile", "nontender": the word itself says no */
            x->traits[1].name = "NEGATION";
            x->traits[1].score = 0.90f;
            x->ntraits = 2;
            x->negated_form = true;
        }
    }
    x->canonical = en->canonical;
    x->lay = en->lay;
    x->med_class = en->med_class;
    x->code = en->code;
    if (en->code)
        x->code_system = en->kind == MS_LEX_MED ? "RxNorm"
                         : en->kind == MS_LEX_COND ? "ICD-10-CM" : NULL;
    if (!x->code_system) x->code = NULL;
    x->unit = en->unit;
    x->has_range = en->has_range;
    x->range_low = en->low;
    x->range_high = en->high;
    return 0;
}

/* "Acute pancreatitis" is a lexicon row of its own (it has its own code),
 * but the service reports the acuity as an ACUITY attribute of
 * "pancreatitis". When a condition match starts with an acuity word and the
 * rest is a condition of its own, emit the rest, keeping what the lexicon
 * knows about the whole phrase; attrs.c then links the acuity word. Returns
 * true when it did (false on no split, or out of memory: then the caller
 * emits the whole phrase). */
static bool split_acuity(ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *full)
{
    const ms_lex_entry *ac = NULL, *rest = NULL;
    size_t a = ms_match_longest(c->e->vocab, c->s, c->t, c->nt, i, MS_AV_ACUITY,
                                (size_t)-1, &ac);
    if (!a || a >= m)
        return false;
    size_t r = ms_match_longest(c->e->lex, c->s, c->t, c->nt, i + a, -1, (size_t)-1, &rest);
    if (r != m - a || rest->kind != MS_LEX_COND)
        return false;
    if (emit_lex(c, i + a, r, rest) < 0)
        return false;
    ms_nlp_entity *x = &c->out->v[c->out->n - 1];
    x->canonical = full->canonical;
    if (full->lay)
        x->lay = full->lay;
    x->code = full->code;
    x->code_system = full->code ? "ICD-10-CM" : NULL;
    return true;
}

/* "Cervical carcinoma in situ", "squamous cell carcinoma in situ": a
 * cancer name the lexicon knows, then "in situ", which the lexicon does
 * not know with that name. Without this the longer match stops before
 * "in situ" and the patient reads "cervical carcinoma" -- a cancer --
 * for cells that have not spread. Returns the tokens of "in situ" (2) or
 * 0. */
static size_t in_situ_after(const ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en)
{
    static const char *const HEADS[] = {"carcinoma", "cancer", "melanoma", "adenocarcinoma",
                                        "neoplasia", "neoplasm", "ca"};
    char w[24];
    size_t k = i + m;
    if (en->kind != MS_LEX_COND || k + 1 >= c->nt || !ms__tok_word(c, i + m - 1, w, sizeof w) ||
        !ms__word_in(w, HEADS, sizeof HEADS / sizeof *HEADS))
        return 0;
    char a[8], b[8];
    if ((c->t[k].flags & MS_TF_NL) || (c->t[k + 1].flags & MS_TF_NL) ||
        !ms__tok_word(c, k, a, sizeof a) || !ms__tok_word(c, k + 1, b, sizeof b) ||
        strcmp(a, "in") != 0 || strcmp(b, "situ") != 0)
        return 0;
    return 2;
}

static int emit_in_situ(ms_nlp_ctx *c, size_t i, size_t n, const ms_lex_entry *en)
{
    if (emit_lex(c, i, n, en) < 0)
        return -1;
    ms_nlp_entity *x = &c->out->v[c->out->n - 1];
    char w[24];
    bool mel = ms__tok_word(c, i + n - 3, w, sizeof w) && strcmp(w, "melanoma") == 0;
    /* no canonical: its text is its name (the site's cancer name is not
     * it, and two of them in one report are two findings) */
    x->canonical = NULL;
    x->lay = mel ? "melanoma cells only in the top layer of the skin"
                 : "abnormal cells that have not spread beyond where they started";
    x->code = NULL;
    x->code_system = NULL;
    return 0;
}

/* First token whose end is after byte b. */
static size_t tok_at(const ms_tok *t, size_t nt, size_t b)
{
    size_t lo = 0, hi = nt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].e <= b) lo = mid + 1; else hi = mid;
    }
    return lo;
}

static const char *time_type(const ms_nlp_entity *x)
{
    if (strcmp(x->category, "MEDICATION") == 0) return "TIME_TO_MEDICATION_NAME";
    if (strcmp(x->category, "MEDICAL_CONDITION") == 0) return "TIME_TO_DX_NAME";
    if (strcmp(x->type, "TEST_NAME") == 0) return "TIME_TO_TEST_NAME";
    if (strcmp(x->type, "PROCEDURE_NAME") == 0) return "TIME_TO_PROCEDURE_NAME";
    return "TIME_TO_TREATMENT_NAME";
}

/* Keep PHI that does not overlap the engine's own entities; link each time
 * expression to the nearest medical entity in its sentence (10 tokens) or
 * drop it, as the service reports time expressions only when linked. */
static void merge_phi(ms_nlp_ctx *c, size_t ntop, size_t nmine, uint8_t *mark)
{
    ms_nlp_result *r = c->out;
    const ms_espan *sp = c->sc->sp;
    size_t w = nmine;
    for (size_t i = nmine; i < r->n; i++) {
        ms_nlp_entity x = r->v[i];
        if (x.byte_end <= x.byte_begin || x.byte_end > c->len) continue;
        size_t t0 = tok_at(c->t, c->nt, x.byte_begin), t1 = t0;
        bool clash = false;
        while (t1 < c->nt && c->t[t1].b < x.byte_end) clash |= mark[t1++] != 0;
        if (clash || t1 == t0) continue;
        if (x.category && strcmp(x.category, "TIME_EXPRESSION") == 0) {
            size_t lo = 0, hi = ntop;   /* first top-level entity at/after t0 */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (sp[mid].t0 < t0) lo = mid + 1; else hi = mid;
            }
            int best = -1;
            size_t bestd = 11;
            for (int side = 0; side < 2; side++) {
                for (size_t j = side ? lo : lo; side ? j < ntop : j > 0; side ? j++ : j--) {
                    size_t k = side ? j : j - 1;
                    if (sp[k].kind == MS_LEX_ANAT) continue;
                    size_t a = side ? t1 : sp[k].t1, b = side ? sp[k].t0 : t0;
                    size_t d = b > a ? b - a : 0;
                    bool sent = false;
                    for (size_t q = a; q <= b && q < c->nt && !sent; q++)
                        sent = q > a - (a > 0) && (c->t[q].flags & MS_TF_SENT) && q != a - 1;
                    if (d < bestd && !sent) { bestd = d; best = (int)k; }
                    break;
                }
            }
            if (best < 0) continue;
            x.parent = best;
            x.is_attribute = true;
            x.type = time_type(&r->v[best]);
            x.relationship_type = "OVERLAP";
            x.relationship_score = 0.99f - 0.01f * (float)bestd;
        }
        r->v[w++] = x;
    }
    r->n = w;
}

int ms_nlp_detect(const ms_nlp_engine *e, const char *text, size_t len,
                  ms_nlp_result *out)
{
    out->n = 0;
    if (!out->scratch && !(out->scratch = calloc(1, sizeof(ms_nlp_scratch))))
        return -1;
    ms_nlp_scratch *sc = out->scratch;
    if (!text) len = 0;
    if (ms_tokenise(text, len, &sc->tk) < 0) return -1;
    ms_nlp_ctx c = {e, (const unsigned char *)text, len, sc->tk.v, sc->tk.n, out, sc};
    for (size_t i = 0; i < c.nt;) {
        const ms_lex_entry *en = NULL;
        if ((c.t[i].flags & MS_TF_WORD) && ms__pathology_cue(&c, i)) {
            /* "Margins: negative", "Lymph nodes: 0/12" (pathology.c) */
            int err = 0;
            size_t k = ms__pathology_at(&c, i, &err);
            if (err) return -1;
            if (k) { i += k; continue; }
        }
        size_t m = (c.t[i].flags & MS_TF_WORD)
                       ? ms_match_longest(e->lex, c.s, c.t, c.nt, i, -1, (size_t)-1, &en)
                       : 0;
        if (!m) {
            size_t k = (c.t[i].flags & MS_TF_WORD) ? ms__compose_before_site(&c, i) : 0;
            if (k && ms__compose_emit(&c, i, k) < 0)
                return -1;
            i += k ? k : 1;
            continue;
        }
        if (en->kind == MS_LEX_ANAT && en->type != MS_LT_DIRECTION) {
            size_t k = ms__compose_after_site(&c, i, m);
            if (k) {
                if (ms__compose_emit(&c, i, k) < 0)
                    return -1;
                i += k;
                continue;
            }
        }
        if (en->kind == MS_LEX_COND && m == 1) {
            /* "erythema of the right nasopharynx": a one-word condition
             * with its site after it (compose.c) */
            size_t k = ms__compose_before_site(&c, i);
            if (k) {
                if (ms__compose_emit(&c, i, k) < 0)
                    return -1;
                i += k;
                continue;
            }
        }
        if (m == 1 && ms__sense_elsewhere(&c, i, en)) {
            i++;
            continue;
        }
        if (ms__sense_names_other(&c, i, m, en)) {
            i += m;
            continue;
        }
        if (en->kind == MS_LEX_COND && m > 1 && split_acuity(&c, i, m, en)) {
            i += m;
            continue;
        }
        size_t situ = in_situ_after(&c, i, m, en);
        if (situ) {
            if (emit_in_situ(&c, i, m + situ, en) < 0)
                return -1;
            i += m + situ;
            continue;
        }
        if (!(en->kind == MS_LEX_ANAT && en->type == MS_LT_DIRECTION) &&
            emit_lex(&c, i, m, en) < 0)
            return -1;
        i += m;
    }
    size_t ntop = out->n;
    if (ms__attrs_run(&c, ntop) < 0) return -1;
    size_t nmine = out->n;
    uint8_t *mark = calloc(c.nt ? c.nt : 1, 1);
    if (!mark) return -1;
    for (size_t i = 0; i < nmine; i++)
        for (size_t k = sc->sp[i].t0; k < sc->sp[i].t1; k++) mark[k] = 1;
    int rc = ms_phi_find(text, len, out);
    merge_phi(&c, ntop, nmine, mark);
    free(mark);
    if (rc < 0) return -1;
    ms_sections_mark(text, len, out->v, out->n);
    ms_context_apply(text, len, out->v, out->n);
    return 0;
}
