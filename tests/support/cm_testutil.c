/* cm_testutil.c -- see cm_testutil.h. */
#define _GNU_SOURCE
#include "cm_testutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stages/comprehend/cm_parse.h"
#include "testutil.h"

ms_nlp_engine *ms_cmt_engine;

int ms_cmt_setup(void **state)
{
    (void)state;
    ms_cmt_engine = ms_nlp_engine_new();
    return ms_cmt_engine ? 0 : -1;
}

int ms_cmt_teardown(void **state)
{
    (void)state;
    ms_nlp_engine_free(ms_cmt_engine);
    return 0;
}

double ms_cmt_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Parse a whole text's response (base 0). */
int ms_cmt_parse(ms_cm_op op, const char *json, const char *text, size_t len,
                 const ms_nlp_engine *enrich, ms_nlp_result *r, char *err)
{
    return ms_cm_parse_merge(op, json, strlen(json), text, len, 0, 0, len, enrich, r, err, 256);
}

const ms_nlp_entity *ms_cmt_find(const ms_nlp_result *r, const char *text, const char *word,
                                 const char *category, bool attr)
{
    size_t b = (size_t)(strstr(text, word) - text), e = b + strlen(word);
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].byte_begin == b && r->v[i].byte_end == e &&
            strcmp(r->v[i].category, category) == 0 && (r->v[i].parent >= 0) == attr)
            return &r->v[i];
    return NULL;
}

char *ms_cmt_shared_file(const char *name, size_t *len)
{
    const char *dir = ms_test_shared_dir();
    if (!dir)
        return NULL;
    char p[4096];
    snprintf(p, sizeof p, "%s/aws/comprehend-medical-examples/%s", dir, name);
    return ms_test_read_file(p, len);
}
