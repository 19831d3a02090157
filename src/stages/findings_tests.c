/* findings_tests.c -- test results: which entities are tests with a value,
 * how each is flagged, their JSON and their part of the patient text.
 *
 * The report's own lab table comes first (stages/labs.h reads its rows
 * from the document text). A row is matched to the engine's TEST_NAME
 * entity whose span overlaps the row's name; the row then gives the value,
 * unit, range and flag as printed. Rows the engine did not recognise are
 * listed too (canonical null, the name as written) when the lab flagged
 * them or printed a unit and a range, so nothing the lab flagged is lost.
 *
 * A result's flag, first rule that applies (flag_source in the JSON):
 *   report       the lab printed a flag (H, LOW, CRITICAL, *, A...); its
 *                direction, when the flag has none, from the lab's range;
 *   report_range the lab printed a range: the value compared with it;
 *   lexicon      the lexicon's adult range, only when the value is one
 *                number in the lexicon's own unit or an equal one (K/uL =
 *                x10^3/uL = 10^9/L), or written without a unit where that
 *                cannot be another unit system (unitless_ok()); a result
 *                in another unit system is never compared.
 * The patient text lists critical results first, said plainly, then the
 * other results outside the range with the lab's words, then the rest. */
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stages/findings_internal.h"
#include "stages/labs.h"
#include "stages/report_type.h"
#include "nlp/sections.h"
#include "nlp/sentence.h"

enum { SRC_NONE, SRC_REPORT, SRC_REPORT_RANGE, SRC_LEXICON, SRC_REPORT_WORDS };
static const char *const SRC_NAME[] = {NULL, "report", "report_range", "lexicon", "report_words"};

typedef struct item {
    size_t ent;         /* entity index, or SIZE_MAX for a row alone */
    const ms_lab_row *row;
    size_t at;          /* byte offset, for document order */
    ms_lab_flag flag;   /* HIGH / LOW / CRITICAL / ABNORMAL, or NONE */
    int dir;            /* +1 high, -1 low, 0 unknown */
    int src;
} item;

typedef struct tstate {
    ms_lab_rows rows;
    unsigned char *kind;  /* per entity: 0 not a test, 1 listed, 2 its row is listed by another */
    item *items;
    size_t nitems;
} tstate;

static bool is_test_name(const ms_nlp_entity *e)
{
    return ms_fx_is(e, "TEST_TREATMENT_PROCEDURE") && strcmp(e->type, "TEST_NAME") == 0;
}

/* The first row whose name overlaps [b, e), or -1 (rows are in order). */
static long row_at(const ms_lab_rows *r, size_t b, size_t e)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {                 /* first row with name.e > b */
        size_t mid = lo + (hi - lo) / 2;
        if (r->v[mid].name.e <= b) lo = mid + 1;
        else hi = mid;
    }
    return lo < r->n && r->v[lo].name.b < e ? (long)lo : -1;
}

/* Units that are the same number for the same quantity. */
static const char *const SAME_UNIT[][8] = {
    {"x10^3/uL", "10^3/uL", "K/uL", "K/\xc2\xb5L", "x10^9/L", "10^9/L", "x 10^9/L", "thou/uL"},
    {"x10^12/L", "10^12/L", "x 10^12/L", "x10^6/uL", "10^6/uL", "M/uL", "mil/uL", NULL},
    {"umol/L", "\xc2\xb5mol/L", "\xce\xbcmol/L", NULL},
    {"ug/L", "\xc2\xb5g/L", "mcg/L", "ng/mL", NULL},
    {"mIU/L", "mU/L", "uIU/mL", "\xc2\xb5IU/mL", NULL},
    {"U/L", "IU/L", "units/L", NULL},
    {"cells/uL", "cells/\xc2\xb5L", "/uL", "cells/mm3", "/mm3", "cells/mcL", NULL},
    {"mL/min/1.73m2", "mL/min/1.73 m2", "mL/min/1.73m^2", NULL},
};

static int unit_class(const char *u, size_t n)
{
    for (size_t c = 0; c < sizeof SAME_UNIT / sizeof SAME_UNIT[0]; c++)
        for (size_t k = 0; k < 8 && SAME_UNIT[c][k]; k++)
            if (strlen(SAME_UNIT[c][k]) == n && strncasecmp(SAME_UNIT[c][k], u, n) == 0)
                return (int)c;
    return -1;
}

