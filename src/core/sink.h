/* sink.h -- the interface every output implements.
 *
 * Sinks live on the loop thread. write() starts delivering doc->output (a
 * summary, or a dead-letter record when dead_letter is true) and must call
 * done() exactly once, on the loop thread, with status 0 once the write is
 * durable by the sink's own standard (file: renamed and fsynced; S3: 200 OK),
 * or -1 with a short error. The engine retries failed writes with backoff;
 * writes must be idempotent (keyed by doc->id), so a retry or a replay after
 * a crash overwrites instead of duplicating. */
#ifndef MS_SINK_H
#define MS_SINK_H

#include <stdbool.h>

#include "core/doc.h"

typedef struct ms_sink ms_sink;
typedef void (*ms_sink_done_cb)(ms_sink *sink, ms_doc *doc, int status,
                                const char *error);

typedef struct ms_sink_ops {
    const char *name;
    int (*attach)(ms_sink *sink, void *uv_loop);
    void (*write)(ms_sink *sink, ms_doc *doc, bool dead_letter, ms_sink_done_cb done);
    void (*destroy)(ms_sink *sink);
} ms_sink_ops;

struct ms_sink {
    const ms_sink_ops *ops;
    void *state;
    char name[32];       /* metrics label: "file", "s3", ... */
    bool dead_letters;   /* receives dead-letter records */
    bool summaries;      /* receives summaries */
    void *metrics;       /* engine-private */
};

#endif
