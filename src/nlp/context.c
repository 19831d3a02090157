/* context.c -- ConText-style negation, hypothetical, uncertainty, history
 * and family traits (see context.h).
 *
 * Per entity: find the sentence around it (bounded byte window), tokenize
 * the part before and the part after it, and scan the tokens left to right
 * matching trigger phrases, longest first. A pre-trigger opens a scope that
 * runs forward to the entity unless a termination term closes it first or
 * it is more than max_dist words away; a post-trigger after the entity
 * applies backwards the same way. Pseudo-triggers are consumed without
 * effect. The trigger lists (context_triggers.c) are this project's own. */
#include "nlp/context.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nlp/context_tok.h"
#include "nlp/context_triggers.h"
#include "nlp/sentence.h"

#define TRIGGERS ms__ctx_triggers
#define NTRIG ms__ctx_ntriggers
#define MAXW 6           /* words per phrase */

static const int DEF_PRE_DIST[C_NCLASS] = {12, 30, 8, 30, 8};
static const int DEF_POST_DIST[C_NCLASS] = {6, 6, 4, 6, 4};
static const char *const TRAIT_NAME[C_NCLASS] = {
    "NEGATION", "HYPOTHETICAL", "LOW_CONFIDENCE", "PAST_HISTORY",
    "PERTAINS_TO_FAMILY"};
static const float TRAIT_SCORE[C_NCLASS] = {0.9f, 0.8f, 0.75f, 0.85f, 0.85f};

/* ---- compiled phrase index ---- */

typedef struct {
    char w[MAXW][WLEN];
    int nw;
    int idx;             /* into TRIGGERS */
} cphrase;

static cphrase g_phr[MS_CTX_MAX_TRIG];

/* The phrases sorted by first word form runs (one run per first word);
 * a hash of the first word leads to its run through a chained bucket, so
 * a token costs one hash and, if any trigger starts with a word of that
 * hash, one strcmp per run in the bucket (most words start no trigger). */
#define FIRST_BITS 4096
typedef struct {
    int start, end;      /* g_phr[start, end): one first word */
    int next;            /* next run in the same bucket, or -1 */
} prun;
static prun g_runs[MS_CTX_MAX_TRIG];
static int g_head[FIRST_BITS];

static uint32_t word_hash(const char *w)
{
    uint32_t h = 2166136261u;
    while (*w)
        h = (h ^ (unsigned char)*w++) * 16777619u;
    return h % FIRST_BITS;
}
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int cmp_phrase(const void *a, const void *b)
{
    const cphrase *x = a, *y = b;
    int c = strcmp(x->w[0], y->w[0]);
    return c ? c : x->idx - y->idx;
}

static void build_index(void)
{
    for (size_t i = 0; i < NTRIG; i++) {
        cphrase *p = &g_phr[i];
        memset(p, 0, sizeof *p);
        p->idx = (int)i;
        const char *s = TRIGGERS[i].phrase;
        while (*s && p->nw < MAXW) {
            size_t k = 0;
            while (*s && *s != ' ' && k < WLEN - 1)
                p->w[p->nw][k++] = *s++;
            p->nw++;
            while (*s == ' ')
                s++;
        }
    }
    qsort(g_phr, NTRIG, sizeof g_phr[0], cmp_phrase);
    for (size_t b = 0; b < FIRST_BITS; b++)
        g_head[b] = -1;
    int nruns = 0;
    for (size_t i = 0; i < NTRIG;) {
        size_t j = i + 1;
        while (j < NTRIG && strcmp(g_phr[j].w[0], g_phr[i].w[0]) == 0)
            j++;
        uint32_t h = word_hash(g_phr[i].w[0]);
        g_runs[nruns] = (prun){(int)i, (int)j, g_head[h]};
        g_head[h] = nruns++;
        i = j;
    }
}

/* ---- tokens (context_tok.c) ---- */

