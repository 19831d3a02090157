/* metrics_emf.c -- Embedded Metric Format lines (see metrics_emf.h). */
#include "telemetry/metrics_emf.h"
#include "base/errbuf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ms_emf {
    FILE *f;
    bool is_stdout;
};

ms_emf *ms_emf_open(const char *path, char *err, size_t errlen)
{
    ms_emf *e = calloc(1, sizeof *e);
    if (!e) {
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        e->f = stdout;
        e->is_stdout = true;
        return e;
    }
    e->f = fopen(path, "a");
    if (!e->f) {
        ms_errf(err, errlen, "%s: %s", path, strerror(errno));
        free(e);
        return NULL;
    }
    return e;
}

void ms_emf_close(ms_emf *e)
{
    if (!e)
        return;
    if (e->is_stdout)
        fflush(e->f);
    else
        fclose(e->f);
    free(e);
}

static bool same_dims(const ms_cw_datum *a, const ms_cw_datum *b)
{
    if (a->ndims != b->ndims)
        return false;
    for (int i = 0; i < a->ndims; i++)
        if (strcmp(a->dims[i].name, b->dims[i].name) != 0 ||
            strcmp(a->dims[i].value, b->dims[i].value) != 0)
            return false;
    return true;
}

/* A dimension name that is also a metric name would clash in the root
 * object; metric names carry a unit suffix or "_total", so they do not. */
static void value_of(ms_metrics_buf *b, const ms_cw_datum *d)
{
    char num[40];
    if (!d->is_dist) {
        ms_cw_format_double(d->value, num, sizeof num);
        ms_metrics_buf_puts(b, num);
        return;
    }
    double total = 0;
    for (int i = 0; i < d->nvalues; i++)
        total += d->counts[i];
    double scale = total > MS_EMF_MAX_VALUES ? MS_EMF_MAX_VALUES / total : 1.0;
    ms_metrics_buf_puts(b, "[");
    int written = 0;
    for (int i = 0; i < d->nvalues; i++) {
        int reps = (int)(d->counts[i] * scale + 0.5);
        if (reps < 1)
            reps = 1;
        ms_cw_format_double(d->values[i], num, sizeof num);
        for (int r = 0; r < reps && written < MS_EMF_MAX_VALUES; r++, written++)
            ms_metrics_buf_printf(b, "%s%s", written ? "," : "", num);
    }
    ms_metrics_buf_puts(b, "]");
}

static void render_line(ms_metrics_buf *b, const char *ns, const ms_cw_datum *const *d, size_t n,
                        int64_t ts_ms, int res)
{
    ms_metrics_buf_printf(b, "{\"_aws\":{\"Timestamp\":%lld,\"CloudWatchMetrics\":[{\"Namespace\":",
                          (long long)ts_ms);
    ms_metrics_buf_json_str(b, ns);
    ms_metrics_buf_puts(b, ",\"Dimensions\":[[");
    for (int i = 0; i < d[0]->ndims; i++) {
        if (i)
            ms_metrics_buf_puts(b, ",");
        ms_metrics_buf_json_str(b, d[0]->dims[i].name);
    }
    ms_metrics_buf_puts(b, "]],\"Metrics\":[");
    for (size_t i = 0; i < n; i++) {
        ms_metrics_buf_puts(b, i ? ",{\"Name\":" : "{\"Name\":");
        ms_metrics_buf_json_str(b, d[i]->name);
        ms_metrics_buf_printf(b, ",\"Unit\":\"%s\"", d[i]->unit);
        if (res == 1)
            ms_metrics_buf_puts(b, ",\"StorageResolution\":1");
        ms_metrics_buf_puts(b, "}");
    }
    ms_metrics_buf_puts(b, "]}]}");
    for (int i = 0; i < d[0]->ndims; i++) {
        ms_metrics_buf_puts(b, ",");
        ms_metrics_buf_json_str(b, d[0]->dims[i].name);
        ms_metrics_buf_puts(b, ":");
        ms_metrics_buf_json_str(b, d[0]->dims[i].value);
    }
    for (size_t i = 0; i < n; i++) {
        ms_metrics_buf_puts(b, ",");
        ms_metrics_buf_json_str(b, d[i]->name);
        ms_metrics_buf_puts(b, ":");
        value_of(b, d[i]);
    }
    ms_metrics_buf_puts(b, "}\n");
}

void ms_emf_render(ms_metrics_buf *b, const char *ns, const ms_cw_datum *d, size_t n,
                   int64_t ts_ms, int storage_resolution)
{
    /* Group data points with the same dimensions, keeping their order;
     * `done` marks those already written. */
    bool *done = calloc(n ? n : 1, 1);
    const ms_cw_datum **grp = malloc((n ? n : 1) * sizeof *grp);
    if (!done || !grp) {
        b->oom = true;
        free(done);
        free(grp);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++) {
            if (done[j] || !same_dims(&d[i], &d[j]))
                continue;
            done[j] = true;
            grp[k++] = &d[j];
        }
        for (size_t s = 0; s < k; s += MS_EMF_MAX_METRICS) {
            size_t m = k - s < MS_EMF_MAX_METRICS ? k - s : MS_EMF_MAX_METRICS;
            render_line(b, ns, grp + s, m, ts_ms, storage_resolution);
        }
    }
    free(done);
    free(grp);
}

int ms_emf_write(ms_emf *e, const char *ns, const ms_cw_datum *d, size_t n, int64_t ts_ms,
                 int storage_resolution)
{
    if (!e)
        return -1;
    ms_metrics_buf b = {0};
    ms_emf_render(&b, ns, d, n, ts_ms, storage_resolution);
    int rc = 0;
    if (b.oom || (b.len && fwrite(b.p, 1, b.len, e->f) != b.len) || fflush(e->f) != 0)
        rc = -1;
    ms_metrics_buf_free(&b);
    return rc;
}
