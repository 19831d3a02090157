/* cm_parse.c -- Comprehend Medical responses into ms_nlp_result (see
 * cm_parse.h).
 *
 * Shapes (botocore comprehendmedical 2018-10-30): every operation answers
 * {"Entities": [...]} whose items carry Id, BeginOffset, EndOffset, Score,
 * Text, Category, Type, Traits [{Name, Score}] and Attributes (Type, Score,
 * RelationshipScore, RelationshipType, Id, offsets, Text, Category,
 * Traits); DetectEntitiesV2 adds UnmappedAttributes [{Type, Attribute}];
 * the Infer operations add ICD10CMConcepts / RxNormConcepts /
 * SNOMEDCTConcepts [{Description, Code, Score}] on entities (and, for
 * SNOMED CT, on attributes). Fields the model marks optional may be absent
 * (the documented DetectEntitiesV2 example has no attribute Category), so
 * anything missing that can be derived is derived, and anything else drops
 * the one entity rather than the response.
 *
 * A call works on private copies (new entities, a private string arena)
 * and touches r only once nothing can fail any more, so r is unchanged on
 * error. Never logs and never puts document text in err. */
#include "stages/comprehend/cm_parse.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/lex.h"

/* ---- string arena (the layout ms_nlp_result_free expects) -------------- */

typedef struct arena_blk {
    struct arena_blk *next;      /* must be first: see nlp.h, arena */
    size_t used, cap;
    char data[];
} arena_blk;

enum { ARENA_BLOCK = 4000 };

static char *arena_put(arena_blk **a, const char *s, size_t n)
{
    arena_blk *b = *a;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > ARENA_BLOCK / 4 ? n + 1 : ARENA_BLOCK;
        arena_blk *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && cap != ARENA_BLOCK) {
            /* a big string gets a block of its own behind the head, so
             * the head's free space stays in use */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            *a = nb;
        }
        b = nb;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    p[n] = '\0';
    b->used += n + 1;
    return p;
}

/* Length of s cut to at most max bytes, not inside a UTF-8 sequence (the
 * strings come from jansson, so they are valid UTF-8). */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

static void arena_free(arena_blk *a)
{
    while (a) {
        arena_blk *n = a->next;
        free(a);
        a = n;
    }
}

/* ---- interning ---------------------------------------------------------- */

/* Every enum value in the model (EntityType, EntitySubType, AttributeName,
 * RelationshipType and the ICD10CM / RxNorm / SNOMEDCT variants), sorted
 * by strcmp for bsearch. */
static const char *const known[] = {
    "ACUITY", "ADDRESS", "ADMINISTERED_VIA", "AGE", "ALCOHOL_CONSUMPTION", "ALLERGIES",
    "AMOUNT", "ANATOMY", "BEHAVIORAL_ENVIRONMENTAL_SOCIAL", "BRAND_NAME",
    "CONTACT_POINT", "DATE", "DIAGNOSIS", "DIRECTION", "DOSAGE", "DURATION", "DX_NAME",
    "EMAIL", "EVERY", "FOR", "FORM", "FREQUENCY", "FUTURE", "GENDER", "GENERIC_NAME",
    "HYPOTHETICAL", "ID", "IDENTIFIER", "LOW_CONFIDENCE", "MEDICAL_CONDITION",
    "MEDICATION", "NAME", "NEGATION", "NEGATIVE", "OVERLAP", "PAST_HISTORY",
    "PERTAINS_TO_FAMILY", "PHONE_OR_FAX", "PROCEDURE_NAME", "PROFESSION",
    "PROTECTED_HEALTH_INFORMATION", "QUALITY", "QUANTITY", "RACE_ETHNICITY", "RATE",
    "REC_DRUG_USE", "ROUTE_OR_MODE", "SIGN", "STRENGTH", "SYMPTOM", "SYSTEM_ORGAN_SITE",
    "TEST_NAME", "TEST_TREATMENT_PROCEDURE", "TEST_UNIT", "TEST_UNITS", "TEST_VALUE",
    "TIME_EXPRESSION", "TIME_TO_DX_NAME", "TIME_TO_MEDICATION_NAME",
    "TIME_TO_PROCEDURE_NAME", "TIME_TO_TEST_NAME", "TIME_TO_TREATMENT_NAME",
    "TOBACCO_USE", "TREATMENT_NAME", "URL", "WITH_DOSAGE",
};

