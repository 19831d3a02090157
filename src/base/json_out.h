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
#include <stddef.h>

char *ms_json_dumps_indent2(const json_t *j, size_t *len);

#endif
