/* str.h -- bounded string copy.
 *
 * ms_strlcpy(dst, n, src): copies src into dst[0, n), truncating to n - 1
 * bytes when it does not fit, and always NUL-terminates dst when n > 0
 * (n == 0 writes nothing). A NULL src copies as "". Returns strlen(src)
 * (0 for NULL), so `ms_strlcpy(...) >= n` tells a truncation. Truncation
 * is byte-wise: it may cut a UTF-8 sequence. dst and src must not overlap. */
#ifndef MS_BASE_STR_H
#define MS_BASE_STR_H

#include <stddef.h>

size_t ms_strlcpy(char *dst, size_t n, const char *src);

#endif
