/* test_pdfgen.c -- the PDF generator, read back with MuPDF directly: word
 * wrap inside the margins, hard cuts of over-long words, page breaks (full
 * page, form feed, min_pages padding), header/footer with the footer's
 * "%d" substitution, string escaping and the WinAnsi fallback to '?',
 * AES-256 encryption, argument errors, and the medstream-mkpdf CLI exit
 * codes when $MS_MKPDF points at the built binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mupdf/fitz.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pdfgen.h"
#include "testutil.h"

static char *g_dir;

#define RIGHT_EDGE (612.0f - 72.0f)

typedef struct readback {
    int npages;
    char *pages[512];      /* text of each page, lines ending in '\n' */
    float max_x1;          /* right edge of the widest body line */
    int encrypted;         /* needs a password */
} readback;

static void rb_free(readback *rb)
{
    for (int i = 0; i < rb->npages; i++)
        free(rb->pages[i]);
}

static char *page_text(fz_context *ctx, fz_stext_page *tp, float *max_x1)
{
    fz_buffer *buf = fz_new_buffer(ctx, 1024);
    for (fz_stext_block *b = tp->first_block; b; b = b->next) {
        if (b->type != FZ_STEXT_BLOCK_TEXT)
            continue;
        for (fz_stext_line *l = b->u.t.first_line; l; l = l->next) {
            if (l->bbox.x1 > *max_x1)
                *max_x1 = l->bbox.x1;
            for (fz_stext_char *c = l->first_char; c; c = c->next)
                fz_append_rune(ctx, buf, c->c);
            fz_append_byte(ctx, buf, '\n');
        }
    }
    char *s = strdup(fz_string_from_buffer(ctx, buf));
    fz_drop_buffer(ctx, buf);
    return s;
}

static void quiet(void *user, const char *message)
{
    (void)user;
    (void)message;
}

/* Read every page's text; password may be NULL. Returns 0 or -1. */
static int read_back(const char *path, const char *password, readback *rb)
{
    memset(rb, 0, sizeof *rb);
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    fz_document *doc = NULL;
    fz_stext_page *tp = NULL;
    int ok = 0;
    fz_var(doc);
    fz_var(tp);
    fz_var(ok);
    fz_set_error_callback(ctx, quiet, NULL);
    fz_set_warning_callback(ctx, quiet, NULL);
    fz_register_document_handlers(ctx);
    fz_try(ctx) {
        doc = fz_open_document(ctx, path);
        if (fz_needs_password(ctx, doc)) {
            rb->encrypted = 1;
            if (!password || !fz_authenticate_password(ctx, doc, password))
                fz_throw(ctx, FZ_ERROR_GENERIC, "password");
        }
        int n = fz_count_pages(ctx, doc);
        if (n > 512)
            fz_throw(ctx, FZ_ERROR_GENERIC, "too many pages");
        for (int i = 0; i < n; i++) {
            tp = fz_new_stext_page_from_page_number(ctx, doc, i, NULL);
            rb->pages[i] = page_text(ctx, tp, &rb->max_x1);
            rb->npages = i + 1;
            fz_drop_stext_page(ctx, tp);
            tp = NULL;
        }
        ok = 1;
    }
    fz_always(ctx) {
        fz_drop_stext_page(ctx, tp);
        fz_drop_document(ctx, doc);
    }
    fz_catch(ctx)
        ok = 0;
    fz_drop_context(ctx);
    return ok ? 0 : -1;
}

static char *gen(const char *name, const char *text, const ms_pdfgen_opts *o)
{
    char *path = ms_test_path(g_dir, name);
    char err[256] = "unset";
    int rc = ms_pdfgen_write(path, text, strlen(text), o, err, sizeof err);
    if (rc)
        print_message("pdfgen: %s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(err, "");
    return path;
}

static int count_sub(const char *s, const char *sub)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, sub)); p += strlen(sub))
        n++;
    return n;
}

