/* parse_pdf.c -- the "parse" CPU stage: PDF bytes to page text with MuPDF.
 *
 * Every worker owns a whole fz_context of its own (no locks, its own
 * bounded resource store): cloned contexts share the store and glyph cache
 * behind MuPDF's global locks, which serialised two workers to below one
 * worker's throughput in bench/run-local.sh. Reports never share resources,
 * so nothing is lost by keeping contexts apart. A report gets
 * opts.timeout_ms in total. The deadline is checked between pages, and a
 * watchdog thread owned by the stage sleeps until the earliest deadline of
 * the busy workers and then sets the abort flag of that worker's fz_cookie,
 * which MuPDF polls while it interprets a content stream: a runaway page
 * (say, nested form XObjects drawing each other a billion times) stops
 * within one poll interval. abort_all() raises the same flag on every busy
 * worker for shutdown and is reported as "aborted", not "timeout".
 *
 * MuPDF's own messages never reach stderr: they go to the debug log,
 * truncated. doc->message is always our wording, never MuPDF's, so nothing
 * taken from the document (names, strings) can leak into dead letters. */
#include "stages/parse_pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <mupdf/fitz.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

#include "core/doc.h"
#include "base/log.h"
#include "stages/pdf_layout.h"
#include "stages/text_norm.h"
#include "base/config.h"
#include "base/errbuf.h"
#include "core/plugin.h"
#include "aws/sigv4.h"

#define STORE_BYTES ((size_t)64 << 20)
#define MAGIC_WINDOW 1024
#define LOG_MSG_MAX 120

typedef struct parse_worker parse_worker;

typedef struct parse_state {
    ms_stage stage;
    ms_parse_opts opts;
    pthread_mutex_t mu;           /* guards workers, busy, deadline_ns, stop */
    pthread_cond_t cv;            /* wakes the watchdog; CLOCK_MONOTONIC */
    pthread_t watchdog;
    bool stop;
    int aborting;                 /* set once by abort_all; atomic */
    parse_worker *workers;
} parse_state;

/* Growable byte buffer; put() reports out of memory instead of throwing. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

struct parse_worker {
    parse_state *ps;
    fz_context *ctx;
    fz_cookie cookie;             /* .abort is written by the watchdog */
    bool busy;
    uint64_t deadline_ns;         /* monotonic; 0 = no deadline */
    int expired;                  /* watchdog fired for this report; atomic */
    int aborted;                  /* abort_all hit this report; atomic */
    sbuf lines;                   /* layout scratch: one page's line text */
    ms_layout_frag *frags;        /* ... and its lines' boxes */
    size_t frags_cap;
    parse_worker *next;
};

static int sb_reserve(sbuf *b, size_t n)
{
    if (b->oom)
        return -1;
    if (b->cap - b->len > n)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len <= n) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void sb_put(sbuf *b, const void *data, size_t n)
{
    if (sb_reserve(b, n) == 0) {
        memcpy(b->p + b->len, data, n);
        b->len += n;
        b->p[b->len] = '\0';
    }
}

