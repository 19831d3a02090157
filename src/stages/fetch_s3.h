/* fetch_s3.h -- the "fetch" loop stage: reads a report from S3 when its
 * record named an object (doc->s3_uri: an envelope's s3_uri, an S3 event
 * notification, an EventBridge "Object Created" event; see record.h).
 *
 * Docs without s3_uri pass through at once. For the others: one S3
 * GetObject through ms_aws (signing, retries, credentials), the body
 * capped at parse.max_bytes (bigger -> dead letter "too_large"); 404 ->
 * "s3_not_found", 403 -> "s3_access_denied", anything else that fails ->
 * "s3_error", the S3 error code (NoSuchKey, AccessDenied, ...) in the
 * dead letter's message. Object keys and bucket names are never logged or
 * put in messages (file names can carry patient names).
 *
 * Config: source.s3.endpoint (empty = AWS_ENDPOINT_URL_S3, then the
 * region's), source.s3.path_style. The AWS client is created on the first
 * S3 doc, so a pipeline that never sees one needs no region. */
#ifndef MS_FETCH_S3_H
#define MS_FETCH_S3_H

#include "base/config.h"
#include "core/stage.h"

ms_stage *ms_fetch_s3_stage_new(const ms_config *cfg);

#endif