static int cmp_known(const void *k, const void *e)
{
    return strcmp(k, *(const char *const *)e);
}

static const char *known_name(const char *s)
{
    const char *const *p = bsearch(s, known, sizeof known / sizeof *known, sizeof *known,
                                   cmp_known);
    return p ? *p : NULL;
}

/* ---- parse context -------------------------------------------------------- */

typedef struct concept {
    const char *code, *desc;     /* in the call's arena; code NULL = none */
    float score;
} concept;

typedef struct pctx {
    ms_cm_op op;
    const unsigned char *s;      /* the chunk */
    size_t base_byte, base_cp;
    size_t *cpb;                 /* code point -> byte, relative to base_byte */
    size_t ncp;                  /* code points sent */
    arena_blk *arena;            /* this call's strings */
    ms_nlp_entity *v;            /* new entities; parent indexes into v */
    concept *cc;                 /* parallel to v */
    size_t n, cap;
    bool oom;
    char *err;
    size_t errlen;
} pctx;

static int fail(pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(pctx *c, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        int k = snprintf(c->err, c->errlen, "%s: ", ms_cm_ops[c->op].name);
        va_list ap;
        va_start(ap, fmt);
        if (k >= 0 && (size_t)k < c->errlen)
            vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A known name as its static string, anything else copied into the arena;
 * NULL when j is not a non-empty string (or on out of memory: c->oom). */
static const char *intern(pctx *c, const json_t *j)
{
    const char *s = json_string_value(j);
    if (!s || !*s)
        return NULL;
    const char *k = known_name(s);
    if (k)
        return k;
    /* a value the model does not know (yet): keep it, bounded */
    k = arena_put(&c->arena, s, utf8_cut(s, 256));
    if (!k)
        c->oom = true;
    return k;
}

static float score_of(const json_t *j)
{
    if (!json_is_number(j))
        return 0.0f;
    double d = json_number_value(j);
    return d > 0.0 && d <= 1.0 ? (float)d : d > 1.0 ? 1.0f : 0.0f;
}

/* Code point -> byte map of the text sent: invalid bytes are one code
 * point each, exactly as the local engine counts (lex.h). */
static int build_map(pctx *c, size_t sent_bytes)
{
    const unsigned char *s = c->s + c->base_byte;
    c->cpb = malloc((sent_bytes + 1) * sizeof *c->cpb);
    if (!c->cpb)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < sent_bytes;) {
        uint32_t cp;
        c->cpb[k++] = i;
        i += s[i] < 0x80 ? 1 : ms_lex_decode(s, sent_bytes, i, &cp);
    }
    c->cpb[k] = sent_bytes;
    c->ncp = k;
    return 0;
}

static bool slice_is(const pctx *c, size_t b, size_t e, const char *t, size_t tl)
{
    size_t bb = c->cpb[b], be = c->cpb[e];
    return be - bb == tl && memcmp(c->s + c->base_byte + bb, t, tl) == 0;
}

/* The entity's code points [*b, *e) in the text sent. The service's
 * offsets are trusted when they slice Text; the documented examples have
 * spans off by one, so when they do not, a span of Text's length starting
 * within two code points is taken if it matches Text exactly. When nothing
 * matches (Text rendered differently: U+FFFD for invalid bytes, a space
 * for NUL) the service's offsets are kept if they lie inside the text. */
static int offsets(pctx *c, const json_t *o, const char *what, size_t idx, size_t *b,
                   size_t *e)
{
    const json_t *jb = json_object_get(o, "BeginOffset"), *je = json_object_get(o, "EndOffset");
    if (!json_is_integer(jb) || !json_is_integer(je))
        return fail(c, "%s %zu: BeginOffset/EndOffset missing or not integers", what, idx);
    json_int_t ib = json_integer_value(jb), ie = json_integer_value(je);
    bool inside = ib >= 0 && ie > ib && (uint64_t)ie <= c->ncp;
    const json_t *jt = json_object_get(o, "Text");
    const char *t = json_string_value(jt);
    size_t tl = t ? json_string_length(jt) : 0;
    if (inside && (!tl || slice_is(c, (size_t)ib, (size_t)ie, t, tl))) {
        *b = (size_t)ib;
        *e = (size_t)ie;
        return 0;
    }
    if (tl && ib > -3 && (uint64_t)ib <= c->ncp + 2) {
        size_t tcp = 0;
        for (size_t i = 0; i < tl; tcp++) {
            uint32_t cp;
            i += ms_lex_decode((const unsigned char *)t, tl, i, &cp);
        }
        static const int shift[] = {0, -1, 1, -2, 2};
        for (size_t k = 0; k < sizeof shift / sizeof *shift; k++) {
            json_int_t s = ib + shift[k];
            if (s < 0 || (uint64_t)s + tcp > c->ncp)
                continue;
            if (slice_is(c, (size_t)s, (size_t)s + tcp, t, tl)) {
                *b = (size_t)s;
                *e = (size_t)s + tcp;
                return 0;
            }
        }
    }
    if (!inside)
        return fail(c, "%s %zu: offsets %lld..%lld are not a span of the %zu characters sent",
                    what, idx, (long long)ib, (long long)ie, c->ncp);
    *b = (size_t)ib;
    *e = (size_t)ie;
    return 0;
}

/* The category an attribute of this type belongs to, when the response
 * leaves it out (as the documented DetectEntitiesV2 example does). */
static const char *attr_category(const char *type, const char *parent_cat)
{
    static const char *const map[][2] = {
        {"SYSTEM_ORGAN_SITE", "ANATOMY"}, {"DIRECTION", "ANATOMY"},
        {"TEST_VALUE", "TEST_TREATMENT_PROCEDURE"}, {"TEST_UNIT", "TEST_TREATMENT_PROCEDURE"},
        {"TEST_UNITS", "TEST_TREATMENT_PROCEDURE"}, {"ACUITY", "MEDICAL_CONDITION"},
        {"QUALITY", "MEDICAL_CONDITION"}, {"QUANTITY", "MEDICAL_CONDITION"},
        {"DOSAGE", "MEDICATION"}, {"ROUTE_OR_MODE", "MEDICATION"}, {"FORM", "MEDICATION"},
        {"FREQUENCY", "MEDICATION"}, {"DURATION", "MEDICATION"}, {"STRENGTH", "MEDICATION"},
        {"RATE", "MEDICATION"}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(type, map[i][0]) == 0)
            return map[i][1];
    if (strncmp(type, "TIME_", 5) == 0)
        return "TIME_EXPRESSION";
    return parent_cat;
}

/* The category of a top-level entity without one: the operation's only
 * category, else what its type implies; NULL when nothing does. */
static const char *entity_category(ms_cm_op op, const char *type)
{
    if (op == MS_CM_INFER_ICD10CM)
        return "MEDICAL_CONDITION";
    if (op == MS_CM_INFER_RXNORM)
        return "MEDICATION";
    if (op == MS_CM_DETECT_PHI)
        return "PROTECTED_HEALTH_INFORMATION";
    static const char *const map[][2] = {
        {"GENERIC_NAME", "MEDICATION"}, {"BRAND_NAME", "MEDICATION"},
        {"DX_NAME", "MEDICAL_CONDITION"}, {"TEST_NAME", "TEST_TREATMENT_PROCEDURE"},
        {"PROCEDURE_NAME", "TEST_TREATMENT_PROCEDURE"},
        {"TREATMENT_NAME", "TEST_TREATMENT_PROCEDURE"}, {"SYSTEM_ORGAN_SITE", "ANATOMY"},
        {"TIME_EXPRESSION", "TIME_EXPRESSION"}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(type, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* Codes as each system writes them; anything else is not a code. */
static bool code_ok(ms_cm_op op, const char *s)
{
    size_t n = strlen(s);
    if (op == MS_CM_INFER_ICD10CM) {
        /* ^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$ */
        bool ok = n >= 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= '0' && s[1] <= '9';
        for (size_t i = 2; ok && i < n; i++) {
            bool an = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z');
            ok = i == 2 ? an : i == 3 ? s[i] == '.' && n >= 5 && n <= 8 : an;
        }
        return ok;
    }
    if (n == 0 || n > 18)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* The best-scored well-formed concept of o for this operation. */
static void best_concept(pctx *c, const json_t *o, concept *out)
{
    static const char *const key[MS_CM_NOPS] = {
        [MS_CM_INFER_ICD10CM] = "ICD10CMConcepts", [MS_CM_INFER_RXNORM] = "RxNormConcepts",
        [MS_CM_INFER_SNOMEDCT] = "SNOMEDCTConcepts"};
    memset(out, 0, sizeof *out);
    if (!key[c->op])
        return;
    const json_t *list = json_object_get(o, key[c->op]), *best = NULL, *k;
    size_t i;
    float bs = -1.0f;
    json_array_foreach(list, i, k) {
        const char *code = json_string_value(json_object_get(k, "Code"));
        float sc = score_of(json_object_get(k, "Score"));
        if (code && code_ok(c->op, code) && sc > bs) {
            best = k;
            bs = sc;
        }
    }
    if (!best)
        return;
    const char *code = json_string_value(json_object_get(best, "Code"));
    const char *desc = json_string_value(json_object_get(best, "Description"));
    out->code = arena_put(&c->arena, code, strlen(code));
    if (desc && *desc)
        out->desc = arena_put(&c->arena, desc, utf8_cut(desc, 1024));
    out->score = bs;
    if (!out->code || (desc && *desc && !out->desc))
        c->oom = true;
}

/* One entity or attribute into c->v. Returns its index, -2 when it is
 * skipped (no usable Type or Category), -1 on error. */
static long parse_one(pctx *c, const json_t *o, const char *what, size_t idx, int parent,
                      bool attr, const char *def_cat)
{
    if (!json_is_object(o))
        return fail(c, "%s %zu is not an object", what, idx);
    size_t b = 0, e = 0;
    if (offsets(c, o, what, idx, &b, &e) < 0)
        return -1;
    ms_nlp_entity x;
    memset(&x, 0, sizeof x);
    x.parent = parent;
    x.begin = c->base_cp + b;
    x.end = c->base_cp + e;
    x.byte_begin = c->base_byte + c->cpb[b];
    x.byte_end = c->base_byte + c->cpb[e];
    x.score = score_of(json_object_get(o, "Score"));
    x.type = intern(c, json_object_get(o, "Type"));
    x.category = intern(c, json_object_get(o, "Category"));
    if (attr) {
        x.is_attribute = true;
        x.relationship_type = intern(c, json_object_get(o, "RelationshipType"));
        if (!x.type)
            x.type = x.relationship_type;
        if (parent >= 0) {
            x.relationship_score = score_of(json_object_get(o, "RelationshipScore"));
            if (!x.relationship_type)
                x.relationship_type = x.type;
        }
        if (!x.category && x.type)
            x.category = attr_category(x.type, def_cat);
    } else if (!x.category && x.type) {
        x.category = entity_category(c->op, x.type);
    }
    if (c->oom)
        return fail(c, "out of memory");
    if (!x.type || !x.category || !*x.category)
        return -2;
    const json_t *t;
    size_t i;
    json_array_foreach(json_object_get(o, "Traits"), i, t) {
        const char *name = intern(c, json_object_get(t, "Name"));
        bool dup = false;
        for (int k = 0; name && k < x.ntraits; k++)
            dup |= strcmp(x.traits[k].name, name) == 0;
        if (name && !dup && x.ntraits < MS_NLP_MAX_TRAITS)
            x.traits[x.ntraits++] = (ms_nlp_trait){name, score_of(json_object_get(t, "Score"))};
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 32;
        ms_nlp_entity *nv = realloc(c->v, nc * sizeof *nv);
        if (nv)
            c->v = nv;
        concept *ncc = nv ? realloc(c->cc, nc * sizeof *ncc) : NULL;
        if (!ncc)
            return fail(c, "out of memory");
        c->cc = ncc;
        c->cap = nc;
    }
    best_concept(c, o, &c->cc[c->n]);
    if (c->oom)
        return fail(c, "out of memory");
    c->v[c->n] = x;
    return (long)c->n++;
}

static int parse_response(pctx *c, const json_t *root)
{
    if (!json_is_object(root))
        return fail(c, "the response is not a JSON object");
    const json_t *ents = json_object_get(root, "Entities");
    if (!json_is_array(ents))
        return fail(c, "the response has no Entities array");
    const json_t *o, *a;
    size_t i, k;
    json_array_foreach(ents, i, o) {
        long p = parse_one(c, o, "entity", i, -1, false, NULL);
        if (p == -1)
            return -1;
        if (p < 0)
            continue;            /* skipped: so are its attributes */
        const char *cat = c->v[p].category;
        json_array_foreach(json_object_get(o, "Attributes"), k, a)
            if (parse_one(c, a, "attribute", k, (int)p, true, cat) == -1)
                return -1;
    }
    json_array_foreach(json_object_get(root, "UnmappedAttributes"), i, o) {
        const char *cat = intern(c, json_object_get(o, "Type"));
        if (parse_one(c, json_object_get(o, "Attribute"), "unmapped attribute", i, -1, true,
                      cat ? cat : "") == -1)
            return -1;
    }
    return 0;
}

/* ---- merge ------------------------------------------------------------------ */

/* Top-level entities already in r, sorted by byte_begin, with the running
 * maximum byte_end, to find overlaps by binary search. */
typedef struct tindex {
    size_t *ix;
    size_t *maxend;
    size_t n;
} tindex;

/* (byte_begin, index) pairs: C11 qsort has no context argument. */
static int cmp_begin(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static int build_index(const ms_nlp_result *r, tindex *t)
{
    memset(t, 0, sizeof *t);
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->v[i].parent < 0 && !r->v[i].is_attribute;
    if (!n)
        return 0;
    size_t *pairs = malloc(2 * n * sizeof *pairs);
    t->ix = malloc(n * sizeof *t->ix);
    t->maxend = malloc(n * sizeof *t->maxend);
    if (!pairs || !t->ix || !t->maxend) {
        free(pairs);
        free(t->ix);
        free(t->maxend);
        return -1;
    }
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].parent < 0 && !r->v[i].is_attribute) {
            pairs[2 * t->n] = r->v[i].byte_begin;
            pairs[2 * t->n + 1] = i;
            t->n++;
        }
    qsort(pairs, n, 2 * sizeof *pairs, cmp_begin);
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        t->ix[k] = pairs[2 * k + 1];
        m = r->v[t->ix[k]].byte_end > m ? r->v[t->ix[k]].byte_end : m;
        t->maxend[k] = m;
    }
    free(pairs);
    return 0;
}

/* The entity of r of x's category that overlaps x most (ties: the closer
 * in length), or -1. Walks left from the last entity starting before x's
 * end while an earlier one may still reach into x; bounded, so a chunk of
 * thousands of entities stays O(n log n). */
static long best_overlap(const ms_nlp_result *r, const tindex *t, const ms_nlp_entity *x)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->v[t->ix[mid]].byte_begin < x->byte_end)
            lo = mid + 1;
        else
            hi = mid;
    }
    long best = -1;
    size_t bov = 0, bdiff = 0, xl = x->byte_end - x->byte_begin;
    for (size_t k = lo, steps = 0; k > 0 && steps < 256; k--, steps++) {
        if (t->maxend[k - 1] <= x->byte_begin)
            break;
        const ms_nlp_entity *y = &r->v[t->ix[k - 1]];
        if (y->byte_end <= x->byte_begin || strcmp(y->category, x->category) != 0)
            continue;
        size_t b = y->byte_begin > x->byte_begin ? y->byte_begin : x->byte_begin;
        size_t e = y->byte_end < x->byte_end ? y->byte_end : x->byte_end;
        size_t yl = y->byte_end - y->byte_begin, diff = yl > xl ? yl - xl : xl - yl;
        if (e - b > bov || (e - b == bov && best >= 0 && diff < bdiff)) {
            best = (long)t->ix[k - 1];
            bov = e - b;
            bdiff = diff;
        }
    }
    return best;
}

