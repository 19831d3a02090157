/* cm_testutil.h -- helpers shared by the Comprehend response-parser tests
 * (test_cm_parse.c, test_cm_parse_merge.c). */
#ifndef MS_CM_TESTUTIL_H
#define MS_CM_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "nlp/nlp.h"
#include "stages/comprehend/cm_ops.h"

/* The local engine, built by ms_cmt_setup (a cmocka group setup). */
extern ms_nlp_engine *ms_cmt_engine;
int ms_cmt_setup(void **state);
int ms_cmt_teardown(void **state);

double ms_cmt_now_s(void);

/* Parse a response for a whole text (base offsets 0); err holds 256 bytes. */
int ms_cmt_parse(ms_cm_op op, const char *json, const char *text, size_t len,
                 const ms_nlp_engine *enrich, ms_nlp_result *r, char *err);

/* The entity (attr: an attribute) of this category exactly over the first
 * occurrence of word in text, or NULL. */
const ms_nlp_entity *ms_cmt_find(const ms_nlp_result *r, const char *text, const char *word,
                                 const char *category, bool attr);

/* A file of ../shared/aws/comprehend-medical-examples, or NULL when absent. */
char *ms_cmt_shared_file(const char *name, size_t *len);

#endif
