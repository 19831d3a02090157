/* sink_sns.h -- announce each report on an Amazon SNS topic (Publish).
 *
 * The message is a short JSON notification, never the clinical text:
 *   {"id", "status": "ok" | "dead_letter", "summary_uri": "s3://..." | null,
 *    "reason" (dead letters only)}
 * summary_uri names the summary object when the s3 sink is configured too.
 * With sink.sns.include_summary = true the patient text is added as
 * "summary" (truncated to keep the message within SNS's 256 KiB, with
 * "summary_truncated": true when that happened). Message attributes:
 * report_id, status, and the envelope's patient contact (doc->patient_json:
 * the string/number members of its "contact" object, or of the patient
 * object itself, as patient_<name>; at most 8). */
#ifndef MS_SINK_SNS_H
#define MS_SINK_SNS_H

#include <stddef.h>

#include "base/config.h"
#include "core/sink.h"

ms_sink *ms_sink_sns_new(const ms_config *cfg, char *err, size_t errlen);

/* Validate the sink.sns.* keys (check-config). */
int ms_sink_sns_check(const ms_config *cfg, char *err, size_t errlen);

/* The form body of the Publish call for doc (exposed for the tests):
 * malloc'd, NULL when out of memory. summary_uri may be NULL. */
char *ms_sink_sns_publish_body(const char *topic_arn, const ms_doc *doc, bool dead_letter,
                               const char *summary_uri, bool include_summary);

#endif
