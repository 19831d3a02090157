/* fuzz_nlp.c -- the local entity engine (src/nlp): lexicon matching,
 * sections, context (negation, history, family), attributes and PHI, and
 * the DetectEntitiesV2 JSON rendering of what it found. */
#include "fuzz.h"

#include <jansson.h>
#include <utf8proc.h>

#include "nlp/nlp.h"
#include "stages/chunk.h"

/* Code point offsets are only comparable with ms_utf8_chars() on valid
 * UTF-8: the engine counts a stray byte as one opaque code point (nlp.h),
 * ms_utf8_chars() counts non-continuation bytes. MuPDF's text is valid. */
static bool valid_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (l <= 0)
            return false;
        i += (size_t)l;
    }
    return true;
}

MS_FUZZ_TARGET(nlp)
{
    static ms_nlp_engine *eng;
    if (!eng && !(eng = ms_nlp_engine_new()))
        abort();
    const char *text = (const char *)data;
    bool valid = valid_utf8(data, size);
    size_t chars = valid ? ms_utf8_chars(text, size) : size;
    ms_nlp_result r = {0};
    MS_FUZZ_CHECK(ms_nlp_detect(eng, text, size, &r) == 0);
    for (size_t i = 0; i < r.n; i++) {
        const ms_nlp_entity *e = &r.v[i];
        MS_FUZZ_CHECK(e->byte_begin < e->byte_end && e->byte_end <= size);
        MS_FUZZ_CHECK(e->begin < e->end && e->end <= chars);
        MS_FUZZ_CHECK(!valid || e->begin == ms_utf8_chars(text, e->byte_begin));
        MS_FUZZ_CHECK(e->category && e->type);
        MS_FUZZ_CHECK(e->parent >= -1 && (e->parent < 0 || (size_t)e->parent < r.n));
        MS_FUZZ_CHECK(e->parent < 0 || r.v[e->parent].parent < 0);
        MS_FUZZ_CHECK(e->ntraits >= 0 && e->ntraits <= MS_NLP_MAX_TRAITS);
        MS_FUZZ_CHECK(e->section >= MS_SEC_NONE && e->section < MS_SEC_COUNT);
    }
    json_t *j = ms_nlp_result_to_json(&r, text, size);
    MS_FUZZ_CHECK(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    MS_FUZZ_CHECK(s != NULL);
    free(s);
    json_decref(j);
    ms_nlp_result_free(&r);
    return 0;
}
