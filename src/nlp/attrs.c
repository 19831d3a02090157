/* attrs.c -- attributes of the entities the lexicon found: DOSAGE,
 * STRENGTH, ROUTE_OR_MODE, FORM, FREQUENCY, DURATION, RATE of medications;
 * TEST_VALUE and TEST_UNIT of tests; ACUITY of conditions; DIRECTION of
 * anatomy sites, conditions and procedures. Patterns are written in C over
 * the token stream plus a small phrase vocabulary (a run-time hash index).
 *
 * Linking: an attribute belongs to the medication whose window it is in.
 * A medication's window runs forward from its end to the next medication
 * (or what that one claims before itself), the end of the sentence, or 24
 * tokens; and backward over a contiguous run of attributes directly before
 * it ("20 mg of oral aspirin"), at most 6 tokens, within the sentence.
 * Test values follow the test within 4 tokens; tests joined by "and" or
 * commas share the values after the last of them out in order
 * (group_values); acuity and direction must touch the entity. An attribute outside every window is not reported.
 *
 * Scores (deterministic, documented rule):
 *   attribute Score: 0.95 for a number with a recognised unit (DOSAGE,
 *   STRENGTH, RATE, TEST_VALUE+TEST_UNIT), 0.90 for a vocabulary phrase of
 *   three or more characters and DURATION, 0.80 for a one- or two-letter
 *   abbreviation ("po", "IV", "x"), 0.85 for a word test value.
 *   RelationshipScore: 0.99 minus 0.01 per token between the attribute and
 *   its entity, never below 0.60. */
#include "nlp/nlp_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SP (c->sc->sp)   /* re-read: emitting may move it */

