/* fuzz_cm_parse.c -- Comprehend Medical responses (stages/comprehend/
 * cm_parse.c) merged into a chunk's entities, enriched from the local
 * lexicon. Byte 0 picks the operation and whether the text sent started
 * at the chunk's beginning or part-way in; the rest is the response. */
#include "fuzz.h"

#include <string.h>

#include "nlp/nlp.h"
#include "stages/comprehend/cm_parse.h"

/* A chunk with multi-byte code points, so code point and byte offsets
 * differ. */
static const char chunk[] =
    "Patient is a 64 y/o male with type 2 diabetes mellitus and hypertension. "
    "Metformin 500 mg PO BID; lisinopril 10 mg daily. Denies chest pain. "
    "Glucose 182 mg/dL (70\xe2\x80\x93" "99) H. Temp 38.2 \xc2\xb0" "C. "
    "Na\xc3\xafve T cells \xe2\x86\x91. Allergy: penicillin (rash).";

MS_FUZZ_TARGET(cm_parse)
{
    static ms_nlp_engine *eng;
    if (!eng && !(eng = ms_nlp_engine_new()))
        abort();
    if (size == 0)
        return 0;
    ms_cm_op op = (ms_cm_op)(data[0] % MS_CM_NOPS);
    size_t len = sizeof chunk - 1;
    /* "Patient is a " is 13 bytes and 13 code points. */
    size_t base = (data[0] & 0x80) ? 13 : 0;
    ms_nlp_result r = {0};
    char err[256];
    err[0] = '\0';
    int rc = ms_cm_parse_merge(op, (const char *)data + 1, size - 1, chunk, len, base, base,
                               len - base, (data[0] & 0x40) ? eng : NULL, &r, err, sizeof err);
    if (rc != 0) {
        MS_FUZZ_CHECK(err[0] != '\0');
        MS_FUZZ_CHECK(r.n == 0);   /* r left as it was */
    }
    for (size_t i = 0; i < r.n; i++) {
        const ms_nlp_entity *e = &r.v[i];
        MS_FUZZ_CHECK(e->begin <= e->end && e->byte_begin <= e->byte_end);
        MS_FUZZ_CHECK(e->byte_end <= len && e->byte_begin >= base);
        MS_FUZZ_CHECK(e->category && e->type);
        MS_FUZZ_CHECK(e->parent >= -1 && (e->parent < 0 || (size_t)e->parent < r.n));
        MS_FUZZ_CHECK(e->ntraits >= 0 && e->ntraits <= MS_NLP_MAX_TRAITS);
    }
    /* A second response merged into the same result, as for a chunk sent
     * to several operations. */
    if (rc == 0 && size > 1) {
        ms_cm_op op2 = (ms_cm_op)((op + 1) % MS_CM_NOPS);
        (void)ms_cm_parse_merge(op2, (const char *)data + 1, size - 1, chunk, len, 0, 0, len,
                                eng, &r, err, sizeof err);
    }
    ms_nlp_result_free(&r);
    return 0;
}
