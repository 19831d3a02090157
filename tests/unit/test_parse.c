/* test_parse.c -- the parse stage: text and page ranges of generated PDFs; every failure reason (not_pdf, encrypted, corrupt,
 * too_large by pages and by bytes, timeout between pages and inside a
 * runaway page, no_text, io_error, aborted); path vs bytes input; two
 * workers parsing concurrently; and, when $MS_SHARED is present, every PDF
 * of the hostile corpora/pdfs set ending as success or a reason code with
 * the output invariants intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

#include "pdfgen.h"
#include "stages/parse_pdf.h"
#include "stages/text_norm.h"
#include "testutil.h"

static char *g_dir;

/* ---- helpers ---- */

static char *make_pdf(const char *name, const char *text, const ms_pdfgen_opts *o)
{
    char *path = ms_test_path(g_dir, name);
    char err[256];
    assert_non_null(path);
    int rc = ms_pdfgen_write(path, text, strlen(text), o, err, sizeof err);
    if (rc)
        print_message("pdfgen: %s\n", err);
    assert_int_equal(rc, 0);
    return path;
}

typedef struct runner {
    ms_stage *st;
    void *w;
} runner;

static void runner_open(runner *r, const ms_parse_opts *o)
{
    r->st = ms_parse_stage_new(o);
    assert_non_null(r->st);
    assert_string_equal(r->st->ops->name, "parse");
    assert_int_equal(r->st->ops->kind, MS_STAGE_CPU);
    assert_int_equal(r->st->ops->worker_init(r->st, 0, &r->w), 0);
}

static void runner_close(runner *r)
{
    r->st->ops->worker_fini(r->st, r->w);
    r->st->ops->destroy(r->st);
}

static ms_doc *doc_bytes(const void *data, size_t len)
{
    ms_doc *d = ms_doc_new();
    assert_non_null(d);
    d->input = malloc(len ? len : 1);
    assert_non_null(d->input);
    memcpy(d->input, data, len);
    d->input_len = len;
    return d;
}

static ms_doc *doc_file_bytes(const char *path)
{
    size_t len;
    char *data = ms_test_read_file(path, &len);
    assert_non_null(data);
    ms_doc *d = ms_doc_new();
    assert_non_null(d);
    d->input = (unsigned char *)data;
    d->input_len = len;
    return d;
}

static ms_doc *doc_path(const char *path)
{
    ms_doc *d = ms_doc_new();
    assert_non_null(d);
    d->input_path = strdup(path);
    assert_non_null(d->input_path);
    return d;
}

/* Parse with a fresh stage; returns the doc (check ->reason). */
static ms_doc *parse_doc(const ms_parse_opts *o, ms_doc *d)
{
    runner r;
    runner_open(&r, o);
    int rc = r.st->ops->process(r.st, r.w, d);
    assert_int_equal(rc, d->reason ? -1 : 0);
    runner_close(&r);
    return d;
}

static void expect_reason(ms_doc *d, const char *reason)
{
    if (!d->reason || strcmp(d->reason, reason) != 0)
        print_message("expected %s, got %s (%s)\n", reason, d->reason ? d->reason : "success",
                      d->message);
    assert_non_null(d->reason);
    assert_string_equal(d->reason, reason);
    assert_string_equal(d->failed_stage, "parse");
    assert_null(d->text);
}

static char *page_str(const ms_doc *d, int i)
{
    assert_true(i < d->npages);
    return strndup(d->text + d->pages[i].offset, d->pages[i].len);
}

