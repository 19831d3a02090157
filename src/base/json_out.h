/* json_out.h -- a faster json_dumps for the summary's one encoding.
 *
 * ms_json_dumps_indent2(j, &len) returns, as a malloc'd NUL-terminated
 * string (its length in *len when len is not NULL), exactly the bytes
 * json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))
 * returns for the same value with jansson 2.14: keys in insertion order,
 * two-space indent, ": " and "," separators, "[]" and "{}" when empty,
 * integers as %lld, reals as %.6g with ".0" added when there is neither
 * '.' nor 'e' and the exponent without '+' or leading zeros, strings with
 * only '"', '\\' and control characters escaped (\b \f \n \r \t, else
 * \u00XX). NULL when out of memory, when j is NULL or not an object or
 * array, when a string value is not valid UTF-8 -- where json_dumps returns
 * NULL too -- or when the value is nested deeper than 2048 levels (a loop;
 * json_dumps detects loops instead). A key that is not valid UTF-8 (only
 * json_object_set_nocheck makes one) comes out as json_dumps writes it: cut
 * after its last escape, unterminated.
 * tests/unit/test_json_out.c holds it to json_dumps byte for byte.
 *
 * Why: json_dumps goes through a callback per fragment and decodes every
 * string character by character; a summary of ~80 KB spent ~12 % of a
 * report's CPU time there (bench/RESULTS.md, 2026-12-07 pipeline CPU). */
#ifndef MS_BASE_JSON_OUT_H
#define MS_BASE_JSON_OUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

char *ms_json_dumps_indent2(const json_t *j, size_t *len);

/* ms_jw: the same bytes written as they come, without building a json_t
 * tree first (the summary's entities: thousands of small objects).
 * Zero-initialise, then nest ms_jw_object / ms_jw_array ... ms_jw_end;
 * inside an object each value follows an ms_jw_key; ms_jw_json writes a
 * json_t in place as ms_json_dumps_indent2 would. ms_jw_finish returns the
 * malloc'd NUL-terminated text (length in *len), or NULL -- and frees
 * everything -- when out of memory, when a string was not valid UTF-8
 * (ms_jw_utf8_ok tells beforehand, with jansson's rules), when containers
 * are not balanced or nested deeper than MS_JW_MAX_DEPTH. Unlike
 * json_object_set, ms_jw_key does not replace a repeated key: the caller
 * writes each key once. ms_jw_discard frees an unfinished writer. */
#define MS_JW_MAX_DEPTH 32

typedef struct ms_jw ms_jw;
typedef int (*ms_jw_fill)(ms_jw *w, void *ud);

struct ms_jw {
    char *p;
    size_t n, cap;
    bool oom, bad;
    int depth;
    char kind[MS_JW_MAX_DEPTH];    /* '{' or '[' per open container */
    bool any[MS_JW_MAX_DEPTH];     /* ... and whether it has a member yet */
    const json_t *slot;            /* ms_json_dumps_indent2_fill's */
    ms_jw_fill fill;
    void *ud;
};

/* ms_json_dumps_indent2, except that where the tree holds the value slot
 * (compared by address: make it a json_object(), never a shared singleton
 * like json_null()), fill(w, ud) writes the value instead, with the ms_jw
 * calls below: exactly one value, balanced. NULL when fill returns
 * non-zero or leaves w unbalanced, and in ms_json_dumps_indent2's cases. */
char *ms_json_dumps_indent2_fill(const json_t *j, const json_t *slot, ms_jw_fill fill, void *ud,
                                 size_t *len);

bool ms_jw_utf8_ok(const char *s, size_t n);
void ms_jw_object(ms_jw *w);
void ms_jw_array(ms_jw *w);
void ms_jw_end(ms_jw *w);
void ms_jw_key(ms_jw *w, const char *key);
void ms_jw_int(ms_jw *w, long long v);
void ms_jw_real(ms_jw *w, double v);
void ms_jw_str(ms_jw *w, const char *s);
void ms_jw_strn(ms_jw *w, const char *s, size_t n);
void ms_jw_json(ms_jw *w, const json_t *j);
char *ms_jw_finish(ms_jw *w, size_t *len);
void ms_jw_discard(ms_jw *w);

#endif