static void test_wrap(void **state)
{
    (void)state;
    char text[4096] = "";
    for (int i = 0; i < 300; i++) {
        char w[16];
        snprintf(w, sizeof w, "w%03d ", i);
        strcat(text, w);
    }
    char *path = gen("wrap.pdf", text, NULL);
    readback rb;
    assert_int_equal(read_back(path, NULL, &rb), 0);
    assert_int_equal(rb.npages, 1);
    assert_true(rb.max_x1 <= RIGHT_EDGE + 0.5f);
    assert_true(count_sub(rb.pages[0], "\n") > 5);
    /* Every word once, in order, never split. */
    const char *p = rb.pages[0];
    for (int i = 0; i < 300; i++) {
        char w[16];
        snprintf(w, sizeof w, "w%03d", i);
        const char *q = strstr(p, w);
        assert_non_null(q);
        p = q + 4;
    }
    rb_free(&rb);
    free(path);

    /* A word wider than the line is cut, nothing lost. */
    char longw[2001];
    memset(longw, 'x', 2000);
    longw[2000] = '\0';
    path = gen("longword.pdf", longw, NULL);
    assert_int_equal(read_back(path, NULL, &rb), 0);
    assert_true(rb.max_x1 <= RIGHT_EDGE + 0.5f);
    assert_int_equal(count_sub(rb.pages[0], "x"), 2000);
    assert_true(count_sub(rb.pages[0], "\n") > 10);
    rb_free(&rb);
    free(path);
}

static void test_pages(void **state)
{
    (void)state;
    /* 120 short lines at 10 pt (51 lines a page) fill 3 pages. */
    char text[4096] = "";
    for (int i = 0; i < 120; i++) {
        char l[16];
        snprintf(l, sizeof l, "L%03d\n", i);
        strcat(text, l);
    }
    char *path = gen("lines.pdf", text, NULL);
    readback rb;
    assert_int_equal(read_back(path, NULL, &rb), 0);
    assert_int_equal(rb.npages, 3);
    assert_non_null(strstr(rb.pages[0], "L000"));
    assert_non_null(strstr(rb.pages[2], "L119"));
    rb_free(&rb);
    free(path);

    /* Form feeds, then padding to 5 pages. */
    ms_pdfgen_opts o = {.header = "HDR", .min_pages = 5};
    path = gen("ff.pdf", "one\ftwo\n\fthree", &o);
    assert_int_equal(read_back(path, NULL, &rb), 0);
    assert_int_equal(rb.npages, 5);
    assert_non_null(strstr(rb.pages[0], "one"));
    assert_non_null(strstr(rb.pages[1], "two"));
    assert_non_null(strstr(rb.pages[2], "three"));
    assert_null(strstr(rb.pages[2], "(continued)"));
    for (int i = 3; i < 5; i++) {
        assert_non_null(strstr(rb.pages[i], "(continued)"));
        assert_non_null(strstr(rb.pages[i], "HDR"));
    }
    rb_free(&rb);
    free(path);

    /* Empty text is still one page. */
    path = gen("empty.pdf", "", NULL);
    assert_int_equal(read_back(path, NULL, &rb), 0);
    assert_int_equal(rb.npages, 1);
    rb_free(&rb);
    free(path);
}

static void test_header_footer(void **state)
{
    (void)state;
    /* Only the first two %d are numbers; %s and a third %d stay literal. */
    ms_pdfgen_opts o = {.header = "Top\nline", .footer = "p%d/%d %s %d %%n"};
    char *path = gen("hf.pdf", "a\fb", &o);
    readback rb;
    assert_int_equal(read_back(path, NULL, &rb), 0);
    assert_int_equal(rb.npages, 2);
    assert_non_null(strstr(rb.pages[0], "Top line"));
    assert_non_null(strstr(rb.pages[0], "p1/2 %s %d %%n"));
    assert_non_null(strstr(rb.pages[1], "p2/2 %s %d %%n"));
    rb_free(&rb);
    free(path);
}

