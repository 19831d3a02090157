/* stage.h -- the interface every processing stage implements.
 *
 * A CPU stage runs on a worker thread: the engine calls process() with the
 * worker's private state (created once per worker by worker_init, e.g. a
 * cloned fz_context). Consecutive CPU stages run back to back on the same
 * worker without a hand-off.
 *
 * A loop stage runs on the loop thread: start() begins asynchronous work
 * (network calls) and must eventually call done(doc) on the loop thread.
 *
 * Either kind reports failure with ms_doc_fail(); the engine then skips the
 * remaining stages and routes the doc to the dead letters. */
#ifndef MS_STAGE_H
#define MS_STAGE_H

#include "core/doc.h"

typedef enum ms_stage_kind {
    MS_STAGE_CPU,
    MS_STAGE_LOOP
} ms_stage_kind;

typedef struct ms_stage ms_stage;
typedef struct ms_config ms_config;
typedef void (*ms_stage_done_cb)(ms_stage *stage, ms_doc *doc);

typedef struct ms_stage_ops {
    const char *name;         /* "parse", "chunk", ... (metrics label) */
    ms_stage_kind kind;

    /* CPU stages. worker_init/worker_fini may be NULL. */
    int (*worker_init)(ms_stage *st, int worker_index, void **wstate);
    void (*worker_fini)(ms_stage *st, void *wstate);
    /* Return 0 on success, -1 after ms_doc_fail(). */
    int (*process)(ms_stage *st, void *wstate, ms_doc *doc);
    /* Ask running process() calls to give up soon (shutdown). May be NULL.
     * Called from the loop thread while workers run. */
    void (*abort_all)(ms_stage *st);

    /* Loop stages. attach() is called once the loop exists. */
    int (*attach)(ms_stage *st, void *uv_loop);
    void (*start)(ms_stage *st, ms_doc *doc, ms_stage_done_cb done);

    /* SIGHUP: re-read the stage's MS_CFG_LIVE keys from cfg. Called on the
     * loop thread while workers may run. May be NULL. */
    void (*reload)(ms_stage *st, const ms_config *cfg);

    void (*destroy)(ms_stage *st);
} ms_stage_ops;

struct ms_stage {
    const ms_stage_ops *ops;
    void *state;              /* the stage's own data */
    int index;                /* position in the pipeline */
    /* Every stage's name in pipeline order (ops->name), set by whoever
     * assembles the pipeline (pipeline.c) once all stages exist, so a stage
     * can label per-stage figures (assemble's timings). */
    const char *pipeline_names[MS_MAX_STAGES];
    int pipeline_len;
};

#endif
