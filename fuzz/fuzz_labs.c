/* fuzz_labs.c -- the lab-table reader (stages/labs.c): rows, values,
 * units, ranges and flags out of any bytes. */
#include "fuzz.h"

#include "stages/labs.h"

static void span_ok(ms_lab_span s, ms_lab_span line, size_t size)
{
    MS_FUZZ_CHECK(s.b <= s.e && s.e <= size);
    if (s.b != s.e)
        MS_FUZZ_CHECK(s.b >= line.b && s.e <= line.e);
}

MS_FUZZ_TARGET(labs)
{
    ms_lab_rows rows = {0};
    MS_FUZZ_CHECK(ms_labs_read((const char *)data, size, &rows) == 0);
    for (size_t i = 0; i < rows.n; i++) {
        const ms_lab_row *r = &rows.v[i];
        MS_FUZZ_CHECK(r->line.b <= r->line.e && r->line.e <= size);
        MS_FUZZ_CHECK(r->name.b < r->name.e && r->value.b < r->value.e);
        span_ok(r->name, r->line, size);
        span_ok(r->value, r->line, size);
        span_ok(r->unit, r->line, size);
        span_ok(r->range, r->line, size);
        span_ok(r->flag_text, r->line, size);
        span_ok(r->low_text, r->line, size);
        span_ok(r->high_text, r->line, size);
        MS_FUZZ_CHECK(r->flag >= MS_LAB_FLAG_NONE && r->flag <= MS_LAB_FLAG_ABNORMAL);
        MS_FUZZ_CHECK(r->direction >= -1 && r->direction <= 1);
        int vs = ms_lab_row_vs_range(r);
        MS_FUZZ_CHECK(vs >= -1 && vs <= 1);
        if (i > 0)   /* text order */
            MS_FUZZ_CHECK(rows.v[i - 1].line.b <= r->line.b);
    }
    ms_lab_rows_free(&rows);
    return 0;
}
