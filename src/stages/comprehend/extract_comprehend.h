/* extract_comprehend.h -- the "extract" stage backed by Amazon Comprehend
 * Medical (extract.engine = comprehend), a loop stage.
 *
 * Per report: every chunk is sent to each selected operation
 * (comprehend.operations), split at line or word boundaries into requests
 * within the operation's size limit (cm_ops.h). Each request is looked up in
 * the cache (cm_cache.h: in-memory LRU, then Redis when configured); a miss
 * waits in its operation's scheduler (cm_sched.h: requests/s and
 * characters/s buckets, adaptive concurrency) and goes out through the AWS
 * client (aws.h: SigV4, standard retries) on curl-multi. Throttled or
 * transiently failed requests are never dropped: when the client's retries
 * run out they go back to the front of the queue. When every request of the
 * report is answered, the responses are merged into one ms_nlp_result per
 * chunk (cm_parse.h), in operation order (DetectEntitiesV2 first, so the
 * Infer operations' concepts land on its entities) -- the same structures
 * the local engine produces, so assembly does not care which engine ran.
 *
 * Failure: a non-retryable answer (4xx other than throttling, bad
 * credentials) fails the report with reason "comprehend_error" and a
 * message that starts with the service's error code ("InvalidRequestException:
 * DetectEntitiesV2 refused a request (HTTP 400)"); a 200 answer the parser
 * rejects fails it with "comprehend_bad_response". The service's own
 * message is not copied (validation messages can echo input text).
 *
 * Billing: each answered request bills ms_cm_billed_units(characters);
 * cache hits and failed attempts bill nothing. Counted per operation in
 * doc->billing (the summary's "extraction" block) and in metrics. See
 * docs/comprehend.md. */
#ifndef MS_EXTRACT_COMPREHEND_H
#define MS_EXTRACT_COMPREHEND_H

#include <stddef.h>

#include "base/config.h"
#include "core/stage.h"

/* NULL with a reason (bad comprehend.* values, out of memory). Nothing is
 * opened until the engine attaches the stage to its loop. */
ms_stage *ms_extract_comprehend_stage_new(const ms_config *cfg, char *err, size_t errlen);

/* Validate the comprehend.* keys without building anything. */
int ms_extract_comprehend_check(const ms_config *cfg, char *err, size_t errlen);

#endif
