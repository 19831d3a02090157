/* testsink.c -- a recording, optionally slow sink for tests. */
#include "testsink.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct test_sink {
    int delay_ms;
    ms_test_record *rec;
    uv_loop_t *loop;
} test_sink;

typedef struct pending {
    uv_timer_t timer;
    ms_sink *sink;
    ms_doc *doc;
    bool dead;
    ms_sink_done_cb done;
} pending;

static void record(test_sink *t, ms_doc *doc, bool dead)
{
    ms_test_record *r = t->rec;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->ids = realloc(r->ids, (size_t)r->cap * sizeof *r->ids);
        r->dead = realloc(r->dead, (size_t)r->cap * sizeof *r->dead);
    }
    r->ids[r->n] = strdup(doc->id);
    r->dead[r->n] = dead;
    r->n++;
}

static void fire(uv_timer_t *h)
{
    pending *p = h->data;
    test_sink *t = p->sink->state;
    t->rec->concurrent--;
    record(t, p->doc, p->dead);
    p->done(p->sink, p->doc, 0, NULL);
    uv_close((uv_handle_t *)&p->timer, (uv_close_cb)free);
}

static int ts_attach(ms_sink *s, void *loop)
{
    ((test_sink *)s->state)->loop = loop;
    return 0;
}

static void ts_write(ms_sink *s, ms_doc *doc, bool dead, ms_sink_done_cb done)
{
    test_sink *t = s->state;
    if (t->delay_ms <= 0) {
        record(t, doc, dead);
        done(s, doc, 0, NULL);
        return;
    }
    pending *p = calloc(1, sizeof *p);
    p->sink = s;
    p->doc = doc;
    p->dead = dead;
    p->done = done;
    uv_timer_init(t->loop, &p->timer);
    p->timer.data = p;
    t->rec->concurrent++;
    if (t->rec->concurrent > t->rec->max_concurrent)
        t->rec->max_concurrent = t->rec->concurrent;
    uv_timer_start(&p->timer, fire, (uint64_t)t->delay_ms, 0);
}

static void ts_destroy(ms_sink *s)
{
    free(s->state);
    free(s);
}

static const ms_sink_ops ts_ops = {
    .name = "test", .attach = ts_attach, .write = ts_write, .destroy = ts_destroy,
};

ms_sink *ms_test_sink_new(int delay_ms, ms_test_record *rec)
{
    ms_sink *s = calloc(1, sizeof *s);
    test_sink *t = calloc(1, sizeof *t);
    t->delay_ms = delay_ms;
    t->rec = rec;
    s->ops = &ts_ops;
    s->state = t;
    strcpy(s->name, "test");
    s->summaries = s->dead_letters = true;
    return s;
}

int ms_test_record_count(const ms_test_record *rec, const char *id)
{
    int n = 0;
    for (int i = 0; i < rec->n; i++)
        if (strcmp(rec->ids[i], id) == 0)
            n++;
    return n;
}

void ms_test_record_free(ms_test_record *rec)
{
    for (int i = 0; i < rec->n; i++)
        free(rec->ids[i]);
    free(rec->ids);
    free(rec->dead);
    memset(rec, 0, sizeof *rec);
}
