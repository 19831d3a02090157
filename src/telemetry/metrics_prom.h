/* metrics_prom.h -- the Prometheus text exposition (format 0.0.4) of the
 * metrics registry, plus the small helpers every exporter shares: a
 * growable text buffer, a name-grouped snapshot of the registry and a
 * parser for the registry's label strings.
 *
 * Threading: any thread (the registry is read with relaxed atomics). */
#ifndef MS_METRICS_PROM_H
#define MS_METRICS_PROM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/metrics.h"

typedef struct ms_metrics_buf {
    char *p;        /* NUL-terminated; NULL until something is appended */
    size_t len, cap;
    bool oom;       /* an allocation failed: the text is incomplete */
} ms_metrics_buf;

void ms_metrics_buf_add(ms_metrics_buf *b, const char *s, size_t n);
void ms_metrics_buf_puts(ms_metrics_buf *b, const char *s);
void ms_metrics_buf_printf(ms_metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s as a JSON string, quotes included. */
void ms_metrics_buf_json_str(ms_metrics_buf *b, const char *s);
void ms_metrics_buf_free(ms_metrics_buf *b);

/* Every registered metric, grouped by name (stable: registration order
 * within a name). *out is malloc'ed (free it); -1 when out of memory. */
int ms_metrics_snapshot(ms_metric ***out, size_t *n);

/* Next `key="value"` pair of a registry label string (value unescaped);
 * advances *p. False at the end or on a malformed string. */
bool ms_metrics_label_next(const char **p, char *key, size_t klen, char *val, size_t vlen);

/* The value of one label, or false. */
bool ms_metrics_label_get(const char *labels, const char *key, char *val, size_t vlen);

/* Append the whole registry in the Prometheus text format (/metrics adds
 * the build info and process_* families, metrics_process.h). */
void ms_metrics_prom_render(ms_metrics_buf *b);

#define MS_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
