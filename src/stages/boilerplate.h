/* boilerplate.h -- find repeated page headers and footers.
 *
 * A line is a header (footer) when, after normalisation (digit runs -> '#',
 * whitespace runs collapsed, ASCII case-folded, trimmed), it is one of the
 * first (last) 3 non-empty lines on at least max(3, 60% of the non-empty
 * pages) pages. "Page 3 of 12" and "Page 10 of 12" normalise alike. */
#ifndef MS_BOILERPLATE_H
#define MS_BOILERPLATE_H

#include <stddef.h>

#include "core/doc.h"

/* A byte range of the document text: one whole line plus its newline. */
typedef struct ms_bp_range {
    size_t off;
    size_t len;
} ms_bp_range;

/* Lines of the top/bottom zone considered per page. */
#define MS_BP_ZONE_LINES 3
/* Lines longer than this (after normalisation) are never boilerplate. */
#define MS_BP_MAX_LINE 1024

/* Find header/footer lines. pages must be ascending, non-overlapping and
 * inside [0, len). Nothing is found for fewer than min_pages pages.
 * On success *out holds *nout ascending disjoint ranges (free() it; NULL
 * when none). Returns 0, or -1 with errno EINVAL (bad pages) or ENOMEM. */
int ms_boilerplate_find(const char *text, size_t len, const ms_page *pages,
                        int npages, int min_pages, ms_bp_range **out,
                        size_t *nout);

#endif