#define V(p, t) {p, MS_AV_##t}
const ms_lex_phrase ms__attr_vocab[] = {
    /* dose units */
    V("mg", DOSE_UNIT), V("milligram", DOSE_UNIT), V("milligrams", DOSE_UNIT),
    V("mcg", DOSE_UNIT), V("microgram", DOSE_UNIT), V("micrograms", DOSE_UNIT),
    V("\xc2\xb5g", DOSE_UNIT), V("ug", DOSE_UNIT), V("g", DOSE_UNIT),
    V("gm", DOSE_UNIT), V("gram", DOSE_UNIT), V("grams", DOSE_UNIT),
    V("ml", DOSE_UNIT), V("cc", DOSE_UNIT), V("L", DOSE_UNIT),
    V("liter", DOSE_UNIT), V("liters", DOSE_UNIT), V("unit", DOSE_UNIT),
    V("units", DOSE_UNIT), V("u", DOSE_UNIT), V("iu", DOSE_UNIT),
    V("international units", DOSE_UNIT), V("meq", DOSE_UNIT),
    V("mmol", DOSE_UNIT), V("tablet", DOSE_UNIT), V("tablets", DOSE_UNIT),
    V("tab", DOSE_UNIT), V("tabs", DOSE_UNIT), V("capsule", DOSE_UNIT),
    V("capsules", DOSE_UNIT), V("cap", DOSE_UNIT), V("caps", DOSE_UNIT),
    V("puff", DOSE_UNIT), V("puffs", DOSE_UNIT), V("drop", DOSE_UNIT),
    V("drops", DOSE_UNIT), V("spray", DOSE_UNIT), V("sprays", DOSE_UNIT),
    V("patch", DOSE_UNIT), V("patches", DOSE_UNIT), V("teaspoon", DOSE_UNIT),
    V("teaspoons", DOSE_UNIT), V("tsp", DOSE_UNIT), V("tablespoon", DOSE_UNIT),
    V("tablespoons", DOSE_UNIT), V("tbsp", DOSE_UNIT), V("pill", DOSE_UNIT),
    V("pills", DOSE_UNIT), V("vial", DOSE_UNIT), V("vials", DOSE_UNIT),
    V("ampule", DOSE_UNIT), V("dose", DOSE_UNIT), V("doses", DOSE_UNIT),
    V("application", DOSE_UNIT), V("applications", DOSE_UNIT),
    V("suppository", DOSE_UNIT), V("inhalation", DOSE_UNIT),
    V("inhalations", DOSE_UNIT), V("mg/kg", DOSE_UNIT), V("mcg/kg", DOSE_UNIT),
    /* strength denominators */
    V("ml", VOL_UNIT), V("L", VOL_UNIT), V("tab", VOL_UNIT),
    V("tablet", VOL_UNIT), V("cap", VOL_UNIT), V("capsule", VOL_UNIT),
    V("dose", VOL_UNIT), V("actuation", VOL_UNIT), V("spray", VOL_UNIT),
    V("puff", VOL_UNIT), V("5 ml", VOL_UNIT), V("patch", VOL_UNIT),
    /* rate denominators */
    V("hr", PER_TIME), V("h", PER_TIME), V("hour", PER_TIME),
    V("min", PER_TIME), V("minute", PER_TIME),
    V("kg", KG),
    /* durations */
    V("day", TIME_UNIT), V("days", TIME_UNIT), V("week", TIME_UNIT),
    V("weeks", TIME_UNIT), V("wk", TIME_UNIT), V("wks", TIME_UNIT),
    V("month", TIME_UNIT), V("months", TIME_UNIT), V("year", TIME_UNIT),
    V("years", TIME_UNIT), V("hours", TIME_UNIT), V("hrs", TIME_UNIT),
    V("hour", TIME_UNIT), V("minutes", TIME_UNIT), V("times", TIME_UNIT),
    V("doses", TIME_UNIT), V("d", TIME_UNIT), V("h", TIME_UNIT),
    V("one", NUMWORD), V("two", NUMWORD), V("three", NUMWORD),
    V("four", NUMWORD), V("five", NUMWORD), V("six", NUMWORD),
    V("seven", NUMWORD), V("eight", NUMWORD), V("nine", NUMWORD),
    V("ten", NUMWORD), V("eleven", NUMWORD), V("twelve", NUMWORD),
    V("fourteen", NUMWORD), V("half", NUMWORD), V("a", ARTICLE), V("an", ARTICLE),
    V("for", LEAD_FOR), V("x", LEAD_X), V("\xc3\x97", LEAD_X),
    V("every", EVERY), V("q", EVERY), V("of", OF),
    /* frequencies */
    V("daily", FREQ), V("once daily", FREQ), V("twice daily", FREQ),
    V("three times daily", FREQ), V("four times daily", FREQ),
    V("2 times daily", FREQ), V("3 times daily", FREQ), V("4 times daily", FREQ),
    V("once a day", FREQ), V("twice a day", FREQ), V("three times a day", FREQ),
    V("four times a day", FREQ), V("2 times a day", FREQ),
    V("3 times a day", FREQ), V("4 times a day", FREQ), V("once a week", FREQ),
    V("twice a week", FREQ), V("once weekly", FREQ), V("twice weekly", FREQ),
    V("once", FREQ), V("twice", FREQ), V("per day", FREQ), V("a day", FREQ),
    V("bid", FREQ), V("b.i.d", FREQ), V("b.i.d.", FREQ), V("tid", FREQ),
    V("t.i.d", FREQ), V("t.i.d.", FREQ), V("qid", FREQ), V("q.i.d", FREQ),
    V("q.i.d.", FREQ), V("qd", FREQ), V("q.d", FREQ), V("q.d.", FREQ),
    V("qod", FREQ), V("q.o.d.", FREQ), V("qhs", FREQ), V("q.h.s.", FREQ),
    V("q.h.s", FREQ), V("qam", FREQ), V("q.a.m.", FREQ), V("qpm", FREQ),
    V("q.p.m.", FREQ), V("qday", FREQ), V("qweek", FREQ), V("hs", FREQ),
    V("h.s.", FREQ), V("nightly", FREQ), V("weekly", FREQ), V("monthly", FREQ),
    V("hourly", FREQ), V("every day", FREQ), V("every morning", FREQ),
    V("every evening", FREQ), V("every night", FREQ),
    V("every other day", FREQ), V("every week", FREQ), V("at bedtime", FREQ),
    V("at night", FREQ), V("in the morning", FREQ), V("in the evening", FREQ),
    V("prn", FREQ), V("p.r.n.", FREQ), V("p.r.n", FREQ), V("as needed", FREQ),
    V("when needed", FREQ), V("stat", FREQ), V("every 4 hours", FREQ),
    /* routes */
    V("po", ROUTE), V("p.o.", ROUTE), V("p.o", ROUTE), V("by mouth", ROUTE),
    V("orally", ROUTE), V("oral", ROUTE), V("per os", ROUTE), V("iv", ROUTE),
    V("i.v.", ROUTE), V("i.v", ROUTE), V("intravenous", ROUTE),
    V("intravenously", ROUTE), V("iv push", ROUTE), V("ivpb", ROUTE),
    V("im", ROUTE), V("i.m.", ROUTE), V("intramuscular", ROUTE),
    V("intramuscularly", ROUTE), V("subcutaneous", ROUTE),
    V("subcutaneously", ROUTE), V("subq", ROUTE), V("sub-q", ROUTE),
    V("sq", ROUTE), V("sc", ROUTE), V("s.c.", ROUTE), V("topical", ROUTE),
    V("topically", ROUTE), V("inhaled", ROUTE), V("via inhalation", ROUTE),
    V("nebulized", ROUTE), V("via nebulizer", ROUTE), V("by nebulizer", ROUTE),
    V("pr", ROUTE), V("p.r.", ROUTE), V("per rectum", ROUTE), V("rectally", ROUTE),
    V("rectal", ROUTE), V("sl", ROUTE), V("sublingual", ROUTE),
    V("sublingually", ROUTE), V("transdermal", ROUTE), V("intranasal", ROUTE),
    V("intranasally", ROUTE), V("nasally", ROUTE), V("ophthalmic", ROUTE),
    V("via g-tube", ROUTE), V("per g-tube", ROUTE), V("via ng tube", ROUTE),
    V("per ng tube", ROUTE), V("via peg", ROUTE), V("per peg", ROUTE),
    V("intrathecal", ROUTE), V("epidural", ROUTE), V("vaginally", ROUTE),
    V("buccal", ROUTE), V("otic", ROUTE), V("intravitreal", ROUTE),
    /* forms */
    V("tab", FORM), V("tabs", FORM), V("tablet", FORM), V("tablets", FORM),
    V("capsule", FORM), V("capsules", FORM), V("cap", FORM), V("caps", FORM),
    V("inhaler", FORM), V("patch", FORM), V("solution", FORM),
    V("suspension", FORM), V("cream", FORM), V("ointment", FORM),
    V("injection", FORM), V("syrup", FORM), V("elixir", FORM), V("drops", FORM),
    V("spray", FORM), V("nasal spray", FORM), V("gel", FORM), V("lotion", FORM),
    V("suppository", FORM), V("powder", FORM), V("lozenge", FORM),
    V("chewable tablet", FORM), V("foam", FORM), V("liquid", FORM),
    V("pill", FORM), V("nebulizer solution", FORM), V("vial", FORM),
    V("pen", FORM), V("prefilled syringe", FORM), V("extended-release tablet", FORM),
    /* test units */
    V("mg/dl", TEST_UNIT), V("g/dl", TEST_UNIT), V("gm/dl", TEST_UNIT), V("g/l", TEST_UNIT),
    V("mg/l", TEST_UNIT), V("mmol/l", TEST_UNIT), V("mmol/mol", TEST_UNIT),
    V("\xc2\xb5mol/l", TEST_UNIT), V("umol/l", TEST_UNIT), V("meq/l", TEST_UNIT),
    V("u/l", TEST_UNIT), V("iu/l", TEST_UNIT), V("iu/ml", TEST_UNIT),
    V("miu/l", TEST_UNIT), V("miu/ml", TEST_UNIT), V("uiu/ml", TEST_UNIT),
    V("\xc2\xb5iu/ml", TEST_UNIT), V("ng/ml", TEST_UNIT), V("ng/dl", TEST_UNIT),
    V("pg/ml", TEST_UNIT), V("mcg/ml", TEST_UNIT), V("mcg/dl", TEST_UNIT),
    V("pg", TEST_UNIT), V("fl", TEST_UNIT), V("%", TEST_UNIT),
    V("x10^9/l", TEST_UNIT), V("x 10^9/l", TEST_UNIT), V("10^9/l", TEST_UNIT),
    V("x10^12/l", TEST_UNIT), V("10^12/l", TEST_UNIT), V("x10^3/ul", TEST_UNIT),
    V("x10^3/\xc2\xb5l", TEST_UNIT), V("k/ul", TEST_UNIT), V("k/mcl", TEST_UNIT),
    V("/ul", TEST_UNIT), V("/mm3", TEST_UNIT), V("cells/ul", TEST_UNIT),
    V("cells/mm3", TEST_UNIT), V("/hpf", TEST_UNIT), V("/lpf", TEST_UNIT),
    V("bpm", TEST_UNIT), V("beats per minute", TEST_UNIT), V("mmhg", TEST_UNIT),
    V("mm hg", TEST_UNIT), V("breaths/min", TEST_UNIT),
    V("breaths per minute", TEST_UNIT), V("/min", TEST_UNIT),
    V("per minute", TEST_UNIT), V("\xc2\xb0" "f", TEST_UNIT),
    V("\xc2\xb0" "c", TEST_UNIT), V("degrees", TEST_UNIT),
    V("degrees f", TEST_UNIT), V("degrees fahrenheit", TEST_UNIT),
    V("degrees c", TEST_UNIT), V("degrees celsius", TEST_UNIT), V("f", TEST_UNIT),
    V("c", TEST_UNIT), V("kg", TEST_UNIT), V("lb", TEST_UNIT), V("lbs", TEST_UNIT),
    V("pounds", TEST_UNIT), V("cm", TEST_UNIT), V("mm", TEST_UNIT),
    V("inches", TEST_UNIT), V("seconds", TEST_UNIT), V("sec", TEST_UNIT),
    V("ml/min", TEST_UNIT), V("ml/min/1.73m2", TEST_UNIT),
    V("ml/min/1.73 m2", TEST_UNIT), V("mosm/kg", TEST_UNIT),
    V("mg/24 h", TEST_UNIT), V("g/24 h", TEST_UNIT), V("mg", TEST_UNIT),
    /* lab-report spellings: micro as µ (U+00B5) or μ (U+03BC), 10^N counts */
    V("ug/l", TEST_UNIT), V("\xc2\xb5g/l", TEST_UNIT), V("\xce\xbcg/l", TEST_UNIT),
    V("mcg/l", TEST_UNIT), V("ng/l", TEST_UNIT), V("pmol/l", TEST_UNIT),
    V("nmol/l", TEST_UNIT), V("\xce\xbcmol/l", TEST_UNIT), V("ug/dl", TEST_UNIT),
    V("\xc2\xb5g/dl", TEST_UNIT), V("10^3/ul", TEST_UNIT), V("x 10^3/ul", TEST_UNIT),
    V("10^3/\xc2\xb5l", TEST_UNIT), V("10^3/mm3", TEST_UNIT), V("x10^3/mm3", TEST_UNIT),
    V("10^6/ul", TEST_UNIT), V("x10^6/ul", TEST_UNIT), V("10*3/ul", TEST_UNIT),
    V("10*9/l", TEST_UNIT), V("x10*9/l", TEST_UNIT), V("x10e9/l", TEST_UNIT),
    V("x10e3/ul", TEST_UNIT), V("x 10^12/l", TEST_UNIT), V("k/\xc2\xb5l", TEST_UNIT),
    V("cells/\xc2\xb5l", TEST_UNIT), V("cells/\xce\xbcl", TEST_UNIT), V("cells/mcl", TEST_UNIT),
    V("/\xc2\xb5l", TEST_UNIT), V("/mcl", TEST_UNIT), V("thou/ul", TEST_UNIT),
    V("thou/mm3", TEST_UNIT), V("mil/ul", TEST_UNIT), V("m/ul", TEST_UNIT),
    V("mu/l", TEST_UNIT), V("u/ml", TEST_UNIT), V("units/l", TEST_UNIT), V("ku/l", TEST_UNIT),
    V("miu/l", TEST_UNIT), V("mm/hr", TEST_UNIT), V("mm/h", TEST_UNIT),
    V("mg/mmol", TEST_UNIT), V("mg/g", TEST_UNIT), V("copies/ml", TEST_UNIT),
    V("ml/min/1.73m^2", TEST_UNIT), V("ml/min/1.73 m^2", TEST_UNIT),
    V("g", TEST_UNIT), V("kg/m2", TEST_UNIT), V("mcg", TEST_UNIT),
    V("positive", TEST_WORD), V("negative", TEST_WORD), V("normal", TEST_WORD),
    V("abnormal", TEST_WORD), V("elevated", TEST_WORD), V("low", TEST_WORD),
    V("high", TEST_WORD), V("unremarkable", TEST_WORD),
    V("within normal limits", TEST_WORD), V("wnl", TEST_WORD),
    V("reactive", TEST_WORD), V("nonreactive", TEST_WORD),
    V("non-reactive", TEST_WORD), V("not detected", TEST_WORD),
    V("detected", TEST_WORD), V("trace", TEST_WORD),
    /* toxicology and microbiology shorthand: "ETHANOL - NEG", "Culture: no growth" */
    V("neg", TEST_WORD), V("pos", TEST_WORD), V("no growth", TEST_WORD),
    V("none detected", TEST_WORD),
    V(":", TEST_FILLER), V("=", TEST_FILLER), V("-", TEST_FILLER),
    V("of", TEST_FILLER), V("was", TEST_FILLER), V("is", TEST_FILLER),
    V("were", TEST_FILLER), V("are", TEST_FILLER), V("level", TEST_FILLER),
    V("levels", TEST_FILLER), V("value", TEST_FILLER), V("at", TEST_FILLER),
    V("result", TEST_FILLER), V("count", TEST_FILLER), V("reading", TEST_FILLER),
    V("today", TEST_FILLER), V("now", TEST_FILLER), V("measured", TEST_FILLER),
    V("came back", TEST_FILLER), V("of about", TEST_FILLER),
    V("came out", TEST_FILLER), V("slightly", TEST_FILLER), V("mildly", TEST_FILLER),
    V("markedly", TEST_FILLER), V("moderately", TEST_FILLER),
    V("significantly", TEST_FILLER), V("very", TEST_FILLER), V("still", TEST_FILLER),
    V("found to be", TEST_FILLER), V("noted to be", TEST_FILLER),
    /* a value told as a course: "creatinine peaked at 168", "the white
     * count went down to 6.1", "sodium dropped to 124" */
    V("peaked", TEST_FILLER), V("rose to", TEST_FILLER), V("fell to", TEST_FILLER),
    V("dropped to", TEST_FILLER), V("increased to", TEST_FILLER),
    V("decreased to", TEST_FILLER), V("went down", TEST_FILLER), V("went up", TEST_FILLER),
    V("down to", TEST_FILLER), V("up to", TEST_FILLER),
    V("less than", TEST_CMP), V("greater than", TEST_CMP), V("more than", TEST_CMP),
    V("lower than", TEST_CMP), V("higher than", TEST_CMP),
    V("acute", ACUITY), V("chronic", ACUITY), V("subacute", ACUITY),
    V("acute on chronic", ACUITY), V("acute-on-chronic", ACUITY),
    V("hyperacute", ACUITY),
    V("left", DIRECTION), V("right", DIRECTION), V("bilateral", DIRECTION),
    V("lower", DIRECTION), V("upper", DIRECTION), V("anterior", DIRECTION),
    V("posterior", DIRECTION), V("medial", DIRECTION), V("lateral", DIRECTION),
    V("proximal", DIRECTION), V("distal", DIRECTION), V("superior", DIRECTION),
    V("inferior", DIRECTION), V("ventral", DIRECTION), V("dorsal", DIRECTION),
    V("bilaterally", DIRECTION_POST), V("bilateral", DIRECTION_POST),
};
#undef V
const size_t ms__attr_vocab_n = sizeof ms__attr_vocab / sizeof ms__attr_vocab[0];