/* Attach a concept of c's operation to x unless x has a better one. */
static void put_concept(ms_cm_op op, ms_nlp_entity *x, const concept *k)
{
    if (!k->code)
        return;
    if (op == MS_CM_INFER_ICD10CM || op == MS_CM_INFER_RXNORM) {
        bool icd = op == MS_CM_INFER_ICD10CM;
        const char **code = icd ? &x->icd10cm : &x->rxnorm;
        const char **desc = icd ? &x->icd10cm_desc : &x->rxnorm_desc;
        float *sc = icd ? &x->icd10cm_score : &x->rxnorm_score;
        if (*code && *sc >= k->score)
            return;
        *code = k->code;
        *desc = k->desc;
        *sc = k->score;
        /* an inferred code wins over the lexicon's */
        x->code_system = icd ? "ICD-10-CM" : "RxNorm";
        x->code = k->code;
        x->concept_description = k->desc;
    } else if (op == MS_CM_INFER_SNOMEDCT) {
        if (x->snomedct && x->snomedct_score >= k->score)
            return;
        x->snomedct = k->code;
        x->snomedct_desc = k->desc;
        x->snomedct_score = k->score;
        if (!x->code || strcmp(x->code_system ? x->code_system : "", "SNOMED CT") == 0) {
            x->code_system = "SNOMED CT";
            x->code = k->code;
            x->concept_description = k->desc;
        }
    }
}

