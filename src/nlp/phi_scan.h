/* phi_scan.h -- byte-level scanning helpers shared by the PHI matchers
 * (phi.c: identifiers, dates, numbers, addresses; phi_words.c: time
 * expressions, names, professions). Internal to the NLP engine. Every
 * helper is bounds-checked through AT(): reading past the end gives 0. */
#ifndef MS_NLP_PHI_SCAN_H
#define MS_NLP_PHI_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline bool is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline bool is_lo(unsigned char c) { return c >= 'a' && c <= 'z'; }
static inline bool is_al(unsigned char c) { return is_up(c) || is_lo(c); }
static inline bool is_dg(unsigned char c) { return c >= '0' && c <= '9'; }
static inline bool is_an(unsigned char c) { return is_al(c) || is_dg(c); }
static inline unsigned char lc(unsigned char c) { return is_up(c) ? c + 32 : c; }

typedef struct {
    const char *t;
    size_t len;
} txt;

#define AT(i) ((i) < x->len ? (unsigned char)x->t[(i)] : 0)

static inline size_t run_alnum(const txt *x, size_t i)
{
    while (i < x->len && is_an(AT(i)))
        i++;
    return i;
}

static inline size_t run_alpha(const txt *x, size_t i)
{
    while (i < x->len && is_al(AT(i)))
        i++;
    return i;
}

static inline size_t run_digit(const txt *x, size_t i)
{
    while (i < x->len && is_dg(AT(i)))
        i++;
    return i;
}

/* Spaces and tabs only. */
static inline size_t skip_sp(const txt *x, size_t i)
{
    while (i < x->len && (AT(i) == ' ' || AT(i) == '\t'))
        i++;
    return i;
}

/* Is [a, b) equal to the lower-case word w, ignoring case? */
static inline bool eq_ci(const txt *x, size_t a, size_t b, const char *w)
{
    /* first letter before strlen: this runs for every word of the text */
    if (b <= a || lc(AT(a)) != (unsigned char)w[0])
        return b <= a && w[0] == '\0';
    size_t n = strlen(w);
    if (b - a != n)
        return false;
    for (size_t k = 0; k < n; k++)
        if (lc(AT(a + k)) != (unsigned char)w[k])
            return false;
    return true;
}

static inline int in_list(const txt *x, size_t a, size_t b, const char *const *l,
                   size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (eq_ci(x, a, b, l[k]))
            return (int)k;
    return -1;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Number value of digits [a, b), capped. */
static inline long num(const txt *x, size_t a, size_t b)
{
    long v = 0;
    for (size_t i = a; i < b && i < a + 9; i++)
        v = v * 10 + (AT(i) - '0');
    return v;
}


static inline bool word_at(const txt *x, size_t i, const char *w, size_t *end)
{
    size_t n = strlen(w);
    if (i + n > x->len || !eq_ci(x, i, i + n, w) || is_an(AT(i + n)))
        return false;
    *end = i + n;
    return true;
}

/* Separator between age words: '-', or blanks. */
static inline size_t sep(const txt *x, size_t i)
{
    if (AT(i) == '-')
        return i + 1;
    return skip_sp(x, i);
}

/* Word-led matchers in phi_words.c: each returns the end of its match, or 0. */
size_t ms_phi_time(const txt *x, size_t i);
/* A titled or labelled name; *nb receives where the name starts. */
size_t ms_phi_name(const txt *x, size_t i, size_t *nb);
/* A profession after a cue; *pb receives where the profession starts. */
size_t ms_phi_profession(const txt *x, size_t i, size_t *pb);

#endif
