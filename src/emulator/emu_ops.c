/* emu_ops.c -- the six operations' response shapes, from one run of the
 * local engine.
 *
 * DetectEntitiesV2 is the engine's own output (ms_nlp_result_to_json). The
 * others are cut from the same result by a `shape`: which top-level
 * entities an operation reports, which attribute types, traits, attribute
 * categories and relationship types its model allows (values outside the
 * model's enums are left out rather than sent), and which concept list it
 * attaches. Ids number the reported entities and their attributes in text
 * order, as the service does. The authority for every field is botocore's
 * comprehendmedical service-2.json. */
#include "emulator/emulator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define PHI "PROTECTED_HEALTH_INFORMATION"

static const char *const op_names[MS_EMU_NOPS] = {
    "DetectEntitiesV2", "DetectEntities", "DetectPHI",
    "InferICD10CM", "InferRxNorm", "InferSNOMEDCT",
};

const char *ms_emu_op_name(ms_emu_op op)
{
    return (unsigned)op < MS_EMU_NOPS ? op_names[op] : "Unknown";
}

int ms_emu_op_find(const char *name, size_t len)
{
    for (int i = 0; i < MS_EMU_NOPS; i++)
        if (strlen(op_names[i]) == len && !memcmp(op_names[i], name, len))
            return i;
    return -1;
}

/* ---- shapes ----------------------------------------------------------- */

typedef bool (*top_fn)(const ms_nlp_entity *x);

typedef struct shape {
    top_fn top;                        /* reported top-level entities */
    const char *const *attr_types;     /* NULL = any */
    const char *const *traits;         /* NULL = any */
    const char *const *attr_cats;      /* attribute Category values; NULL = any */
    const char *const *rel_types;      /* RelationshipType values; NULL = any */
    bool attr_rel_fields;              /* attributes carry Category/RelationshipType */
    const char *concepts;              /* "ICD10CMConcepts", ... or NULL */
    const char *code_system;           /* codes from the lexicon, or NULL */
    bool concepts_on_attrs;            /* SNOMED CT attributes have them too */
    bool always_attributes;            /* "Attributes": [] even when empty */
    bool unmapped;                     /* UnmappedAttributes */
    bool v1;                           /* DetectEntities' older conventions */
} shape;

static const char *const NONE[] = {NULL};

