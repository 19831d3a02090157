/* sentence.h -- where a sentence ends, for the context rules (context.c).
 * Internal to the NLP engine. */
#ifndef MS_NLP_SENTENCE_H
#define MS_NLP_SENTENCE_H

#include <stdbool.h>
#include <stddef.h>

/* Does a sentence end at byte i of t[0, len)? The boundary character
 * itself belongs to neither side. Ends: '!', ';', '?' before a space, a
 * '.' before a space and a capital (not after an abbreviation: "Dr.",
 * "p.o.", an initial), ".," (a line end in a flattened transcription), a
 * heading inside a line ("  REFERRING DIAGNOSIS:"), and a line break where
 * the next line starts a new row (a heading in capitals, a bullet, a
 * numbered item, "Label:"), not where prose wraps. */
static inline bool ms__sentence_end(const char *t, size_t len, size_t i);

/* The rules themselves (sentence.c); ms__sentence_end() answers most bytes
 * inline first: the callers scan byte by byte, and only '.', '!', ';',
 * '?', a line break or a second space can end a sentence. */
bool ms__sentence_end_full(const char *t, size_t len, size_t i);

static inline bool ms__sentence_end(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    if (c == ' ' ? !(i > 0 && t[i - 1] == ' ')
                 : c != '.' && c != '\n' && c != '!' && c != ';' && c != '?')
        return false;
    return ms__sentence_end_full(t, len, i);
}

#endif
