/* sentence.c -- sentence ends for the context rules (see sentence.h). */
#include "nlp/sentence.h"

#include <string.h>

static bool is_wordc(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c >= 0x80;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static bool is_abbrev_before(const char *t, size_t dot, size_t lo)
{
    size_t s = dot;
    while (s > lo && is_wordc((unsigned char)t[s - 1]) && dot - s < 6)
        s--;
    size_t n = dot - s;
    if (n == 0)
        return false;
    if (s > lo && is_wordc((unsigned char)t[s - 1]))
        return false;        /* longer word */
    if (n == 1 && ((t[s] >= 'a' && t[s] <= 'z') || (t[s] >= 'A' && t[s] <= 'Z')))
        return true;         /* initial, p.o., e.g. */
    static const char *const ab[] = {"dr", "mr", "mrs", "ms", "st", "vs",
                                     "approx", "pt", "pts", "no", "fig", "jr",
                                     "sr", "prof"};
    for (size_t k = 0; k < sizeof ab / sizeof ab[0]; k++) {
        if (strlen(ab[k]) != n)
            continue;
        size_t j = 0;
        while (j < n && (t[s + j] | 0x20) == ab[k][j])
            j++;
        if (j == n)
            return true;
    }
    return false;
}

bool ms__sentence_end_full(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    if (c == '!' || c == ';')
        return true;
    if (c == '?')
        return i + 1 >= len || is_space((unsigned char)t[i + 1]);
    if (c == '.' && i + 1 < len && t[i + 1] == ',' &&
        (i + 2 >= len || !(t[i + 2] >= 'a' && t[i + 2] <= 'z')))
        return true;   /* "members.,CORONARY RISK FACTORS:": a line end of
                          a flattened transcription */
    if (c == '.') {
        if (i + 1 < len && !is_space((unsigned char)t[i + 1]))
            return false;
        size_t j = i + 1, lim = i + 64 < len ? i + 64 : len;
        while (j < lim && is_space((unsigned char)t[j]))
            j++;
        if (j < len && t[j] >= 'a' && t[j] <= 'z')
            return false;
        size_t lo = i > 8 ? i - 8 : 0;
        return !is_abbrev_before(t, i, lo);
    }
    if (c == ' ' && i > 0 && t[i - 1] == ' ' && i + 1 < len &&
        t[i + 1] >= 'A' && t[i + 1] <= 'Z') {
        /* "...  REFERRING DIAGNOSIS: x" -- a heading inside a PDF line */
        size_t k = i + 1;
        while (k < len && k < i + 41 &&
               ((t[k] >= 'A' && t[k] <= 'Z') || t[k] == ' ' || t[k] == '/' ||
                t[k] == '&' || t[k] == '-'))
            k++;
        return k > i + 2 && k < len && t[k] == ':';
    }
    if (c == '\n') {
        /* a heading line in capitals ("HISTORY OF PRESENT ILLNESS") ends
         * here: its words are not triggers for the text below it */
        size_t h = i, letters = 0;
        bool lower = false;
        while (h > 0 && t[h - 1] != '\n' && i - h < 64 && !lower) {
            h--;
            letters += (t[h] >= 'A' && t[h] <= 'Z');
            lower = t[h] >= 'a' && t[h] <= 'z';   /* prose: stop at once */
        }
        if ((h == 0 || t[h - 1] == '\n') && !lower && letters >= 3)
            return true;
        size_t j = i + 1, lim = i + 64 < len ? i + 64 : len;
        while (j < lim && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r'))
            j++;
        if (j >= len)
            return true;
        unsigned char d = (unsigned char)t[j];
        if (d == '\n' || d == '-' || d == '*')
            return true;
        if (d == 0xE2 && j + 2 < len && (unsigned char)t[j + 1] == 0x80 &&
            (unsigned char)t[j + 2] == 0xA2)
            return true;     /* bullet */
        if (d >= '0' && d <= '9') {
            size_t k = j;
            while (k < len && k < j + 3 && t[k] >= '0' && t[k] <= '9')
                k++;
            if (k < len && (t[k] == '.' || t[k] == ')'))
                return true;
        }
        /* "HEADING:" or a list row's "Label:" ("Secondary: None",
         * "Hypertension: Yes") starting the next line: a trigger of one
         * row never reaches into the next. A label starts with a
         * capital: "deep vein\nthrombosis: calf swelling" is a sentence
         * wrapped by the layout, not a new row. */
        if (!(d >= 'A' && d <= 'Z'))
            return false;
        size_t k = j;
        int words = 1;
        while (k < len && k < j + 40 &&
               ((t[k] >= 'A' && t[k] <= 'Z') || (t[k] >= 'a' && t[k] <= 'z') ||
                t[k] == ' ' || t[k] == '/' || t[k] == '&' || t[k] == '-' ||
                t[k] == '(' || t[k] == ')' || t[k] == '\'')) {
            words += t[k] == ' ' && k + 1 < len && t[k + 1] != ' ';
            k++;
        }
        if (k > j + 1 && k < len && t[k] == ':' && words <= 5 &&
            (k + 1 >= len || t[k + 1] != '/'))   /* not "http://" */
            return true;
        return false;
    }
    return false;
}