#define NONE ((size_t)-1)

static size_t vm(const ms_nlp_ctx *c, size_t p, size_t hi, int type)
{
    if (p >= hi) return 0;
    const ms_lex_entry *en;
    size_t n = ms_match_longest(c->e->vocab, c->s, c->t, hi, p, type, NONE, &en);
    return n;
}

static size_t vm_sub(const ms_nlp_ctx *c, size_t p, size_t hi, size_t sub, int type)
{
    if (p >= hi) return 0;
    const ms_lex_entry *en;
    return ms_match_longest(c->e->vocab, c->s, c->t, hi, p, type, sub, &en);
}

static bool punct(const ms_nlp_ctx *c, size_t p, size_t hi, char ch)
{
    return p < hi && !(c->t[p].flags & MS_TF_WORD) && c->s[c->t[p].b] == (unsigned char)ch;
}

static bool word(const ms_nlp_ctx *c, size_t p, size_t hi, const char *w)
{
    if (p >= hi) return false;
    size_t n = c->t[p].e - c->t[p].b;
    return n == strlen(w) && strncasecmp((const char *)c->s + c->t[p].b, w, n) == 0;
}

static float rel(size_t dist)
{
    float r = 0.99f - 0.01f * (float)dist;
    return r < 0.6f ? 0.6f : r;
}