#define MAXTOK 512
#define WBACK 800        /* bytes looked at before an entity */
#define WFWD 400         /* and after it */
#define NEG_ONLY_BACK 160 /* before a medication or procedure */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static int match_at(const token *tk, size_t n, size_t i, int *nw, int want)
{
    if (tk[i].type != T_WORD || !tk[i].w[0])
        return -1;
    uint32_t h = word_hash(tk[i].w);
    size_t lo = 0, hi = 0;
    for (int r = g_head[h]; r >= 0; r = g_runs[r].next)
        if (strcmp(g_phr[g_runs[r].start].w[0], tk[i].w) == 0) {
            lo = (size_t)g_runs[r].start;
            hi = (size_t)g_runs[r].end;
            break;
        }
    int best = -1, bestn = 0;
    for (size_t p = lo; p < hi; p++) {
        const cphrase *ph = &g_phr[p];
        if (ph->nw < bestn || i + (size_t)ph->nw > n)
            continue;
        /* before the entity a post-trigger does nothing, so it must not
         * hide a trigger inside it: "toileting problems were denied as
         * were a history of seizures" keeps "denied" */
        if (want == K_PRE && TRIGGERS[ph->idx].kind == K_POST)
            continue;
        if (ph->nw == bestn && (best < 0 || TRIGGERS[best].kind == want ||
                                TRIGGERS[ph->idx].kind != want))
            continue;
        int k = 1;
        while (k < ph->nw && tk[i + (size_t)k].type == T_WORD &&
               strcmp(tk[i + (size_t)k].w, ph->w[k]) == 0)
            k++;
        if (k == ph->nw) {
            best = ph->idx;
            bestn = ph->nw;
        }
    }
    *nw = bestn;
    return best;
}

/* A name that says "not": "nonsmoker", "non-drinker", "never smoker" are
 * lexicon names of tobacco and alcohol use that negate themselves (their
 * canonical names do not start so). Only habits: "non-cardiac chest pain",
 * "non-productive cough", "non-insulin-dependent diabetes", "non-healing
 * wound" name what the patient has. */
static bool negative_name(const char *text, size_t len, const ms_nlp_entity *e)
{
    size_t b = e->byte_begin, n = e->byte_end - e->byte_begin;
    if (e->byte_end > len || n < 5 || !e->canonical ||
        (strcmp(e->canonical, "tobacco use") != 0 && strcmp(e->canonical, "alcohol use") != 0))
        return false;
    const char *t = text + b;
    bool non = strncasecmp(t, "non", 3) == 0 || strncasecmp(t, "never ", 6) == 0;
    if (!non) {
        /* a habit's "non-" word before: "a non-cigarette smoker" (only
         * habits: "non-insulin-dependent diabetes" is diabetes) */
        size_t k = b;
        while (k > 0 && text[k - 1] == ' ')
            k--;
        size_t w = k;
        while (w > 0 && (isalpha((unsigned char)text[w - 1]) || text[w - 1] == '-'))
            w--;
        non = k - w > 4 && strncasecmp(text + w, "non-", 4) == 0;
    }
    return non && strncasecmp(e->canonical, "non", 3) != 0 &&
           strncasecmp(e->canonical, "never", 5) != 0;
}

static bool in_list(const char *w, const char *const *l, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (w[0] == l[k][0] && strcmp(w, l[k]) == 0)
            return true;
    return false;
}

/* A listed finding of another age after a comma ends a negation: "no
 * active tuberculosis, old calcified granuloma", "no acute fracture,
 * healed rib fractures", "no acute infarct, chronic small vessel changes". */
static const char *const OTHER_AGE[] = {"old", "healed", "chronic", "calcified", "stable",
                                        "residual", "postoperative", "postsurgical"};

#define REL_HIST_DIST 8  /* words from a history trigger to its "which" */

/* The verbs of a finding clause ("which showed X") among the terminations. */
static bool is_report_verb(const char *p)
{
    static const char *const v[] = {"shows", "showed", "reveals", "revealed", "demonstrates",
                                    "demonstrated"};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        if (strcmp(p, v[k]) == 0)
            return true;
    return false;
}

/* Words among tokens [a, b). */
static int words_between(const token *tk, size_t a, size_t b)
{
    int w = 0;
    for (size_t i = a; i < b; i++)
        w += tk[i].type == T_WORD;
    return w;
}

static bool is_family_word(const char *w)
{
    static const char *const fam[] = {
        "mother", "father", "brother", "brothers", "sister", "sisters",
        "sibling", "siblings", "aunt", "uncle", "grandmother", "grandfather",
        "cousin", "son", "daughter", "parents", "mom", "dad", "family",
        "niece", "nephew", "relatives"};
    for (size_t k = 0; k < sizeof fam / sizeof fam[0]; k++)
        if (strcmp(w, fam[k]) == 0)
            return true;
    return false;
}

