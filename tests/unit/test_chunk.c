/* test_chunk.c -- the chunk stage: byte limits, break preference
 * (paragraph > sentence > whitespace > hard cut), UTF-8 safety, header and
 * footer removal and its thresholds, the stage's failure codes, and a
 * property test over random documents checking the offset map and coverage
 * invariants. Seed: fixed, printed, overridable with MS_CHUNK_SEED. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/chunk.h"

/* ---- helpers ---- */

static int ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* A growing document: text, pages, and ranges the generator wants to know
 * about later (inserted headers/footers). */
typedef struct ms_tdoc {
    char *text;
    size_t len, cap;
    ms_page pages[64];
    int npages;
    size_t bp_off[256], bp_len[256];
    int nbp;
} ms_tdoc;

static void td_put(ms_tdoc *d, const char *s, size_t n)
{
    if (d->len + n + 1 > d->cap) {
        d->cap = (d->len + n + 1) * 2;
        d->text = realloc(d->text, d->cap);
        assert_non_null(d->text);
    }
    memcpy(d->text + d->len, s, n);
    d->len += n;
    d->text[d->len] = '\0';
}

static void td_puts(ms_tdoc *d, const char *s)
{
    td_put(d, s, strlen(s));
}

static void td_page_begin(ms_tdoc *d)
{
    if (d->npages > 0)
        td_puts(d, "\n\n");
    assert_true(d->npages < 64);
    d->pages[d->npages].offset = d->len;
}

static void td_page_end(ms_tdoc *d)
{
    d->pages[d->npages].len = d->len - d->pages[d->npages].offset;
    d->npages++;
}

/* A line that the test expects to be removed as boilerplate. */
static void td_bp_line(ms_tdoc *d, const char *s)
{
    assert_true(d->nbp < 256);
    d->bp_off[d->nbp] = d->len;
    td_puts(d, s);
    td_puts(d, "\n");
    d->bp_len[d->nbp++] = strlen(s) + 1;
}

static void td_free(ms_tdoc *d)
{
    free(d->text);
    memset(d, 0, sizeof *d);
}

/* Concatenate chunk texts separated by '|' (for crafted expectations). */
static char *joined(const ms_chunk *c, size_t n)
{
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += c[i].len + 1;
    char *s = malloc(total), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        memcpy(p, c[i].text, c[i].len);
        p += c[i].len;
        *p++ = '|';
    }
    *p = '\0';
    return s;
}

/* Strict UTF-8 validity of s[0, n). */
static int utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t w = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!w || i + w > n)
            return 0;
        for (size_t j = 1; j < w; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
        i += w;
    }
    return 1;
}

/* Invariants that hold for every result; fills cover[doc byte] counts. */
static void check_chunks(const char *text, size_t len, const ms_chunk *c,
                         size_t n, size_t max, unsigned char *cover)
{
    size_t prev_end = 0, prev_start = 0;
    memset(cover, 0, len);
    for (size_t k = 0; k < n; k++) {
        assert_true(c[k].len > 0);
        assert_true(c[k].len <= max);
        assert_int_equal(c[k].text[c[k].len], '\0');
        assert_int_equal(c[k].chars, ms_utf8_chars(c[k].text, c[k].len));
        assert_false(ws((unsigned char)c[k].text[0]));
        assert_false(ws((unsigned char)c[k].text[c[k].len - 1]));
        assert_true(c[k].nsegs > 0);
        size_t coff = 0;
        for (size_t s = 0; s < c[k].nsegs; s++) {
            const ms_seg *g = &c[k].segs[s];
            assert_int_equal(g->chunk_off, coff);
            assert_true(g->len > 0);
            assert_true(g->doc_off + g->len <= len);
            if (s > 0)
                assert_true(g->doc_off >= c[k].segs[s - 1].doc_off + c[k].segs[s - 1].len);
            else
                assert_true(g->doc_off >= prev_end);
            coff += g->len;
        }
        assert_int_equal(coff, c[k].len);
        for (size_t i = 0; i < c[k].len; i++) {
            size_t d = ms_chunk_to_doc(&c[k], i);
            assert_true(d < len);
            assert_int_equal(c[k].text[i], text[d]);
            assert_true(cover[d] < 255);
            cover[d]++;
        }
        /* Chunk edges sit on code point boundaries of the document. */
        size_t first = c[k].segs[0].doc_off;
        size_t end = ms_chunk_to_doc(&c[k], c[k].len);
        assert_true(((unsigned char)text[first] & 0xC0) != 0x80);
        if (end < len)
            assert_true(((unsigned char)text[end] & 0xC0) != 0x80);
        /* Breaks fall in the last half of the window: a chunk that is
         * followed by another one advanced at least max/2 bytes (a hard cut
         * may lose 3 bytes to a code point boundary at tiny limits). */
        if (k > 0)
            assert_true(first - prev_start >= (max / 2 < max - 3 ? max / 2 : max - 3));
        prev_start = first;
        prev_end = end;
    }
    for (size_t i = 0; i < len; i++)
        assert_true(cover[i] <= 1);
}

