/* pdfgen.h -- write simple text PDFs with MuPDF (samples, bench corpus, tests).
 *
 * Lays UTF-8 text out on Letter pages in Helvetica (characters outside
 * WinAnsi are written as '?'), wrapping long lines, with an optional header
 * and footer repeated on every page. A form feed ('\f') starts a new page. */
#ifndef MS_PDFGEN_H
#define MS_PDFGEN_H

#include <stddef.h>

typedef struct ms_pdfgen_opts {
    const char *header;         /* printed at the top of every page, or NULL */
    const char *footer;         /* printed at the bottom; "%d" and "%d" are
                                   replaced by page number and page count */
    const char *user_password;  /* encrypt (AES-256) when set */
    int font_size;              /* points; 0 = 10 */
    int min_pages;              /* pad with blank-ish pages up to this count */
    int cells;                  /* draw each cell (text between 2+ spaces) as
                                   its own text object, column after column,
                                   as some report writers do */
} ms_pdfgen_opts;

/* Returns 0, or -1 with a message in err. */
int ms_pdfgen_write(const char *path, const char *text, size_t len,
                    const ms_pdfgen_opts *opts, char *err, size_t errlen);

#endif