/* Is there a word of death among tokens [a, b)? "Maternal grandfather
 * deceased in 1991 due to cancer": the cause of a relative's death is the
 * relative's, so such a cause does not end the family scope. */
static bool death_between(const token *tk, size_t a, size_t b)
{
    static const char *const w[] = {"died", "deceased", "expired", "passed", "death", "dying",
                                    "succumbed"};
    for (size_t i = a; i < b; i++)
        if (tk[i].type == T_WORD)
            for (size_t k = 0; k < sizeof w / sizeof *w; k++)
                if (strcmp(tk[i].w, w[k]) == 0)
                    return true;
    return false;
}

static bool term_ends(int tcls, int c)
{
    return tcls == C_ALL || tcls == c ||
           (tcls == C_NU && (c == C_NEG || c == C_UNC)) ||
           (tcls == C_NFAM && c != C_FAM) ||
           (tcls == C_CAUSE && c != C_UNC && c != C_HYPO);
}

#define LIST_ITEM_MAX 6   /* words per conjunct of a coordinated list */
#define LIST_WORDS_MAX 60 /* words a trigger reaches along such a list */

/* Are tokens [a, n) a coordination of short conjuncts, "fever, chills,
 * sweats, nausea ... or", so a trigger before them reaches the last one?
 * ("denies fever, chills, night sweats, weight loss or dyspnea on
 * exertion"). Items are separated by commas, "and", "or", "nor", "and/or";
 * none may be longer than LIST_ITEM_MAX words. Clause verbs and other
 * terminations have already closed the scope in the caller's scan. */
static bool coordinated(const token *tk, size_t a, size_t n)
{
    int item = 0, words = 0, seps = 0;
    for (size_t i = a; i < n; i++) {
        if (tk[i].type == T_COMMA) {
            item = 0;
            seps++;
            continue;
        }
        if (tk[i].type != T_WORD)
            continue;
        if (strcmp(tk[i].w, "and") == 0 || strcmp(tk[i].w, "or") == 0 ||
            strcmp(tk[i].w, "nor") == 0 || strcmp(tk[i].w, "and/or") == 0 ||
            strcmp(tk[i].w, "including") == 0) {
            item = 0;
            seps++;
            continue;
        }
        /* the examples of a class: "denies any focal deficits such as
         * weakness, numbness, diplopia or dysphagia" */
        if (strcmp(tk[i].w, "such") == 0 && i + 1 < n && tk[i + 1].type == T_WORD &&
            strcmp(tk[i + 1].w, "as") == 0) {
            item = 0;
            seps++;
            i++;
            continue;
        }
        if (++item > LIST_ITEM_MAX || ++words > LIST_WORDS_MAX)
            return false;
    }
    return seps > 0;
}

/* ---- traits ---- */

static void add_trait(ms_nlp_entity *e, int cls, float score)
{
    const char *name = TRAIT_NAME[cls];
    for (int k = 0; k < e->ntraits; k++)
        if (e->traits[k].name && strcmp(e->traits[k].name, name) == 0)
            return;
    if (e->ntraits >= MS_NLP_MAX_TRAITS)
        return;
    e->traits[e->ntraits].name = name;
    e->traits[e->ntraits].score = score;
    e->ntraits++;
}

static bool cat_is(const ms_nlp_entity *e, const char *c)
{
    return e->category && strcmp(e->category, c) == 0;
}

typedef struct {
    token tok[MAXTOK];
    /* The last sentence start found (memo_s) scanning back from memo_b:
     * the next entity of the same sentence only scans back to memo_b. */
    size_t memo_b, memo_s;
    bool memo;
    /* Forward likewise: no boundary in [fmemo_en, fmemo_f); fmemo_f is one if fmemo_found. */
    size_t fmemo_en, fmemo_f;
    bool fmemo, fmemo_found;
} scratch;

/* A list row's value after "Label:": 1 a negative one ("no", "none",
 * "denies", "negative", "absent"), 2 an affirmative one ("yes",
 * "present", "positive"), 0 neither. */