static void run_chunk(const char *text, size_t len, const ms_page *pages,
                      int npages, size_t max, int strip, ms_chunk **c,
                      size_t *n, size_t *bb, size_t *bc)
{
    ms_chunk_opts o = {.max_bytes = max, .strip_boilerplate = strip,
                       .boilerplate_min_pages = 3};
    assert_int_equal(ms_chunk_text(text, len, pages, npages, &o, c, n, bb, bc), 0);
    unsigned char *cover = malloc(len + 1);
    assert_non_null(cover);
    check_chunks(text, len, *c, *n, max, cover);
    free(cover);
}

/* ---- crafted inputs ---- */

static char *cut(const char *text, size_t max)
{
    ms_chunk *c;
    size_t n, bb, bc;
    run_chunk(text, strlen(text), NULL, 0, max, 1, &c, &n, &bb, &bc);
    assert_int_equal(bb, 0);
    char *s = joined(c, n);
    ms_chunks_free(c, n);
    return s;
}

static void test_paragraph_preferred(void **state)
{
    /* Paragraph break at 41 (in the last half of 64); sentence ends and
     * spaces follow it inside the window. */
    const char *t = "Alpha beta gamma delta. Epsilon zeta eta.\n\n"
                    "Theta iota. Kappa lambda mu. Nu xi omicron pi rho sigma tau.";
    char *s = cut(t, 64);
    assert_string_equal(s, "Alpha beta gamma delta. Epsilon zeta eta.|"
                           "Theta iota. Kappa lambda mu. Nu xi omicron pi rho sigma tau.|");
    free(s);

    /* A blank line holding spaces is a paragraph break too. */
    s = cut("Alpha beta gamma delta. Epsilon zeta eta.\n  \t\nTheta iota. "
            "Kappa lambda mu. Nu xi omicron pi rho sigma tau.", 64);
    assert_string_equal(s, "Alpha beta gamma delta. Epsilon zeta eta.|"
                           "Theta iota. Kappa lambda mu. Nu xi omicron pi rho sigma tau.|");
    free(s);
}

static void test_paragraph_in_first_half_ignored(void **state)
{
    /* Paragraph break at 11 (< 32): the sentence end at 53 wins. */
    const char *t = "Short para.\n\nThe next paragraph runs on. It has a "
                    "second one. And more words after the window end here.";
    char *s = cut(t, 64);
    assert_string_equal(s, "Short para.\n\nThe next paragraph runs on. It has a second one.|"
                           "And more words after the window end here.|");
    free(s);
}

static void test_sentence_over_space(void **state)
{
    const char *t = "The patient was seen in clinic today. Vitals were stable "
                    "and the plan is unchanged for now";
    char *s = cut(t, 64);
    assert_string_equal(s, "The patient was seen in clinic today.|"
                           "Vitals were stable and the plan is unchanged for now|");
    free(s);

    /* Question and exclamation marks, closing quote, and ".\n". */
    s = cut("Did the patient take the full course of antibiotics? Unclear so far", 64);
    assert_string_equal(s, "Did the patient take the full course of antibiotics?|Unclear so far|");
    free(s);
    s = cut("The patient said \"I feel much better than yesterday.\" and left the clinic", 64);
    assert_string_equal(s, "The patient said \"I feel much better than yesterday.\"|and left the clinic|");
    free(s);
    s = cut("Impression: no acute findings on this examination.\nPlan: review in clinic", 64);
    assert_string_equal(s, "Impression: no acute findings on this examination.|Plan: review in clinic|");
    free(s);
}

