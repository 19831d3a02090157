/* pathology.c -- what a pathology report says of its margins and lymph nodes.
 *
 * The two facts a patient most wants from a cancer resection are written as
 * statements about a place, not as a finding word: "Margins: Negative",
 * "Inked surgical margin: Uninvolved by carcinoma", "the deep margin is free
 * of tumor", "Lymph nodes: 0/12", "Number of positive lymph nodes: 0",
 * "twelve lymph nodes, negative for metastatic carcinoma". No lexicon row
 * can match them, and the value ("negative", "0/12") is what decides. This
 * module names the finding those statements are about -- "positive surgical
 * margin" and "lymph node metastases", the canonical names of their rows in
 * conditions.tsv -- over the word "margin(s)" / "lymph node(s)", negated
 * (the entity's negated_form, as "afebrile") when the value says absent,
 * affirmed when it says present. Anything else -- "Margins: close (1 mm)",
 * "cannot be assessed", "costal margin", "lymph nodes are not enlarged",
 * "Lymph nodes: negative" on an examination -- names nothing: a margin needs
 * its value right after it (":", "is/are", ","), and a lymph-node statement
 * needs a count or a tumour word, so that an examination's "lymph nodes
 * negative" is not read as a cancer staging.
 *
 *   [label] margin(s) (:|,|is|are|was|were) [all|both|widely|focally] VALUE
 *       VALUE absent:  negative, uninvolved, not involved, free/clear of ...,
 *                      and (after ':' only) free, clear
 *       VALUE present: positive, involved
 *   lymph node(s) ... 0/N | 0 of N | (positive|involved): 0      -> absent
 *   lymph node(s) ... N/N with positive|involved|metasta*|carcinoma|tumor
 *                                                               -> present
 *   lymph node(s) ... negative for | free of | no [evidence of] TUMOUR-WORD
 *                                                               -> absent
 *   lymph node(s) ... positive for | with metastatic TUMOUR-WORD -> present
 *   negative|uninvolved|(with) free [LABEL] margin(s)           -> absent
 *   number of positive|involved lymph nodes: N                   -> by N */
#include "nlp/nlp_internal.h"

#include <stdlib.h>
#include <string.h>

#define MARGIN_NAME MS_NLP_MARGIN_FINDING
#define MARGIN_LAY "abnormal cells at the edge of the removed tissue"
#define NODE_NAME "lymph node metastases"
#define NODE_LAY "cancer spread to lymph nodes"

/* the statement's extent: tokens after the subject up to the end of its
 * line or sentence, at most this many */
#define SPAN 14

static bool punct_at(const ms_nlp_ctx *c, size_t k, char ch)
{
    return k < c->nt && !(c->t[k].flags & MS_TF_WORD) && c->t[k].e == c->t[k].b + 1 &&
           c->s[c->t[k].b] == (unsigned char)ch;
}

/* Does token k start a new line or sentence (the statement ends before it)? */
static bool ends_before(const ms_nlp_ctx *c, size_t k)
{
    return k >= c->nt || (c->t[k].flags & (MS_TF_NL | MS_TF_SENT)) || punct_at(c, k, ';');
}

/* A small whole number at token k (no decimals): its value, or -1. */
static long count_at(const ms_nlp_ctx *c, size_t k)
{
    if (k >= c->nt || !(c->t[k].flags & MS_TF_NUM) || c->t[k].e - c->t[k].b > 3) return -1;
    long v = 0;
    for (size_t b = c->t[k].b; b < c->t[k].e; b++) {
        if (c->s[b] == '.') return -1;
        v = v * 10 + (c->s[b] - '0');
    }
    return v;
}

/* one word that says which margin ("negative bronchial margin") */
static const char *const LABEL[] = {
    "surgical", "resection", "bronchial", "vascular", "deep", "peripheral", "lateral", "radial",
    "circumferential", "mucosal", "distal", "proximal", "inked", "excision", "parenchymal",
};

static const char *const TUMOUR[] = {
    "carcinoma", "malignancy", "tumor", "tumour", "metastasis", "metastases", "metastatic",
    "malignant", "neoplasm", "melanoma", "lymphoma", "adenocarcinoma", "cancer", "disease",
};