static bool same_unit(const char *lex, const char *u, size_t n)
{
    if (strlen(lex) == n && strncasecmp(lex, u, n) == 0)
        return true;
    int a = unit_class(lex, strlen(lex));
    return a >= 0 && a == unit_class(u, n);
}

/* The value and unit an item shows: the row's when it has them. */
static void value_unit(const ms_findings *f, const item *it, ms_lab_span *v, ms_lab_span *u)
{
    *v = *u = (ms_lab_span){0, 0};
    if (it->row) {
        *v = it->row->value;
        *u = it->row->unit;
    }
    if (it->ent != SIZE_MAX) {
        const ms_nlp_entity *val = ms_fx_attr(f, it->ent, "TEST_VALUE");
        const ms_nlp_entity *unit = ms_fx_attr(f, it->ent, "TEST_UNIT");
        if (v->b == v->e && val) *v = (ms_lab_span){val->byte_begin, val->byte_end};
        if (u->b == u->e && unit) *u = (ms_lab_span){unit->byte_begin, unit->byte_end};
    }
}

/* Tests reported in mg/dL whose SI numbers (mmol/L, umol/L) never fall in
 * the band given here, so a bare number inside it can only be mg/dL ("LDL
 * of 144", "creatinine 2.1"). Glucose is left out: a bare glucose says
 * nothing of fasting, and the lexicon's range is the fasting one. */
static const struct {
    const char *canonical;
    double lo, hi;
} MGDL_ONLY[] = {
    {"total cholesterol", 60, 600}, {"LDL cholesterol", 25, 500},
    {"triglycerides", 25, 2000},    {"creatinine", 0.2, 15},
    {"calcium", 4, 16},             {"uric acid", 1, 20},
};

/* A value written without a unit ("TSH 0.004", "ALT 83" in a sentence) is
 * taken to be in the lexicon's unit only where that unit is the same
 * number in both unit systems (U/L, mIU/L...), or, within a factor 2 of the
 * range, for units whose other-system number is 10x or more away (g/dL vs
 * g/L, % vs mmol/mol, 10^3/uL vs /uL) and for the ions whose mmol/L is
 * their mEq/L, or for the mg/dL tests above inside their band. Anything
 * else without a unit is not compared. */
static bool unitless_ok(const ms_nlp_entity *e, double x)
{
    for (size_t k = 0; e->canonical && k < sizeof MGDL_ONLY / sizeof MGDL_ONLY[0]; k++)
        if (!strcmp(e->unit, "mg/dL") && !strcmp(e->canonical, MGDL_ONLY[k].canonical))
            return x >= MGDL_ONLY[k].lo && x <= MGDL_ONLY[k].hi;
    static const char *const same[] = {"U/L", "IU/L", "mIU/L", "uIU/mL", "fL", "pg", NULL};
    static const char *const near[] = {"%", "x10^3/uL", "x10^12/L", "g/dL", NULL};
    static const char *const ions[] = {"sodium", "potassium", "chloride", "bicarbonate", NULL};
    for (size_t k = 0; same[k]; k++)
        if (!strcmp(e->unit, same[k]))
            return true;
    bool band = false;
    for (size_t k = 0; near[k]; k++)
        band |= !strcmp(e->unit, near[k]);
    for (size_t k = 0; ions[k] && e->canonical; k++)
        band |= !strcmp(e->unit, "mmol/L") && !strcmp(e->canonical, ions[k]);
    return band && x >= e->range_low / 2 && x <= e->range_high * 2;
}

/* Against the lexicon's range: -1 / +1 outside, 0 inside or not
 * comparable; *ok when compared. */
