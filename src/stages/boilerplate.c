/* boilerplate.c -- find repeated page headers and footers.
 *
 * One pass collects the top and bottom zone lines of every page (at most
 * 3 + 3 non-empty lines each), hashes their normalised form into an
 * open-addressing table that counts on how many pages each form appears in
 * each zone, and a second pass over the collected lines picks those whose
 * form is frequent enough. Work is linear in the size of the zones plus the
 * blank lines skipped to reach them. */
#include "stages/boilerplate.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <xxhash.h>

enum { ZONE_TOP = 1, ZONE_BOTTOM = 2 };

typedef struct zline {
    size_t start;   /* first byte of the line */
    size_t cut;     /* one past the line's newline (or its end) */
    size_t slot;    /* index in the table, or SIZE_MAX when not counted */
    int zones;
} zline;

typedef struct slot {
    uint64_t hash;
    int used;
    int top_pages, bottom_pages;  /* pages whose zone holds this form */
    int top_last, bottom_last;    /* last page counted + 1 (one count per page) */
} slot;

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' ||
           c == '\n';
}

/* Non-breaking space (U+00A0, C2 A0) is common in PDF text; treat it as a
 * space. Returns the width of the space at s[i], or 0. */
static size_t space_at(const unsigned char *s, size_t i, size_t n)
{
    if (is_space(s[i]))
        return 1;
    if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0xA0)
        return 2;
    return 0;
}

static int line_blank(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t w = space_at(s, i, n);
        if (!w)
            return 0;
        i += w;
    }
    return 1;
}

/* Normalise a line into buf; returns its length, or 0 when it is longer
 * than the buffer allows (such a line is not counted). */
static size_t normalise(const unsigned char *s, size_t n, unsigned char *buf)
{
    size_t o = 0;
    int pending_space = 0, in_digits = 0;
    for (size_t i = 0; i < n;) {
        size_t w = space_at(s, i, n);
        if (w) {
            pending_space = o > 0;
            in_digits = 0;
            i += w;
            continue;
        }
        if (o + 2 > MS_BP_MAX_LINE)
            return 0;
        if (pending_space) {
            buf[o++] = ' ';
            pending_space = 0;
        }
        unsigned char c = s[i++];
        if (c >= '0' && c <= '9') {
            if (!in_digits)
                buf[o++] = '#';
            in_digits = 1;
            continue;
        }
        in_digits = 0;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        buf[o++] = c;
    }
    return o;
}

/* Collect the zone lines of page [ps, pe) into zl (at most 2 * ZONE_LINES),
 * ascending. Returns how many. */
static int page_zone_lines(const unsigned char *t, size_t ps, size_t pe,
                               zline *zl)
{
    zline top[MS_BP_ZONE_LINES], bottom[MS_BP_ZONE_LINES];
    int nt = 0, nb = 0, seen = 0;

    /* Top zone: first non-empty lines, scanning forward. */
    for (size_t i = ps; i < pe && nt < MS_BP_ZONE_LINES;) {
        size_t e = i;
        while (e < pe && t[e] != '\n')
            e++;
        size_t cut = e < pe ? e + 1 : e;
        if (!line_blank(t + i, e - i))
            top[nt++] = (zline){i, cut, SIZE_MAX, ZONE_TOP};
        i = cut;
    }
    if (nt == 0)
        return 0;

    /* Bottom zone: last non-empty lines, scanning backward. A line at or
     * before the last top line is one of the top lines (every non-empty
     * line up to there is), so it only gains the bottom flag. */
    size_t end = pe;
    for (;;) {
        size_t start = end;
        while (start > ps && t[start - 1] != '\n')
            start--;
        if (!line_blank(t + start, end - start)) {
            if (start <= top[nt - 1].start) {
                for (int k = 0; k < nt; k++)
                    if (top[k].start == start)
                        top[k].zones |= ZONE_BOTTOM;
            } else {
                size_t cut = end < pe ? end + 1 : end;
                bottom[nb] = (zline){start, cut, SIZE_MAX, ZONE_BOTTOM};
                nb++;
            }
            if (++seen == MS_BP_ZONE_LINES)
                break;
        }
        if (start == ps)
            break;
        end = start - 1;
    }
    int n = 0;
    for (int k = 0; k < nt; k++)
        zl[n++] = top[k];
    for (int k = nb - 1; k >= 0; k--)
        zl[n++] = bottom[k];
    return n;
}

