/* metrics.c -- the process-wide metrics registry.
 *
 * Registration takes a mutex and happens at start-up; updates are relaxed
 * atomics. The list is append-only, and metrics are never freed while the
 * process runs, so exporters can walk it while others register. */
#include "base/metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const double ms_hist_bounds[MS_HIST_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25, 0.5, 1, 2.5, 5, 10, 30, 1e300 /* +Inf */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static ms_metric *_Atomic reg_head;
static ms_metric *reg_tail;

static ms_metric *lookup_or_add(ms_metric_type type, const char *name,
                                const char *labels, const char *help, bool milli)
{
    if (!labels)
        labels = "";
    pthread_mutex_lock(&reg_lock);
    for (ms_metric *m = atomic_load(&reg_head); m; m = m->next) {
        if (m->type == type && strcmp(m->name, name) == 0 &&
            strcmp(m->labels, labels) == 0) {
            pthread_mutex_unlock(&reg_lock);
            return m;
        }
    }
    ms_metric *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    m->name = strdup(name);
    m->labels = strdup(labels);
    m->help = strdup(help ? help : "");
    m->type = type;
    m->milli = milli;
    if (!m->name || !m->labels || !m->help)
        abort();
    if (reg_tail)
        reg_tail->next = m;
    else
        atomic_store(&reg_head, m);
    reg_tail = m;
    pthread_mutex_unlock(&reg_lock);
    return m;
}

ms_metric *ms_counter(const char *name, const char *labels, const char *help)
{
    return lookup_or_add(MS_METRIC_COUNTER, name, labels, help, false);
}

ms_metric *ms_gauge(const char *name, const char *labels, const char *help)
{
    return lookup_or_add(MS_METRIC_GAUGE, name, labels, help, false);
}

ms_metric *ms_histogram(const char *name, const char *labels, const char *help)
{
    return lookup_or_add(MS_METRIC_HISTOGRAM, name, labels, help, false);
}

ms_metric *ms_gauge_milli(const char *name, const char *labels, const char *help)
{
    return lookup_or_add(MS_METRIC_GAUGE, name, labels, help, true);
}

double ms_metric_gauge_value(ms_metric *m)
{
    int64_t v = ms_metric_gauge(m);
    return m->milli ? (double)v / 1000.0 : (double)v;
}

void ms_gauge_max(ms_metric *m, int64_t v)
{
    int64_t cur = atomic_load_explicit(&m->gauge, memory_order_relaxed);
    while (v > cur &&
           !atomic_compare_exchange_weak_explicit(&m->gauge, &cur, v,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

void ms_histogram_observe_ns(ms_metric *m, uint64_t ns)
{
    double s = (double)ns / 1e9;
    int i = 0;
    while (i < MS_HIST_BUCKETS - 1 && s > ms_hist_bounds[i])
        i++;
    atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

void ms_metrics_foreach(void (*cb)(ms_metric *m, void *ud), void *ud)
{
    /* The list only grows at the tail; next pointers are written under the
     * lock before the new node becomes reachable, so take the lock to read
     * a consistent chain (registration is rare). */
    pthread_mutex_lock(&reg_lock);
    ms_metric *m = atomic_load(&reg_head);
    pthread_mutex_unlock(&reg_lock);
    while (m) {
        cb(m, ud);
        pthread_mutex_lock(&reg_lock);
        m = m->next;
        pthread_mutex_unlock(&reg_lock);
    }
}

void ms_metrics_reset(void)
{
    pthread_mutex_lock(&reg_lock);
    for (ms_metric *m = atomic_load(&reg_head); m; m = m->next) {
        atomic_store(&m->count, 0);
        atomic_store(&m->gauge, 0);
        atomic_store(&m->sum_ns, 0);
        for (int i = 0; i < MS_HIST_BUCKETS; i++)
            atomic_store(&m->buckets[i], 0);
    }
    pthread_mutex_unlock(&reg_lock);
}

uint64_t ms_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
