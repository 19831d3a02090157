/* test_cm_parse_merge.c -- Comprehend Medical responses merged: the Infer
 * operations' concepts on DetectEntitiesV2's entities and in the findings
 * (valid against docs/summary.schema.json), an Infer operation alone, the
 * merge on thousands of entities; malformed responses rejected with r
 * untouched and no document text in the error; random mutations of real
 * responses (run it under ASan; MS_FUZZ_ROUNDS scales them). The parse
 * itself is in test_cm_parse.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/doc.h"
#include "nlp/nlp.h"
#include "stages/chunk.h"
#include "stages/comprehend/cm_parse.h"
#include "stages/findings.h"
#include "cm_testutil.h"
#include "testutil.h"

static const char *NOTE =
    "HISTORY OF PRESENT ILLNESS: Mr. Ortiz, 67, takes aspirin 81 mg by mouth daily and "
    "lisinopril 10 mg po qd. He denies chest pain. Hemoglobin 10.2 g/dL. "
    "Past medical history of hypertension. \xc3\x9c" "bung: r\xc3\xa9sum\xc3\xa9 "
    "\xf0\x9f\x98\x80.\nFAMILY HISTORY: Mother had breast cancer. Invalid \xff\xfe bytes.\n";

/* ---- Infer operations merged, and into findings ---------------------------- */

static const char *MTEXT =
    "Patient has hypertension and type 2 diabetes mellitus. He takes Zestril 10 mg daily "
    "and metformin 500 mg po bid. Denies chest pain.";

static json_t *jent(const char *word, const char *cat, const char *type, const char *trait)
{
    size_t b = (size_t)(strstr(MTEXT, word) - MTEXT);
    json_t *o = json_pack("{s:i, s:i, s:f, s:s, s:s, s:s, s:[]}", "BeginOffset", (int)b,
                          "EndOffset", (int)(b + strlen(word)), "Score", 0.97, "Text", word,
                          "Category", cat, "Type", type, "Traits");
    if (trait)
        json_array_append_new(json_object_get(o, "Traits"),
                              json_pack("{s:s, s:f}", "Name", trait, "Score", 0.9));
    return o;
}

static void jattr(json_t *parent, const char *word, const char *type)
{
    json_t *a = jent(word, "MEDICATION", type, NULL);
    json_object_del(a, "Category");
    json_object_set_new(a, "RelationshipType", json_string(type));
    json_object_set_new(a, "RelationshipScore", json_real(0.99));
    if (!json_object_get(parent, "Attributes"))
        json_object_set_new(parent, "Attributes", json_array());
    json_array_append_new(json_object_get(parent, "Attributes"), a);
}