static void test_sentence_in_first_half_ignored(void **state)
{
    /* Sentence end at 7 (< 32): the last space in the window wins. Decimal
     * points are not sentence ends. */
    const char *t = "Stable. creatinine 1.2 potassium 4.1 sodium 139 glucose 5.6 "
                    "hemoglobin 13.1 platelets";
    char *s = cut(t, 64);
    assert_string_equal(s, "Stable. creatinine 1.2 potassium 4.1 sodium 139 glucose 5.6|"
                           "hemoglobin 13.1 platelets|");
    free(s);
}

static void test_space_over_hard(void **state)
{
    char t[200];
    memset(t, 'x', sizeof t);
    memcpy(t, "prefix words here and more of them at forty", 43);
    t[sizeof t - 1] = '\0';
    ms_chunk *c;
    size_t n, bb, bc;
    run_chunk(t, strlen(t), NULL, 0, 64, 1, &c, &n, &bb, &bc);
    assert_true(n >= 2);
    /* The last space (before "forty", at 37) wins over a hard cut at 64. */
    const char *last_space = strrchr(t, ' ');
    assert_int_equal(c[0].len, (size_t)(last_space - t));
    ms_chunks_free(c, n);
}

static void test_hard_cut(void **state)
{
    char t[201];
    memset(t, 'a', 200);
    t[200] = '\0';
    ms_chunk *c;
    size_t n, bb, bc;
    run_chunk(t, 200, NULL, 0, 64, 1, &c, &n, &bb, &bc);
    assert_int_equal(n, 4);
    assert_int_equal(c[0].len, 64);
    assert_int_equal(c[1].len, 64);
    assert_int_equal(c[2].len, 64);
    assert_int_equal(c[3].len, 8);
    assert_int_equal(c[3].segs[0].doc_off, 192);
    ms_chunks_free(c, n);
}

static void test_limits_small(void **state)
{
    /* Mixed prose at limits from the minimum up; every chunk fits. */
    const char *t = "Metoprolol 25 mg PO BID. Lisinopril 10 mg daily.\n\n"
                    "Chest X-ray: no consolidation; hyperinflation noted. "
                    "Follow-up in 6 weeks with repeat spirometry and labs.\n"
                    "Allergies: penicillin (rash), sulfa.";
    size_t len = strlen(t);
    for (size_t max = MS_CHUNK_MIN_BYTES; max <= 80; max++) {
        ms_chunk *c;
        size_t n, bb, bc;
        run_chunk(t, len, NULL, 0, max, 1, &c, &n, &bb, &bc);
        size_t nonws = 0, got = 0;
        for (size_t i = 0; i < len; i++)
            nonws += !ws((unsigned char)t[i]);
        for (size_t k = 0; k < n; k++)
            for (size_t i = 0; i < c[k].len; i++)
                got += !ws((unsigned char)c[k].text[i]);
        assert_int_equal(got, nonws);
        ms_chunks_free(c, n);
    }
}

static void test_utf8_never_split(void **state)
{
    static const char *glyphs[] = {"é", "ß", "中", "€", "😀", "𝔸", "a"};
    char t[8192];
    size_t len = 0;
    uint32_t x = 12345;
    while (len < sizeof t - 8) {
        x = x * 1103515245u + 12345u;
        const char *g = glyphs[(x >> 16) % 7];
        memcpy(t + len, g, strlen(g));
        len += strlen(g);
    }
    t[len] = '\0';
    for (size_t max = MS_CHUNK_MIN_BYTES; max <= 300; max += (max < 70 ? 1 : 37)) {
        ms_chunk *c;
        size_t n, bb, bc;
        run_chunk(t, len, NULL, 0, max, 1, &c, &n, &bb, &bc);
        size_t total = 0;
        for (size_t k = 0; k < n; k++) {
            assert_true(utf8_valid((const unsigned char *)c[k].text, c[k].len));
            /* A hard cut loses at most 3 bytes to the code point boundary. */
            if (k + 1 < n)
                assert_true(c[k].len + 3 >= max);
            total += c[k].len;
        }
        assert_int_equal(total, len);
        ms_chunks_free(c, n);
    }
}