/* A DetectEntitiesV2 entity arriving after an Infer operation already
 * coded the same mention keeps the codes, whichever copy findings keeps. */
static void copy_concepts(ms_nlp_entity *x, const ms_nlp_entity *y)
{
    x->icd10cm = y->icd10cm, x->icd10cm_desc = y->icd10cm_desc, x->icd10cm_score = y->icd10cm_score;
    x->rxnorm = y->rxnorm, x->rxnorm_desc = y->rxnorm_desc, x->rxnorm_score = y->rxnorm_score;
    x->snomedct = y->snomedct, x->snomedct_desc = y->snomedct_desc;
    x->snomedct_score = y->snomedct_score;
    if (y->concept_description) {
        x->code_system = y->code_system;
        x->code = y->code;
        x->concept_description = y->concept_description;
    }
}

/* What the local lexicon knows about x's words: the longest same-category
 * match covering more than half of them. Best effort: on any failure x is
 * left as it was. */
static void enrich_one(const ms_nlp_engine *eng, const unsigned char *s, ms_nlp_entity *x,
                       ms_nlp_result *scratch)
{
    static const char *const cats[] = {"MEDICATION", "MEDICAL_CONDITION",
                                       "TEST_TREATMENT_PROCEDURE", "ANATOMY"};
    size_t len = x->byte_end - x->byte_begin;
    bool want = false;
    for (size_t i = 0; i < sizeof cats / sizeof *cats; i++)
        want |= strcmp(x->category, cats[i]) == 0;
    if (!want || len == 0 || len > 200)
        return;
    if (ms_nlp_detect(eng, (const char *)s + x->byte_begin, len, scratch) < 0)
        return;
    const ms_nlp_entity *best = NULL;
    size_t bl = 0;
    for (size_t i = 0; i < scratch->n; i++) {
        const ms_nlp_entity *y = &scratch->v[i];
        size_t yl = y->byte_end - y->byte_begin;
        if (y->parent < 0 && !y->is_attribute && 2 * yl > len && yl > bl &&
            strcmp(y->category, x->category) == 0) {
            best = y;
            bl = yl;
        }
    }
    if (!best)
        return;
    x->canonical = best->canonical;
    x->lay = best->lay;
    x->med_class = best->med_class;
    x->unit = best->unit;
    x->has_range = best->has_range;
    x->range_low = best->range_low;
    x->range_high = best->range_high;
    if (!x->code && best->code) {
        x->code_system = best->code_system;
        x->code = best->code;
    }
}

