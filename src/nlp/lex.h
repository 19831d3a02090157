/* lex.h -- compiled lexicon tables and the tokenisation rules shared by the
 * build-time generator (src/nlp/tools/lexgen.c) and the run-time matcher.
 *
 * A lexicon entry's surface form is cut into tokens by ms_lex_next_token();
 * its key is the ASCII-case-folded tokens joined by single spaces. The hash
 * table is open-addressed over ms_lex_seq_hash() of the token hashes, and
 * holds every key plus every proper prefix of a key (flag MS_LEX_SLOT_PREFIX)
 * so a longest-match scan stops as soon as no entry can continue. Entries with
 * the same key are contiguous (first, count), ordered by kind priority.
 * Everything here is static data: no allocation, no parse at startup. */
#ifndef MS_NLP_LEX_H
#define MS_NLP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_LEX_MAX_TOK 8

/* Kinds in match priority order (lower wins on an equal span). */
enum {
    MS_LEX_MED = 0,
    MS_LEX_TEST,
    MS_LEX_COND,
    MS_LEX_PROC,
    MS_LEX_ANAT,
    MS_LEX_ATTR,          /* run-time attribute vocabulary (attrs.c) */
};

/* Types (per kind). */
enum {
    MS_LT_GENERIC_NAME = 0, MS_LT_BRAND_NAME,          /* MED */
    MS_LT_TEST_NAME,                                   /* TEST, PROC */
    MS_LT_DIAGNOSIS, MS_LT_SIGN, MS_LT_SYMPTOM,        /* COND (trait) */
    MS_LT_PROCEDURE_NAME, MS_LT_TREATMENT_NAME,        /* PROC */
    MS_LT_SYSTEM_ORGAN_SITE, MS_LT_DIRECTION,          /* ANAT */
};

typedef struct ms_lex_entry {
    const char *key;         /* folded tokens joined by ' ' */
    const char *surface;     /* tokens as written joined by ' ' */
    uint8_t ntok;
    uint8_t kind;
    uint8_t type;            /* MS_LT_* (or an attribute code for MS_LEX_ATTR) */
    uint8_t cs;              /* case-sensitive entry */
    uint8_t neg;             /* a negated form ("afebrile": fever, negated) */
    const char *canonical, *lay, *med_class, *code, *unit;
    bool has_range;
    double low, high;
} ms_lex_entry;

#define MS_LEX_SLOT_ENTRY  1u
#define MS_LEX_SLOT_PREFIX 2u

typedef struct ms_lex_slot {
    uint64_t hash;
    uint32_t first;
    uint16_t count;
    uint16_t flags;          /* 0 = empty slot */
} ms_lex_slot;

/* The filter: one bit per ms_lex_filter_bit() of every slot's hash (every
 * key and every proper prefix of a key). A clear bit means no key starts
 * with those tokens, so the matcher rejects most report words, and most
 * continuations of a word that does start a key ("patient" + "was"), with
 * one load from a bit table small enough to stay in cache instead of a
 * probe into the large slot table (a cache miss each: they were most of the
 * matcher's time). */
typedef struct ms_lex_index {
    const ms_lex_entry *entries;
    size_t nentries;
    const ms_lex_slot *slots;
    size_t mask;             /* slot count - 1 (a power of two) */
    const uint64_t *filter;  /* filter words; NULL = no filter */
    size_t filter_mask;      /* filter bit count - 1 (a power of two) */
} ms_lex_index;

/* The generated tables (${build}/generated/lexicon_tables.c). */
extern const ms_lex_index ms_lex_main;

/* ---- tokenisation rules ------------------------------------------------ */

enum { MS_CC_SPACE = 0, MS_CC_WORD, MS_CC_PUNCT };

/* Decode one code point at s[i] (i < n). Invalid or truncated sequences
 * are one opaque code point of one byte (*cp = 0xFFFD). Returns its length. */
static inline size_t ms_lex_decode(const unsigned char *s, size_t n, size_t i,
                                   uint32_t *cp)
{
    unsigned c = s[i];
    if (c < 0x80) { *cp = c; return 1; }
    size_t need; uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { need = 1; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; v = c & 0x07; min = 0x10000; }
    else { *cp = 0xFFFD; return 1; }
    if (n - i <= need) { *cp = 0xFFFD; return 1; }
    for (size_t k = 1; k <= need; k++) {
        unsigned d = s[i + k];
        if ((d & 0xC0) != 0x80) { *cp = 0xFFFD; return 1; }
        v = (v << 6) | (d & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD; return 1;
    }
    *cp = v;
    return need + 1;
}

static inline int ms_lex_class(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return MS_CC_WORD;
        if (cp >= '0' && cp <= '9') return MS_CC_WORD;
        if (cp == ' ' || (cp >= 9 && cp <= 13)) return MS_CC_SPACE;
        return MS_CC_PUNCT;
    }
    if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F ||
        cp == 0x205F || cp == 0x3000 || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x85 || cp == 0xFEFF)
        return MS_CC_SPACE;
    if (cp == 0xB5 || cp == 0xB2 || cp == 0xB3 || cp == 0xB9 || cp == 0xAA ||
        cp == 0xBA)
        return MS_CC_WORD;                 /* micro sign, superscripts */
    if ((cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
        (cp >= 0x2010 && cp <= 0x205E) || (cp >= 0x2190 && cp <= 0x23FF) ||
        (cp >= 0x2500 && cp <= 0x27BF) || (cp >= 0x3001 && cp <= 0x3003) ||
        cp == 0xFFFD || (cp >= 0xFE30 && cp <= 0xFE6F) ||
        (cp >= 0xFF01 && cp <= 0xFF0F))
        return MS_CC_PUNCT;
    return MS_CC_WORD;                     /* letters of every script */
}

