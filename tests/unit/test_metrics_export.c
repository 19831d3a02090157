/* test_metrics_export.c -- the exporters' pure parts: the Prometheus text
 * exposition (families grouped, cumulative buckets, escaping), label
 * parsing, the CloudWatch collector's deltas and dimensions, http.listen
 * parsing and the /readyz rules. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/metrics.h"
#include "telemetry/http_admin.h"
#include "telemetry/metrics_cloudwatch.h"
#include "telemetry/metrics_prom.h"
#include "base/build.h"
#include "telemetry/metrics_process.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static void prom_exposition(void **state)
{
    (void)state;
    ms_counter_add(ms_counter("t_hits_total", "op=\"a\"", "Hits \\ per op"), 2);
    ms_gauge_set(ms_gauge("t_level", "", "Level"), -3);
    /* Set in milliseconds, exported in seconds (medstream_source_lag_seconds). */
    ms_metric *lag = ms_gauge_milli("t_lag_seconds", "", "Lag");
    ms_gauge_set(lag, 61500);
    ms_counter_add(ms_counter("t_hits_total", "op=\"b\"", "Hits \\ per op"), 5);
    ms_metric *h = ms_histogram("t_wait_seconds", "q=\"x\"", "Wait");
    ms_histogram_observe_ns(h, 700000);       /* le 0.001 */
    ms_histogram_observe_ns(h, 700000);
    ms_histogram_observe_ns(h, 3000000000ull); /* le 5 */
    ms_metrics_buf b = {0};
    ms_metrics_prom_render(&b);
    assert_false(b.oom);
    const char *hits = strstr(b.p, "# HELP t_hits_total Hits \\\\ per op\n# TYPE t_hits_total counter\n"
                                   "t_hits_total{op=\"a\"} 2\nt_hits_total{op=\"b\"} 5\n");
    assert_non_null(hits); /* one family, both series together despite the gauge between */
    assert_non_null(strstr(b.p, "# TYPE t_level gauge\nt_level -3\n"));
    assert_non_null(strstr(b.p, "# TYPE t_lag_seconds gauge\nt_lag_seconds 61.500\n"));
    assert_true(ms_metric_gauge_value(lag) == 61.5);
    assert_non_null(strstr(b.p, "t_wait_seconds_bucket{q=\"x\",le=\"0.0005\"} 0\n"
                                "t_wait_seconds_bucket{q=\"x\",le=\"0.001\"} 2\n"));
    assert_non_null(strstr(b.p, "t_wait_seconds_bucket{q=\"x\",le=\"5\"} 3\n"));
    assert_non_null(strstr(b.p, "t_wait_seconds_bucket{q=\"x\",le=\"+Inf\"} 3\n"
                                "t_wait_seconds_sum{q=\"x\"} 3.001400000\n"
                                "t_wait_seconds_count{q=\"x\"} 3\n"));
    ms_metrics_buf_free(&b);
}

static void labels(void **state)
{
    (void)state;
    const char *p = "a=\"1\",op=\"say \\\"hi\\\"\"";
    char k[16], v[32];
    assert_true(ms_metrics_label_next(&p, k, sizeof k, v, sizeof v));
    assert_string_equal(k, "a");
    assert_string_equal(v, "1");
    assert_true(ms_metrics_label_next(&p, k, sizeof k, v, sizeof v));
    assert_string_equal(k, "op");
    assert_string_equal(v, "say \"hi\"");
    assert_false(ms_metrics_label_next(&p, k, sizeof k, v, sizeof v));
    assert_true(ms_metrics_label_get("x=\"1\",y=\"2\"", "y", v, sizeof v));
    assert_string_equal(v, "2");
    assert_false(ms_metrics_label_get("x=\"1\"", "y", v, sizeof v));
    p = "broken";
    assert_false(ms_metrics_label_next(&p, k, sizeof k, v, sizeof v));
}

static const ms_cw_datum *find(const ms_cw_datum *d, size_t n, const char *name, const char *dim)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0 &&
            (!dim || (d[i].ndims > 1 && strcmp(d[i].dims[1].value, dim) == 0)))
            return &d[i];
    return NULL;
}

static void collector_deltas(void **state)
{
    (void)state;
    ms_metric *c = ms_counter("medstream_t_requests_total", "op=\"detect\"", "");
    ms_metric *h = ms_histogram("medstream_t_rtt_seconds", "", "");
    ms_cw_collector *col = ms_cw_collector_new("p1");
    ms_counter_add(c, 10);
    ms_histogram_observe_ns(h, 2000000); /* le 0.0025 */
    ms_cw_datum *d;
    size_t n;
    assert_int_equal(ms_cw_collect(col, &d, &n), 0);
    const ms_cw_datum *x = find(d, n, "t_requests_total", "detect");
    assert_non_null(x);
    assert_true(x->value == 10);
    assert_string_equal(x->dims[0].name, "pipeline");
    assert_string_equal(x->dims[0].value, "p1");
    assert_string_equal(x->dims[1].name, "operation");
    assert_string_equal(x->unit, "Count");
    x = find(d, n, "t_rtt_seconds", NULL);
    assert_non_null(x);
    assert_true(x->is_dist && x->nvalues == 1 && x->values[0] == 0.0025 && x->counts[0] == 1);
    assert_string_equal(x->unit, "Seconds");
    free(d);
    /* The second collection carries only what happened since. */
    ms_counter_add(c, 3);
    assert_int_equal(ms_cw_collect(col, &d, &n), 0);
    x = find(d, n, "t_requests_total", "detect");
    assert_true(x->value == 3);
    assert_null(find(d, n, "t_rtt_seconds", NULL)); /* no observations: left out */
    free(d);
    ms_cw_collector_free(col);
}