/* Move c's entities into r: Infer entities overlapping one of r's give it
 * their concept and are dropped with their attributes; the rest are
 * appended (parents remapped). */
static int commit(pctx *c, const ms_nlp_engine *enrich, ms_nlp_result *r)
{
    bool infer = c->op == MS_CM_INFER_ICD10CM || c->op == MS_CM_INFER_RXNORM ||
                 c->op == MS_CM_INFER_SNOMEDCT;
    tindex t;
    if (build_index(r, &t) < 0)
        return fail(c, "out of memory");
    long *target = malloc((c->n ? c->n : 1) * sizeof *target);
    size_t *newidx = malloc((c->n ? c->n : 1) * sizeof *newidx);
    if (!target || !newidx) {
        free(target);
        free(newidx);
        free(t.ix);
        free(t.maxend);
        return fail(c, "out of memory");
    }
    size_t keep = 0;
    for (size_t i = 0; i < c->n; i++) {
        ms_nlp_entity *x = &c->v[i];
        target[i] = -1;
        bool top = x->parent < 0 && !x->is_attribute;
        if (top && t.n)
            target[i] = best_overlap(r, &t, x);
        if (!infer && target[i] >= 0) {
            copy_concepts(x, &r->v[target[i]]);
            target[i] = -1;
        }
        bool drop = target[i] >= 0 || (x->parent >= 0 && newidx[x->parent] == SIZE_MAX);
        newidx[i] = drop ? SIZE_MAX : r->n + keep++;
    }
    free(t.ix);
    free(t.maxend);
    if (keep > r->cap - r->n) {
        size_t nc = r->n + keep;
        ms_nlp_entity *nv = realloc(r->v, nc * sizeof *nv);
        if (!nv) {
            free(target);
            free(newidx);
            return fail(c, "out of memory");
        }
        r->v = nv;
        r->cap = nc;
    }
    /* nothing can fail from here on */
    ms_nlp_result scratch;
    memset(&scratch, 0, sizeof scratch);
    for (size_t i = 0; i < c->n; i++) {
        if (target[i] >= 0) {
            put_concept(c->op, &r->v[target[i]], &c->cc[i]);
            continue;
        }
        if (newidx[i] == SIZE_MAX)
            continue;
        ms_nlp_entity x = c->v[i];
        if (x.parent >= 0)
            x.parent = (int)newidx[x.parent];
        else if (enrich && !x.is_attribute)
            enrich_one(enrich, c->s, &x, &scratch);
        put_concept(c->op, &x, &c->cc[i]);
        r->v[newidx[i]] = x;
    }
    r->n += keep;
    ms_nlp_result_free(&scratch);
    free(target);
    free(newidx);
    /* hand the call's strings to r */
    if (c->arena) {
        arena_blk *tail = c->arena;
        while (tail->next)
            tail = tail->next;
        tail->next = r->arena;
        r->arena = c->arena;
        c->arena = NULL;
    }
    return 0;
}

