/* sink_s3.h -- deliver each report to Amazon S3 (PutObject).
 *
 * A summary becomes two objects: the summary JSON at the key the template
 * gives (sink.s3.key_template, default "summaries/{id}.json") and the
 * patient text (the summary's "patient_summary") beside it with ".txt" in
 * place of ".json" (text/plain; no object when the summary has no text).
 * A dead letter becomes one object at sink.s3.dead_letter_template.
 * Keys are derived from the report id, so a retry or a replay overwrites.
 * Server-side encryption AES256 or aws:kms (with a key id) on request; the
 * payload hash is signed (x-amz-content-sha256). A write is confirmed only
 * when every PutObject answered 200. */
#ifndef MS_SINK_S3_H
#define MS_SINK_S3_H

#include <stddef.h>

#include "base/config.h"
#include "core/sink.h"

/* From the sink.s3.* keys (plus aws.* / tls.* for the client). NULL with
 * err set when the configuration is unusable (no bucket, bad sse, ...). */
ms_sink *ms_sink_s3_new(const ms_config *cfg, char *err, size_t errlen);

/* Validate the sink.s3.* keys without creating anything (check-config). */
int ms_sink_s3_check(const ms_config *cfg, char *err, size_t errlen);

/* Expand a key template for doc: {id} the report id, {source} the first
 * segment of the source position's label (the topic for Kafka), {date}
 * the UTC date of admission (YYYY-MM-DD; NOT stable across replays, see
 * docs/sinks.md). Returns the length, or -1 when it does not fit or the
 * template has an unknown placeholder. */
int ms_sink_s3_expand(const char *tmpl, const ms_doc *doc, char *out, size_t outlen);

/* "s3://bucket/key" of the summary object an S3 sink with this bucket and
 * sink.s3.key_template writes for doc (what the SNS sink announces). The
 * length, or -1 when it does not fit. */
int ms_sink_s3_summary_uri(const char *bucket, const char *key_template, const ms_doc *doc,
                           char *out, size_t outlen);

#endif