static float vscore(const ms_nlp_ctx *c, size_t t0, size_t t1)
{
    return c->t[t1 - 1].e - c->t[t0].b >= 3 ? 0.90f : 0.80f;
}

/* A quantity at p: a number, "1-2", a number word, optionally "x/y",
 * "x-y", "x to y". Returns its end token (0 if none); *glued is the byte
 * where a unit glued to the last number starts ("20mg"), or NONE. */
static size_t qty(const ms_nlp_ctx *c, size_t p, size_t hi, size_t *glued, bool *ratio)
{
    *glued = NONE;
    *ratio = false;
    if (p >= hi) return 0;
    const ms_tok *t = &c->t[p];
    size_t q;
    if (t->flags & MS_TF_NUM) {
        q = p + 1;
    } else if (t->flags & MS_TF_DIGIT) {
        size_t i = t->b;
        while (i < t->e && ((c->s[i] >= '0' && c->s[i] <= '9') || c->s[i] == '.')) i++;
        if (i < t->e && c->s[i] == '-' && i + 1 < t->e && c->s[i + 1] >= '0' && c->s[i + 1] <= '9') {
            i++;
            while (i < t->e && ((c->s[i] >= '0' && c->s[i] <= '9') || c->s[i] == '.')) i++;
        }
        if (i == t->e) return p + 1;
        unsigned ch = c->s[i] | 0x20;
        if (ch >= 'a' && ch <= 'z') { *glued = i; return p + 1; }
        return 0;
    } else if (vm(c, p, hi, MS_AV_NUMWORD) == 1) {
        q = p + 1;
    } else {
        return 0;
    }
    if (q + 1 < hi && (c->t[q + 1].flags & MS_TF_NUM)) {
        if (punct(c, q, hi, '/')) { *ratio = true; return q + 2; }
        if (punct(c, q, hi, '-') || word(c, q, hi, "to")) return q + 2;
    }
    return q;
}