/* A joiner ('-', '\'', U+2019, '.') inside a word keeps the word whole when
 * a word character follows: "x-ray", "Crohn's", "b.i.d", "3.5". */
static inline bool ms_lex_is_joiner(uint32_t cp)
{
    return cp == '-' || cp == '\'' || cp == 0x2019 || cp == '.';
}

/* Next token at or after *pos: a word (run of word characters and internal
 * joiners) or one punctuation code point. Sets [*tb, *te) and *pos = *te.
 * *cps receives the number of code points skipped + consumed if non-NULL.
 * Returns MS_CC_WORD, MS_CC_PUNCT, or MS_CC_SPACE at end of input. */
static inline int ms_lex_next_token(const unsigned char *s, size_t n,
                                    size_t *pos, size_t *tb, size_t *te)
{
    size_t i = *pos;
    uint32_t cp;
    while (i < n) {
        size_t l = ms_lex_decode(s, n, i, &cp);
        int cc = ms_lex_class(cp);
        if (cc == MS_CC_SPACE) { i += l; continue; }
        *tb = i;
        if (cc == MS_CC_PUNCT) { *te = *pos = i + l; return MS_CC_PUNCT; }
        i += l;
        while (i < n) {
            if (s[i] < 0x80) {
                unsigned c = s[i];
                if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
                    (c >= '0' && c <= '9')) { i++; continue; }
                if ((c == '-' || c == '\'' || c == '.') && i + 1 < n) {
                    uint32_t nx;
                    ms_lex_decode(s, n, i + 1, &nx);
                    if (ms_lex_class(nx) == MS_CC_WORD) { i++; continue; }
                }
                break;
            }
            l = ms_lex_decode(s, n, i, &cp);
            int c2 = ms_lex_class(cp);
            if (c2 == MS_CC_WORD) { i += l; continue; }
            if (cp == 0x2019 && i + l < n) {
                uint32_t nx;
                ms_lex_decode(s, n, i + l, &nx);
                if (ms_lex_class(nx) == MS_CC_WORD) { i += l; continue; }
            }
            break;
        }
        *te = *pos = i;
        return MS_CC_WORD;
    }
    *pos = n;
    return MS_CC_SPACE;
}

/* Folded byte stream of a token: ASCII lower case, U+2019 -> '\''.
 * fold != 0 lowers case; 0 keeps it (case-sensitive entries). */
#define MS_LEX_FOLD_EACH(s, b, e, fold, OUT)                                 \
    do {                                                                     \
        for (size_t _i = (b); _i < (e); _i++) {                              \
            unsigned _c = (s)[_i];                                           \
            if (_c == 0xE2 && _i + 2 < (e) && (s)[_i + 1] == 0x80 &&         \
                (s)[_i + 2] == 0x99) { _c = '\''; _i += 2; }                 \
            else if ((fold) && _c >= 'A' && _c <= 'Z') _c |= 0x20;           \
            OUT;                                                             \
        }                                                                    \
    } while (0)

static inline uint64_t ms_lex_tok_hash(const unsigned char *s, size_t b,
                                       size_t e)
{
    uint64_t h = 0xcbf29ce484222325ull;
    MS_LEX_FOLD_EACH(s, b, e, 1, (h ^= _c, h *= 0x100000001b3ull));
    return h;
}

#define MS_LEX_SEQ_SEED 0x9E3779B97F4A7C15ull

static inline uint64_t ms_lex_seq_step(uint64_t h, uint64_t tok_hash)
{
    h = ((h << 5) | (h >> 59)) ^ tok_hash;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static inline size_t ms_lex_slot_of(uint64_t h, size_t mask)
{
    return (size_t)(h ^ (h >> 29)) & mask;
}

/* Filter bit of a slot hash: high bits, independent of the slot. */
static inline size_t ms_lex_filter_bit(uint64_t h, size_t filter_mask)
{
    return (size_t)(h >> 37) & filter_mask;
}

/* Filter size for n slot hashes: about 8 bits per hash (a false "maybe"
 * for roughly one absent sequence in nine), at least 4,096 bits. */
static inline size_t ms_lex_filter_size(size_t n)
{
    size_t bits = 4096;
    while (bits < 8 * n) bits <<= 1;
    return bits;
}

#endif