static int row_value(const char *w)
{
    static const char *const neg[] = {"no", "none", "denies", "denied",
                                      "negative", "neg", "absent", "nil",
                                      "-ve", "never"};
    static const char *const pos[] = {"yes", "present", "positive", "+ve",
                                      "y"};
    for (size_t k = 0; k < sizeof neg / sizeof neg[0]; k++)
        if (strcmp(w, neg[k]) == 0)
            return 1;
    for (size_t k = 0; k < sizeof pos / sizeof pos[0]; k++)
        if (strcmp(w, pos[k]) == 0)
            return 2;
    return 0;
}

/* Scan one entity; found[c] set for each class that applies. neg_only
 * restricts to negation from a trigger at most near words before. */
/* Is token k (of n) the patient's possessive: "his", "her", "their"? */
static bool owned_at(const token *tk, size_t n, size_t k)
{
    return k < n && tk[k].type == T_WORD &&
           (!strcmp(tk[k].w, "his") || !strcmp(tk[k].w, "her") || !strcmp(tk[k].w, "their"));
}

/* Is the trigger p a question ("... whether", "... if") whose subject at
 * token k is the patient's own ("her nausea", "his symptoms")? */
static bool question_of_owned(const char *p, const token *tk, size_t n, size_t k)
{
    size_t l = strlen(p);
    return ((l > 8 && !strcmp(p + l - 8, " whether")) || (l > 3 && !strcmp(p + l - 3, " if")) ||
            !strcmp(p, "whether")) &&
           owned_at(tk, n, k);
}

/* Is the trigger a question ("whether", "as to whether", "wondered if")?
 * A negation before it denies knowing, not the condition: "she is not
 * really clear on whether these were seizures" leaves them uncertain. */
static bool is_question(const trig *tr)
{
    size_t l = strlen(tr->phrase);
    return tr->cls == C_UNC && l >= 7 && !strcmp(tr->phrase + l - 7, "whether");
}

/* Does a cause ("secondary to", "due to") start at token k? */
static bool cause_at(const token *tk, size_t n, size_t k)
{
    int nw = 0, t = k < n ? match_at(tk, n, k, &nw, K_POST) : -1;
    return t >= 0 && TRIGGERS[t].kind == K_TERM && TRIGGERS[t].cls == C_CAUSE;
}