/* One medication attribute at p: sets [*a0, *a1) and returns its type. */
static const char *med_attr_at(const ms_nlp_ctx *c, size_t p, size_t hi,
                               size_t *a0, size_t *a1, size_t *sb, float *score)
{
    size_t glued, q, l;
    bool ratio;
    *sb = NONE;
    *score = 0.90f;
    /* DURATION: for N days (without "for"), x N days (with "x") */
    bool lead_for = vm(c, p, hi, MS_AV_LEAD_FOR) == 1;
    if (lead_for || vm(c, p, hi, MS_AV_LEAD_X) == 1) {
        size_t q0 = p + 1;
        q = vm(c, q0, hi, MS_AV_ARTICLE) == 1 && lead_for ? q0 + 1 : qty(c, q0, hi, &glued, &ratio);
        if (q && glued == NONE && (l = vm(c, q, hi, MS_AV_TIME_UNIT))) {
            *a0 = lead_for ? q0 : p;
            *a1 = q + l;
            return "DURATION";
        }
    }
    /* FREQUENCY: every N hours, q N hours, q6h, q4-6h */
    if (vm(c, p, hi, MS_AV_EVERY) == 1) {
        q = qty(c, p + 1, hi, &glued, &ratio);
        if (q && glued == NONE && !ratio && (l = vm(c, q, hi, MS_AV_TIME_UNIT))) {
            *a0 = p; *a1 = q + l;
            return "FREQUENCY";
        }
    }
    const ms_tok *t = &c->t[p];
    if ((t->flags & MS_TF_WORD) && (c->s[t->b] | 0x20) == 'q' && t->e - t->b >= 3) {
        size_t i = t->b + 1, d = 0;
        while (i < t->e && ((c->s[i] >= '0' && c->s[i] <= '9') || c->s[i] == '-')) { i++; d++; }
        if (d && c->s[t->b + 1] != '-') {
            size_t rest = t->e - i;
            const char *r = (const char *)c->s + i;
            if ((rest == 1 && (r[0] | 0x20) == 'h') ||
                (rest == 2 && strncasecmp(r, "hr", 2) == 0) ||
                (rest == 3 && strncasecmp(r, "hrs", 3) == 0) ||
                (rest == 5 && strncasecmp(r, "hours", 5) == 0)) {
                *a0 = p; *a1 = p + 1;
                return "FREQUENCY";
            }
        }
    }
    /* frequency phrases that start with a number ("3 times a day") */
    if ((l = vm(c, p, hi, MS_AV_FREQ)) && (t->flags & MS_TF_DIGIT)) {
        *a0 = p; *a1 = p + l;
        return "FREQUENCY";
    }
    /* DOSAGE / STRENGTH / RATE: a quantity and a unit */
    q = qty(c, p, hi, &glued, &ratio);
    if (q) {
        size_t us = glued != NONE ? q - 1 : q;
        l = glued != NONE ? vm_sub(c, us, hi, glued, MS_AV_DOSE_UNIT)
                          : vm(c, us, hi, MS_AV_DOSE_UNIT);
        if (l) {
            size_t ue = us + l, m;
            *a0 = p;
            *score = 0.95f;
            if (punct(c, ue, hi, '/') || word(c, ue, hi, "per")) {
                if ((m = vm(c, ue + 1, hi, MS_AV_PER_TIME))) { *a1 = ue + 1 + m; return "RATE"; }
                if ((m = vm(c, ue + 1, hi, MS_AV_KG))) {
                    size_t k = ue + 1 + m, m2;
                    if (punct(c, k, hi, '/') && (m2 = vm(c, k + 1, hi, MS_AV_PER_TIME))) {
                        *a1 = k + 1 + m2; return "RATE";
                    }
                    if (punct(c, k, hi, '/') && (m2 = vm(c, k + 1, hi, MS_AV_TIME_UNIT))) {
                        *a1 = k + 1 + m2; return "DOSAGE";
                    }
                    *a1 = k; return "DOSAGE";
                }
                if ((m = vm(c, ue + 1, hi, MS_AV_VOL_UNIT))) { *a1 = ue + 1 + m; return "STRENGTH"; }
                if ((m = vm(c, ue + 1, hi, MS_AV_TIME_UNIT))) { *a1 = ue + 1 + m; return "DOSAGE"; }
            }
            *a1 = ue;
            if (ratio && !vm(c, us, hi, MS_AV_FORM)) return "STRENGTH";
            return "DOSAGE";
        }
    }
    /* vocabulary: frequency, route, form (longest; that order on a tie) */
    size_t lf = vm(c, p, hi, MS_AV_FREQ), lr = vm(c, p, hi, MS_AV_ROUTE),
           lo = vm(c, p, hi, MS_AV_FORM);
    const char *ty = NULL;
    if (lf && lf >= lr && lf >= lo) { ty = "FREQUENCY"; l = lf; }
    else if (lr && lr >= lo) { ty = "ROUTE_OR_MODE"; l = lr; }
    else if (lo) { ty = "FORM"; l = lo; }
    if (ty) {
        *a0 = p; *a1 = p + l;
        *score = vscore(c, p, p + l);
    }
    return ty;
}

typedef struct found { size_t a0, a1, sb; const char *type; float score; } found;

static int emit_found(ms_nlp_ctx *c, const found *f, int parent, size_t dist)
{
    size_t sb = f->sb == NONE ? c->t[f->a0].b : f->sb;
    return ms__nlp_emit_attr(c, f->a0, f->a1, sb, c->t[f->a1 - 1].e, parent,
                            "MEDICATION", f->type, f->score, rel(dist)) < 0 ? -1 : 0;
}

static bool sent_between(const ms_nlp_ctx *c, size_t a, size_t b)
{
    for (size_t k = a + 1; k <= b && k < c->nt; k++)
        if (c->t[k].flags & MS_TF_SENT) return true;
    return false;
}

static int medications(ms_nlp_ctx *c, size_t ntop)
{
    size_t prev_end = 0;
    /* pass 1: what each medication claims before itself */
    size_t *claim = NULL;
    size_t nmed = 0;
    for (size_t i = 0; i < ntop; i++) nmed += SP[i].kind == MS_LEX_MED;
    if (!nmed) return 0;
    claim = malloc(ntop * sizeof *claim);
    if (!claim) return -1;
    int rc = 0;
    for (size_t i = 0; i < ntop && rc == 0; i++) {
        size_t a = SP[i].t0;
        claim[i] = a;
        if (SP[i].kind != MS_LEX_MED) { prev_end = SP[i].t1; continue; }
        size_t lo = a > 6 ? a - 6 : 0;
        if (lo < prev_end) lo = prev_end;
        for (size_t k = a; k > lo; k--)
            if (c->t[k].flags & MS_TF_SENT) { lo = k; break; }
        if (c->t[a].flags & MS_TF_SENT) lo = a;
        found fs[8];
        size_t nf = 0;
        for (size_t p = lo; p < a && nf < 8;) {
            found f;
            f.type = med_attr_at(c, p, a, &f.a0, &f.a1, &f.sb, &f.score);
            if (f.type) { fs[nf++] = f; p = f.a1; }
            else p++;
        }
        size_t cur = a;
        while (cur > lo && vm(c, cur - 1, a, MS_AV_OF) == 1) cur--;
        while (nf && fs[nf - 1].a1 == cur) {
            found *f = &fs[--nf];
            if (emit_found(c, f, (int)i, a - f->a1) < 0) { rc = -1; break; }
            cur = f->a0;
            while (cur > lo && (vm(c, cur - 1, a, MS_AV_OF) == 1 || punct(c, cur - 1, a, ',')))
                cur--;
        }
        claim[i] = cur;
        prev_end = SP[i].t1;
    }
    /* pass 2: forward windows */
    for (size_t i = 0; i < ntop && rc == 0; i++) {
        if (SP[i].kind != MS_LEX_MED) continue;
        size_t b = SP[i].t1, hi = b + 24;
        if (hi > c->nt) hi = c->nt;
        for (size_t j = i + 1; j < ntop; j++)
            if (SP[j].kind == MS_LEX_MED) { if (claim[j] < hi) hi = claim[j]; break; }
        for (size_t k = b; k < hi; k++)
            if (c->t[k].flags & MS_TF_SENT) { hi = k; break; }
        for (size_t p = b; p < hi;) {
            found f;
            f.type = med_attr_at(c, p, hi, &f.a0, &f.a1, &f.sb, &f.score);
            if (!f.type) { p++; continue; }
            if (emit_found(c, &f, (int)i, f.a0 - b) < 0) { rc = -1; break; }
            p = f.a1;
        }
    }
    free(claim);
    return rc;
}

