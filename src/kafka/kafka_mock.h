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
/* The same with a replication factor (1..brokers; the mock keeps one log per
 * partition, the replicas only appear in metadata). -1 on failure. */
int ms_kafka_mock_create_topic_rf(ms_kafka_mock *m, const char *topic, int partitions,
                                  int replication);
/* One fault-injection command (`kafka-mock --control`), brokers numbered
 * 1..N, B = "all" where noted:
 *   down B | up B              disconnect a broker and refuse connections /
 *                              accept them again (no leader change by itself)
 *   leader TOPIC P|all B       move partition P (or every partition of a
 *                              topic created here) to broker B
 *   coordinator GROUP B        make B the consumer group's coordinator
 *   rtt B MS                   delay B's responses by MS milliseconds
 * Writes "ok" or "error: WHY" to reply; returns 0 ok, -1 error, 1 for a
 * blank or '#' comment line (reply empty). Safe from any thread. */
int ms_kafka_mock_command(ms_kafka_mock *m, const char *line, char *reply, size_t replylen);
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
