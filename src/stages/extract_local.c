/* extract_local.c -- see extract_local.h. */
#include "stages/extract_local.h"

#include <stdlib.h>
#include <string.h>

#include "core/doc.h"
#include "nlp/nlp.h"
#include "base/errbuf.h"
#include "core/plugin.h"

typedef struct extract_state {
    ms_stage stage;
    ms_nlp_engine *engine;
} extract_state;

static void results_free(void *p, size_t n)
{
    ms_nlp_result *r = p;
    for (size_t i = 0; i < n; i++)
        ms_nlp_result_free(&r[i]);
    free(r);
}

/* Each worker detects into its own result (whose scratch space the engine
 * reuses from call to call), then keeps an exact-size copy per chunk. */
static int extract_worker_init(ms_stage *st, int worker_index, void **wstate)
{
    ms_nlp_result *scratch = calloc(1, sizeof *scratch);
    *wstate = scratch;
    return scratch ? 0 : -1;
}

static void extract_worker_fini(ms_stage *st, void *wstate)
{
    ms_nlp_result_free(wstate);
    free(wstate);
}

static int extract_process(ms_stage *st, void *wstate, ms_doc *doc)
{
    extract_state *x = st->state;
    ms_nlp_result *work = wstate;
    ms_nlp_result *r = calloc(doc->nchunks ? doc->nchunks : 1, sizeof *r);
    if (!r) {
        ms_doc_fail(doc, "extract", "out_of_memory", "cannot allocate entity results");
        return -1;
    }
    for (size_t i = 0; i < doc->nchunks; i++) {
        int rc = ms_nlp_detect(x->engine, doc->chunks[i].text, doc->chunks[i].len, work);
        if (rc == 0 && work->n > 0) {
            r[i].v = malloc(work->n * sizeof *work->v);
            if (r[i].v) {
                memcpy(r[i].v, work->v, work->n * sizeof *work->v);
                r[i].n = r[i].cap = work->n;
            } else {
                rc = -1;
            }
        }
        if (rc != 0) {
            results_free(r, doc->nchunks);
            ms_doc_fail(doc, "extract", "out_of_memory", "entity detection ran out of memory");
            return -1;
        }
    }
    doc->extract = r;
    doc->extract_free = results_free;
    doc->extract_engine = "local";
    return 0;
}

static void extract_destroy(ms_stage *st)
{
    extract_state *x = st->state;
    ms_nlp_engine_free(x->engine);
    free(x);
}

static const ms_stage_ops extract_ops = {
    .name = "extract",
    .kind = MS_STAGE_CPU,
    .worker_init = extract_worker_init,
    .worker_fini = extract_worker_fini,
    .process = extract_process,
    .destroy = extract_destroy,
};

ms_stage *ms_extract_local_stage_new(void)
{
    extract_state *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->engine = ms_nlp_engine_new();
    if (!x->engine) {
        free(x);
        return NULL;
    }
    x->stage.ops = &extract_ops;
    x->stage.state = x;
    return &x->stage;
}

/* ---- plugin ---------------------------------------------------------------- */

static ms_stage *local_create(const ms_config *cfg, char *err, size_t errlen)
{
    (void)cfg;
    ms_stage *st = ms_extract_local_stage_new();
    if (!st)
        ms_errf(err, errlen, "cannot create the local extract stage (out of memory)");
    return st;
}

const ms_plugin ms_stage_extract_local_plugin = {
    .name = "local",
    .kind = MS_PLUGIN_STAGE,
    .slot = "extract",
    .description = "the embedded entity engine (no network, no cost)",
    .create.stage = local_create,
};
