/* labs.c -- the lab-table row reader (see labs.h for what a row is).
 *
 * One pass over the lines; on each line a cursor reads words and the gaps
 * between them. parse_row() reads one row from a word and says where to go
 * on from, always past where it started, so a line costs a bounded number
 * of reads of each of its bytes. */
#include "stages/labs.h"

#include <stdint.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LINE 1024      /* longer lines are prose, not table rows */
#define MAX_NAME_WORDS 6
#define MAX_NAME_BYTES 60
#define MAX_NUM_BYTES 20

typedef const unsigned char uc;

static bool is_sp(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '|';
}

static bool is_digit(unsigned c) { return c >= '0' && c <= '9'; }

static bool is_alpha(unsigned c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* A 3-byte UTF-8 sequence e2 xx yy at p. */
static bool u3(uc *s, size_t p, size_t le, unsigned b1, unsigned b2)
{
    return p + 2 < le && s[p] == 0xE2 && s[p + 1] == b1 && s[p + 2] == b2;
}

static bool is_dash3(uc *s, size_t p, size_t le)   /* – — − */
{
    return u3(s, p, le, 0x80, 0x93) || u3(s, p, le, 0x80, 0x94) || u3(s, p, le, 0x88, 0x92);
}

/* Bytes of a dotted leader at p ("....", "___", "…", "-----"), or 0. */
static size_t leader_len(uc *s, size_t p, size_t le)
{
    size_t q = p;
    unsigned ch = s[p];
    if (u3(s, p, le, 0x80, 0xA6)) {             /* … */
        while (u3(s, q, le, 0x80, 0xA6) || (q < le && s[q] == '.')) q += s[q] == '.' ? 1 : 3;
        return q - p;
    }
    if (ch != '.' && ch != '_' && ch != '-')
        return 0;
    while (q < le && s[q] == ch) q++;
    return q - p >= 3 ? q - p : 0;
}

/* Skip spaces and leaders from p; *gap: a column gap was crossed (2+
 * spaces, a tab, '|', a leader, a lone '.' between spaces). */
static size_t skip_gap(uc *s, size_t p, size_t le, bool *gap)
{
    int spaces = 0;
    *gap = false;
    while (p < le) {
        unsigned c = s[p];
        size_t l;
        if (c == ' ') { spaces++; p++; continue; }
        if (c == 0xC2 && p + 1 < le && s[p + 1] == 0xA0) { spaces++; p += 2; continue; }
        if (c == '\t' || c == '|') { *gap = true; p++; continue; }
        if (c == '\r' || c == '\f' || c == '\v') { p++; continue; }
        if ((l = leader_len(s, p, le))) { *gap = true; p += l; continue; }
        if (c == '.' && spaces && (p + 1 == le || s[p + 1] == ' ')) { *gap = true; p++; continue; }
        break;
    }
    if (spaces >= 2)
        *gap = true;
    return p;
}

static size_t word_end(uc *s, size_t p, size_t le)
{
    while (p < le && !is_sp(s[p]) && !(s[p] == 0xC2 && p + 1 < le && s[p + 1] == 0xA0)) {
        if ((s[p] == '.' || s[p] == 0xE2 || s[p] == '_') && leader_len(s, p, le))
            break;
        p++;
    }
    return p;
}

static bool weq(uc *s, size_t b, size_t e, const char *w)
{
    /* the first letter first: most calls compare a word with a list */
    if (e <= b || tolower(s[b]) != tolower((unsigned char)w[0]))
        return false;
    size_t n = strlen(w);
    return e - b == n && strncasecmp((const char *)s + b, w, n) == 0;
}

static bool win(uc *s, size_t b, size_t e, const char *const *list)
{
    for (; *list; list++)
        if (weq(s, b, e, *list))
            return true;
    return false;
}

static bool has_letter(uc *s, size_t b, size_t e)
{
    for (; b < e; b++)
        if (is_alpha(s[b]) || s[b] >= 0x80)
            return true;
    return false;
}

/* A number at p: digits with ',' thousands groups and one '.', or ".5";
 * with sign when signed. Returns its end (p when none). */
static size_t num_at(uc *s, size_t p, size_t le, bool signed_ok, double *out)
{
    size_t q = p;
    double sign = 1;
    if (signed_ok && q + 1 < le && (s[q] == '-' || s[q] == '+') && is_digit(s[q + 1])) {
        sign = s[q] == '-' ? -1 : 1;
        q++;
    }
    size_t d0 = q;
    double v = 0;
    size_t lead = 0;
    while (q < le && is_digit(s[q])) { v = v * 10 + (s[q] - '0'); q++; lead++; }
    /* thousands groups: "14,200" (a first group of 1-3 digits) */
    while (lead && lead <= 3 && q + 3 < le && s[q] == ',' && is_digit(s[q + 1]) &&
           is_digit(s[q + 2]) && is_digit(s[q + 3]) && (q + 4 >= le || !is_digit(s[q + 4]))) {
        v = v * 1000 + (s[q + 1] - '0') * 100 + (s[q + 2] - '0') * 10 + (s[q + 3] - '0');
        q += 4;
    }
    if (q < le && s[q] == '.' && q + 1 < le && is_digit(s[q + 1])) {
        double scale = 0.1;
        q++;
        while (q < le && is_digit(s[q])) { v += scale * (s[q] - '0'); scale /= 10; q++; }
    }
    if (q == d0 || (q - d0 == 1 && s[d0] == '.') || q - p > MAX_NUM_BYTES)
        return p;
    *out = sign * v;
    return q;
}

/* A comparator at p: < <= =< > >= => ≤ ≥. Returns its end (p when none). */
static size_t cmp_at(uc *s, size_t p, size_t le, ms_lab_cmp *c)
{
    if (u3(s, p, le, 0x89, 0xA4)) { *c = MS_LAB_LE; return p + 3; }
    if (u3(s, p, le, 0x89, 0xA5)) { *c = MS_LAB_GE; return p + 3; }
    if (p >= le) return p;
    bool eq_first = s[p] == '=' && p + 1 < le && (s[p + 1] == '<' || s[p + 1] == '>');
    size_t q = eq_first ? p + 1 : p;
    if (s[q] != '<' && s[q] != '>') return p;
    bool lt = s[q] == '<';
    q++;
    bool eq = eq_first || (q < le && s[q] == '=');
    if (!eq_first && eq) q++;
    /* "> OR = 60", ">OR=60": the spelled-out "or equal" some labs print */
    if (!eq) {
        size_t o = q;
        while (o < le && s[o] == ' ') o++;
        if (o + 1 < le && (s[o] | 0x20) == 'o' && (s[o + 1] | 0x20) == 'r') {
            o += 2;
            while (o < le && s[o] == ' ') o++;
            if (o < le && s[o] == '=') {
                eq = true;
                q = o + 1;
            }
        }
    }
    *c = lt ? (eq ? MS_LAB_LE : MS_LAB_LT) : (eq ? MS_LAB_GE : MS_LAB_GT);
    return q;
}

/* ---- flags ---- */

enum { FW_NONE, FW_HIGH, FW_LOW, FW_CRIT, FW_CRIT_HIGH, FW_CRIT_LOW, FW_ABN, FW_NORMAL, FW_C };

static int flag_word(uc *s, size_t b, size_t e)
{
    while (b < e && (s[b] == '(' || s[b] == '[' || s[b] == '<')) b++;
    while (e > b && (s[e - 1] == ')' || s[e - 1] == ']' || s[e - 1] == '>' || s[e - 1] == ',' ||
                     s[e - 1] == ';' || s[e - 1] == '.' || s[e - 1] == ':'))
        e--;
    if (e == b) return FW_NONE;
    if (u3(s, b, e, 0x86, 0x91) && e - b == 3) return FW_HIGH;   /* ↑ */
    if (u3(s, b, e, 0x86, 0x93) && e - b == 3) return FW_LOW;    /* ↓ */
    static const char *const high[] = {"h", "hi", "high", "h*", "high*", "abn high", NULL};
    static const char *const low[] = {"l", "lo", "low", "l*", "low*", NULL};
    static const char *const crit[] = {"crit", "critical", "panic", "critical*", "!!", "c*",
                                       "alert", NULL};
    static const char *const abn[] = {"a", "abn", "abnormal", "*", "**", "!", "abn*", NULL};
    static const char *const norm[] = {"n", "normal", "wnl", "nl", NULL};
    if (win(s, b, e, high)) return FW_HIGH;
    if (win(s, b, e, low)) return FW_LOW;
    if (weq(s, b, e, "hh") || weq(s, b, e, "h!") || weq(s, b, e, "hh*")) return FW_CRIT_HIGH;
    if (weq(s, b, e, "ll") || weq(s, b, e, "l!") || weq(s, b, e, "ll*")) return FW_CRIT_LOW;
    if (win(s, b, e, crit)) return FW_CRIT;
    if (win(s, b, e, abn)) return FW_ABN;
    if (win(s, b, e, norm)) return FW_NORMAL;
    if (weq(s, b, e, "c")) return FW_C;
    return FW_NONE;
}

static void merge_flag(ms_lab_row *r, int fw)
{
    switch (fw) {
    case FW_HIGH: case FW_LOW:
        if (r->flag != MS_LAB_FLAG_CRITICAL)
            r->flag = fw == FW_HIGH ? MS_LAB_FLAG_HIGH : MS_LAB_FLAG_LOW;
        r->direction = fw == FW_HIGH ? 1 : -1;
        break;
    case FW_CRIT_HIGH: case FW_CRIT_LOW:
        r->direction = fw == FW_CRIT_HIGH ? 1 : -1;
        /* fall through */
    case FW_CRIT: case FW_C:
        r->flag = MS_LAB_FLAG_CRITICAL;
        break;
    case FW_ABN:
        if (r->flag == MS_LAB_FLAG_NONE || r->flag == MS_LAB_FLAG_NORMAL)
            r->flag = MS_LAB_FLAG_ABNORMAL;
        break;
    case FW_NORMAL:
        if (r->flag == MS_LAB_FLAG_NONE)
            r->flag = MS_LAB_FLAG_NORMAL;
        break;
    }
}

/* The end of a glued flag at p ("H", "LL", "*", "↑", "(H)") that reaches
 * e exactly, or p. */
static size_t glued_flag(uc *s, size_t p, size_t e, int *fw)
{
    if (p >= e || e - p > 5) return p;
    int k = flag_word(s, p, e);
    if (k == FW_NONE || k == FW_NORMAL || k == FW_C || (k == FW_ABN && s[p] != '*' && s[p] != '!'))
        return p;
    *fw = k;
    return e;
}

/* A flag (one or more flag words) at p. allow_c: "C" may mean critical.
 * The flag must be followed by the line's end, a gap, or a range. */
static size_t flag_at(uc *s, size_t p, size_t le, bool allow_c, ms_lab_row *r)
{
    size_t q = p, end = p;
    int kinds[4], nk = 0;
    bool gap = false;
    while (q < le && nk < 4) {
        size_t we = word_end(s, q, le);
        int k = flag_word(s, q, we);
        if (k == FW_NONE || (k == FW_C && !allow_c))
            break;
        kinds[nk++] = k;
        end = we;
        q = skip_gap(s, we, le, &gap);
    }
    if (!nk)
        return p;
    /* two flag words in a row ("HH ** CRITICAL") or a critical one ("LL",
     * "CRITICAL") are a flag whatever the lab writes after it ("- phoned
     * to ward 14:20"); one plain word must end its field */
    bool sure = nk >= 2 || kinds[0] == FW_CRIT || kinds[0] == FW_CRIT_HIGH ||
                kinds[0] == FW_CRIT_LOW;
    if (!sure && q < le && !gap && !is_digit(s[q]) && s[q] != '(' && s[q] != '[' &&
        s[q] != '<' && s[q] != '>' && !u3(s, q, le, 0x89, 0xA4) && !u3(s, q, le, 0x89, 0xA5))
        return p;  /* "High sensitivity CRP", "A fib": words, not a flag */
    for (int i = 0; i < nk; i++)
        merge_flag(r, kinds[i]);
    if (r->flag_text.b == r->flag_text.e)
        r->flag_text = (ms_lab_span){p, end};
    return end;
}

/* ---- units ---- */

static bool unit_word(uc *s, size_t b, size_t e)
{
    static const char *const words[] = {
        "fl", "pg", "g", "mg", "ug", "mcg", "ng", "kg", "sec", "secs", "s", "seconds", "min",
        "ratio", "index", "iu", "u", "units", "mmhg", "mm", "cm", "bpm", "meq", "mmol", "umol",
        "copies", "titer", "c", "f", "\xc2\xb0" "c", "\xc2\xb0" "f", "lb", "lbs", "ml", "cells",
        "nmol", "pmol", "miu", "mu", "uiu", "cfu", "ph", "mosm", "\xc2\xb5g", "\xce\xbcg",
        "seg", "log", "eu", "gpl", "mpl", "au", NULL};
    if (e - b > 24 || e == b)
        return false;
    if (s[b] == '%')
        return e - b == 1;
    if (win(s, b, e, words))
        return true;
    bool slash = false, caret = false;
    for (size_t i = b; i < e; i++) {
        if (s[i] == '/') slash = true;
        if (s[i] == '^' || s[i] == '*') caret = true;
        if (s[i] == '(' || s[i] == ')' || s[i] == ':' || s[i] == ',' || s[i] == '<' || s[i] == '>')
            return false;
    }
    if (!slash && !caret)
        return false;
    /* "Negative/Trace", "None seen/Few": a qualitative reference, not a unit */
    static const char *const results[] = {"negative", "positive", "neg", "pos", "trace", "few",
                                          "seen", "none", "rare", "many", "normal", "clear",
                                          "yellow", "absent", "present", NULL};
    for (size_t a = b; a < e;) {
        size_t z = a;
        while (z < e && s[z] != '/') z++;
        if (win(s, a, z, results))
            return false;
        a = z + 1;
    }
    /* a date or a fraction has no letter; a number-led unit must be "10^" */
    if (is_digit(s[b]))
        return e - b > 3 && s[b] == '1' && s[b + 1] == '0' && (s[b + 2] == '^' || s[b + 2] == '*');
    return has_letter(s, b, e) || (slash && s[b] == '/');
}

static size_t unit_at(uc *s, size_t p, size_t le)
{
    size_t we = word_end(s, p, le), e = we;
    while (e > p && (s[e - 1] == ',' || s[e - 1] == ';')) e--;
    bool gap;
    /* "x 10^9/L", "× 10^9/L" */
    if (weq(s, p, e, "x") || (e - p == 2 && s[p] == 0xC3 && s[p + 1] == 0x97)) {
        size_t q = skip_gap(s, we, le, &gap);
        size_t qe = word_end(s, q, le);
        if (!gap && q < le && s[q] == '1' && unit_word(s, q, qe))
            return qe;
        return p;
    }
    if (!unit_word(s, p, e))
        return p;
    /* "mL/min/1.73 m2", "10^9 /L", "mm Hg" */
    size_t q = skip_gap(s, we, le, &gap);
    if (!gap && q < le) {
        size_t qe = word_end(s, q, le);
        if ((e > p && s[e - 1] == '3' && (weq(s, q, qe, "m2") || weq(s, q, qe, "m^2") ||
                                          weq(s, q, qe, "m\xc2\xb2"))) ||
            (s[q] == '/' && unit_word(s, q, qe)) || (weq(s, p, e, "mm") && weq(s, q, qe, "hg")))
            return qe;
    }
    return e;
}

/* ---- ranges ---- */

static size_t spaces(uc *s, size_t p, size_t le, int max)
{
    while (max-- > 0 && p < le && s[p] == ' ') p++;
    return p;
}

static bool boundary(uc *s, size_t p, size_t le)
{
    return p >= le || is_sp(s[p]) || s[p] == ',' || s[p] == ';' || leader_len(s, p, le) ||
           (s[p] == '.' && (p + 1 >= le || is_sp(s[p + 1]))) ||   /* "(ref <0.04)." */
           (s[p] == 0xC2 && p + 1 < le && s[p + 1] == 0xA0);
}

/* A reference range at p; fills the row's range fields. */
static size_t range_at(uc *s, size_t p, size_t le, ms_lab_row *r)
{
    size_t q = p;
    static const char *const labels[] = {"ref", "ref:", "ref.", "range:", "reference:", "normal:",
                                         "nr:", "rr:", "ref.range:", "ref.:", NULL};
    for (int k = 0; k < 2; k++) {
        size_t we = word_end(s, q, le);
        if (we < le && s[we] == ' ' && win(s, q, we, labels))
            q = spaces(s, we, le, 2);
    }
    unsigned close = 0;
    if (q < le && (s[q] == '(' || s[q] == '[')) {
        close = s[q] == '(' ? ')' : ']';
        q = spaces(s, q + 1, le, 1);
        size_t we0 = word_end(s, q, le);     /* "(ref <0.04)", "(normal: 4-11)" */
        if (we0 < le && s[we0] == ' ' && win(s, q, we0, labels))
            q = spaces(s, we0, le, 2);
    }
    size_t inner = q, n, a, ae;
    double x, y;
    ms_lab_cmp c;
    bool lo = false, hi = false, los = false, his = false;
    double vlo = 0, vhi = 0;
    ms_lab_span tlo = {0, 0}, thi = {0, 0};
    size_t we = word_end(s, q, le);
    if ((weq(s, q, we, "up") && we + 3 < le && strncasecmp((const char *)s + we, " to", 3) == 0) ||
        weq(s, q, we, "upto")) {
        q = weq(s, q, we, "upto") ? we : we + 3;
        q = spaces(s, q, le, 2);
        if ((n = num_at(s, q, le, false, &x)) == q) return p;
        hi = true; vhi = x; thi = (ms_lab_span){q, n};
        q = n;
    } else if ((a = cmp_at(s, q, le, &c)) != q) {
        a = spaces(s, a, le, 2);
        if ((n = num_at(s, a, le, false, &x)) == a) return p;
        if (c == MS_LAB_LT || c == MS_LAB_LE) {
            hi = true; vhi = x; his = c == MS_LAB_LT; thi = (ms_lab_span){a, n};
        } else {
            lo = true; vlo = x; los = c == MS_LAB_GT; tlo = (ms_lab_span){a, n};
        }
        q = n;
    } else {
        if ((n = num_at(s, q, le, true, &x)) == q) return p;
        a = q;
        ae = n;
        q = spaces(s, n, le, 2);
        if (q < le && s[q] == '-') q++;
        else if (is_dash3(s, q, le)) q += 3;
        else if (q + 1 < le && (s[q] | 0x20) == 't' && (s[q + 1] | 0x20) == 'o' && q > n) q += 2;
        else return p;
        q = spaces(s, q, le, 2);
        size_t b2 = q;
        if ((n = num_at(s, q, le, true, &y)) == q || y < x) return p;
        lo = hi = true; vlo = x; vhi = y;
        tlo = (ms_lab_span){a, ae}; thi = (ms_lab_span){b2, n};
        q = n;
    }
    size_t inner_end = q;
    if (close) {
        q = spaces(s, q, le, 1);
        if (q >= le || s[q] != close) return p;
        q++;
    }
    if (!boundary(s, q, le))
        return p;
    r->range = (ms_lab_span){inner, inner_end};
    r->has_low = lo; r->has_high = hi;
    r->low = vlo; r->high = vhi;
    r->low_strict = los; r->high_strict = his;
    r->low_text = tlo; r->high_text = thi;
    return q;
}

/* ---- values and names ---- */

/* A word result ("Positive", "Not detected"): its end, or p. */
static size_t qual_at(uc *s, size_t p, size_t le)
{
    static const char *const one[] = {
        "positive", "negative", "pos", "neg", "trace", "small", "moderate", "large", "many", "few",
        "rare", "occasional", "none", "detected", "reactive", "nonreactive", "non-reactive",
        "present", "absent", "clear", "cloudy", "hazy", "turbid", "yellow", "amber", "straw",
        "equivocal", "indeterminate", "borderline", NULL};
    size_t we = word_end(s, p, le), e = we;
    while (e > p && (s[e - 1] == ',' || s[e - 1] == ';' || s[e - 1] == '.')) e--;
    /* every word above and below has 3 to 13 letters: most words of a
     * report (numbers, long words, punctuation) stop here */
    if (e - p < 3 || e - p > 13 || !is_alpha(s[p]))
        return p;
    if (weq(s, p, e, "not") || weq(s, p, e, "none") || weq(s, p, e, "non")) {
        size_t q = spaces(s, we, le, 1);
        size_t qe = word_end(s, q, le);
        if (q > we && (weq(s, q, qe, "detected") || weq(s, q, qe, "seen") ||
                       weq(s, q, qe, "reactive")))
            return qe;
    }
    return win(s, p, e, one) ? e : p;
}

/* A value at p (one word, or a comparator word and a number). Returns its
 * end, or p; sets the row's value fields and a glued flag. */
static size_t value_at(uc *s, size_t p, size_t le, ms_lab_row *r, int *fw)
{
    size_t we = word_end(s, p, le), q = p, n;
    ms_lab_cmp c = MS_LAB_EQ;
    double x;
    *fw = FW_NONE;
    size_t a = cmp_at(s, q, le, &c);
    if (a != q && a == we) {              /* "<" then " 5" */
        bool gap;
        q = skip_gap(s, a, le, &gap);
        if (gap || q == a) return p;
        we = word_end(s, q, le);
    } else {
        q = a;
    }
    /* "WBC 01   14.2": a two-digit code with a leading zero (the
     * performing lab's site) belongs to the name, it is no result */
    if (c == MS_LAB_EQ && we - q >= 2 && we - q <= 3 && s[q] == '0' && is_digit(s[q + 1]) &&
        (we - q == 2 || is_digit(s[q + 2])))
        return p;
    /* "2+": a graded result (a urine dipstick's 1+ to 4+), qualitative */
    if (c == MS_LAB_EQ && we - q == 2 && s[q] >= '1' && s[q] <= '4' && s[q + 1] == '+') {
        r->value = (ms_lab_span){p, we};
        r->qualitative = true;
        return we;
    }
    if ((n = num_at(s, q, le, false, &x)) == q) {
        size_t qe = c == MS_LAB_EQ ? qual_at(s, q, le) : q;
        if (qe == q)
            return p;
        r->value = (ms_lab_span){p, qe};
        r->qualitative = true;
        return qe;
    }
    if (n < we && c == MS_LAB_EQ && s[n] == '-' && n + 1 < we && is_digit(s[n + 1])) {
        double y;                          /* a count range: "25-50" */
        size_t m = num_at(s, n + 1, we, false, &y);
        if (m == we && y >= x) {
            r->value = (ms_lab_span){p, m};
            r->value_num = x;
            r->value_hi = y;
            r->value_range = true;
            return we;
        }
        return p;
    }
    if (n < we) {
        if (s[n] == '-' || is_dash3(s, n, we) || s[n] == '/' || s[n] == ':')
            return p;                      /* a range, date, time, fraction */
        if (glued_flag(s, n, we, fw) != we)
            return p;
    }
    r->value = (ms_lab_span){p, n};
    r->value_num = x;
    r->value_cmp = c;
    return we;
}

static const char *const label_words[] = {
    "page", "mrn", "dob", "d.o.b.", "phone", "tel", "tel.", "telephone", "fax", "mobile", "date",
    "collected", "received", "reported", "printed", "accession", "acc", "room", "bed", "ward",
    "account", "acct", "visit", "encounter", "npi", "zip", "postcode", "ssn", "nhs", "id",
    "patient", "dr", "dr.", "doctor", "physician", "provider", "requisition", "order", "ordered",
    "invoice", "claim", "amount", "balance", "price", "fee", "charge", "cpt", "qty", "quantity",
    "age", "sex", "gender", "lab", "no", "no.", "ref", "tube", "ext", "policy", "member", "apt",
    "suite", "po", "box", "street", "st", "road", "rd", "version", "rev", "report", NULL};
static const char *const prose_words[] = {
    "is", "was", "were", "are", "be", "been", "has", "have", "had", "given", "gave", "take",
    "taking", "took", "started", "please", "we", "he", "she", "you", "your", "our", "if", "when",
    "then", "than", "because", "should", "would", "will", "may", "can", "could", "after",
    "about", "approximately", "every", "each", "since", "last", "next", NULL};

/* Words no test's name starts with: "5 ng/L at 3 h" is a time in prose,
 * not a row "at" with a result of 3 flagged H. */
static const char *const joining_words[] = {
    "at", "of", "in", "on", "to", "and", "or", "by", "for", "from", "with", "the", "an",
    "over", "under", "within", NULL};

static bool name_ok(uc *s, size_t b, size_t e, int nwords)
{
    if (e - b > MAX_NAME_BYTES || nwords > MAX_NAME_WORDS || !(is_alpha(s[b]) || s[b] >= 0x80 ||
                                                               is_digit(s[b])))
        return false;
    if (!has_letter(s, b, e) || win(s, b, word_end(s, b, e), joining_words))
        return false;
    for (size_t w = b; w < e;) {
        size_t we = w;
        while (we < e && s[we] != ' ') we++;
        size_t te = we;
        while (te > w && (s[te - 1] == ':' || s[te - 1] == ',' || s[te - 1] == '#')) te--;
        if (win(s, w, te, label_words) || win(s, w, te, prose_words))
            return false;
        w = we;
        while (w < e && s[w] == ' ') w++;
    }
    return true;
}

/* "9.1   09/01/2025": the previous result and its date, a column some
 * labs print between the result and the unit. Returns the end, or p. */
static size_t previous_result_at(uc *s, size_t p, size_t le)
{
    double x;
    size_t we = word_end(s, p, le);
    if (num_at(s, p, le, false, &x) != we)
        return p;
    bool gap;
    size_t d = skip_gap(s, we, le, &gap), de = word_end(s, d, le);
    int slashes = 0, digits = 0;
    for (size_t k = d; k < de; k++) {
        if (s[k] == '/')
            slashes++;
        else if (is_digit(s[k]))
            digits++;
        else
            return p;
    }
    return slashes == 2 && digits >= 4 && digits <= 8 ? de : p;
}

/* One row from the word at p. Returns true with *r filled; *next is where
 * to go on from (> p), on success and on failure. */
static bool parse_row(uc *s, size_t lb, size_t p, size_t le, ms_lab_row *r, size_t *next)
{
    memset(r, 0, sizeof *r);
    r->line = (ms_lab_span){lb, le};
    size_t nb = p, ne = p;
    int nw = 0, fw = FW_NONE;
    bool gap = false;
    for (;;) {
        if (p >= le) { *next = le; return false; }
        size_t we = word_end(s, p, le);
        if (we == p) { *next = le; return false; }   /* defensive: no progress */
        if (nw > 0) {
            size_t ve = value_at(s, p, le, r, &fw);
            if (ve != p) { p = ve; break; }
        }
        if (nw > 0 && gap) nw = 0;                     /* a column gap: new name */
        if (nw == 0) {
            nb = p;
            /* "1.", "-", "•", "2026-05-20": not the start of a name */
            if (!has_letter(s, p, we) || (we - p == 3 && u3(s, p, le, 0x80, 0xA2))) {
                p = skip_gap(s, we, le, &gap);
                continue;
            }
        }
        nw++;
        ne = we;
        p = skip_gap(s, we, le, &gap);
    }
    size_t after_value = p;
    while (ne > nb && (s[ne - 1] == ':' || s[ne - 1] == '-' || s[ne - 1] == ',' ||
                       s[ne - 1] == '=' || s[ne - 1] == '.'))
        ne--;
    /* the performing lab's code ("Protein 01") is not part of the name */
    if (ne - nb > 3 && nw > 1) {
        size_t c0 = ne;
        while (c0 > nb && is_digit(s[c0 - 1])) c0--;
        if ((ne - c0 == 2 || ne - c0 == 3) && s[c0] == '0' && c0 > nb && s[c0 - 1] == ' ') {
            ne = c0 - 1;
            while (ne > nb && s[ne - 1] == ' ') ne--;
            nw--;
        }
    }
    if (ne == nb || !name_ok(s, nb, ne, nw)) { *next = after_value; return false; }
    r->name = (ms_lab_span){nb, ne};
    if (fw != FW_NONE) {
        merge_flag(r, fw);
        r->flag_text = (ms_lab_span){r->value.e, after_value};
    }
    bool has_unit = false, has_range = false, has_flag = fw != FW_NONE;
    for (int items = 0; items < 8; items++) {
        size_t q = skip_gap(s, p, le, &gap), e;
        if (q >= le) break;
        if ((e = flag_at(s, q, le, has_unit || has_range, r)) != q) {
            has_flag = true; p = e; continue;
        }
        if (!has_range && !r->qualitative && (e = range_at(s, q, le, r)) != q) {
            has_range = true; p = e; continue;
        }
        if (!has_range && r->qualitative && (e = qual_at(s, q, le)) != q) {
            has_range = true; r->range = (ms_lab_span){q, e}; p = e; continue;
        }
        if (!has_unit && !has_range && (e = previous_result_at(s, q, le)) != q) {
            p = e; continue;                   /* not this row's result */
        }
        if (has_unit && has_range && (e = unit_at(s, q, le)) != q) {
            p = e; continue;                   /* "0-5 /hpf": the unit again */
        }
        if (!has_unit && (e = unit_at(s, q, le)) != q) {
            has_unit = true; r->unit = (ms_lab_span){q, e}; p = e; continue;
        }
        if (gap || has_range || has_flag) break;  /* the row ends before q */
        *next = q;
        return false;
    }
    *next = p > after_value ? p : after_value;
    if (r->qualitative || r->value_range)
        return has_range || has_flag;
    return has_unit || has_range || has_flag;
}

static int push(ms_lab_rows *out, const ms_lab_row *r)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        ms_lab_row *v = realloc(out->v, cap * sizeof *v);
        if (!v) return -1;
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n++] = *r;
    return 0;
}

