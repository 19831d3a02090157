/* context_tok.c -- the ConText pass's tokens: words in lower case,
 * commas, colons, semicolons and brackets, with a line-break mark (see
 * context_tok.h). */
#include "nlp/context_tok.h"

#include <stdbool.h>
#include <string.h>

static bool is_wordc(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c >= 0x80;
}

/* Is there a curly apostrophe (U+2019) at i? */
static bool curly_apos(const char *t, size_t i, size_t end)
{
    return i + 2 < end && (unsigned char)t[i] == 0xE2 &&
           (unsigned char)t[i + 1] == 0x80 && (unsigned char)t[i + 2] == 0x99;
}

size_t ms__ctx_tokenize(const char *t, size_t a, size_t b, token *out,
                       size_t max)
{
    size_t n = 0, i = a;
    bool nl = false;
    while (i < b && n < max) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\n')
            nl = true;
        if (is_wordc(c) && !curly_apos(t, i, b)) {
            token *tk = &out[n++];
            tk->type = T_WORD;
            tk->nl = nl;
            tk->lc = c >= 'a' && c <= 'z';
            nl = false;
            size_t k = 0;
            bool toolong = false;
            while (i < b) {
                unsigned char d = (unsigned char)t[i];
                char put;
                size_t adv = 1;
                if (curly_apos(t, i, b)) {
                    if (!(i + 3 < b && is_wordc((unsigned char)t[i + 3])))
                        break;
                    put = '\'';
                    adv = 3;
                } else if (is_wordc(d)) {
                    put = (char)((d >= 'A' && d <= 'Z') ? d + 32 : d);
                } else if ((d == '\'' || d == '/' || d == '-' || d == '.') &&
                           i + 1 < b && is_wordc((unsigned char)t[i + 1]) &&
                           !curly_apos(t, i + 1, b)) {
                    put = (char)d;
                } else {
                    break;
                }
                if (k < WLEN - 1)
                    tk->w[k++] = put;
                else
                    toolong = true;
                i += adv;
            }
            tk->w[toolong ? 0 : k] = '\0';
            continue;
        }
        if ((c == '-' || c == '+') && i + 2 < b && (t[i + 1] | 0x20) == 'v' &&
            (t[i + 2] | 0x20) == 'e' &&
            (i + 3 >= b || !is_wordc((unsigned char)t[i + 3])) &&
            (i == a || !is_wordc((unsigned char)t[i - 1]))) {
            token *tk = &out[n++];       /* "-ve" / "+ve" shorthand */
            tk->type = T_WORD;
            tk->nl = nl;
            tk->lc = 1;
            nl = false;
            memcpy(tk->w, c == '-' ? "-ve" : "+ve", 4);
            i += 3;
            continue;
        }
        size_t n0 = n;
        if (c == '(' && i + 2 < b && (t[i + 1] == '-' || t[i + 1] == '+') &&
            t[i + 2] == ')') {
            token *tk = &out[n++];       /* "(-)" / "(+)" marks */
            tk->type = T_WORD;
            memcpy(tk->w, t[i + 1] == '-' ? "(-)" : "(+)", 4);
            i += 2;
        } else if (c == '(' || c == ')' || c == '[' || c == ']') {
            token *tk = &out[n++];
            tk->type = (c == '(' || c == '[') ? T_OPEN : T_CLOSE;
            tk->w[0] = '\0';
        } else if (c == ',' || c == ':' || c == ';') {
            token *tk = &out[n++];
            tk->type = c == ',' ? T_COMMA : c == ':' ? T_COLON : T_SEMI;
            tk->w[0] = '\0';
        } else if (c == '?' && (i + 1 == b || is_wordc((unsigned char)t[i + 1]))) {
            /* "?appendicitis" (i + 1 == b: glued to the entity that ends
             * the range) */
            token *tk = &out[n++];
            tk->type = T_WORD;
            tk->w[0] = '?';
            tk->w[1] = '\0';
        } else if (c == '?' && out && n > 0 && out[n - 1].type == T_WORD) {
            /* "pneumonia?" -- a post uncertainty mark */
            token *tk = &out[n++];
            tk->type = T_WORD;
            tk->w[0] = '?';
            tk->w[1] = '\0';
        }
        if (n > n0) {
            out[n0].nl = nl;
            out[n0].lc = 0;
            nl = false;
        }
        i++;
    }
    return n;
}

/* ---- matching ---- */

/* Longest trigger starting at token i; -1 if none. *nw gets its length. */
