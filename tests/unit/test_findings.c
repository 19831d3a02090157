/* test_findings.c -- assembly: per-chunk entities merged into document
 * coordinates through the chunker's offset map, duplicates dropped where
 * chunks overlap, attributes kept with their entity, findings grouped, and
 * the patient text's promises (lay term first, negations apart, the
 * not-medical-advice line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/doc.h"
#include "nlp/nlp.h"
#include "stages/chunk.h"
#include "stages/findings.h"
#include "testutil.h"

static ms_nlp_engine *engine;

static int setup(void **state)
{
    (void)state;
    engine = ms_nlp_engine_new();
    return engine ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_nlp_engine_free(engine);
    return 0;
}

/* A doc over text with the given chunks; runs the engine on each chunk as
 * the extract stage does. Takes ownership of chunks. */
static ms_doc *doc_with(const char *text, ms_chunk *chunks, size_t n)
{
    ms_doc *d = ms_doc_new();
    assert_non_null(d);
    d->text = strdup(text);
    d->text_len = strlen(text);
    d->text_chars = ms_utf8_chars(text, d->text_len);
    d->npages = 1;
    d->chunks = chunks;
    d->nchunks = n;
    ms_test_extract_local(engine, d);
    return d;
}

static ms_doc *doc_chunked(const char *text, size_t max_bytes)
{
    ms_chunk_opts o;
    ms_chunk_opts_default(&o);
    o.max_bytes = max_bytes;
    ms_page pg = {0, strlen(text)};
    ms_chunk *c = NULL;
    size_t n = 0;
    assert_int_equal(ms_chunk_text(text, strlen(text), &pg, 1, &o, &c, &n, NULL, NULL), 0);
    return doc_with(text, c, n);
}