static bool in_list(const char *s, const char *const *list)
{
    if (!list)
        return true;
    if (!s)
        return false;
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

static bool eq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static bool top_v1(const ms_nlp_entity *x)
{
    return !eq(x->category, "BEHAVIORAL_ENVIRONMENTAL_SOCIAL");
}
static bool top_phi(const ms_nlp_entity *x) { return eq(x->category, PHI); }
static bool top_icd(const ms_nlp_entity *x)
{
    return eq(x->category, "MEDICAL_CONDITION") && eq(x->type, "DX_NAME");
}
static bool top_rx(const ms_nlp_entity *x)
{
    return eq(x->category, "MEDICATION") &&
           (eq(x->type, "GENERIC_NAME") || eq(x->type, "BRAND_NAME"));
}
static bool top_snomed(const ms_nlp_entity *x)
{
    return eq(x->category, "MEDICAL_CONDITION") || eq(x->category, "ANATOMY") ||
           eq(x->category, "TEST_TREATMENT_PROCEDURE");
}

static const char *const V1_TRAITS[] = {"SIGN", "SYMPTOM", "DIAGNOSIS", "NEGATION", NULL};
static const char *const ICD_TRAITS[] = {"NEGATION", "DIAGNOSIS", "SIGN", "SYMPTOM",
                                         "PERTAINS_TO_FAMILY", "HYPOTHETICAL",
                                         "LOW_CONFIDENCE", NULL};
static const char *const RX_TRAITS[] = {"NEGATION", NULL};
static const char *const ICD_ATTRS[] = {"ACUITY", "DIRECTION", "SYSTEM_ORGAN_SITE", "QUALITY",
                                        "QUANTITY", "TIME_TO_DX_NAME", "TIME_EXPRESSION", NULL};
static const char *const ICD_ATTR_CATS[] = {"DX_NAME", "TIME_EXPRESSION", NULL};
static const char *const ICD_RELS[] = {"OVERLAP", "SYSTEM_ORGAN_SITE", NULL};
static const char *const RX_ATTRS[] = {"DOSAGE", "DURATION", "FORM", "FREQUENCY", "RATE",
                                       "ROUTE_OR_MODE", "STRENGTH", NULL};
static const char *const SN_ATTRS[] = {"ACUITY", "QUALITY", "DIRECTION", "SYSTEM_ORGAN_SITE",
                                       "TEST_VALUE", "TEST_UNIT", NULL};
static const char *const SN_CATS[] = {"MEDICAL_CONDITION", "ANATOMY",
                                      "TEST_TREATMENT_PROCEDURE", NULL};
static const char *const SN_RELS[] = {"ACUITY", "QUALITY", "TEST_VALUE", "TEST_UNITS",
                                      "DIRECTION", "SYSTEM_ORGAN_SITE", NULL};

static const shape SHAPES[MS_EMU_NOPS] = {
    [MS_EMU_DETECT_ENTITIES] = {.top = top_v1, .attr_rel_fields = true,
                                .traits = V1_TRAITS, .unmapped = true, .v1 = true},
    [MS_EMU_DETECT_PHI] = {.top = top_phi, .attr_types = NONE},
    [MS_EMU_INFER_ICD10CM] = {.top = top_icd, .attr_types = ICD_ATTRS, .traits = ICD_TRAITS,
                              .attr_cats = ICD_ATTR_CATS, .rel_types = ICD_RELS,
                              .attr_rel_fields = true, .concepts = "ICD10CMConcepts",
                              .code_system = "ICD-10-CM", .always_attributes = true},
    [MS_EMU_INFER_RXNORM] = {.top = top_rx, .attr_types = RX_ATTRS, .traits = RX_TRAITS,
                             .concepts = "RxNormConcepts", .code_system = "RxNorm",
                             .always_attributes = true},
    [MS_EMU_INFER_SNOMEDCT] = {.top = top_snomed, .attr_types = SN_ATTRS,
                               .attr_cats = SN_CATS, .rel_types = SN_RELS,
                               .attr_rel_fields = true, .concepts = "SNOMEDCTConcepts",
                               .concepts_on_attrs = true, .always_attributes = true},
};

/* ---- building --------------------------------------------------------- */

static json_t *jscore(float f)
{
    return json_real(round((double)f * 1e4) / 1e4);
}

static json_t *jtext(const char *text, size_t len, const ms_nlp_entity *x)
{
    size_t b = x->byte_begin, e = x->byte_end;
    if (e > len || b > e)
        b = e = 0;
    json_t *j = json_stringn(text + b, e - b);
    return j ? j : json_string("");
}

/* The service renamed TEST_UNITS to TEST_UNIT in V2; the older operation
 * and SNOMED CT's relationship enum keep the old name. */
static const char *v1_name(const char *s)
{
    return eq(s, "TEST_UNIT") ? "TEST_UNITS" : s;
}

/* In V1, ACUITY and DIRECTION are entities of their own, not attributes. */
static bool v1_promoted(const shape *sh, const ms_nlp_entity *x)
{
    return sh->v1 && x->is_attribute && (eq(x->type, "ACUITY") || eq(x->type, "DIRECTION"));
}

static json_t *concepts(const shape *sh, const ms_nlp_entity *x, const char *text,
                        size_t len)
{
    json_t *a = json_array();
    if (a && sh->code_system && eq(x->code_system, sh->code_system) && x->code) {
        /* The lexicon has the code, not the code's official title: the
         * description is the lexicon's preferred term. */
        json_t *c = json_object();
        json_object_set_new(c, "Description",
                            x->canonical ? json_string(x->canonical) : jtext(text, len, x));
        json_object_set_new(c, "Code", json_string(x->code));
        json_object_set_new(c, "Score", jscore(x->score));
        json_array_append_new(a, c);
    }
    return a;
}

/* One entity or attribute. as_attr: inside an entity's Attributes (or an
 * UnmappedAttribute). */
static json_t *item(const shape *sh, const ms_nlp_entity *x, int id, bool as_attr,
                    const char *text, size_t len)
{
    json_t *o = json_object(), *tr = json_array();
    if (!o || !tr) {
        json_decref(o), json_decref(tr);
        return NULL;
    }
    const char *type = sh->v1 ? v1_name(x->type) : x->type;
    json_object_set_new(o, "Id", json_integer(id));
    json_object_set_new(o, "BeginOffset", json_integer((json_int_t)x->begin));
    json_object_set_new(o, "EndOffset", json_integer((json_int_t)x->end));
    json_object_set_new(o, "Score", jscore(x->score));
    json_object_set_new(o, "Text", jtext(text, len, x));
    if (!as_attr || (sh->attr_rel_fields && in_list(x->category, sh->attr_cats)))
        json_object_set_new(o, "Category", json_string(x->category ? x->category : ""));
    json_object_set_new(o, "Type", json_string(type ? type : ""));
    for (int i = 0; i < x->ntraits && i < MS_NLP_MAX_TRAITS; i++) {
        if (!in_list(x->traits[i].name, sh->traits))
            continue;
        json_t *t = json_object();
        json_object_set_new(t, "Name", json_string(x->traits[i].name));
        json_object_set_new(t, "Score", jscore(x->traits[i].score));
        json_array_append_new(tr, t);
    }
    json_object_set_new(o, "Traits", tr);
    if (as_attr && x->parent >= 0) {
        json_object_set_new(o, "RelationshipScore", jscore(x->relationship_score));
        const char *rel = x->relationship_type ? x->relationship_type : x->type;
        if (sh->v1 || sh->rel_types == SN_RELS)
            rel = v1_name(rel);
        if (sh->attr_rel_fields && in_list(rel, sh->rel_types))
            json_object_set_new(o, "RelationshipType", json_string(rel));
    }
    if (sh->concepts && (!as_attr || sh->concepts_on_attrs))
        json_object_set_new(o, sh->concepts, concepts(sh, x, text, len));
    return o;
}

typedef struct okey {
    size_t begin, idx;
} okey;

static int cmp_okey(const void *a, const void *b)
{
    const okey *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool has_parent(const ms_nlp_entity *v, size_t n, size_t i)
{
    return v[i].parent >= 0 && (size_t)v[i].parent < n;
}

/* Entities (and UnmappedAttributes) of one shape into root. */
static int build(const shape *sh, const ms_nlp_result *r, const char *text, size_t len,
                 json_t *root)
{
    size_t n = r->n;
    const ms_nlp_entity *v = r->v;
    okey *ok = malloc((n ? n : 1) * sizeof *ok);
    size_t *kids = malloc((n ? n : 1) * sizeof *kids);
    size_t *start = calloc(n + 2, sizeof *start);
    size_t *fill = calloc(n + 1, sizeof *fill);
    json_t *ents = json_array(), *unm = sh->unmapped ? json_array() : NULL;
    if (!ok || !kids || !start || !fill || !ents || (sh->unmapped && !unm)) {
        free(ok), free(kids), free(start), free(fill);
        json_decref(ents), json_decref(unm);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        ok[i] = (okey){v[i].begin, i};
    if (n)
        qsort(ok, n, sizeof *ok, cmp_okey);
    /* children of each parent in text order (counting sort by parent) */
    for (size_t i = 0; i < n; i++)
        if (has_parent(v, n, i))
            start[v[i].parent + 1]++;
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    for (size_t k = 0; k < n; k++) {
        size_t i = ok[k].idx;
        if (has_parent(v, n, i)) {
            size_t p = (size_t)v[i].parent;
            kids[start[p] + fill[p]++] = i;
        }
    }
    int id = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = ok[k].idx;
        const ms_nlp_entity *x = &v[i];
        bool promoted = v1_promoted(sh, x);
        if (has_parent(v, n, i) && !promoted)
            continue;
        if (x->is_attribute && !promoted) {
            /* unmapped: reported only where the operation has the list */
            if (!unm || !in_list(x->type, sh->attr_types))
                continue;
            json_t *a = item(sh, x, id++, true, text, len);
            json_t *u = json_object();
            json_object_set_new(u, "Type", json_string(x->category ? x->category : ""));
            json_object_set_new(u, "Attribute", a);
            json_array_append_new(unm, u);
            continue;
        }
        if (!sh->top(x))
            continue;
        json_t *o = item(sh, x, id++, false, text, len);
        if (!o)
            continue;
        json_t *at = json_array();
        for (size_t q = start[i]; q < start[i + 1]; q++) {
            const ms_nlp_entity *a = &v[kids[q]];
            if (v1_promoted(sh, a) || !in_list(a->type, sh->attr_types))
                continue;
            json_array_append_new(at, item(sh, a, id++, true, text, len));
        }
        if (json_array_size(at) || sh->always_attributes)
            json_object_set_new(o, "Attributes", at);
        else
            json_decref(at);
        json_array_append_new(ents, o);
    }
    json_object_set_new(root, "Entities", ents);
    if (unm)
        json_object_set_new(root, "UnmappedAttributes", unm);
    free(ok), free(kids), free(start), free(fill);
    return 0;
}

char *ms_emu_op_run(const ms_nlp_engine *e, ms_nlp_result *res, ms_emu_op op,
                    const char *text, size_t len, size_t nchars,
                    const char *model_version, size_t *out_len)
{
    if ((unsigned)op >= MS_EMU_NOPS || ms_nlp_detect(e, text, len, res) != 0)
        return NULL;
    json_t *root;
    if (op == MS_EMU_DETECT_ENTITIES_V2) {
        root = ms_nlp_result_to_json(res, text, len);
    } else {
        root = json_object();
        if (root && build(&SHAPES[op], res, text, len, root) != 0) {
            json_decref(root);
            root = NULL;
        }
    }
    if (!root)
        return NULL;
    if (op == MS_EMU_INFER_SNOMEDCT) {
        /* the edition the service documents in its examples */
        json_object_set_new(root, "SNOMEDCTDetails",
                            json_pack("{ss ss ss}", "Edition", "US", "Language", "en",
                                      "VersionDate", "20200901"));
        json_object_set_new(root, "Characters",
                            json_pack("{sI}", "OriginalTextCharacters", (json_int_t)nchars));
    }
    json_object_set_new(root, "ModelVersion", json_string(model_version));
    char *out = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(root);
    if (out && out_len)
        *out_len = strlen(out);
    return out;
}