static void test_escape_charset(void **state)
{
    (void)state;
    const char *text = "(a) \\ b) ( caf\xc3\xa9 \xe2\x82\xac \xe4\xb8\xad\x01z \xff!";
    char *path = gen("esc.pdf", text, NULL);
    readback rb;
    assert_int_equal(read_back(path, NULL, &rb), 0);
    /* Control dropped; CJK and the invalid byte became '?'. */
    assert_non_null(strstr(rb.pages[0], "(a) \\ b) ( caf\xc3\xa9 \xe2\x82\xac ?z ?!"));
    rb_free(&rb);
    free(path);
}

static void test_encrypt(void **state)
{
    (void)state;
    ms_pdfgen_opts o = {.user_password = "pw"};
    char *path = gen("enc.pdf", "hidden words", &o);
    readback rb;
    assert_int_equal(read_back(path, NULL, &rb), -1);
    assert_true(rb.encrypted);
    rb_free(&rb);
    assert_int_equal(read_back(path, "wrong", &rb), -1);
    rb_free(&rb);
    assert_int_equal(read_back(path, "pw", &rb), 0);
    assert_non_null(strstr(rb.pages[0], "hidden words"));
    rb_free(&rb);
    free(path);
}

static void test_errors(void **state)
{
    (void)state;
    char err[128] = "";
    ms_pdfgen_opts o = {.font_size = 3};
    char *path = ms_test_path(g_dir, "bad.pdf");
    assert_int_equal(ms_pdfgen_write(path, "x", 1, &o, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    o.font_size = 0;
    o.min_pages = -1;
    assert_int_equal(ms_pdfgen_write(path, "x", 1, &o, NULL, 0), -1);
    err[0] = '\0';
    assert_int_equal(ms_pdfgen_write("/nonexistent/dir/x.pdf", "x", 1, NULL, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    free(path);
}

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_mkpdf_cli(void **state)
{
    (void)state;
    const char *bin = getenv("MS_MKPDF");
    if (!bin || access(bin, X_OK) != 0) {
        print_message("MS_MKPDF not set: CLI part skipped\n");
        skip();
    }
    char *in = ms_test_path(g_dir, "cli.txt");
    char *out = ms_test_path(g_dir, "cli.pdf");
    assert_int_equal(ms_test_write_file(in, "cli words\n", 10), 0);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' >/dev/null 2>&1", bin);
    assert_int_equal(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "'%s' --bogus '%s' '%s' >/dev/null 2>&1", bin, in, out);
    assert_int_equal(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "'%s' --min-pages x '%s' '%s' >/dev/null 2>&1", bin, in, out);
    assert_int_equal(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "'%s' '%s/none.txt' '%s' >/dev/null 2>&1", bin, g_dir, out);
    assert_int_equal(run(cmd), 1);
    snprintf(cmd, sizeof cmd, "'%s' --header H --footer '%%d of %%d' --min-pages 2 '%s' '%s'",
             bin, in, out);
    assert_int_equal(run(cmd), 0);
    readback rb;
    assert_int_equal(read_back(out, NULL, &rb), 0);
    assert_int_equal(rb.npages, 2);
    assert_non_null(strstr(rb.pages[0], "cli words"));
    assert_non_null(strstr(rb.pages[1], "2 of 2"));
    rb_free(&rb);
    snprintf(cmd, sizeof cmd, "printf 'from stdin' | '%s' --password pw - '%s'", bin, out);
    assert_int_equal(run(cmd), 0);
    assert_int_equal(read_back(out, "pw", &rb), 0);
    assert_non_null(strstr(rb.pages[0], "from stdin"));
    rb_free(&rb);
    free(in);
    free(out);
}

static int setup(void **state)
{
    (void)state;
    g_dir = ms_test_tmpdir("pdfgen");
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
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_header_footer),
        cmocka_unit_test(test_escape_charset),
        cmocka_unit_test(test_encrypt),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_mkpdf_cli),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