static void test_empty_and_whitespace(void **state)
{
    ms_chunk *c = (ms_chunk *)1;
    size_t n = 99;
    assert_int_equal(ms_chunk_text("", 0, NULL, 0, NULL, &c, &n, NULL, NULL), 0);
    assert_null(c);
    assert_int_equal(n, 0);
    assert_int_equal(ms_chunk_text(" \n\n\t \n", 6, NULL, 0, NULL, &c, &n, NULL, NULL), 0);
    assert_int_equal(n, 0);
    ms_chunks_free(c, n);
}

static void test_bad_args(void **state)
{
    ms_chunk *c;
    size_t n;
    ms_chunk_opts o = {.max_bytes = 3, .strip_boilerplate = 1};
    errno = 0;
    assert_int_equal(ms_chunk_text("abc", 3, NULL, 0, &o, &c, &n, NULL, NULL), -1);
    assert_int_equal(errno, EINVAL);
    assert_null(ms_chunk_stage_new(&o));

    ms_page pages[3] = {{0, 2}, {1, 2}, {4, 1}};  /* overlapping */
    errno = 0;
    assert_int_equal(ms_chunk_text("abcdef", 6, pages, 3, NULL, &c, &n, NULL, NULL), -1);
    assert_int_equal(errno, EINVAL);
    ms_page past[3] = {{0, 2}, {2, 2}, {5, 9}};   /* beyond the text */
    assert_int_equal(ms_chunk_text("abcdef", 6, past, 3, NULL, &c, &n, NULL, NULL), -1);
    assert_int_equal(ms_chunk_text("abc", 3, NULL, 0, NULL, NULL, &n, NULL, NULL), -1);
}

static void test_to_doc_edges(void **state)
{
    ms_seg segs[2] = {{0, 10, 4}, {4, 20, 3}};
    ms_chunk c = {.text = "abcdefg", .len = 7, .chars = 7, .segs = segs, .nsegs = 2};
    assert_int_equal(ms_chunk_to_doc(&c, 0), 10);
    assert_int_equal(ms_chunk_to_doc(&c, 3), 13);
    assert_int_equal(ms_chunk_to_doc(&c, 4), 20);
    assert_int_equal(ms_chunk_to_doc(&c, 6), 22);
    assert_int_equal(ms_chunk_to_doc(&c, 7), 23);
    assert_int_equal(ms_chunk_to_doc(&c, 100), 23);
    ms_chunk none = {.text = "", .len = 0};
    assert_int_equal(ms_chunk_to_doc(&none, 0), SIZE_MAX);
    assert_int_equal(ms_utf8_chars("a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", 10), 4);
}

/* ---- headers and footers ---- */

/* A 10-page report: two header lines and a page-number footer on every
 * page (with case/spacing variants), body lines unique per page except one
 * line repeated at the top of the body on pages 2 and 7. */
static void build_report(ms_tdoc *d, int npages, int header_pages)
{
    char line[256];
    for (int p = 0; p < npages; p++) {
        td_page_begin(d);
        if (p < header_pages) {
            td_bp_line(d, "CONFIDENTIAL — St. Mary Hospital");
            snprintf(line, sizeof line, "MRN: %d Printed 2026-01-%02d", 12345, 2 + p % 3);
            td_bp_line(d, line);
        }
        if (p == 1 || p == 6)
            td_puts(d, "Patient reports mild headache since Monday.\n");
        for (int l = 0; l < 5; l++) {
            snprintf(line, sizeof line, "Body page %c line %c: finding %d stable.\n",
                     'A' + p, 'a' + l, p * 10 + l);
            td_puts(d, line);
        }
        if (p < header_pages) {
            if (p == 4)
                snprintf(line, sizeof line, "PAGE  %d   of %d", p + 1, npages);
            else
                snprintf(line, sizeof line, "Page %d of %d", p + 1, npages);
            td_bp_line(d, line);
        }
        td_page_end(d);
    }
}

static char *kept_text(const ms_chunk *c, size_t n)
{
    char *s = joined(c, n);
    return s;
}