static char *detect_v2_response(void)
{
    json_t *ents = json_array();
    json_t *z = jent("Zestril", "MEDICATION", "BRAND_NAME", NULL);
    jattr(z, "10 mg", "DOSAGE");
    jattr(z, "daily", "FREQUENCY");
    json_t *m = jent("metformin", "MEDICATION", "GENERIC_NAME", NULL);
    jattr(m, "500 mg", "DOSAGE");
    jattr(m, "po", "ROUTE_OR_MODE");
    jattr(m, "bid", "FREQUENCY");
    json_array_append_new(ents, z);
    json_array_append_new(ents, m);
    json_array_append_new(ents, jent("hypertension", "MEDICAL_CONDITION", "DX_NAME", "DIAGNOSIS"));
    json_array_append_new(ents, jent("type 2 diabetes mellitus", "MEDICAL_CONDITION", "DX_NAME",
                                     "DIAGNOSIS"));
    json_t *cp = jent("chest pain", "MEDICAL_CONDITION", "DX_NAME", "SYMPTOM");
    json_array_append_new(json_object_get(cp, "Traits"),
                          json_pack("{s:s, s:f}", "Name", "NEGATION", "Score", 0.95));
    json_array_append_new(ents, cp);
    json_t *root = json_pack("{s:o, s:[], s:s}", "Entities", ents, "UnmappedAttributes",
                             "ModelVersion", "2.4.0");
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

/* Hand-written, offsets into MTEXT. "diabetes mellitus" overlaps the
 * longer DetectEntitiesV2 mention; hypertension's best concept is the
 * second listed, and is not the lexicon's I10. */
static const char *ICD_RESPONSE =
    "{\"Entities\":["
    "{\"Id\":0,\"Text\":\"hypertension\",\"Category\":\"MEDICAL_CONDITION\",\"Type\":\"DX_NAME\","
    "\"Score\":0.99,\"BeginOffset\":12,\"EndOffset\":24,\"Attributes\":[],"
    "\"Traits\":[{\"Name\":\"DIAGNOSIS\",\"Score\":0.8}],\"ICD10CMConcepts\":["
    "{\"Description\":\"Essential (primary) hypertension\",\"Code\":\"I10\",\"Score\":0.71},"
    "{\"Description\":\"Hypertensive heart disease without heart failure\",\"Code\":\"I11.9\","
    "\"Score\":0.82}]},"
    "{\"Id\":1,\"Text\":\"diabetes mellitus\",\"Category\":\"MEDICAL_CONDITION\",\"Type\":\"DX_NAME\","
    "\"Score\":0.98,\"BeginOffset\":36,\"EndOffset\":53,\"Traits\":[],\"ICD10CMConcepts\":["
    "{\"Description\":\"Type 2 diabetes mellitus without complications\",\"Code\":\"E11.9\","
    "\"Score\":0.9},{\"Description\":\"bad\",\"Code\":\"not a code\",\"Score\":0.99}]},"
    "{\"Id\":2,\"Text\":\"chest pain\",\"Category\":\"MEDICAL_CONDITION\",\"Type\":\"DX_NAME\","
    "\"Score\":0.97,\"BeginOffset\":120,\"EndOffset\":130,"
    "\"Traits\":[{\"Name\":\"NEGATION\",\"Score\":0.9},{\"Name\":\"SYMPTOM\",\"Score\":0.8}],"
    "\"ICD10CMConcepts\":[{\"Description\":\"Chest pain, unspecified\",\"Code\":\"R07.9\","
    "\"Score\":0.93}]}],\"ModelVersion\":\"0.1.0\"}";

static const char *RX_RESPONSE =
    "{\"Entities\":["
    "{\"Id\":0,\"Text\":\"Zestril\",\"Category\":\"MEDICATION\",\"Type\":\"BRAND_NAME\","
    "\"Score\":0.99,\"BeginOffset\":64,\"EndOffset\":71,\"Traits\":[],"
    "\"Attributes\":[{\"Type\":\"DOSAGE\",\"Score\":0.9,\"RelationshipScore\":0.99,\"Id\":1,"
    "\"BeginOffset\":72,\"EndOffset\":77,\"Text\":\"10 mg\",\"Traits\":[]}],"
    "\"RxNormConcepts\":[{\"Description\":\"lisinopril 10 MG Oral Tablet [Zestril]\","
    "\"Code\":\"206765\",\"Score\":0.74},{\"Description\":\"lisinopril\",\"Code\":\"29046\","
    "\"Score\":0.51}]},"
    "{\"Id\":2,\"Text\":\"metformin\",\"Category\":\"MEDICATION\",\"Type\":\"GENERIC_NAME\","
    "\"Score\":0.99,\"BeginOffset\":88,\"EndOffset\":97,\"Traits\":[],"
    "\"RxNormConcepts\":[{\"Description\":\"metformin\",\"Code\":\"6809\",\"Score\":0.95}]}],"
    "\"ModelVersion\":\"0.1.0\"}";

static void free_results(void *p, size_t n)
{
    ms_nlp_result *r = p;
    for (size_t i = 0; i < n; i++)
        ms_nlp_result_free(&r[i]);
    free(r);
}

/* findings JSON of a one-chunk doc over MTEXT with r as its entities;
 * takes r. */
static json_t *findings_of(ms_nlp_result *r, char **patient)
{
    ms_doc *d = ms_doc_new();
    size_t len = strlen(MTEXT);
    d->text = strdup(MTEXT);
    d->text_len = len;
    d->text_chars = len;
    d->npages = 1;
    d->chunks = calloc(1, sizeof *d->chunks);
    d->chunks[0].text = strdup(MTEXT);
    d->chunks[0].len = len;
    d->chunks[0].chars = len;
    d->chunks[0].segs = malloc(sizeof *d->chunks[0].segs);
    d->chunks[0].segs[0] = (ms_seg){0, 0, len};
    d->chunks[0].nsegs = 1;
    d->nchunks = 1;
    d->extract = r;
    d->extract_free = free_results;
    d->extract_engine = "comprehend";
    ms_findings f;
    assert_int_equal(ms_findings_build(d, &f), 0);
    json_t *j = ms_findings_json(&f);
    if (patient)
        *patient = ms_findings_patient_text(&f);
    ms_findings_free(&f);
    ms_doc_free(d);
    return j;
}

static json_t *item(json_t *list, const char *text)
{
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
        if (strcmp(json_string_value(json_object_get(o, "text")), text) == 0)
            return o;
    fail_msg("no finding \"%s\"", text);
    return NULL;
}

static const char *sval(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "(none)";
}

/* The findings object against docs/summary.schema.json's "findings". */
static void validate_findings(json_t *findings)
{
    const char *py = ms_test_system_python(), *src = getenv("MS_SRC");
    if (!py || !src || system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0) {
        print_message("python3-jsonschema or MS_SRC absent: schema check skipped\n");
        return;
    }
    char *dir = ms_test_tmpdir("cmparse");
    char *path = ms_test_path(dir, "findings.json");
    char *s = json_dumps(findings, JSON_INDENT(1));
    assert_int_equal(ms_test_write_file(path, s, strlen(s)), 0);
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "%s -c 'import json,sys,jsonschema; s=json.load(open(sys.argv[1])); "
             "f=dict(s[\"properties\"][\"findings\"]); f[\"$defs\"]=s[\"$defs\"]; "
             "jsonschema.Draft202012Validator(f).validate(json.load(open(sys.argv[2])))' "
             "%s/docs/summary.schema.json %s",
             py, src, path);
    assert_int_equal(system(cmd), 0);
    free(s);
    ms_test_rm_rf(dir);
    free(path);
    free(dir);
}