static size_t table_find(slot *tab, size_t mask, uint64_t h)
{
    size_t i = (size_t)h & mask;
    while (tab[i].used && tab[i].hash != h)
        i = (i + 1) & mask;
    if (!tab[i].used) {
        tab[i].used = 1;
        tab[i].hash = h;
    }
    return i;
}

int ms_boilerplate_find(const char *text, size_t len, const ms_page *pages,
                        int npages, int min_pages, ms_bp_range **out,
                        size_t *nout)
{
    if (!out || !nout || npages < 0 || (npages > 0 && (!pages || !text))) {
        errno = EINVAL;
        return -1;
    }
    *out = NULL;
    *nout = 0;
    size_t prev_end = 0;
    for (int p = 0; p < npages; p++) {
        if (pages[p].offset < prev_end || pages[p].offset > len ||
            pages[p].len > len - pages[p].offset) {
            errno = EINVAL;
            return -1;
        }
        prev_end = pages[p].offset + pages[p].len;
    }
    if (npages < min_pages || npages < 3)
        return 0;

    const unsigned char *t = (const unsigned char *)text;
    size_t maxlines = (size_t)npages * 2 * MS_BP_ZONE_LINES;
    size_t cap = 16;
    while (cap < 2 * maxlines)
        cap <<= 1;
    zline *zl = malloc(maxlines * sizeof *zl);
    slot *tab = calloc(cap, sizeof *tab);
    unsigned char *buf = malloc(MS_BP_MAX_LINE);
    ms_bp_range *ranges = NULL;
    if (!zl || !tab || !buf)
        goto oom;

    size_t nz = 0;
    int nonempty = 0;
    for (int p = 0; p < npages; p++) {
        size_t ps = pages[p].offset, pe = ps + pages[p].len;
        int k = page_zone_lines(t, ps, pe, zl + nz);
        if (k > 0)
            nonempty++;
        for (int j = 0; j < k; j++, nz++) {
            zline *z = &zl[nz];
            size_t bn = normalise(t + z->start, z->cut - z->start, buf);
            if (bn == 0)
                continue;
            z->slot = table_find(tab, cap - 1, XXH3_64bits(buf, bn));
            slot *s = &tab[z->slot];
            if ((z->zones & ZONE_TOP) && s->top_last != p + 1) {
                s->top_last = p + 1;
                s->top_pages++;
            }
            if ((z->zones & ZONE_BOTTOM) && s->bottom_last != p + 1) {
                s->bottom_last = p + 1;
                s->bottom_pages++;
            }
        }
    }

    /* max(3, ceil(60% of the pages that have text)) */
    int need = (3 * nonempty + 4) / 5;
    if (need < 3)
        need = 3;
    size_t nr = 0;
    for (size_t i = 0; i < nz; i++) {
        if (zl[i].slot == SIZE_MAX)
            continue;
        slot *s = &tab[zl[i].slot];
        if (((zl[i].zones & ZONE_TOP) && s->top_pages >= need) ||
            ((zl[i].zones & ZONE_BOTTOM) && s->bottom_pages >= need))
            zl[nr++] = zl[i];
    }
    if (nr > 0) {
        ranges = malloc(nr * sizeof *ranges);
        if (!ranges)
            goto oom;
        for (size_t i = 0; i < nr; i++)
            ranges[i] = (ms_bp_range){zl[i].start, zl[i].cut - zl[i].start};
    }
    free(zl);
    free(tab);
    free(buf);
    *out = ranges;
    *nout = nr;
    return 0;

oom:
    free(zl);
    free(tab);
    free(buf);
    errno = ENOMEM;
    return -1;
}
