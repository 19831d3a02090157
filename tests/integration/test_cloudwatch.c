/* test_cloudwatch.c -- the CloudWatch exporters end to end.
 *
 * A registry of thousands of series goes through a real pipeline run with
 * cloudwatch.mode = api to a local capture server
 * (tests/support/cw_capture.py) that verifies SigV4, gunzips and decodes
 * every PutMetricData body, checks the service limits and compares each
 * body with what botocore builds for the same MetricData. Then: retries
 * after 5xx with high resolution, dropping the oldest data when CloudWatch
 * is unreachable, the encoder's byte limit, and EMF lines validated
 * against the documented structure. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <zlib.h>

#include "plugins.h"
#include "base/config.h"
#include "core/engine.h"
#include "base/metrics.h"
#include "telemetry/metrics_cloudwatch.h"
#include "telemetry/metrics_emf.h"
#include "harness.h"
#include "testutil.h"

#define AKID "AKIDMEDSTREAMCWTEST"
#define SECRET "c2VjcmV0LWZvci1jbG91ZHdhdGNoLXRlc3Rz"
#define NSERIES 2500

static char *tmp;
static const char *python;

/* ---- fixtures --------------------------------------------------------- */

static void fill_registry(void)
{
    for (int i = 0; i < NSERIES; i++) {
        char l[64];
        snprintf(l, sizeof l, "series=\"%04d\"", i);
        ms_metric *m = ms_counter("medstream_test_series_total", l, "Test series");
        ms_counter_add(m, (uint64_t)i + 1);
    }
    ms_gauge_set(ms_gauge("medstream_test_buffer_bytes", "", "Test gauge"), 12345);
    ms_metric *h = ms_histogram("medstream_test_latency_seconds", "op=\"x\"", "Test histogram");
    for (int i = 0; i < 5; i++)
        ms_histogram_observe_ns(h, 300000);          /* 0.3 ms -> le 0.0005 */
    for (int i = 0; i < 3; i++)
        ms_histogram_observe_ns(h, 20000000);        /* 20 ms -> le 0.025 */
    for (int i = 0; i < 2; i++)
        ms_histogram_observe_ns(h, 45000000000ull);  /* 45 s -> +Inf */
}

static void clean_aws_env(void)
{
    extern char **environ;
    for (int again = 1; again;) {
        again = 0;
        for (char **e = environ; *e; e++)
            if (!strncmp(*e, "AWS_", 4)) {
                char name[256];
                snprintf(name, sizeof name, "%.*s", (int)strcspn(*e, "="), *e);
                unsetenv(name);
                again = 1;
                break;
            }
    }
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static int start_capture(int fail, int *pid)
{
    char script[1024], failv[16];
    snprintf(script, sizeof script, "%s/tests/support/cw_capture.py", getenv("MS_SRC"));
    snprintf(failv, sizeof failv, "%d", fail);
    char *argv[] = {(char *)python, script, "--port", "0", "--key", AKID ":" SECRET,
                    "--fail", failv, NULL};
    int port = ms_test_peer_start(argv, pid);
    assert_true(port > 0);
    return port;
}

static size_t collect_body(char *p, size_t sz, size_t n, void *ud)
{
    ms_metrics_buf *b = ud;
    ms_metrics_buf_add(b, p, sz * n);
    return sz * n;
}

static json_t *captured(int port)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_cw/requests", port);
    ms_metrics_buf b = {0};
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    json_error_t je;
    json_t *j = json_loadb(b.p, b.len, 0, &je);
    ms_metrics_buf_free(&b);
    assert_non_null(j);
    return j;
}

