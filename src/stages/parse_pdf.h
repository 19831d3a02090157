/* parse_pdf.h -- the "parse" CPU stage: PDF bytes to page text with MuPDF.
 *
 * Input is doc->input/input_len, or else doc->input_path (read by the
 * worker). Output is doc->text (UTF-8, NFC, NUL-terminated; lines end with
 * '\n'; a page is read in visual rows with a blank line at each vertical
 * gap (pdf_layout.h), or with layout_blocks in MuPDF's block order with a
 * blank line between blocks; pages are joined by "\n\n"), text_len,
 * text_chars, pages (byte ranges of each page inside text, separators
 * excluded), npages and pages_failed (pages MuPDF could not read; skipped
 * with an empty range).
 *
 * Failure reasons (doc->reason): not_pdf, encrypted, corrupt, too_large,
 * timeout, no_text, io_error, and aborted after abort_all() (shutdown). */
#ifndef MS_PARSE_PDF_H
#define MS_PARSE_PDF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/stage.h"

typedef struct ms_parse_opts {
    int max_pages;       /* more pages: too_large; 0 = no limit */
    size_t max_bytes;    /* bigger input: too_large; 0 = no limit */
    int timeout_ms;      /* budget for the whole report; 0 = no limit */
    bool keep_offpage_text; /* false: drop glyphs outside the media box */
    bool layout_blocks;  /* false: visual rows (pdf_layout.h); true: MuPDF's
                            block order */
} ms_parse_opts;

/* A new parse stage (opts may be NULL: no limits). NULL on failure or on
 * negative limits; stage->ops->destroy frees it, after every worker_fini. */
ms_stage *ms_parse_stage_new(const ms_parse_opts *opts);

#endif
