/* match.h -- tokeniser and longest-match lookup over a compiled lexicon
 * index (lex.h). Internal to the NLP engine. */
#ifndef MS_NLP_MATCH_H
#define MS_NLP_MATCH_H

#include "nlp/lex.h"

#include <stddef.h>
#include <stdint.h>

/* Token flags. */
#define MS_TF_NL     0x01u   /* a line break in the gap before the token */
#define MS_TF_PARA   0x02u   /* a blank line in the gap before */
#define MS_TF_DIGIT  0x04u   /* starts with an ASCII digit */
#define MS_TF_NUM    0x08u   /* a plain number: digits with at most one '.' */
#define MS_TF_UPPER  0x10u   /* contains an ASCII upper-case letter */
#define MS_TF_WORD   0x20u   /* a word token (else one punctuation mark) */
#define MS_TF_SENT   0x40u   /* starts a new sentence (see match.c) */

typedef struct ms_tok {
    size_t b, e;             /* byte offsets */
    size_t cb, ce;           /* code point offsets */
    uint64_t h;              /* hash of the folded token */
    uint32_t flags;
} ms_tok;

typedef struct ms_toks {
    ms_tok *v;
    size_t n, cap;
} ms_toks;

/* Tokenise text into *tk (reusing its storage). 0, or -1 on OOM. */
int ms_tokenise(const char *text, size_t len, ms_toks *tk);

/* Longest entry of ix starting at token i. If type >= 0 only entries of
 * that type count (the run-time attribute vocabulary). If sub_b is not
 * (size_t)-1, token i is taken from byte sub_b to its end (a unit glued to
 * a number: "20mg"). Returns the number of tokens matched (0: none) and the
 * entry in *out. */
size_t ms_match_longest(const ms_lex_index *ix, const unsigned char *s,
                        const ms_tok *t, size_t nt, size_t i, int type,
                        size_t sub_b, const ms_lex_entry **out);

/* A run-time index built from phrase/type pairs (the attribute vocabulary).
 * Allocated once; ms_lex_index_free releases it. NULL on OOM. */
typedef struct ms_lex_phrase { const char *phrase; int type; } ms_lex_phrase;
ms_lex_index *ms_lex_index_build(const ms_lex_phrase *p, size_t n);
void ms_lex_index_free(ms_lex_index *ix);

#endif