/* "14" "," "200" written without spaces: one number (thousands). */
static size_t thousands(const ms_nlp_ctx *c, size_t q, size_t hi)
{
    while (q + 1 < hi && punct(c, q, hi, ',') && c->t[q].b == c->t[q - 1].e &&
           c->t[q + 1].b == c->t[q].e && (c->t[q + 1].flags & MS_TF_NUM) &&
           c->t[q + 1].e - c->t[q + 1].b == 3 && (c->t[q - 1].flags & MS_TF_NUM))
        q += 2;
    return q;
}

/* "50% neutrophils, 8% bands": a share counted in percent (a white cell
 * differential) is often written before its name. Only for a test whose
 * lexicon unit is "%", only a number and "%" directly before the name, in
 * its sentence, and only when nothing follows the name as its value. */
static int share_before(ms_nlp_ctx *c, size_t i)
{
    const ms_nlp_entity *e = &c->out->v[i];
    size_t a = SP[i].t0, lo = i ? SP[i - 1].t1 : 0;
    if (!e->unit || strcmp(e->unit, "%") != 0 || a < lo + 2 || !punct(c, a - 1, a, '%') ||
        !(c->t[a - 2].flags & MS_TF_NUM) || (c->t[a - 1].flags & MS_TF_SENT) ||
        (c->t[a].flags & MS_TF_SENT) || c->t[a - 1].b != c->t[a - 2].e ||
        c->t[a].b - c->t[a - 1].e != 1)
        return 0;
    if (ms__nlp_emit_attr(c, a - 2, a - 1, c->t[a - 2].b, c->t[a - 2].e, (int)i,
                          "TEST_TREATMENT_PROCEDURE", "TEST_VALUE", 0.95f, rel(1)) < 0 ||
        ms__nlp_emit_attr(c, a - 1, a, c->t[a - 1].b, c->t[a - 1].e, (int)i,
                          "TEST_TREATMENT_PROCEDURE", "TEST_UNIT", 0.95f, rel(1)) < 0)
        return -1;
    return 0;
}

/* "negative for nitrite", "positive for cocaine": a test with no value
 * after it takes "negative"/"positive" written right before "for" and its
 * name, in its sentence and after the span before it. */
static int polarity_before(ms_nlp_ctx *c, size_t i)
{
    size_t a = SP[i].t0, lo = i ? SP[i - 1].t1 : 0;
    if (a < lo + 2 || !word(c, a - 1, a, "for") || (c->t[a - 1].flags & MS_TF_SENT) ||
        (c->t[a - 2].flags & MS_TF_SENT))
        return 0;
    size_t w = a - 2;
    if (!word(c, w, a, "negative") && !word(c, w, a, "positive")) return 0;
    return ms__nlp_emit_attr(c, w, w + 1, c->t[w].b, c->t[w].e, (int)i,
                             "TEST_TREATMENT_PROCEDURE", "TEST_VALUE", 0.85f, rel(2)) < 0 ? -1 : 0;
}

/* Test span i follows test span i-1 with only a joiner between them:
 * "AST and ALT", "sodium, potassium, and chloride", "BUN & creatinine". */
static bool joined(const ms_nlp_ctx *c, size_t i)
{
    if (i == 0 || SP[i].kind != MS_LEX_TEST || SP[i - 1].kind != MS_LEX_TEST) return false;
    size_t a = SP[i - 1].t1, b = SP[i].t0;
    if (b == a + 1)
        return punct(c, a, b, ',') || punct(c, a, b, '&') || word(c, a, b, "and");
    return b == a + 2 && punct(c, a, b, ',') && word(c, a + 1, b, "and");
}

/* A joiner between two values at p: ",", "and", ", and". Returns its
 * length in tokens, 0 if none. */
static size_t value_joiner(const ms_nlp_ctx *c, size_t p, size_t hi)
{
    if (punct(c, p, hi, ',')) return word(c, p + 1, hi, "and") ? 2 : 1;
    return word(c, p, hi, "and") ? 1 : 0;
}

/* One number at p as a group value ("51", "14,200", "4.1 mmol/L"): its
 * end token, 0 if none; the unit, if any, in [*u0, *u1). */
static size_t group_value(const ms_nlp_ctx *c, size_t p, size_t hi, size_t *u0, size_t *u1)
{
    size_t glued, l;
    bool ratio;
    *u0 = *u1 = 0;
    if (p >= hi || !(c->t[p].flags & MS_TF_DIGIT)) return 0;
    size_t q = qty(c, p, hi, &glued, &ratio);
    if (!q || glued != NONE) return 0;
    if (!ratio && q == p + 1) q = thousands(c, q, hi);
    if ((l = vm(c, q, hi, MS_AV_TEST_UNIT))) {
        *u0 = q;
        *u1 = q + l;
    }
    return q;
}

/* Values written before a group of tests with "respectively" after it:
 * "They were 51 and 83 for the AST and ALT respectively". n numbers joined
 * as in group_values, then "for" [the], then the group g0..i, then
 * [","] "respectively" -- the word is required: without it numbers before
 * a "for" belong to anything. Returns 1 when it linked them, 0 if not,
 * -1 on error. */
