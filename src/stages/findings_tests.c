/* findings_tests.c -- test results: which entities are tests with a value,
 * how each is flagged, their JSON and their part of the patient text.
 *
 * Today a result is flagged only against the lexicon's reference range
 * when the value is one number in the lexicon's own unit (a result in
 * another unit system is never compared). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stages/findings_internal.h"

int ms_fx_tests_build(ms_findings *f)
{
    (void)f;
    return 0;
}

void ms_fx_tests_free(ms_findings *f)
{
    f->tests = NULL;
}

/* For a test with a single numeric value in the lexicon's own unit:
 * -1 below, +1 above, 0 inside the reference range or not comparable. */
static int test_flag(const ms_findings *f, size_t idx, double *value)
{
    const ms_nlp_entity *e = &f->all.v[idx];
    const ms_nlp_entity *val = ms_fx_attr(f, idx, "TEST_VALUE");
    const ms_nlp_entity *unit = ms_fx_attr(f, idx, "TEST_UNIT");
    if (!e->has_range || !val || !unit || !e->unit)
        return 0;
    size_t ulen = unit->byte_end - unit->byte_begin;
    if (strlen(e->unit) != ulen || strncasecmp(e->unit, f->text + unit->byte_begin, ulen) != 0)
        return 0; /* a different unit system: do not compare */
    char buf[32];
    size_t vlen = val->byte_end - val->byte_begin;
    if (vlen == 0 || vlen >= sizeof buf)
        return 0;
    memcpy(buf, f->text + val->byte_begin, vlen);
    buf[vlen] = '\0';
    char *endp;
    double x = strtod(buf, &endp);
    if (endp == buf || *endp)
        return 0; /* "124/78", "<42": not a single number */
    *value = x;
    return x < e->range_low ? -1 : x > e->range_high ? 1 : 0;
}

static json_t *test_json(const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    json_t *o = json_object();
    json_object_set_new(o, "text", ms_fx_text(f, e));
    json_object_set_new(o, "canonical", e->canonical ? json_string(e->canonical) : json_null());
    json_object_set_new(o, "value", ms_fx_text(f, ms_fx_attr(f, i, "TEST_VALUE")));
    json_object_set_new(o, "unit", ms_fx_text(f, ms_fx_attr(f, i, "TEST_UNIT")));
    if (e->has_range && e->unit) {
        json_t *r = json_object();
        json_object_set_new(r, "low", json_real(e->range_low));
        json_object_set_new(r, "high", json_real(e->range_high));
        json_object_set_new(r, "unit", json_string(e->unit));
        json_object_set_new(o, "reference_range", r);
    }
    double v;
    int flag = test_flag(f, i, &v);
    json_object_set_new(o, "flag", flag < 0 ? json_string("low") : flag > 0 ? json_string("high")
                                                                          : json_null());
    return o;
}

json_t *ms_fx_tests_json(const ms_findings *f)
{
    json_t *a = json_array();
    for (size_t i = 0; i < f->all.n; i++)
        if (ms_fx_is_test(f, i))
            json_array_append_new(a, test_json(f, i));
    return a;
}

static void text(ms_fx_sbuf *b, const ms_findings *f, const ms_nlp_entity *e)
{
    ms_fx_printf(b, "%.*s", (int)(e->byte_end - e->byte_begin), f->text + e->byte_begin);
}

bool ms_fx_is_test(const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    return ms_fx_is(e, "TEST_TREATMENT_PROCEDURE") && strcmp(e->type, "TEST_NAME") == 0 &&
           ms_fx_attr(f, i, "TEST_VALUE") != NULL;
}

static void item_test(ms_fx_sbuf *b, const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    text(b, f, e);
    const ms_nlp_entity *val = ms_fx_attr(f, i, "TEST_VALUE");
    const ms_nlp_entity *unit = ms_fx_attr(f, i, "TEST_UNIT");
    ms_fx_printf(b, ": ");
    text(b, f, val);
    if (unit) {
        ms_fx_printf(b, " ");
        text(b, f, unit);
    }
    double v;
    int flag = test_flag(f, i, &v);
    if (flag)
        ms_fx_printf(b, ", %s the usual range (%g to %g %s)", flag < 0 ? "below" : "above",
                  e->range_low, e->range_high, e->unit);
}

void ms_fx_tests_text(ms_fx_sbuf *b, const ms_findings *f)
{
    bool first = true;
    for (size_t i = 0; i < f->all.n; i++) {
        if (!ms_fx_is_test(f, i))
            continue;
        if (first)
            ms_fx_printf(b, "\nTest results:\n");
        first = false;
        ms_fx_printf(b, "- ");
        item_test(b, f, i);
        ms_fx_printf(b, "\n");
    }
}
