/* parse_floor.c -- the physical floor of the parse stage.
 *
 * A bare, single-threaded MuPDF extraction loop with none of the stage's
 * work around it (no normalisation, no page assembly, no deadlines):
 *
 *   parse_floor [--no-clip] [--list FILE] [FILE...]
 *
 * opens every PDF, builds structured text for each page and walks every
 * character (summing code points so the walk is not optimised away), then
 * prints one line:
 *
 *   files=N pages=N chars=N errors=N seconds=S pages_per_s=R
 *
 * A file that fails to open or a page that fails counts as one error and
 * is skipped. --list names a file with one PDF path per line.
 *
 * Text extraction uses the same fz_stext_options as the parse stage
 * (FZ_STEXT_MEDIABOX_CLIP: glyphs outside the page are dropped, so text a
 * reader cannot see never reaches a summary); the floor is the cost of the
 * same MuPDF work without medstream around it. --no-clip measures MuPDF's
 * default (flags 0) instead, which skips the per-glyph bounds test. */
#include <malloc.h>
#include <mupdf/fitz.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static fz_stext_options stext_opts = {.flags = FZ_STEXT_MEDIABOX_CLIP};

typedef struct totals {
    long files, pages, errors;
    uint64_t chars, sum;
} totals;

static void quiet(void *user, const char *message)
{
    (void)user;
    (void)message;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void walk_page(fz_stext_page *tp, totals *t)
{
    for (fz_stext_block *b = tp->first_block; b; b = b->next) {
        if (b->type != FZ_STEXT_BLOCK_TEXT)
            continue;
        for (fz_stext_line *l = b->u.t.first_line; l; l = l->next)
            for (fz_stext_char *ch = l->first_char; ch; ch = ch->next) {
                t->chars++;
                t->sum += (uint32_t)ch->c;
            }
    }
}

static void one_page(fz_context *ctx, fz_document *doc, int i, totals *t)
{
    fz_page *page = NULL;
    fz_stext_page *tp = NULL;
    fz_var(page);
    fz_var(tp);
    fz_try(ctx) {
        page = fz_load_page(ctx, doc, i);
        tp = fz_new_stext_page_from_page(ctx, page, &stext_opts);
        walk_page(tp, t);
        t->pages++;
    }
    fz_always(ctx) {
        fz_drop_stext_page(ctx, tp);
        fz_drop_page(ctx, page);
    }
    fz_catch(ctx) {
        t->errors++;
    }
}

static void one_file(fz_context *ctx, const char *path, totals *t)
{
    fz_document *doc = NULL;
    int npages = -1;
    fz_var(doc);
    fz_var(npages);
    fz_try(ctx) {
        doc = fz_open_document(ctx, path);
        npages = fz_count_pages(ctx, doc);
    }
    fz_catch(ctx) {
        npages = -1;
    }
    if (npages < 0) {
        fz_drop_document(ctx, doc);
        t->errors++;
        return;
    }
    t->files++;
    for (int i = 0; i < npages; i++)
        one_page(ctx, doc, i, t);
    fz_drop_document(ctx, doc);
}

static int run_list(fz_context *ctx, const char *list, totals *t)
{
    FILE *f = fopen(list, "r");
    if (!f) {
        fprintf(stderr, "parse_floor: cannot open list %s\n", list);
        return -1;
    }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            one_file(ctx, line, t);
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    /* The same allocator setting as medstream (src/main.c), so the two
     * differ only in the work they do. */
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    if (!ctx) {
        fprintf(stderr, "parse_floor: cannot create MuPDF context\n");
        return 1;
    }
    fz_set_error_callback(ctx, quiet, NULL);
    fz_set_warning_callback(ctx, quiet, NULL);
    fz_register_document_handlers(ctx);

    totals t = {0};
    int rc = 0, inputs = 0;
    double t0 = now_s();
    for (int i = 1; i < argc && rc == 0; i++) {
        if (!strcmp(argv[i], "--no-clip")) {
            stext_opts.flags = 0;
        } else if (!strcmp(argv[i], "--list") && i + 1 < argc) {
            rc = run_list(ctx, argv[++i], &t);
            inputs++;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "usage: parse_floor [--no-clip] [--list FILE] [FILE...]\n");
            rc = 2;
        } else {
            one_file(ctx, argv[i], &t);
            inputs++;
        }
    }
    double secs = now_s() - t0;
    fz_drop_context(ctx);
    if (rc)
        return rc;
    if (!inputs) {
        fprintf(stderr, "usage: parse_floor [--no-clip] [--list FILE] [FILE...]\n");
        return 2;
    }
    printf("files=%ld pages=%ld chars=%llu errors=%ld seconds=%.3f pages_per_s=%.1f\n",
           t.files, t.pages, (unsigned long long)t.chars, t.errors, secs,
           secs > 0 ? (double)t.pages / secs : 0.0);
    /* The checksum keeps the walk honest; stderr so the result line stays one line. */
    fprintf(stderr, "checksum=%llu\n", (unsigned long long)t.sum);
    return 0;
}