static void test_header_footer_removed(void **state)
{
    ms_tdoc d = {0};
    build_report(&d, 10, 10);
    ms_chunk *c;
    size_t n, bb, bc;
    run_chunk(d.text, d.len, d.pages, d.npages, 20000, 1, &c, &n, &bb, &bc);
    size_t want_bytes = 0, want_chars = 0;
    for (int i = 0; i < d.nbp; i++) {
        want_bytes += d.bp_len[i];
        want_chars += ms_utf8_chars(d.text + d.bp_off[i], d.bp_len[i]);
    }
    assert_int_equal(d.nbp, 30);
    assert_int_equal(bb, want_bytes);
    assert_int_equal(bc, want_chars);
    assert_true(bc < bb);  /* the em dash is 3 bytes, 1 character */
    char *s = kept_text(c, n);
    assert_null(strstr(s, "CONFIDENTIAL"));
    assert_null(strstr(s, "MRN"));
    assert_null(strstr(s, "of 10"));
    assert_non_null(strstr(s, "Body page A line a: finding 0 stable."));
    assert_non_null(strstr(s, "Body page J line e: finding 94 stable."));
    /* Repeated on 2 of 10 pages, inside the top zone: kept both times. */
    char *first = strstr(s, "Patient reports mild headache");
    assert_non_null(first);
    assert_non_null(strstr(first + 1, "Patient reports mild headache"));
    /* One chunk, with one seg per stretch between removed lines. */
    assert_int_equal(n, 1);
    assert_true(c[0].nsegs >= 10);
    free(s);
    ms_chunks_free(c, n);

    /* Stripping off: nothing removed. */
    run_chunk(d.text, d.len, d.pages, d.npages, 20000, 0, &c, &n, &bb, &bc);
    assert_int_equal(bb, 0);
    assert_int_equal(bc, 0);
    s = kept_text(c, n);
    assert_non_null(strstr(s, "CONFIDENTIAL"));
    free(s);
    ms_chunks_free(c, n);
    td_free(&d);
}

static void test_threshold(void **state)
{
    /* Headers on 6 of 10 pages (60%) are removed, on 5 of 10 kept. */
    for (int hp = 5; hp <= 6; hp++) {
        ms_tdoc d = {0};
        build_report(&d, 10, hp);
        ms_chunk *c;
        size_t n, bb, bc;
        run_chunk(d.text, d.len, d.pages, d.npages, 20000, 1, &c, &n, &bb, &bc);
        char *s = kept_text(c, n);
        if (hp == 6) {
            assert_null(strstr(s, "CONFIDENTIAL"));
            assert_true(bb > 0);
        } else {
            assert_non_null(strstr(s, "CONFIDENTIAL"));
            assert_int_equal(bb, 0);
        }
        free(s);
        ms_chunks_free(c, n);
        td_free(&d);
    }
}

static void test_below_min_pages(void **state)
{
    ms_tdoc d = {0};
    build_report(&d, 2, 2);
    ms_chunk *c;
    size_t n, bb, bc;
    run_chunk(d.text, d.len, d.pages, d.npages, 20000, 1, &c, &n, &bb, &bc);
    assert_int_equal(bb, 0);
    ms_chunks_free(c, n);
    td_free(&d);

    /* 4 pages, but the caller asks for at least 5. */
    build_report(&d, 4, 4);
    ms_chunk_opts o = {.max_bytes = 20000, .strip_boilerplate = 1,
                       .boilerplate_min_pages = 5};
    assert_int_equal(ms_chunk_text(d.text, d.len, d.pages, d.npages, &o, &c, &n, &bb, &bc), 0);
    assert_int_equal(bb, 0);
    ms_chunks_free(c, n);
    o.boilerplate_min_pages = 4;
    assert_int_equal(ms_chunk_text(d.text, d.len, d.pages, d.npages, &o, &c, &n, &bb, &bc), 0);
    assert_true(bb > 0);
    ms_chunks_free(c, n);
    td_free(&d);
}