static void sb_trim_right(sbuf *b, size_t floor, const char *chars)
{
    while (b->len > floor && b->p[b->len - 1] && strchr(chars, b->p[b->len - 1]))
        b->len--;
    if (b->p)
        b->p[b->len] = '\0';
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- MuPDF plumbing ---------------------------------------------------- */

/* MuPDF messages are structural ("cannot find object 12"), but may quote
 * names from the file, so they stay at debug level, truncated and limited
 * to printable ASCII. user is "error" or "warning". */
static void fz_message_cb(void *user, const char *message)
{
    if (!ms_log_enabled(MS_LOG_DEBUG))
        return;
    char buf[LOG_MSG_MAX + 1];
    size_t n = 0;
    for (; message[n] && n < LOG_MSG_MAX; n++) {
        unsigned char c = (unsigned char)message[n];
        buf[n] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
    }
    buf[n] = '\0';
    ms_log(MS_LOG_DEBUG, "mupdf message", KS("kind", (const char *)user), KS("detail", buf), KEND);
}

static void quiet_context(fz_context *ctx)
{
    fz_set_error_callback(ctx, fz_message_cb, (void *)"error");
    fz_set_warning_callback(ctx, fz_message_cb, (void *)"warning");
}

/* ---- the watchdog ------------------------------------------------------ */

static void *watchdog_main(void *arg)
{
    parse_state *ps = arg;
    pthread_mutex_lock(&ps->mu);
    while (!ps->stop) {
        uint64_t now = now_ns(), next = 0;
        for (parse_worker *w = ps->workers; w; w = w->next) {
            if (!w->busy || !w->deadline_ns || __atomic_load_n(&w->expired, __ATOMIC_RELAXED))
                continue;
            if (now >= w->deadline_ns) {
                __atomic_store_n(&w->expired, 1, __ATOMIC_RELAXED);
                __atomic_store_n(&w->cookie.abort, 1, __ATOMIC_SEQ_CST);
            } else if (!next || w->deadline_ns < next) {
                next = w->deadline_ns;
            }
        }
        if (next) {
            struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
            pthread_cond_timedwait(&ps->cv, &ps->mu, &ts);
        } else {
            pthread_cond_wait(&ps->cv, &ps->mu);
        }
    }
    pthread_mutex_unlock(&ps->mu);
    return NULL;
}

static void report_begin(parse_worker *w)
{
    parse_state *ps = w->ps;
    pthread_mutex_lock(&ps->mu);
    memset(&w->cookie, 0, sizeof w->cookie);
    __atomic_store_n(&w->expired, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&w->aborted, 0, __ATOMIC_RELAXED);
    w->busy = true;
    w->deadline_ns = ps->opts.timeout_ms > 0
                         ? now_ns() + (uint64_t)ps->opts.timeout_ms * 1000000u : 0;
    if (__atomic_load_n(&ps->aborting, __ATOMIC_SEQ_CST)) {
        __atomic_store_n(&w->aborted, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&w->cookie.abort, 1, __ATOMIC_SEQ_CST);
    }
    if (w->deadline_ns)
        pthread_cond_signal(&ps->cv);
    pthread_mutex_unlock(&ps->mu);
}

static void report_end(parse_worker *w)
{
    pthread_mutex_lock(&w->ps->mu);
    w->busy = false;
    w->deadline_ns = 0;
    pthread_mutex_unlock(&w->ps->mu);
}

/* The report must stop: budget spent, watchdog fired or abort_all. */
static bool must_stop(parse_worker *w)
{
    if (__atomic_load_n(&w->cookie.abort, __ATOMIC_SEQ_CST))
        return true;
    return w->deadline_ns && now_ns() >= w->deadline_ns;
}

static void fail_stopped(parse_worker *w, ms_doc *doc, const char *where)
{
    if (__atomic_load_n(&w->aborted, __ATOMIC_RELAXED))
        ms_doc_fail(doc, "parse", "aborted", "parse aborted (shutdown) %s", where);
    else
        ms_doc_fail(doc, "parse", "timeout", "time budget of %d ms spent %s",
                    w->ps->opts.timeout_ms, where);
}

static bool has_pdf_magic(const unsigned char *data, size_t len)
{
    size_t n = len < MAGIC_WINDOW ? len : MAGIC_WINDOW;
    for (size_t i = 0; i + 5 <= n; i++)
        if (data[i] == '%' && memcmp(data + i, "%PDF-", 5) == 0)
            return true;
    return false;
}

/* ---- input ------------------------------------------------------------- */

/* Read doc->input_path into *out. 0, or -1 after ms_doc_fail. */
static int read_input_file(parse_worker *w, ms_doc *doc, unsigned char **out, size_t *len)
{
    size_t max = w->ps->opts.max_bytes;
    int fd = open(doc->input_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ms_doc_fail(doc, "parse", "io_error", "cannot open input file: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ms_doc_fail(doc, "parse", "io_error", "input is not a regular file");
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    if (max && size > max) {
        ms_doc_fail(doc, "parse", "too_large", "input is %zu bytes, limit %zu", size, max);
        close(fd);
        return -1;
    }
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf) {
        ms_doc_fail(doc, "parse", "too_large", "cannot allocate %zu bytes for the input", size);
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ms_doc_fail(doc, "parse", "io_error", "cannot read input file: %s", strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0)
            break;    /* shrank while we read: parse what is there */
        got += (size_t)r;
    }
    close(fd);
    *out = buf;
    *len = got;
    return 0;
}

/* ---- extraction -------------------------------------------------------- */

/* Append the UTF-8 of one MuPDF line (no newline). */
static void line_append(fz_stext_line *l, sbuf *raw)
{
    for (fz_stext_char *ch = l->first_char; ch; ch = ch->next) {
        utf8proc_int32_t cp = ch->c;
        if (cp == 0)
            continue;
        if (!utf8proc_codepoint_valid(cp))
            cp = 0xFFFD;
        utf8proc_uint8_t enc[4];
        sb_put(raw, enc, (size_t)utf8proc_encode_char(cp, enc));
    }
}

/* Append one structured text page in MuPDF's block order: '\n' after each
 * line (trailing spaces trimmed), a blank line between blocks. */
static void stext_append_blocks(fz_stext_page *tp, sbuf *raw)
{
    bool first_block = true;
    for (fz_stext_block *b = tp->first_block; b; b = b->next) {
        if (b->type != FZ_STEXT_BLOCK_TEXT || !b->u.t.first_line)
            continue;
        if (!first_block)
            sb_put(raw, "\n", 1);
        first_block = false;
        for (fz_stext_line *l = b->u.t.first_line; l; l = l->next) {
            size_t line_start = raw->len;
            line_append(l, raw);
            sb_trim_right(raw, line_start, " \t");
            sb_put(raw, "\n", 1);
        }
    }
}

static void layout_put(void *ud, const char *p, size_t n)
{
    sb_put(ud, p, n);
}

/* Append one page in visual rows (pdf_layout.h), or in block order when
 * the page is prose in columns or parse.layout = blocks. w->lines and
 * w->frags are the worker's scratch, kept between pages. */
static void stext_append(parse_worker *w, fz_stext_page *tp, sbuf *raw)
{
    if (w->ps->opts.layout_blocks) {
        stext_append_blocks(tp, raw);
        return;
    }
    w->lines.len = 0;
    size_t n = 0, block = 0;
    for (fz_stext_block *b = tp->first_block; b; b = b->next, block++) {
        if (b->type != FZ_STEXT_BLOCK_TEXT)
            continue;
        for (fz_stext_line *l = b->u.t.first_line; l; l = l->next) {
            size_t off = w->lines.len;
            line_append(l, &w->lines);
            if (w->lines.len == off)
                continue;
            if (n == w->frags_cap) {
                size_t cap = w->frags_cap ? 2 * w->frags_cap : 256;
                ms_layout_frag *f = realloc(w->frags, cap * sizeof *f);
                if (!f) {
                    stext_append_blocks(tp, raw);
                    return;
                }
                w->frags = f;
                w->frags_cap = cap;
            }
            w->frags[n++] = (ms_layout_frag){
                .x0 = l->bbox.x0, .y0 = l->bbox.y0, .x1 = l->bbox.x1, .y1 = l->bbox.y1,
                .off = off, .len = w->lines.len - off, .block = block,
                .horizontal = l->dir.x > 0.99f && fabsf(l->dir.y) < 0.05f,
            };
        }
    }
    if (w->lines.oom ||
        !ms_layout_page(w->frags, n, tp->mediabox.x1 - tp->mediabox.x0,
                        w->lines.p ? w->lines.p : "", layout_put, raw))
        stext_append_blocks(tp, raw);
}

enum { PAGE_OK = 0, PAGE_FAILED = -1, PAGE_STOPPED = -2 };

/* Extract page i into raw. A page that throws is PAGE_FAILED (its partial
 * text is dropped); one cut short by the cookie is PAGE_STOPPED. */
static int run_page(parse_worker *w, fz_document *fdoc, int i, sbuf *raw)
{
    fz_context *ctx = w->ctx;
    fz_page *page = NULL;
    fz_stext_page *tp = NULL;
    fz_device *dev = NULL;
    int rc = PAGE_OK;
    /* Glyphs outside the media box are invisible to a reader; dropping
     * them keeps hidden text out of summaries. The per-glyph bounds test
     * costs about 20% of extraction (bench/RESULTS.md). */
    fz_stext_options so = {
        .flags = w->ps->opts.keep_offpage_text ? 0 : FZ_STEXT_MEDIABOX_CLIP,
    };

    fz_var(page);
    fz_var(tp);
    fz_var(dev);
    fz_var(rc);
    fz_try(ctx) {
        page = fz_load_page(ctx, fdoc, i);
        tp = fz_new_stext_page(ctx, fz_bound_page(ctx, page));
        dev = fz_new_stext_device(ctx, tp, &so);
        fz_run_page(ctx, page, dev, fz_identity, &w->cookie);
        fz_close_device(ctx, dev);
    }
    fz_always(ctx) {
        fz_drop_device(ctx, dev);
        fz_drop_page(ctx, page);
    }
    fz_catch(ctx) {
        rc = fz_caught(ctx) == FZ_ERROR_ABORT ? PAGE_STOPPED : PAGE_FAILED;
    }
    /* The interpreter may also just return early when it sees the flag. */
    if (__atomic_load_n(&w->cookie.abort, __ATOMIC_SEQ_CST))
        rc = PAGE_STOPPED;
    if (rc == PAGE_OK)
        stext_append(w, tp, raw);
    fz_drop_stext_page(ctx, tp);
    return rc;
}

/* Open the document and count its pages. Returns the page count, or -1
 * after ms_doc_fail. *fdoc_out and *stm_out are set even on failure. */
static int open_document(parse_worker *w, ms_doc *doc, const unsigned char *data, size_t len,
                         fz_stream **stm_out, fz_document **fdoc_out)
{
    fz_context *ctx = w->ctx;
    fz_stream *stm = NULL;
    fz_document *fdoc = NULL;
    int npages = -1;
    const char *stage_failed = NULL;

    fz_var(stm);
    fz_var(fdoc);
    fz_var(npages);
    fz_var(stage_failed);
    fz_try(ctx) {
        stage_failed = "cannot open the document";
        stm = fz_open_memory(ctx, data, len);
        fdoc = fz_open_document_with_stream(ctx, "application/pdf", stm);
        if (fz_needs_password(ctx, fdoc) && !fz_authenticate_password(ctx, fdoc, "")) {
            stage_failed = NULL;
            npages = -2;
        } else {
            stage_failed = "cannot count the pages";
            npages = fz_count_pages(ctx, fdoc);
            stage_failed = NULL;
        }
    }
    fz_catch(ctx) {
        npages = -1;
    }
    *stm_out = stm;
    *fdoc_out = fdoc;

    int max = w->ps->opts.max_pages;
    if (npages == -2) {
        ms_doc_fail(doc, "parse", "encrypted", "document needs a password");
        return -1;
    }
    if (stage_failed || npages < 0) {
        ms_doc_fail(doc, "parse", "corrupt", "%s", stage_failed ? stage_failed : "cannot open");
        return -1;
    }
    if (npages == 0) {
        ms_doc_fail(doc, "parse", "corrupt", "document has no pages");
        return -1;
    }
    if (max > 0 && npages > max) {
        ms_doc_fail(doc, "parse", "too_large", "document has %d pages, limit %d", npages, max);
        return -1;
    }
    if (must_stop(w)) {
        fail_stopped(w, doc, "while opening the document");
        return -1;
    }
    return npages;
}

static int extract(parse_worker *w, ms_doc *doc, const unsigned char *data, size_t len)
{
    fz_context *ctx = w->ctx;
    fz_stream *stm = NULL;
    fz_document *fdoc = NULL;
    sbuf out = {0}, raw = {0};
    ms_page *pages = NULL;
    int failed = 0, rc = -1;

    int npages = open_document(w, doc, data, len, &stm, &fdoc);
    if (npages < 0)
        goto done;
    pages = calloc((size_t)npages, sizeof *pages);
    if (!pages) {
        ms_doc_fail(doc, "parse", "too_large", "cannot allocate %d page ranges", npages);
        goto done;
    }

    for (int i = 0; i < npages; i++) {
        if (must_stop(w)) {
            char where[64];
            snprintf(where, sizeof where, "before page %d of %d", i + 1, npages);
            fail_stopped(w, doc, where);
            goto done;
        }
        raw.len = 0;
        int r = run_page(w, fdoc, i, &raw);
        if (r == PAGE_STOPPED) {
            char where[64];
            snprintf(where, sizeof where, "in page %d of %d", i + 1, npages);
            fail_stopped(w, doc, where);
            goto done;
        }
        if (i > 0)
            sb_put(&out, "\n\n", 2);
        pages[i].offset = out.len;
        if (r == PAGE_FAILED) {
            failed++;
            continue;
        }
        size_t nlen;
        char *norm = raw.oom ? NULL : ms_text_normalize(raw.p ? raw.p : "", raw.len, &nlen, NULL);
        if (!norm) {
            out.oom = true;
            break;
        }
        sb_put(&out, norm, nlen);
        free(norm);
        sb_trim_right(&out, pages[i].offset, " \t\n");
        pages[i].len = out.len - pages[i].offset;
    }

    if (out.oom || sb_reserve(&out, 0) != 0) {
        ms_doc_fail(doc, "parse", "too_large", "text of %d pages does not fit in memory", npages);
        goto done;
    }
    if (failed == npages) {
        ms_doc_fail(doc, "parse", "corrupt", "none of the %d pages could be read", npages);
        goto done;
    }
    if (!ms_text_has_visible(out.p, out.len)) {
        ms_doc_fail(doc, "parse", "no_text", "no text on %d pages (%d unreadable)", npages, failed);
        goto done;
    }

    free(doc->text);
    free(doc->pages);
    doc->text = out.p;
    doc->text_len = out.len;
    doc->text_chars = ms_text_count_chars(out.p, out.len);
    doc->pages = pages;
    doc->npages = npages;
    doc->pages_failed = failed;
    out.p = NULL;
    pages = NULL;
    rc = 0;

done:
    fz_drop_document(ctx, fdoc);
    fz_drop_stream(ctx, stm);
    free(out.p);
    free(raw.p);
    free(pages);
    return rc;
}

static int register_handlers(fz_context *ctx)
{
    int rc = 0;
    quiet_context(ctx);
    fz_try(ctx)
        fz_register_document_handlers(ctx);
    fz_catch(ctx)
        rc = -1;
    return rc;
}

/* ---- stage ops --------------------------------------------------------- */

static int parse_worker_init(ms_stage *st, int worker_index, void **wstate)
{
    parse_state *ps = st->state;
    parse_worker *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->ps = ps;
    w->ctx = fz_new_context(NULL, NULL, STORE_BYTES);
    if (!w->ctx || register_handlers(w->ctx) != 0) {
        fz_drop_context(w->ctx);
        free(w);
        return -1;
    }
    pthread_mutex_lock(&ps->mu);
    w->next = ps->workers;
    ps->workers = w;
    pthread_mutex_unlock(&ps->mu);
    *wstate = w;
    return 0;
}

static void parse_worker_fini(ms_stage *st, void *wstate)
{
    parse_state *ps = st->state;
    parse_worker *w = wstate;
    if (!w)
        return;
    pthread_mutex_lock(&ps->mu);
    for (parse_worker **pp = &ps->workers; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    pthread_mutex_unlock(&ps->mu);
    fz_drop_context(w->ctx);
    free(w->lines.p);
    free(w->frags);
    free(w);
}

static int parse_process(ms_stage *st, void *wstate, ms_doc *doc)
{
    parse_state *ps = st->state;
    parse_worker *w = wstate;
    if (__atomic_load_n(&ps->aborting, __ATOMIC_SEQ_CST)) {
        ms_doc_fail(doc, "parse", "aborted", "parse aborted (shutdown)");
        return -1;
    }

    report_begin(w);
    const unsigned char *data = doc->input;
    size_t len = doc->input_len;
    unsigned char *owned = NULL;
    int rc = -1;

    if (!data && doc->input_path) {
        if (read_input_file(w, doc, &owned, &len) != 0)
            goto done;
        data = owned;
    } else if (!data) {
        ms_doc_fail(doc, "parse", "io_error", "no input bytes and no input path");
        goto done;
    }
    /* The audit trail names the exact bytes processed (telemetry/audit.h). */
    ms_sha256_hex(data, len, doc->input_sha256);
    if (ps->opts.max_bytes && len > ps->opts.max_bytes) {
        ms_doc_fail(doc, "parse", "too_large", "input is %zu bytes, limit %zu", len,
                    ps->opts.max_bytes);
        goto done;
    }
    if (!has_pdf_magic(data, len)) {
        ms_doc_fail(doc, "parse", "not_pdf", "no %%PDF- header in the first %d bytes", MAGIC_WINDOW);
        goto done;
    }
    rc = extract(w, doc, data, len);

done:
    report_end(w);
    free(owned);
    return rc;
}

static void parse_abort_all(ms_stage *st)
{
    parse_state *ps = st->state;
    __atomic_store_n(&ps->aborting, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&ps->mu);
    for (parse_worker *w = ps->workers; w; w = w->next) {
        if (!w->busy)
            continue;
        __atomic_store_n(&w->aborted, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&w->cookie.abort, 1, __ATOMIC_SEQ_CST);
    }
    pthread_mutex_unlock(&ps->mu);
}

static void parse_destroy(ms_stage *st)
{
    if (!st)
        return;
    parse_state *ps = st->state;
    pthread_mutex_lock(&ps->mu);
    ps->stop = true;
    pthread_cond_signal(&ps->cv);
    pthread_mutex_unlock(&ps->mu);
    pthread_join(ps->watchdog, NULL);
    /* Workers the engine failed to finish: reclaim them anyway. */
    while (ps->workers)
        parse_worker_fini(st, ps->workers);
    pthread_cond_destroy(&ps->cv);
    pthread_mutex_destroy(&ps->mu);
    free(ps);
}

static const ms_stage_ops parse_ops = {
    .name = "parse",
    .kind = MS_STAGE_CPU,
    .worker_init = parse_worker_init,
    .worker_fini = parse_worker_fini,
    .process = parse_process,
    .abort_all = parse_abort_all,
    .destroy = parse_destroy,
};

ms_stage *ms_parse_stage_new(const ms_parse_opts *opts)
{
    if (opts && (opts->max_pages < 0 || opts->timeout_ms < 0))
        return NULL;
    parse_state *ps = calloc(1, sizeof *ps);
    if (!ps)
        return NULL;
    if (opts)
        ps->opts = *opts;
    ps->stage.ops = &parse_ops;
    ps->stage.state = ps;

    pthread_mutex_init(&ps->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ps->cv, &ca);
    pthread_condattr_destroy(&ca);

    if (pthread_create(&ps->watchdog, NULL, watchdog_main, ps) != 0) {
        pthread_cond_destroy(&ps->cv);
        pthread_mutex_destroy(&ps->mu);
        free(ps);
        return NULL;
    }
    return &ps->stage;
}

/* ---- plugin ---------------------------------------------------------------- */

static const ms_cfg_key parse_keys[] = {
    MS_KEY_INT("parse.max_pages", "2000", 1, 1000000,
        "Largest page count accepted per report; a longer report goes to the dead-letter output instead of tying up a worker."),
    MS_KEY_SIZE("parse.max_bytes", "100M", 1 * MS_KIB, 4 * MS_GIB,
         "Largest PDF accepted; a bigger input goes to the dead-letter output without being opened."),
    MS_KEY_INT("parse.timeout_ms", "30000", 1, 3600000,
        "Per-report parse time budget; a report still parsing after this is aborted and dead-lettered."),
    MS_KEY_ENUM("parse.layout", "rows", "rows|blocks",
        "Reading order of a page. rows: lines rebuilt from glyph positions, so a table drawn cell by cell or column by column reads as rows (test, value, flag, range on one line); a page of prose in columns keeps MuPDF's order. blocks: MuPDF's block order as drawn."),
    MS_KEY_BOOL("parse.keep_offpage_text", "false",
         "Keep text drawn outside the page (invisible to a reader). Off: hidden text never reaches a summary; on: extraction is about 20% faster."),
    { 0 }
};

static ms_stage *parse_create(const ms_config *cfg, char *err, size_t errlen)
{
    ms_parse_opts po = {
        .max_pages = (int)ms_config_int(cfg, "parse.max_pages"),
        .max_bytes = (size_t)ms_config_int(cfg, "parse.max_bytes"),
        .timeout_ms = (int)ms_config_int(cfg, "parse.timeout_ms"),
        .keep_offpage_text = ms_config_bool(cfg, "parse.keep_offpage_text"),
        .layout_blocks = !strcmp(ms_config_str(cfg, "parse.layout"), "blocks"),
    };
    ms_stage *st = ms_parse_stage_new(&po);
    if (!st)
        ms_errf(err, errlen, "cannot create the parse stage (MuPDF context or memory)");
    return st;
}

const ms_plugin ms_stage_parse_plugin = {
    .name = "parse",
    .kind = MS_PLUGIN_STAGE,
    .slot = "parse",
    .description = "PDF to text with MuPDF, page by page, within page, size and time limits",
    .keys = parse_keys,
    .create.stage = parse_create,
};