static void test_merge_findings(void **state)
{
    (void)state;
    size_t len = strlen(MTEXT);
    char err[256];
    ms_nlp_result *r = calloc(1, sizeof *r);
    char *dv2 = detect_v2_response();
    assert_int_equal(ms_cmt_parse(MS_CM_DETECT_ENTITIES_V2, dv2, MTEXT, len, ms_cmt_engine, r, err), 0);
    size_t n0 = r->n;
    assert_int_equal(ms_cmt_parse(MS_CM_INFER_ICD10CM, ICD_RESPONSE, MTEXT, len, ms_cmt_engine, r, err), 0);
    assert_int_equal(ms_cmt_parse(MS_CM_INFER_RXNORM, RX_RESPONSE, MTEXT, len, ms_cmt_engine, r, err), 0);
    assert_int_equal(r->n, n0);   /* every Infer entity matched a detected one */
    const ms_nlp_entity *ht = ms_cmt_find(r, MTEXT, "hypertension", "MEDICAL_CONDITION", false);
    assert_string_equal(ht->icd10cm, "I11.9");
    assert_string_equal(ht->code, "I11.9");
    assert_string_equal(ht->lay, "high blood pressure");   /* from the lexicon */
    assert_string_equal(ms_cmt_find(r, MTEXT, "type 2 diabetes mellitus", "MEDICAL_CONDITION", false)
                            ->icd10cm, "E11.9");
    assert_string_equal(ms_cmt_find(r, MTEXT, "Zestril", "MEDICATION", false)->canonical, "lisinopril");

    char *pt = NULL;
    json_t *f = findings_of(r, &pt);
    json_t *aff = json_object_get(json_object_get(f, "conditions"), "affirmed");
    json_t *neg = json_object_get(json_object_get(f, "conditions"), "negated");
    json_t *meds = json_object_get(f, "medications");
    assert_string_equal(sval(item(aff, "hypertension"), "icd10cm"), "I11.9");
    assert_string_equal(sval(item(aff, "hypertension"), "concept"),
                        "Hypertensive heart disease without heart failure");
    assert_string_equal(sval(item(aff, "type 2 diabetes mellitus"), "icd10cm"), "E11.9");
    assert_string_equal(sval(item(neg, "chest pain"), "icd10cm"), "R07.9");
    json_t *z = item(meds, "Zestril");
    assert_string_equal(sval(z, "rxnorm"), "206765");
    assert_string_equal(sval(z, "generic"), "lisinopril");
    assert_string_equal(sval(z, "dosage"), "10 mg");
    assert_string_equal(sval(item(meds, "metformin"), "rxnorm"), "6809");
    assert_string_equal(sval(item(meds, "metformin"), "route"), "po");
    assert_non_null(strstr(pt, "high blood pressure (hypertension)"));
    validate_findings(f);
    json_decref(f);
    free(pt);

    /* InferICD10CM alone still yields coded conditions, with lay terms */
    r = calloc(1, sizeof *r);
    assert_int_equal(ms_cmt_parse(MS_CM_INFER_ICD10CM, ICD_RESPONSE, MTEXT, len, ms_cmt_engine, r, err), 0);
    assert_int_equal(r->n, 3);
    /* ... and DetectEntitiesV2 after it keeps the codes on its copies */
    assert_int_equal(ms_cmt_parse(MS_CM_DETECT_ENTITIES_V2, dv2, MTEXT, len, ms_cmt_engine, r, err), 0);
    f = findings_of(r, NULL);
    aff = json_object_get(json_object_get(f, "conditions"), "affirmed");
    assert_string_equal(sval(item(aff, "hypertension"), "icd10cm"), "I11.9");
    assert_string_equal(sval(item(aff, "hypertension"), "lay"), "high blood pressure");
    validate_findings(f);
    json_decref(f);
    free(dv2);
}

