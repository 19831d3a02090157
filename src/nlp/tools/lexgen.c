/* lexgen -- build-time lexicon compiler.
 *
 *   lexgen <lexicon-dir> <out.c>
 *
 * Reads the TSVs of src/nlp/lexicon/ (a missing file counts as zero rows),
 * validates them (column counts, enum values, numbers, duplicates, dangling
 * brand -> generic, class and condition_lay references) and writes a C
 * source with static tables and a precomputed open-addressing hash table
 * (see ../lex.h). Any error prints "file:line: message" and exits 1, which
 * fails the build.
 *
 * conditions.gen.tsv / condition_lay.gen.tsv (written by
 * scripts/lexicon-import.py from public terminologies) are read after the
 * curated files, with one more column (provenance). The curated rows win: a
 * generated row whose name is any curated name (of any kind) or repeats an
 * earlier generated name is dropped, not an error, so editing a curated file
 * never needs a re-import. */
#include "nlp/lex.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct row {
    const char *file;
    int line;
    int nf;
    char *f[8];
} row;

typedef struct rows { row *v; size_t n, cap; bool present; } rows;

typedef struct gent {
    char *key, *surface;
    int ntok, kind, type, cs, neg;
    const char *canonical, *lay, *med_class, *code, *unit;
    bool has_range;
    double low, high;
    const char *file;
    int line;
    bool gen;                /* from a *.gen.tsv: loses every conflict */
} gent;

static int nerrors;

static void err(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: error: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    nerrors++;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) { perror("lexgen"); exit(2); }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n + 1);
    return d;
}

static char *trim(char *s)
{
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r')) s[--n] = 0;
    return s;
}

/* Read a TSV; rows must have between minf and maxf fields. */
static rows read_tsv(const char *dir, const char *name, int minf, int maxf)
{
    rows r = {0};
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (errno != ENOENT) err(path, 0, "cannot open: %s", strerror(errno));
        return r;
    }
    r.present = true;
    const char *file = xstrdup(path);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    int lineno = 0;
    while ((got = getline(&line, &lcap, fp)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = 0;
        if (got == 0 || line[0] == '#') continue;
        bool blank = true;
        for (ssize_t i = 0; i < got; i++)
            if (!isspace((unsigned char)line[i])) blank = false;
        if (blank) continue;
        row w = {.file = file, .line = lineno};
        char *p = xstrdup(line);
        for (;;) {
            char *tab = strchr(p, '\t');
            if (tab) *tab = 0;
            if (w.nf < 8) w.f[w.nf] = trim(p);
            w.nf++;
            if (!tab) break;
            p = tab + 1;
        }
        /* trailing empty optional columns may be omitted */
        while (w.nf > maxf && w.nf <= 8 && w.f[w.nf - 1][0] == 0) w.nf--;
        if (w.nf < minf || w.nf > maxf) {
            err(file, lineno, "%d columns, expected %d..%d", w.nf, minf, maxf);
            continue;
        }
        for (int i = w.nf; i < 8; i++) w.f[i] = (char *)"";
        if (w.f[0][0] == 0) { err(file, lineno, "empty name"); continue; }
        if (r.n == r.cap) {
            r.cap = r.cap ? r.cap * 2 : 256;
            r.v = xrealloc(r.v, r.cap * sizeof *r.v);
        }
        r.v[r.n++] = w;
    }
    free(line);
    fclose(fp);
    return r;
}

static const char *opt(const char *s) { return s && s[0] ? s : NULL; }

/* Tokenise a name into key (folded) and surface; returns token count. */
static int tokenise(const char *name, char **key, char **surface)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t n = strlen(name), pos = 0, tb, te;
    char *k = xrealloc(NULL, 2 * n + 2), *u = xrealloc(NULL, 2 * n + 2);
    size_t kl = 0, ul = 0;
    int nt = 0;
    while (ms_lex_next_token(s, n, &pos, &tb, &te) != MS_CC_SPACE) {
        if (nt++) { k[kl++] = ' '; u[ul++] = ' '; }
        MS_LEX_FOLD_EACH(s, tb, te, 1, k[kl++] = (char)_c);
        MS_LEX_FOLD_EACH(s, tb, te, 0, u[ul++] = (char)_c);
    }
    k[kl] = 0;
    u[ul] = 0;
    *key = k;
    *surface = u;
    return nt;
}

