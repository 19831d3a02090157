/* chunk.h -- cut a document's text into request-sized chunks.
 *
 * Comprehend Medical limits requests in UTF-8 bytes (DetectEntitiesV2
 * 20,000; InferICD10CM / InferRxNorm / InferSNOMEDCT 10,000) and bills per
 * 100 characters, so repeated page headers/footers are left out first (see
 * boilerplate.h) and the rest is cut at the best boundary available:
 * paragraph, then sentence end, then whitespace, then any code point
 * boundary. A break is only taken in the last half of the window. Chunks
 * never start or end with ASCII whitespace and are never empty.
 *
 * Each chunk's segs map runs of chunk bytes 1:1 onto document bytes; a chunk
 * has more than one seg only where boilerplate was cut out of its middle. */
#ifndef MS_CHUNK_H
#define MS_CHUNK_H

#include <stddef.h>

#include "core/doc.h"
#include "core/stage.h"

#define MS_CHUNK_DEFAULT_MAX_BYTES 20000
#define MS_CHUNK_DEFAULT_MIN_PAGES 3
/* Smallest max_bytes accepted: one 4-byte code point must fit. */
#define MS_CHUNK_MIN_BYTES 4

typedef struct ms_chunk_opts {
    size_t max_bytes;            /* per-chunk UTF-8 byte limit (default 20000) */
    int strip_boilerplate;       /* remove repeated page headers/footers */
    int boilerplate_min_pages;   /* only for documents with at least this many pages (default 3) */
} ms_chunk_opts;

/* Defaults: 20000 bytes, boilerplate stripped from 3 pages on. */
void ms_chunk_opts_default(ms_chunk_opts *opts);

/* Pure function: text/pages in, chunks out (free with ms_chunks_free).
 * opts may be NULL (defaults); max_bytes 0 or boilerplate_min_pages <= 0
 * mean the default. *nout may be 0 (nothing but whitespace/boilerplate).
 * boilerplate_bytes/chars (may be NULL) receive what was left out.
 * Returns 0, or -1 with errno ENOMEM or EINVAL (NULL outputs, max_bytes
 * below MS_CHUNK_MIN_BYTES, pages not ascending or outside the text). */
int ms_chunk_text(const char *text, size_t len, const ms_page *pages, int npages,
                  const ms_chunk_opts *opts, ms_chunk **out, size_t *nout,
                  size_t *boilerplate_bytes, size_t *boilerplate_chars);

/* Document byte offset of chunk byte chunk_off (binary search over segs).
 * chunk_off == c->len maps to one past the last mapped byte; larger values
 * are clamped to c->len. For an exclusive end offset e that may sit where
 * boilerplate was removed, map e - 1 and add 1. Returns SIZE_MAX for a
 * chunk without segs. */
size_t ms_chunk_to_doc(const ms_chunk *c, size_t chunk_off);

/* Code points in s[0, len): bytes that are not UTF-8 continuation bytes. */
size_t ms_utf8_chars(const char *s, size_t len);

/* CPU stage "chunk": fills doc->chunks/nchunks/boilerplate_* from
 * doc->text/pages. A doc with no chunk left fails with reason "no_text";
 * bad page ranges fail with "bad_pages", allocation with "out_of_memory".
 * opts may be NULL (defaults); it is copied. NULL on ENOMEM or EINVAL
 * (max_bytes below MS_CHUNK_MIN_BYTES). */
ms_stage *ms_chunk_stage_new(const ms_chunk_opts *opts);

#endif
