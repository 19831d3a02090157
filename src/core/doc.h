/* doc.h -- one report moving through the pipeline.
 *
 * Ownership: a doc belongs to exactly one thread at a time. The loop thread
 * owns it while a source creates it, while a loop stage or a sink works on
 * it, and while the delivery tracker waits for it; a worker owns it between
 * popping it from the work ring and pushing it onto the done ring. The ring
 * push/pop is the hand-off (release/acquire), so fields need no locks. */
#ifndef MS_DOC_H
#define MS_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tracker.h"

#define MS_MAX_STAGES 8

/* Where a record came from. The tracker orders commits per (source, partition). */
typedef struct ms_position {
    uint64_t lane;      /* ordering key chosen by the source (topic+partition) */
    int32_t partition;  /* kafka partition; 0 for a directory */
    int64_t offset;     /* kafka offset; admission sequence for a directory */
    char label[192];    /* human readable: "reports/1/42", "inbox/a.pdf" */
} ms_position;

/* Byte range of one page inside doc->text. */
typedef struct ms_page {
    size_t offset;
    size_t len;
} ms_page;

/* A run of chunk bytes that maps 1:1 onto document bytes. */
typedef struct ms_seg {
    size_t chunk_off;
    size_t doc_off;
    size_t len;
} ms_seg;

typedef struct ms_chunk {
    char *text;        /* NUL-terminated, len bytes, owned */
    size_t len;        /* bytes */
    size_t chars;      /* code points */
    ms_seg *segs;      /* offset map, ascending chunk_off, owned */
    size_t nsegs;
} ms_chunk;

/* What an extract stage that calls a paid service spent on one report, per
 * operation (Comprehend Medical: "DetectEntitiesV2", ...). Rendered in the
 * summary's "extraction" block; op == NULL marks an unused slot. */
#define MS_DOC_MAX_BILLED_OPS 8
typedef struct ms_doc_billing {
    const char *op;           /* static */
    uint64_t requests;        /* answered, billed requests */
    uint64_t characters;      /* in those requests */
    uint64_t billed_units;    /* 100 characters a unit, at least 1 per request */
    uint64_t cache_hits;      /* answered from the cache: not sent, not billed */
    char access_key_id[64];   /* who signed the last billed request ("" = none);
                                 the audit trail's principal */
} ms_doc_billing;

/* What doc->output says, typed, for the sinks and commands that need more
 * than its bytes (the S3 sink's text object, the SNS message, `medstream
 * extract --format text`, the demo's findings line). Filled by whoever
 * renders doc->output, from the same data in the same call, so the JSON is
 * never parsed back. The report id and the dead-letter reason are not
 * repeated here: they are doc->id and doc->reason, which the JSON renders.
 *
 * Ownership: embedded in the doc; the strings are malloc'd and freed by
 * ms_doc_summary_clear() (called by ms_doc_free() and before every
 * re-render). ms_doc_release_work() keeps it, like doc->output. */
#define MS_SUMMARY_MAX_NAMES 8
typedef struct ms_summary {
    bool rendered;            /* doc->output is described by this struct */
    bool dead_letter;         /* doc->output is medstream.dead_letter/v1 */
    bool has_findings;        /* an extract stage ran: the summary has
                                 "extraction", "entities", "findings" and
                                 "patient_summary" */
    char *patient_text;       /* "patient_summary" (NUL-terminated), or NULL
                                 when it is absent or null */
    size_t patient_text_len;  /* bytes */
    /* Lengths of the arrays in "findings" (0 without findings). */
    size_t medications;
    size_t allergies;
    size_t conditions_affirmed;
    size_t conditions_negated;
    size_t conditions_uncertain;
    size_t conditions_historical;
    size_t conditions_family;
    size_t conditions_not_patient;
    size_t tests;
    size_t procedures;
    /* The distinct names of findings.conditions.affirmed in order, each its
     * "lay" name or else its "canonical" one (conditions with neither are
     * skipped); the first MS_SUMMARY_MAX_NAMES. */
    char *affirmed_names[MS_SUMMARY_MAX_NAMES];
    int naffirmed_names;
} ms_summary;

typedef enum ms_doc_state {
    MS_DOC_NEW = 0,    /* created by a source, not yet admitted */
    MS_DOC_WORK,       /* queued for or running a CPU stage */
    MS_DOC_LOOP,       /* running a loop stage (network) */
    MS_DOC_SINK,       /* being written by the sinks */
    MS_DOC_DONE        /* confirmed by every sink; waiting for commit */
} ms_doc_state;