static uint64_t key_hash(const char *key, size_t len)
{
    const unsigned char *s = (const unsigned char *)key;
    uint64_t h = MS_LEX_SEQ_SEED;
    size_t pos = 0, tb, te;
    while (ms_lex_next_token(s, len, &pos, &tb, &te) != MS_CC_SPACE)
        h = ms_lex_seq_step(h, ms_lex_tok_hash(s, tb, te));
    return h;
}

static gent *ents;
static size_t nents, cents;

static gent *add(const row *w, int kind, int type, const char *flags)
{
    char *key, *surface;
    int nt = tokenise(w->f[0], &key, &surface);
    if (nt == 0) { err(w->file, w->line, "name has no tokens"); return NULL; }
    if (nt > MS_LEX_MAX_TOK) {
        err(w->file, w->line, "name has %d tokens (max %d)", nt, MS_LEX_MAX_TOK);
        return NULL;
    }
    int cs = 0, neg = 0;
    if (flags && flags[0]) {
        char *fl = xstrdup(flags), *save = NULL;
        for (char *t = strtok_r(fl, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
            if (strcmp(t, "cs") == 0) cs = 1;
            else if (strcmp(t, "neg") == 0 && kind == MS_LEX_COND) neg = 1;
            else err(w->file, w->line, "unknown flag '%s'", t);
        }
        free(fl);
    }
    if (nents == cents) {
        cents = cents ? cents * 2 : 1024;
        ents = xrealloc(ents, cents * sizeof *ents);
    }
    gent *g = &ents[nents++];
    memset(g, 0, sizeof *g);
    g->key = key;
    g->surface = surface;
    g->ntok = nt;
    g->kind = kind;
    g->type = type;
    g->cs = cs;
    g->neg = neg;
    g->file = w->file;
    g->line = w->line;
    return g;
}

static int enum_of(const row *w, const char *v, const char *const *names,
                   const int *codes, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0) return codes[i];
    err(w->file, w->line, "bad type/trait '%s'", v);
    return -1;
}

static bool number(const row *w, const char *v, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(v, &end);
    if (errno || end == v || *end) {
        err(w->file, w->line, "not a number: '%s'", v);
        return false;
    }
    return true;
}

static int icmp(const char *a, const char *b) { return strcasecmp(a, b); }

static int cmp_gent(const void *a, const void *b)
{
    const gent *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (x->kind != y->kind) return x->kind - y->kind;
    if (x->cs != y->cs) return y->cs - x->cs;      /* case-sensitive first */
    if (x->gen != y->gen) return x->gen - y->gen;  /* curated first */
    int d = strcmp(x->surface, y->surface);
    if (d) return d;
    if (x->file != y->file) return strcmp(x->file, y->file);
    return x->line - y->line;
}

static void emit_str(FILE *o, const char *s)
{
    if (!s) { fputs("NULL", o); return; }
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(o, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7F) fprintf(o, "\\%03o", *p);
        else fputc(*p, o);
    }
    fputc('"', o);
}

typedef struct gslot { uint64_t hash; const char *key; size_t first, count; unsigned flags; } gslot;

static gslot *slots;
static size_t mask;

