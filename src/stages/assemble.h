/* assemble.h -- the last CPU stage: renders a report's summary JSON
 * (medstream.summary/v1) into doc->output for the sinks, and the fields
 * they read from it, typed, into doc->summary. */
#ifndef MS_ASSEMBLE_H
#define MS_ASSEMBLE_H

#include "core/stage.h"

/* The stage; its timings_ms are labelled with the stage's pipeline_names
 * (core/stage.h). NULL when out of memory. */
ms_stage *ms_assemble_stage_new(void);

/* Render the summary of a doc into doc->output and doc->summary (used by
 * the stage and by tests). 0, or -1 on out of memory (doc unchanged). */
int ms_assemble_render(ms_doc *doc, const char *const *stage_names, int nstages);

#endif
