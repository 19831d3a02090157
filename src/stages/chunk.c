/* chunk.c -- cut a document's text into request-sized chunks.
 *
 * The kept text is the document minus boilerplate lines, described by runs
 * (kept offset -> document offset). Without boilerplate it is the document
 * itself; otherwise it is copied once. The cutter walks it once: for each
 * chunk it scans the last half of the window backward, remembering the
 * latest sentence and whitespace break and stopping at the first paragraph
 * break, and every chunk consumes at least half a window, so the whole walk
 * is linear in the text size. */
#include "stages/chunk.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stages/boilerplate.h"
#include "base/metrics.h"
#include "base/config.h"
#include "base/errbuf.h"
#include "core/plugin.h"

/* A run of kept text that is contiguous in the document. */
typedef struct run {
    size_t kept_off;
    size_t doc_off;
    size_t len;
} run;

/* How far past the window a paragraph break's blank line is looked for. */
#define PARA_LOOKAHEAD 16

void ms_chunk_opts_default(ms_chunk_opts *opts)
{
    opts->max_bytes = MS_CHUNK_DEFAULT_MAX_BYTES;
    opts->strip_boilerplate = 1;
    opts->boilerplate_min_pages = MS_CHUNK_DEFAULT_MIN_PAGES;
}

size_t ms_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Whitespace that does not end a line. */
static int is_hspace(unsigned char c)
{
    return is_ws(c) && c != '\n';
}

/* k[i] is whitespace: does the text before it end a sentence? A closing
 * quote or bracket after the punctuation is allowed. */
static int sentence_end(const unsigned char *k, size_t pos, size_t i)
{
    size_t j = i - 1;
    unsigned char c = k[j];
    if ((c == '"' || c == '\'' || c == ')' || c == ']') && j > pos)
        c = k[j - 1];
    if (c == '?' || c == '!')
        return 1;
    if (c != '.')
        return 0;
    /* A title or an initial is not a sentence end: cutting "Dr. | Chen"
     * would separate a name from the title that marks it. */
    size_t w = j;
    while (w > pos && ((k[w - 1] | 0x20) >= 'a' && (k[w - 1] | 0x20) <= 'z'))
        w--;
    size_t wl = j - w;
    if (wl == 1 && k[w] >= 'A' && k[w] <= 'Z')
        return 0;                          /* "J. Smith" */
    static const char *const titles[] = {"dr", "mr", "mrs", "ms", "st",
                                         "prof", "vs", "no"};
    for (size_t t = 0; t < sizeof titles / sizeof titles[0]; t++) {
        if (strlen(titles[t]) != wl)
            continue;
        size_t q = 0;
        while (q < wl && (k[w + q] | 0x20) == titles[t][q])
            q++;
        if (q == wl)
            return 0;
    }
    return 1;
}

/* Where the content of a chunk starting at pos ends (exclusive), given
 * n - pos > max. The chunk is then [pos, result) minus trailing space. */
static size_t find_break(const unsigned char *k, size_t n, size_t pos,
                         size_t max)
{
    size_t hi = pos + max;        /* k[hi] exists: n > hi */
    size_t lo = pos + max / 2;    /* breaks only in the last half */
    size_t sentence = 0, space = 0;

    /* next: the first byte after i that is not horizontal space, so a
     * paragraph break is a '\n' at i with next == '\n'. */
    unsigned char next = 0;
    for (size_t j = hi + 1; j < n && j <= hi + PARA_LOOKAHEAD; j++) {
        if (!is_hspace(k[j])) {
            next = k[j];
            break;
        }
    }
    for (size_t i = hi; i >= lo; i--) {
        unsigned char c = k[i];
        if (c == '\n' && next == '\n')
            return i;
        if (is_ws(c) && !is_ws(k[i - 1])) {
            if (!sentence && sentence_end(k, pos, i))
                sentence = i;
            if (!space)
                space = i;
        }
        if (!is_hspace(c))
            next = c;
        if (i == lo)
            break;
    }
    if (sentence)
        return sentence;
    if (space)
        return space;

    /* Hard cut at a code point boundary. Invalid UTF-8 (more than three
     * continuation bytes) is cut anywhere rather than not at all. */
    size_t i = hi;
    while (i > hi - 3 && ((k[i] & 0xC0) == 0x80))
        i--;
    if ((k[i] & 0xC0) == 0x80 || i <= pos)
        i = hi;
    return i;
}

/* Build chunk c from kept bytes [a, b). *cur is the first run that may
 * still overlap; it only moves forward. */
