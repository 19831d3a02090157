/* fuzz_chunk.c -- the chunker (stages/chunk.c) and its boilerplate
 * removal. Byte 0 picks the chunk size and the boilerplate threshold; the
 * rest is the document text, pages separated by form feeds (the last page
 * runs to the end). */
#include "fuzz.h"

#include <string.h>

#include "stages/chunk.h"

#define MAX_PAGES 64

static int ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void check_chunk(const ms_chunk *c, const char *text, size_t len, size_t max_bytes)
{
    MS_FUZZ_CHECK(c->len > 0 && c->len <= max_bytes && c->text[c->len] == '\0');
    MS_FUZZ_CHECK(!ws((unsigned char)c->text[0]) && !ws((unsigned char)c->text[c->len - 1]));
    MS_FUZZ_CHECK(c->chars == ms_utf8_chars(c->text, c->len));
    /* segs cover the chunk in order and copy document bytes exactly */
    size_t at = 0;
    MS_FUZZ_CHECK(c->nsegs >= 1);
    for (size_t i = 0; i < c->nsegs; i++) {
        const ms_seg *s = &c->segs[i];
        MS_FUZZ_CHECK(s->chunk_off == at && s->len > 0);
        MS_FUZZ_CHECK(s->doc_off <= len && s->len <= len - s->doc_off);
        MS_FUZZ_CHECK(memcmp(c->text + s->chunk_off, text + s->doc_off, s->len) == 0);
        at += s->len;
    }
    MS_FUZZ_CHECK(at == c->len);
    MS_FUZZ_CHECK(ms_chunk_to_doc(c, 0) == c->segs[0].doc_off);
}

MS_FUZZ_TARGET(chunk)
{
    if (size == 0)
        return 0;
    ms_chunk_opts o;
    ms_chunk_opts_default(&o);
    /* small windows reach every break rule; 0x80 keeps the default */
    if (!(data[0] & 0x80))
        o.max_bytes = MS_CHUNK_MIN_BYTES + (size_t)(data[0] & 0x3f) * 7;
    o.strip_boilerplate = !(data[0] & 0x40);
    o.boilerplate_min_pages = 2 + (data[0] & 1);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    ms_page pages[MAX_PAGES];
    int np = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len && np < MAX_PAGES; i++) {
        if (i == len || text[i] == '\f') {
            pages[np++] = (ms_page){start, i - start};
            start = i + 1;
        }
    }
    ms_chunk *cs = NULL;
    size_t n = 0, bpb = 0, bpc = 0;
    int rc = ms_chunk_text(text, len, pages, np, &o, &cs, &n, &bpb, &bpc);
    MS_FUZZ_CHECK(rc == 0);
    MS_FUZZ_CHECK(bpb <= len && bpc <= bpb);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        check_chunk(&cs[i], text, len, o.max_bytes);
        total += cs[i].len;
    }
    MS_FUZZ_CHECK(total + bpb <= len);
    ms_chunks_free(cs, n);
    return 0;
}