static int lexicon_flag(const ms_findings *f, const item *it, bool *ok)
{
    *ok = false;
    if (it->ent == SIZE_MAX)
        return 0;
    const ms_nlp_entity *e = &f->all.v[it->ent];
    ms_lab_span v, u;
    value_unit(f, it, &v, &u);
    if (!e->has_range || !e->unit || v.b == v.e ||
        (u.b < u.e && !same_unit(e->unit, f->text + u.b, u.e - u.b)))
        return 0;
    double x;
    if (it->row) {
        if (it->row->value_cmp != MS_LAB_EQ || it->row->qualitative || it->row->value_range)
            return 0;
        x = it->row->value_num;
    } else {
        char buf[32];
        size_t vlen = v.e - v.b, n = 0;
        if (vlen >= sizeof buf)
            return 0;
        /* thousands separators out: "59,300" is one number, as its
         * groups of three digits show ("1,2" is no number) */
        for (size_t k = 0; k < vlen; k++) {
            char ch = f->text[v.b + k];
            if (ch == ',' && n > 0 && isdigit((unsigned char)buf[n - 1]) && k + 3 < vlen &&
                isdigit((unsigned char)f->text[v.b + k + 1]) &&
                isdigit((unsigned char)f->text[v.b + k + 2]) &&
                isdigit((unsigned char)f->text[v.b + k + 3]) &&
                (k + 4 == vlen || !isdigit((unsigned char)f->text[v.b + k + 4])))
                continue;
            buf[n++] = ch;
        }
        buf[n] = '\0';
        char *endp;
        x = strtod(buf, &endp);
        if (endp == buf || *endp)
            return 0; /* "124/78", "<42": not a single number */
    }
    /* a count per microlitre written whole ("WBC 59,300", "platelets
     * 318,000") is the same count in thousands: no other unit system
     * writes a white cell or platelet count as a number of 1,000 or more */
    if (u.b == u.e && !strcmp(e->unit, "x10^3/uL") && x >= 1000) {
        *ok = true;
        x /= 1000;
        return x < e->range_low ? -1 : x > e->range_high ? 1 : 0;
    }
    if (u.b == u.e && !unitless_ok(e, x))
        return 0;
    *ok = true;
    return x < e->range_low ? -1 : x > e->range_high ? 1 : 0;
}

/* A flag the report writes in brackets right after a result in prose
 * ("Hemoglobin 9.8 (L)", "BUN 40 (high)", "potassium 2.6 (LL)", "glucose
 * 350 mg/dL (critical)"): 0 none, else *flag and *dir set (dir 0 when the
 * bracket gives none). */
static int paren_flag(const ms_findings *f, const item *it, ms_lab_flag *flag, int *dir)
{
    static const struct { const char *w; ms_lab_flag flag; int dir; } words[] = {
        {"h", MS_LAB_FLAG_HIGH, 1}, {"hi", MS_LAB_FLAG_HIGH, 1}, {"high", MS_LAB_FLAG_HIGH, 1},
        {"l", MS_LAB_FLAG_LOW, -1}, {"lo", MS_LAB_FLAG_LOW, -1}, {"low", MS_LAB_FLAG_LOW, -1},
        {"hh", MS_LAB_FLAG_CRITICAL, 1}, {"ll", MS_LAB_FLAG_CRITICAL, -1},
        {"critical", MS_LAB_FLAG_CRITICAL, 0}, {"crit", MS_LAB_FLAG_CRITICAL, 0},
        {"panic", MS_LAB_FLAG_CRITICAL, 0}, {"critical high", MS_LAB_FLAG_CRITICAL, 1},
        {"critical low", MS_LAB_FLAG_CRITICAL, -1}, {"a", MS_LAB_FLAG_ABNORMAL, 0},
        {"abn", MS_LAB_FLAG_ABNORMAL, 0}, {"abnormal", MS_LAB_FLAG_ABNORMAL, 0},
        {"*", MS_LAB_FLAG_ABNORMAL, 0}};
    ms_lab_span v, u;
    value_unit(f, it, &v, &u);
    if (v.b == v.e)
        return 0;
    size_t p = u.e > v.e ? u.e : v.e, n = 0;
    while (p < f->len && f->text[p] == ' ' && n++ < 2)
        p++;
    if (p >= f->len || f->text[p] != '(')
        return 0;
    size_t q = p + 1;
    while (q < f->len && q - p <= 14 && f->text[q] != ')' && f->text[q] != '\n')
        q++;
    if (q >= f->len || f->text[q] != ')')
        return 0;
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (strlen(words[k].w) == q - p - 1 && strncasecmp(f->text + p + 1, words[k].w, q - p - 1) == 0) {
            *flag = words[k].flag;
            *dir = words[k].dir;
            return 1;
        }
    return 0;
}