static int make_chunk(const unsigned char *k, size_t a, size_t b,
                      const run *runs, size_t nruns, size_t *cur, ms_chunk *c)
{
    while (*cur < nruns && runs[*cur].kept_off + runs[*cur].len <= a)
        (*cur)++;
    size_t nsegs = 0;
    for (size_t j = *cur; j < nruns && runs[j].kept_off < b; j++)
        nsegs++;
    memset(c, 0, sizeof *c);
    c->text = malloc(b - a + 1);
    c->segs = malloc(nsegs * sizeof *c->segs);
    if (!c->text || !c->segs) {
        free(c->text);
        free(c->segs);
        c->text = NULL;
        c->segs = NULL;
        return -1;
    }
    memcpy(c->text, k + a, b - a);
    c->text[b - a] = '\0';
    c->len = b - a;
    c->chars = ms_utf8_chars(c->text, c->len);
    c->nsegs = nsegs;
    for (size_t s = 0; s < nsegs; s++) {
        const run *r = &runs[*cur + s];
        size_t start = r->kept_off > a ? r->kept_off : a;
        size_t end = r->kept_off + r->len < b ? r->kept_off + r->len : b;
        c->segs[s] = (ms_seg){start - a, r->doc_off + (start - r->kept_off),
                              end - start};
    }
    return 0;
}

/* Kept text and its runs: the complement of the boilerplate ranges. */
static int build_runs(const char *text, size_t len, const ms_bp_range *bp,
                      size_t nbp, run **runs_out, size_t *nruns_out,
                      char **kept_out, size_t *kept_len, size_t *bp_bytes,
                      size_t *bp_chars)
{
    run *runs = malloc((nbp + 1) * sizeof *runs);
    char *kept = NULL;
    if (!runs)
        return -1;
    size_t nruns = 0, at = 0, kl = 0, rb = 0, rc = 0;
    for (size_t i = 0; i <= nbp; i++) {
        size_t end = i < nbp ? bp[i].off : len;
        if (end > at) {
            runs[nruns++] = (run){kl, at, end - at};
            kl += end - at;
        }
        if (i < nbp) {
            rb += bp[i].len;
            rc += ms_utf8_chars(text + bp[i].off, bp[i].len);
            at = bp[i].off + bp[i].len;
        }
    }
    if (nbp > 0) {
        kept = malloc(kl + 1);
        if (!kept) {
            free(runs);
            return -1;
        }
        for (size_t i = 0; i < nruns; i++)
            memcpy(kept + runs[i].kept_off, text + runs[i].doc_off, runs[i].len);
        kept[kl] = '\0';
    }
    *runs_out = runs;
    *nruns_out = nruns;
    *kept_out = kept;
    *kept_len = kl;
    *bp_bytes = rb;
    *bp_chars = rc;
    return 0;
}

int ms_chunk_text(const char *text, size_t len, const ms_page *pages, int npages,
                  const ms_chunk_opts *opts, ms_chunk **out, size_t *nout,
                  size_t *boilerplate_bytes, size_t *boilerplate_chars)
{
    ms_chunk_opts o;
    ms_chunk_opts_default(&o);
    if (opts) {
        o.strip_boilerplate = opts->strip_boilerplate;
        if (opts->max_bytes)
            o.max_bytes = opts->max_bytes;
        if (opts->boilerplate_min_pages > 0)
            o.boilerplate_min_pages = opts->boilerplate_min_pages;
    }
    if (!out || !nout || (!text && len) || o.max_bytes < MS_CHUNK_MIN_BYTES ||
        npages < 0 || (npages > 0 && !pages)) {
        errno = EINVAL;
        return -1;
    }
    *out = NULL;
    *nout = 0;
    if (boilerplate_bytes)
        *boilerplate_bytes = 0;
    if (boilerplate_chars)
        *boilerplate_chars = 0;
    if (len == 0)
        return 0;

    /* Called even when not stripping: it also validates the pages. */
    ms_bp_range *bp = NULL;
    size_t nbp = 0;
    if (ms_boilerplate_find(text, len, pages, npages,
                            o.strip_boilerplate ? o.boilerplate_min_pages : INT_MAX,
                            &bp, &nbp) != 0)
        return -1;

    run *runs = NULL;
    size_t nruns = 0, n = 0, bb = 0, bc = 0;
    char *kept = NULL;
    int rc = build_runs(text, len, bp, nbp, &runs, &nruns, &kept, &n, &bb, &bc);
    free(bp);
    if (rc != 0) {
        errno = ENOMEM;
        return -1;
    }
    const unsigned char *k = (const unsigned char *)(kept ? kept : text);

    ms_chunk *chunks = NULL;
    size_t nch = 0, cap = 0, cur = 0, pos = 0, max = o.max_bytes;
    for (;;) {
        while (pos < n && is_ws(k[pos]))
            pos++;
        if (pos >= n)
            break;
        size_t brk = n - pos <= max ? n : find_break(k, n, pos, max);
        size_t end = brk;
        while (end > pos && is_ws(k[end - 1]))
            end--;
        if (nch == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            ms_chunk *nc = realloc(chunks, ncap * sizeof *nc);
            if (!nc)
                goto oom;
            chunks = nc;
            cap = ncap;
        }
        if (make_chunk(k, pos, end, runs, nruns, &cur, &chunks[nch]) != 0)
            goto oom;
        nch++;
        pos = brk;
    }
    free(kept);
    free(runs);
    *out = chunks;
    *nout = nch;
    if (boilerplate_bytes)
        *boilerplate_bytes = bb;
    if (boilerplate_chars)
        *boilerplate_chars = bc;
    return 0;

oom:
    ms_chunks_free(chunks, nch);
    free(kept);
    free(runs);
    errno = ENOMEM;
    return -1;
}

