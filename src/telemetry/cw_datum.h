/* cw_datum.h -- a CloudWatch data point and its number formatting, shared
 * by the PutMetricData encoder (metrics_cloudwatch.c) and the Embedded
 * Metric Format writer (metrics_emf.c). Both depend on this file; neither
 * depends on the other for it. */
#ifndef MS_CW_DATUM_H
#define MS_CW_DATUM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/metrics.h"

#define MS_CW_MAX_DIMS 30

typedef struct ms_cw_dim {
    char name[32];
    char value[128];
} ms_cw_dim;

typedef struct ms_cw_datum {
    char name[128];
    const char *unit;                  /* "Seconds", "Bytes", "Count" */
    ms_cw_dim dims[MS_CW_MAX_DIMS];
    int ndims;
    bool is_dist;                      /* Values/Counts instead of Value */
    double value;
    int nvalues;
    double values[MS_HIST_BUCKETS];
    double counts[MS_HIST_BUCKETS];
} ms_cw_datum;

/* The shortest decimal form of v that reads back as v. */
void ms_cw_format_double(double v, char *out, size_t outlen);

#endif
