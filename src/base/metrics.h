/* metrics.h -- the process-wide metrics registry.
 *
 * Counters, gauges and histograms are registered once by name and label set
 * (Prometheus conventions: snake_case, unit suffix, labels as
 * `stage="parse"`), then updated lock-free from any thread. Exporters walk
 * the registry with ms_metrics_foreach(). */
#ifndef MS_METRICS_H
#define MS_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum ms_metric_type {
    MS_METRIC_COUNTER,
    MS_METRIC_GAUGE,
    MS_METRIC_HISTOGRAM
} ms_metric_type;

/* Histogram bucket upper bounds in seconds (last is +Inf). */
#define MS_HIST_BUCKETS 16
extern const double ms_hist_bounds[MS_HIST_BUCKETS];

typedef struct ms_metric {
    char *name;
    char *labels;             /* `a="x",b="y"` or "" */
    char *help;
    ms_metric_type type;
    _Atomic uint64_t count;   /* counter value; histogram observations */
    _Atomic int64_t gauge;
    bool milli;               /* gauge set in thousandths (ms_gauge_milli) */
    _Atomic uint64_t sum_ns;  /* histogram sum, nanoseconds */
    _Atomic uint64_t buckets[MS_HIST_BUCKETS]; /* not cumulative */
    struct ms_metric *next;
} ms_metric;

/* Register (or find the existing) metric. Never returns NULL. */
ms_metric *ms_counter(const char *name, const char *labels, const char *help);
ms_metric *ms_gauge(const char *name, const char *labels, const char *help);
ms_metric *ms_histogram(const char *name, const char *labels, const char *help);
/* A gauge set in thousandths of its unit and exported divided by 1000
 * (medstream_source_lag_seconds is set from milliseconds). */
ms_metric *ms_gauge_milli(const char *name, const char *labels, const char *help);
/* What exporters publish for a gauge: its value, thousandths divided out. */
double ms_metric_gauge_value(ms_metric *m);

static inline void ms_counter_add(ms_metric *m, uint64_t n)
{
    atomic_fetch_add_explicit(&m->count, n, memory_order_relaxed);
}
static inline void ms_gauge_set(ms_metric *m, int64_t v)
{
    atomic_store_explicit(&m->gauge, v, memory_order_relaxed);
}
static inline void ms_gauge_add(ms_metric *m, int64_t v)
{
    atomic_fetch_add_explicit(&m->gauge, v, memory_order_relaxed);
}
static inline uint64_t ms_metric_count(ms_metric *m)
{
    return atomic_load_explicit(&m->count, memory_order_relaxed);
}
static inline int64_t ms_metric_gauge(ms_metric *m)
{
    return atomic_load_explicit(&m->gauge, memory_order_relaxed);
}
/* Raise the gauge to v if v is larger (a high-water mark). */
void ms_gauge_max(ms_metric *m, int64_t v);
void ms_histogram_observe_ns(ms_metric *m, uint64_t ns);

/* Walk every registered metric (registration order). */
void ms_metrics_foreach(void (*cb)(ms_metric *m, void *ud), void *ud);

/* Reset values (not registrations); for tests that run several engines. */
void ms_metrics_reset(void);

/* Monotonic clock in nanoseconds. */
uint64_t ms_now_ns(void);

#endif