static int values_before(ms_nlp_ctx *c, size_t g0, size_t i, size_t n)
{
    size_t a = SP[i].t1, lo = g0 ? SP[g0 - 1].t1 : 0;
    if (punct(c, a, c->nt, ',')) a++;
    if (!word(c, a, c->nt, "respectively") || n > 8) return 0;
    size_t b = SP[g0].t0;
    if (b > lo && word(c, b - 1, b, "the")) b--;
    if (b <= lo || !word(c, b - 1, b, "for")) return 0;
    b--;
    /* back over "N and M" / "N, M and K": each value is one number token
     * (a decimal is one token) */
    size_t v[8], k = n, q = b;
    while (k > 0) {
        if (q <= lo || !(c->t[q - 1].flags & MS_TF_DIGIT) || (c->t[q - 1].flags & MS_TF_SENT))
            return 0;
        v[--k] = q - 1;
        q--;
        if (k == 0) break;
        if (q > lo && word(c, q - 1, q, "and")) q--;
        if (q > lo && punct(c, q - 1, q, ',')) q--;
        if (q == v[k]) return 0;   /* no joiner between two numbers */
    }
    for (size_t j = 0; j < n; j++) {
        size_t e = g0 + j, t0 = v[j];
        if (ms__nlp_emit_attr(c, t0, t0 + 1, c->t[t0].b, c->t[t0].e, (int)e,
                              "TEST_TREATMENT_PROCEDURE", "TEST_VALUE", 0.95f,
                              rel(SP[e].t0 - t0)) < 0)
            return -1;
    }
    return 1;
}

/* The last test of a coordinated group ("AST and ALT were 51 and 83,
 * respectively"): the values after it are shared out in order, one per
 * test, and only when there are exactly as many numbers as tests; one
 * word value ("were normal", "negative") goes to every test. Anything
 * else gives the group no value: the nearest number belongs to the first
 * test, not to the last, and a value on the wrong test is worse than
 * none. Returns 1 when handled, 0 when i ends no group, -1 on error. */
static int group_values(ms_nlp_ctx *c, size_t ntop, size_t i)
{
    if (!joined(c, i) || (i + 1 < ntop && joined(c, i + 1))) return 0;
    size_t g0 = i;
    while (g0 > 0 && joined(c, g0)) g0--;
    size_t n = i - g0 + 1, p = SP[i].t1, l;
    int before = values_before(c, g0, i, n);
    if (before) return before;
    size_t hi = i + 1 < ntop ? SP[i + 1].t0 : c->nt;
    if (hi > p + 8 + 6 * n) hi = p + 8 + 6 * n;
    for (size_t k = p; k < hi; k++)
        if (c->t[k].flags & MS_TF_SENT) { hi = k; break; }
    for (int skip = 0; skip < 4 && (l = vm(c, p, hi, MS_AV_TEST_FILLER)); skip++) {
        /* "nitrite and creatinine was 7.1": a singular verb joins clauses,
         * not the tests; the value is the last test's alone */
        if (l == 1 && (word(c, p, hi, "was") || word(c, p, hi, "is"))) return 0;
        p += l;
    }
    if (p >= hi) return 1;
    /* "AST and ALT were elevated (as well) at 412 and 180": the word stays
     * in the text, the numbers are the values */
    if ((l = vm(c, p, hi, MS_AV_TEST_WORD)) && !(c->t[p].flags & MS_TF_DIGIT)) {
        size_t a = p + l;
        if (word(c, a, hi, "as") && word(c, a + 1, hi, "well")) a += 2;
        if ((word(c, a, hi, "at") || word(c, a, hi, "of") || word(c, a, hi, "to")) &&
            a + 1 < hi && (c->t[a + 1].flags & MS_TF_DIGIT)) {
            p = a + 1;
            l = 0;
        }
    }
    if (l && !(c->t[p].flags & MS_TF_DIGIT)) {
        for (size_t k = g0; k <= i; k++)
            if (ms__nlp_emit_attr(c, p, p + l, c->t[p].b, c->t[p + l - 1].e, (int)k,
                                  "TEST_TREATMENT_PROCEDURE", "TEST_VALUE", 0.85f,
                                  rel(p - SP[k].t1)) < 0)
                return -1;
        return 1;
    }
    enum { MAXG = 8 };
    size_t v[MAXG][4];   /* value begin, end; unit begin, end */
    if (n > MAXG) return 1;
    size_t q = p, p0 = p;
    for (size_t k = 0; k < n; k++) {
        /* fewer numbers than tests, the first right after the last name
         * ("Electrolytes, sodium 137, potassium 4.1"): that test's own
         * value, as without a group */
        bool own = p0 == SP[i].t1;
        if (k && !(l = value_joiner(c, q, hi))) return own ? 0 : 1;
        q += k ? l : 0;
        size_t e = group_value(c, q, hi, &v[k][2], &v[k][3]);
        if (!e) return k && own ? 0 : 1;
        v[k][0] = q;
        v[k][1] = e;
        q = v[k][3] ? v[k][3] : e;
    }
    /* one more number: the values are not one per test */
    if ((l = value_joiner(c, q, hi)) && q + l < hi && (c->t[q + l].flags & MS_TF_DIGIT)) return 1;
    for (size_t k = 0; k < n; k++) {
        size_t e = g0 + k, a = v[k][0], b = v[k][1];
        if (ms__nlp_emit_attr(c, a, b, c->t[a].b, c->t[b - 1].e, (int)e,
                              "TEST_TREATMENT_PROCEDURE", "TEST_VALUE", 0.95f,
                              rel(a - SP[e].t1)) < 0)
            return -1;
        if (v[k][3] && ms__nlp_emit_attr(c, v[k][2], v[k][3], c->t[v[k][2]].b,
                                         c->t[v[k][3] - 1].e, (int)e,
                                         "TEST_TREATMENT_PROCEDURE", "TEST_UNIT", 0.95f,
                                         rel(v[k][2] - SP[e].t1)) < 0)
            return -1;
    }
    return 1;
}