/* Thousands of entities: the Infer merge is by binary search. */
static void test_merge_scale(void **state)
{
    (void)state;
    enum { N = 6000 };
    size_t len = 9 * N;
    char *text = malloc(len + 1);
    for (int i = 0; i < N; i++)
        sprintf(text + 9 * i, "cond%04d ", i);
    size_t cap = 400 * N;
    char *dv2 = malloc(cap), *icd = malloc(cap);
    size_t a = 0, b = 0;
    a += (size_t)sprintf(dv2 + a, "{\"Entities\":[");
    b += (size_t)sprintf(icd + b, "{\"Entities\":[");
    for (int i = 0; i < N; i++) {
        a += (size_t)sprintf(dv2 + a, "%s{\"BeginOffset\":%d,\"EndOffset\":%d,\"Category\":"
                             "\"MEDICAL_CONDITION\",\"Type\":\"DX_NAME\",\"Score\":0.9}",
                             i ? "," : "", 9 * i, 9 * i + 8);
        b += (size_t)sprintf(icd + b, "%s{\"BeginOffset\":%d,\"EndOffset\":%d,\"Category\":"
                             "\"MEDICAL_CONDITION\",\"Type\":\"DX_NAME\",\"ICD10CMConcepts\":"
                             "[{\"Code\":\"R%02d.%d\",\"Score\":0.8}]}",
                             i ? "," : "", 9 * i + 4, 9 * i + 8, i % 100, i % 10);
    }
    sprintf(dv2 + a, "]}");
    sprintf(icd + b, "]}");
    ms_nlp_result r = {0};
    char err[256];
    double t0 = ms_cmt_now_s();
    assert_int_equal(ms_cmt_parse(MS_CM_DETECT_ENTITIES_V2, dv2, text, len, NULL, &r, err), 0);
    assert_int_equal(ms_cmt_parse(MS_CM_INFER_ICD10CM, icd, text, len, NULL, &r, err), 0);
    double dt = ms_cmt_now_s() - t0;
    print_message("%d entities + %d inferred merged in %.3f s\n", N, N, dt);
    assert_int_equal(r.n, N);
    for (int i = 0; i < N; i++) {
        char want[16];
        sprintf(want, "R%02d.%d", i % 100, i % 10);
        assert_string_equal(r.v[i].icd10cm, want);
    }
    assert_true(dt < 5.0);
    ms_nlp_result_free(&r);
    free(text);
    free(dv2);
    free(icd);
}

/* ---- malformed input, mutations ---------------------------------------------- */