int ms_labs_read(const char *text, size_t len, ms_lab_rows *out)
{
    uc *s = (uc *)text;
    if (!text) return 0;
    for (size_t lb = 0; lb < len;) {
        const void *nl = memchr(s + lb, '\n', len - lb);
        size_t le = nl ? (size_t)((uc *)nl - s) : len;
        if (le - lb <= MAX_LINE) {
            bool gap;
            size_t p = skip_gap(s, lb, le, &gap);
            while (p < le) {
                ms_lab_row r;
                size_t next;
                if (parse_row(s, lb, p, le, &r, &next) && push(out, &r) < 0)
                    return -1;
                if (next <= p) next = word_end(s, p, le);   /* always progress */
                if (next <= p) next = p + 1;
                p = skip_gap(s, next, le, &gap);
            }
        }
        lb = le + 1;
    }
    return 0;
}

void ms_lab_rows_free(ms_lab_rows *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

int ms_lab_row_vs_range(const ms_lab_row *r)
{
    if (!r->has_low && !r->has_high)
        return 0;
    double v = r->value_num;
    if (r->qualitative)
        return 0;
    if (r->value_range) {               /* all of "25-50" on one side */
        if (r->has_high && (v > r->high || (r->high_strict && v >= r->high))) return 1;
        if (r->has_low && (r->value_hi < r->low || (r->low_strict && r->value_hi <= r->low)))
            return -1;
        return 0;
    }
    switch (r->value_cmp) {
    case MS_LAB_EQ:
        if (r->has_low && (v < r->low || (r->low_strict && v <= r->low))) return -1;
        if (r->has_high && (v > r->high || (r->high_strict && v >= r->high))) return 1;
        return 0;
    case MS_LAB_LT: case MS_LAB_LE:   /* "<5": all of it below the low bound? */
        return r->has_low && v <= r->low ? -1 : 0;
    case MS_LAB_GT: case MS_LAB_GE:
        return r->has_high && v >= r->high ? 1 : 0;
    }
    return 0;
}
