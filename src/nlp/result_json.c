/* result_json.c -- an engine result as DetectEntitiesV2 JSON (nlp.h): as a
 * json_t tree (ms_nlp_result_to_json: the emulator adds its fields and
 * dumps it) and written straight into the summary (ms_nlp_result_write:
 * the same bytes the tree would dump to, without the tree: a summary has
 * thousands of these small objects). Both take entities in text order,
 * attributes under their parent, the same ids. */
#include "nlp/nlp.h"
#include "nlp/lex.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_out.h"

/* ---- order: shared by both renderings ------------------------------------ */

typedef struct okey { size_t begin, idx; } okey;

static int cmp_okey(const void *a, const void *b)
{
    const okey *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* ord: entity indices in text order; kids[start[p] .. start[p + 1]): the
 * attributes of entity p, in text order. */
typedef struct order { size_t *ord, *kids, *start; } order;

static void order_free(order *o)
{
    free(o->ord); free(o->kids); free(o->start);
}

static int order_make(const ms_nlp_entity *v, size_t n, order *o)
{
    okey *ok = malloc((n ? n : 1) * sizeof *ok);
    size_t *fill = calloc(n + 1, sizeof *fill);
    o->ord = malloc((n ? n : 1) * sizeof *o->ord);
    o->kids = malloc((n ? n : 1) * sizeof *o->kids);
    o->start = calloc(n + 2, sizeof *o->start);
    if (!ok || !fill || !o->ord || !o->kids || !o->start) {
        free(ok); free(fill); order_free(o);
        return -1;
    }
    for (size_t i = 0; i < n; i++) ok[i] = (okey){v[i].begin, i};
    if (n) qsort(ok, n, sizeof *ok, cmp_okey);
    for (size_t i = 0; i < n; i++) o->ord[i] = ok[i].idx;
    free(ok);
    /* children of each parent, in text order (counting sort by parent) */
    for (size_t i = 0; i < n; i++)
        if (v[i].parent >= 0 && (size_t)v[i].parent < n) o->start[v[i].parent + 1]++;
    for (size_t i = 0; i < n; i++) o->start[i + 1] += o->start[i];
    for (size_t k = 0; k < n; k++) {
        size_t i = o->ord[k];
        if (v[i].parent >= 0 && (size_t)v[i].parent < n) {
            size_t p = (size_t)v[i].parent;
            o->kids[o->start[p] + fill[p]++] = i;
        }
    }
    free(fill);
    return 0;
}

static bool is_kid(const ms_nlp_entity *x, size_t n)
{
    return x->parent >= 0 && (size_t)x->parent < n;
}

/* Text of [b, e): the bytes when valid UTF-8; otherwise each undecodable
 * byte becomes U+FFFD and NUL a space, in *buf (malloc'd). NULL when out of
 * memory. */
static const char *text_of(const char *text, size_t len, size_t b, size_t e, size_t *n,
                           char **buf)
{
    *buf = NULL;
    if (e > len || b > e) b = e = 0;
    if (ms_jw_utf8_ok(text + b, e - b)) {
        *n = e - b;
        return text + b;
    }
    char *o = malloc(3 * (e - b) + 1);
    if (!o) return NULL;
    size_t k = 0;
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = b; i < e;) {
        uint32_t cp;
        size_t l = ms_lex_decode(s, e, i, &cp);
        if (cp == 0xFFFD && l == 1 && s[i] >= 0x80) {
            memcpy(o + k, "\xEF\xBF\xBD", 3); k += 3;
        } else if (s[i] == 0) {
            o[k++] = ' ';
        } else {
            memcpy(o + k, s + i, l); k += l;
        }
        i += l;
    }
    *buf = o;
    *n = k;
    return o;
}

static double score_of(float f) { return round((double)f * 1e4) / 1e4; }

/* ---- the tree ------------------------------------------------------------ */

static json_t *jstr(const char *text, size_t len, size_t b, size_t e)
{
    char *buf;
    size_t n;
    const char *s = text_of(text, len, b, e, &n, &buf);
    json_t *j = s ? json_stringn(s, n) : NULL;
    free(buf);
    return j;
}

static json_t *jscore(float f) { return json_real(score_of(f)); }

static json_t *jentity(const ms_nlp_entity *x, int id, const char *text, size_t len)
{
    json_t *o = json_object();
    json_t *tr = json_array();
    if (!o || !tr) { json_decref(o); json_decref(tr); return NULL; }
    json_object_set_new(o, "Id", json_integer(id));
    json_object_set_new(o, "BeginOffset", json_integer((json_int_t)x->begin));
    json_object_set_new(o, "EndOffset", json_integer((json_int_t)x->end));
    json_object_set_new(o, "Score", jscore(x->score));
    json_object_set_new(o, "Text", jstr(text, len, x->byte_begin, x->byte_end));
    json_object_set_new(o, "Category", json_string(x->category ? x->category : ""));
    json_object_set_new(o, "Type", json_string(x->type ? x->type : ""));
    for (int i = 0; i < x->ntraits && i < MS_NLP_MAX_TRAITS; i++) {
        json_t *t = json_object();
        json_object_set_new(t, "Name", json_string(x->traits[i].name));
        json_object_set_new(t, "Score", jscore(x->traits[i].score));
        json_array_append_new(tr, t);
    }
    json_object_set_new(o, "Traits", tr);
    if (x->is_attribute && x->parent >= 0) {
        json_object_set_new(o, "RelationshipScore", jscore(x->relationship_score));
        json_object_set_new(o, "RelationshipType",
                            json_string(x->relationship_type ? x->relationship_type : x->type));
    }
    return o;
}

