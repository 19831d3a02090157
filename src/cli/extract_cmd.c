/* extract_cmd.c -- `medstream extract FILE [--format json|text]`.
 *
 * The quickest way to try the product: one PDF or plain-text file through
 * the same stages `run` uses (parse for a PDF, chunk, extract, assemble),
 * in the calling thread, with the summary printed on stdout: the JSON, or
 * with --format text only the plain-language summary. A report that cannot
 * be processed prints its dead-letter record on stderr and exits 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins.h"
#include "cli/cli.h"
#include "core/doc.h"
#include "base/metrics.h"
#include "pipeline.h"
#include "stages/text_norm.h"

#define MAX_INPUT ((size_t)1 << 30)

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *p = malloc(cap);
    while (p) {
        n += fread(p + n, 1, cap - n, f);
        if (n < cap || cap >= MAX_INPUT)
            break;
        unsigned char *q = realloc(p, cap * 2);
        if (!q) {
            free(p);
            p = NULL;
            break;
        }
        p = q;
        cap *= 2;
    }
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (err) {
        free(p);
        return NULL;
    }
    *len = n;
    return p;
}

static int looks_like_pdf(const unsigned char *p, size_t len)
{
    size_t w = len < 1024 ? len : 1024;
    for (size_t i = 0; i + 5 <= w; i++)
        if (memcmp(p + i, "%PDF-", 5) == 0)
            return 1;
    return 0;
}

/* Plain text becomes the doc's text directly: one page, normalised like
 * extracted PDF text. */
static int set_text(ms_doc *doc, const unsigned char *p, size_t len)
{
    size_t out_len, chars;
    doc->text = ms_text_normalize((const char *)p, len, &out_len, &chars);
    doc->pages = malloc(sizeof *doc->pages);
    if (!doc->text || !doc->pages)
        return -1;
    doc->text_len = out_len;
    doc->text_chars = chars;
    doc->pages[0] = (ms_page){0, out_len};
    doc->npages = 1;
    return 0;
}

static int run_stage(ms_stage *st, ms_doc *doc)
{
    void *ws = NULL;
    if (st->ops->kind != MS_STAGE_CPU || !st->ops->process) {
        /* A loop stage (extract.engine=comprehend) needs the engine's loop. */
        ms_doc_fail(doc, st->ops->name, "internal",
                    "medstream extract runs CPU stages only; use extract.engine=local");
        return -1;
    }
    if (st->ops->worker_init && st->ops->worker_init(st, 0, &ws) != 0) {
        ms_doc_fail(doc, st->ops->name, "internal", "cannot start the stage");
        return -1;
    }
    uint64_t t0 = ms_now_ns();
    int rc = st->ops->process(st, ws, doc);
    doc->stage_ms[st->index] = (double)(ms_now_ns() - t0) / 1e6;
    if (st->ops->worker_fini)
        st->ops->worker_fini(st, ws);
    return rc;
}

int ms_cli_extract(const ms_cli_opts *o)
{
    const char *format = o->format ? o->format : "json";
    if (!o->positional) {
        fprintf(stderr, "medstream extract: name a PDF or text file (or - for stdin)\n");
        return 2;
    }
    if (strcmp(format, "json") && strcmp(format, "text")) {
        fprintf(stderr, "medstream extract: --format must be json or text, not '%s'\n", format);
        return 2;
    }
    ms_config *cfg = ms_config_new();
    int rc = ms_cli_load_config(o, cfg);
    if (rc != 0) {
        ms_config_free(cfg);
        return rc;
    }
    size_t len = 0;
    unsigned char *input = read_all(o->positional, &len);
    if (!input) {
        fprintf(stderr, "medstream extract: cannot read %s: %s\n", o->positional,
                strerror(errno ? errno : EIO));
        ms_config_free(cfg);
        return 1;
    }
    char err[512];
    ms_stage *stages[MS_MAX_STAGES];
    int nstages = ms_pipeline_stages(cfg, stages, MS_MAX_STAGES, err, sizeof err);
    if (nstages < 0) {
        fprintf(stderr, "medstream extract: %s\n", err);
        free(input);
        ms_config_free(cfg);
        return 1;
    }
    ms_doc *doc = ms_doc_new();
    const char *base = strrchr(o->positional, '/');
    ms_doc_set_id(doc, base ? base + 1 : o->positional);
    snprintf(doc->pos.label, sizeof doc->pos.label, "%s", o->positional);
    doc->input_size = len;
    /* Start at the parse stage: what comes before it (fetch) is for records
     * that name an S3 object. Plain text starts after it. */
    int first = 0;
    while (first < nstages && strcmp(stages[first]->ops->name, "parse") != 0)
        first++;
    if (first == nstages)
        first = 0;
    if (looks_like_pdf(input, len)) {
        doc->input = input;
        doc->input_len = len;
    } else {
        first++; /* no parse stage for plain text */
        if (set_text(doc, input, len) != 0)
            ms_doc_fail(doc, "parse", "out_of_memory", "cannot hold the text");
        free(input);
    }
    for (int i = first; i < nstages && !doc->reason; i++) {
        doc->stage = i;
        if (run_stage(stages[i], doc) == 0)
            doc->stage = i + 1;
    }
    rc = 0;
    if (doc->reason) {
        if (ms_doc_render_dead_letter(doc) == 0)
            fprintf(stderr, "%s\n", doc->output);
        else
            fprintf(stderr, "medstream extract: %s: %s\n", doc->reason, doc->message);
        rc = 1;
    } else if (!strcmp(format, "json")) {
        printf("%s\n", doc->output);
    } else {
        /* The summary's "patient_summary", typed by assemble (doc.h). */
        const char *s = doc->summary.patient_text;
        printf("%s", s ? s : "");
    }
    ms_doc_free(doc);
    for (int i = 0; i < nstages; i++)
        stages[i]->ops->destroy(stages[i]);
    ms_config_free(cfg);
    return rc;
}