/* Invariants of a successful parse. */
static void check_output(const ms_doc *d)
{
    assert_null(d->reason);
    assert_non_null(d->text);
    assert_int_equal(strlen(d->text), d->text_len);
    assert_int_equal(ms_text_count_chars(d->text, d->text_len), d->text_chars);
    assert_true(d->npages > 0);
    assert_non_null(d->pages);
    assert_true(d->pages_failed >= 0 && d->pages_failed < d->npages);
    assert_int_equal(d->pages[0].offset, 0);
    for (int i = 0; i < d->npages; i++) {
        const ms_page *p = &d->pages[i];
        assert_true(p->offset + p->len <= d->text_len);
        if (i > 0) {
            const ms_page *q = &d->pages[i - 1];
            assert_int_equal(p->offset, q->offset + q->len + 2);
            assert_memory_equal(d->text + p->offset - 2, "\n\n", 2);
        }
    }
    const ms_page *last = &d->pages[d->npages - 1];
    assert_int_equal(last->offset + last->len, d->text_len);

    /* Valid UTF-8, no control characters but \n and \t, no space before a
     * line end, already NFC. */
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)d->text;
    for (size_t i = 0; i < d->text_len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(d->text_len - i), &cp);
        assert_true(n > 0);
        assert_true(cp == '\n' || cp == '\t' || utf8proc_category(cp) != UTF8PROC_CATEGORY_CC);
        i += (size_t)n;
    }
    assert_null(strstr(d->text, " \n"));
    utf8proc_uint8_t *nfc = utf8proc_NFC(s);
    assert_non_null(nfc);
    assert_string_equal((char *)nfc, d->text);
    free(nfc);
}

/* Re-save a PDF with AES-256 and the given passwords, using MuPDF. */
static int reencrypt(const char *in, const char *out, const char *upwd, const char *opwd)
{
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    pdf_document *doc = NULL;
    int ok = 0;
    fz_var(doc);
    fz_var(ok);
    fz_try(ctx) {
        doc = pdf_open_document(ctx, in);
        pdf_write_options wo = pdf_default_write_options;
        wo.do_encrypt = PDF_ENCRYPT_AES_256;
        snprintf(wo.upwd_utf8, sizeof wo.upwd_utf8, "%s", upwd);
        snprintf(wo.opwd_utf8, sizeof wo.opwd_utf8, "%s", opwd);
        pdf_save_document(ctx, doc, out, &wo);
        ok = 1;
    }
    fz_always(ctx)
        pdf_drop_document(ctx, doc);
    fz_catch(ctx)
        ok = 0;
    fz_drop_context(ctx);
    return ok;
}

/* MuPDF's description of the file's encryption ("None" when plain). */
static void encryption_of(const char *path, char *buf, int size)
{
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    fz_document *doc = NULL;
    fz_var(doc);
    snprintf(buf, (size_t)size, "error");
    fz_register_document_handlers(ctx);
    fz_try(ctx) {
        doc = fz_open_document(ctx, path);
        fz_lookup_metadata(ctx, doc, FZ_META_ENCRYPTION, buf, size);
    }
    fz_always(ctx)
        fz_drop_document(ctx, doc);
    fz_catch(ctx)
        snprintf(buf, (size_t)size, "error");
    fz_drop_context(ctx);
}

/* A one-page "billion laughs" PDF: form XObject level k draws level k-1
 * ten times; the leaf strokes 20 paths. levels = 6 means 10^6 leaves, many
 * seconds of interpretation, but a 2 KB file and flat memory (the text
 * device ignores strokes). */