static void test_malformed(void **state)
{
    (void)state;
    const char *text = "ZEBRA has hypertension";
    size_t len = strlen(text);
    static const char *const bad[][2] = {
        {"ZEBRA has hypertension", "not JSON"},
        {"[]", "not a JSON object"},
        {"{}", "no Entities array"},
        {"{\"Entities\":{}}", "no Entities array"},
        {"{\"Entities\":[1]}", "not an object"},
        {"{\"Entities\":[{\"BeginOffset\":10,\"EndOffset\":99,\"Type\":\"DX_NAME\"}]}", "span"},
        {"{\"Entities\":[{\"BeginOffset\":-5,\"EndOffset\":3,\"Type\":\"DX_NAME\"}]}", "span"},
        {"{\"Entities\":[{\"BeginOffset\":9,\"EndOffset\":3,\"Type\":\"DX_NAME\"}]}", "span"},
        {"{\"Entities\":[{\"BeginOffset\":3,\"EndOffset\":3,\"Type\":\"DX_NAME\"}]}", "span"},
        {"{\"Entities\":[{\"BeginOffset\":1e300,\"EndOffset\":3}]}", "not integers"},
        {"{\"Entities\":[{\"BeginOffset\":99999999999999999999999,\"EndOffset\":3}]}", "JSON"},
        {"{\"Entities\":[{\"BeginOffset\":9223372036854775807,\"EndOffset\":-9223372036854775807,"
         "\"Text\":\"ZEBRA\"}]}", "span"},
        {"{\"Entities\":[{\"EndOffset\":3,\"Type\":\"DX_NAME\"}]}", "missing"},
        {"{\"Entities\":[{\"BeginOffset\":0,\"EndOffset\":5,\"Type\":\"X\",\"Category\":\"Y\","
         "\"Attributes\":[{\"BeginOffset\":0,\"EndOffset\":50}]}]}", "attribute 0"},
    };
    ms_nlp_result r = {0};
    char err[256];
    assert_int_equal(ms_cmt_parse(MS_CM_INFER_ICD10CM, ICD_RESPONSE, MTEXT, strlen(MTEXT), NULL, &r,
                           err), 0);
    size_t n0 = r.n;
    void *arena0 = r.arena;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        assert_int_equal(ms_cmt_parse(MS_CM_DETECT_ENTITIES_V2, bad[i][0], text, len, NULL, &r, err), -1);
        if (!strstr(err, bad[i][1]))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i][1]);
        assert_null(strstr(err, "ZEBRA"));
        assert_int_equal(r.n, n0);
        assert_ptr_equal(r.arena, arena0);
    }
    /* nesting far deeper than the parser allows */
    size_t deep = 200000;
    char *d = malloc(2 * deep + 32);
    memcpy(d, "{\"Entities\":", 12);
    memset(d + 12, '[', deep);
    memset(d + 12 + deep, ']', deep);
    strcpy(d + 12 + 2 * deep, "}");
    assert_int_equal(ms_cmt_parse(MS_CM_DETECT_ENTITIES_V2, d, text, len, NULL, &r, err), -1);
    free(d);
    /* the text sent must lie inside the chunk */
    assert_int_equal(ms_cm_parse_merge(MS_CM_DETECT_ENTITIES_V2, "{\"Entities\":[]}", 15, text,
                                       len, 10, 10, len, NULL, &r, err, sizeof err), -1);
    assert_int_equal(ms_cm_parse_merge((ms_cm_op)42, "{\"Entities\":[]}", 15, text, len, 0, 0,
                                       len, NULL, &r, err, sizeof err), -1);
    /* no usable Type: that entity is skipped, not the response */
    assert_int_equal(ms_cmt_parse(MS_CM_DETECT_ENTITIES_V2,
                           "{\"Entities\":[{\"BeginOffset\":0,\"EndOffset\":5,\"Category\":\"Q\"},"
                           "{\"BeginOffset\":10,\"EndOffset\":22,\"Type\":\"DX_NAME\"}]}",
                           text, len, NULL, &r, err), 0);
    assert_int_equal(r.n, n0 + 1);
    assert_string_equal(r.v[n0].category, "MEDICAL_CONDITION");
    ms_nlp_result_free(&r);
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void fuzz_one(ms_cm_op op, const char *seed, const char *text, size_t len, uint32_t *rs,
                     int rounds)
{
    static const char *const tok[] = {"{", "}", "[", "]", "\"", ",", ":", "-", "0", "1e309",
                                      "99999999999", "-1", "null", "\"Attributes\":[",
                                      "\\u0000", "\xc3", "\"EndOffset\":"};
    const char *scale = getenv("MS_FUZZ_ROUNDS");
    if (scale && atoi(scale) > 0)
        rounds *= atoi(scale);
    size_t sl = strlen(seed);
    char *buf = malloc(2 * sl + 64);
    ms_nlp_result r = {0};
    size_t ok = 0;
    for (int it = 0; it < rounds; it++) {
        memcpy(buf, seed, sl + 1);
        size_t bl = sl;
        int nmut = 1 + (int)(rnd(rs) % 4);
        for (int m = 0; m < nmut && bl > 2; m++) {
            size_t at = rnd(rs) % bl;
            switch (rnd(rs) % 4) {
            case 0:
                buf[at] = (char)(rnd(rs) & 0xff);
                break;
            case 1: {
                size_t n = 1 + rnd(rs) % 16;
                n = n > bl - at ? bl - at : n;
                memmove(buf + at, buf + at + n, bl - at - n + 1);
                bl -= n;
                break;
            }
            case 2: {
                const char *t = tok[rnd(rs) % (sizeof tok / sizeof *tok)];
                size_t n = strlen(t);
                if (bl + n < 2 * sl + 60) {
                    memmove(buf + at + n, buf + at, bl - at + 1);
                    memcpy(buf + at, t, n);
                    bl += n;
                }
                break;
            }
            default:
                if (buf[at] >= '0' && buf[at] <= '9')
                    buf[at] = (char)('0' + rnd(rs) % 10);
                break;
            }
        }
        char err[128];
        if (ms_cm_parse_merge(op, buf, bl, text, len, 0, 0, len, it % 2 ? ms_cmt_engine : NULL, &r,
                              err, sizeof err) == 0) {
            ok++;
            for (size_t i = 0; i < r.n; i++) {
                const ms_nlp_entity *x = &r.v[i];
                assert_true(x->byte_begin < x->byte_end && x->byte_end <= len);
                assert_true(x->category && x->type);
                assert_true(x->parent < (int)r.n);
            }
        }
        if (r.n > 500)
            ms_nlp_result_free(&r);
    }
    ms_nlp_result_free(&r);
    free(buf);
    print_message("%-18s %d mutations, %zu parsed\n", ms_cm_ops[op].name, rounds, ok);
}

