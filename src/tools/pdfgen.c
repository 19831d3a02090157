/* pdfgen.c -- write simple text PDFs with MuPDF (see pdfgen.h).
 *
 * Two passes: the UTF-8 input is converted to WinAnsi bytes and laid out
 * into pages of lines (greedy word wrap on measured Helvetica widths), then
 * every page becomes a content stream of BT/Tf/Td/Tj/ET operators. Knowing
 * the page count before writing lets the footer say "page N of M". */
#include "tools/pdfgen.h"
#include "base/errbuf.h"

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 612.0f  /* US Letter, points */
#define PAGE_H 792.0f
#define MARGIN 72.0f
#define HEADER_Y (PAGE_H - 42.0f)
#define FOOTER_Y 36.0f
#define TAB_SPACES 4

typedef struct gen_line {
    size_t off, len;          /* into gen.text */
} gen_line;

typedef struct gen_page {
    size_t first, n;          /* into gen.lines */
} gen_page;

typedef struct gen {
    unsigned char *text;      /* WinAnsi bytes; '\n' and '\f' kept as breaks */
    size_t len;
    gen_line *lines;
    size_t nlines, lcap;
    gen_page *pages;
    size_t npages, pcap;
    size_t per_page;          /* body lines per page */
    float width[256];         /* advance of each WinAnsi byte at font size */
    float max_w;
    int oom;
} gen;

/* Decode one UTF-8 sequence from s[0..n); returns its length (>= 1) and the
 * code point in *cp, or -1 in *cp for an invalid sequence. */