static void scan_entity(const char *text, size_t len, const ms_nlp_entity *e,
                        scratch *sc, bool found[C_NCLASS], bool neg_only)
{
    size_t b = e->byte_begin, en = e->byte_end;
    if (b > len)
        b = len;
    if (en > len)
        en = len;
    if (en < b)
        en = b;

    /* sentence start (negation of a medication or procedure only looks a
     * few words back: a short window) */
    size_t back = neg_only ? NEG_ONLY_BACK : WBACK;
    size_t lo = b > back ? b - back : 0, s = lo;
    bool found_b = false;
    size_t stop = lo;
    if (sc->memo && sc->memo_b <= b && sc->memo_s >= lo)
        stop = sc->memo_b;
    for (size_t i = b; i > stop; i--) {
        if (ms__sentence_end(text, len, i - 1)) {
            s = i;
            found_b = true;
            break;
        }
    }
    if (!found_b && stop > lo) {
        s = sc->memo_s;              /* same sentence as the last entity */
        found_b = true;
    }
    sc->memo = found_b;
    sc->memo_b = b;
    sc->memo_s = s;
    if (!found_b && lo > 0) {
        while (s < b && !is_space((unsigned char)text[s]))
            s++;        /* do not start inside a word */
    }
    /* sentence end (reusing the previous entity's scan, as for the start) */
    size_t hi = len - en > WFWD ? en + WFWD : len, f = hi, from = en;
    bool fm = sc->fmemo && sc->fmemo_en <= en && en <= sc->fmemo_f;
    bool found_f = fm && sc->fmemo_found && sc->fmemo_f < hi;
    if (found_f) f = sc->fmemo_f;
    else if (fm && !sc->fmemo_found) from = sc->fmemo_f;
    for (size_t i = from; !found_f && i < hi; i++)
        if ((found_f = ms__sentence_end(text, len, i))) f = i;
    sc->fmemo_en = fm ? sc->fmemo_en : en;
    sc->fmemo = true, sc->fmemo_f = f, sc->fmemo_found = found_f;

    /* before the entity */
    token *tk = sc->tok;
    size_t n = ms__ctx_tokenize(text, s, b, tk, MAXTOK);
    int open[C_NCLASS], maxd[C_NCLASS] = {0};
    for (int c = 0; c < C_NCLASS; c++)
        open[c] = -1;
    int paren = -1, saved[C_NCLASS] = {0}, savedd[C_NCLASS] = {0};
    bool hist_rel = false;   /* inside "<past event> which ..." */
    int pend = -1;           /* a question about a cause, opened there */
    for (size_t i = 0; i < n;) {
        if (tk[i].type == T_COLON) {
            /* "No Hypertension: ..." -- words between a trigger and a
             * colon are a label: the trigger was the previous row's value
             * ("Diabetes: No Hypertension: Yes") or is part of a heading
             * ("History of Present Illness: 67-year-old with diabetes").
             * "Negative for: X" keeps its scope, and so do a relative
             * ("Family history: ...", "Mother: ...") and a watch-for
             * list ("watch for signs of infection: fever, redness"). */
            for (int c = 0; c < C_NCLASS; c++)
                if (open[c] >= 0 && (size_t)open[c] < i &&
                    (term_ends(C_NU, c) || c == C_HIST))
                    open[c] = -1;
        }
        if (tk[i].type == T_COMMA && i + 1 < n && tk[i + 1].type == T_WORD &&
            in_list(tk[i + 1].w, OTHER_AGE, sizeof OTHER_AGE / sizeof *OTHER_AGE))
            open[C_NEG] = -1; /* "no active TB, old calcified granuloma" */
        if (tk[i].type == T_OPEN) {
            paren = (int)i;
            memcpy(saved, open, sizeof saved);
            memcpy(savedd, maxd, sizeof savedd);
        }
        if (tk[i].type == T_CLOSE && paren >= 0) {
            /* a trigger inside "( ... )" does not reach past it */
            for (int c = 0; c < C_NCLASS; c++) {
                if (open[c] > paren) {
                    open[c] = saved[c];
                    maxd[c] = savedd[c];
                }
            }
            paren = -1;
        }
        int nw = 0, t = match_at(tk, n, i, &nw, K_PRE);
        if (t < 0) {
            i++;
            continue;
        }
        const trig *tr = &TRIGGERS[t];
        const char *pw = i > 1 ? tk[i - 1].w : "";   /* a pronoun subject: "and he was" */
        size_t pv = !strcmp(pw, "he") || !strcmp(pw, "she") || !strcmp(pw, "they") ? i - 1 : i;
        if (tr->kind == K_TERM && tr->at_end &&
            !(pv > 0 && (tk[pv - 1].type == T_COMMA ||
                         strcmp(tk[pv - 1].w, "and") == 0 ||
                         strcmp(tk[pv - 1].w, "then") == 0 ||
                         strcmp(tk[pv - 1].w, "also") == 0))) {
            /* "nor was she in atrial fibrillation": not a new clause; nor
             * is "or had" ("he has not vomited or had any fevers": the
             * negation goes on) */
        } else if (tr->kind == K_TERM) {
            /* "a history of abnormal mammogram in the past which
             * subsequently showed a benign breast cyst": a relative clause
             * of a past event tells more of the past, through its verb */
            bool rel = tr->cls == C_ALL && strcmp(tr->phrase, "which") == 0;
            if (rel && open[C_HIST] >= 0 &&
                words_between(tk, (size_t)open[C_HIST], i) <= REL_HIST_DIST) {
                hist_rel = true;
            } else if (hist_rel && tr->cls == C_ALL && is_report_verb(tr->phrase)) {
                /* keeps C_HIST open: the clause's own verb */
            } else {
                hist_rel = false;
            }
            int keep = hist_rel ? open[C_HIST] : -1;
            /* "unclear if it was due to his diabetes": a cause the
             * patient owns is known, whatever the doubt about the link */
            size_t nx = i + (size_t)nw;
            bool owned = tr->cls == C_CAUSE && owned_at(tk, n, nx);
            bool fam = tr->cls == C_CAUSE && open[C_FAM] >= 0 &&
                       words_between(tk, (size_t)open[C_FAM], i) <= maxd[C_FAM] &&
                       death_between(tk, (size_t)open[C_FAM], i);
            for (int c = 0; c < C_NCLASS; c++)
                if (term_ends(tr->cls, c) || owned ||
                    /* "probably secondary to contusion": the doubt is the
                     * link, right before the cause, not the cause */
                    (tr->cls == C_CAUSE && open[c] == (int)i))
                    open[c] = -1;
            if (fam) {
                open[C_FAM] = (int)nx;   /* counted from the cause */
                maxd[C_FAM] = DEF_PRE_DIST[C_FAM];
            }
            if (tr->cls == C_CAUSE && pend >= 0 && !owned) {
                open[pend] = (int)nx;
                maxd[pend] = DEF_PRE_DIST[pend];
            }
            if (tr->cls == C_CAUSE)
                pend = -1;
            if (keep >= 0)
                open[C_HIST] = (int)(i + (size_t)nw);
            /* "who", "whose": a relative clause about the relative in
             * scope ("8 children ... with the exception of one who has
             * CAD") counts its distance from the pronoun */
            if (tr->cls == C_NFAM && open[C_FAM] >= 0 &&
                words_between(tk, (size_t)open[C_FAM], i) <= maxd[C_FAM])
                open[C_FAM] = (int)(i + (size_t)nw);
        } else if (tr->kind == K_PRE && tr->at_end) {
            /* opens after the first conjunct */
            size_t k = i + (size_t)nw;
            while (k < n && tk[k].type != T_COMMA &&
                   !(tk[k].type == T_WORD && (strcmp(tk[k].w, "or") == 0 ||
                                               strcmp(tk[k].w, "nor") == 0)))
                k++;
            if (k < n) {
                open[tr->cls] = (int)(k + 1);
                maxd[tr->cls] = DEF_PRE_DIST[tr->cls];
            } else {
                open[tr->cls] = -1;
            }
        } else if (tr->kind == K_PRE && question_of_owned(tr->phrase, tk, n, i + (size_t)nw)) {
            if (is_question(tr))
                open[C_NEG] = -1;
            /* "it was not clear whether her nausea and abdominal pain were
             * due to gastritis": her symptoms are known, the question is
             * their cause -- opened at the cause, if one follows */
            open[tr->cls] = -1;
            pend = tr->cls;
        } else if (tr->kind == K_PRE) {
            /* a doubt raised later in the sentence is about what follows
             * it: "the nodules were not on the pleural surface, concerning
             * for metastatic disease" (but "no suspected pancreatitis",
             * the doubt right after the negation, stays negated) */
            if (is_question(tr) ||
                (tr->cls == C_UNC && open[C_NEG] >= 0 &&
                 words_between(tk, (size_t)open[C_NEG], i) > 3))
                open[C_NEG] = -1;
            open[tr->cls] = (int)(i + (size_t)nw);
            maxd[tr->cls] = tr->max_dist ? tr->max_dist
                                         : DEF_PRE_DIST[tr->cls];
            if (tr->cls == C_NEG && strstr(tr->phrase, "family")) {
                /* "no family history of colon cancer": about the family
                 * (and negative), never "the patient does not have it" */
                open[C_FAM] = open[C_NEG];
                maxd[C_FAM] = maxd[C_NEG];
            }
        }
        i += (size_t)nw;
    }
    for (int c = 0; c < C_NCLASS; c++) {
        if (open[c] < 0 || (neg_only && c != C_NEG))
            continue;
        int words = 0;
        for (size_t i = (size_t)open[c]; i < n; i++)
            words += tk[i].type == T_WORD;
        int lim = maxd[c];
        if (neg_only && lim > 3)
            lim = 3;
        if (words <= lim || (!neg_only && c != C_HIST && c != C_FAM &&
                             coordinated(tk, (size_t)open[c], n)))
            found[c] = true;
    }
    if (neg_only) {
        /* after a test, procedure or medication, "negative" is a result:
         * only words saying it did not happen negate it ("CT scan was not
         * performed"), within three words on its line */
        static const char *const not_done[] = {"not performed", "not done", "not obtained"};
        /* three words and the phrase fit in 64 bytes: tokenise no further */
        n = ms__ctx_tokenize(text, en, f < en + 64 ? f : en + 64, tk, MAXTOK);
        for (size_t i = 0, words = 0; i < n && words <= 3; i++) {
            if (i > 0 && tk[i].nl)
                break;
            int nw = 0, t = match_at(tk, n, i, &nw, K_POST);
            if (t >= 0 && in_list(TRIGGERS[t].phrase, not_done, 3)) {
                found[C_NEG] = true;
                break;
            }
            words += tk[i].type == T_WORD;
        }
        return;
    }

    /* after the entity */
    n = ms__ctx_tokenize(text, en, f, tk, MAXTOK);
    int words = 0;
    bool comma = false, after_cause = false;
    if (n >= 2 && tk[0].type == T_COLON && tk[1].type == T_WORD) {
        /* a list row's value: "Diabetes: No", "Chest pain: denies",
         * "Hypertension: Yes" */
        switch (row_value(tk[1].w)) {
        case 1:
            found[C_NEG] = true;
            return;
        case 2:
            found[C_NEG] = false;
            return;
        default:
            break;
        }
    }
    for (size_t i = 0; i < n;) {
        /* post-triggers stay on the entity's line (a wrapped sentence
         * going on in lower case excepted) and in its row: "Acute
         * appendicitis\nSecondary: None" */
        if (i > 0 && tk[i].nl && !tk[i].lc)
            break;
        if (tk[i].type == T_COLON && words > 0)
            break;
        comma |= tk[i].type == T_COMMA;
        int nw = 0, t = match_at(tk, n, i, &nw, K_POST);
        if (t < 0) {
            if (tk[i].type == T_WORD && strcmp(tk[i].w, "in") == 0 &&
                words <= DEF_POST_DIST[C_FAM]) {
                for (size_t k = i + 1; k < n && k <= i + 3; k++) {
                    if (tk[k].type != T_WORD)
                        break;
                    if (is_family_word(tk[k].w)) {
                        found[C_FAM] = true;
                        break;
                    }
                }
            }
            words += tk[i].type == T_WORD && !after_cause;
            i++;
            continue;
        }
        const trig *tr = &TRIGGERS[t];
        if (tr->kind == K_TERM && tr->cls == C_CAUSE) {
            /* "Sepsis secondary to urinary tract infection, resolved":
             * only the past reaches back over a cause, whose words do not
             * count as distance ("... due to GERD, ruled out" rules out
             * the cause, not the chest pain) */
            after_cause = true;
            i += (size_t)nw;
            continue;
        }
        if (tr->kind == K_TERM && tr->cls == C_ALL)
            break;
        if (after_cause && tr->kind == K_POST && tr->cls != C_HIST) {
            /* about the cause */
        } else if (tr->kind == K_POST && tr->cls == C_UNC && comma) {
            /* "Chest pain, likely acute coronary syndrome": the guess is
             * about what follows the comma */
        } else if (tr->kind == K_POST && tr->cls == C_UNC && cause_at(tk, n, i + (size_t)nw)) {
            /* "bleed likely secondary to gastritis": a doubt of the link */
        } else if (tr->kind == K_POST) {
            int lim = tr->max_dist ? tr->max_dist : DEF_POST_DIST[tr->cls];
            size_t nx = i + (size_t)nw;
            bool end_ok = !tr->at_end || nx >= n || tk[nx].type != T_WORD;
            if (words <= lim && end_ok)
                found[tr->cls] = true;
        }
        words += nw;
        i += (size_t)nw;
    }
}