int ms_cm_parse_merge(ms_cm_op op, const char *json, size_t json_len,
                      const char *chunk_text, size_t chunk_len,
                      size_t base_byte, size_t base_cp, size_t sent_bytes,
                      const ms_nlp_engine *enrich, ms_nlp_result *r,
                      char *err, size_t errlen)
{
    pctx c;
    memset(&c, 0, sizeof c);
    c.op = (unsigned)op < MS_CM_NOPS ? op : MS_CM_DETECT_ENTITIES_V2;
    c.err = err;
    c.errlen = errlen;
    if (err && errlen)
        err[0] = '\0';
    if ((unsigned)op >= MS_CM_NOPS)
        return fail(&c, "unknown operation %d", (int)op);
    if (!r || !json || (!chunk_text && chunk_len) || base_byte > chunk_len ||
        sent_bytes > chunk_len - base_byte)
        return fail(&c, "the text sent (%zu bytes at %zu) is not inside the chunk (%zu bytes)",
                    sent_bytes, base_byte, chunk_len);
    c.s = (const unsigned char *)(chunk_text ? chunk_text : "");
    c.base_byte = base_byte;
    c.base_cp = base_cp;
    json_error_t je;
    /* JSON_ALLOW_NUL: a Text may hold U+0000; it never reaches a C string
     * compare without its length */
    json_t *root = json_loadb(json, json_len, JSON_ALLOW_NUL, &je);
    if (!root)
        /* je.text may quote the input (document text): position only */
        return fail(&c, "the response is not JSON (error at line %d, column %d)", je.line,
                    je.column);
    int rc = build_map(&c, sent_bytes) < 0 ? fail(&c, "out of memory") : 0;
    if (rc == 0)
        rc = parse_response(&c, root);
    json_decref(root);
    if (rc == 0)
        rc = commit(&c, enrich, r);
    arena_free(c.arena);
    free(c.cpb);
    free(c.v);
    free(c.cc);
    return rc;
}
