/* test_labs.c -- the lab-table row reader: layouts (columns, dotted
 * leaders, tabs, '|', two tables side by side), range and flag forms, what
 * is never a row (dates, MRN, phone, page numbers, headers, prose), a flag
 * staying on its own line; and robustness over random bytes and every
 * file under ../shared/corpora/text (when present). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stages/labs.h"

static const char *const FLAG[] = {"-", "normal", "high", "low", "critical", "abnormal"};

/* "name|value|unit|range|flag/direction" per row, rows joined by '\n'. */
static char *rows_of(const char *text)
{
    ms_lab_rows r = {0};
    assert_int_equal(ms_labs_read(text, strlen(text), &r), 0);
    size_t cap = 64 + r.n * 256, n = 0;
    char *out = calloc(1, cap);
    for (size_t i = 0; i < r.n; i++) {
        const ms_lab_row *x = &r.v[i];
#define S(sp) (int)((sp).e - (sp).b), text + (sp).b
        n += (size_t)snprintf(out + n, cap - n, "%s%.*s|%.*s|%.*s|%.*s|%s/%d", i ? "\n" : "",
                              S(x->name), S(x->value), S(x->unit), S(x->range), FLAG[x->flag],
                              x->direction);
#undef S
    }
    ms_lab_rows_free(&r);
    return out;
}

static void expect(const char *text, const char *want)
{
    char *got = rows_of(text);
    if (strcmp(got, want) != 0)
        print_message("text:\n%s\nwant:\n%s\ngot:\n%s\n", text, want, got);
    assert_string_equal(got, want);
    free(got);
}

static void test_columns(void **state)
{
    (void)state;
    expect("Haemoglobin           118 g/L        (130 - 170)    LOW\n"
           "White cell count      7.4 x10^9/L    (4.0 - 11.0)\n"
           "Transferrin saturation 8 %           (20 - 50)      LOW\n"
           "eGFR                  >90 mL/min/1.73m2\n"
           "HbA1c                 48 mmol/mol    (< 42)         HIGH\n",
           "Haemoglobin|118|g/L|130 - 170|low/-1\n"
           "White cell count|7.4|x10^9/L|4.0 - 11.0|-/0\n"
           "Transferrin saturation|8|%|20 - 50|low/-1\n"
           "eGFR|>90|mL/min/1.73m2||-/0\n"
           "HbA1c|48|mmol/mol|< 42|high/1");
    /* flag in its own column before the unit and range; thousands */
    expect("Test                     Result    Flag   Units        Reference Range\n"
           "Potassium                6.8       CRIT   mmol/L       3.5-5.2\n"
           "WBC                      14,200    HIGH   cells/\xc2\xb5L     4,500-11,000\n",
           "Potassium|6.8|mmol/L|3.5-5.2|critical/0\n"
           "WBC|14,200|cells/\xc2\xb5L|4,500-11,000|high/1");
}

/* A performing-lab code after the name and a previous result with its
 * date between the result and the unit (a common US lab layout). */
static void test_site_codes_and_previous(void **state)
{
    (void)state;
    expect("Test                Current Result and Flag   Previous Result and Date   Units     Reference Interval\n"
           "WBC 01              14.2        High          9.1      09/01/2025        x10E3/uL  3.4-10.8\n"
           "RBC 01              4.10                      4.35     09/01/2025        x10E6/uL  3.77-5.28\n"
           "Potassium 02        6.1         Alert         4.2      09/01/2025        mmol/L    3.5-5.2\n",
           "WBC|14.2|x10E3/uL|3.4-10.8|high/1\n"
           "RBC|4.10|x10E6/uL|3.77-5.28|-/0\n"
           "Potassium|6.1|mmol/L|3.5-5.2|critical/0");
    /* result in an in-range or out-of-range column, "> OR =" ranges, the
     * unit after the range */
    expect("GLUCOSE                             105 H       65-99 mg/dL          EN\n"
           "HDL CHOLESTEROL           36                    > OR = 40 mg/dL      EN\n",
           "GLUCOSE|105|mg/dL|65-99|high/1\n"
           "HDL CHOLESTEROL|36|mg/dL|> OR = 40|-/0");
    /* a result in prose with its reference in brackets, then the sentence */
    expect("Troponin 2.3 ng/mL (ref <0.04). Chest pain, likely acute coronary syndrome.\n",
           "Troponin|2.3|ng/mL|<0.04|-/0");
}

static void test_separators(void **state)
{
    (void)state;
    expect("Sodium ................. 139   mmol/L   135-145\n"
           "Chloride.......101 mmol/L (98-107)\n"
           "Hemoglobin\t9.1\tL\tg/dL\t13.5\xe2\x80\x93" "17.5\n"
           "Platelets | 95 | L | K/uL | 150 - 400\n",
           "Sodium|139|mmol/L|135-145|-/0\n"
           "Chloride|101|mmol/L|98-107|-/0\n"
           "Hemoglobin|9.1|g/dL|13.5\xe2\x80\x93" "17.5|low/-1\n"
           "Platelets|95|K/uL|150 - 400|low/-1");
}