static void decide(const ms_findings *f, item *it)
{
    const ms_lab_row *r = it->row;
    it->flag = MS_LAB_FLAG_NONE;
    it->dir = 0;
    it->src = SRC_NONE;
    ms_lab_flag pf;
    int pd;
    if (!(r && r->flag != MS_LAB_FLAG_NONE) && paren_flag(f, it, &pf, &pd)) {
        /* the report's own flag in prose wins over any range */
        it->src = SRC_REPORT_WORDS;
        it->flag = pf;
        it->dir = pd;
        if (pf == MS_LAB_FLAG_CRITICAL && !pd) {
            bool ok;
            int d = lexicon_flag(f, it, &ok);
            it->dir = ok ? d : 0;
        }
        return;
    }
    if (r && r->flag != MS_LAB_FLAG_NONE) {
        it->src = SRC_REPORT;
        if (r->flag == MS_LAB_FLAG_NORMAL)
            return;
        it->flag = r->flag;
        it->dir = r->direction ? r->direction : ms_lab_row_vs_range(r);
        return;
    }
    if (r && (r->has_low || r->has_high) && !r->qualitative) {
        it->src = SRC_REPORT_RANGE;
        it->dir = ms_lab_row_vs_range(r);
        it->flag = it->dir > 0 ? MS_LAB_FLAG_HIGH : it->dir < 0 ? MS_LAB_FLAG_LOW
                                                                : MS_LAB_FLAG_NONE;
        return;
    }
    bool ok;
    int d = lexicon_flag(f, it, &ok);
    if (ok) {
        it->src = SRC_LEXICON;
        it->dir = d;
        it->flag = d > 0 ? MS_LAB_FLAG_HIGH : d < 0 ? MS_LAB_FLAG_LOW : MS_LAB_FLAG_NONE;
    }
}

/* The direction a word gives a result: "high", "elevated" +1; "low",
 * "decreased" -1; "positive" ("pos"), "detected", "abnormal" 2 (abnormal, no
 * direction); 0 for anything else. */
static int word_flag(const char *w, size_t n)
{
    static const char *const up[] = {"high", "elevated", "raised", "increased", "above", NULL};
    static const char *const down[] = {"low", "decreased", "reduced", "below", NULL};
    static const char *const abn[] = {"positive", "pos", "detected", "reactive", "abnormal", NULL};
    const char *const *lists[] = {up, down, abn};
    static const int val[] = {1, -1, 2};
    for (int l = 0; l < 3; l++)
        for (size_t k = 0; lists[l][k]; k++)
            if (strlen(lists[l][k]) == n && strncasecmp(w, lists[l][k], n) == 0)
                return val[l];
    return 0;
}

static void set_word_flag(item *it, int w)
{
    it->src = SRC_REPORT_WORDS;
    it->dir = w == 2 ? 0 : w;
    it->flag = w == 2 ? MS_LAB_FLAG_ABNORMAL : w > 0 ? MS_LAB_FLAG_HIGH : MS_LAB_FLAG_LOW;
}

/* What the report says in words about test entity i: its value is a word
 * ("BNP level was high", "drug screen positive") or a word is right before
 * its name ("elevated creatinine", also with its own numeric value: "an
 * elevated glucose of 393"). */
static int words_about(const ms_findings *f, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    const ms_nlp_entity *v = ms_fx_attr(f, i, "TEST_VALUE");
    if (v && v->byte_begin > e->byte_end && v->byte_begin - e->byte_end <= 40) {
        /* "TSH is slightly elevated at 5.38": a word between name and value */
        bool negated = false; /* "not elevated at 1.1" says nothing */
        for (size_t w = e->byte_end; w < v->byte_begin;) {
            while (w < v->byte_begin && !isalpha((unsigned char)f->text[w]))
                w++;
            size_t x = w;
            while (x < v->byte_begin && isalpha((unsigned char)f->text[x]))
                x++;
            int d = x > w && !negated ? word_flag(f->text + w, x - w) : 0;
            if (d)
                return d;
            negated = (x - w == 3 && strncasecmp(f->text + w, "not", 3) == 0) ||
                      (x - w == 2 && strncasecmp(f->text + w, "no", 2) == 0);
            w = x;
        }
    }
    if (v) {
        int d = word_flag(f->text + v->byte_begin, v->byte_end - v->byte_begin);
        if (d)
            return d;
        /* else the word before its name, which is about this result
         * too: "an elevated glucose of 393" */
    }
    size_t k = e->byte_begin;
    while (k > 0 && f->text[k - 1] == ' ')
        k--;
    size_t w = k;
    while (w > 0 && k - w < 12 && ((f->text[w - 1] | 0x20) >= 'a' && (f->text[w - 1] | 0x20) <= 'z'))
        w--;
    return w < k ? word_flag(f->text + w, k - w) : 0;
}

/* The report's words about a test apply to its one numeric result that
 * nothing else flags ("elevated creatinine ... Creatinine of 1.4"): only
 * when every worded mention agrees and there is exactly one such result,
 * so "high on admission, 0.9 at discharge" flags nothing. O(n * items). */
