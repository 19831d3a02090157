/* testsink.h -- a sink for tests: records every confirmed write (id and
 * kind) and can confirm after a delay (a deliberately slow sink). */
#ifndef MS_TESTSINK_H
#define MS_TESTSINK_H

#include <stdbool.h>

#include "core/sink.h"

typedef struct ms_test_record {
    char **ids;
    bool *dead;
    int n, cap;
    int concurrent, max_concurrent; /* writes in progress */
} ms_test_record;

/* The record outlives the sink (the engine frees the sink). */
ms_sink *ms_test_sink_new(int delay_ms, ms_test_record *rec);

/* How many confirmed writes had this id. */
int ms_test_record_count(const ms_test_record *rec, const char *id);
void ms_test_record_free(ms_test_record *rec);

#endif