static int write_bomb(const char *path, int levels)
{
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    pdf_document *doc = NULL;
    fz_font *font = NULL;
    fz_buffer *buf = NULL;
    pdf_obj *x = NULL, *res = NULL, *fref = NULL, *page = NULL;
    int ok = 0;
    fz_var(doc);
    fz_var(font);
    fz_var(buf);
    fz_var(x);
    fz_var(res);
    fz_var(fref);
    fz_var(page);
    fz_var(ok);
    fz_try(ctx) {
        fz_rect box = {0, 0, 612, 792};
        doc = pdf_create_document(ctx);
        font = fz_new_base14_font(ctx, "Helvetica");
        fref = pdf_add_simple_font(ctx, doc, font, PDF_SIMPLE_ENCODING_LATIN);
        buf = fz_new_buffer(ctx, 1024);
        for (int i = 0; i < 20; i++)
            fz_append_string(ctx, buf, "10 10 m 20 20 l 30 10 l h S\n");
        res = pdf_new_dict(ctx, doc, 1);
        x = pdf_new_xobject(ctx, doc, box, fz_identity, res, buf);
        for (int l = 1; l <= levels + 1; l++) {
            fz_drop_buffer(ctx, buf);
            buf = NULL;
            pdf_drop_obj(ctx, res);
            res = NULL;
            buf = fz_new_buffer(ctx, 256);
            if (l > levels)
                fz_append_string(ctx, buf, "BT /F1 10 Tf 72 720 Td (Runaway page) Tj ET\n");
            for (int i = 0; i < (l > levels ? 1 : 10); i++)
                fz_append_string(ctx, buf, "/X Do\n");
            res = pdf_new_dict(ctx, doc, 2);
            pdf_dict_puts(ctx, pdf_dict_put_dict(ctx, res, PDF_NAME(XObject), 1), "X", x);
            pdf_dict_puts(ctx, pdf_dict_put_dict(ctx, res, PDF_NAME(Font), 1), "F1", fref);
            if (l <= levels) {
                pdf_obj *nx = pdf_new_xobject(ctx, doc, box, fz_identity, res, buf);
                pdf_drop_obj(ctx, x);
                x = nx;
            } else {
                page = pdf_add_page(ctx, doc, box, 0, res, buf);
                pdf_insert_page(ctx, doc, -1, page);
            }
        }
        pdf_write_options wo = pdf_default_write_options;
        wo.do_compress = 1;
        pdf_save_document(ctx, doc, path, &wo);
        ok = 1;
    }
    fz_always(ctx) {
        pdf_drop_obj(ctx, page);
        pdf_drop_obj(ctx, x);
        pdf_drop_obj(ctx, res);
        pdf_drop_obj(ctx, fref);
        fz_drop_buffer(ctx, buf);
        fz_drop_font(ctx, font);
        pdf_drop_document(ctx, doc);
    }
    fz_catch(ctx)
        ok = 0;
    fz_drop_context(ctx);
    return ok;
}

/* ---- good documents ---- */

static const char *k_good =
    "Patient presented with alpha symptoms.\n"
    "Second line alpha2 caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac \xe4\xb8\xad.\n"
    "\n"
    "New paragraph here.\n"
    "\f"
    "bravo findings ( parens ) and back\\slash.\n"
    "\f"
    "charlie conclusion.\n";

static void test_good_multipage(void **state)
{
    (void)state;
    ms_pdfgen_opts o = {.header = "Clinic Header", .footer = "Page %d of %d"};
    char *path = make_pdf("good.pdf", k_good, &o);
    ms_doc *d = parse_doc(NULL, doc_file_bytes(path));
    check_output(d);
    assert_int_equal(d->npages, 3);
    assert_int_equal(d->pages_failed, 0);

    char *p1 = page_str(d, 0), *p2 = page_str(d, 1), *p3 = page_str(d, 2);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_non_null(p3);
    assert_non_null(strstr(p1, "Patient presented with alpha symptoms."));
    /* WinAnsi round trip: Latin-1 and the euro survive, CJK became '?' */
    assert_non_null(strstr(p1, "Second line alpha2 caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac ?."));
    assert_non_null(strstr(p1, "New paragraph here."));
    assert_null(strstr(p1, "bravo"));
    assert_non_null(strstr(p2, "bravo findings ( parens ) and back\\slash."));
    assert_null(strstr(p2, "alpha"));
    assert_null(strstr(p2, "charlie"));
    assert_non_null(strstr(p3, "charlie conclusion."));
    assert_null(strstr(p3, "bravo"));
    /* Header first, footer last, numbered, on every page. */
    assert_true(strncmp(p1, "Clinic Header\n", 14) == 0);
    assert_true(strncmp(p2, "Clinic Header\n", 14) == 0);
    const char *f1 = "Page 1 of 3", *f3 = "Page 3 of 3";
    assert_string_equal(p1 + strlen(p1) - strlen(f1), f1);
    assert_non_null(strstr(p2, "Page 2 of 3"));
    assert_string_equal(p3 + strlen(p3) - strlen(f3), f3);
    free(p1);
    free(p2);
    free(p3);
    ms_doc_free(d);
    free(path);
}