static ms_config *base_config(const char *mode, const char *endpoint, const char *tag)
{
    char err[512], dir[1024];
    ms_config *cfg = ms_config_new();
    snprintf(dir, sizeof dir, "%s/in-%s", tmp, tag);
    mkdir(dir, 0755);
#define SET(k, v) assert_int_equal(ms_config_set(cfg, k, v, "t", err, sizeof err), 0)
    SET("source.type", "dir");
    SET("source.path", dir);
    snprintf(dir, sizeof dir, "%s/out-%s", tmp, tag);
    SET("sink.file.dir", dir);
    SET("http.listen", "off");
    SET("log.level", "warn");
    SET("cloudwatch.mode", mode);
    SET("cloudwatch.namespace", "MedstreamTest");
    SET("cloudwatch.pipeline", "ci");
    if (endpoint)
        SET("cloudwatch.endpoint", endpoint);
    return cfg;
}

static uint64_t counter_value(const char *name, const char *labels)
{
    return ms_metric_count(ms_counter(name, labels, ""));
}

static size_t expected_points(void)
{
    size_t n = 0;
    ms_metric **v;
    size_t nm;
    assert_int_equal(ms_metrics_snapshot(&v, &nm), 0);
    for (size_t i = 0; i < nm; i++)
        if (v[i]->type != MS_METRIC_HISTOGRAM || ms_metric_count(v[i]) > 0)
            n++;
    free(v);
    return n;
}

/* ---- PutMetricData through a real run --------------------------------- */

static void check_request_clean(json_t *r, size_t i)
{
    json_t *sig = json_object_get(r, "sig");
    if (!json_is_null(sig))
        fail_msg("request %zu: signature: %s", i, json_string_value(sig));
    assert_true(json_is_true(json_object_get(r, "gzip")));
    json_t *pr = json_object_get(r, "problems");
    if (json_array_size(pr) > 0)
        fail_msg("request %zu: %s", i, json_string_value(json_array_get(pr, 0)));
    if (!json_is_true(json_object_get(r, "botocore_equal")))
        fail_msg("request %zu differs from botocore: %s", i,
                 json_string_value(json_object_get(r, "botocore_diff")));
}

