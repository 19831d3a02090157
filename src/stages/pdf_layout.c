/* pdf_layout.c -- visual rows from positioned text lines (see pdf_layout.h). */
#include "stages/pdf_layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAD 40          /* spaces written for the widest column gap */
#define WIDE_SHARE 0.30f    /* prose-column fragment: share of the page width */
#define WIDE_CHARS 30       /* ... and characters */
#define WIDE_ROWS 3         /* rows with two such fragments: a prose page */

static size_t nchars(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

static float height(const ms_layout_frag *f)
{
    float h = f->y1 - f->y0;
    return h > 0.5f ? h : 0.5f;
}

static float mid(const ms_layout_frag *f)
{
    return (f->y0 + f->y1) / 2;
}

static int by_mid(const void *a, const void *b)
{
    const ms_layout_frag *x = a, *y = b;
    float d = mid(x) - mid(y);
    if (d != 0)
        return d < 0 ? -1 : 1;
    return x->x0 < y->x0 ? -1 : x->x0 > y->x0;
}

static int by_x(const void *a, const void *b)
{
    const ms_layout_frag *x = a, *y = b;
    return x->x0 < y->x0 ? -1 : x->x0 > y->x0;
}

/* Does f belong to the row whose first fragment is r? Vertical overlap of
 * at least half the smaller height. Comparing with the first fragment, not
 * with the row's growing extent, keeps a row from chaining down the page
 * through slightly offset cells. */
static bool same_row(const ms_layout_frag *r, const ms_layout_frag *f)
{
    float top = r->y0 > f->y0 ? r->y0 : f->y0;
    float bot = r->y1 < f->y1 ? r->y1 : f->y1;
    float h = height(r) < height(f) ? height(r) : height(f);
    return bot - top >= 0.5f * h;
}

/* Average character width of a fragment (at least 1 unit). */
static float char_width(const ms_layout_frag *f, const char *text)
{
    size_t c = nchars(text + f->off, f->len);
    float w = c ? (f->x1 - f->x0) / (float)c : height(f) / 2;
    return w > 1.0f ? w : 1.0f;
}

static bool wide(const ms_layout_frag *f, float page_width, const char *text)
{
    return f->x1 - f->x0 > WIDE_SHARE * page_width &&
           nchars(text + f->off, f->len) >= WIDE_CHARS;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims spaces and tabs around a fragment's text; false when nothing is left. */
static bool trim(const ms_layout_frag *f, const char *text, const char **s, size_t *n)
{
    *s = text + f->off;
    *n = f->len;
    while (*n && blank((*s)[*n - 1]))
        (*n)--;
    while (*n && blank(**s)) {
        (*s)++;
        (*n)--;
    }
    return *n > 0;
}

static void put_spaces(ms_layout_put put, void *ud, int k)
{
    static const char sp[MAX_PAD] = "                                        ";
    put(ud, sp, (size_t)(k < MAX_PAD ? k : MAX_PAD));
}

/* One row, fragments [a, b) sorted by x. */
static void write_row(const ms_layout_frag *f, size_t a, size_t b, const char *text,
                      ms_layout_put put, void *ud)
{
    for (size_t i = a; i < b; i++) {
        const char *s;
        size_t n;
        trim(&f[i], text, &s, &n);
        if (i > a) {
            float cw = char_width(&f[i - 1], text);
            float gap = f[i].x0 - f[i - 1].x1;
            if (gap >= 1.5f * cw) {
                int k = (int)lrintf(gap / cw);
                put_spaces(put, ud, k < 2 ? 2 : k);
            } else if (gap >= 0.3f * cw || gap < -0.5f * cw) {
                put_spaces(put, ud, 1);   /* a word gap, or overprinted text */
            }
        }
        put(ud, s, n);
    }
    put(ud, "\n", 1);
}

bool ms_layout_page(ms_layout_frag *f, size_t n, float page_width, const char *text,
                    ms_layout_put put, void *ud)
{
    /* Horizontal fragments first (sorted by their middle), then the rest in
     * drawing order: a stable partition. */
    ms_layout_frag *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return false;
    size_t nh = 0, k = 0;
    const char *s;
    size_t len;
    for (size_t i = 0; i < n; i++)
        if (f[i].horizontal && trim(&f[i], text, &s, &len))
            tmp[nh++] = f[i];
    k = nh;
    for (size_t i = 0; i < n; i++)
        if (!f[i].horizontal && trim(&f[i], text, &s, &len))
            tmp[k++] = f[i];
    n = k;             /* blank fragments are dropped */
    memcpy(f, tmp, n * sizeof *f);
    free(tmp);
    qsort(f, nh, sizeof *f, by_mid);

    /* Rows: [start, end) runs, each sorted by x; count prose-column rows. */
    size_t *row_end = malloc((nh ? nh : 1) * sizeof *row_end);
    if (!row_end)
        return false;
    size_t nrows = 0, wide_rows = 0;
    for (size_t i = 0; i < nh;) {
        size_t j = i + 1;
        while (j < nh && same_row(&f[i], &f[j]))
            j++;
        qsort(f + i, j - i, sizeof *f, by_x);
        size_t nwide = 0;
        for (size_t m = i; m < j; m++)
            nwide += wide(&f[m], page_width, text);
        wide_rows += nwide >= 2;
        row_end[nrows++] = j;
        i = j;
    }
    if (wide_rows >= WIDE_ROWS) {
        free(row_end);
        return false;
    }

    size_t a = 0;
    float prev_bottom = 0, prev_h = 0;
    bool prev_single = false;
    size_t prev_block = 0;
    for (size_t r = 0; r < nrows; r++) {
        size_t b = row_end[r];
        float top = f[a].y0, bottom = f[a].y1;
        for (size_t m = a; m < b; m++) {
            top = f[m].y0 < top ? f[m].y0 : top;
            bottom = f[m].y1 > bottom ? f[m].y1 : bottom;
        }
        bool new_block = r > 0 && b - a == 1 && prev_single && f[a].block != prev_block;
        if (r > 0 && (top - prev_bottom > 0.8f * prev_h || new_block))
            put(ud, "\n", 1);
        prev_single = b - a == 1;
        prev_block = f[a].block;
        write_row(f, a, b, text, put, ud);
        prev_bottom = bottom;
        prev_h = height(&f[a]);
        a = b;
    }
    free(row_end);
    for (size_t i = nh; i < n; i++) {
        trim(&f[i], text, &s, &len);
        put(ud, s, len);
        put(ud, "\n", 1);
    }
    return true;
}
