/* str.c -- bounded string copy (contract: str.h). */
#include "base/str.h"

#include <string.h>

size_t ms_strlcpy(char *dst, size_t n, const char *src)
{
    if (!src)
        src = "";
    size_t len = strlen(src);
    if (n) {
        size_t k = len < n - 1 ? len : n - 1;
        memcpy(dst, src, k);
        dst[k] = 0;
    }
    return len;
}