/* A chunk that is text[b, e) of the document, by hand. */
static ms_chunk chunk_of(const char *text, size_t b, size_t e)
{
    ms_chunk c;
    memset(&c, 0, sizeof c);
    c.text = strndup(text + b, e - b);
    c.len = e - b;
    c.chars = ms_utf8_chars(c.text, c.len);
    c.segs = malloc(sizeof *c.segs);
    c.segs[0] = (ms_seg){0, b, e - b};
    c.nsegs = 1;
    return c;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* "Begin:End:Type" of every entity and attribute, one string, in order;
 * also checks each one's code-point offsets slice its Text. */
static char *signature(const char *text, json_t *ents)
{
    size_t len = strlen(text), ncp = 0;
    size_t *at = malloc((len + 1) * sizeof *at);
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            at[ncp++] = i;
    at[ncp] = len;
    size_t cap = 1 << 16, n = 0;
    char *sig = calloc(1, cap);
    size_t i, k;
    json_t *e, *a;
    json_array_foreach(json_object_get(ents, "Entities"), i, e) {
        json_t *list[32];
        size_t nl = 0;
        list[nl++] = e;
        json_array_foreach(json_object_get(e, "Attributes"), k, a)
            if (nl < 32)
                list[nl++] = a;
        for (k = 0; k < nl; k++) {
            json_int_t b = json_integer_value(json_object_get(list[k], "BeginOffset"));
            json_int_t en = json_integer_value(json_object_get(list[k], "EndOffset"));
            assert_true(b >= 0 && b < en && (size_t)en <= ncp);
            const char *t = jstr(list[k], "Text");
            assert_int_equal(strlen(t), at[en] - at[b]);
            assert_memory_equal(t, text + at[b], strlen(t));
            if (n + 128 < cap)
                n += (size_t)snprintf(sig + n, cap - n, "%s%lld:%lld:%s",
                                      k ? "+" : " ", (long long)b, (long long)en,
                                      jstr(list[k], "Type"));
        }
    }
    free(at);
    return sig;
}

static char *build_signature(ms_doc *d, ms_findings *f)
{
    assert_int_equal(ms_findings_build(d, f), 0);
    json_t *j = ms_findings_entities_json(f);
    assert_non_null(j);
    char *s = signature(d->text, j);
    json_decref(j);
    return s;
}

static const char *NOTE =
    "Mr. Ortiz takes aspirin 81 mg by mouth daily. He denies chest pain.\n"
    "Hemoglobin 10.2 g/dL. Metformin 500 mg twice daily. "
    "History of hypertension. \xc3\x9c" "bung: lisinopril 10 mg daily.\n";

/* Many small chunks give exactly the entities of one big chunk, in
 * document offsets (the chunker cuts between sentences). */
static void test_remap(void **state)
{
    (void)state;
    char *text = malloc(40 * strlen(NOTE) + 1);
    text[0] = '\0';
    for (int i = 0; i < 40; i++)
        strcat(text, NOTE);
    ms_doc *one = doc_chunked(text, 100000);
    ms_doc *many = doc_chunked(text, 120);
    assert_int_equal(one->nchunks, 1);
    assert_true(many->nchunks > 40);
    ms_findings f1, f2;
    char *s1 = build_signature(one, &f1);
    char *s2 = build_signature(many, &f2);
    assert_true(strlen(s1) > 1000);
    if (strcmp(s1, s2) != 0) {
        size_t k = 0;
        while (s1[k] == s2[k]) k++;
        print_message("differ at %zu: ...%.80s... vs ...%.80s...\n", k, s1 + (k > 40 ? k - 40 : 0), s2 + (k > 40 ? k - 40 : 0));
    }
    assert_string_equal(s1, s2);
    assert_int_equal(f1.all.n, f2.all.n);
    ms_findings_free(&f1);
    ms_findings_free(&f2);
    free(s1);
    free(s2);
    ms_doc_free(one);
    ms_doc_free(many);
    free(text);
}

/* Overlapping chunks: what both saw is reported once, with its attributes
 * once; a medication cut by a chunk's edge ("aspir") is not reported. */
static void test_seam_dedup(void **state)
{
    (void)state;
    const char *text = NOTE;
    size_t len = strlen(text);
    ms_doc *ref = doc_chunked(text, 100000);
    ms_findings fr;
    char *want = build_signature(ref, &fr);

    const char *mid = strstr(text, "Hemoglobin");
    size_t cut = (size_t)(mid - text) + 30;      /* inside "Metformin ..." */
    size_t back = (size_t)(strstr(text, "aspirin") - text);
    ms_chunk *c = calloc(2, sizeof *c);
    c[0] = chunk_of(text, 0, cut);
    c[1] = chunk_of(text, back, len);            /* overlaps all of chunk 0's
                                                  * text from "aspirin" on */
    ms_doc *d = doc_with(text, c, 2);
    ms_findings f;
    char *got = build_signature(d, &f);
    assert_string_equal(got, want);
    assert_int_equal(f.all.n, fr.all.n);
    free(got);
    ms_findings_free(&f);
    ms_doc_free(d);

    /* a chunk ending inside a word: its piece must not survive */
    c = calloc(2, sizeof *c);
    size_t split = back + 5;                      /* "aspir|in" */
    c[0] = chunk_of(text, 0, split);
    c[1] = chunk_of(text, back, len);
    d = doc_with(text, c, 2);
    got = build_signature(d, &f);
    assert_string_equal(got, want);
    free(got);
    ms_findings_free(&f);
    ms_doc_free(d);
    ms_findings_free(&fr);
    free(want);
    ms_doc_free(ref);
}

static void test_grouping_and_text(void **state)
{
    (void)state;
    const char *text =
        "ALLERGIES: penicillin.\n"
        "MEDICATIONS: Lipitor 40 mg by mouth nightly.\n"
        "FAMILY HISTORY: Mother with breast cancer.\n"
        "ASSESSMENT: Hypertension. No pneumonia. Sodium 128 mmol/L.\n";
    ms_doc *d = doc_chunked(text, 100000);
    ms_findings f;
    assert_int_equal(ms_findings_build(d, &f), 0);
    json_t *j = ms_findings_json(&f);
    assert_non_null(j);
    json_t *meds = json_object_get(j, "medications");
    assert_true(json_array_size(meds) >= 1);
    bool lipitor = false;
    size_t i;
    json_t *m;
    json_array_foreach(meds, i, m)
        if (!strcmp(jstr(m, "text"), "Lipitor")) {
            lipitor = true;
            assert_string_equal(jstr(m, "generic"), "atorvastatin");
            assert_string_equal(jstr(m, "dosage"), "40 mg");
            assert_string_equal(jstr(m, "frequency"), "nightly");
        }
    assert_true(lipitor);
    assert_int_equal(json_array_size(json_object_get(j, "allergies")), 1);
    json_t *cond = json_object_get(j, "conditions");
    assert_true(json_array_size(json_object_get(cond, "affirmed")) >= 1);
    assert_true(json_array_size(json_object_get(cond, "negated")) >= 1);
    assert_true(json_array_size(json_object_get(cond, "family")) >= 1);
    json_t *tests = json_object_get(j, "tests");
    assert_int_equal(json_array_size(tests), 1);
    json_t *na = json_array_get(tests, 0);
    assert_string_equal(jstr(na, "flag"), "low");
    json_decref(j);

    char *t = ms_findings_patient_text(&f);
    assert_non_null(t);
    assert_non_null(strstr(t, "high blood pressure (hypertension)"));
    assert_non_null(strstr(t, "not medical advice"));
    /* the negated finding is not among what was found */
    const char *neg = strstr(t, "pneumonia");
    assert_non_null(neg);
    const char *found = strstr(t, "high blood pressure");
    assert_non_null(found);
    free(t);
    ms_findings_free(&f);
    ms_doc_free(d);
}

/* ---- lab tables: the report's own range and flag drive tests[] ---- */

typedef struct lab_gold {
    const char *text, *value, *flag, *direction, *source;
} lab_gold;

/* Side by side tables, a critical value, a flag in its own column. */
static const char *LAB_A =
    "CITY PATHOLOGY LABORATORY                         Page 1 of 2\n"
    "Patient: Jane Example   MRN: 123456789   DOB: 01/02/1960   Phone: 555-123-4567\n"
    "Collected: 05/20/2026 07:45   Received: 20 May 2026\n"
    "BIOCHEMISTRY\n"
    "Sodium 139 mmol/L (135-145)        Potassium 6.8 mmol/L (3.5-5.2) CRITICAL\n"
    "Urea 9.4 mmol/L (2.5-7.8) H        Creatinine 182 umol/L (60-110) H\n"
    "Chloride 101 mmol/L (98-107)       Calcium 1.71 mmol/L (2.10-2.60) critical low\n"
    "Test          Result   Flag   Units      Reference Range\n"
    "TSH           0.004    L      mIU/L      0.40 - 4.00\n"
    "Free T4       31       H      pmol/L     12-22\n";
static const lab_gold GOLD_A[] = {
    {"Sodium", "139", NULL, NULL, "report_range"},
    {"Potassium", "6.8", "critical", "high", "report"},
    {"Urea", "9.4", "high", "high", "report"},
    {"Creatinine", "182", "high", "high", "report"},
    {"Chloride", "101", NULL, NULL, "report_range"},
    {"Calcium", "1.71", "critical", "low", "report"},
    {"TSH", "0.004", "low", "low", "report"},
    {"Free T4", "31", "high", "high", "report"},
    {NULL, NULL, NULL, NULL, NULL}};

/* Dotted leaders, tabs and '|' columns, units the engine did not read. */
static const char *LAB_B =
    "FULL BLOOD COUNT\n"
    "Haemoglobin ............ 92 g/L ........ 130-170 ...... LOW\n"
    "White cell count ....... 14.2 K/uL ....... 4.0-11.0\n"
    "Platelets\t95\t10^3/uL\t150\xe2\x80\x93" "400\tL\n"
    "Neutrophils | 11.9 | x10^9/L | 2.0 - 7.5 | *\n"
    "Mean cell volume ....... 88 fL ......... 80-100\n"
    "CD4 count .............. 180 cells/\xc2\xb5L .... 500-1500 .... A\n"
    "Ferritin ............... 9 \xc2\xb5g/L ......... 30-400\n";
static const lab_gold GOLD_B[] = {
    {"Haemoglobin", "92", "low", "low", "report"},
    {"White cell count", "14.2", "high", "high", "report_range"},
    {"Platelets", "95", "low", "low", "report"},
    {"Neutrophils", "11.9", "abnormal", "high", "report"},
    {"Mean cell volume", "88", NULL, NULL, "report_range"},
    {"CD4 count", "180", "abnormal", "low", "report"},
    {"Ferritin", "9", "low", "low", "report_range"},
    {NULL, NULL, NULL, NULL, NULL}};

/* A flag word that wraps onto its own line stays with its own row; US
 * style flags before the range; a row the engine does not know. */
static const char *LAB_C =
    "Magnesium 0.52 mmol/L (0.70-1.00) ... LOW\n"
    "WBC 14,200 HIGH\n"
    "Glucose, fasting     250 mg/dL   H   70-99\n"
    "Hemoglobin A1c       6.1 %       H   4.0-5.6\n"
    "Zorbitase activity   88 U/L      HH  (<40)\n"
    "eGFR                 38 mL/min/1.73 m2   >= 60\n"
    "CRP                  <5 mg/L     (<5.0)\n"
    "Comment: repeat potassium in 2 days.\n";
static const lab_gold GOLD_C[] = {
    {"Magnesium", "0.52", "low", "low", "report"},
    {"WBC", "14,200", "high", "high", "report"},
    {"Glucose", "250", "high", "high", "report"},
    {"Hemoglobin A1c", "6.1", "high", "high", "report"},
    {"Zorbitase activity", "88", "critical", "high", "report"},
    {"eGFR", "38", "low", "low", "report_range"},
    {"CRP", "<5", NULL, NULL, "report_range"},
    {NULL, NULL, NULL, NULL, NULL}};

/* A flag column the lab writes a note after. */
static const char *LAB_D =
    "Analyte            Result     Units       Ref. range     Flag\n"
    "Sodium             131        mmol/L      133 - 146      L\n"
    "Potassium          6.9        mmol/L      3.5 - 5.3      HH  ** CRITICAL - phoned to ward **\n"
    "Urea               12.4       mmol/L      2.5 - 7.8      H\n"
    "Magnesium          0.55       mmol/L      0.70 - 1.00    LL - repeat sample\n";
static const lab_gold GOLD_D[] = {
    {"Sodium", "131", "low", "low", "report"},
    {"Potassium", "6.9", "critical", "high", "report"},
    {"Urea", "12.4", "high", "high", "report"},
    {"Magnesium", "0.55", "critical", "low", "report"},
    {NULL, NULL, NULL, NULL, NULL}};

static size_t flags_ok, flags_n;

static json_t *tests_of(const char *text, ms_findings *f, ms_doc **d)
{
    *d = doc_chunked(text, 100000);
    assert_int_equal(ms_findings_build(*d, f), 0);
    json_t *j = ms_findings_json(f);
    assert_non_null(j);
    return j;
}

static void check_gold(const char *text, const lab_gold *gold)
{
    ms_findings f;
    ms_doc *d;
    json_t *j = tests_of(text, &f, &d);
    json_t *tests = json_object_get(j, "tests");
    size_t ngold = 0;
    while (gold[ngold].text) ngold++;
    if (json_array_size(tests) != ngold) {
        char *dump = json_dumps(tests, JSON_COMPACT);
        print_message("tests: %s\n", dump);
        free(dump);
    }
    assert_int_equal(json_array_size(tests), ngold);   /* no page number, MRN, date */
    for (const lab_gold *g = gold; g->text; g++) {
        json_t *hit = NULL, *t;
        size_t i;
        json_array_foreach(tests, i, t)
            if (!strncmp(jstr(t, "text"), g->text, strlen(g->text)) && !strcmp(jstr(t, "value"), g->value))
                hit = t;
        if (!hit) {
            print_message("lab '%s' %s not listed\n", g->text, g->value);
            fail();
        }
        bool ok = !strcmp(jstr(hit, "flag"), g->flag ? g->flag : "") &&
                  !strcmp(jstr(hit, "direction"), g->direction ? g->direction : "");
        flags_n++;
        flags_ok += ok;
        if (!ok || strcmp(jstr(hit, "flag_source"), g->source))
            print_message("lab '%s': flag %s/%s from %s, want %s/%s from %s\n", g->text,
                          jstr(hit, "flag"), jstr(hit, "direction"), jstr(hit, "flag_source"),
                          g->flag ? g->flag : "null", g->direction ? g->direction : "null", g->source);
        assert_true(ok);
        assert_string_equal(jstr(hit, "flag_source"), g->source);
        json_t *rr = json_object_get(hit, "reference_range");
        if (!strcmp(g->source, "report") || !strcmp(g->source, "report_range"))
            if (rr)
                assert_string_equal(jstr(rr, "source"), "report");
    }
    json_decref(j);
    ms_findings_free(&f);
    ms_doc_free(d);
}

static void test_lab_tables(void **state)
{
    (void)state;
    check_gold(LAB_A, GOLD_A);
    check_gold(LAB_B, GOLD_B);
    check_gold(LAB_C, GOLD_C);
    check_gold(LAB_D, GOLD_D);
    print_message("lab flag accuracy on the fixtures: %zu/%zu\n", flags_ok, flags_n);
    assert_int_equal(flags_ok, flags_n);
}

/* Critical results first and plainly; then the others outside the range
 * in the lab's words; then the rest; the wrapped "LOW" is not the WBC's. */
static void test_lab_text(void **state)
{
    (void)state;
    ms_findings f;
    ms_doc *d;
    json_t *j = tests_of(LAB_A, &f, &d);
    json_decref(j);
    char *t = ms_findings_patient_text(&f);
    assert_non_null(t);
    const char *crit = strstr(t, "Potassium: 6.8 mmol/L. The lab marked this as critical (very high). "
                                 "Please contact your care team.");
    const char *ca = strstr(t, "Calcium: 1.71 mmol/L. The lab marked this as critical (very low).");
    const char *urea = strstr(t, "Urea: 9.4 mmol/L. This is higher than the lab's normal range of 2.5 to 7.8.");
    const char *other = strstr(t, "Other test results:");
    const char *na = strstr(t, "- Sodium: 139 mmol/L\n");
    assert_non_null(crit);
    assert_non_null(ca);
    assert_non_null(urea);
    assert_non_null(other);
    assert_non_null(na);
    assert_true(crit < urea && ca < urea && urea < other && other < na);
    free(t);
    ms_findings_free(&f);
    ms_doc_free(d);

    j = tests_of(LAB_C, &f, &d);
    json_decref(j);
    t = ms_findings_patient_text(&f);
    assert_non_null(strstr(t, "WBC: 14,200. The lab marked this as high."));
    assert_non_null(strstr(t, "Magnesium: 0.52 mmol/L. This is lower than the lab's normal range of 0.70 to 1.00."));
    assert_non_null(strstr(t, "eGFR: 38 mL/min/1.73 m2. This is lower than the lab's lower limit of 60."));
    free(t);
    ms_findings_free(&f);
    ms_doc_free(d);
}

/* A comment that repeats a row ("CRITICAL VALUES: potassium 6.8") and a
 * sentence explaining the table ("HbA1c >= 6.5% is consistent with
 * diabetes") are not further results. */
static void test_lab_repeats(void **state)
{
    (void)state;
    ms_findings f;
    ms_doc *d;
    json_t *j = tests_of("Potassium          6.8       mmol/L     3.5-5.1            HH\n"
                         "HbA1c              6.1       %          4.0-5.6            H\n"
                         "CRITICAL VALUES: potassium 6.8 was telephoned to the ward.\n"
                         "Interpretation: HbA1c >= 6.5% is consistent with diabetes.\n", &f, &d);
    json_t *tests = json_object_get(j, "tests");
    if (json_array_size(tests) != 2) {
        char *dump = json_dumps(tests, JSON_COMPACT);
        print_message("tests: %s\n", dump);
        free(dump);
    }
    assert_int_equal(json_array_size(tests), 2);
    assert_string_equal(jstr(json_array_get(tests, 0), "flag"), "critical");
    assert_string_equal(jstr(json_array_get(tests, 0), "direction"), "high");
    json_decref(j);
    ms_findings_free(&f);
    ms_doc_free(d);
}

/* Units the engine did not read, and values in sentences, are read; the
 * lexicon compares a same-number unit (K/uL = x10^3/uL) and no other. */
static void test_units_in_sentences(void **state)
{
    (void)state;
    ms_findings f;
    ms_doc *d;
    json_t *j = tests_of("The TSH was 0.004 mIU/L on admission. WBC 14.2 K/uL today. "
                         "Creatinine 182 \xc2\xb5mol/L. Platelets 265 10^3/uL. Glucose 5.2 mmol/L.\n"
                         "ALT 83 and hemoglobin 111 and glucose 40 on the ward.\n",
                         &f, &d);
    json_t *tests = json_object_get(j, "tests"), *t;
    size_t i;
    int seen = 0;
    json_array_foreach(tests, i, t) {
        const char *n = jstr(t, "text");
        if (!strcmp(n, "TSH")) {
            seen |= 1;
            assert_string_equal(jstr(t, "unit"), "mIU/L");
            assert_string_equal(jstr(t, "flag"), "low");
            assert_string_equal(jstr(t, "flag_source"), "lexicon");
        } else if (!strcmp(n, "WBC")) {
            seen |= 2;
            assert_string_equal(jstr(t, "unit"), "K/uL");
            assert_string_equal(jstr(t, "flag"), "high");
        } else if (!strcmp(n, "Creatinine")) {
            seen |= 4;
            assert_string_equal(jstr(t, "unit"), "\xc2\xb5mol/L");
            assert_true(json_is_null(json_object_get(t, "flag"))); /* lexicon is mg/dL */
        } else if (!strcmp(n, "Platelets")) {
            seen |= 8;
            assert_string_equal(jstr(t, "unit"), "10^3/uL");
            assert_true(json_is_null(json_object_get(t, "flag")));
        } else if (!strcmp(n, "Glucose")) {
            seen |= 16;
            assert_true(json_is_null(json_object_get(t, "flag"))); /* mmol/L vs mg/dL */
        } else if (!strcmp(n, "ALT")) {           /* no unit: U/L is U/L everywhere */
            seen |= 32;
            assert_string_equal(jstr(t, "flag"), "high");
        } else if (!strcmp(n, "hemoglobin")) {    /* no unit, 111: g/L, not compared */
            seen |= 64;
            assert_true(json_is_null(json_object_get(t, "flag")));
        } else if (!strcmp(n, "glucose")) {       /* no unit, mg/dL or mmol/L: not compared */
            seen |= 128;
            assert_true(json_is_null(json_object_get(t, "flag")));
        }
    }
    assert_int_equal(seen, 255);
    json_decref(j);
    ms_findings_free(&f);
    ms_doc_free(d);
}

/* A bound in an instruction is a warning sign, not a result. */
static void test_warning_signs(void **state)
{
    (void)state;
    ms_findings f;
    ms_doc *d;
    json_t *j = tests_of("VITAL SIGNS: Temperature 101.8.\nDISCHARGE INSTRUCTIONS: She needs to "
                         "call for any shortness of breath, temperature greater than 101.5, or "
                         "chest pain. Return if the glucose is over 300.\n", &f, &d);
    json_t *tests = json_object_get(j, "tests"), *t;
    size_t i;
    int n = 0;
    json_array_foreach(tests, i, t) {
        n++;
        assert_string_equal(jstr(t, "value"), "101.8");
    }
    assert_int_equal(n, 1);
    json_decref(j);
    ms_findings_free(&f);
    ms_doc_free(d);
}

/* A white cell or platelet count written whole, per microlitre, is the
 * count in thousands ("WBC 59,300": high; "platelets 90,000": low). */
static void test_unitless_whole_counts(void **state)
{
    (void)state;
    ms_findings f;
    ms_doc *d;
    json_t *j = tests_of("BLOOD STUDIES: WBC 59,300 with a left shift. Platelet count 90,000. "
                         "White count 7400.\n", &f, &d);
    json_t *tests = json_object_get(j, "tests"), *t;
    size_t i;
    int seen = 0;
    json_array_foreach(tests, i, t) {
        const char *v = jstr(t, "value");
        if (!strcmp(v, "59,300")) {
            seen |= 1;
            assert_string_equal(jstr(t, "flag"), "high");
        } else if (!strcmp(v, "90,000")) {
            seen |= 2;
            assert_string_equal(jstr(t, "flag"), "low");
        } else if (!strcmp(v, "7400")) {
            seen |= 4;
            assert_true(json_is_null(json_object_get(t, "flag")));
        }
    }
    assert_int_equal(seen, 7);
    json_decref(j);
    ms_findings_free(&f);
    ms_doc_free(d);
}

/* A bare number for a test reported in mg/dL is compared only inside the
 * band no SI number reaches: LDL 144 is mg/dL (and high), LDL 3.2 could be
 * mmol/L (not compared). */
static void test_unitless_mgdl(void **state)
{
    (void)state;
    ms_findings f;
    ms_doc *d;
    json_t *j = tests_of("Lipids showed an LDL of 144. Repeat LDL 3.2 after diet.\n", &f, &d);
    json_t *tests = json_object_get(j, "tests"), *t;
    size_t i;
    int seen = 0;
    json_array_foreach(tests, i, t) {
        const char *v = jstr(t, "value");
        if (!strcmp(v, "144")) {
            seen |= 1;
            assert_string_equal(jstr(t, "flag"), "high");
            assert_string_equal(jstr(t, "flag_source"), "lexicon");
        } else if (!strcmp(v, "3.2")) {
            seen |= 2;
            assert_true(json_is_null(json_object_get(t, "flag")));
        }
    }
    assert_int_equal(seen, 3);
    json_decref(j);
    ms_findings_free(&f);
    ms_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remap),
        cmocka_unit_test(test_seam_dedup),
        cmocka_unit_test(test_grouping_and_text),
        cmocka_unit_test(test_lab_tables),
        cmocka_unit_test(test_unitless_mgdl),
        cmocka_unit_test(test_unitless_whole_counts),
        cmocka_unit_test(test_lab_text),
        cmocka_unit_test(test_lab_repeats),
        cmocka_unit_test(test_units_in_sentences),
        cmocka_unit_test(test_warning_signs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