static bool tumour_word(const ms_nlp_ctx *c, size_t k)
{
    char b[24];
    return ms__tok_word(c, k, b, sizeof b) &&
           ms__word_in(b, TUMOUR, sizeof TUMOUR / sizeof *TUMOUR);
}

/* 1: the value at k says absent, 2: present, 0: neither. colon: it follows
 * "label:" (where "free" and "clear" alone are a margin's value). */
static int margin_value(const ms_nlp_ctx *c, size_t k, bool colon)
{
    char w[24], nx[24];
    if (ends_before(c, k) && !colon) return 0;
    if (!ms__tok_word(c, k, w, sizeof w)) return 0;
    bool has_nx = !ends_before(c, k + 1) && ms__tok_word(c, k + 1, nx, sizeof nx);
    if (!strcmp(w, "negative") || !strcmp(w, "uninvolved")) return 1;
    if (!strcmp(w, "not") && has_nx && !strcmp(nx, "involved")) return 1;
    if (!strcmp(w, "free") || !strcmp(w, "clear")) {
        if (has_nx && (!strcmp(nx, "of") || !strcmp(nx, "from"))) return 1;
        /* "Margins: free." / "Margins: clear, 4 mm" -- the item's whole value */
        return colon && (ends_before(c, k + 1) || punct_at(c, k + 1, ',') ||
                         punct_at(c, k + 1, '.') || punct_at(c, k + 1, '('))
                   ? 1 : 0;
    }
    if (!strcmp(w, "positive") || !strcmp(w, "involved")) return 2;
    return 0;
}

/* Token i is "margin" or "margins": the value of its statement, or 0. */
static int margin_statement(const ms_nlp_ctx *c, size_t i)
{
    static const char *const VERB[] = {"is", "are", "was", "were"};
    static const char *const ADV[] = {"all", "both", "widely", "focally", "each"};
    size_t k = i + 1;
    bool colon = punct_at(c, k, ':');
    char w[24];
    if (colon || punct_at(c, k, ','))
        k++;
    else if (ms__tok_word(c, k, w, sizeof w) && ms__word_in(w, VERB, 4))
        k++;
    else if (!ms__tok_word(c, k, w, sizeof w) || (strcmp(w, "negative") && strcmp(w, "free") &&
                                                  strcmp(w, "positive") && strcmp(w, "uninvolved")))
        return 0;   /* "margins negative", "margins free of tumor" */
    if (!colon && ends_before(c, k)) return 0;
    if (ms__tok_word(c, k, w, sizeof w) && ms__word_in(w, ADV, sizeof ADV / sizeof *ADV)) k++;
    return margin_value(c, k, colon);
}

/* Tokens i.. spell "lymph node(s)": its length (2), or 0. */
static size_t lymph_nodes_at(const ms_nlp_ctx *c, size_t i)
{
    return ms__tok_is(c, i, "lymph") && (ms__tok_is(c, i + 1, "nodes") || ms__tok_is(c, i + 1, "node"))
               ? 2 : 0;
}

