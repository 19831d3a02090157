/* findings_allergens.c -- allergies to what is not a medicine.
 *
 * The entity engine (and Comprehend Medical) names medicines; an allergy
 * list also holds latex, foods, stings, contrast dye and tape ("Latex -
 * rash. Shellfish - throat swelling.", "allergic to peanuts"). A patient
 * must see those too. This module reads the words of a small allergen list
 * where an allergy is being told -- in an Allergies section, or in the
 * sentence after "allergic to" / "allergy to" / "allergies to" -- and
 * keeps each allergen once, with its reaction on the line (the same rule
 * as a medicine's). It never reads: a word an entity already names ("peanut
 * allergy", a medicine), a word after a no in its sentence ("no latex
 * allergy", "does not eat fish"), or anywhere else in the report ("latex
 * gloves" in an operation note). The entity list is not changed: these
 * are listed under findings.allergies and in the patient text only. */
#include "stages/findings_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nlp/sections.h"

/* words as written (longest first where one starts another), and the name shown */
static const struct {
    const char *word, *name;
} ALLERGENS[] = {
    {"latex", "latex"},
    {"shellfish", "shellfish"}, {"shrimp", "shrimp"}, {"seafood", "seafood"},
    {"tree nuts", "tree nuts"}, {"tree nut", "tree nuts"},
    {"peanuts", "peanuts"}, {"peanut", "peanuts"}, {"nuts", "nuts"},
    {"eggs", "eggs"}, {"egg", "eggs"}, {"milk", "milk"}, {"dairy", "dairy"},
    {"soy", "soy"}, {"wheat", "wheat"}, {"gluten", "gluten"}, {"fish", "fish"},
    {"strawberries", "strawberries"}, {"sesame", "sesame"},
    {"bee stings", "bee stings"}, {"bee sting", "bee stings"}, {"bee venom", "bee stings"},
    {"bees", "bee stings"}, {"wasp stings", "wasp stings"}, {"wasps", "wasp stings"},
    {"insect stings", "insect stings"},
    {"iodinated contrast", "contrast dye"}, {"contrast dye", "contrast dye"},
    {"contrast media", "contrast dye"}, {"contrast medium", "contrast dye"},
    {"iv contrast", "contrast dye"}, {"iv dye", "contrast dye"}, {"contrast", "contrast dye"},
    {"dye", "contrast dye"}, {"iodine", "iodine"},
    {"nickel", "nickel"}, {"adhesive tape", "adhesive tape"}, {"adhesives", "adhesive tape"},
    {"adhesive", "adhesive tape"}, {"tape", "adhesive tape"},
    {"nsaids", "NSAIDs"}, {"nsaid", "NSAIDs"}, {"sulfites", "sulfites"},
    {"pollen", "pollen"}, {"dust mites", "dust mites"}, {"gelatin", "gelatin"},
};

#define NALLERGENS (sizeof ALLERGENS / sizeof *ALLERGENS)

/* a sentence that says no before the allergen */
static const char *const NO[] = {"no", "not", "denies", "denied", "none", "nka", "negative",
                                 "without", "never"};
/* a no before these is about something else: "no drug allergies but allergic to latex" */
static const char *const TURN[] = {"but", "except", "however", "though"};
static const char *const CUES[] = {"allergic to", "allergy to", "allergies to",
                                   "allergic reaction to", "sensitivity to"};

/* The allergen word at k (a whole word), its length into *n, or -1. */
static int allergen_at(const char *t, size_t len, size_t k, size_t *n)
{
    if (k > 0 && (isalnum((unsigned char)t[k - 1]) || t[k - 1] == '-'))
        return -1;
    int c0 = tolower((unsigned char)t[k]);
    for (size_t a = 0; a < NALLERGENS; a++) {
        const char *w = ALLERGENS[a].word;
        if (c0 != w[0])
            continue;
        size_t l = strlen(w);
        if (k + l > len || strncasecmp(t + k, w, l) != 0)
            continue;
        if (k + l < len && (isalnum((unsigned char)t[k + l]) || t[k + l] == '-'))
            continue;
        *n = l;
        return (int)a;
    }
    return -1;
}