static size_t utf8_next(const unsigned char *s, size_t n, int *cp)
{
    unsigned c = s[0];
    size_t need;
    unsigned v;
    if (c < 0x80) {
        *cp = (int)c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 1; v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2; v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3; v = c & 0x07;
    } else {
        *cp = -1;
        return 1;
    }
    if (n < need + 1) {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    /* Reject overlong forms, surrogates and values past U+10FFFF. */
    if ((need == 2 && v < 0x800) || (need == 3 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = -1;
        return need + 1;
    }
    *cp = (int)v;
    return need + 1;
}

static unsigned char winansi_byte(int cp)
{
    if (cp >= 0x20 && cp < 0x7F)
        return (unsigned char)cp;
    if (cp < 0x80)
        return '?';
    int b = fz_windows_1252_from_unicode(cp);
    return b >= 0x80 && b <= 0xFF ? (unsigned char)b : '?';
}

/* UTF-8 to WinAnsi. With keep_breaks, '\n' and '\f' pass through and tabs
 * become spaces; otherwise (header, footer) every control becomes a space.
 * Other control characters are dropped. Returns a malloc'd buffer. */
static unsigned char *to_winansi(const char *in, size_t n, int keep_breaks, size_t *out_len)
{
    unsigned char *out = malloc(n * TAB_SPACES + 1);
    if (!out)
        return NULL;
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, o = 0;
    while (i < n) {
        int cp;
        i += utf8_next(s + i, n - i, &cp);
        if (cp == '\n' || cp == '\f' || cp == '\t') {
            if (!keep_breaks) {
                out[o++] = ' ';
            } else if (cp == '\t') {
                for (int k = 0; k < TAB_SPACES; k++)
                    out[o++] = ' ';
            } else {
                out[o++] = (unsigned char)cp;
            }
        } else if (cp >= 0 && (cp < 0x20 || cp == 0x7F)) {
            continue;
        } else {
            out[o++] = cp < 0 ? '?' : winansi_byte(cp);
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static void add_line(gen *g, size_t off, size_t len)
{
    while (len > 0 && g->text[off + len - 1] == ' ')
        len--;
    if (g->nlines == g->lcap) {
        size_t cap = g->lcap ? g->lcap * 2 : 256;
        gen_line *nl = realloc(g->lines, cap * sizeof *nl);
        if (!nl) {
            g->oom = 1;
            return;
        }
        g->lines = nl;
        g->lcap = cap;
    }
    g->lines[g->nlines++] = (gen_line){off, len};
}

/* Close the current page: it holds the lines from the previous page's end
 * up to now. */
static void add_page(gen *g)
{
    size_t first = g->npages ? g->pages[g->npages - 1].first + g->pages[g->npages - 1].n : 0;
    if (g->npages == g->pcap) {
        size_t cap = g->pcap ? g->pcap * 2 : 16;
        gen_page *np = realloc(g->pages, cap * sizeof *np);
        if (!np) {
            g->oom = 1;
            return;
        }
        g->pages = np;
        g->pcap = cap;
    }
    g->pages[g->npages++] = (gen_page){first, g->nlines - first};
}

static size_t lines_on_open_page(const gen *g)
{
    size_t first = g->npages ? g->pages[g->npages - 1].first + g->pages[g->npages - 1].n : 0;
    return g->nlines - first;
}

static void emit_line(gen *g, size_t off, size_t len)
{
    if (lines_on_open_page(g) == g->per_page)
        add_page(g);
    add_line(g, off, len);
}

/* Greedy word wrap of one paragraph text[ps..pe). A word wider than the
 * line is cut where it overflows. */
static void wrap(gen *g, size_t ps, size_t pe)
{
    const unsigned char *b = g->text;
    size_t start = ps, i = ps, brk = SIZE_MAX;
    float w = 0;
    if (ps == pe) {
        emit_line(g, ps, 0);
        return;
    }
    while (i < pe) {
        float cw = g->width[b[i]];
        if (b[i] == ' ')
            brk = i;
        if (w + cw > g->max_w && i > start) {
            size_t end, next;
            if (brk != SIZE_MAX && brk > start) {
                end = brk;
                next = brk + 1;
            } else {
                end = i;
                next = i;
            }
            emit_line(g, start, end - start);
            while (next < pe && b[next] == ' ')
                next++;
            start = i = next;
            w = 0;
            brk = SIZE_MAX;
            continue;
        }
        w += cw;
        i++;
    }
    if (start < pe)
        emit_line(g, start, pe - start);
}

static void layout(gen *g)
{
    size_t ps = 0;
    for (size_t i = 0; i <= g->len && !g->oom; i++) {
        if (i < g->len && g->text[i] != '\n' && g->text[i] != '\f')
            continue;
        /* A text ending in '\n' has no empty last paragraph. */
        if (i < g->len || i > ps)
            wrap(g, ps, i);
        if (i < g->len && g->text[i] == '\f')
            add_page(g);
        ps = i + 1;
    }
    if (lines_on_open_page(g) > 0 || g->npages == 0)
        add_page(g);
}

/* A PDF string literal: ( ) \ escaped, bytes outside printable ASCII as
 * octal. */
static void append_pdf_string(fz_context *ctx, fz_buffer *buf, const unsigned char *s, size_t n)
{
    fz_append_byte(ctx, buf, '(');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '(' || c == ')' || c == '\\') {
            fz_append_byte(ctx, buf, '\\');
            fz_append_byte(ctx, buf, c);
        } else if (c < 0x20 || c >= 0x7F) {
            char oct[5] = {'\\', (char)('0' + (c >> 6)), (char)('0' + ((c >> 3) & 7)),
                           (char)('0' + (c & 7)), 0};
            fz_append_string(ctx, buf, oct);
        } else {
            fz_append_byte(ctx, buf, c);
        }
    }
    fz_append_byte(ctx, buf, ')');
}

static void append_text_at(fz_context *ctx, fz_buffer *buf, int size, float x, float y,
                           const unsigned char *s, size_t n)
{
    if (n == 0)
        return;
    fz_append_printf(ctx, buf, "BT /F1 %d Tf %g %g Td ", size, x, y);
    append_pdf_string(ctx, buf, s, n);
    fz_append_string(ctx, buf, " Tj ET\n");
}

/* The footer with its first two "%d" replaced by page number and count;
 * the user string is never used as a format. */
static char *footer_text(const char *fmt, int page, int count)
{
    size_t n = strlen(fmt) + 48;
    char *out = malloc(n);
    if (!out)
        return NULL;
    size_t o = 0;
    int seen = 0;
    for (const char *p = fmt; *p; p++) {
        if (p[0] == '%' && p[1] == 'd' && seen < 2) {
            o += (size_t)snprintf(out + o, n - o, "%d", seen == 0 ? page : count);
            seen++;
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}

/* Cell c (0-based) of a line: the c-th run of text between gaps of two or
 * more spaces. Returns false when the line has no such cell. */
static bool line_cell(const gen *g, const gen_line *ln, size_t c, size_t *b, size_t *e)
{
    const unsigned char *t = g->text + ln->off;
    size_t i = 0, n = ln->len, k = 0;
    while (i < n) {
        while (i < n && t[i] == ' ')
            i++;
        if (i == n)
            break;
        size_t j = i;
        while (j < n && !(t[j] == ' ' && (j + 1 == n || t[j + 1] == ' ')))
            j++;
        if (k++ == c) {
            *b = i;
            *e = j;
            return true;
        }
        i = j;
    }
    return false;
}

/* The page drawn as cells (ms_pdfgen_opts.cells): each run of text between
 * gaps of 2+ spaces is its own text object at the position it has in the
 * line, plus half an em per column before it (table writers leave wider
 * gutters than two spaces), drawn column after column: the first cell of
 * every line, then the second cell of every line, and so on. */
static void page_cells(fz_context *ctx, fz_buffer *buf, const gen *g, const gen_page *pg, int size)
{
    float leading = (float)size * 1.25f;
    for (size_t c = 0;; c++) {
        bool any = false;
        for (size_t k = 0; k < pg->n; k++) {
            const gen_line *ln = &g->lines[pg->first + k];
            size_t b, e;
            if (!line_cell(g, ln, c, &b, &e))
                continue;
            any = true;
            float x = MARGIN + 0.5f * (float)size * (float)c;
            for (size_t i = 0; i < b; i++)
                x += g->width[g->text[ln->off + i]];
            float y = PAGE_H - MARGIN - (float)size - leading * (float)k;
            append_text_at(ctx, buf, size, x, y, g->text + ln->off + b, e - b);
        }
        if (!any)
            break;
    }
}

/* Content stream of page pi (0-based) of npages. */
static void page_content(fz_context *ctx, fz_buffer *buf, const gen *g, size_t pi,
                         size_t npages, const ms_pdfgen_opts *o, int size)
{
    float leading = (float)size * 1.25f;
    if (o->header && *o->header) {
        size_t hl;
        unsigned char *h = to_winansi(o->header, strlen(o->header), 0, &hl);
        if (!h)
            fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");
        append_text_at(ctx, buf, size, MARGIN, HEADER_Y, h, hl);
        free(h);
    }
    if (pi < g->npages && o->cells) {
        page_cells(ctx, buf, g, &g->pages[pi], size);
    } else if (pi < g->npages) {
        const gen_page *pg = &g->pages[pi];
        for (size_t k = 0; k < pg->n; k++) {
            const gen_line *ln = &g->lines[pg->first + k];
            float y = PAGE_H - MARGIN - (float)size - leading * (float)k;
            append_text_at(ctx, buf, size, MARGIN, y, g->text + ln->off, ln->len);
        }
    } else {
        static const unsigned char cont[] = "(continued)";
        append_text_at(ctx, buf, size, MARGIN, PAGE_H - MARGIN - (float)size, cont,
                       sizeof cont - 1);
    }
    if (o->footer && *o->footer) {
        char *f = footer_text(o->footer, (int)pi + 1, (int)npages);
        size_t fl;
        unsigned char *w = f ? to_winansi(f, strlen(f), 0, &fl) : NULL;
        free(f);
        if (!w)
            fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");
        append_text_at(ctx, buf, size, MARGIN, FOOTER_Y, w, fl);
        free(w);
    }
}

/* Build the document from the laid-out text and save it; throws. */
static void write_doc(fz_context *ctx, gen *g, const ms_pdfgen_opts *o, int size, const char *path)
{
    pdf_document *doc = NULL;
    fz_font *font = NULL;
    pdf_obj *fontref = NULL, *resources = NULL, *page = NULL;
    fz_buffer *buf = NULL;
    fz_var(doc);
    fz_var(font);
    fz_var(fontref);
    fz_var(resources);
    fz_var(page);
    fz_var(buf);
    fz_try(ctx) {
        doc = pdf_create_document(ctx);
        font = fz_new_base14_font(ctx, "Helvetica");
        fontref = pdf_add_simple_font(ctx, doc, font, PDF_SIMPLE_ENCODING_LATIN);
        resources = pdf_new_dict(ctx, doc, 1);
        pdf_obj *fonts = pdf_dict_put_dict(ctx, resources, PDF_NAME(Font), 1);
        pdf_dict_puts(ctx, fonts, "F1", fontref);

        for (int b = 0; b < 256; b++) {
            int u = fz_unicode_from_windows_1252[b];
            g->width[b] = u ? fz_advance_glyph(ctx, font, fz_encode_character(ctx, font, u), 0) * (float)size
                            : 0;
        }
        layout(g);
        if (g->oom)
            fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");

        size_t npages = g->npages;
        if ((size_t)o->min_pages > npages)
            npages = (size_t)o->min_pages;
        fz_rect mediabox = {0, 0, PAGE_W, PAGE_H};
        for (size_t pi = 0; pi < npages; pi++) {
            buf = fz_new_buffer(ctx, 4096);
            page_content(ctx, buf, g, pi, npages, o, size);
            page = pdf_add_page(ctx, doc, mediabox, 0, resources, buf);
            pdf_insert_page(ctx, doc, -1, page);
            pdf_drop_obj(ctx, page);
            page = NULL;
            fz_drop_buffer(ctx, buf);
            buf = NULL;
        }

        pdf_write_options wo = pdf_default_write_options;
        wo.do_compress = 1;
        wo.do_garbage = 1;
        if (o->user_password) {
            wo.do_encrypt = PDF_ENCRYPT_AES_256;
            snprintf(wo.upwd_utf8, sizeof wo.upwd_utf8, "%s", o->user_password);
            snprintf(wo.opwd_utf8, sizeof wo.opwd_utf8, "%s", o->user_password);
        }
        pdf_save_document(ctx, doc, path, &wo);
    }
    fz_always(ctx) {
        fz_drop_buffer(ctx, buf);
        pdf_drop_obj(ctx, page);
        pdf_drop_obj(ctx, resources);
        pdf_drop_obj(ctx, fontref);
        fz_drop_font(ctx, font);
        pdf_drop_document(ctx, doc);
    }
    fz_catch(ctx)
        fz_rethrow(ctx);
}

static void quiet(void *user, const char *message)
{
    (void)user;
    (void)message;
}

static int try_write(fz_context *ctx, gen *g, const ms_pdfgen_opts *o, int size,
                     const char *path, char *err, size_t errlen)
{
    int rc = 0;
    fz_var(rc);
    fz_try(ctx)
        write_doc(ctx, g, o, size, path);
    fz_catch(ctx) {
        ms_errf(err, errlen, "%s", fz_caught_message(ctx));
        rc = -1;
    }
    return rc;
}

int ms_pdfgen_write(const char *path, const char *text, size_t len,
                    const ms_pdfgen_opts *opts, char *err, size_t errlen)
{
    static const ms_pdfgen_opts none = {0};
    const ms_pdfgen_opts *o = opts ? opts : &none;
    int size = o->font_size ? o->font_size : 10;
    gen g = {0};

    ms_errf(err, errlen, "%s", "");
    if (size < 4 || size > 72) {
        ms_errf(err, errlen, "font size %d out of range 4..72", size);
        return -1;
    }
    if (o->user_password && strlen(o->user_password) >= sizeof(((pdf_write_options *)0)->upwd_utf8)) {
        ms_errf(err, errlen, "password longer than 127 bytes");
        return -1;
    }
    if (o->min_pages < 0 || o->min_pages > 1000000) {
        ms_errf(err, errlen, "min_pages %d out of range", o->min_pages);
        return -1;
    }
    g.text = to_winansi(text ? text : "", text ? len : 0, 1, &g.len);
    if (!g.text) {
        ms_errf(err, errlen, "out of memory");
        return -1;
    }
    g.per_page = (size_t)((PAGE_H - 2 * MARGIN) / ((float)size * 1.25f));
    g.max_w = PAGE_W - 2 * MARGIN;

    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    if (!ctx) {
        free(g.text);
        ms_errf(err, errlen, "cannot create MuPDF context");
        return -1;
    }
    fz_set_warning_callback(ctx, quiet, NULL);
    fz_set_error_callback(ctx, quiet, NULL);

    int rc = try_write(ctx, &g, o, size, path, err, errlen);
    fz_drop_context(ctx);
    free(g.text);
    free(g.lines);
    free(g.pages);
    return rc;
}
