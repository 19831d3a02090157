/* kafka_conf.h -- librdkafka configuration from medstream's config.
 *
 * Every `kafka.*` key that is not one of ours is handed to librdkafka
 * verbatim (see librdkafka's CONFIGURATION.md); errors name the file and
 * line the key came from. medstream's own defaults are applied first and
 * the delivery rule's requirements last (auto commit stays off). */
#ifndef MS_KAFKA_CONF_H
#define MS_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "base/config.h"
#include "base/probe.h"

typedef enum ms_kafka_role {
    MS_KAFKA_CONSUMER,
    MS_KAFKA_PRODUCER
} ms_kafka_role;

rd_kafka_conf_t *ms_kafka_conf_new(const ms_config *cfg, ms_kafka_role role,
                                   char *err, size_t errlen);

/* Validate the kafka.* keys without creating a client (check-config). */
int ms_kafka_conf_check(const ms_config *cfg, char *err, size_t errlen);

/* MSK IAM authentication is on (msk.iam): the client signs with AWS
 * credentials (the plugins' uses_aws). */
bool ms_kafka_uses_aws(const ms_config *cfg);

/* check-config --probe (kafka_probe.c): a client of that role made from
 * cfg (MSK IAM token included) asks the brokers for each topic's metadata,
 * bounded by p->timeout_ms, without creating any; one PASS/FAIL line per
 * topic (its partition count), under subject. */
void ms_kafka_probe_topics(const ms_config *cfg, ms_kafka_role role, const char *subject,
                           const char *const *topics, int ntopics, ms_probe *p);

/* The Kafka client's own keys (kafka.mock_brokers, msk.iam), shared by the
 * kafka source and the kafka sink (core/plugin.h). */
extern const ms_cfg_map ms_kafka_cfg_map;

#endif