static void test_body_not_in_zone_kept(void **state)
{
    /* A line identical on every page but in the middle of the body (not in
     * the first/last 3 non-empty lines) is not boilerplate. */
    ms_tdoc d = {0};
    for (int p = 0; p < 6; p++) {
        td_page_begin(&d);
        td_puts(&d, "one\ntwo\nthree\nRepeated middle line\nfour\nfive\nsix\n");
        td_page_end(&d);
    }
    ms_chunk *c;
    size_t n, bb, bc;
    run_chunk(d.text, d.len, d.pages, d.npages, 20000, 1, &c, &n, &bb, &bc);
    char *s = kept_text(c, n);
    /* one/two/three and four/five/six are boilerplate by the rule; the middle stays. */
    assert_non_null(strstr(s, "Repeated middle line"));
    assert_null(strstr(s, "two"));
    free(s);
    ms_chunks_free(c, n);
    td_free(&d);
}

/* ---- the stage ---- */

static void test_stage(void **state)
{
    ms_stage *st = ms_chunk_stage_new(NULL);
    assert_non_null(st);
    assert_string_equal(st->ops->name, "chunk");
    assert_int_equal(st->ops->kind, MS_STAGE_CPU);

    ms_doc *doc = ms_doc_new();
    ms_tdoc d = {0};
    build_report(&d, 10, 10);
    doc->text = d.text;
    doc->text_len = d.len;
    doc->pages = malloc(sizeof d.pages);
    memcpy(doc->pages, d.pages, sizeof d.pages);
    doc->npages = d.npages;
    d.text = NULL;
    assert_int_equal(st->ops->process(st, NULL, doc), 0);
    assert_null(doc->reason);
    assert_int_equal(doc->nchunks, 1);
    assert_true(doc->boilerplate_bytes > 0);
    assert_true(doc->boilerplate_chars > 0);
    /* Running again replaces the chunks (no leak under ASan). */
    assert_int_equal(st->ops->process(st, NULL, doc), 0);
    ms_doc_free(doc);

    /* Only whitespace: no_text. */
    doc = ms_doc_new();
    doc->text = strdup("  \n\n  \n");
    doc->text_len = strlen(doc->text);
    assert_int_equal(st->ops->process(st, NULL, doc), -1);
    assert_string_equal(doc->reason, "no_text");
    assert_string_equal(doc->failed_stage, "chunk");
    ms_doc_free(doc);

    /* No text at all. */
    doc = ms_doc_new();
    assert_int_equal(st->ops->process(st, NULL, doc), -1);
    assert_string_equal(doc->reason, "no_text");
    ms_doc_free(doc);

    /* Nothing but headers: everything is boilerplate. */
    doc = ms_doc_new();
    ms_tdoc h = {0};
    for (int p = 0; p < 4; p++) {
        td_page_begin(&h);
        td_puts(&h, "St. Mary Hospital\n");
        td_page_end(&h);
    }
    doc->text = h.text;
    doc->text_len = h.len;
    doc->pages = malloc(sizeof h.pages);
    memcpy(doc->pages, h.pages, sizeof h.pages);
    doc->npages = h.npages;
    assert_int_equal(st->ops->process(st, NULL, doc), -1);
    assert_string_equal(doc->reason, "no_text");
    assert_int_equal(doc->boilerplate_bytes, 4 * strlen("St. Mary Hospital\n"));
    ms_doc_free(doc);

    /* Pages that do not fit the text. */
    doc = ms_doc_new();
    doc->text = strdup("abc");
    doc->text_len = 3;
    doc->pages = calloc(3, sizeof *doc->pages);
    doc->pages[2].offset = 2;
    doc->pages[2].len = 10;
    doc->npages = 3;
    assert_int_equal(st->ops->process(st, NULL, doc), -1);
    assert_string_equal(doc->reason, "bad_pages");
    ms_doc_free(doc);

    st->ops->destroy(st);
}

/* ---- property test ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t rndn(size_t n)
{
    return (size_t)(rnd() % n);
}

static const char *words[] = {
    "patient", "denies", "chest", "pain", "aspirin", "mg", "daily", "BID",
    "hypertension", "diabetes", "mellitus", "type", "follow-up", "in", "weeks",
    "creatinine", "normal", "no", "acute", "distress", "the", "and", "of",
    "with", "CT", "scan", "shows", "mild", "atelectasis", "left", "lower",
    "lobe", "café", "naïve", "Größe", "résumé", "μg/L", "°C", "中文", "病历",
    "血压", "€", "😀", "𝔸𝔹", "—", "½", "x²", "São", "Ærø", "ĳ",
};

/* A random body line (ends with "\n"); at least two words so that body
 * lines practically never repeat. */