size_t ms_chunk_to_doc(const ms_chunk *c, size_t chunk_off)
{
    if (!c->nsegs)
        return SIZE_MAX;
    if (chunk_off >= c->len) {
        const ms_seg *last = &c->segs[c->nsegs - 1];
        return last->doc_off + last->len;
    }
    size_t lo = 0, hi = c->nsegs;  /* last seg with chunk_off <= off */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->segs[mid].chunk_off <= chunk_off)
            lo = mid;
        else
            hi = mid;
    }
    return c->segs[lo].doc_off + (chunk_off - c->segs[lo].chunk_off);
}

/* The stage. */

typedef struct chunk_stage {
    ms_chunk_opts opts;
    ms_metric *chunks_total;
    ms_metric *boilerplate_chars_total;
} chunk_stage;

static int chunk_process(ms_stage *st, void *wstate, ms_doc *doc)
{
    chunk_stage *cs = st->state;
    ms_chunks_free(doc->chunks, doc->nchunks);
    doc->chunks = NULL;
    doc->nchunks = 0;

    size_t len = doc->text ? doc->text_len : 0;
    ms_chunk *chunks;
    size_t n, bb, bc;
    if (ms_chunk_text(doc->text, len, doc->pages, doc->npages, &cs->opts,
                      &chunks, &n, &bb, &bc) != 0) {
        if (errno == ENOMEM)
            ms_doc_fail(doc, "chunk", "out_of_memory",
                        "chunking %zu bytes ran out of memory", len);
        else
            ms_doc_fail(doc, "chunk", "bad_pages",
                        "%d page ranges do not fit %zu bytes of text",
                        doc->npages, len);
        return -1;
    }
    doc->chunks = chunks;
    doc->nchunks = n;
    doc->boilerplate_bytes = bb;
    doc->boilerplate_chars = bc;
    ms_counter_add(cs->chunks_total, n);
    ms_counter_add(cs->boilerplate_chars_total, bc);
    if (n == 0) {
        ms_doc_fail(doc, "chunk", "no_text",
                    "no text to analyse (%zu bytes, %zu boilerplate bytes)",
                    len, bb);
        return -1;
    }
    return 0;
}

static void chunk_destroy(ms_stage *st)
{
    free(st->state);
    free(st);
}

static const ms_stage_ops chunk_ops = {
    .name = "chunk",
    .kind = MS_STAGE_CPU,
    .process = chunk_process,
    .destroy = chunk_destroy,
};

ms_stage *ms_chunk_stage_new(const ms_chunk_opts *opts)
{
    if (opts && opts->max_bytes && opts->max_bytes < MS_CHUNK_MIN_BYTES) {
        errno = EINVAL;
        return NULL;
    }
    ms_stage *st = calloc(1, sizeof *st);
    chunk_stage *cs = calloc(1, sizeof *cs);
    if (!st || !cs) {
        free(st);
        free(cs);
        return NULL;
    }
    ms_chunk_opts_default(&cs->opts);
    if (opts)
        cs->opts = *opts;
    cs->chunks_total = ms_counter("medstream_chunks_total", "",
                                  "Chunks produced for entity extraction");
    cs->boilerplate_chars_total =
        ms_counter("medstream_boilerplate_chars_total", "",
                   "Repeated page header/footer characters left out of chunks");
    st->ops = &chunk_ops;
    st->state = cs;
    return st;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key chunk_keys[] = {
    MS_KEY_INT("chunk.max_bytes", "20000", 64, 1000000,
        "UTF-8 bytes per chunk sent for extraction (Comprehend Medical DetectEntitiesV2 accepts 20,000; the Infer operations 10,000)."),
    MS_KEY_BOOL("chunk.strip_boilerplate", "true",
         "Leave out header and footer lines repeated across pages, so they are neither billed nor extracted."),
    MS_KEY_INT("chunk.boilerplate_min_pages", "3", 2, 100000,
        "A header or footer line is stripped only when it repeats on at least this many pages."),
    { 0 }
};

static ms_stage *chunk_create(const ms_config *cfg, char *err, size_t errlen)
{
    ms_chunk_opts co;
    ms_chunk_opts_default(&co);
    co.max_bytes = (size_t)ms_config_int(cfg, "chunk.max_bytes");
    co.strip_boilerplate = ms_config_bool(cfg, "chunk.strip_boilerplate");
    co.boilerplate_min_pages = (int)ms_config_int(cfg, "chunk.boilerplate_min_pages");
    ms_stage *st = ms_chunk_stage_new(&co);
    if (!st)
        ms_errf(err, errlen, "cannot create the chunk stage (out of memory)");
    return st;
}

const ms_plugin ms_stage_chunk_plugin = {
    .name = "chunk",
    .kind = MS_PLUGIN_STAGE,
    .slot = "chunk",
    .description = "running headers and footers removed, text cut into chunks at sentence ends",
    .keys = chunk_keys,
    .create.stage = chunk_create,
};
