/* text_norm.h -- Unicode clean-up of extracted text.
 *
 * What the parse stage applies to each page before it becomes doc->text:
 * invalid UTF-8 becomes U+FFFD, control characters other than '\n' and
 * '\t' are dropped, the Latin ligatures U+FB00..U+FB06 are expanded
 * (ff, fi, fl, ffi, ffl, st, st), then the result is put in NFC. */
#ifndef MS_TEXT_NORM_H
#define MS_TEXT_NORM_H

#include <stdbool.h>
#include <stddef.h>

/* Returns a malloc'd NUL-terminated copy of s[0..len) normalised as above,
 * its length in *out_len and its code point count in *out_chars (either
 * may be NULL); NULL when out of memory. */
char *ms_text_normalize(const char *s, size_t len, size_t *out_len, size_t *out_chars);

/* True when valid UTF-8 s[0..len) holds a code point that is not
 * whitespace (space separators, line/paragraph separators, '\n', '\t'). */
bool ms_text_has_visible(const char *s, size_t len);

/* Code points in valid UTF-8 s[0..len). */
size_t ms_text_count_chars(const char *s, size_t len);

#endif