static void rand_line(ms_tdoc *d)
{
    size_t nw = 2 + rndn(12);
    for (size_t w = 0; w < nw; w++) {
        if (w)
            td_puts(d, rndn(20) ? " " : "  ");
        size_t r = rndn(100);
        if (r < 3) {
            /* A long run without spaces forces hard cuts. */
            size_t m = 20 + rndn(400);
            for (size_t i = 0; i < m; i++)
                td_puts(d, words[rndn(sizeof words / sizeof *words)]);
        } else if (r < 8) {
            char num[32];
            snprintf(num, sizeof num, "%zu.%zu", rndn(1000), rndn(10));
            td_puts(d, num);
        } else {
            td_puts(d, words[rndn(sizeof words / sizeof *words)]);
        }
        r = rndn(100);
        if (r < 8)
            td_puts(d, ".");
        else if (r < 9)
            td_puts(d, "?");
        else if (r < 10)
            td_puts(d, ".\"");
    }
    td_puts(d, "\n");
    if (rndn(6) == 0)
        td_puts(d, rndn(4) ? "\n" : " \t\n");
}

static void gen_doc(ms_tdoc *d, int with_bp, int *bp_pages)
{
    int npages = (int)rndn(13);
    char line[128];
    *bp_pages = 0;
    for (int p = 0; p < npages; p++) {
        td_page_begin(d);
        if (with_bp) {
            snprintf(line, sizeof line, "Page %d of %d", p + 1, npages);
            td_bp_line(d, line);
            td_bp_line(d, "CONFIDENTIAL — St. Mary Hospital");
        }
        size_t nl = rndn(40);
        for (size_t l = 0; l < nl; l++)
            rand_line(d);
        if (with_bp) {
            snprintf(line, sizeof line, "MRN: %zu Printed 2026-%02zu-%02zu",
                     (size_t)40000 + rndn(10), 1 + rndn(12), 1 + rndn(28));
            td_bp_line(d, line);
        }
        /* Sometimes the page range leaves out the final newline. */
        if (d->len > d->pages[d->npages].offset && rndn(2))
            d->len--;
        td_page_end(d);
        d->text[d->len] = '\0';
    }
    if (with_bp)
        *bp_pages = npages;
    /* Pages trimmed of their last newline may have lost it from a
     * recorded boilerplate range. */
    for (int i = 0; i < d->nbp; i++) {
        for (int p = 0; p < d->npages; p++) {
            size_t pe = d->pages[p].offset + d->pages[p].len;
            if (d->bp_off[i] >= d->pages[p].offset && d->bp_off[i] < pe &&
                d->bp_off[i] + d->bp_len[i] > pe)
                d->bp_len[i] = pe - d->bp_off[i];
        }
    }
}

/* Lines of page p in [ps, pe): the zone flags as the rule defines them. */
static void check_removed(const ms_tdoc *d, const unsigned char *cover,
                          size_t bb, size_t bc, int strip, int min_pages)
{
    const unsigned char *t = (const unsigned char *)d->text;
    size_t rb = 0, rc = 0;
    /* Outside pages everything non-blank is kept. */
    size_t at = 0;
    for (int p = 0; p <= d->npages; p++) {
        size_t end = p < d->npages ? d->pages[p].offset : d->len;
        for (size_t i = at; i < end; i++)
            if (!ws(t[i]))
                assert_int_equal(cover[i], 1);
        if (p < d->npages)
            at = d->pages[p].offset + d->pages[p].len;
    }
    for (int p = 0; p < d->npages; p++) {
        size_t ps = d->pages[p].offset, pe = ps + d->pages[p].len;
        /* Non-empty lines of the page, in order. */
        size_t starts[4096], ends[4096];
        int nl = 0;
        for (size_t i = ps; i < pe;) {
            size_t e = i;
            while (e < pe && t[e] != '\n')
                e++;
            int blank = 1;
            for (size_t j = i; j < e; j++)
                blank &= ws(t[j]);
            if (!blank) {
                assert_true(nl < 4096);
                starts[nl] = i;
                ends[nl++] = e;
            }
            i = e < pe ? e + 1 : e;
        }
        for (int l = 0; l < nl; l++) {
            size_t w = 0, u = 0;
            for (size_t j = starts[l]; j < ends[l]; j++) {
                if (ws(t[j]))
                    continue;
                w++;
                u += cover[j] == 0;
            }
            assert_true(u == 0 || u == w);  /* whole lines only */
            if (u == 0)
                continue;
            assert_true(strip && d->npages >= min_pages && d->npages >= 3);
            assert_true(l < 3 || l >= nl - 3);  /* only in a zone */
            size_t cut = ends[l] < pe ? ends[l] + 1 : ends[l];
            rb += cut - starts[l];
            rc += ms_utf8_chars(d->text + starts[l], cut - starts[l]);
        }
    }
    assert_int_equal(bb, rb);
    assert_int_equal(bc, rc);
}