#define IND_GAP 120   /* bytes between a medication and its indication */

/* Is condition e a medication's indication, "Colace 100 mg daily for
 * constipation", "metformin for type 2 diabetes"? med is the last
 * MEDICATION entity ending before e. The gap must be one sentence of at
 * most IND_GAP bytes holding a "for" at most 3 words before e and, before
 * the "for", only the drug's own dose, route and frequency (no verb). A
 * drug named after a verb of treatment ("was given Zofran for nausea",
 * "treated with ceftriaxone for pneumonia") says the patient had the
 * condition, so that is not an indication here. (The prn/as-needed forms
 * are triggers.) */
static bool is_indication(const char *text, size_t len,
                          const ms_nlp_entity *med, const ms_nlp_entity *e,
                          scratch *sc)
{
    size_t a = med->byte_end, b = e->byte_begin;
    if (a > b || b - a > IND_GAP || b > len)
        return false;
    for (size_t i = a; i < b; i++)
        if (ms__sentence_end(text, len, i))
            return false;
    token *tk = sc->tok;
    size_t n = ms__ctx_tokenize(text, a, b, tk, MAXTOK);
    static const char *const verbs[] = {
        "is", "are", "was", "were", "has", "had", "have", "with", "and",
        "but", "which", "due", "because", "after", "since", "then"};
    size_t nv = sizeof verbs / sizeof verbs[0];
    int after = 0;
    size_t i = n;
    while (i > 0) {
        i--;
        if (tk[i].type != T_WORD)
            continue;
        if (strcmp(tk[i].w, "for") == 0)
            break;
        if (++after > 3 || in_list(tk[i].w, verbs, nv))
            return false;
    }
    if (n == 0 || tk[i].type != T_WORD || strcmp(tk[i].w, "for") != 0)
        return false;
    int before = 0;
    for (size_t k = 0; k < i; k++)
        if (tk[k].type == T_WORD &&
            (++before > 10 || in_list(tk[k].w, verbs, nv)))
            return false;
    /* a verb of treatment just before the drug */
    size_t lo = med->byte_begin > 60 ? med->byte_begin - 60 : 0;
    size_t s = med->byte_begin;
    while (s > lo && !ms__sentence_end(text, len, s - 1))
        s--;
    n = ms__ctx_tokenize(text, s, med->byte_begin, tk, MAXTOK);
    static const char *const treat[] = {
        "treated", "treating", "treatment", "started", "given", "gave",
        "received", "receiving", "initiated", "required", "requiring",
        "responded", "administered", "improved", "needed", "placed",
        "takes", "taking"};
    /* "has been on Norvasc and lisinopril for years for hypertension":
     * a maintenance drug's condition is the patient's */
    static const char *const on_verbs[] = {"been", "is", "was", "remains", "continues",
                                           "currently", "stays", "maintained"};
    int seen = 0;
    for (size_t k = n; k > 0 && seen < 5; k--) {
        if (tk[k - 1].type != T_WORD)
            continue;
        seen++;
        if (in_list(tk[k - 1].w, treat, sizeof treat / sizeof treat[0]))
            return false;
        if (strcmp(tk[k - 1].w, "on") == 0 && k >= 2 && tk[k - 2].type == T_WORD &&
            in_list(tk[k - 2].w, on_verbs, sizeof on_verbs / sizeof on_verbs[0]))
            return false;
    }
    return true;
}

