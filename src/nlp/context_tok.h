/* context_tok.h -- tokens for the ConText pass (context.c). Internal to
 * the NLP engine. */
#ifndef MS_NLP_CONTEXT_TOK_H
#define MS_NLP_CONTEXT_TOK_H

#include <stddef.h>
#include <stdint.h>

#define WLEN 32          /* token bytes, NUL included */

enum { T_WORD, T_COMMA, T_COLON, T_SEMI, T_OPEN, T_CLOSE };

typedef struct {
    char w[WLEN];        /* lower case; "" if the word is too long */
    uint8_t type;
    uint8_t nl;          /* a line break before it, since the last token */
    uint8_t lc;          /* written with a lower-case first letter */
} token;

/* Tokens of t[a, b) into out (at most max): words (lower-cased, "" when
 * longer than WLEN - 1), ',', ':', ';', '(' and ')'; other punctuation is
 * skipped. Returns the count. */
size_t ms__ctx_tokenize(const char *t, size_t a, size_t b, token *out, size_t max);

#endif