static void test_property(void **state)
{
    uint64_t seed = 0x6d656473747265ull;
    const char *env = getenv("MS_CHUNK_SEED");
    if (env && *env)
        seed = strtoull(env, NULL, 0);
    printf("test_property seed=0x%llx (set MS_CHUNK_SEED to replay)\n",
           (unsigned long long)seed);
    rng_state = seed;

    size_t total_chunks = 0, total_bp = 0, docs_with_bp_removed = 0;
    for (int iter = 0; iter < 500; iter++) {
        ms_tdoc d = {0};
        td_puts(&d, "");
        int with_bp = (int)rndn(2), bp_pages;
        gen_doc(&d, with_bp, &bp_pages);
        size_t max = 16 + rndn(4985);
        int strip = rndn(4) != 0;
        int min_pages = 1 + (int)rndn(5);
        ms_chunk_opts o = {.max_bytes = max, .strip_boilerplate = strip,
                           .boilerplate_min_pages = min_pages};
        ms_chunk *c;
        size_t n, bb, bc;
        assert_int_equal(ms_chunk_text(d.text, d.len, d.pages, d.npages, &o,
                                       &c, &n, &bb, &bc), 0);
        unsigned char *cover = malloc(d.len + 1);
        assert_non_null(cover);
        check_chunks(d.text, d.len, c, n, max, cover);
        check_removed(&d, cover, bb, bc, strip, min_pages);
        /* Inserted headers/footers go whenever the rule applies. */
        if (with_bp && strip && d.npages >= 3 && d.npages >= min_pages) {
            for (int i = 0; i < d.nbp; i++)
                for (size_t j = d.bp_off[i]; j < d.bp_off[i] + d.bp_len[i]; j++)
                    if (!ws((unsigned char)d.text[j]))
                        assert_int_equal(cover[j], 0);
            assert_true(bb > 0);
            docs_with_bp_removed++;
        }
        /* Without inserted headers, random body lines are never frequent
         * enough to be taken for boilerplate. */
        if (!with_bp)
            assert_int_equal(bb, 0);
        total_chunks += n;
        total_bp += bb;
        free(cover);
        ms_chunks_free(c, n);
        td_free(&d);
    }
    printf("test_property: %zu chunks, %zu boilerplate bytes, %zu docs stripped\n",
           total_chunks, total_bp, docs_with_bp_removed);
    assert_true(docs_with_bp_removed > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paragraph_preferred),
        cmocka_unit_test(test_paragraph_in_first_half_ignored),
        cmocka_unit_test(test_sentence_over_space),
        cmocka_unit_test(test_sentence_in_first_half_ignored),
        cmocka_unit_test(test_space_over_hard),
        cmocka_unit_test(test_hard_cut),
        cmocka_unit_test(test_limits_small),
        cmocka_unit_test(test_utf8_never_split),
        cmocka_unit_test(test_empty_and_whitespace),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_to_doc_edges),
        cmocka_unit_test(test_header_footer_removed),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_below_min_pages),
        cmocka_unit_test(test_body_not_in_zone_kept),
        cmocka_unit_test(test_stage),
        cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