static void apply_words(const ms_findings *f, tstate *st)
{
    for (size_t k = 0; k < st->nitems; k++) {
        item *it = &st->items[k];
        if (it->ent == SIZE_MAX || it->src != SRC_NONE)
            continue;
        int own = words_about(f, it->ent);
        if (own) {
            set_word_flag(it, own);
            continue;
        }
        const char *can = f->all.v[it->ent].canonical;
        if (!can)
            continue;
        int agreed = 0;
        bool conflict = false;
        size_t results = 0;
        for (size_t q = 0; q < st->nitems; q++) {
            const item *o = &st->items[q];
            results += o->ent != SIZE_MAX && f->all.v[o->ent].canonical &&
                       !strcmp(f->all.v[o->ent].canonical, can) && !words_about(f, o->ent);
        }
        for (size_t i = 0; i < f->all.n && results == 1 && !conflict; i++) {
            const ms_nlp_entity *e = &f->all.v[i];
            if (!is_test_name(e) || !e->canonical || strcmp(e->canonical, can))
                continue;
            /* a worded mention with its own number speaks of that result
             * only ("an elevated glucose of 393" says nothing of 295) */
            const ms_nlp_entity *ov = ms_fx_attr(f, i, "TEST_VALUE");
            if (ov && ov->byte_begin < f->len && isdigit((unsigned char)f->text[ov->byte_begin]))
                continue;
            int w = words_about(f, i);
            if (w && agreed && w != agreed)
                conflict = true;
            if (w)
                agreed = w;
        }
        if (agreed && !conflict && results == 1)
            set_word_flag(it, agreed);
    }
}

static int by_at(const void *a, const void *b)
{
    const item *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* A value that reads as a threshold, not a result: "30-300", ">= 6.5".
 * In a report with a lab table, the engine's test with such a value and
 * no row of its own is a sentence explaining the table ("HbA1c >= 6.5% is
 * consistent with diabetes"), not one of the patient's results. */
static bool threshold(const ms_findings *f, const ms_nlp_entity *v)
{
    const unsigned char *s = (const unsigned char *)f->text + v->byte_begin;
    size_t n = v->byte_end - v->byte_begin;
    if (n >= 2 && (s[0] == '<' || s[0] == '>') && s[1] == '=')
        return true;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x89 && (s[2] == 0xA4 || s[2] == 0xA5))
        return true;
    for (size_t k = 1; k + 1 < n; k++)
        if (s[k] == '-' && s[k - 1] >= '0' && s[k - 1] <= '9' && s[k + 1] >= '0' && s[k + 1] <= '9')
            return true;
    return false;
}

/* A bound in an instruction is a warning sign, not a result: "call for
 * any shortness of breath, temperature greater than 101.5", "return if
 * the temperature is over 38.5". The value starts with a comparison and
 * the sentence before the test (up to 200 bytes) says to call, return,
 * seek care or notify, or "if". */
static bool warning_sign(const ms_findings *f, const ms_nlp_entity *e, const ms_nlp_entity *v)
{
    static const char *const CMP[] = {"greater than", "more than", "higher than", "less than",
                                      "lower than", "above", "below", "over", "under", ">", "<"};
    static const char *const TOLD[] = {"call", "return", "seek", "notify", "contact", "if",
                                       "report", "come back"};
    const char *t = f->text;
    size_t vb = v->byte_begin, ve = v->byte_end, k;
    bool cmp = false;
    for (k = 0; k < sizeof CMP / sizeof *CMP && !cmp; k++) {
        size_t n = strlen(CMP[k]);
        cmp = ve - vb >= n && strncasecmp(t + vb, CMP[k], n) == 0;
    }
    if (!cmp)
        return false;
    size_t lb = e->byte_begin;
    while (lb > 0 && e->byte_begin - lb < 200 && !ms__sentence_end(t, f->len, lb - 1))
        lb--;
    return ms_fx_has_any(t, lb, e->byte_begin, TOLD, sizeof TOLD / sizeof *TOLD);
}

/* Entity i (no row of its own) names the same test with the same value as
 * a row already listed. Bounded: only the first 256 matched rows are
 * looked at. */
static bool repeats_row(const ms_findings *f, const tstate *st, size_t i)
{
    const ms_nlp_entity *e = &f->all.v[i];
    const ms_nlp_entity *val = ms_fx_attr(f, i, "TEST_VALUE");
    if (!e->canonical || !val)
        return false;
    char buf[32];
    size_t n = val->byte_end - val->byte_begin;
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, f->text + val->byte_begin, n);
    buf[n] = '\0';
    char *endp;
    double x = strtod(buf, &endp);
    if (endp == buf)
        return false;
    size_t seen = 0;
    for (size_t k = 0; k < st->nitems && seen < 256; k++) {
        const item *it = &st->items[k];
        if (!it->row)
            continue;
        seen++;
        const ms_nlp_entity *o = &f->all.v[it->ent];
        if (it->row->value_num == x && !it->row->qualitative && o->canonical &&
            strcmp(o->canonical, e->canonical) == 0)
            return true;
    }
    return false;
}

