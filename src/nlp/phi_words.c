/* phi_words.c -- the word-led PHI and time matchers (see phi.h): time
 * expressions ("3 days", "two weeks ago", "on admission", "POD 2"), titled
 * or labelled names ("Dr. Chen", "Patient: Maria Lopez") and professions
 * after a cue ("works as a teacher"). Each looks a bounded number of bytes
 * ahead. */
#include "nlp/phi_scan.h"

/* ---- time expressions ---- */

static const char *const NUMWORDS[] = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "several", "few", "a", "an", "couple"};
static const char *const TUNITS[] = {
    "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "day",
    "days", "week", "weeks", "wk", "wks", "month", "months", "mo", "year",
    "years", "yr", "yrs", "night", "nights"};

/* "3 days", "two weeks ago", "a few months prior", "yesterday", "last
 * night", "this morning", "on admission", "hospital day 3", "POD 2". */
size_t ms_phi_time(const txt *x, size_t i)
{
    static const char *const single[] = {"yesterday", "today", "tonight",
                                         "overnight"};
    static const char *const last[] = {"last", "this", "past", "previous",
                                       "next"};
    static const char *const period[] = {"night", "week", "month", "year",
                                         "morning", "afternoon", "evening",
                                         "weekend", "summer", "winter",
                                         "spring", "fall"};
    static const char *const admit[] = {"admission", "discharge",
                                        "presentation", "arrival"};
    size_t e = run_alnum(x, i), w, we;
    if (e == i)
        return 0;
    if (in_list(x, i, e, single, N(single)) >= 0)
        return e;
    if (in_list(x, i, e, last, N(last)) >= 0) {
        w = skip_sp(x, e);
        we = run_alpha(x, w);
        return w > e && in_list(x, w, we, period, N(period)) >= 0 ? we : 0;
    }
    if (eq_ci(x, i, e, "on") || eq_ci(x, i, e, "at") || eq_ci(x, i, e, "upon")) {
        w = skip_sp(x, e);
        we = run_alpha(x, w);
        return w > e && in_list(x, w, we, admit, N(admit)) >= 0 ? we : 0;
    }
    /* hospital day 3, postoperative day 2, POD 2, POD #2 */
    if (eq_ci(x, i, e, "hospital") || eq_ci(x, i, e, "postoperative") ||
        eq_ci(x, i, e, "post-operative")) {
        w = skip_sp(x, e);
        if (!word_at(x, w, "day", &we) || w == e)
            return 0;
        e = we;
    } else if (!(e - i == 3 && AT(i) == 'P' && AT(i + 1) == 'O' && AT(i + 2) == 'D')) {
        e = 0;
    }
    if (e) {
        w = skip_sp(x, e);
        if (AT(w) == '#')
            w++;
        we = run_digit(x, w);
        return we > w && we - w <= 3 && !is_an(AT(we)) ? we : 0;
    }
    /* a number (digits or a word) then a time unit, optionally "ago" */
    e = run_alnum(x, i);
    bool digits = run_digit(x, i) == e && e - i <= 3;
    if (!digits && in_list(x, i, e, NUMWORDS, N(NUMWORDS)) < 0)
        return 0;
    w = skip_sp(x, e);
    if (!digits && eq_ci(x, i, e, "a")) {
        size_t fe = run_alpha(x, w);      /* "a few", "a couple of" */
        if (eq_ci(x, w, fe, "few") || eq_ci(x, w, fe, "couple")) {
            w = skip_sp(x, fe);
            size_t oe = run_alpha(x, w);
            if (eq_ci(x, w, oe, "of"))
                w = skip_sp(x, oe);
        }
    }
    if (AT(w) == '-' && digits)
        w++;
    we = run_alpha(x, w);
    if (we == w || is_an(AT(we)) || in_list(x, w, we, TUNITS, N(TUNITS)) < 0)
        return 0;
    /* a bare "a day" / "one week" needs ago/prior to be a time expression */
    size_t a = skip_sp(x, we), ae = run_alpha(x, a);
    bool ago = a > we && (eq_ci(x, a, ae, "ago") || eq_ci(x, a, ae, "prior") ||
                          eq_ci(x, a, ae, "earlier") || eq_ci(x, a, ae, "later"));
    if (ago)
        return ae;
    return digits || !eq_ci(x, i, e, "a") ? we : 0;
}

/* ---- names ---- */

/* One to three capitalised words ("John", "O'Neil", "J.") from i. */
static size_t cap_words(const txt *x, size_t i)
{
    size_t end = 0, w = i;
    for (int k = 0; k < 3; k++) {
        if (!is_up(AT(w)))
            break;
        size_t we = w + 1;
        while (we < x->len && (is_lo(AT(we)) || is_up(AT(we)) ||
                               (AT(we) == '\'' && is_al(AT(we + 1))) ||
                               (AT(we) == '-' && is_up(AT(we + 1)))))
            we++;
        if (we == w + 1 && AT(we) == '.')
            we++;                          /* an initial */
        else if (we == w + 1)
            break;
        end = we;
        if (AT(we) != ' ' || !is_up(AT(we + 1)))
            break;
        w = we + 1;
    }
    return end;
}