static void test_path_vs_bytes(void **state)
{
    (void)state;
    ms_pdfgen_opts o = {.header = "H", .footer = "%d/%d", .min_pages = 4};
    char *path = make_pdf("pathbytes.pdf", k_good, &o);
    ms_doc *a = parse_doc(NULL, doc_file_bytes(path));
    ms_doc *b = parse_doc(NULL, doc_path(path));
    check_output(a);
    check_output(b);
    assert_int_equal(a->npages, 4);
    assert_int_equal(a->text_len, b->text_len);
    assert_int_equal(a->text_chars, b->text_chars);
    assert_string_equal(a->text, b->text);
    assert_int_equal(a->npages, b->npages);
    assert_memory_equal(a->pages, b->pages, sizeof(ms_page) * (size_t)a->npages);
    char *p4 = page_str(a, 3);
    assert_non_null(strstr(p4, "(continued)"));
    free(p4);
    ms_doc_free(a);
    ms_doc_free(b);
    free(path);

    /* Unreadable paths. */
    ms_doc *d = parse_doc(NULL, doc_path("/nonexistent/medstream/x.pdf"));
    expect_reason(d, "io_error");
    ms_doc_free(d);
    d = parse_doc(NULL, doc_path(g_dir));
    expect_reason(d, "io_error");
    ms_doc_free(d);
    d = parse_doc(NULL, ms_doc_new());
    expect_reason(d, "io_error");
    ms_doc_free(d);
}

/* ---- encryption ---- */

static void test_encrypted(void **state)
{
    (void)state;
    ms_pdfgen_opts o = {.user_password = "s3cret"};
    char *path = make_pdf("enc_user.pdf", "secret words\n", &o);
    char enc[128];
    encryption_of(path, enc, sizeof enc);
    assert_string_not_equal(enc, "None");
    ms_doc *d = parse_doc(NULL, doc_file_bytes(path));
    expect_reason(d, "encrypted");
    ms_doc_free(d);
    free(path);
}

static void test_owner_password_only(void **state)
{
    (void)state;
    char *plain = make_pdf("enc_plain.pdf", "owner locked words\n", NULL);
    char *path = ms_test_path(g_dir, "enc_owner.pdf");
    assert_true(reencrypt(plain, path, "", "owner-pw"));
    char enc[128];
    encryption_of(path, enc, sizeof enc);
    assert_string_not_equal(enc, "None");
    assert_string_not_equal(enc, "error");
    ms_doc *d = parse_doc(NULL, doc_file_bytes(path));
    check_output(d);
    assert_non_null(strstr(d->text, "owner locked words"));
    ms_doc_free(d);
    free(plain);
    free(path);
}

/* ---- broken input ---- */

static void test_not_pdf(void **state)
{
    (void)state;
    ms_doc *d = parse_doc(NULL, doc_bytes("hello, not a pdf at all\n", 24));
    expect_reason(d, "not_pdf");
    ms_doc_free(d);

    d = parse_doc(NULL, doc_bytes("", 0));
    expect_reason(d, "not_pdf");
    ms_doc_free(d);

    /* The magic must be within the first 1024 bytes. */
    char buf[1200];
    memset(buf, ' ', sizeof buf);
    memcpy(buf + 1100, "%PDF-1.7\n", 9);
    d = parse_doc(NULL, doc_bytes(buf, sizeof buf));
    expect_reason(d, "not_pdf");
    ms_doc_free(d);

    /* Leading junk before the magic is tolerated (then it is just broken). */
    memcpy(buf + 100, "%PDF-1.7\n", 9);
    d = parse_doc(NULL, doc_bytes(buf, sizeof buf));
    assert_non_null(d->reason);
    assert_string_not_equal(d->reason, "not_pdf");
    ms_doc_free(d);
}

