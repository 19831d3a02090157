/* extract_local.h -- the "extract" CPU stage backed by the local engine.
 *
 * Runs ms_nlp_detect() over every chunk of a report and keeps the results
 * on the doc (doc->extract: an array of doc->nchunks ms_nlp_result, in chunk
 * coordinates); the assemble stage maps them to document coordinates. One
 * engine (compiled-in lexicons, read-only) is shared by all workers. */
#ifndef MS_EXTRACT_LOCAL_H
#define MS_EXTRACT_LOCAL_H

#include "core/stage.h"

/* NULL on out of memory. */
ms_stage *ms_extract_local_stage_new(void);

#endif
