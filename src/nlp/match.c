/* match.c -- one-pass UTF-8 tokeniser and hash-table longest match.
 *
 * Tokens follow the rules in lex.h (shared with the build-time generator,
 * so a lexicon phrase and the same words in a report tokenise alike). The
 * scan is linear: each token is decoded once, and a lookup extends a phrase
 * token by token only while the table says some entry continues it (prefix
 * slots), at most MS_LEX_MAX_TOK tokens. */
#include "nlp/match.h"

#include <stdlib.h>
#include <string.h>

/* Code points in s[b, e). ASCII bytes count one each without decoding. */
static size_t count_cps(const unsigned char *s, size_t n, size_t b, size_t e)
{
    size_t c = 0;
    while (b < e) {
        if (s[b] < 0x80) { b++; c++; continue; }
        uint32_t cp;
        b += ms_lex_decode(s, n, b, &cp);
        c++;
    }
    return c;
}

int ms_tokenise(const char *text, size_t len, ms_toks *tk)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = 0, tb, te, cp = 0, prev_e = 0;
    int cc;
    bool sent = true;
    tk->n = 0;
    while ((cc = ms_lex_next_token(s, len, &pos, &tb, &te)) != MS_CC_SPACE) {
        if (tk->n == tk->cap) {
            size_t nc = tk->cap ? tk->cap * 2 : 1024;
            ms_tok *nv = realloc(tk->v, nc * sizeof *nv);
            if (!nv) return -1;
            tk->v = nv;
            tk->cap = nc;
        }
        ms_tok *t = &tk->v[tk->n++];
        uint32_t fl = 0;
        int nls = 0;
        bool ascii = true;
        for (size_t i = prev_e; i < tb; i++) {
            if (s[i] == '\n') nls++;
            ascii &= s[i] < 0x80;
        }
        if (nls) fl |= MS_TF_NL;
        if (nls > 1) fl |= MS_TF_PARA;
        cp += ascii ? tb - prev_e : count_cps(s, len, prev_e, tb);
        t->b = tb;
        t->e = te;
        t->cb = cp;
        /* one loop over an ASCII token: its hash (ms_lex_tok_hash: the
         * U+2019 fold needs a byte >= 0x80) and whether it has a capital;
         * a token with other bytes takes the general functions */
        uint64_t h = 0xcbf29ce484222325ull;
        bool upper = false;
        for (size_t i = tb; i < te && ascii; i++) {
            unsigned c = s[i];
            ascii = c < 0x80;
            upper |= c >= 'A' && c <= 'Z';
            h = (h ^ (c >= 'A' && c <= 'Z' ? c | 0x20 : c)) * 0x100000001b3ull;
        }
        if (ascii) {
            cp += te - tb;
            t->h = h;
        } else {
            cp += count_cps(s, len, tb, te);
            t->h = ms_lex_tok_hash(s, tb, te);
            upper = false;
            for (size_t i = tb; i < te; i++)
                if (s[i] >= 'A' && s[i] <= 'Z') { upper = true; break; }
        }
        t->ce = cp;
        if (cc == MS_CC_WORD) {
            fl |= MS_TF_WORD;
            unsigned c0 = s[tb];
            if (c0 >= '0' && c0 <= '9') {
                fl |= MS_TF_DIGIT;
                int dots = 0;
                bool num = true;
                for (size_t i = tb; i < te && num; i++) {
                    if (s[i] == '.') dots++;
                    else if (s[i] < '0' || s[i] > '9') num = false;
                }
                if (num && dots <= 1 && s[te - 1] != '.') fl |= MS_TF_NUM;
            }
            if (upper) fl |= MS_TF_UPPER;
        }
        /* Sentence starts: the first token, after a blank line, after
         * ';' '!' '?', and after '.' unless a lower-case word follows on
         * the same line (abbreviations: "1 tab. daily"). */
        if (sent || (fl & MS_TF_PARA)) fl |= MS_TF_SENT;
        sent = false;
        if (cc == MS_CC_PUNCT) {
            unsigned c = s[tb];
            if (c == ';' || c == '!' || c == '?') sent = true;
            else if (c == '.') {
                size_t q = te;
                while (q < len && (s[q] == ' ' || s[q] == '\t')) q++;
                sent = !(q < len && s[q] >= 'a' && s[q] <= 'z');
            }
        }
        t->flags = fl;
        prev_e = te;
    }
    return 0;
}

/* Does token range [i, i+ntok) (token i from byte b0) spell key/surface? */
static bool verify(const unsigned char *s, const ms_tok *t, size_t i,
                   size_t b0, const ms_lex_entry *en)
{
    const unsigned char *k = (const unsigned char *)(en->cs ? en->surface : en->key);
    int fold = !en->cs;
    for (size_t j = 0; j < en->ntok; j++) {
        if (j) { if (*k != ' ') return false; k++; }
        bool ok = true;
        size_t b = j == 0 ? b0 : t[i + j].b;
        MS_LEX_FOLD_EACH(s, b, t[i + j].e, fold,
                         (ok = ok && *k == _c, k += ok ? 1 : 0));
        if (!ok) return false;
    }
    return *k == 0;
}