static gslot *slot_for(const char *key, size_t klen, const char *ef, int el)
{
    char *k = xrealloc(NULL, klen + 1);
    memcpy(k, key, klen);
    k[klen] = 0;
    uint64_t h = key_hash(k, klen);
    for (size_t i = ms_lex_slot_of(h, mask);; i = (i + 1) & mask) {
        gslot *s = &slots[i];
        if (!s->flags) { s->hash = h; s->key = k; return s; }
        if (s->hash == h) {
            if (strcmp(s->key, k) != 0)
                err(ef, el, "hash collision between '%s' and '%s'", s->key, k);
            free(k);
            return s;
        }
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is a generated row's name the key of a curated row (ckeys: sorted)? */
static bool is_curated(const char *name, char **ckeys, size_t ncur)
{
    char *key, *surface;
    tokenise(name, &key, &surface);
    bool curated = ncur && bsearch(&key, ckeys, ncur, sizeof *ckeys, cmp_str);
    free(key);
    free(surface);
    return curated;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: lexgen <lexicon-dir> <out.c>\n");
        return 2;
    }
    const char *dir = argv[1];
    rows meds = read_tsv(dir, "medications.tsv", 2, 6);
    rows cls = read_tsv(dir, "med_classes.tsv", 1, 3);
    rows tests = read_tsv(dir, "tests.tsv", 2, 7);
    rows conds = read_tsv(dir, "conditions.tsv", 3, 5);
    rows clay = read_tsv(dir, "condition_lay.tsv", 2, 2);
    rows procs = read_tsv(dir, "procedures.tsv", 3, 5);
    rows anat = read_tsv(dir, "anatomy.tsv", 2, 3);
    rows gconds = read_tsv(dir, "conditions.gen.tsv", 6, 6);
    rows gclay = read_tsv(dir, "condition_lay.gen.tsv", 3, 3);
    rows gmeds = read_tsv(dir, "medications.gen.tsv", 7, 7);

    /* med_classes: key -> lay, clinical */
    for (size_t i = 0; i < cls.n; i++)
        for (size_t j = 0; j < i; j++)
            if (icmp(cls.v[i].f[0], cls.v[j].f[0]) == 0)
                err(cls.v[i].file, cls.v[i].line, "duplicate class '%s' (line %d)",
                    cls.v[i].f[0], cls.v[j].line);

    static const char *const mt_n[] = {"GENERIC_NAME", "BRAND_NAME"};
    static const int mt_c[] = {MS_LT_GENERIC_NAME, MS_LT_BRAND_NAME};
    for (size_t i = 0; i < meds.n; i++) {
        row *w = &meds.v[i];
        int t = enum_of(w, w->f[1], mt_n, mt_c, 2);
        if (t < 0) continue;
        gent *g = add(w, MS_LEX_MED, t, w->f[5]);
        if (!g) continue;
        g->canonical = w->f[0];
        if (t == MS_LT_BRAND_NAME) {
            if (!w->f[2][0]) { err(w->file, w->line, "brand without generic"); continue; }
            bool found = false;
            for (size_t j = 0; j < meds.n && !found; j++)
                found = strcmp(meds.v[j].f[1], "GENERIC_NAME") == 0 &&
                        icmp(meds.v[j].f[0], w->f[2]) == 0;
            if (!found)
                err(w->file, w->line, "generic '%s' is not a GENERIC_NAME row", w->f[2]);
            g->canonical = w->f[2];
        }
        if (w->f[3][0] && cls.present) {
            bool found = false;
            for (size_t j = 0; j < cls.n && !found; j++) {
                if (icmp(cls.v[j].f[0], w->f[3]) == 0) {
                    found = true;
                    g->lay = opt(cls.v[j].f[1]);
                    g->med_class = opt(cls.v[j].f[2]) ? cls.v[j].f[2] : cls.v[j].f[0];
                }
            }
            if (!found) err(w->file, w->line, "class '%s' not in med_classes.tsv", w->f[3]);
        } else if (w->f[3][0]) {
            g->med_class = w->f[3];
        }
        g->code = opt(w->f[4]);
    }

    for (size_t i = 0; i < tests.n; i++) {
        row *w = &tests.v[i];
        gent *g = add(w, MS_LEX_TEST, MS_LT_TEST_NAME, w->f[6]);
        if (!g) continue;
        g->canonical = w->f[1];
        g->unit = opt(w->f[2]);
        g->lay = opt(w->f[5]);
        if (w->f[3][0] || w->f[4][0]) {
            if (!w->f[3][0] || !w->f[4][0]) {
                err(w->file, w->line, "range needs both low and high");
            } else if (number(w, w->f[3], &g->low) && number(w, w->f[4], &g->high)) {
                if (g->low > g->high) err(w->file, w->line, "low > high");
                g->has_range = true;
            }
        }
    }

    /* condition_lay: canonical -> lay, every canonical must exist, curated
     * or generated (a curated lay term may explain a generated canonical) */
    static const char *const ct_n[] = {"DIAGNOSIS", "SIGN", "SYMPTOM"};
    static const int ct_c[] = {MS_LT_DIAGNOSIS, MS_LT_SIGN, MS_LT_SYMPTOM};
    for (size_t i = 0; i < clay.n; i++) {
        row *w = &clay.v[i];
        bool found = !conds.present;
        for (size_t j = 0; j < conds.n && !found; j++)
            found = icmp(conds.v[j].f[1], w->f[0]) == 0;
        for (size_t j = 0; j < gconds.n && !found; j++)
            found = icmp(gconds.v[j].f[1], w->f[0]) == 0;
        if (!found) err(w->file, w->line, "canonical '%s' not in conditions*.tsv", w->f[0]);
        for (size_t j = 0; j < i; j++)
            if (icmp(clay.v[j].f[0], w->f[0]) == 0)
                err(w->file, w->line, "duplicate canonical '%s' (line %d)", w->f[0], clay.v[j].line);
    }
    for (size_t i = 0; i < conds.n; i++) {
        row *w = &conds.v[i];
        int t = enum_of(w, w->f[2], ct_n, ct_c, 3);
        if (t < 0) continue;
        gent *g = add(w, MS_LEX_COND, t, w->f[4]);
        if (!g) continue;
        g->canonical = w->f[1];
        g->code = opt(w->f[3]);
        for (size_t j = 0; j < clay.n; j++)
            if (icmp(clay.v[j].f[0], w->f[1]) == 0) { g->lay = clay.v[j].f[1]; break; }
        /* no curated lay term: a generated one (the import writes none for
         * a canonical the curated file already explains) */
        for (size_t j = 0; j < gclay.n && !g->lay; j++)
            if (icmp(gclay.v[j].f[0], w->f[1]) == 0) g->lay = gclay.v[j].f[1];
    }

    static const char *const pt_n[] = {"PROCEDURE_NAME", "TEST_NAME", "TREATMENT_NAME"};
    static const int pt_c[] = {MS_LT_PROCEDURE_NAME, MS_LT_TEST_NAME, MS_LT_TREATMENT_NAME};
    for (size_t i = 0; i < procs.n; i++) {
        row *w = &procs.v[i];
        int t = enum_of(w, w->f[2], pt_n, pt_c, 3);
        if (t < 0) continue;
        gent *g = add(w, MS_LEX_PROC, t, w->f[4]);
        if (!g) continue;
        g->canonical = w->f[1];
        g->lay = opt(w->f[3]);
    }

    static const char *const at_n[] = {"SYSTEM_ORGAN_SITE", "DIRECTION"};
    static const int at_c[] = {MS_LT_SYSTEM_ORGAN_SITE, MS_LT_DIRECTION};
    for (size_t i = 0; i < anat.n; i++) {
        row *w = &anat.v[i];
        int t = enum_of(w, w->f[1], at_n, at_c, 2);
        if (t < 0) continue;
        gent *g = add(w, MS_LEX_ANAT, t, NULL);
        if (!g) continue;
        g->canonical = opt(w->f[2]) ? w->f[2] : w->f[0];
    }

    /* Generated conditions: every curated key (any kind) wins. */
    size_t ncur = nents, ndropped = 0;
    char **ckeys = xrealloc(NULL, (ncur ? ncur : 1) * sizeof *ckeys);
    for (size_t i = 0; i < ncur; i++) ckeys[i] = ents[i].key;
    if (ncur) qsort(ckeys, ncur, sizeof *ckeys, cmp_str);
    for (size_t i = 0; i < gclay.n; i++) {
        row *w = &gclay.v[i];
        bool found = false;
        for (size_t j = 0; j < gconds.n && !found; j++)
            found = icmp(gconds.v[j].f[1], w->f[0]) == 0;
        for (size_t j = 0; j < conds.n && !found; j++)
            found = icmp(conds.v[j].f[1], w->f[0]) == 0;
        if (!found) err(w->file, w->line, "canonical '%s' not in conditions*.tsv", w->f[0]);
    }
    for (size_t i = 0; i < gconds.n; i++) {
        row *w = &gconds.v[i];
        if (is_curated(w->f[0], ckeys, ncur)) { ndropped++; continue; }
        if (w->f[4][0]) { err(w->file, w->line, "generated rows take no flags"); continue; }
        if (!w->f[5][0]) { err(w->file, w->line, "generated row without provenance"); continue; }
        int t = enum_of(w, w->f[2], ct_n, ct_c, 3);
        if (t < 0) continue;
        gent *g = add(w, MS_LEX_COND, t, NULL);
        if (!g) continue;
        g->gen = true;
        g->canonical = w->f[1];
        g->code = opt(w->f[3]);
        for (size_t j = 0; j < clay.n && !g->lay; j++)
            if (icmp(clay.v[j].f[0], w->f[1]) == 0) g->lay = clay.v[j].f[1];
        for (size_t j = 0; j < gclay.n && !g->lay; j++)
            if (icmp(gclay.v[j].f[0], w->f[1]) == 0) g->lay = gclay.v[j].f[1];
    }
    /* Generated medications (Table of Drugs and Chemicals): likewise; a
     * brand's or a variant's generic must be a medication row. */
    for (size_t i = 0; i < gmeds.n; i++) {
        row *w = &gmeds.v[i];
        if (is_curated(w->f[0], ckeys, ncur)) { ndropped++; continue; }
        if (w->f[3][0] || w->f[4][0] || w->f[5][0]) {
            err(w->file, w->line, "generated medication rows take no class, code or flags");
            continue;
        }
        if (!w->f[6][0]) { err(w->file, w->line, "generated row without provenance"); continue; }
        int t = enum_of(w, w->f[1], mt_n, mt_c, 2);
        if (t < 0) continue;
        bool found = !w->f[2][0] || icmp(w->f[2], w->f[0]) == 0;
        for (size_t j = 0; j < meds.n && !found; j++)
            found = icmp(meds.v[j].f[0], w->f[2]) == 0;
        for (size_t j = 0; j < gmeds.n && !found; j++)
            found = icmp(gmeds.v[j].f[0], w->f[2]) == 0;
        if (!found) { err(w->file, w->line, "generic '%s' is not a medication row", w->f[2]); continue; }
        gent *g = add(w, MS_LEX_MED, t, NULL);
        if (!g) continue;
        g->gen = true;
        g->canonical = w->f[2][0] ? w->f[2] : w->f[0];
    }
    free(ckeys);

    if (nents) qsort(ents, nents, sizeof *ents, cmp_gent);
    /* duplicates: same key, same kind, same case-sensitivity (and surface
     * for case-sensitive rows). A generated row sorts after the curated
     * one and after an earlier generated one, and is dropped. */
    size_t kept = nents ? 1 : 0;
    for (size_t i = 1; i < nents; i++) {
        gent *a = &ents[kept - 1], *b = &ents[i];
        if (strcmp(a->key, b->key) == 0 && a->kind == b->kind && a->cs == b->cs &&
            (!a->cs || strcmp(a->surface, b->surface) == 0 || b->gen)) {
            if (b->gen) { ndropped++; continue; }
            err(b->file, b->line, "duplicate of %s:%d ('%s')", a->file, a->line, b->key);
        }
        ents[kept++] = *b;
    }
    nents = kept;
    if (gconds.present)
        fprintf(stderr, "lexgen: %zu generated condition rows, %zu left to curated or "
                "earlier rows\n", gconds.n - ndropped, ndropped);

    size_t need = 1;
    for (size_t i = 0; i < nents; i++) need += ents[i].ntok;
    size_t size = 64;
    while (size < need * 2) size <<= 1;
    mask = size - 1;
    slots = calloc(size, sizeof *slots);
    if (!slots) { perror("lexgen"); return 2; }
    for (size_t i = 0; i < nents; i++) {
        gent *g = &ents[i];
        gslot *s = slot_for(g->key, strlen(g->key), g->file, g->line);
        if (!(s->flags & MS_LEX_SLOT_ENTRY)) { s->first = i; s->count = 0; }
        s->flags |= MS_LEX_SLOT_ENTRY;
        s->count++;
        if (s->count > 60000) err(g->file, g->line, "too many rows with one key");
        size_t klen = strlen(g->key);
        for (size_t p = 0; p < klen; p++)
            if (g->key[p] == ' ')
                slot_for(g->key, p, g->file, g->line)->flags |= MS_LEX_SLOT_PREFIX;
    }
    if (nerrors) {
        fprintf(stderr, "lexgen: %d error(s) in the lexicon\n", nerrors);
        return 1;
    }

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    FILE *o = fopen(tmp, "w");
    if (!o) { perror(tmp); return 2; }
    fprintf(o, "/* Generated by lexgen from %s -- do not edit. */\n"
               "#include \"nlp/lex.h\"\n\n", dir);
    fprintf(o, "static const ms_lex_entry entries[%zu] = {\n", nents ? nents : 1);
    for (size_t i = 0; i < nents; i++) {
        gent *g = &ents[i];
        fputs("  {", o);
        emit_str(o, g->key); fputc(',', o);
        emit_str(o, g->surface);
        fprintf(o, ",%d,%d,%d,%d,%d,", g->ntok, g->kind, g->type, g->cs, g->neg);
        emit_str(o, opt(g->canonical)); fputc(',', o);
        emit_str(o, opt(g->lay)); fputc(',', o);
        emit_str(o, opt(g->med_class)); fputc(',', o);
        emit_str(o, opt(g->code)); fputc(',', o);
        emit_str(o, opt(g->unit));
        fprintf(o, ",%s,%.17g,%.17g},\n", g->has_range ? "true" : "false", g->low, g->high);
    }
    if (!nents) fputs("  {0}\n", o);
    fprintf(o, "};\n\nstatic const ms_lex_slot slots[%zu] = {\n", size);
    for (size_t i = 0; i < size; i++) {
        if (!slots[i].flags) continue;
        fprintf(o, "  [%zu] = {0x%016llxull,%zu,%zu,%u},\n", i,
                (unsigned long long)slots[i].hash, slots[i].first, slots[i].count,
                slots[i].flags);
    }
    /* the filter (lex.h): one bit per used slot */
    size_t nused = 0;
    for (size_t i = 0; i < size; i++)
        if (slots[i].flags) nused++;
    size_t fbits = ms_lex_filter_size(nused);
    uint64_t *filter = calloc(fbits / 64, sizeof *filter);
    if (!filter) { perror("lexgen"); return 2; }
    for (size_t i = 0; i < size; i++)
        if (slots[i].flags) {
            size_t bit = ms_lex_filter_bit(slots[i].hash, fbits - 1);
            filter[bit >> 6] |= 1ull << (bit & 63);
        }
    fprintf(o, "};\n\nstatic const uint64_t filter[%zu] = {\n", fbits / 64);
    for (size_t i = 0; i < fbits / 64; i++)
        fprintf(o, "0x%016llxull,%s", (unsigned long long)filter[i], i % 4 == 3 ? "\n" : "");
    fprintf(o, "};\n\nconst ms_lex_index ms_lex_main = {entries, %zu, slots, %zu, filter, %zu};\n",
            nents, mask, fbits - 1);
    free(filter);
    if (fclose(o) != 0 || rename(tmp, argv[2]) != 0) { perror(argv[2]); return 2; }
    return 0;
}