static void test_side_by_side(void **state)
{
    (void)state;
    expect("Sodium 139 mmol/L (135-145)        Potassium 2.9 mmol/L (3.5-5.2) critical low\n"
           "TSH 0.004 mIU/L (0.4-4.0) LL       Free T4 3.1 ng/dL (0.8-1.8) H\n"
           "Urea  5.1 mmol/L  2.5-7.8    ALT  55 U/L  (<40)  A\n",
           "Sodium|139|mmol/L|135-145|-/0\n"
           "Potassium|2.9|mmol/L|3.5-5.2|critical/-1\n"
           "TSH|0.004|mIU/L|0.4-4.0|critical/-1\n"
           "Free T4|3.1|ng/dL|0.8-1.8|high/1\n"
           "Urea|5.1|mmol/L|2.5-7.8|-/0\n"
           "ALT|55|U/L|<40|abnormal/0");
}

static void test_ranges_and_flags(void **state)
{
    (void)state;
    expect("Glucose                  250*      mg/dL        70-99\n"
           "Creatinine               182       \xc2\xb5mol/L       60-110       \xe2\x86\x91\n"
           "eGFR                     38        mL/min/1.73 m2   >= 60    L\n"
           "CRP                      <5        mg/L         <5.0\n"
           "Vitamin D                 12        ng/mL       up to 100     ABN\n"
           "Neutrophils              8.1       x 10^9/L     2.0 to 7.5   H\n"
           "Bilirubin 2.3 mg/dL [0.1-1.2] (H)\n"
           "Lipase 900 U/L (13-60) PANIC\n"
           "Base excess -1.0 mmol/L (-2 to +2)\n"
           "Albumin 41 g/L Ref: 35-50 N\n"
           "Calcium 3.1 mmol/L 2.1-2.6 C\n",
           "Glucose|250|mg/dL|70-99|abnormal/0\n"
           "Creatinine|182|\xc2\xb5mol/L|60-110|high/1\n"
           "eGFR|38|mL/min/1.73 m2|>= 60|low/-1\n"
           "CRP|<5|mg/L|<5.0|-/0\n"
           "Vitamin D|12|ng/mL|up to 100|abnormal/0\n"
           "Neutrophils|8.1|x 10^9/L|2.0 to 7.5|high/1\n"
           "Bilirubin|2.3|mg/dL|0.1-1.2|high/1\n"
           "Lipase|900|U/L|13-60|critical/0\n"
           "Albumin|41|g/L|35-50|normal/0\n"
           "Calcium|3.1|mmol/L|2.1-2.6|critical/0");
}

/* The flag at the end of a line stays with that line's row: "... LOW" then
 * "WBC 14,200 HIGH" on the next line is a low ferritin and a high WBC. */
static void test_wrapped_flags(void **state)
{
    (void)state;
    expect("Ferritin 9 ug/L (30-400) ... LOW\n"
           "WBC 14,200 HIGH\n"
           "                                   LOW\n"
           "Platelets 265 x10^9/L (150-400)\n",
           "Ferritin|9|ug/L|30-400|low/-1\n"
           "WBC|14,200|||high/1\n"
           "Platelets|265|x10^9/L|150-400|-/0");
}

static void test_not_rows(void **state)
{
    (void)state;
    expect("CITY PATHOLOGY LABORATORY                         Page 1 of 2\n"
           "Patient: Jane Example   MRN: 123456789   DOB: 01/02/1960   Phone: 555-123-4567\n"
           "Collected: 05/20/2026 07:45   Received: 20 May 2026   Accession 2026-000123\n"
           "Test                     Result    Flag   Units        Reference Range\n"
           "Reported: 2026-05-20 11:02  Tel (02) 9999 1234\n"
           "Please repeat in 3 months. The patient was given 5 mg at night.\n"
           "High sensitivity troponin was normal.\n"
           "Troponin 4 ng/L at 0 h and 5 ng/L at 3 h (normal <14).\n"
           "Age: 45 years   Sex: F   Room 12 B\n"
           "Page 2 of 2\n",
           "");
    /* a value the row reader leaves to the engine: a qualitative result */
    expect("HIV antibody    Negative    (Negative)\n", "");
    /* "High" that starts the next row's name is not the flag of this one */
    expect("Sodium 139 mmol/L (135-145)    High sensitivity CRP 3.2 mg/L (<3.0)\n",
           "Sodium|139|mmol/L|135-145|-/0\n"
           "High sensitivity CRP|3.2|mg/L|<3.0|-/0");
}