/* The statement about the lymph nodes at [i, i+2): 1 absent, 2 present, 0. */
static int nodes_statement(const ms_nlp_ctx *c, size_t i)
{
    char w[24];
    /* "number of positive lymph nodes: 0" / "positive lymph nodes: 2" */
    bool counted = i > 0 && (ms__tok_is(c, i - 1, "positive") || ms__tok_is(c, i - 1, "involved"));
    size_t k = i + 2;
    if (!counted && (ms__tok_is(c, k, "positive") || ms__tok_is(c, k, "involved"))) {
        counted = true;   /* "lymph nodes positive: 0", "lymph nodes involved: 0" */
        k++;
    }
    if (counted && punct_at(c, k, ':')) {
        long n = count_at(c, k + 1);
        return n < 0 ? 0 : n == 0 ? 1 : 2;
    }
    bool cue = false, neg_for = false, pos_for = false;
    for (size_t q = i + 2; q < i + 2 + SPAN && !ends_before(c, q); q++) {
        /* a count: "0/12", "(0/12)", "0 of 12" */
        long n = count_at(c, q);
        if (n >= 0 && (punct_at(c, q + 1, '/') || ms__tok_is(c, q + 1, "of")) &&
            count_at(c, q + 2) > 0 && n <= count_at(c, q + 2)) {
            if (n == 0) return 1;
            for (size_t r = i + 2; r < i + 2 + SPAN && !ends_before(c, r) && !cue; r++)
                cue = tumour_word(c, r) || ms__tok_is(c, r, "positive") || ms__tok_is(c, r, "involved");
            return cue ? 2 : 0;
        }
        if (!ms__tok_word(c, q, w, sizeof w)) continue;
        /* "negative for metastatic carcinoma", "free of tumor", "with no
         * metastatic tumor"; "positive for", "with metastatic carcinoma" */
        size_t r = q + 1;
        int says = 0;
        if ((!strcmp(w, "negative") || !strcmp(w, "positive")) && ms__tok_is(c, r, "for")) {
            says = w[0] == 'n' ? 1 : 2;
            r++;
        } else if (!strcmp(w, "free") && ms__tok_is(c, r, "of")) {
            says = 1;
            r++;
        } else if (!strcmp(w, "no")) {
            says = 1;
            if (ms__tok_is(c, r, "evidence") && ms__tok_is(c, r + 1, "of")) r += 2;
        } else if (!strcmp(w, "with") && ms__tok_is(c, r, "metastatic")) {
            says = 2;
        }
        if (!says) continue;
        if (ms__tok_is(c, r, "metastatic") || ms__tok_is(c, r, "residual") ||
            ms__tok_is(c, r, "malignant"))
            r += !(says == 2 && !strcmp(w, "with"));
        if (tumour_word(c, r)) {
            if (says == 2) pos_for = true; else neg_for = true;
        }
    }
    return neg_for && !pos_for ? 1 : pos_for && !neg_for ? 2 : 0;
}

static int emit(ms_nlp_ctx *c, size_t i, size_t n, bool absent, const char *name,
                const char *lay)
{
    const ms_tok *a = &c->t[i], *z = &c->t[i + n - 1];
    int k = ms__nlp_emit(c, a->b, z->e, a->cb, z->ce, i, i + n, MS_LEX_COND,
                         "MEDICAL_CONDITION", "DX_NAME", 0.85f);
    if (k < 0) return -1;
    ms_nlp_entity *x = &c->out->v[k];
    x->traits[0].name = "SIGN";
    x->traits[0].score = 0.85f;
    x->ntraits = 1;
    if (absent) {
        x->traits[1].name = "NEGATION";
        x->traits[1].score = 0.85f;
        x->ntraits = 2;
        x->negated_form = true;
    }
    x->canonical = name;
    x->lay = lay;
    return 0;
}

size_t ms__pathology_at(ms_nlp_ctx *c, size_t i, int *err)
{
    if (!ms__pathology_cue(c, i)) return 0;
    unsigned ch = c->s[c->t[i].b] | 0x20;
    int v = 0;
    size_t n = 0, from = i;   /* the entity is [from, i + n) */
    if (ch == 'm' && (ms__tok_is(c, i, "margin") || ms__tok_is(c, i, "margins"))) {
        v = margin_statement(c, i);
        n = 1;
        /* "excised with negative (surgical) margins": the value before it,
         * over tokens no entity took */
        size_t j = i;
        char w[24];
        if (!v && j > 0 && ms__tok_word(c, j - 1, w, sizeof w) &&
            ms__word_in(w, LABEL, sizeof LABEL / sizeof *LABEL))
            j--;
        /* "free" names a margin's state only before a label or with
         * "with" ("with free resection margin"): an eyelid has a "free
         * margin" of its own */
        bool free_ok = j < i || (j > 1 && ms__tok_is(c, j - 2, "with"));
        if (!v && j > 0 && !ms__tok_is(c, i + 1, "of") &&
            (ms__tok_is(c, j - 1, "negative") || ms__tok_is(c, j - 1, "uninvolved") ||
             (free_ok && ms__tok_is(c, j - 1, "free")))) {
            v = 1;
            /* over the value and label unless an entity took them ("bronchial") */
            if (c->out->n == 0 || c->sc->sp[c->out->n - 1].t1 <= j - 1)
                from = j - 1;
        }
    } else if (ch == 'l' && (n = lymph_nodes_at(c, i))) {
        v = nodes_statement(c, i);
    }
    if (!v) return 0;
    bool margin = ch == 'm';
    if (emit(c, from, i + n - from, v == 1, margin ? MARGIN_NAME : NODE_NAME,
             margin ? MARGIN_LAY : NODE_LAY) < 0)
        *err = -1;
    return n;
}