static void listen_parsing(void **state)
{
    (void)state;
    char host[64];
    int port;
    assert_int_equal(ms_http_admin_parse_listen("127.0.0.1:9464", host, sizeof host, &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 9464);
    assert_int_equal(ms_http_admin_parse_listen("[::1]:80", host, sizeof host, &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(ms_http_admin_parse_listen(":0", host, sizeof host, &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 0);
    assert_int_equal(ms_http_admin_parse_listen("9464", host, sizeof host, &port), -1);
    assert_int_equal(ms_http_admin_parse_listen("h:70000", host, sizeof host, &port), -1);
    assert_int_equal(ms_http_admin_parse_listen("h:", host, sizeof host, &port), -1);
}

static void readiness(void **state)
{
    (void)state;
    const char *why;
    ms_ready_input in = {.running = true, .in_flight = 0, .now_ms = 500000,
                         .last_progress_ms = 0, .max_error_rate = 0.5, .stall_ms = 120000};
    assert_true(ms_http_admin_ready(&in, &why)); /* idle is not stalled */
    in.in_flight = 3;
    assert_false(ms_http_admin_ready(&in, &why));
    assert_non_null(strstr(why, "stalled"));
    in.last_progress_ms = 490000;
    assert_true(ms_http_admin_ready(&in, &why));
    in.window_done = 10;
    in.window_errors = 6;
    assert_false(ms_http_admin_ready(&in, &why));
    assert_non_null(strstr(why, "error rate"));
    in.window_errors = 5;
    assert_true(ms_http_admin_ready(&in, &why)); /* at the limit is still ready */
    in.running = false;
    assert_false(ms_http_admin_ready(&in, &why));
    assert_non_null(strstr(why, "not running"));
}

/* The value of an unlabelled series in a Prometheus text, or -1. */
static double series_value(const char *text, const char *name)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\n%s ", name);
    const char *p = strstr(text, pat);
    return p ? strtod(p + strlen(pat), NULL) : -1;
}

/* Build info and the process collector (/metrics), with Prometheus' names, types and
 * units, and values that track the process. */
static void process_families(void **state)
{
    (void)state;
    ms_metrics_buf b = {0};
    ms_metrics_process_render(&b); /* what /metrics appends to the registry */
    assert_false(b.oom);
    char want[256];
    snprintf(want, sizeof want,
             "# TYPE medstream_build_info gauge\nmedstream_build_info{version=\"%s\",commit=\"%s\"} 1\n",
             MS_VERSION, ms_build_commit());
    assert_non_null(strstr(b.p, want));
    assert_true(strlen(ms_build_commit()) >= 7); /* built from a git checkout */
    assert_non_null(strstr(b.p, "# TYPE process_cpu_seconds_total counter\n"));
    assert_non_null(strstr(b.p, "# TYPE process_resident_memory_bytes gauge\n"));
    assert_non_null(strstr(b.p, "# TYPE process_open_fds gauge\n"));
    assert_non_null(strstr(b.p, "# TYPE process_start_time_seconds gauge\n"));
    double rss = series_value(b.p, "process_resident_memory_bytes");
    double fds = series_value(b.p, "process_open_fds");
    double start = series_value(b.p, "process_start_time_seconds");
    double cpu = series_value(b.p, "process_cpu_seconds_total");
    printf("rss %.0f bytes, %.0f fds, started %.2f, cpu %.2f s\n", rss, fds, start, cpu);
    assert_true(rss > 1e6 && rss < 1e10);
    assert_true(fds >= 3);
    double now = (double)time(NULL);
    assert_true(start > now - 3600 && start <= now + 1);
    assert_true(cpu >= 0);
    ms_metrics_buf_free(&b);

    /* Ten more descriptors show up; a second of CPU shows up. */
    int fd[10];
    for (int i = 0; i < 10; i++)
        fd[i] = open("/dev/null", O_RDONLY);
    struct timespec t0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (volatile unsigned long x = 0;; x++) {
        struct timespec t;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        if ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 > 0.3)
            break;
    }
    ms_metrics_buf b2 = {0};
    ms_metrics_process_render(&b2);
    double fds2 = series_value(b2.p, "process_open_fds");
    double cpu2 = series_value(b2.p, "process_cpu_seconds_total");
    assert_true(fds2 == fds + 10);
    assert_true(cpu2 >= cpu + 0.25);
    ms_metrics_buf_free(&b2);
    for (int i = 0; i < 10; i++)
        close(fd[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prom_exposition), cmocka_unit_test(labels),
        cmocka_unit_test(collector_deltas), cmocka_unit_test(listen_parsing),
        cmocka_unit_test(readiness), cmocka_unit_test(process_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
