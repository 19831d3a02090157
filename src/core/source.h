/* source.h -- the interface every record source implements.
 *
 * A source lives on the loop thread. It creates ms_docs and hands them to
 * the engine with ms_engine_submit(), first asking ms_engine_has_room(); when
 * there is no room it stops producing (and the engine calls pause()). The
 * engine calls commit() when every record below next_offset on a lane has
 * been confirmed by every sink.
 *
 * Asynchronous commits (acks_commits): a source whose commit() only starts
 * a commit (Kafka) sets acks_commits and reports each commit the broker
 * acknowledged with ms_engine_committed(), on the loop thread. Until then
 * every delivered report of that lane at or above the acknowledged offset
 * keeps counting against engine.max_inflight_docs / _bytes, so what a crash
 * can redo is at most the in-flight limit (docs/reliability.md). A source
 * without acks_commits commits synchronously: a report stops counting as
 * soon as every sink confirmed it. */
#ifndef MS_SOURCE_H
#define MS_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ms_engine ms_engine;
typedef struct ms_source ms_source;

typedef struct ms_source_ops {
    const char *name;
    /* Begin producing. Return 0, or -1 with a logged error. */
    int (*start)(ms_source *src);
    /* Backpressure: stop producing / produce again. */
    void (*pause)(ms_source *src);
    void (*resume)(ms_source *src);
    /* Everything below next_offset on lane is delivered. */
    void (*commit)(ms_source *src, uint64_t lane, int64_t next_offset);
    /* Stop producing for good (shutdown begins); keep committing. */
    void (*stop)(ms_source *src);
    /* Final commit and release of every handle; then call done(src) on the
     * loop thread (possibly synchronously). */
    void (*close)(ms_source *src, void (*done)(ms_source *src));
    void (*destroy)(ms_source *src);
    /* Set when commit() is asynchronous and acknowledged through
     * ms_engine_committed() (above). */
    bool acks_commits;
    /* acks_commits only, optional: admission is blocked by reports awaiting
     * their acknowledgement: commit what commit() was given now rather than
     * at the next batch (a no-op when nothing moved or a commit is on its
     * way; the source then commits again when it is acknowledged). */
    void (*flush)(ms_source *src);
} ms_source_ops;

struct ms_source {
    const ms_source_ops *ops;
    void *state;
    ms_engine *engine;
    void *loop;   /* uv_loop_t*, set before start() */
};

#endif
