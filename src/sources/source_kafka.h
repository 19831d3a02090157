/* source_kafka.h -- reports from Kafka / Amazon MSK (source.type = kafka). */
#ifndef MS_SOURCE_KAFKA_H
#define MS_SOURCE_KAFKA_H

#include <stddef.h>

#include "base/config.h"
#include "core/source.h"

ms_source *ms_source_kafka_new(const ms_config *cfg, char *err, size_t errlen);

#endif