size_t ms_phi_name(const txt *x, size_t i, size_t *nb)
{
    static const char *const titles[] = {"dr", "mr", "mrs", "ms", "miss",
                                         "mx", "prof"};
    static const char *const labels[] = {"patient", "name", "attending",
                                         "physician", "provider", "surgeon",
                                         "pcp", "resident", "by", "nurse"};
    size_t e = run_alpha(x, i);
    if (e == i)
        return 0;
    size_t p;
    if (in_list(x, i, e, titles, N(titles)) >= 0 && is_up(AT(i))) {
        p = AT(e) == '.' ? e + 1 : e;
        if (AT(p) != ' ')
            return 0;
        p = skip_sp(x, p);
    } else if (in_list(x, i, e, labels, N(labels)) >= 0) {
        p = e;
        if (eq_ci(x, i, e, "patient")) {       /* "Patient name:" */
            size_t q = skip_sp(x, p), qe = run_alpha(x, q);
            if (eq_ci(x, q, qe, "name"))
                p = qe;
        }
        if (eq_ci(x, i, e, "by")) {            /* "Signed by", "Dictated by" */
            if (AT(p) != ' ')
                return 0;
        } else if (AT(p) != ':') {
            return 0;
        } else {
            p++;
        }
        p = skip_sp(x, p);
        if (eq_ci(x, i, e, "by") && (!is_up(AT(p)) || !is_lo(AT(p + 1))))
            return 0;
        /* "Dr. Smith" after a label: skip the title */
        size_t te = run_alpha(x, p);
        if (in_list(x, p, te, titles, N(titles)) >= 0 && AT(te) == '.')
            p = skip_sp(x, te + 1);
    } else {
        return 0;
    }
    size_t ne = cap_words(x, p);
    if (!ne)
        return 0;
    /* a label followed by a sentence ("Patient: The ...") is not a name:
     * require every word to be a name-like word (no common words) */
    static const char *const stop[] = {"the", "a", "an", "this", "is", "was",
                                       "he", "she", "they", "patient", "no",
                                       "none", "not", "unknown", "male",
                                       "female", "mr", "ms"};
    for (size_t w = p; w < ne;) {
        size_t we = run_alpha(x, w);
        if (in_list(x, w, we, stop, N(stop)) >= 0)
            return 0;
        w = we;
        while (w < ne && !is_al(AT(w)))
            w++;
    }
    *nb = p;
    return ne;
}

/* ---- profession ---- */

static const char *const PROFESSIONS[] = {
    "accountant", "actor", "architect", "artist", "baker", "banker",
    "barber", "bartender", "bus driver", "butcher", "carpenter", "cashier",
    "chef", "cook", "construction worker", "dentist", "designer", "doctor",
    "driver", "electrician", "engineer", "farmer", "firefighter",
    "fisherman", "hairdresser", "homemaker", "janitor", "journalist",
    "landscaper", "lawyer", "librarian", "machinist", "manager", "mechanic",
    "miner", "musician", "nurse", "painter", "paramedic", "pharmacist",
    "physician", "pilot", "plumber", "police officer", "professor",
    "programmer", "receptionist", "salesman", "scientist", "secretary",
    "soldier", "student", "surgeon", "teacher", "truck driver", "veteran",
    "waiter", "waitress", "welder", "writer", "software engineer",
    "nursing assistant", "social worker", "retail worker", "clerk"};

/* A profession after a cue: "works as a", "worked as an", "employed as",
 * "occupation:", "retired", "is a". Returns the cue's end is not part of
 * the entity: *pb receives the profession start. */
size_t ms_phi_profession(const txt *x, size_t i, size_t *pb)
{
    size_t e = run_alpha(x, i), p = 0, q, qe;
    if (e == i)
        return 0;
    if (eq_ci(x, i, e, "works") || eq_ci(x, i, e, "worked") ||
        eq_ci(x, i, e, "employed") || eq_ci(x, i, e, "working")) {
        q = skip_sp(x, e);
        qe = run_alpha(x, q);
        if (!eq_ci(x, q, qe, "as"))
            return 0;
        p = skip_sp(x, qe);
    } else if (eq_ci(x, i, e, "occupation") && AT(e) == ':') {
        p = skip_sp(x, e + 1);
    } else if (eq_ci(x, i, e, "retired")) {
        p = skip_sp(x, e);
    } else {
        return 0;
    }
    qe = run_alpha(x, p);
    if (eq_ci(x, p, qe, "a") || eq_ci(x, p, qe, "an"))
        p = skip_sp(x, qe);
    for (size_t k = 0; k < N(PROFESSIONS); k++) {
        size_t n = strlen(PROFESSIONS[k]);
        if (p + n <= x->len && eq_ci(x, p, p + n, PROFESSIONS[k])) {
            size_t end = p + n;
            if (AT(end) == 's' && !is_an(AT(end + 1)))
                end++;
            if (is_an(AT(end)))
                continue;
            *pb = p;
            return end;
        }
    }
    return 0;
}
