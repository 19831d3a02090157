/* context_triggers.h -- the trigger table of context.c (internal to the
 * NLP engine): phrase, kind (before / after the concept, pseudo-trigger,
 * termination), the trait class it sets or ends, and its reach in words.
 * The lists are this project's own; see context_triggers.c. */
#ifndef MS_NLP_CONTEXT_TRIGGERS_H
#define MS_NLP_CONTEXT_TRIGGERS_H

#include <stddef.h>
#include <stdint.h>

enum { K_PRE, K_POST, K_PSEUDO, K_TERM };
enum { C_NEG, C_HYPO, C_UNC, C_HIST, C_FAM, C_NCLASS, C_ALL = C_NCLASS,
       C_NU,   /* a termination of negation and uncertainty only */
       C_NFAM, /* a termination of all but family ("a son who has") */
       C_CAUSE /* a termination of all but uncertainty and hypothetical:
                  a cause ("due to") ends "no" and "history of", not a
                  doubt about the cause */ };

typedef struct {
    const char *phrase;   /* lower case words separated by single spaces */
    uint8_t kind;
    uint8_t cls;          /* trait class; for K_TERM the class it ends */
    uint8_t max_dist;     /* words between trigger and entity; 0: default */
    uint8_t at_end;       /* post: only when no word follows ("X negative.");
                           * term: only after a conjunction or comma */
} ms_ctx_trig;
typedef ms_ctx_trig trig;

#define MS_CTX_MAX_TRIG 1024  /* capacity of context.c's phrase index */

extern const ms_ctx_trig ms__ctx_triggers[];
extern const size_t ms__ctx_ntriggers;

#endif
