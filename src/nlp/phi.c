/* phi.c -- PROTECTED_HEALTH_INFORMATION and TIME_EXPRESSION entities (see
 * phi.h).
 *
 * One forward pass. At each word start the matchers are tried in priority
 * order (e-mail, URL, date, phone, labelled ID, age, street address, time
 * expression, titled or labelled name, profession, state + ZIP); the first
 * that matches emits an entity and the scan resumes after it, so entities
 * never overlap. Every matcher looks at most a bounded number of bytes
 * ahead, so the pass is linear in len. Spans follow the service: an age is
 * the number ("67" of "67-year-old"), a name is the name without its title
 * or label, an ID is the value after its label. */
#include "nlp/phi.h"
#include "nlp/phi_scan.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PHI "PROTECTED_HEALTH_INFORMATION"

/* ---- output ---- */

typedef struct {
    ms_nlp_result *out;
    size_t cp_pos, cp;       /* code points before byte cp_pos */
    int oom;
} emitter;

static size_t cp_to(emitter *em, const txt *x, size_t pos)
{
    while (em->cp_pos < pos && em->cp_pos < x->len) {
        if ((AT(em->cp_pos) & 0xC0) != 0x80)
            em->cp++;
        em->cp_pos++;
    }
    return em->cp;
}

static void emit(emitter *em, const txt *x, size_t a, size_t b,
                 const char *cat, const char *type, float score)
{
    if (em->oom || b <= a)
        return;
    ms_nlp_result *r = em->out;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        ms_nlp_entity *v = realloc(r->v, cap * sizeof *v);
        if (!v) {
            em->oom = 1;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    ms_nlp_entity *e = &r->v[r->n++];
    memset(e, 0, sizeof *e);
    e->byte_begin = a;
    e->byte_end = b;
    e->begin = cp_to(em, x, a);
    e->end = cp_to(em, x, b);
    e->score = score;
    e->category = cat;
    e->type = type;
    e->parent = -1;
    e->is_attribute = false;
    e->section = MS_SEC_NONE;
}

/* ---- e-mail, URL ---- */

static bool email_local(unsigned char c)
{
    return is_an(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static size_t m_email(const txt *x, size_t i)
{
    size_t j = i;
    while (j < x->len && j < i + 64 && email_local(AT(j)))
        j++;
    if (j == i || AT(j) != '@')
        return 0;
    size_t d = j + 1, e = d, lastdot = 0;
    while (e < x->len && e < d + 255 && (is_an(AT(e)) || AT(e) == '-' || AT(e) == '.')) {
        if (AT(e) == '.')
            lastdot = e;
        e++;
    }
    while (e > d && AT(e - 1) == '.')
        e--;
    if (!lastdot || lastdot >= e || e - lastdot - 1 < 2 || lastdot == d)
        return 0;
    for (size_t k = lastdot + 1; k < e; k++)
        if (!is_al(AT(k)))
            return 0;
    return e;
}

/* Can an e-mail address start at i? Its '@' comes at most 64 bytes later
 * (m_email). *at is the next '@' at or after an earlier position
 * (SIZE_MAX: none left); it is moved on when i has passed it. */
static bool email_near(const txt *x, size_t i, size_t *at)
{
    if (*at < i) {
        const char *p = memchr(x->t + i, '@', x->len - i);
        *at = p ? (size_t)(p - x->t) : SIZE_MAX;
    }
    return *at != SIZE_MAX && *at - i <= 64;
}

static size_t m_url(const txt *x, size_t i)
{
    size_t j;
    if (eq_ci(x, i, i + 7, "http://"))
        j = i + 7;
    else if (eq_ci(x, i, i + 8, "https://"))
        j = i + 8;
    else if (eq_ci(x, i, i + 4, "www.") && is_an(AT(i + 4)))
        j = i + 4;
    else
        return 0;
    size_t e = j;
    while (e < x->len && e < j + 2048 && AT(e) > ' ' && AT(e) != '"' &&
           AT(e) != '<' && AT(e) != '>')
        e++;
    while (e > j && strchr(".,;:!?)]'", AT(e - 1)))
        e--;
    return e > j ? e : 0;
}

/* ---- dates ---- */

static const char *const MONTHS[] = {
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"};

/* A capitalised month name at i; end of it (with an optional '.'). */
static size_t month_at(const txt *x, size_t i)
{
    if (!is_up(AT(i)))
        return 0;
    size_t e = run_alpha(x, i);
    if (is_an(AT(e)) || in_list(x, i, e, MONTHS, N(MONTHS)) < 0)
        return 0;
    if (AT(e) == '.')
        e++;
    return e;
}

/* A day number 1..31 with optional st/nd/rd/th at i; its end. */
static size_t day_at(const txt *x, size_t i)
{
    size_t e = run_digit(x, i);
    if (e == i || e - i > 2)
        return 0;
    long d = num(x, i, e);
    if (d < 1 || d > 31)
        return 0;
    size_t s = run_alpha(x, e);
    if (s > e && (eq_ci(x, e, s, "st") || eq_ci(x, e, s, "nd") ||
                  eq_ci(x, e, s, "rd") || eq_ci(x, e, s, "th")))
        e = s;
    if (is_an(AT(e)))
        return 0;
    return e;
}

static size_t year_at(const txt *x, size_t i)
{
    size_t e = run_digit(x, i);
    if (e - i != 4 || is_an(AT(e)))
        return 0;
    long y = num(x, i, e);
    return (y >= 1900 && y <= 2100) ? e : 0;
}

static size_t m_date(const txt *x, size_t i)
{
    unsigned char c = AT(i);
    if (is_dg(c)) {
        size_t a = run_digit(x, i);
        unsigned char s = AT(a);
        /* 2026-03-02 */
        if (a - i == 4 && (s == '-' || s == '/') && is_dg(AT(a + 1))) {
            size_t b = run_digit(x, a + 1);
            if (b - a - 1 <= 2 && AT(b) == s && is_dg(AT(b + 1))) {
                size_t d = run_digit(x, b + 1);
                long mo = num(x, a + 1, b), dy = num(x, b + 1, d);
                if (d - b - 1 <= 2 && !is_an(AT(d)) && mo >= 1 && mo <= 12 &&
                    dy >= 1 && dy <= 31 && year_at(x, i))
                    return d;
            }
            return 0;
        }
        /* 03/02/2026, 3-2-26, 03.02.2026, 03/2026 */
        if (a - i <= 2 && (s == '/' || s == '-' || s == '.') && is_dg(AT(a + 1))) {
            size_t b = run_digit(x, a + 1);
            long p1 = num(x, i, a);
            if (b - a - 1 == 4 && s == '/' && !is_an(AT(b)) &&
                !(AT(b) == '/' && is_dg(AT(b + 1))) && p1 >= 1 && p1 <= 12 &&
                year_at(x, a + 1))
                return b;                      /* 03/2026 */
            if (b - a - 1 <= 2 && AT(b) == s && is_dg(AT(b + 1))) {
                size_t d = run_digit(x, b + 1);
                long p2 = num(x, a + 1, b);
                size_t yl = d - b - 1;
                if ((yl == 2 || yl == 4) && !is_an(AT(d)) &&
                    !(AT(d) == s && is_dg(AT(d + 1))) && p1 >= 1 && p2 >= 1 &&
                    ((p1 <= 12 && p2 <= 31) || (p2 <= 12 && p1 <= 31)) &&
                    (yl == 2 || year_at(x, b + 1)))
                    return d;
            }
            return 0;
        }
        /* 2 March 2026, 2nd March, 2 Mar */
        size_t de = day_at(x, i);
        if (de) {
            size_t m = skip_sp(x, de);
            if (m < x->len && eq_ci(x, m, m + 3, "of ") )
                m = skip_sp(x, m + 3);
            size_t me = month_at(x, m);
            if (me && m > de) {
                size_t y = skip_sp(x, AT(me) == ',' ? me + 1 : me);
                size_t ye = year_at(x, y);
                return ye && y > me ? ye : me;
            }
        }
        return 0;
    }
    /* March 2, 2026 / Mar 2026 / March 2 */
    size_t me = month_at(x, i);
    if (!me)
        return 0;
    size_t p = skip_sp(x, me);
    if (p == me)
        return 0;
    size_t ye = year_at(x, p);
    if (ye)
        return ye;
    size_t de = day_at(x, p);
    if (!de)
        return 0;
    size_t q = de;
    if (AT(q) == ',')
        q++;
    q = skip_sp(x, q);
    ye = q > de ? year_at(x, q) : 0;
    return ye ? ye : de;
}

/* ---- phone / fax ---- */

static bool phone_context(const txt *x, size_t i)
{
    static const char *const kw[] = {"phone", "tel", "telephone", "fax",
                                     "cell", "pager", "mobile", "call",
                                     "contact", "ph", "number"};
    size_t lo = i > 24 ? i - 24 : 0;
    for (size_t k = lo; k < i; k++) {
        if (!is_al(AT(k)) || (k > 0 && is_al(AT(k - 1))))
            continue;
        size_t e = run_alpha(x, k);
        if (in_list(x, k, e, kw, N(kw)) >= 0)
            return true;
    }
    return false;
}

static size_t m_phone(const txt *x, size_t i)
{
    if (i > 0 && (is_dg(AT(i - 1)) || AT(i - 1) == '-' || AT(i - 1) == '/'))
        return 0;
    size_t j = i, digits = 0, groups = 0, last = i;
    bool paren = false;
    if (AT(j) == '+') {
        j++;
        if (!is_dg(AT(j)))
            return 0;
    }
    while (j < x->len && j < i + 24) {
        unsigned char c = AT(j);
        if (is_dg(c)) {
            size_t e = run_digit(x, j);
            digits += e - j;
            groups++;
            j = e;
            last = e;
            continue;
        }
        if (c == '(' && groups <= 1 && !paren) {
            paren = true;
            j++;
            continue;
        }
        if ((c == ')' || c == '-' || c == '.' || c == ' ') && is_dg(AT(j + 1))) {
            j++;
            continue;
        }
        if (c == ')' && AT(j + 1) == ' ' && is_dg(AT(j + 2))) {
            j += 2;
            continue;
        }
        break;
    }
    if (is_al(AT(last)) || (AT(last) == '-' && is_dg(AT(last + 1))))
        return 0;
    if ((digits == 10 && groups >= 2) || (digits == 11 && AT(i) != '0' && groups >= 3))
        return last;
    if (digits == 7 && groups == 2 && AT(i + 3) == '-' && phone_context(x, i))
        return last;
    return 0;
}

/* ---- labelled ID ---- */

/* A label ("MRN", "Account #", "Medical record number:") at i: returns the
 * start of its value, or 0. */
static size_t id_label(const txt *x, size_t i)
{
    static const char *const one[] = {"mrn", "mr#", "ssn", "acct", "account",
                                      "id", "accession", "chart", "fin",
                                      "csn", "encounter", "member", "policy"};
    static const char *const two1[] = {"record", "patient", "member", "policy",
                                       "insurance", "chart", "account",
                                       "security", "case", "specimen"};
    size_t e = run_alpha(x, i);
    if (e == i)
        return 0;
    bool ok = in_list(x, i, e, one, N(one)) >= 0;
    if (AT(e) == '#' && (eq_ci(x, i, e, "mr") || eq_ci(x, i, e, "mrn")))
        ok = true, e++;
    if (!ok) {
        /* "Medical record number", "Social security number", "Patient ID" */
        size_t w = i, last = i;
        for (int k = 0; k < 3; k++) {
            size_t we = run_alpha(x, w);
            if (we == w)
                break;
            if (in_list(x, w, we, two1, N(two1)) >= 0) {
                size_t n2 = skip_sp(x, we), n2e = run_alpha(x, n2);
                if (n2 > we && (eq_ci(x, n2, n2e, "number") || eq_ci(x, n2, n2e, "no") ||
                                eq_ci(x, n2, n2e, "id") || eq_ci(x, n2, n2e, "num") ||
                                AT(n2) == '#')) {
                    ok = true;
                    last = AT(n2) == '#' ? n2 + 1 : n2e;
                    break;
                }
                if (AT(we) == '#') {
                    ok = true;
                    last = we + 1;
                    break;
                }
            }
            w = skip_sp(x, we);
            if (w == we)
                break;
        }
        if (!ok)
            return 0;
        e = last;
    }
    /* optional "number", "no.", "#", ":" between label and value */
    size_t p = skip_sp(x, e);
    size_t pe = run_alpha(x, p);
    if (pe > p && (eq_ci(x, p, pe, "number") || eq_ci(x, p, pe, "no") ||
                   eq_ci(x, p, pe, "num"))) {
        p = pe;
        if (AT(p) == '.')
            p++;
    }
    p = skip_sp(x, p);
    if (AT(p) == '#' || AT(p) == ':')
        p = skip_sp(x, p + 1);
    if (AT(p) == '#' || AT(p) == ':')
        p = skip_sp(x, p + 1);
    return p > e ? p : 0;
}

static size_t id_value(const txt *x, size_t p)
{
    size_t e = p, digits = 0;
    while (e < x->len && e < p + 40 && (is_an(AT(e)) || ((AT(e) == '-' || AT(e) == '/') &&
                                                        is_an(AT(e + 1))))) {
        digits += is_dg(AT(e));
        e++;
    }
    return (digits > 0 && e - p >= 3) ? e : 0;
}

/* ---- age ---- */



static bool age_unit(const txt *x, size_t i, size_t *end)
{
    return word_at(x, i, "year", end) || word_at(x, i, "years", end) ||
           word_at(x, i, "yr", end) || word_at(x, i, "yrs", end) ||
           word_at(x, i, "month", end) || word_at(x, i, "months", end) ||
           word_at(x, i, "week", end) || word_at(x, i, "weeks", end) ||
           word_at(x, i, "day", end) || word_at(x, i, "days", end);
}

/* Number at i that is an age: returns its end, *is_age set. */
static size_t m_age(const txt *x, size_t i, size_t *val_b, size_t *val_e)
{
    size_t e;
    /* "age 58", "aged 58", "age: 58", "age of 58" */
    if (word_at(x, i, "age", &e) || word_at(x, i, "aged", &e)) {
        size_t p = skip_sp(x, e);
        if (AT(p) == ':')
            p = skip_sp(x, p + 1);
        size_t oe;
        if (word_at(x, p, "of", &oe))
            p = skip_sp(x, oe);
        size_t d = run_digit(x, p);
        if (p > e && d > p && d - p <= 3 && !is_an(AT(d)) && num(x, p, d) <= 130) {
            *val_b = p;
            *val_e = d;
            return d;
        }
        return 0;
    }
    size_t d = run_digit(x, i);
    if (d == i || d - i > 3 || num(x, i, d) > 130)
        return 0;
    size_t u = sep(x, d), ue;
    /* 67 y/o, 67yo, 67 y.o. */
    if (eq_ci(x, u, u + 3, "y/o") || eq_ci(x, u, u + 4, "y.o.")) {
        *val_b = i;
        *val_e = d;
        return d;
    }
    if (word_at(x, u, "yo", &ue) || word_at(x, u, "yof", &ue) ||
        word_at(x, u, "yom", &ue)) {
        *val_b = i;
        *val_e = d;
        return d;
    }
    if (!age_unit(x, u, &ue))
        return 0;
    size_t o = sep(x, ue), oe;
    if (word_at(x, o, "old", &oe)) {
        *val_b = i;
        *val_e = d;
        return d;
    }
    if (word_at(x, o, "of", &oe)) {
        size_t a = skip_sp(x, oe), ae;
        if (word_at(x, a, "age", &ae)) {
            *val_b = i;
            *val_e = d;
            return d;
        }
    }
    return 0;
}

/* ---- street address, state + ZIP ---- */

static const char *const STATES[] = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID",
    "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS",
    "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK",
    "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "PR"};

/* "PA 15213", "PA 15213-1234" at i: end, or 0. */
static size_t state_zip(const txt *x, size_t i)
{
    if (!is_up(AT(i)) || !is_up(AT(i + 1)) || is_an(AT(i + 2)))
        return 0;
    bool ok = false;
    for (size_t k = 0; k < N(STATES) && !ok; k++)
        ok = AT(i) == (unsigned char)STATES[k][0] &&
             AT(i + 1) == (unsigned char)STATES[k][1];
    if (!ok)
        return 0;
    size_t z = skip_sp(x, i + 2);
    size_t ze = run_digit(x, z);
    if (z == i + 2 || ze - z != 5)
        return 0;
    if (AT(ze) == '-' && run_digit(x, ze + 1) == ze + 5)
        ze += 5;
    return is_an(AT(ze)) ? 0 : ze;
}

static size_t m_address(const txt *x, size_t i)
{
    static const char *const suffix[] = {
        "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd",
        "lane", "ln", "drive", "dr", "court", "ct", "way", "place", "pl",
        "terrace", "parkway", "pkwy", "highway", "hwy", "circle", "cir",
        "square", "sq", "trail", "pike"};
    size_t d = run_digit(x, i);
    if (d == i || d - i > 6 || !(AT(d) == ' '))
        return 0;
    size_t w = skip_sp(x, d), end = 0;
    for (int k = 0; k < 5; k++) {
        if (!is_up(AT(w)) && !is_dg(AT(w)))
            break;
        size_t we = run_alnum(x, w);
        if (k > 0 && in_list(x, w, we, suffix, N(suffix)) >= 0) {
            end = we;
            if (AT(end) == '.')
                end++;
            break;
        }
        size_t n2 = skip_sp(x, we);
        if (n2 == we)
            break;
        w = n2;
    }
    if (!end)
        return 0;
    /* ", Apt 4B" and ", Pittsburgh, PA 15213" when they follow */
    size_t p = end, q = skip_sp(x, AT(end) == ',' ? end + 1 : end), qe;
    if (word_at(x, q, "apt", &qe) || word_at(x, q, "suite", &qe) ||
        word_at(x, q, "unit", &qe) || AT(q) == '#') {
        size_t v = skip_sp(x, AT(q) == '#' ? q + 1 : (AT(qe) == '.' ? qe + 1 : qe));
        size_t ve = run_alnum(x, v);
        if (ve > v) {
            p = ve;
            q = skip_sp(x, AT(p) == ',' ? p + 1 : p);
        }
    }
    size_t sz = state_zip(x, q);
    if (!sz) {
        size_t r = q;
        for (int k = 0; k < 4 && is_up(AT(r)); k++) {
            r = run_alpha(x, r);
            if (AT(r) == ' ' && is_up(AT(r + 1)))
                r++;
        }
        if (r > q) {
            size_t s2 = skip_sp(x, AT(r) == ',' ? r + 1 : r);
            sz = s2 > r ? state_zip(x, s2) : 0;
        }
    }
    return sz ? sz : p;
}

/* Every lower-case word that can start a word-led matcher (ID labels, age,
 * time expressions, name titles and labels, professions, URLs), sorted. A
 * lower-case word not in it can only start an e-mail address, so the pass
 * skips the other matchers for most words of a note. */
static const char *const TRIGGER_WORDS[] = {
    "a", "accession", "account", "acct", "age", "aged", "an", "at",
    "attending", "by", "case", "chart", "couple", "csn", "dr", "eight",
    "eleven", "employed", "encounter", "few", "fin", "five", "four",
    "hospital", "http", "https", "id", "insurance", "last", "member", "miss",
    "mr", "mrn", "mrs", "ms", "mx", "name", "next", "nine", "nurse",
    "occupation", "on", "one", "overnight", "past", "patient", "pcp",
    "physician", "policy", "post-operative", "postoperative", "previous",
    "prof", "provider", "record", "resident", "retired", "security", "seven",
    "several", "six", "specimen", "ssn", "surgeon", "ten", "this", "three",
    "today", "tonight", "twelve", "two", "upon", "worked", "working", "works",
    "www", "yesterday",};

/* The trigger words by first letter: TRIGGER_WORDS[trigger_first[l]] up
 * to TRIGGER_WORDS[trigger_first[l + 1]] start with letter 'a' + l (the
 * list is sorted), trigger_len[k] is the length of TRIGGER_WORDS[k]; bit
 * L of trigger_lens[l] is set when one of them is L bytes long. Most words
 * of a note fail the length test, the rest compare with a few words of
 * their letter (a binary search over the list was 9 % of the engine). */
static uint32_t trigger_lens[26];
static unsigned char trigger_first[27], trigger_len[N(TRIGGER_WORDS)];
static pthread_once_t trigger_once = PTHREAD_ONCE_INIT;

static void trigger_init(void)
{
    size_t k = 0;
    for (int l = 0; l < 26; l++) {
        trigger_first[l] = (unsigned char)k;
        for (; k < N(TRIGGER_WORDS) && TRIGGER_WORDS[k][0] == 'a' + l; k++) {
            size_t n = strlen(TRIGGER_WORDS[k]);
            trigger_len[k] = (unsigned char)n;
            if (n < 32)
                trigger_lens[l] |= 1u << n;
        }
    }
    trigger_first[26] = (unsigned char)k;
}

static bool is_trigger(const txt *x, size_t a, size_t b)
{
    unsigned char c0 = lc(AT(a));
    if (b <= a || !is_lo(c0) || b - a >= 32 || !(trigger_lens[c0 - 'a'] >> (b - a) & 1u))
        return false;
    size_t n = b - a;
    for (size_t k = trigger_first[c0 - 'a']; k < trigger_first[c0 - 'a' + 1]; k++) {
        if (trigger_len[k] != n)
            continue;
        const char *w = TRIGGER_WORDS[k];
        size_t j = 1;
        while (j < n && lc(AT(a + j)) == (unsigned char)w[j])
            j++;
        if (j == n)
            return true;
    }
    return false;
}

/* ---- the pass ---- */

int ms_phi_find(const char *text, size_t len, ms_nlp_result *out)
{
    if (!text || !out)
        return 0;
    txt xx = {text, len}, *x = &xx;
    emitter em = {out, 0, 0, 0};
    size_t i = 0;
    pthread_once(&trigger_once, trigger_init);
    /* the next '@' at or after i: an e-mail address needs one within 64
     * bytes (m_email's local part), so most words skip m_email */
    const char *atp = memchr(text, '@', len);
    size_t at = atp ? (size_t)(atp - text) : SIZE_MAX;
    while (i < len && !em.oom) {
        unsigned char c = AT(i);
        bool start = is_an(c) || c == '+' || c == '(';
        if (!start || (i > 0 && is_an(AT(i - 1)))) {
            i++;
            continue;
        }
        size_t e, vb = 0, ve = 0;
        if (is_al(c)) {
            size_t we = i;           /* the word with its inner '-' */
            while (we < len && (is_al(AT(we)) || (AT(we) == '-' && is_al(AT(we + 1)))))
                we++;
            if (!is_trigger(x, i, we)) {
                /* not a trigger word: only an e-mail address, or (when
                 * capitalised) a date by month name or a state + ZIP */
                if (email_near(x, i, &at) && (e = m_email(x, i))) {
                    emit(&em, x, i, e, PHI, "EMAIL", 0.99f);
                } else if (is_up(c) && (e = m_date(x, i))) {
                    emit(&em, x, i, e, PHI, "DATE", 0.95f);
                } else if (is_up(c) && (e = state_zip(x, i))) {
                    emit(&em, x, i, e, PHI, "ADDRESS", 0.85f);
                } else {
                    e = run_alnum(x, i);
                }
                i = e > i ? e : i + 1;
                continue;
            }
        }
        if (email_near(x, i, &at) && (e = m_email(x, i))) {
            emit(&em, x, i, e, PHI, "EMAIL", 0.99f);
        } else if ((e = m_url(x, i))) {
            emit(&em, x, i, e, PHI, "URL", 0.99f);
        } else if ((e = m_date(x, i))) {
            emit(&em, x, i, e, PHI, "DATE", 0.95f);
        } else if ((e = m_phone(x, i))) {
            emit(&em, x, i, e, PHI, "PHONE_OR_FAX", 0.95f);
        } else if ((vb = id_label(x, i)) && (e = id_value(x, vb))) {
            emit(&em, x, vb, e, PHI, "ID", 0.90f);
        } else if ((e = m_age(x, i, &vb, &ve))) {
            emit(&em, x, vb, ve, PHI, "AGE", 0.95f);
        } else if ((e = m_address(x, i))) {
            emit(&em, x, i, e, PHI, "ADDRESS", 0.90f);
        } else if ((e = ms_phi_time(x, i))) {
            emit(&em, x, i, e, "TIME_EXPRESSION", "TIME_TO_DX_NAME", 0.90f);
        } else if ((e = ms_phi_name(x, i, &vb))) {
            emit(&em, x, vb, e, PHI, "NAME", 0.90f);
        } else if ((e = ms_phi_profession(x, i, &vb))) {
            emit(&em, x, vb, e, PHI, "PROFESSION", 0.85f);
        } else if ((e = state_zip(x, i))) {
            emit(&em, x, i, e, PHI, "ADDRESS", 0.85f);
        } else {
            i = run_alnum(x, i);
            if (i < len && !is_an(AT(i)))
                i++;
            continue;
        }
        i = e > i ? e : i + 1;
    }
    return em.oom ? -1 : 0;
}