static void test_corrupt(void **state)
{
    (void)state;
    /* A header and 8 KB of pseudo-random garbage: nothing to repair. */
    unsigned char buf[8192];
    memcpy(buf, "%PDF-1.7\n", 9);
    uint32_t x = 12345;
    for (size_t i = 9; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
    ms_doc *d = parse_doc(NULL, doc_bytes(buf, sizeof buf));
    expect_reason(d, "corrupt");
    ms_doc_free(d);

    /* A page tree that claims two pages but has no kids: both pages fail
     * to load, so every page failed. */
    static const char tree[] =
        "%PDF-1.7\n"
        "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        "2 0 obj << /Type /Pages /Kids [] /Count 2 >> endobj\n"
        "trailer << /Root 1 0 R /Size 3 >>\n%%EOF\n";
    d = parse_doc(NULL, doc_bytes(tree, sizeof tree - 1));
    expect_reason(d, "corrupt");
    assert_non_null(strstr(d->message, "none of the 2 pages"));
    ms_doc_free(d);
}

/* A good file cut short. MuPDF notices the missing xref and rebuilds it
 * by scanning for objects. pdfgen writes the catalog and the page tree
 * first, so a file cut at a quarter still has all 6 pages: the pages whose
 * objects survived keep their text, the rest load as empty pages (they do
 * not fail). Longer cuts may leave MuPDF unable to repair at all (corrupt).
 * Asserted: the quarter cut's shape, and for every cut no crash and either
 * a successful parse with intact invariants or a corrupt/no_text verdict. */
static void test_truncated(void **state)
{
    (void)state;
    char text[4096] = "";
    for (int i = 1; i <= 6; i++) {
        char line[128];
        snprintf(line, sizeof line, "page %d says truncation%d\n\f", i, i);
        strcat(text, line);
    }
    char *path = make_pdf("trunc_src.pdf", text, NULL);
    size_t len;
    char *data = ms_test_read_file(path, &len);
    assert_non_null(data);

    ms_doc *d = parse_doc(NULL, doc_bytes(data, len / 4));
    check_output(d);
    assert_int_equal(d->npages, 6);
    assert_int_equal(d->pages_failed, 0);
    char *p1 = page_str(d, 0);
    assert_string_equal(p1, "page 1 says truncation1");
    free(p1);
    assert_int_equal(d->pages[5].len, 0);
    ms_doc_free(d);

    for (size_t cut = len / 8; cut < len; cut += len / 8) {
        d = parse_doc(NULL, doc_bytes(data, cut));
        if (d->reason) {
            assert_true(!strcmp(d->reason, "corrupt") || !strcmp(d->reason, "no_text"));
            print_message("truncated at %zu/%zu: %s (%s)\n", cut, len, d->reason, d->message);
        } else {
            check_output(d);
            print_message("truncated at %zu/%zu: ok, %d pages, %d failed\n", cut, len,
                          d->npages, d->pages_failed);
        }
        ms_doc_free(d);
    }
    free(data);
    free(path);
}

static void test_blank_pages(void **state)
{
    (void)state;
    char *path = make_pdf("blank.pdf", "\f \f\n\n\f", NULL);
    ms_doc *d = parse_doc(NULL, doc_file_bytes(path));
    expect_reason(d, "no_text");
    ms_doc_free(d);
    free(path);
}

/* ---- limits ---- */

static void test_too_many_pages(void **state)
{
    (void)state;
    ms_pdfgen_opts o = {.footer = "%d", .min_pages = 120};
    char *path = make_pdf("pages120.pdf", "first page\n", &o);
    ms_parse_opts lim = {.max_pages = 50};
    ms_doc *d = parse_doc(&lim, doc_file_bytes(path));
    expect_reason(d, "too_large");
    ms_doc_free(d);

    lim.max_pages = 120;
    d = parse_doc(&lim, doc_file_bytes(path));
    check_output(d);
    assert_int_equal(d->npages, 120);
    char *last = page_str(d, 119);
    assert_non_null(strstr(last, "120"));
    free(last);
    ms_doc_free(d);
    free(path);
}

static void test_too_many_bytes(void **state)
{
    (void)state;
    char *path = make_pdf("bytes.pdf", k_good, NULL);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    size_t size = (size_t)st.st_size;

    ms_parse_opts lim = {.max_bytes = size - 1};
    ms_doc *d = parse_doc(&lim, doc_file_bytes(path));
    expect_reason(d, "too_large");
    ms_doc_free(d);
    d = parse_doc(&lim, doc_path(path));
    expect_reason(d, "too_large");
    ms_doc_free(d);

    lim.max_bytes = size;
    d = parse_doc(&lim, doc_path(path));
    check_output(d);
    ms_doc_free(d);
    free(path);

    ms_parse_opts bad = {.max_pages = -1};
    assert_null(ms_parse_stage_new(&bad));
}

/* ---- time budget ---- */

static void test_timeout_between_pages(void **state)
{
    (void)state;
    ms_pdfgen_opts o = {.header = "timeout test", .min_pages = 400};
    char *path = make_pdf("pages400.pdf", "some words to extract\n", &o);
    ms_parse_opts lim = {.timeout_ms = 1};
    ms_doc *d = parse_doc(&lim, doc_file_bytes(path));
    expect_reason(d, "timeout");
    ms_doc_free(d);

    /* The same document with room to spare parses (the budget is per report). */
    lim.timeout_ms = 600000;
    d = parse_doc(&lim, doc_file_bytes(path));
    check_output(d);
    assert_int_equal(d->npages, 400);
    ms_doc_free(d);
    free(path);
}

/* One page that would run for many seconds: only the watchdog can stop it,
 * by aborting through the cookie while MuPDF is inside the page. */
static void test_timeout_runaway_page(void **state)
{
    (void)state;
    char *path = ms_test_path(g_dir, "bomb.pdf");
    assert_true(write_bomb(path, 6));
    ms_parse_opts lim = {.timeout_ms = 200};
    ms_doc *d = parse_doc(&lim, doc_file_bytes(path));
    expect_reason(d, "timeout");
    assert_non_null(strstr(d->message, "in page 1 of 1"));
    ms_doc_free(d);
    free(path);
}

typedef struct abort_job {
    runner *r;
    ms_doc *doc;
    int rc;
} abort_job;

static void *abort_job_main(void *arg)
{
    abort_job *j = arg;
    j->rc = j->r->st->ops->process(j->r->st, j->r->w, j->doc);
    return NULL;
}

static void test_abort_all(void **state)
{
    (void)state;
    char *path = ms_test_path(g_dir, "bomb_abort.pdf");
    assert_true(write_bomb(path, 6));
    runner r;
    runner_open(&r, NULL);
    abort_job j = {&r, doc_file_bytes(path), 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, abort_job_main, &j), 0);
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    r.st->ops->abort_all(r.st);
    pthread_join(t, NULL);
    assert_int_equal(j.rc, -1);
    expect_reason(j.doc, "aborted");
    ms_doc_free(j.doc);

    /* After abort_all every report fails fast. */
    char *good = make_pdf("after_abort.pdf", "fine text\n", NULL);
    ms_doc *d = doc_file_bytes(good);
    assert_int_equal(r.st->ops->process(r.st, r.w, d), -1);
    expect_reason(d, "aborted");
    ms_doc_free(d);
    runner_close(&r);
    free(good);
    free(path);
}