/* "Potassium 02": a code with a leading zero, never a result to compare. */
static bool site_code(const ms_findings *f, const ms_nlp_entity *v)
{
    size_t n = v->byte_end - v->byte_begin;
    const char *t = f->text + v->byte_begin;
    return (n == 2 || n == 3) && t[0] == '0' && isdigit((unsigned char)t[1]) &&
           (n == 2 || isdigit((unsigned char)t[2]));
}

int ms_fx_tests_build(ms_findings *f)
{
    tstate *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    f->tests = st;
    if (ms_labs_read(f->text, f->len, &st->rows) < 0)
        return -1;
    st->kind = calloc(f->all.n ? f->all.n : 1, 1);
    size_t *used = calloc(st->rows.n ? st->rows.n : 1, sizeof *used);  /* entity + 1 */
    st->items = malloc((f->all.n + st->rows.n + 1) * sizeof *st->items);
    if (!st->kind || !used || !st->items) {
        free(used);
        return -1;
    }
    for (size_t i = 0; i < f->all.n; i++) {
        const ms_nlp_entity *e = &f->all.v[i];
        if (!is_test_name(e))
            continue;
        long r = row_at(&st->rows, e->byte_begin, e->byte_end);
        const ms_lab_row *row = NULL;
        if (r >= 0) {
            if (used[r]) {
                st->kind[i] = 2;      /* "Transferrin" inside "Transferrin saturation" */
                continue;
            }
            used[r] = i + 1;
            row = &st->rows.v[r];
        } else if (!ms_fx_attr(f, i, "TEST_VALUE") || site_code(f, ms_fx_attr(f, i, "TEST_VALUE")) ||
                   (st->rows.n && threshold(f, ms_fx_attr(f, i, "TEST_VALUE"))) ||
                   warning_sign(f, e, ms_fx_attr(f, i, "TEST_VALUE"))) {
            continue;
        }
        st->kind[i] = 1;
        st->items[st->nitems++] = (item){i, row, e->byte_begin, 0, 0, 0};
    }
    /* "CRITICAL VALUES: potassium 6.8 ..." repeats a row: not a second result */
    size_t kept = 0;
    for (size_t k = 0; k < st->nitems; k++) {
        item *it = &st->items[k];
        if (!it->row && repeats_row(f, st, it->ent))
            st->kind[it->ent] = 2;
        else
            st->items[kept++] = *it;
    }
    st->nitems = kept;
    for (size_t r = 0; r < st->rows.n; r++) {
        const ms_lab_row *row = &st->rows.v[r];
        bool flagged = row->flag != MS_LAB_FLAG_NONE && row->flag != MS_LAB_FLAG_NORMAL;
        bool ranged = row->unit.b < row->unit.e && (row->has_low || row->has_high);
        if (!used[r] && (flagged || ranged))
            st->items[st->nitems++] = (item){SIZE_MAX, row, row->name.b, 0, 0, 0};
    }
    free(used);
    qsort(st->items, st->nitems, sizeof *st->items, by_at);
    for (size_t k = 0; k < st->nitems; k++)
        decide(f, &st->items[k]);
    apply_words(f, st);
    return 0;
}

void ms_fx_tests_free(ms_findings *f)
{
    tstate *st = f->tests;
    if (st) {
        ms_lab_rows_free(&st->rows);
        free(st->kind);
        free(st->items);
        free(st);
    }
    f->tests = NULL;
}

size_t ms_fx_tests_count(const ms_findings *f)
{
    const tstate *st = f->tests;
    return st ? st->nitems : 0;
}

size_t ms_fx_tests_table_rows(const ms_findings *f)
{
    const tstate *st = f->tests;
    size_t n = 0;
    for (size_t r = 0; st && r < st->rows.n; r++)
        n += st->rows.v[r].has_low || st->rows.v[r].has_high ||
             (st->rows.v[r].flag != MS_LAB_FLAG_NONE && st->rows.v[r].flag != MS_LAB_FLAG_NORMAL);
    return n;
}

