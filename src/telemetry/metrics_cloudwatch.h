/* metrics_cloudwatch.h -- the registry to Amazon CloudWatch.
 *
 * A collector turns the registry into CloudWatch data points: counters as
 * the increase since the previous collection, gauges as their value,
 * histograms as Values/Counts (one value per bucket, its upper bound; the
 * +Inf bucket as the last finite bound) of the observations since the
 * previous collection. The metric name is the registry name without its
 * "medstream_" prefix; dimensions are `pipeline` and the labels (`op`
 * becomes `operation`). Units come from the name: *_seconds Seconds,
 * *_bytes* Bytes, everything else Count.
 *
 * The encoder writes PutMetricData query bodies as botocore does
 * (Action, Version, Namespace, MetricData.member.N.*), at most
 * MS_CW_MAX_DATUMS data points and MS_CW_MAX_BODY bytes a request.
 *
 * The exporter (cloudwatch.mode = api) collects every
 * cloudwatch.interval_s on the engine's loop and sends gzip-compressed
 * bodies through ms_aws_send (SigV4, standard retries), one request at a
 * time. Nothing waits for CloudWatch: bodies queue in memory up to
 * cloudwatch.max_buffer, and past it the oldest are dropped and counted
 * (medstream_cloudwatch_dropped_total). */
#ifndef MS_METRICS_CLOUDWATCH_H
#define MS_METRICS_CLOUDWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "core/engine.h"
#include "base/metrics.h"
#include "telemetry/cw_datum.h"
#include "telemetry/metrics_prom.h"

#define MS_CW_MAX_DATUMS 1000          /* data points per PutMetricData */
#define MS_CW_MAX_BODY 1000000         /* bytes of (uncompressed) body */
#define MS_CW_MAX_VALUES 150           /* Values/Counts entries per datum */
#define MS_CW_API_VERSION "2010-08-01"

typedef struct ms_cw_collector ms_cw_collector;

ms_cw_collector *ms_cw_collector_new(const char *pipeline);
void ms_cw_collector_free(ms_cw_collector *c);

/* Data points since the previous call (malloc'ed array, free it).
 * Histograms without observations in the interval are left out. -1 when
 * out of memory. */
int ms_cw_collect(ms_cw_collector *c, ms_cw_datum **out, size_t *n);

/* Encode data points [from, to) as one PutMetricData body, stopping early
 * at the request limits; returns the index after the last one encoded.
 * ts is Unix seconds (UTC); storage_resolution 1 or 60. */
size_t ms_cw_encode(ms_metrics_buf *b, const char *ns, const ms_cw_datum *d, size_t from,
                    size_t to, int64_t ts, int storage_resolution);

/* gzip (RFC 1952) of in; 0 or -1. */
int ms_cw_gzip(const void *in, size_t len, ms_metrics_buf *out);

/* The exporter itself is the registry's service "cloudwatch"
 * (ms_service_cloudwatch_plugin), started when cloudwatch.mode is api or
 * emf (emf: metrics_emf.h). */

#endif
