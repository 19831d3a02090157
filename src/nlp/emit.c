/* emit.c -- appending entities and attributes to a result, used by the
 * engine (lexicon matches, PHI) and by attrs.c (attributes). It sits below
 * both so that attrs.c never calls back into engine.c. Contracts:
 * nlp_internal.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp_internal.h"

static ms_nlp_entity *grow(ms_nlp_ctx *c)
{
    ms_nlp_result *r = c->out;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        ms_nlp_entity *nv = realloc(r->v, nc * sizeof *nv);
        if (!nv) return NULL;
        r->v = nv;
        r->cap = nc;
    }
    ms_nlp_scratch *sc = c->sc;
    if (r->n >= sc->spcap) {
        size_t nc = r->cap;
        ms_espan *ns = realloc(sc->sp, nc * sizeof *ns);
        if (!ns) return NULL;
        sc->sp = ns;
        sc->spcap = nc;
    }
    ms_nlp_entity *en = &r->v[r->n];
    memset(en, 0, sizeof *en);
    en->parent = -1;
    return en;
}

int ms__nlp_emit(ms_nlp_ctx *c, size_t bb, size_t be, size_t cb, size_t ce,
                size_t t0, size_t t1, int kind, const char *category,
                const char *type, float score)
{
    ms_nlp_entity *en = grow(c);
    if (!en) return -1;
    en->byte_begin = bb;
    en->byte_end = be;
    en->begin = cb;
    en->end = ce;
    en->category = category;
    en->type = type;
    en->score = score;
    c->sc->sp[c->out->n] = (ms_espan){t0, t1, kind};
    return (int)c->out->n++;
}

static size_t cps(const unsigned char *s, size_t n, size_t b, size_t e)
{
    size_t k = 0;
    while (b < e) {
        uint32_t cp;
        b += s[b] < 0x80 ? 1 : ms_lex_decode(s, n, b, &cp);
        k++;
    }
    return k;
}

int ms__nlp_emit_attr(ms_nlp_ctx *c, size_t t0, size_t t1, size_t sub_b,
                     size_t sub_e, int parent, const char *category,
                     const char *type, float score, float rel_score)
{
    const ms_tok *a = &c->t[t0], *z = &c->t[t1 - 1];
    size_t cb = a->cb + cps(c->s, c->len, a->b, sub_b);
    size_t ce = z->ce - cps(c->s, c->len, sub_e, z->e);
    int i = ms__nlp_emit(c, sub_b, sub_e, cb, ce, t0, t1, -1, category, type, score);
    if (i < 0) return -1;
    ms_nlp_entity *en = &c->out->v[i];
    en->parent = parent;
    en->is_attribute = true;
    en->relationship_type = type;
    en->relationship_score = rel_score;
    return i;
}