static void api_thousands_of_series(void **state)
{
    (void)state;
    int pid;
    int port = start_capture(0, &pid);
    char url[64], err[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    ms_config *cfg = base_config("api", url, "api");
    /* Only the flush at shutdown: one deterministic collection. */
    assert_int_equal(ms_config_set(cfg, "cloudwatch.interval_s", "3600", "t", err, sizeof err), 0);
    uint64_t ok0 = counter_value("medstream_cloudwatch_requests_total", "outcome=\"ok\"");
    uint64_t drop0 = counter_value("medstream_cloudwatch_dropped_total", "");
    ms_test_pipeline_run(cfg, NULL);
    ms_config_free(cfg);
    size_t want = expected_points();

    json_t *reqs = captured(port);
    ms_test_peer_stop(pid);
    size_t nreq = json_array_size(reqs), points = 0, max_points = 0, max_raw = 0, gz = 0, raw = 0;
    bool seen[NSERIES] = {0};
    int hist_ok = 0, gauge_ok = 0;
    for (size_t i = 0; i < nreq; i++) {
        json_t *r = json_array_get(reqs, i);
        check_request_clean(r, i);
        size_t p = (size_t)json_integer_value(json_object_get(r, "points"));
        size_t rl = (size_t)json_integer_value(json_object_get(r, "raw_len"));
        points += p;
        raw += rl;
        gz += (size_t)json_integer_value(json_object_get(r, "gz_len"));
        if (p > max_points)
            max_points = p;
        if (rl > max_raw)
            max_raw = rl;
        json_t *d;
        size_t k;
        json_array_foreach(json_object_get(r, "data"), k, d) {
            const char *name = json_string_value(json_object_get(d, "MetricName"));
            json_t *dims = json_object_get(d, "Dimensions");
            assert_string_equal(json_string_value(json_object_get(d, "Namespace")), "MedstreamTest");
            assert_string_equal(json_string_value(json_object_get(dims, "pipeline")), "ci");
            assert_int_equal(json_integer_value(json_object_get(d, "StorageResolution")), 60);
            if (strcmp(name, "test_series_total") == 0) {
                int s = atoi(json_string_value(json_object_get(dims, "series")));
                assert_true(s >= 0 && s < NSERIES && !seen[s]);
                seen[s] = true;
                assert_true(json_real_value(json_object_get(d, "Value")) == (double)(s + 1));
                assert_string_equal(json_string_value(json_object_get(d, "Unit")), "Count");
            } else if (strcmp(name, "test_latency_seconds") == 0) {
                assert_string_equal(json_string_value(json_object_get(dims, "operation")), "x");
                assert_string_equal(json_string_value(json_object_get(d, "Unit")), "Seconds");
                json_t *vals = json_object_get(d, "Values"), *cnts = json_object_get(d, "Counts");
                assert_int_equal(json_array_size(vals), 3);
                const double ev[3] = {0.0005, 0.025, 30}, ec[3] = {5, 3, 2};
                for (size_t j = 0; j < 3; j++) {
                    assert_true(json_real_value(json_array_get(vals, j)) == ev[j]);
                    assert_true(json_real_value(json_array_get(cnts, j)) == ec[j]);
                }
                hist_ok++;
            } else if (strcmp(name, "test_buffer_bytes") == 0) {
                assert_string_equal(json_string_value(json_object_get(d, "Unit")), "Bytes");
                assert_true(json_real_value(json_object_get(d, "Value")) == 12345.0);
                gauge_ok++;
            }
        }
    }
    printf("PutMetricData: %zu requests, %zu data points (registry: %zu), at most %zu points "
           "and %zu bytes a request; %zu bytes sent gzip'ed for %zu bytes of form data\n",
           nreq, points, want, max_points, max_raw, gz, raw);
    for (int s = 0; s < NSERIES; s++)
        if (!seen[s])
            fail_msg("series %d never sent", s);
    assert_int_equal(hist_ok, 1);
    assert_int_equal(gauge_ok, 1);
    assert_int_equal(points, want);
    assert_true(nreq >= (want + MS_CW_MAX_DATUMS - 1) / MS_CW_MAX_DATUMS);
    assert_true(max_points <= MS_CW_MAX_DATUMS);
    assert_true(gz < raw / 4);
    assert_int_equal(counter_value("medstream_cloudwatch_requests_total", "outcome=\"ok\"") - ok0,
                     nreq);
    assert_int_equal(counter_value("medstream_cloudwatch_dropped_total", "") - drop0, 0);
    json_decref(reqs);
}

/* ---- retries, high resolution; unreachable --------------------------- */

typedef struct stopper {
    ms_engine *e;
    ms_metric *watch;
    uint64_t above;
    ms_metric *gauge;
    int64_t gauge_max;
    pthread_t th;
} stopper;

/* Stops the engine once the watched counter passes `above`, recording the
 * gauge's high-water mark meanwhile (a poll, never a time assertion). */
static void *stopper_run(void *arg)
{
    stopper *s = arg;
    for (;;) {
        if (s->gauge) {
            int64_t g = ms_metric_gauge(s->gauge);
            if (g > s->gauge_max)
                s->gauge_max = g;
        }
        if (ms_metric_count(s->watch) > s->above)
            break;
        usleep(20000);
    }
    ms_engine_stop(s->e);
    return NULL;
}

static void stopper_start(ms_engine *e, void *ud)
{
    stopper *s = ud;
    s->e = e;
    pthread_create(&s->th, NULL, stopper_run, s);
}

static void stopper_join(ms_engine *e, void *ud)
{
    (void)e;
    pthread_join(((stopper *)ud)->th, NULL);
}

static void run_until(ms_config *cfg, ms_metric *watch, ms_metric *gauge, stopper *s)
{
    char err[512];
    assert_int_equal(ms_config_set(cfg, "source.watch", "true", "t", err, sizeof err), 0);
    *s = (stopper){.watch = watch, .above = ms_metric_count(watch), .gauge = gauge};
    ms_test_pipeline_run(cfg, &(ms_test_run_opts){.once = false, .before_run = stopper_start,
                                                  .after_run = stopper_join, .ud = s});
}

static void api_retries_high_resolution(void **state)
{
    (void)state;
    int pid;
    int port = start_capture(2, &pid); /* the first two requests get 500 */
    char url[64], err[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    ms_config *cfg = base_config("api", url, "retry");
    assert_int_equal(ms_config_set(cfg, "cloudwatch.interval_s", "1", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "cloudwatch.high_resolution", "true", "t", err, sizeof err), 0);
    ms_metric *ok = ms_counter("medstream_cloudwatch_requests_total", "outcome=\"ok\"", "");
    stopper s;
    run_until(cfg, ok, NULL, &s);
    ms_config_free(cfg);
    json_t *reqs = captured(port);
    ms_test_peer_stop(pid);
    size_t n = json_array_size(reqs);
    printf("retry run: %zu requests captured, %llu confirmed\n", n,
           (unsigned long long)(ms_metric_count(ok) - s.above));
    assert_true(n >= 3);
    /* The same body was sent again after each 500 (a retry, not a loss). */
    json_t *first = json_array_get(reqs, 0), *third = json_array_get(reqs, 2);
    assert_int_equal(json_integer_value(json_object_get(first, "raw_len")),
                     json_integer_value(json_object_get(third, "raw_len")));
    assert_true(json_equal(json_object_get(first, "data"), json_object_get(third, "data")));
    json_t *r;
    size_t i;
    json_array_foreach(reqs, i, r) {
        check_request_clean(r, i);
        json_t *d;
        size_t k;
        json_array_foreach(json_object_get(r, "data"), k, d)
            assert_int_equal(json_integer_value(json_object_get(d, "StorageResolution")), 1);
    }
    json_decref(reqs);
}

static void api_unreachable_drops_oldest(void **state)
{
    (void)state;
    char err[512];
    /* Nothing listens on port 9 of loopback (discard, never enabled). */
    ms_config *cfg = base_config("api", "http://127.0.0.1:9", "down");
    assert_int_equal(ms_config_set(cfg, "cloudwatch.interval_s", "1", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "cloudwatch.max_buffer", "64K", "t", err, sizeof err), 0);
    ms_metric *dropped = ms_counter("medstream_cloudwatch_dropped_total", "", "");
    ms_metric *buffered = ms_gauge("medstream_cloudwatch_buffered_bytes", "", "");
    stopper s;
    run_until(cfg, dropped, buffered, &s);
    ms_config_free(cfg);
    printf("unreachable: %llu data points dropped, buffer high-water %lld bytes (limit 65536)\n",
           (unsigned long long)(ms_metric_count(dropped) - s.above), (long long)s.gauge_max);
    assert_true(ms_metric_count(dropped) > s.above);
    assert_true(s.gauge_max > 0 && s.gauge_max <= 65536);
}

/* ---- encoder limits --------------------------------------------------- */

static void encoder_splits_by_bytes(void **state)
{
    (void)state;
    size_t n = 3000;
    ms_cw_datum *d = calloc(n, sizeof *d);
    for (size_t i = 0; i < n; i++) {
        snprintf(d[i].name, sizeof d[i].name, "wide_metric_%zu", i);
        d[i].unit = "Count";
        d[i].value = (double)i / 7.0;
        d[i].ndims = MS_CW_MAX_DIMS;
        for (int k = 0; k < MS_CW_MAX_DIMS; k++) {
            snprintf(d[i].dims[k].name, sizeof d[i].dims[k].name, "dimension_%02d", k);
            memset(d[i].dims[k].value, 'a' + k % 26, 100);
        }
    }
    size_t from = 0, requests = 0, maxlen = 0;
    while (from < n) {
        ms_metrics_buf b = {0};
        size_t next = ms_cw_encode(&b, "ns", d, from, n, 1700000000, 60);
        assert_true(next > from);
        assert_true(next - from <= MS_CW_MAX_DATUMS);
        assert_true(b.len <= MS_CW_MAX_BODY);
        if (b.len > maxlen)
            maxlen = b.len;
        /* gzip round trip */
        ms_metrics_buf z = {0};
        assert_int_equal(ms_cw_gzip(b.p, b.len, &z), 0);
        char *back = malloc(b.len + 1);
        z_stream zs = {0};
        assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
        zs.next_in = (Bytef *)z.p;
        zs.avail_in = (uInt)z.len;
        zs.next_out = (Bytef *)back;
        zs.avail_out = (uInt)b.len + 1;
        assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
        assert_int_equal(zs.total_out, b.len);
        assert_memory_equal(back, b.p, b.len);
        inflateEnd(&zs);
        free(back);
        ms_metrics_buf_free(&z);
        ms_metrics_buf_free(&b);
        from = next;
        requests++;
    }
    printf("encoder: 3000 wide data points in %zu requests, largest body %zu bytes\n", requests,
           maxlen);
    assert_true(requests > 3); /* the byte limit, not the count, split them */
    free(d);
    char num[40];
    ms_cw_format_double(0.1, num, sizeof num);
    assert_string_equal(num, "0.1");
    ms_cw_format_double(12345, num, sizeof num);
    assert_string_equal(num, "12345");
    ms_cw_format_double(1.0 / 3.0, num, sizeof num);
    assert_true(strtod(num, NULL) == 1.0 / 3.0);
}

/* ---- EMF -------------------------------------------------------------- */

static bool is_unit(const char *u)
{
    static const char *const units[] = {"Seconds", "Microseconds", "Milliseconds", "Bytes",
                                        "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
                                        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
                                        "Percent", "Count", "Bytes/Second", "Count/Second",
                                        "None", NULL};
    for (int i = 0; units[i]; i++)
        if (strcmp(u, units[i]) == 0)
            return true;
    return false;
}

/* One line against the specification's structure; returns its metrics. */
static void validate_emf_line(json_t *j, int64_t now_ms, size_t line)
{
    if (!json_is_object(j))
        fail_msg("line %zu: not an object", line);
    json_t *aws = json_object_get(j, "_aws");
    assert_true(json_is_object(aws));
    json_t *ts = json_object_get(aws, "Timestamp");
    assert_true(json_is_integer(ts));
    assert_true(llabs((long long)(json_integer_value(ts) - now_ms)) < 86400000LL);
    json_t *cwm = json_object_get(aws, "CloudWatchMetrics");
    assert_true(json_is_array(cwm) && json_array_size(cwm) >= 1);
    const char *k;
    json_t *v;
    json_object_foreach(aws, k, v)
        if (strcmp(k, "Timestamp") && strcmp(k, "CloudWatchMetrics"))
            fail_msg("line %zu: unexpected _aws member %s", line, k);
    size_t i;
    json_t *dir;
    json_array_foreach(cwm, i, dir) {
        json_t *ns = json_object_get(dir, "Namespace");
        assert_true(json_is_string(ns) && json_string_length(ns) >= 1 &&
                    json_string_length(ns) <= 1024);
        json_t *dims = json_object_get(dir, "Dimensions");
        assert_true(json_is_array(dims));
        size_t a;
        json_t *set;
        json_array_foreach(dims, a, set) {
            assert_true(json_is_array(set) && json_array_size(set) <= 30);
            size_t b;
            json_t *dn;
            json_array_foreach(set, b, dn) {
                assert_true(json_is_string(dn));
                json_t *val = json_object_get(j, json_string_value(dn));
                if (!json_is_string(val))
                    fail_msg("line %zu: dimension %s has no string value", line,
                             json_string_value(dn));
            }
        }
        json_t *ms = json_object_get(dir, "Metrics");
        assert_true(json_is_array(ms) && json_array_size(ms) >= 1 && json_array_size(ms) <= 100);
        json_t *m;
        json_array_foreach(ms, a, m) {
            json_t *name = json_object_get(m, "Name");
            assert_true(json_is_string(name) && json_string_length(name) <= 1024);
            json_t *unit = json_object_get(m, "Unit");
            if (unit && !is_unit(json_string_value(unit)))
                fail_msg("line %zu: unit %s", line, json_string_value(unit));
            json_t *sr = json_object_get(m, "StorageResolution");
            if (sr)
                assert_true(json_integer_value(sr) == 1 || json_integer_value(sr) == 60);
            json_object_foreach(m, k, v)
                if (strcmp(k, "Name") && strcmp(k, "Unit") && strcmp(k, "StorageResolution"))
                    fail_msg("line %zu: unexpected metric member %s", line, k);
            json_t *val = json_object_get(j, json_string_value(name));
            if (json_is_array(val)) {
                assert_true(json_array_size(val) >= 1 && json_array_size(val) <= 100);
                size_t c;
                json_t *x;
                json_array_foreach(val, c, x)
                    assert_true(json_is_number(x));
            } else if (!json_is_number(val)) {
                fail_msg("line %zu: metric %s has no numeric value", line,
                         json_string_value(name));
            }
        }
    }
}

static void emf_lines_validate(void **state)
{
    (void)state;
    char err[512], path[1024];
    snprintf(path, sizeof path, "%s/metrics.emf", tmp);
    ms_config *cfg = base_config("emf", NULL, "emf");
    assert_int_equal(ms_config_set(cfg, "cloudwatch.emf_path", path, "t", err, sizeof err), 0);
    ms_test_pipeline_run(cfg, NULL);
    ms_config_free(cfg);

    FILE *f = fopen(path, "r");
    assert_non_null(f);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ms = (int64_t)now.tv_sec * 1000;
    char *line = NULL;
    size_t cap = 0, nlines = 0, nmetrics = 0;
    double series_sum = 0;
    int hist = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        if (!j)
            fail_msg("line %zu is not JSON: %s", nlines + 1, je.text);
        validate_emf_line(j, now_ms, ++nlines);
        json_t *m = json_object_get(json_array_get(json_object_get(json_object_get(j, "_aws"),
                                                                   "CloudWatchMetrics"), 0),
                                    "Metrics");
        nmetrics += json_array_size(m);
        json_t *sv = json_object_get(j, "test_series_total");
        if (sv)
            series_sum += json_number_value(sv);
        json_t *hv = json_object_get(j, "test_latency_seconds");
        if (hv) {
            assert_string_equal(json_string_value(json_object_get(j, "operation")), "x");
            assert_int_equal(json_array_size(hv), 10); /* 5 + 3 + 2 observations */
            assert_true(json_number_value(json_array_get(hv, 0)) == 0.0005);
            assert_true(json_number_value(json_array_get(hv, 9)) == 30);
            hist++;
        }
        json_decref(j);
    }
    free(line);
    fclose(f);
    printf("EMF: %zu lines, %zu metrics, series sum %.0f\n", nlines, nmetrics, series_sum);
    assert_true(nlines >= NSERIES);
    assert_int_equal(hist, 1);
    assert_true(series_sum == (double)NSERIES * (NSERIES + 1) / 2);
}

static int setup(void **state)
{
    (void)state;
    if (!getenv("MS_SRC"))
        ms_test_skip("MS_SRC not set (run through ctest)");
    python = ms_test_system_python();
    if (!python)
        ms_test_skip("Debian's python3 (with python3-botocore) is needed for the capture server");
    if (system("/usr/bin/python3 -c 'import botocore' 2>/dev/null") != 0)
        ms_test_skip("python3-botocore is not installed");
    clean_aws_env();
    tmp = ms_test_tmpdir("cloudwatch");
    setenv("HOME", tmp, 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    fill_registry();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encoder_splits_by_bytes),
        cmocka_unit_test(api_thousands_of_series),
        cmocka_unit_test(api_retries_high_resolution),
        cmocka_unit_test(api_unreachable_drops_oldest),
        cmocka_unit_test(emf_lines_validate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