typedef struct ms_doc ms_doc;

struct ms_doc {
    char *id;                 /* report id; file-name safe characters only */
    ms_position pos;
    uint64_t seq;             /* engine admission number */
    void *source_ref;         /* opaque to everyone but the source */

    /* Input: either bytes in memory, or a path a worker reads. */
    unsigned char *input;
    size_t input_len;
    char *input_path;
    size_t input_size;        /* bytes counted against engine.max_inflight_bytes */
    char *s3_uri;             /* "s3://bucket/key": the fetch stage reads the
                                 input from S3 before parsing (record.h) */
    char *patient_json;       /* the envelope's patient object (for sinks), or NULL */
    char input_sha256[65];    /* hex SHA-256 of the input bytes, set where they
                                 are read (parse stage); "" = never read */
    char *metadata_json;      /* the envelope's metadata object, or NULL */

    /* parse_pdf */
    char *text;               /* UTF-8, NFC, pages joined by "\n\n" */
    size_t text_len;          /* bytes */
    size_t text_chars;        /* code points */
    ms_page *pages;
    int npages;
    int pages_failed;         /* pages MuPDF could not read (skipped) */

    /* chunk */
    ms_chunk *chunks;
    size_t nchunks;
    size_t boilerplate_chars; /* repeated header/footer code points left out */
    size_t boilerplate_bytes;

    /* extract: per-chunk entities, in whatever form the extract stage
     * keeps them (the local engine: one ms_nlp_result per chunk), freed
     * with extract_free. NULL when no extract stage ran. */
    void *extract;
    void (*extract_free)(void *extract, size_t nchunks);
    const char *extract_engine;  /* "local", "comprehend"; static */
    ms_doc_billing billing[MS_DOC_MAX_BILLED_OPS];

    /* Final rendering (summary or dead-letter JSON), what sinks write. */
    char *output;
    size_t output_len;
    ms_summary summary;       /* output's fields, typed (see ms_summary) */

    /* Where the sinks put this report, for the audit trail: a JSON array
     * of objects, one per file, object or message a sink wrote ({"sink":
     * "s3", "bucket", "key", "version_id"}, ...), appended on the loop thread
     * by ms_doc_add_destination when the write is confirmed. Never holds
     * document text. NULL until the first one. */
    struct json_t *destinations;

    /* Failure: reason is a static machine-readable code, NULL while healthy. */
    const char *reason;
    const char *failed_stage;
    char message[256];        /* never contains document text */

    /* Timing per stage, milliseconds, indexed like the engine's stages. */
    double stage_ms[MS_MAX_STAGES];
    uint64_t admitted_ns;
    uint64_t stage_started_ns; /* loop stages */
    uint64_t sink_started_ns;  /* handed to the sinks (their latency, retries included) */

    /* Engine bookkeeping. */
    ms_doc_state state;
    int stage;                /* index of the next stage to run */
    ms_ticket ticket;         /* place in the delivery tracker */
    int sinks_pending;
    int sink_errors;
    void *engine_ref;         /* the engine that admitted it */
    ms_doc *next;             /* intrusive list link for whoever owns it */
};

ms_doc *ms_doc_new(void);
void ms_doc_free(ms_doc *doc);

/* Drop input bytes and intermediate data no longer needed once the output
 * is rendered; keeps id, position, counters and output. */
void ms_doc_release_work(ms_doc *doc);

/* Mark the doc failed with a reason code and a message (printf style).
 * The first failure wins; later calls are ignored. */
void ms_doc_fail(ms_doc *doc, const char *stage, const char *reason,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Set doc->id, replacing characters unsafe in file names and object keys. */
void ms_doc_set_id(ms_doc *doc, const char *id);

/* Render doc->output as the dead-letter record (reason, message, position),
 * and doc->summary to match (dead_letter, no text, no findings). */
int ms_doc_render_dead_letter(ms_doc *doc);

/* Append one destination (a JSON object; the reference is stolen) to
 * doc->destinations, unless an equal one is there already (a retried write
 * that produced the same thing). 0, or -1 out of memory. */
int ms_doc_add_destination(ms_doc *doc, struct json_t *dest);

/* Free the summary's strings and zero it (not rendered). */
void ms_doc_summary_clear(ms_summary *s);

/* The "source" object shared by summaries and dead letters: label,
 * partition, offset (a new jansson reference). */
struct json_t *ms_doc_source_json(const ms_doc *doc);

void ms_chunks_free(ms_chunk *chunks, size_t n);

#endif