json_t *ms_nlp_result_to_json(const ms_nlp_result *r, const char *text, size_t len)
{
    size_t n = r ? r->n : 0;
    json_t *root = json_object(), *ents = json_array(), *unm = json_array();
    order od;
    const ms_nlp_entity *v = n ? r->v : NULL;
    if (!root || !ents || !unm || order_make(v, n, &od) != 0) {
        json_decref(root); json_decref(ents); json_decref(unm);
        return NULL;
    }
    int id = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = od.ord[k];
        if (is_kid(&v[i], n)) continue;
        json_t *o = jentity(&v[i], id++, text, len);
        if (!o) continue;
        if (v[i].is_attribute) {
            json_t *u = json_object();
            json_object_set_new(u, "Type", json_string(v[i].category ? v[i].category : ""));
            json_object_set_new(u, "Attribute", o);
            json_array_append_new(unm, u);
            continue;
        }
        if (od.start[i + 1] > od.start[i]) {
            json_t *at = json_array();
            for (size_t q = od.start[i]; q < od.start[i + 1]; q++) {
                json_t *a = jentity(&v[od.kids[q]], id++, text, len);
                if (a) json_array_append_new(at, a);
            }
            json_object_set_new(o, "Attributes", at);
        }
        json_array_append_new(ents, o);
    }
    json_object_set_new(root, "Entities", ents);
    json_object_set_new(root, "UnmappedAttributes", unm);
    order_free(&od);
    return root;
}

/* ---- written straight -------------------------------------------------- */

/* A string member as json_object_set_new(o, key, json_string(s)) leaves
 * it: left out when s is NULL or not valid UTF-8. */
static void wstr(ms_jw *w, const char *key, const char *s)
{
    if (!s) return;
    size_t n = strlen(s);
    if (!ms_jw_utf8_ok(s, n)) return;
    ms_jw_key(w, key);
    ms_jw_strn(w, s, n);
}

/* jentity's members, in its order, into the open object. */
static int wentity(ms_jw *w, const ms_nlp_entity *x, int id, const char *text, size_t len)
{
    ms_jw_key(w, "Id");
    ms_jw_int(w, id);
    ms_jw_key(w, "BeginOffset");
    ms_jw_int(w, (long long)x->begin);
    ms_jw_key(w, "EndOffset");
    ms_jw_int(w, (long long)x->end);
    ms_jw_key(w, "Score");
    ms_jw_real(w, score_of(x->score));
    char *buf;
    size_t n;
    const char *s = text_of(text, len, x->byte_begin, x->byte_end, &n, &buf);
    if (!s) return -1;
    if (!buf || ms_jw_utf8_ok(s, n)) {    /* !buf: the text itself, valid */
        ms_jw_key(w, "Text");
        ms_jw_strn(w, s, n);
    }
    free(buf);
    wstr(w, "Category", x->category ? x->category : "");
    wstr(w, "Type", x->type ? x->type : "");
    ms_jw_key(w, "Traits");
    ms_jw_array(w);
    for (int i = 0; i < x->ntraits && i < MS_NLP_MAX_TRAITS; i++) {
        ms_jw_object(w);
        wstr(w, "Name", x->traits[i].name);
        ms_jw_key(w, "Score");
        ms_jw_real(w, score_of(x->traits[i].score));
        ms_jw_end(w);
    }
    ms_jw_end(w);
    if (x->is_attribute && x->parent >= 0) {
        ms_jw_key(w, "RelationshipScore");
        ms_jw_real(w, score_of(x->relationship_score));
        wstr(w, "RelationshipType", x->relationship_type ? x->relationship_type : x->type);
    }
    return 0;
}

int ms_nlp_result_write(const ms_nlp_result *r, const char *text, size_t len, ms_jw *w)
{
    size_t n = r ? r->n : 0;
    const ms_nlp_entity *v = n ? r->v : NULL;
    order od;
    if (order_make(v, n, &od) != 0)
        return -1;
    int id = 0, rc = 0;
    /* unmapped attributes go after all entities: their ids are taken in
     * text order with the rest, so remember them on a first pass */
    int *uid = malloc((n ? n : 1) * sizeof *uid);
    if (!uid) {
        order_free(&od);
        return -1;
    }
    ms_jw_object(w);
    ms_jw_key(w, "Entities");
    ms_jw_array(w);
    for (size_t k = 0; k < n && rc == 0; k++) {
        size_t i = od.ord[k];
        if (is_kid(&v[i], n)) continue;
        if (v[i].is_attribute) {
            uid[i] = id++;
            continue;
        }
        ms_jw_object(w);
        rc = wentity(w, &v[i], id++, text, len);
        if (rc == 0 && od.start[i + 1] > od.start[i]) {
            ms_jw_key(w, "Attributes");
            ms_jw_array(w);
            for (size_t q = od.start[i]; q < od.start[i + 1] && rc == 0; q++) {
                ms_jw_object(w);
                rc = wentity(w, &v[od.kids[q]], id++, text, len);
                ms_jw_end(w);
            }
            ms_jw_end(w);
        }
        ms_jw_end(w);
    }
    ms_jw_end(w);
    ms_jw_key(w, "UnmappedAttributes");
    ms_jw_array(w);
    for (size_t k = 0; k < n && rc == 0; k++) {
        size_t i = od.ord[k];
        if (is_kid(&v[i], n) || !v[i].is_attribute) continue;
        ms_jw_object(w);
        wstr(w, "Type", v[i].category ? v[i].category : "");
        ms_jw_key(w, "Attribute");
        ms_jw_object(w);
        rc = wentity(w, &v[i], uid[i], text, len);
        ms_jw_end(w);
        ms_jw_end(w);
    }
    ms_jw_end(w);
    ms_jw_end(w);
    free(uid);
    order_free(&od);
    return rc;
}