/* ---- concurrency ---- */

typedef struct conc_job {
    ms_stage *st;
    const char *path;
    const char *want;
    int by_path;
    int iterations;
    int mismatches;
} conc_job;

static void *conc_main(void *arg)
{
    conc_job *j = arg;
    void *w = NULL;
    if (j->st->ops->worker_init(j->st, j->by_path, &w) != 0) {
        j->mismatches = -1;
        return NULL;
    }
    for (int i = 0; i < j->iterations; i++) {
        ms_doc *d = ms_doc_new();
        if (j->by_path) {
            d->input_path = strdup(j->path);
        } else {
            size_t len;
            d->input = (unsigned char *)ms_test_read_file(j->path, &len);
            d->input_len = len;
        }
        if (j->st->ops->process(j->st, w, d) != 0 || strcmp(d->text, j->want) != 0)
            j->mismatches++;
        ms_doc_free(d);
    }
    j->st->ops->worker_fini(j->st, w);
    return NULL;
}

static void test_two_workers(void **state)
{
    (void)state;
    ms_pdfgen_opts oa = {.header = "Worker A", .min_pages = 12};
    ms_pdfgen_opts ob = {.footer = "B %d of %d", .min_pages = 9};
    char *pa = make_pdf("conc_a.pdf", k_good, &oa);
    char *pb = make_pdf("conc_b.pdf", "another document\fwith two pages\n", &ob);
    ms_doc *ea = parse_doc(NULL, doc_path(pa));
    ms_doc *eb = parse_doc(NULL, doc_path(pb));
    check_output(ea);
    check_output(eb);

    ms_parse_opts lim = {.timeout_ms = 600000, .max_pages = 100};
    ms_stage *st = ms_parse_stage_new(&lim);
    assert_non_null(st);
    conc_job ja = {st, pa, ea->text, 0, 15, 0};
    conc_job jb = {st, pb, eb->text, 1, 15, 0};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, conc_main, &ja), 0);
    assert_int_equal(pthread_create(&tb, NULL, conc_main, &jb), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    st->ops->destroy(st);
    assert_int_equal(ja.mismatches, 0);
    assert_int_equal(jb.mismatches, 0);
    ms_doc_free(ea);
    ms_doc_free(eb);
    free(pa);
    free(pb);
}

