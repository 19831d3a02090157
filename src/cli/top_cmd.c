/* top_cmd.c -- `medstream top [URL]`: the admin endpoint's /stats as a
 * terminal dashboard, refreshed every second (--once: print one frame and
 * exit, for scripts). URL defaults to http://127.0.0.1:9464. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli/cli.h"
#include "base/errbuf.h"

typedef struct body {
    char *p;
    size_t len;
} body;

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    body *b = ud;
    size_t add = sz * n;
    if (b->len + add > (8u << 20))
        return 0;
    char *np = realloc(b->p, b->len + add + 1);
    if (!np)
        return 0;
    memcpy(np + b->len, p, add);
    b->p = np;
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

static json_t *fetch(CURL *c, const char *url, char *err, size_t errlen)
{
    body b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    json_t *j = NULL;
    if (rc != CURLE_OK)
        ms_errf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
    else if (status != 200)
        ms_errf(err, errlen, "%s: HTTP %ld", url, status);
    else if (!(j = json_loadb(b.p ? b.p : "", b.len, 0, NULL)))
        ms_errf(err, errlen, "%s: not JSON (is this a medstream admin endpoint?)", url);
    free(b.p);
    return j;
}

static long long ival(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

static double dval(json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static const char *sval(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void human_bytes(double v, char *out, size_t n)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    snprintf(out, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void human_secs(double s, char *out, size_t n)
{
    if (s < 0.001)
        snprintf(out, n, "%.0f us", s * 1e6);
    else if (s < 1)
        snprintf(out, n, "%.1f ms", s * 1e3);
    else
        snprintf(out, n, "%.2f s", s);
}

static void render(FILE *f, const char *url, json_t *j)
{
    long long up = (long long)dval(j, "uptime_s");
    bool ready = json_is_true(json_object_get(j, "ready"));
    char bytes[32];
    human_bytes(dval(j, "in_flight_bytes"), bytes, sizeof bytes);
    fprintf(f, "medstream top - %s   up %lldh%02lldm%02llds   %s (%s)\n\n", url, up / 3600,
            up / 60 % 60, up % 60, ready ? "READY" : "NOT READY", sval(j, "ready_reason"));
    fprintf(f, "reports/s %8.1f   delivered %lld   dead letters %lld   sink errors %lld\n",
            dval(j, "reports_per_s"), ival(j, "delivered"), ival(j, "dead_letters"),
            ival(j, "sink_errors"));
    fprintf(f, "in flight %8lld   (%s)   source %s (pauses %lld)   throttles %lld\n",
            ival(j, "in_flight"), bytes,
            json_is_true(json_object_get(j, "paused")) ? "PAUSED" : "flowing", ival(j, "pauses"),
            ival(j, "throttles"));
    fprintf(f, "workers   %lld/%lld busy   last 60 s: %lld finished, %lld errors\n\n",
            ival(j, "workers_busy"), ival(j, "workers"), ival(j, "done_60s"),
            ival(j, "errors_60s"));
    fprintf(f, "%-12s %10s %8s %10s %10s %10s\n", "STAGE", "REPORTS", "ERRORS", "p50", "p90",
            "p99");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(j, "stages"), i, s) {
        char p50[16], p90[16], p99[16];
        human_secs(dval(s, "p50_s"), p50, sizeof p50);
        human_secs(dval(s, "p90_s"), p90, sizeof p90);
        human_secs(dval(s, "p99_s"), p99, sizeof p99);
        fprintf(f, "%-12s %10lld %8lld %10s %10s %10s\n", sval(s, "stage"), ival(s, "reports"),
                ival(s, "errors"), p50, p90, p99);
    }
    json_t *cm = json_object_get(j, "comprehend");
    if (json_array_size(cm) > 0) {
        fprintf(f, "\n%-20s %10s %10s %12s %10s %6s\n", "COMPREHEND", "REQUESTS", "THROTTLES",
                "BILLED UNITS", "CACHE HITS", "LIMIT");
        json_array_foreach(cm, i, s)
            fprintf(f, "%-20s %10lld %10lld %12lld %10lld %6lld\n", sval(s, "op"),
                    ival(s, "requests"), ival(s, "throttles"), ival(s, "billed_units"),
                    ival(s, "cache_hits"), ival(s, "concurrency_limit"));
    }
    fflush(f);
}

static void top_usage(FILE *f)
{
    fprintf(f, "usage: medstream top [URL] [--once] [--interval SECS]\n"
               "  URL             the admin endpoint (http.listen), default http://127.0.0.1:9464\n"
               "  --once          print one frame and exit (exit 1 when unreachable)\n"
               "  --interval SECS refresh period, default 1\n");
}

int ms_cli_top(int argc, char **argv)
{
    const char *base = "http://127.0.0.1:9464";
    bool once = false;
    double interval = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--once")) {
            once = true;
        } else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
            interval = atof(argv[++i]);
            if (interval < 0.1 || interval > 3600) {
                fprintf(stderr, "medstream top: --interval must be 0.1 to 3600 seconds\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            top_usage(stdout);
            return 0;
        } else if (argv[i][0] != '-') {
            base = argv[i];
        } else {
            top_usage(stderr);
            return 2;
        }
    }
    char url[2048];
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    bool has_stats = bl >= 6 && strncmp(base + bl - 6, "/stats", 6) == 0;
    snprintf(url, sizeof url, "%s%.*s%s", strstr(base, "://") ? "" : "http://", (int)bl, base,
             has_stats ? "" : "/stats");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    if (!c)
        return 1;
    bool tty = isatty(1) && !once;
    int rc = 0;
    for (;;) {
        char err[2300] = "";
        json_t *j = fetch(c, url, err, sizeof err);
        if (tty)
            fputs("\033[H\033[2J", stdout);
        if (j) {
            render(stdout, url, j);
            json_decref(j);
        } else {
            fprintf(once ? stderr : stdout, "medstream top: %s\n", err);
            fflush(stdout);
            rc = 1;
        }
        if (once)
            break;
        usleep((useconds_t)(interval * 1e6));
    }
    curl_easy_cleanup(c);
    curl_global_cleanup();
    return rc;
}
