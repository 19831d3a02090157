/* test_pdf_layout.c -- the reading order of a page: visual rows from
 * positioned fragments (cells drawn column by column, cells drawn with wide
 * gaps, rows with different font sizes, rotated text, blank lines), pages of
 * prose in columns left alone; and through the parse stage, a lab table
 * drawn column by column in a real PDF reads as rows the lab-table reader
 * takes, flags included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/doc.h"
#include "core/stage.h"
#include "stages/labs.h"
#include "stages/parse_pdf.h"
#include "stages/pdf_layout.h"
#include "testutil.h"

typedef struct out {
    char buf[8192];
    size_t len;
} out;

static void put(void *ud, const char *p, size_t n)
{
    out *o = ud;
    assert_true(o->len + n < sizeof o->buf);
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* A page from "x y text" cells (y = baseline, height 10, 5 units per char),
 * in the order given; text is built into txt. */
typedef struct cell {
    float x, y;
    const char *s;
    size_t block;
    bool vertical;
} cell;

static bool layout(const cell *c, size_t n, float page_w, out *o)
{
    static char txt[8192];
    ms_layout_frag f[64];
    size_t t = 0;
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(c[i].s);
        memcpy(txt + t, c[i].s, len);
        f[i] = (ms_layout_frag){.x0 = c[i].x, .x1 = c[i].x + 5.0f * (float)len,
                                .y0 = c[i].y - 10, .y1 = c[i].y, .off = t, .len = len,
                                .block = c[i].block, .horizontal = !c[i].vertical};
        t += len;
    }
    o->len = 0;
    o->buf[0] = '\0';
    return ms_layout_page(f, n, page_w, txt, put, o);
}

static void test_columns_drawn_one_by_one(void **state)
{
    (void)state;
    /* every cell its own block, column by column */
    const cell c[] = {
        {50, 100, "Test", 0, 0},      {50, 112, "Potassium", 1, 0}, {50, 124, "WBC", 2, 0},
        {150, 100, "Result", 3, 0},   {150, 112, "6.8", 4, 0},      {150, 124, "14.2", 5, 0},
        {200, 100, "Flag", 6, 0},     {200, 112, "HH", 7, 0},       {200, 124, "H", 8, 0},
        {240, 100, "Range", 9, 0},    {240, 112, "3.5 - 5.1", 10, 0}, {240, 124, "4.5 - 11.0", 11, 0},
    };
    out o;
    assert_true(layout(c, sizeof c / sizeof c[0], 600, &o));
    /* gaps of about one space per character width, at least two */
    assert_string_equal(o.buf, "Test                Result    Flag    Range\n"
                               "Potassium           6.8       HH      3.5 - 5.1\n"
                               "WBC                 14.2      H       4.5 - 11.0\n");
}

static void test_word_gaps_and_baselines(void **state)
{
    (void)state;
    /* a word split into two fragments with a space-sized gap; a smaller
     * font on the same row (overlapping more than half) joins it; touching
     * fragments join without a space */
    ms_layout_frag f[] = {
        {.x0 = 10, .x1 = 35, .y0 = 90, .y1 = 100, .off = 0, .len = 5, .horizontal = true},
        {.x0 = 38, .x1 = 68, .y0 = 90, .y1 = 100, .off = 5, .len = 6, .horizontal = true},
        {.x0 = 68, .x1 = 73, .y0 = 92, .y1 = 100, .off = 11, .len = 1, .horizontal = true},
        {.x0 = 10, .x1 = 30, .y0 = 102, .y1 = 112, .off = 12, .len = 4, .horizontal = true},
    };
    out o = {0};
    assert_true(ms_layout_page(f, 4, 600, "Serumsodium:next", put, &o));
    assert_string_equal(o.buf, "Serum sodium:\nnext\n");
}

static void test_blank_lines(void **state)
{
    (void)state;
    const cell c[] = {
        {50, 100, "FINDINGS:", 0, 0},
        {50, 112, "line one of a paragraph", 0, 0},
        {50, 124, "line two", 0, 0},
        {50, 150, "after a gap", 1, 0},        /* vertical gap: blank line */
        {50, 162, "next block, no gap", 2, 0}, /* single rows, new block: blank line */
    };
    out o;
    assert_true(layout(c, sizeof c / sizeof c[0], 600, &o));
    assert_string_equal(o.buf, "FINDINGS:\nline one of a paragraph\nline two\n\nafter a gap\n\n"
                               "next block, no gap\n");
}

static void test_rotated_text_follows(void **state)
{
    (void)state;
    const cell c[] = {
        {10, 300, "Printed 2026-11-02 by LIS", 0, 1},
        {50, 100, "Sodium", 1, 0},
        {150, 100, "139", 2, 0},
    };
    out o;
    assert_true(layout(c, sizeof c / sizeof c[0], 600, &o));
    assert_string_equal(o.buf, "Sodium              139\nPrinted 2026-11-02 by LIS\n");
}

static void test_prose_columns_left_alone(void **state)
{
    (void)state;
    /* two columns of prose, each line wider than 30% of the page */
    const cell c[] = {
        {40, 100, "The patient was seen today for follow up of", 0, 0},
        {40, 112, "her diabetes. She denies chest pain or fever", 0, 0},
        {40, 124, "and reports good control of her sugars now.", 0, 0},
        {320, 100, "Plan: continue metformin twice a day and come", 1, 0},
        {320, 112, "back in three months with fasting blood work", 1, 0},
        {320, 124, "drawn the week before the next appointment.", 1, 0},
    };
    out o;
    assert_false(layout(c, sizeof c / sizeof c[0], 612, &o));
    assert_int_equal(o.len, 0);
    /* the same lines on a page twice as wide are cells, not columns of prose */
    assert_true(layout(c, sizeof c / sizeof c[0], 1300, &o));
}

