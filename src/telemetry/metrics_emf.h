/* metrics_emf.h -- CloudWatch Embedded Metric Format output
 * (cloudwatch.mode = emf): JSON lines for the CloudWatch agent or a Lambda
 * log stream, one line per dimension set and interval:
 *
 *   {"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{
 *      "Namespace":"medstream","Dimensions":[["pipeline","stage"]],
 *      "Metrics":[{"Name":"stage_reports_total","Unit":"Count",
 *                  "StorageResolution":60}]}]},
 *    "pipeline":"default","stage":"parse","stage_reports_total":12}
 *
 * Data points are those of the CloudWatch collector (metrics_cloudwatch.h);
 * a histogram becomes an array of at most MS_EMF_MAX_VALUES values (each
 * bucket's value repeated by its share of the observations). At most
 * MS_EMF_MAX_METRICS metrics per line. */
#ifndef MS_METRICS_EMF_H
#define MS_METRICS_EMF_H

#include <stddef.h>
#include <stdint.h>

#include "telemetry/cw_datum.h"
#include "telemetry/metrics_prom.h"

#define MS_EMF_MAX_METRICS 100
#define MS_EMF_MAX_VALUES 100

typedef struct ms_emf ms_emf;

/* "-" = stdout; otherwise the file is opened for appending. */
ms_emf *ms_emf_open(const char *path, char *err, size_t errlen);
void ms_emf_close(ms_emf *e);   /* NULL is fine */

/* Render the lines for these data points (ts_ms: Unix milliseconds). */
void ms_emf_render(ms_metrics_buf *b, const char *ns, const ms_cw_datum *d, size_t n,
                   int64_t ts_ms, int storage_resolution);

/* Render and write (then flush). 0 or -1. */
int ms_emf_write(ms_emf *e, const char *ns, const ms_cw_datum *d, size_t n, int64_t ts_ms,
                 int storage_resolution);

#endif