bool ms_fx_is_test(const ms_findings *f, size_t i)
{
    const tstate *st = f->tests;
    if (st && st->kind && i < f->all.n)
        return st->kind[i] != 0;
    return is_test_name(&f->all.v[i]) && ms_fx_attr(f, i, "TEST_VALUE") != NULL;
}

bool ms_fx_names_test(const ms_findings *f, size_t i)
{
    /* on a lab report, what its order or billing lines name ("Tests
     * Ordered: ... Vitamin B12; Urinalysis") is a test too */
    return ms_fx_in_lab_row(f, i) ||
           (i < f->all.n && f->all.v[i].section == MS_SEC_ADMIN &&
            f->report_type == MS_REPORT_LAB);
}

bool ms_fx_in_lab_row(const ms_findings *f, size_t i)
{
    const tstate *st = f->tests;
    if (!st || i >= f->all.n)
        return false;
    const ms_nlp_entity *e = &f->all.v[i];
    long r = row_at(&st->rows, e->byte_begin, e->byte_end);
    if (r < 0)
        return false;
    const ms_lab_row *row = &st->rows.v[r];
    /* a result table's row: a printed range or flag too ("Normal saline
     * 1000 mL" on a bill, "metoprolol tartrate 25 mg" are doses) */
    return row->value.b < row->value.e && row->name.b <= e->byte_begin &&
           e->byte_end <= row->name.e &&
           (row->range.b < row->range.e || row->flag != MS_LAB_FLAG_NONE);
}

/* ---- JSON ---- */

static json_t *span_json(const ms_findings *f, ms_lab_span s)
{
    return s.b < s.e ? json_stringn(f->text + s.b, s.e - s.b) : json_null();
}

static const char *flag_name(ms_lab_flag fl)
{
    switch (fl) {
    case MS_LAB_FLAG_HIGH: return "high";
    case MS_LAB_FLAG_LOW: return "low";
    case MS_LAB_FLAG_CRITICAL: return "critical";
    case MS_LAB_FLAG_ABNORMAL: return "abnormal";
    default: return NULL;
    }
}

static json_t *test_json(const ms_findings *f, const item *it)
{
    const ms_nlp_entity *e = it->ent != SIZE_MAX ? &f->all.v[it->ent] : NULL;
    const ms_lab_row *r = it->row;
    json_t *o = json_object();
    json_object_set_new(o, "text", e ? ms_fx_text(f, e) : span_json(f, r->name));
    json_object_set_new(o, "canonical", e && e->canonical ? json_string(e->canonical) : json_null());
    ms_lab_span v, u;
    value_unit(f, it, &v, &u);
    json_object_set_new(o, "value", span_json(f, v));
    json_object_set_new(o, "unit", span_json(f, u));
    if (r && r->range.b < r->range.e) {
        json_t *rr = json_object();
        json_object_set_new(rr, "low", r->has_low ? json_real(r->low) : json_null());
        json_object_set_new(rr, "high", r->has_high ? json_real(r->high) : json_null());
        json_object_set_new(rr, "unit", span_json(f, r->unit));
        json_object_set_new(rr, "text", span_json(f, r->range));
        json_object_set_new(rr, "source", json_string("report"));
        json_object_set_new(o, "reference_range", rr);
    } else if (e && e->has_range && e->unit) {
        json_t *rr = json_object();
        json_object_set_new(rr, "low", json_real(e->range_low));
        json_object_set_new(rr, "high", json_real(e->range_high));
        json_object_set_new(rr, "unit", json_string(e->unit));
        json_object_set_new(rr, "source", json_string("lexicon"));
        json_object_set_new(o, "reference_range", rr);
    }
    const char *fl = flag_name(it->flag);
    json_object_set_new(o, "flag", fl ? json_string(fl) : json_null());
    json_object_set_new(o, "direction", it->flag == MS_LAB_FLAG_NONE ? json_null()
                                        : it->dir > 0 ? json_string("high")
                                        : it->dir < 0 ? json_string("low") : json_null());
    json_object_set_new(o, "flag_source", SRC_NAME[it->src] ? json_string(SRC_NAME[it->src])
                                                            : json_null());
    json_object_set_new(o, "flag_text", r ? span_json(f, r->flag_text) : json_null());
    return o;
}

json_t *ms_fx_tests_json(const ms_findings *f)
{
    json_t *a = json_array();
    const tstate *st = f->tests;
    for (size_t k = 0; st && k < st->nitems; k++)
        json_array_append_new(a, test_json(f, &st->items[k]));
    return a;
}

