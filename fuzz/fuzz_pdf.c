/* fuzz_pdf.c -- the PDF parse stage (stages/parse_pdf.c) with production
 * limits: MuPDF on hostile bytes, the page and time budgets, the text
 * assembly and its page map. Runs one worker the way the engine does. */
#include "fuzz.h"

#include <string.h>

#include "core/doc.h"
#include "stages/parse_pdf.h"

MS_FUZZ_TARGET(pdf)
{
    static ms_stage *st;
    static void *w;
    if (!st) {
        /* Tighter than the defaults so one input cannot eat the run: a
         * report over 50 pages or 2 s is rejected as too_large / timeout. */
        ms_parse_opts o = {.max_pages = 50, .max_bytes = 4u << 20, .timeout_ms = 2000};
        if (!(st = ms_parse_stage_new(&o)) || st->ops->worker_init(st, 0, &w) != 0)
            abort();
    }
    ms_doc *doc = ms_doc_new();
    if (!doc || !(doc->input = malloc(size ? size : 1)))
        abort();
    if (size)
        memcpy(doc->input, data, size);
    doc->input_len = size;
    if (st->ops->process(st, w, doc) == 0) {
        MS_FUZZ_CHECK(!doc->reason && doc->text && doc->text[doc->text_len] == '\0');
        MS_FUZZ_CHECK(doc->npages >= 1 && doc->npages <= 50 && doc->pages);
        MS_FUZZ_CHECK(doc->pages_failed >= 0 && doc->pages_failed <= doc->npages);
        size_t prev = 0;
        for (int i = 0; i < doc->npages; i++) {
            const ms_page *p = &doc->pages[i];
            MS_FUZZ_CHECK(p->offset >= prev && p->offset <= doc->text_len &&
                          p->len <= doc->text_len - p->offset);
            prev = p->offset + p->len;
        }
    } else {
        MS_FUZZ_CHECK(doc->reason && doc->failed_stage && !strcmp(doc->failed_stage, "parse"));
        MS_FUZZ_CHECK(!strcmp(doc->reason, "not_pdf") || !strcmp(doc->reason, "encrypted") ||
                      !strcmp(doc->reason, "corrupt") || !strcmp(doc->reason, "too_large") ||
                      !strcmp(doc->reason, "timeout") || !strcmp(doc->reason, "no_text") ||
                      !strcmp(doc->reason, "out_of_memory"));
    }
    ms_doc_free(doc);
    return 0;
}
