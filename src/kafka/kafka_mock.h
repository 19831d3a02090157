/* kafka_mock.h -- librdkafka's in-process mock cluster and a small
 * synchronous producer, for `medstream demo`, `medstream kafka-mock` and the
 * tests. */
#ifndef MS_KAFKA_MOCK_H
#define MS_KAFKA_MOCK_H

#include <stddef.h>
#include <stdint.h>

typedef struct ms_kafka_mock ms_kafka_mock;
typedef struct ms_kafka_producer ms_kafka_producer;

ms_kafka_mock *ms_kafka_mock_new(int brokers, char *err, size_t errlen);
const char *ms_kafka_mock_bootstraps(ms_kafka_mock *m);
int ms_kafka_mock_create_topic(ms_kafka_mock *m, const char *topic, int partitions);
void ms_kafka_mock_free(ms_kafka_mock *m);

ms_kafka_producer *ms_kafka_producer_new(const char *bootstraps, char *err, size_t errlen);
/* partition -1 = by key. Returns 0 when queued. */
int ms_kafka_producer_send(ms_kafka_producer *p, const char *topic, int32_t partition,
                           const void *value, size_t len, const char *key);
/* Wait for every queued message; returns the number that failed, or -1 on
 * timeout. */
int ms_kafka_producer_flush(ms_kafka_producer *p, int timeout_ms);
void ms_kafka_producer_free(ms_kafka_producer *p);

#endif
