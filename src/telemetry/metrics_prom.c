/* metrics_prom.c -- Prometheus text exposition of the registry and the
 * helpers the exporters share. */
#include "telemetry/metrics_prom.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffer ----------------------------------------------------------- */

static bool buf_reserve(ms_metrics_buf *b, size_t more)
{
    if (b->oom)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void ms_metrics_buf_add(ms_metrics_buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void ms_metrics_buf_puts(ms_metrics_buf *b, const char *s)
{
    ms_metrics_buf_add(b, s, strlen(s));
}

void ms_metrics_buf_printf(ms_metrics_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        ms_metrics_buf_add(b, tmp, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ms_metrics_buf_json_str(ms_metrics_buf *b, const char *s)
{
    ms_metrics_buf_add(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            char e[2] = {'\\', (char)*c};
            ms_metrics_buf_add(b, e, 2);
        } else if (*c < 0x20) {
            ms_metrics_buf_printf(b, "\\u%04x", *c);
        } else {
            ms_metrics_buf_add(b, (const char *)c, 1);
        }
    }
    ms_metrics_buf_add(b, "\"", 1);
}

void ms_metrics_buf_free(ms_metrics_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- snapshot and labels ---------------------------------------------- */

typedef struct snap {
    ms_metric **v;
    size_t n, cap;
    bool oom;
} snap;

static void snap_add(ms_metric *m, void *ud)
{
    snap *s = ud;
    if (s->oom)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        ms_metric **v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->oom = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = m;
}

int ms_metrics_snapshot(ms_metric ***out, size_t *n)
{
    snap s = {0};
    ms_metrics_foreach(snap_add, &s);
    if (s.oom) {
        free(s.v);
        return -1;
    }
    /* Group by name keeping registration order (insertion sort by first
     * appearance: families are few, series per family many). */
    ms_metric **sorted = malloc((s.n ? s.n : 1) * sizeof *sorted);
    bool *taken = calloc(s.n ? s.n : 1, 1);
    if (!sorted || !taken) {
        free(sorted);
        free(taken);
        free(s.v);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (taken[i])
            continue;
        for (size_t j = i; j < s.n; j++) {
            if (!taken[j] && strcmp(s.v[j]->name, s.v[i]->name) == 0) {
                taken[j] = true;
                sorted[k++] = s.v[j];
            }
        }
    }
    free(taken);
    free(s.v);
    *out = sorted;
    *n = k;
    return 0;
}

bool ms_metrics_label_next(const char **p, char *key, size_t klen, char *val, size_t vlen)
{
    const char *s = *p;
    while (*s == ',' || *s == ' ')
        s++;
    if (!*s)
        return false;
    const char *eq = strchr(s, '=');
    if (!eq || eq[1] != '"' || (size_t)(eq - s) >= klen)
        return false;
    memcpy(key, s, (size_t)(eq - s));
    key[eq - s] = '\0';
    s = eq + 2;
    size_t n = 0;
    while (*s && *s != '"') {
        char c = *s++;
        if (c == '\\' && *s) {
            c = *s++;
            if (c == 'n')
                c = '\n';
        }
        if (n + 1 < vlen)
            val[n++] = c;
    }
    if (*s != '"')
        return false;
    val[n] = '\0';
    *p = s + 1;
    return true;
}

bool ms_metrics_label_get(const char *labels, const char *key, char *val, size_t vlen)
{
    char k[64], v[256];
    const char *p = labels;
    while (ms_metrics_label_next(&p, k, sizeof k, v, sizeof v)) {
        if (strcmp(k, key) == 0) {
            snprintf(val, vlen, "%s", v);
            return true;
        }
    }
    return false;
}

/* ---- exposition ------------------------------------------------------- */

static const char *type_name(ms_metric_type t)
{
    return t == MS_METRIC_COUNTER ? "counter" : t == MS_METRIC_GAUGE ? "gauge" : "histogram";
}

static void help_line(ms_metrics_buf *b, const ms_metric *m)
{
    ms_metrics_buf_printf(b, "# HELP %s ", m->name);
    for (const char *c = m->help; *c; c++) {
        if (*c == '\\')
            ms_metrics_buf_puts(b, "\\\\");
        else if (*c == '\n')
            ms_metrics_buf_puts(b, "\\n");
        else
            ms_metrics_buf_add(b, c, 1);
    }
    ms_metrics_buf_printf(b, "\n# TYPE %s %s\n", m->name, type_name(m->type));
}

static void series(ms_metrics_buf *b, const char *name, const char *suffix, const char *labels,
                   const char *extra)
{
    ms_metrics_buf_printf(b, "%s%s", name, suffix);
    bool any = labels[0] || extra;
    if (any) {
        ms_metrics_buf_printf(b, "{%s%s%s}", labels, labels[0] && extra ? "," : "",
                              extra ? extra : "");
    }
}

static void render_histogram(ms_metrics_buf *b, ms_metric *m)
{
    uint64_t cum = 0;
    for (int i = 0; i < MS_HIST_BUCKETS; i++) {
        cum += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
        char le[48];
        if (i == MS_HIST_BUCKETS - 1)
            snprintf(le, sizeof le, "le=\"+Inf\"");
        else
            snprintf(le, sizeof le, "le=\"%g\"", ms_hist_bounds[i]);
        series(b, m->name, "_bucket", m->labels, le);
        ms_metrics_buf_printf(b, " %llu\n", (unsigned long long)cum);
    }
    double sum = (double)atomic_load_explicit(&m->sum_ns, memory_order_relaxed) / 1e9;
    series(b, m->name, "_sum", m->labels, NULL);
    ms_metrics_buf_printf(b, " %.9f\n", sum);
    /* The count is the +Inf bucket, so the two always agree. */
    series(b, m->name, "_count", m->labels, NULL);
    ms_metrics_buf_printf(b, " %llu\n", (unsigned long long)cum);
}

void ms_metrics_prom_render(ms_metrics_buf *b)
{
    ms_metric **v;
    size_t n;
    if (ms_metrics_snapshot(&v, &n) != 0) {
        b->oom = true;
        return;
    }
    ms_metric_type family = MS_METRIC_COUNTER;
    for (size_t i = 0; i < n; i++) {
        ms_metric *m = v[i];
        bool first = i == 0 || strcmp(v[i - 1]->name, m->name) != 0;
        if (first)
            family = m->type;
        /* One family, one type: a clash (same name, other type) would make
         * the exposition invalid, so such a series is left out. */
        if (m->type != family)
            continue;
        if (first)
            help_line(b, m);
        switch (m->type) {
        case MS_METRIC_COUNTER:
            series(b, m->name, "", m->labels, NULL);
            ms_metrics_buf_printf(b, " %llu\n", (unsigned long long)ms_metric_count(m));
            break;
        case MS_METRIC_GAUGE:
            series(b, m->name, "", m->labels, NULL);
            if (m->milli)
                ms_metrics_buf_printf(b, " %.3f\n", ms_metric_gauge_value(m));
            else
                ms_metrics_buf_printf(b, " %lld\n", (long long)ms_metric_gauge(m));
            break;
        case MS_METRIC_HISTOGRAM:
            render_histogram(b, m);
            break;
        }
    }
    free(v);
}
