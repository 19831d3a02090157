/* pdf_layout.h -- the reading order of one page from the positions of its
 * text lines.
 *
 * MuPDF groups glyphs into lines and blocks in the order the content stream
 * draws them. A table drawn column by column, or cell by cell with wide
 * gaps, comes out one cell per line: "Potassium" in one block, "6.8" and
 * "HH" pages of text later, and the rows are lost. ms_layout_page() puts
 * the page back into visual rows, as a reader sees it:
 *
 *   - fragments (MuPDF lines) whose vertical extents overlap by at least
 *     half the smaller height are one row, read left to right;
 *   - inside a row, a gap of about a space is one space, a wider gap is
 *     two or more spaces (about one per character width, at most 40): the
 *     column gap the lab-table reader (labs.h) and the heading rules read;
 *   - rows are read top to bottom; a vertical gap taller than 0.8 of the
 *     row above is a blank line, and so is a change of MuPDF block between
 *     two rows of one fragment each (single-column text keeps its blocks);
 *   - fragments not written left to right (rotated margin text, vertical
 *     labels) follow the rows, one per line, in drawing order.
 *
 * A page set in columns of prose is left in drawing order (the function
 * returns false and writes nothing): when three or more rows hold two
 * fragments side by side that are each wider than 30% of the page and 30
 * characters long, reading by rows would interleave the sentences of two
 * columns line by line. */
#ifndef MS_PDF_LAYOUT_H
#define MS_PDF_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ms_layout_frag {
    float x0, y0, x1, y1;  /* bounding box, y growing down the page */
    size_t off, len;       /* its UTF-8 text: bytes [off, off+len) of text */
    size_t block;          /* the MuPDF block it came from */
    bool horizontal;       /* written left to right */
} ms_layout_frag;

/* Receives the page text in pieces. */
typedef void (*ms_layout_put)(void *ud, const char *p, size_t n);

/* Writes the page's text through put: each row ends with '\n', no trailing
 * spaces. Reorders frags (the array is scratch). Returns false, having
 * written nothing, when the page is prose in columns or when it cannot
 * allocate; the caller then keeps MuPDF's block order. */
bool ms_layout_page(ms_layout_frag *frags, size_t n, float page_width, const char *text,
                    ms_layout_put put, void *ud);

#endif
