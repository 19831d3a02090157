/* nlp_internal.h -- state shared by the engine's own modules (engine.c,
 * attrs.c, emit.c, compose.c). Not part of the public contract. */
#ifndef MS_NLP_INTERNAL_H
#define MS_NLP_INTERNAL_H

#include "nlp/match.h"
#include "nlp/nlp.h"

/* Attribute vocabulary types (ms_lex_entry.type in the run-time index). */
enum {
    MS_AV_DOSE_UNIT = 0,   /* mg, mL, units, tablets ... (after a number) */
    MS_AV_VOL_UNIT,        /* mL, L, tab ... (strength denominators) */
    MS_AV_PER_TIME,        /* hr, h, min (rate denominators) */
    MS_AV_TIME_UNIT,       /* days, weeks, times ... (durations) */
    MS_AV_FREQ,            /* daily, bid, as needed ... */
    MS_AV_ROUTE,           /* po, IV, by mouth ... */
    MS_AV_FORM,            /* tab, capsule, inhaler ... */
    MS_AV_NUMWORD,         /* one .. twelve */
    MS_AV_ARTICLE,         /* a, an (only in "for a week") */
    MS_AV_LEAD_FOR,        /* for (not part of the DURATION text) */
    MS_AV_LEAD_X,          /* x (part of the DURATION text: "x 7 days") */
    MS_AV_EVERY,           /* every */
    MS_AV_TEST_UNIT,       /* mg/dL, %, x10^9/L, mmHg ... */
    MS_AV_TEST_WORD,       /* positive, negative, normal ... */
    MS_AV_TEST_FILLER,     /* was, of, :, = ... between a test and value */
    MS_AV_TEST_CMP,        /* less than, greater than ... (part of the value) */
    MS_AV_ACUITY,          /* acute, chronic, subacute, acute on chronic */
    MS_AV_DIRECTION,       /* left, right, bilateral ... (before a site) */
    MS_AV_DIRECTION_POST,  /* bilaterally (after a site) */
    MS_AV_KG,              /* kg (mg/kg) */
    MS_AV_OF,              /* of (between a dose and its medication) */
};

extern const ms_lex_phrase ms__attr_vocab[];
extern const size_t ms__attr_vocab_n;

struct ms_nlp_engine {
    const ms_lex_index *lex;     /* compiled lexicon */
    ms_lex_index *vocab;         /* attribute vocabulary */
};

/* Token span and lexicon kind of each engine-made entity (parallel to
 * out->v while the engine works). */
typedef struct ms_espan {
    size_t t0, t1;
    int kind;                    /* MS_LEX_*, or -1 for an attribute */
} ms_espan;

typedef struct ms_nlp_scratch {
    ms_toks tk;
    ms_espan *sp;
    size_t spcap;
} ms_nlp_scratch;

typedef struct ms_nlp_ctx {
    const ms_nlp_engine *e;
    const unsigned char *s;
    size_t len;
    const ms_tok *t;
    size_t nt;
    ms_nlp_result *out;
    ms_nlp_scratch *sc;
} ms_nlp_ctx;

/* emit.c */

/* Append an entity covering bytes [bb, be) / code points [cb, ce) with
 * token span [t0, t1). Returns its index, or -1 on OOM. */
int ms__nlp_emit(ms_nlp_ctx *c, size_t bb, size_t be, size_t cb, size_t ce,
                size_t t0, size_t t1, int kind, const char *category,
                const char *type, float score);

/* Attach an attribute spanning tokens [t0, t1) (or sub-token byte range
 * when sub_b/sub_e differ from the token bounds) to parent. */
int ms__nlp_emit_attr(ms_nlp_ctx *c, size_t t0, size_t t1, size_t sub_b,
                     size_t sub_e, int parent, const char *category,
                     const char *type, float score, float rel_score);

/* compose.c: findings named by a site and a finding word. Each returns
 * the tokens of the composed finding starting at i (0: none). */

/* A site matched at [i, i+m) followed by [modifier] head: "meniscal tear". */
size_t ms__compose_after_site(const ms_nlp_ctx *c, size_t i, size_t m);
/* A head at i followed by "of [the] [direction] site": "tear of the medial
 * meniscus". */
size_t ms__compose_before_site(const ms_nlp_ctx *c, size_t i);
/* Emit tokens [i, i+n) as a composed condition (SIGN, no canonical). */
int ms__compose_emit(ms_nlp_ctx *c, size_t i, size_t n);

/* sense.c: is a lexicon match, in its context, what the lexicon names? */

/* Token i folded to lower case without dots into buf (at most n-1 bytes);
 * false if it is not a word or too long. */
bool ms__tok_word(const ms_nlp_ctx *c, size_t i, char *buf, size_t n);
/* Is token i the word w (lower case, compared without regard to case)? */
bool ms__tok_is(const ms_nlp_ctx *c, size_t i, const char *w);
/* Is w one of the n words of l? */
bool ms__word_in(const char *w, const char *const *l, size_t n);
/* The one-token match at i is something else here (an abbreviation out of
 * clinical context, an instrument's name, a word without its cue, a word
 * in its physical sense): not emitted. */
bool ms__sense_elsewhere(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en);
/* The match [i, i+m) names a test, vaccine, scale or site rather than a
 * finding: not emitted. */
bool ms__sense_names_other(const ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en);

/* pathology.c: a pathology report's statement about its margins or lymph
 * nodes at token i ("Margins: negative", "Lymph nodes: 0/12") emitted as
 * "positive surgical margin" / "lymph node metastases", negated or not.
 * Returns the tokens consumed from i (0: no such statement); *err = -1 on
 * out of memory. */
size_t ms__pathology_at(ms_nlp_ctx *c, size_t i, int *err);
/* Could token i start such a statement ("margin(s)", "lymph")? Inline:
 * the engine asks it of every word. */
static inline bool ms__pathology_cue(const ms_nlp_ctx *c, size_t i)
{
    unsigned ch = c->s[c->t[i].b] | 0x20;
    size_t len = c->t[i].e - c->t[i].b;
    return (ch == 'm' && (len == 6 || len == 7)) || (ch == 'l' && len == 5);
}

/* attrs.c */

/* Find and link the attributes of the top-level entities out->v[0, ntop). */
int ms__attrs_run(ms_nlp_ctx *c, size_t ntop);

#endif