static void test_empty_and_blank(void **state)
{
    (void)state;
    out o = {0};
    assert_true(ms_layout_page(NULL, 0, 600, "", put, &o));
    assert_int_equal(o.len, 0);
    ms_layout_frag f[] = {
        {.x0 = 10, .x1 = 40, .y0 = 90, .y1 = 100, .off = 0, .len = 3, .horizontal = true},
        {.x0 = 50, .x1 = 60, .y0 = 90, .y1 = 100, .off = 3, .len = 2, .horizontal = true},
    };
    assert_true(ms_layout_page(f, 2, 600, "   ab", put, &o));
    assert_string_equal(o.buf, "ab\n");
}

/* ---- through the parse stage ------------------------------------------- */

/* A one-page PDF whose content stream draws each cell with its own text
 * object, column after column (as some report writers do). */
static char *write_column_pdf(const char *dir)
{
    static const char *const rows[][4] = {
        {"Test", "Result", "Flag", "Reference Range"},
        {"Hemoglobin", "9.8", "L", "12.0 - 15.5"},
        {"Potassium", "6.8", "HH", "3.5 - 5.1"},
        {"Platelets", "250", "", "150 - 400"},
    };
    static const int xs[] = {72, 220, 290, 340};
    char content[4096];
    size_t n = 0;
    for (int c = 0; c < 4; c++)
        for (int r = 0; r < 4; r++)
            if (rows[r][c][0])
                n += (size_t)snprintf(content + n, sizeof content - n,
                                      "BT /F1 10 Tf %d %d Td (%s) Tj ET\n", xs[c], 700 - 14 * r,
                                      rows[r][c]);
    n += (size_t)snprintf(content + n, sizeof content - n,
                          "BT /F1 10 Tf 72 600 Td (Comment: critical value called.) Tj ET\n");
    char pdf[8192];
    size_t off[6], len = 0;
    len += (size_t)snprintf(pdf + len, sizeof pdf - len, "%%PDF-1.4\n");
    const char *objs[5] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        NULL,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    };
    for (int i = 0; i < 5; i++) {
        off[i + 1] = len;
        if (objs[i])
            len += (size_t)snprintf(pdf + len, sizeof pdf - len, "%d 0 obj\n%s\nendobj\n", i + 1,
                                    objs[i]);
        else
            len += (size_t)snprintf(pdf + len, sizeof pdf - len,
                                    "%d 0 obj\n<< /Length %zu >>\nstream\n%sendstream\nendobj\n",
                                    i + 1, n, content);
    }
    size_t xref = len;
    len += (size_t)snprintf(pdf + len, sizeof pdf - len, "xref\n0 6\n0000000000 65535 f \n");
    for (int i = 1; i <= 5; i++)
        len += (size_t)snprintf(pdf + len, sizeof pdf - len, "%010zu 00000 n \n", off[i]);
    len += (size_t)snprintf(pdf + len, sizeof pdf - len,
                            "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
    char *path = ms_test_path(dir, "columns.pdf");
    assert_int_equal(ms_test_write_file(path, pdf, len), 0);
    return path;
}

static char *parse_text(const char *path, bool blocks)
{
    ms_parse_opts o = {.layout_blocks = blocks};
    ms_stage *st = ms_parse_stage_new(&o);
    assert_non_null(st);
    void *w = NULL;
    assert_int_equal(st->ops->worker_init(st, 0, &w), 0);
    ms_doc *d = ms_doc_new();
    d->input_path = strdup(path);
    assert_int_equal(st->ops->process(st, w, d), 0);
    char *text = strdup(d->text);
    ms_doc_free(d);
    st->ops->worker_fini(st, w);
    st->ops->destroy(st);
    return text;
}

static void test_parse_columns_pdf(void **state)
{
    (void)state;
    char *dir = ms_test_tmpdir("layout");
    char *path = write_column_pdf(dir);

    char *rows = parse_text(path, false);
    ms_lab_rows r = {0};
    assert_int_equal(ms_labs_read(rows, strlen(rows), &r), 0);
    assert_int_equal(r.n, 3);
    assert_memory_equal(rows + r.v[1].name.b, "Potassium", 9);
    assert_memory_equal(rows + r.v[1].value.b, "6.8", 3);
    assert_int_equal(r.v[1].flag, MS_LAB_FLAG_CRITICAL);
    assert_int_equal(r.v[0].flag, MS_LAB_FLAG_LOW);
    assert_true(r.v[2].has_low && r.v[2].has_high);
    ms_lab_rows_free(&r);
    assert_non_null(strstr(rows, "\nComment: critical value called."));

    /* MuPDF's block order loses the rows: nothing to read */
    char *blocks = parse_text(path, true);
    assert_int_equal(ms_labs_read(blocks, strlen(blocks), &r), 0);
    assert_int_equal(r.n, 0);
    ms_lab_rows_free(&r);

    free(rows);
    free(blocks);
    free(path);
    ms_test_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_drawn_one_by_one),
        cmocka_unit_test(test_word_gaps_and_baselines),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_rotated_text_follows),
        cmocka_unit_test(test_prose_columns_left_alone),
        cmocka_unit_test(test_empty_and_blank),
        cmocka_unit_test(test_parse_columns_pdf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