/* Word results and count ranges need a flag or a reference of their own. */
static void test_word_and_count_values(void **state)
{
    (void)state;
    expect("Color                 Yellow          Yellow\n"
           "Nitrite               Positive        Negative            abnormal\n"
           "Bacteria              Many            None seen           abnormal\n"
           "WBC                   25-50 /hpf      0-5 /hpf            H\n"
           "Hepatitis B surface antigen   Not detected\n"
           "Urine drug screen positive for cocaine.\n"
           "Sodium 135-145 mmol/L\n",
           "Color|Yellow||Yellow|-/0\n"
           "Nitrite|Positive||Negative|abnormal/0\n"
           "Bacteria|Many||None seen|abnormal/0\n"
           "WBC|25-50|/hpf|0-5|high/1");
    /* a dipstick grade is a value; a qualitative reference with a slash is
     * no unit; the site code after a name the lexicon does not know is
     * not part of it */
    expect("Protein 01              Trace    Abnormal      Negative/Trace\n"
           "WBC Esterase 01         2+       Abnormal      Negative\n"
           "Bacteria 01             Many     Abnormal      None seen/Few\n",
           "Protein|Trace|||abnormal/0\n"
           "WBC Esterase|2+||Negative|abnormal/0\n"
           "Bacteria|Many||None|abnormal/0");
}

static void test_vs_range(void **state)
{
    (void)state;
    const char *t = "A 5.0 (<5.0)\nB 3 (>= 60)\nC <5 (10-20)\nD >90 (>= 60)\nE 7 (4-11)\n"
                    "F 12 (4-11)\nG >150 (4-100)\nH 3-5 /hpf 0-2 /hpf\nI 1-3 /hpf 0-2 /hpf\n";
    ms_lab_rows r = {0};
    assert_int_equal(ms_labs_read(t, strlen(t), &r), 0);
    assert_int_equal(r.n, 9);
    int want[] = {1, -1, -1, 0, 0, 1, 1, 1, 0};
    for (size_t i = 0; i < r.n; i++)
        assert_int_equal(ms_lab_row_vs_range(&r.v[i]), want[i]);
    ms_lab_rows_free(&r);
}

/* Every span inside the text and ordered; never a crash. */
static void check_spans(const char *t, size_t len, const ms_lab_rows *r)
{
    (void)t;
    for (size_t i = 0; i < r->n; i++) {
        const ms_lab_row *x = &r->v[i];
        const ms_lab_span *sp[] = {&x->line, &x->name, &x->value, &x->unit, &x->range,
                                   &x->flag_text};
        for (size_t k = 0; k < sizeof sp / sizeof sp[0]; k++)
            assert_true(sp[k]->b <= sp[k]->e && sp[k]->e <= len);
        assert_true(x->name.b < x->name.e && x->name.e <= x->value.b);
        assert_true(x->value.b < x->value.e);
        assert_true(x->line.b <= x->name.b && x->value.e <= x->line.e);
        if (i)
            assert_true(r->v[i - 1].value.e <= x->name.b);
    }
}

static void test_random_bytes(void **state)
{
    (void)state;
    static const char alphabet[] = "  \t\n|.-()<>=*%/^,0123456789HLCAhlx:umoLgdK\xc2\xb5\xe2\x80\x93";
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    char *buf = malloc(4096);
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)(round % 97) * 41 + 1;
        if (len > 4096) len = 4096;
        for (size_t i = 0; i < len; i++) {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
            buf[i] = round & 1 ? (char)(seed & 0xFF)
                               : alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        ms_lab_rows r = {0};
        assert_int_equal(ms_labs_read(buf, len, &r), 0);
        check_spans(buf, len, &r);
        ms_lab_rows_free(&r);
    }
    free(buf);
}

static void test_corpus(void **state)
{
    (void)state;
    const char *shared = getenv("MS_SHARED");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/corpora/text", shared ? shared : "../shared");
    DIR *d = opendir(dir);
    if (!d) {
        print_message("note: %s absent, corpus not read\n", dir);
        skip();
    }
    struct dirent *de;
    size_t files = 0, bytes = 0, rows = 0;
    double t0 = (double)clock() / CLOCKS_PER_SEC;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *b = n > 0 ? malloc((size_t)n) : NULL;
        if (b && fread(b, 1, (size_t)n, f) == (size_t)n) {
            ms_lab_rows r = {0};
            assert_int_equal(ms_labs_read(b, (size_t)n, &r), 0);
            check_spans(b, (size_t)n, &r);
            rows += r.n;
            bytes += (size_t)n;
            files++;
            ms_lab_rows_free(&r);
        }
        free(b);
        fclose(f);
    }
    closedir(d);
    double s = (double)clock() / CLOCKS_PER_SEC - t0;
    print_message("corpus: %zu files, %zu bytes, %zu rows, %.0f MB/s\n", files, bytes, rows,
                  s > 0 ? (double)bytes / s / 1e6 : 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_site_codes_and_previous),
        cmocka_unit_test(test_separators),
        cmocka_unit_test(test_side_by_side),
        cmocka_unit_test(test_ranges_and_flags),
        cmocka_unit_test(test_wrapped_flags),
        cmocka_unit_test(test_not_rows),
        cmocka_unit_test(test_word_and_count_values),
        cmocka_unit_test(test_vs_range),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