static int tests(ms_nlp_ctx *c, size_t ntop)
{
    for (size_t i = 0; i < ntop; i++) {
        if (SP[i].kind != MS_LEX_TEST) continue;
        int g = group_values(c, ntop, i);
        if (g < 0) return -1;
        if (g) continue;
        size_t hi = i + 1 < ntop ? SP[i + 1].t0 : c->nt, p = SP[i].t1, l;
        /* the unit may run over what the lexicon took for a name ("K" of
         * "K/uL" is potassium to it); the value may not */
        size_t uhi = p + 12 < c->nt ? p + 12 : c->nt;
        if (hi > p + 12) hi = p + 12;
        for (size_t k = p; k < uhi; k++)
            if (c->t[k].flags & MS_TF_SENT) { uhi = k; break; }
        if (hi > uhi) hi = uhi;
        for (int skip = 0; skip < 4 && (l = vm(c, p, hi, MS_AV_TEST_FILLER)); skip++) p += l;
        if (p >= hi) continue;
        size_t v0 = p, v1 = 0, glued = NONE;
        float sc = 0.95f;
        if (punct(c, p, hi, '<') || punct(c, p, hi, '>') ||
            (!(c->t[p].flags & MS_TF_WORD) && c->t[p].e - c->t[p].b == 3 &&
             c->s[c->t[p].b] == 0xE2 && c->s[c->t[p].b + 1] == 0x89)) {  /* ≤ ≥ */
            p++;
            if (punct(c, p, hi, '=')) p++;
        } else if ((l = vm(c, p, hi, MS_AV_TEST_CMP))) {
            /* "Troponin less than 0.04", "estimated GFR greater than 60":
             * the words stay in the value, which is then no single number
             * and never compared with a range (findings_tests.c) */
            p += l;
        }
        bool ratio;
        size_t q = qty(c, p, hi, &glued, &ratio);
        if (q && !(c->t[p].flags & MS_TF_DIGIT) && q == p + 1) q = 0;  /* "one" */
        if (q && glued == NONE && !ratio && q == p + 1)
            q = thousands(c, q, hi);
        if (q) {
            v1 = q;
        } else if ((l = vm(c, p, hi, MS_AV_TEST_WORD)) && v0 == p) {
            /* "elevated at 5.38", "low at 2.9": the number is the value
             * (the word stays in the text, where findings reads it) */
            size_t a = p + l, q2 = 0, g2 = NONE;
            bool r2;
            if (a + 1 < hi && (word(c, a, hi, "at") || word(c, a, hi, "of") ||
                               word(c, a, hi, "to")) &&
                (c->t[a + 1].flags & MS_TF_DIGIT) && (q2 = qty(c, a + 1, hi, &g2, &r2))) {
                v0 = a + 1;
                v1 = g2 == NONE && !r2 && q2 == a + 2 ? thousands(c, q2, hi) : q2;
                glued = g2;
            } else {
                v1 = p + l;
                sc = 0.85f;
            }
        } else {
            if (share_before(c, i) < 0 || polarity_before(c, i) < 0)
                return -1;
            continue;
        }
        size_t ve = glued != NONE ? glued : c->t[v1 - 1].e;
        float d = (float)(v0 - SP[i].t1);
        if (ms__nlp_emit_attr(c, v0, v1, c->t[v0].b, ve, (int)i, "TEST_TREATMENT_PROCEDURE",
                             "TEST_VALUE", sc, rel((size_t)d)) < 0)
            return -1;
        if (sc < 0.9f) continue;
        size_t us = glued != NONE ? v1 - 1 : v1;
        l = glued != NONE ? vm_sub(c, us, uhi, glued, MS_AV_TEST_UNIT)
                          : vm(c, us, uhi, MS_AV_TEST_UNIT);
        if (l && ms__nlp_emit_attr(c, us, us + l, glued != NONE ? glued : c->t[us].b,
                                  c->t[us + l - 1].e, (int)i, "TEST_TREATMENT_PROCEDURE",
                                  "TEST_UNIT", 0.95f, rel(us - SP[i].t1)) < 0)
            return -1;
    }
    return 0;
}

static bool lex_direction(const ms_nlp_ctx *c, size_t p, size_t hi)
{
    const ms_lex_entry *en = NULL;
    if (vm(c, p, hi, MS_AV_DIRECTION) == 1) return true;
    return ms_match_longest(c->e->lex, c->s, c->t, hi, p, MS_LT_DIRECTION, NONE, &en) == 1;
}

static int touching(ms_nlp_ctx *c, size_t ntop)
{
    for (size_t i = 0; i < ntop; i++) {
        int k = SP[i].kind;
        size_t a = SP[i].t0, b = SP[i].t1, lo = i ? SP[i - 1].t1 : 0, l;
        size_t hi = i + 1 < ntop ? SP[i + 1].t0 : c->nt;
        if (k == MS_LEX_COND) {
            for (size_t st = a >= lo + 3 ? a - 3 : lo; st < a; st++) {
                if (sent_between(c, st, a)) continue;
                if ((l = vm(c, st, a, MS_AV_ACUITY)) && st + l == a) {
                    if (ms__nlp_emit_attr(c, st, a, c->t[st].b, c->t[a - 1].e, (int)i,
                                         "MEDICAL_CONDITION", "ACUITY", 0.90f, 0.99f) < 0)
                        return -1;
                    break;
                }
            }
        }
        bool site = k == MS_LEX_ANAT, dirs = site || k == MS_LEX_COND || k == MS_LEX_PROC;
        if (!dirs) continue;
        size_t d0 = a;
        while (d0 > lo && a - d0 < 2 && !(c->t[d0].flags & MS_TF_SENT) &&
               lex_direction(c, d0 - 1, d0))
            d0--;
        if (d0 < a && ms__nlp_emit_attr(c, d0, a, c->t[d0].b, c->t[a - 1].e, (int)i,
                                       "ANATOMY", "DIRECTION", 0.90f, 0.99f) < 0)
            return -1;
        if (b < hi && !(c->t[b].flags & MS_TF_SENT) && vm(c, b, hi, MS_AV_DIRECTION_POST) == 1 &&
            ms__nlp_emit_attr(c, b, b + 1, c->t[b].b, c->t[b].e, (int)i, "ANATOMY",
                             "DIRECTION", 0.90f, 0.99f) < 0)
            return -1;
    }
    return 0;
}

int ms__attrs_run(ms_nlp_ctx *c, size_t ntop)
{
    if (medications(c, ntop) < 0 || tests(c, ntop) < 0 || touching(c, ntop) < 0)
        return -1;
    return 0;
}