size_t ms_match_longest(const ms_lex_index *ix, const unsigned char *s,
                        const ms_tok *t, size_t nt, size_t i, int type,
                        size_t sub_b, const ms_lex_entry **out)
{
    size_t best = 0;
    uint64_t h = MS_LEX_SEQ_SEED;
    size_t b0 = sub_b == (size_t)-1 ? t[i].b : sub_b;
    if (b0 >= t[i].e) return 0;
    for (size_t k = 0; k < MS_LEX_MAX_TOK && i + k < nt; k++) {
        uint64_t th = k == 0 && b0 != t[i].b ? ms_lex_tok_hash(s, b0, t[i].e)
                                             : t[i + k].h;
        h = ms_lex_seq_step(h, th);
        if (ix->filter) {
            size_t bit = ms_lex_filter_bit(h, ix->filter_mask);
            if (!(ix->filter[bit >> 6] >> (bit & 63) & 1)) break;
        }
        const ms_lex_slot *sl = NULL;
        for (size_t p = ms_lex_slot_of(h, ix->mask);; p = (p + 1) & ix->mask) {
            const ms_lex_slot *c = &ix->slots[p];
            if (!c->flags) break;
            if (c->hash == h) { sl = c; break; }
        }
        if (!sl) break;
        if (sl->flags & MS_LEX_SLOT_ENTRY) {
            for (uint32_t j = 0; j < sl->count; j++) {
                const ms_lex_entry *en = &ix->entries[sl->first + j];
                if (en->ntok != k + 1) continue;
                if (type >= 0 && en->type != type) continue;
                if (!verify(s, t, i, b0, en)) continue;
                best = k + 1;
                *out = en;
                break;
            }
        }
        if (!(sl->flags & MS_LEX_SLOT_PREFIX)) break;
    }
    return best;
}

/* ---- run-time index -------------------------------------------------- */

typedef struct built {
    ms_lex_index ix;
    ms_lex_entry *entries;
    ms_lex_slot *slots;
    uint64_t *filter;
    char *strings;
} built;

static int cmp_entry(const void *a, const void *b)
{
    const ms_lex_entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (int)x->type - (int)y->type;
}

static ms_lex_slot *slot_for(ms_lex_slot *slots, size_t mask, uint64_t h)
{
    for (size_t p = ms_lex_slot_of(h, mask);; p = (p + 1) & mask)
        if (!slots[p].flags || slots[p].hash == h) {
            slots[p].hash = h;
            return &slots[p];
        }
}

ms_lex_index *ms_lex_index_build(const ms_lex_phrase *p, size_t n)
{
    built *bt = calloc(1, sizeof *bt);
    if (!bt) return NULL;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += 2 * strlen(p[i].phrase) + 2;
    bt->strings = malloc(total ? total : 1);
    bt->entries = calloc(n ? n : 1, sizeof *bt->entries);
    size_t size = 64, ntoks = 0;
    for (size_t i = 0; i < n; i++) ntoks += MS_LEX_MAX_TOK;
    while (size < 2 * ntoks) size <<= 1;
    bt->slots = calloc(size, sizeof *bt->slots);
    size_t fbits = ms_lex_filter_size(ntoks);  /* ntoks bounds the slots used */
    bt->filter = calloc(fbits / 64, sizeof *bt->filter);
    if (!bt->strings || !bt->entries || !bt->slots || !bt->filter) {
        ms_lex_index_free(&bt->ix);
        return NULL;
    }
    char *sp = bt->strings;
    size_t ne = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *s = (const unsigned char *)p[i].phrase;
        size_t len = strlen(p[i].phrase), pos = 0, tb, te;
        char *key = sp;
        int nt = 0;
        while (ms_lex_next_token(s, len, &pos, &tb, &te) != MS_CC_SPACE) {
            if (nt++) *sp++ = ' ';
            MS_LEX_FOLD_EACH(s, tb, te, 1, *sp++ = (char)_c);
        }
        *sp++ = 0;
        if (nt == 0 || nt > MS_LEX_MAX_TOK) continue;
        ms_lex_entry *en = &bt->entries[ne++];
        en->key = en->surface = key;
        en->ntok = (uint8_t)nt;
        en->kind = MS_LEX_ATTR;
        en->type = (uint8_t)p[i].type;
    }
    qsort(bt->entries, ne, sizeof *bt->entries, cmp_entry);
    size_t mask = size - 1;
    for (size_t i = 0; i < ne; i++) {
        const unsigned char *k = (const unsigned char *)bt->entries[i].key;
        size_t len = strlen(bt->entries[i].key), pos = 0, tb, te;
        uint64_t h = MS_LEX_SEQ_SEED;
        unsigned left = bt->entries[i].ntok;
        while (ms_lex_next_token(k, len, &pos, &tb, &te) != MS_CC_SPACE) {
            h = ms_lex_seq_step(h, ms_lex_tok_hash(k, tb, te));
            ms_lex_slot *sl = slot_for(bt->slots, mask, h);
            size_t bit = ms_lex_filter_bit(h, fbits - 1);
            bt->filter[bit >> 6] |= 1ull << (bit & 63);
            if (--left) { sl->flags |= MS_LEX_SLOT_PREFIX; continue; }
            if (!(sl->flags & MS_LEX_SLOT_ENTRY)) { sl->first = (uint32_t)i; sl->count = 0; }
            sl->flags |= MS_LEX_SLOT_ENTRY;
            sl->count++;
        }
    }
    bt->ix.entries = bt->entries;
    bt->ix.nentries = ne;
    bt->ix.slots = bt->slots;
    bt->ix.mask = mask;
    bt->ix.filter = bt->filter;
    bt->ix.filter_mask = fbits - 1;
    return &bt->ix;
}

void ms_lex_index_free(ms_lex_index *ix)
{
    if (!ix) return;
    built *bt = (built *)ix;
    free(bt->strings);
    free(bt->entries);
    free(bt->slots);
    free(bt->filter);
    free(bt);
}
