/* metrics_process.h -- the process collector of the Prometheus conventions
 * (client_golang's names) and medstream_build_info, read from /proc at
 * each scrape rather than kept in the registry: they are the process's
 * own figures, not events, so nothing updates them between scrapes.
 *
 *   medstream_build_info{version,commit} 1          gauge
 *   process_cpu_seconds_total                      counter (user + system)
 *   process_resident_memory_bytes                  gauge
 *   process_virtual_memory_bytes                   gauge
 *   process_open_fds, process_max_fds              gauge
 *   process_start_time_seconds                     gauge (Unix time)
 *
 * Linux only (/proc); a figure that cannot be read is left out rather than
 * shown as 0. Threading: any thread. */
#ifndef MS_METRICS_PROCESS_H
#define MS_METRICS_PROCESS_H

#include "telemetry/metrics_prom.h"

typedef struct ms_process_stats {
    double cpu_seconds;       /* user + system, < 0 = unknown */
    double resident_bytes;    /* < 0 = unknown */
    double virtual_bytes;     /* < 0 = unknown */
    double start_time_s;      /* Unix time, < 0 = unknown */
    long open_fds;            /* < 0 = unknown */
    long max_fds;             /* soft RLIMIT_NOFILE, < 0 = unknown */
} ms_process_stats;

void ms_process_stats_read(ms_process_stats *p);

/* Append the families above in the Prometheus text format. */
void ms_metrics_process_render(ms_metrics_buf *b);

#endif