void ms_context_apply(const char *text, size_t len, ms_nlp_entity *ents,
                      size_t n)
{
    if (!text || !ents || n == 0)
        return;
    pthread_once(&g_once, build_index);
    scratch *sc = malloc(sizeof *sc);
    if (!sc)
        return;      /* traits are best effort */
    sc->memo = sc->fmemo = false;
    const ms_nlp_entity *med = NULL;  /* the last medication so far */
    for (size_t i = 0; i < n; i++) {
        ms_nlp_entity *e = &ents[i];
        if (e->parent != -1 || e->is_attribute)
            continue;
        if (med && med->byte_begin > e->byte_begin)
            med = NULL;               /* out of text order: start over */
        bool cond = cat_is(e, "MEDICAL_CONDITION");
        bool other = cat_is(e, "MEDICATION") ||
                     cat_is(e, "TEST_TREATMENT_PROCEDURE");
        if (!cond && !other)
            continue;
        bool found[C_NCLASS] = {false};
        scan_entity(text, len, e, sc, found, !cond);
        if (cond && med && !found[C_NEG] && !found[C_HYPO] &&
            is_indication(text, len, med, e, sc))
            found[C_HYPO] = true;
        if (!cond && cat_is(e, "MEDICATION"))
            med = e;
        if (cond && negative_name(text, len, e))
            found[C_NEG] = true;
        if (cond) {
            if (e->section == MS_SEC_PAST_HISTORY)
                found[C_HIST] = true;
            if (e->section == MS_SEC_FAMILY_HISTORY)
                found[C_FAM] = true;
        }
        for (int c = 0; c < C_NCLASS; c++)
            if (found[c])
                add_trait(e, c, TRAIT_SCORE[c]);
    }
    free(sc);
}