/* ---- the patient text ---- */

static void span(ms_fx_sbuf *b, const ms_findings *f, ms_lab_span s)
{
    ms_fx_printf(b, "%.*s", (int)(s.e - s.b), f->text + s.b);
}

static void head(ms_fx_sbuf *b, const ms_findings *f, const item *it)
{
    ms_lab_span name = it->ent != SIZE_MAX
        ? (ms_lab_span){f->all.v[it->ent].byte_begin, f->all.v[it->ent].byte_end}
        : it->row->name;
    ms_lab_span v, u;
    value_unit(f, it, &v, &u);
    ms_fx_printf(b, "- ");
    span(b, f, name);
    ms_fx_printf(b, ": ");
    span(b, f, v);
    if (u.b < u.e) {
        ms_fx_printf(b, " ");
        span(b, f, u);
    }
}

/* "the lab's normal range of 4.5 to 11.0", "the lab's upper limit of 42" */
static void lab_range(ms_fx_sbuf *b, const ms_findings *f, const ms_lab_row *r)
{
    if (r->has_low && r->has_high) {
        ms_fx_printf(b, "the lab's normal range of ");
        span(b, f, r->low_text);
        ms_fx_printf(b, " to ");
        span(b, f, r->high_text);
    } else if (r->has_high) {
        ms_fx_printf(b, "the lab's upper limit of ");
        span(b, f, r->high_text);
    } else {
        ms_fx_printf(b, "the lab's lower limit of ");
        span(b, f, r->low_text);
    }
}

static void explain(ms_fx_sbuf *b, const ms_findings *f, const item *it)
{
    const ms_lab_row *r = it->row;
    const char *more = it->dir > 0 ? "higher" : "lower";
    if (it->flag == MS_LAB_FLAG_CRITICAL) {
        ms_fx_printf(b, ". The lab marked this as critical%s. Please contact your care team.",
                     it->dir > 0 ? " (very high)" : it->dir < 0 ? " (very low)" : "");
        return;
    }
    if (it->src == SRC_LEXICON) {
        const ms_nlp_entity *e = &f->all.v[it->ent];
        ms_fx_printf(b, ". This is %s than the usual range of %g to %g %s.", more, e->range_low,
                     e->range_high, e->unit);
        return;
    }
    /* the lab's range agrees with the direction: say it in the lab's words */
    if (it->dir && r && (r->has_low || r->has_high) && ms_lab_row_vs_range(r) == it->dir) {
        ms_fx_printf(b, ". This is %s than ", more);
        lab_range(b, f, r);
        ms_fx_printf(b, ".");
        return;
    }
    if (it->src == SRC_REPORT_WORDS) {
        ms_fx_printf(b, ". The report says this is %s.",
                     it->dir > 0 ? "high" : it->dir < 0 ? "low" : "not normal");
        return;
    }
    if (it->flag == MS_LAB_FLAG_ABNORMAL && !it->dir)
        ms_fx_printf(b, ". The lab marked this as outside its normal range.");
    else
        ms_fx_printf(b, ". The lab marked this as %s.", it->dir > 0 ? "high" : "low");
}

void ms_fx_tests_text(ms_fx_sbuf *b, const ms_findings *f)
{
    const tstate *st = f->tests;
    if (!st || !st->nitems)
        return;
    size_t nout = 0;
    for (size_t k = 0; k < st->nitems; k++)
        nout += st->items[k].flag != MS_LAB_FLAG_NONE;
    if (nout) {
        ms_fx_printf(b, "\nTest results outside the normal range:\n");
        for (int pass = 0; pass < 2; pass++)          /* critical ones first */
            for (size_t k = 0; k < st->nitems; k++) {
                const item *it = &st->items[k];
                if (it->flag == MS_LAB_FLAG_NONE ||
                    (it->flag == MS_LAB_FLAG_CRITICAL) != (pass == 0))
                    continue;
                head(b, f, it);
                explain(b, f, it);
                ms_fx_printf(b, "\n");
            }
    }
    if (nout == st->nitems)
        return;
    ms_fx_printf(b, nout ? "\nOther test results:\n" : "\nTest results:\n");
    for (size_t k = 0; k < st->nitems; k++)
        if (st->items[k].flag == MS_LAB_FLAG_NONE) {
            head(b, f, &st->items[k]);
            ms_fx_printf(b, "\n");
        }
}
