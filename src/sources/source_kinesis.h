/* source_kinesis.h -- reports from an Amazon Kinesis data stream
 * (source.type = kinesis). See docs/kinesis.md. */
#ifndef MS_SOURCE_KINESIS_H
#define MS_SOURCE_KINESIS_H

#include <stddef.h>

#include "base/config.h"
#include "core/doc.h"
#include "core/source.h"

ms_source *ms_source_kinesis_new(const ms_config *cfg, char *err, size_t errlen);

/* The one place where a record's bytes become a report: position
 * (pos.label "stream/shard/sequence"), id ("<shard>-<sequence>" unless an
 * envelope names one), then the record decoder (io/record.h: raw PDF,
 * envelope or S3 event, capped at max_bytes; a bad record fails the doc,
 * which becomes a dead letter). NULL when out of memory. */
ms_doc *ms_kinesis_record_doc(const unsigned char *data, size_t len, const ms_position *pos,
                              const char *id, size_t max_bytes);

#endif
