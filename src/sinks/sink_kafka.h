/* sink_kafka.h -- deliver each summary as a Kafka record (an idempotent
 * producer: enable.idempotence=true, acks=all), key = the report id, value
 * = the summary JSON, to sink.kafka.topic; dead letters to
 * sink.kafka.dead_letter_topic. The producer takes the same kafka.*
 * pass-through keys as the Kafka source (bootstrap.servers, security).
 * A write is confirmed by its delivery report, served on the loop through
 * the main queue's event fd. */
#ifndef MS_SINK_KAFKA_H
#define MS_SINK_KAFKA_H

#include <stddef.h>

#include "base/config.h"
#include "core/sink.h"

ms_sink *ms_sink_kafka_new(const ms_config *cfg, char *err, size_t errlen);

/* Validate the sink.kafka.* and kafka.* keys (check-config). */
int ms_sink_kafka_check(const ms_config *cfg, char *err, size_t errlen);

#endif