/* ---- the hostile corpus ---- */

typedef struct pathlist {
    char **v;
    size_t n, cap;
} pathlist;

static void collect_pdfs(const char *dir, pathlist *pl)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = ms_test_path(dir, e->d_name);
        struct stat st;
        if (!p || stat(p, &st) != 0) {
            free(p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            collect_pdfs(p, pl);
            free(p);
        } else if (S_ISREG(st.st_mode)) {
            if (pl->n == pl->cap) {
                pl->cap = pl->cap ? pl->cap * 2 : 256;
                pl->v = realloc(pl->v, pl->cap * sizeof *pl->v);
                assert_non_null(pl->v);
            }
            pl->v[pl->n++] = p;
        } else {
            free(p);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(void **state)
{
    (void)state;
    const char *shared = ms_test_shared_dir();
    if (!shared) {
        print_message("MS_SHARED not set or absent: corpus part skipped\n");
        skip();
    }
    char *root = ms_test_path(shared, "corpora/pdfs");
    pathlist pl = {0};
    collect_pdfs(root, &pl);
    if (pl.n == 0) {
        print_message("no files under %s: corpus part skipped\n", root);
        free(root);
        skip();
    }
    qsort(pl.v, pl.n, sizeof *pl.v, cmp_str);

    static const char *const reasons[] = {"not_pdf", "encrypted", "corrupt", "too_large",
                                          "timeout", "no_text", "io_error"};
    size_t counts[8] = {0}, ok = 0, pages = 0, failed_pages = 0;
    ms_parse_opts lim = {.timeout_ms = 30000, .max_bytes = (size_t)256 << 20};
    runner r;
    runner_open(&r, &lim);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < pl.n; i++) {
        ms_doc *d = doc_path(pl.v[i]);
        int rc = r.st->ops->process(r.st, r.w, d);
        if (rc == 0) {
            check_output(d);
            ok++;
            pages += (size_t)d->npages;
            failed_pages += (size_t)d->pages_failed;
        } else {
            assert_non_null(d->reason);
            size_t k = 0;
            while (k < 7 && strcmp(d->reason, reasons[k]) != 0)
                k++;
            if (k == 7)
                print_message("%s: unexpected reason %s\n", pl.v[i], d->reason);
            assert_true(k < 7);
            assert_null(d->text);
            counts[k]++;
        }
        ms_doc_free(d);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    runner_close(&r);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("corpus: %zu files, %zu ok (%zu pages, %zu unreadable), %.2f s\n", pl.n, ok,
                  pages, failed_pages, secs);
    for (size_t k = 0; k < 7; k++)
        if (counts[k])
            print_message("corpus:   %s %zu\n", reasons[k], counts[k]);
    assert_true(ok > 0);
    for (size_t i = 0; i < pl.n; i++)
        free(pl.v[i]);
    free(pl.v);
    free(root);
}

static int setup(void **state)
{
    (void)state;
    g_dir = ms_test_tmpdir("parse");
    return g_dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_test_rm_rf(g_dir);
    free(g_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_multipage),
        cmocka_unit_test(test_path_vs_bytes),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_owner_password_only),
        cmocka_unit_test(test_not_pdf),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_blank_pages),
        cmocka_unit_test(test_too_many_pages),
        cmocka_unit_test(test_too_many_bytes),
        cmocka_unit_test(test_timeout_between_pages),
        cmocka_unit_test(test_timeout_runaway_page),
        cmocka_unit_test(test_abort_all),
        cmocka_unit_test(test_two_workers),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