/* Where the allergen's sentence starts (after '.', ';', a newline or 300 bytes). */
static size_t sentence_start(const char *t, size_t k)
{
    size_t s = k;
    while (s > 0 && k - s < 300 && t[s - 1] != '.' && t[s - 1] != ';' && t[s - 1] != '\n')
        s--;
    return s;
}

static bool covered(const ms_findings *f, size_t b, size_t e)
{
    for (size_t i = 0; i < f->all.n; i++) {
        const ms_nlp_entity *x = &f->all.v[i];
        if (!x->is_attribute && x->byte_begin < e && b < x->byte_end)
            return true;
    }
    return false;
}

/* Does t say "allerg..." anywhere (an Allergies heading, "allergic to")?
 * Most reports that do not have nothing for this module to read. */
static bool mentions_allergy(const char *t, size_t len)
{
    for (size_t k = 0; k + 5 <= len; k++)
        if ((t[k] | 0x20) == 'a' && (t[k + 1] | 0x20) == 'l' && (t[k + 2] | 0x20) == 'l' &&
            (t[k + 3] | 0x20) == 'e' && (t[k + 4] | 0x20) == 'r')
            return true;
    return false;
}

int ms_fx_allergens_build(ms_findings *f)
{
    const char *t = f->text;
    f->allergens = NULL;
    f->nallergens = 0;
    if (!mentions_allergy(t, f->len))
        return 0;
    /* candidates first, then one sections pass over them all */
    size_t cap = 0, n = 0;
    ms_nlp_entity *c = NULL;
    int *which = NULL;
    for (size_t k = 0; k < f->len; k++) {
        size_t l;
        int a = isalpha((unsigned char)t[k]) ? allergen_at(t, f->len, k, &l) : -1;
        if (a < 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            ms_nlp_entity *nv = realloc(c, nc * sizeof *nv);
            int *nw = nv ? realloc(which, nc * sizeof *nw) : NULL;
            if (nv) c = nv;
            if (nw) which = nw;
            if (!nv || !nw) {
                free(c);
                free(which);
                return -1;
            }
            cap = nc;
        }
        memset(&c[n], 0, sizeof c[n]);
        c[n].byte_begin = k;
        c[n].byte_end = k + l;
        which[n++] = a;
        k += l - 1;
    }
    if (n)
        ms_sections_mark(t, f->len, c, n);
    for (size_t i = 0; i < n; i++) {
        size_t b = c[i].byte_begin, e = c[i].byte_end, s = sentence_start(t, b);
        bool told = c[i].section == MS_SEC_ALLERGIES ||
                    ms_fx_has_any(t, s, b, CUES, sizeof CUES / sizeof *CUES);
        size_t from = s;
        for (size_t k = s; k < b; k++)
            for (size_t w = 0; w < sizeof TURN / sizeof *TURN; w++)
                if (ms_fx_word_here(t, b, k, TURN[w])) from = k;
        if (!told || ms_fx_has_any(t, from, b, NO, sizeof NO / sizeof *NO) || covered(f, b, e))
            continue;
        const char *name = ALLERGENS[which[i]].name;
        bool seen = false;
        for (size_t j = 0; j < f->nallergens && !seen; j++)
            seen = strcmp(f->allergens[j].name, name) == 0;
        if (seen)
            continue;
        ms_fx_allergen *nv = realloc(f->allergens, (f->nallergens + 1) * sizeof *nv);
        if (!nv) {
            free(c);
            free(which);
            return -1;
        }
        f->allergens = nv;
        f->allergens[f->nallergens++] = (ms_fx_allergen){b, e, name};
    }
    free(c);
    free(which);
    return 0;
}