static void test_fuzz(void **state)
{
    (void)state;
    uint32_t rs = 2463534242u;
    fuzz_one(MS_CM_INFER_ICD10CM, ICD_RESPONSE, MTEXT, strlen(MTEXT), &rs, 4000);
    fuzz_one(MS_CM_INFER_RXNORM, RX_RESPONSE, MTEXT, strlen(MTEXT), &rs, 4000);
    ms_nlp_result w = {0};
    assert_int_equal(ms_nlp_detect(ms_cmt_engine, NOTE, strlen(NOTE), &w), 0);
    json_t *j = ms_nlp_result_to_json(&w, NOTE, strlen(NOTE));
    char *s = json_dumps(j, JSON_COMPACT);
    fuzz_one(MS_CM_DETECT_ENTITIES_V2, s, NOTE, strlen(NOTE), &rs, 4000);
    fuzz_one(MS_CM_DETECT_PHI, s, NOTE, strlen(NOTE), &rs, 1000);
    free(s);
    json_decref(j);
    ms_nlp_result_free(&w);
    size_t tl, jl;
    char *text = ms_cmt_shared_file("infer_snomedct_example.txt", &tl);
    char *json = ms_cmt_shared_file("infer_snomedct_example.json", &jl);
    if (text && json)
        fuzz_one(MS_CM_INFER_SNOMEDCT, json, text, tl, &rs, 4000);
    free(text);
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_findings),
        cmocka_unit_test(test_merge_scale),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, ms_cmt_setup, ms_cmt_teardown);
}
