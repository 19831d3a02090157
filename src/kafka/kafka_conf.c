/* kafka_conf.c -- librdkafka configuration from medstream's config. */
#include "kafka/kafka_conf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "base/errbuf.h"
#include "base/log.h"
#include "base/metrics.h"
#include "kafka/msk_iam.h"
#include "core/plugin.h"

typedef struct pass_ctx {
    rd_kafka_conf_t *conf;
    char *err;
    size_t errlen;
    int auto_commit_forced;
} pass_ctx;

static int apply_pass(const char *key, const char *value, const char *origin, void *ud)
{
    pass_ctx *c = ud;
    char errstr[512];
    if (strcmp(key, "enable.auto.commit") == 0 || strcmp(key, "enable.auto.offset.store") == 0) {
        /* The delivery rule owns commits; never let librdkafka commit. */
        c->auto_commit_forced = 1;
        return 0;
    }
    if (rd_kafka_conf_set(c->conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        snprintf(c->err, c->errlen, "%s: kafka.%s: %s", origin, key, errstr);
        return -1;
    }
    return 0;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    ms_log_level l = level <= LOG_ERR ? MS_LOG_ERROR
                   : level == LOG_WARNING ? MS_LOG_WARN
                   : level <= LOG_INFO ? MS_LOG_INFO : MS_LOG_DEBUG;
    ms_log(l, "librdkafka", KS("facility", fac), KS("detail", buf), KEND);
}

/* Client-level errors (a broker down, all brokers down, a timed-out
 * request, a fatal idempotence error): logged as a warning (error for the
 * fatal ones) and counted as medstream_kafka_errors_total{client,error}.
 * librdkafka retries and reconnects by itself; these say that it had to.
 * The reason names brokers and offsets, never a record's content. */
static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)opaque;
    const char *client = rd_kafka_type(rk) == RD_KAFKA_CONSUMER ? "consumer" : "producer";
    char labels[160];
    snprintf(labels, sizeof labels, "client=\"%s\",error=\"%s\"", client,
             rd_kafka_err2name((rd_kafka_resp_err_t)err));
    ms_counter_add(ms_counter("medstream_kafka_errors_total", labels,
                              "Kafka client errors (broker connections lost, all brokers down, "
                              "request timeouts); librdkafka retries by itself"), 1);
    int fatal = err == RD_KAFKA_RESP_ERR__FATAL;
    ms_log(fatal ? MS_LOG_ERROR : MS_LOG_WARN, "kafka client error", KS("client", client),
           KS("error", rd_kafka_err2name((rd_kafka_resp_err_t)err)), KS("detail", reason), KEND);
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errlen)
{
    char errstr[512];
    if (rd_kafka_conf_set(conf, k, v, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        ms_errf(err, errlen, "kafka.%s: %s", k, errstr);
        return -1;
    }
    return 0;
}

/* msk.iam: OAUTHBEARER tokens from msk_iam.c. The mechanism must be
 * OAUTHBEARER; MSK listens for IAM on SASL_SSL (port 9098), so anything
 * else is worth a warning (tests use SASL_PLAINTEXT). */
static int msk_iam(rd_kafka_conf_t *conf, char *err, size_t errlen)
{
    char v[64] = "";
    size_t n = sizeof v;
    if (rd_kafka_conf_get(conf, "sasl.mechanisms", v, &n) != RD_KAFKA_CONF_OK ||
        strcmp(v, "OAUTHBEARER") != 0) {
        ms_errf(err, errlen, "msk.iam needs kafka.sasl.mechanism = OAUTHBEARER (it is '%s')", v);
        return -1;
    }
    n = sizeof v;
    if (rd_kafka_conf_get(conf, "security.protocol", v, &n) == RD_KAFKA_CONF_OK &&
        strcasecmp(v, "sasl_ssl") != 0)
        ms_log(MS_LOG_WARN, "msk.iam without kafka.security.protocol = SASL_SSL: MSK accepts IAM "
               "only over TLS", KS("security.protocol", v), KEND);
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, ms_msk_iam_refresh_cb);
    return 0;
}

rd_kafka_conf_t *ms_kafka_conf_new(const ms_config *cfg, ms_kafka_role role,
                                   char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int rc = set(conf, "bootstrap.servers", "localhost:9092", err, errlen);
    rc |= set(conf, "client.id", "medstream", err, errlen);
    if (role == MS_KAFKA_CONSUMER) {
        rc |= set(conf, "group.id", "medstream", err, errlen);
        rc |= set(conf, "partition.assignment.strategy", "cooperative-sticky", err, errlen);
        rc |= set(conf, "auto.offset.reset", "earliest", err, errlen);
    } else {
        rc |= set(conf, "enable.idempotence", "true", err, errlen);
    }
    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    pass_ctx c = {conf, err, errlen, 0};
    if (ms_config_foreach_pass(cfg, "kafka.", apply_pass, &c) != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (c.auto_commit_forced)
        ms_log(MS_LOG_WARN, "ignoring kafka.enable.auto.commit / enable.auto.offset.store: "
               "medstream commits only delivered offsets", KEND);
    if (role == MS_KAFKA_CONSUMER) {
        rc = set(conf, "enable.auto.commit", "false", err, errlen);
        rc |= set(conf, "enable.auto.offset.store", "false", err, errlen);
        rc |= set(conf, "enable.partition.eof", "true", err, errlen);
    }
    int64_t mock = ms_config_int(cfg, "kafka.mock_brokers");
    if (rc == 0 && mock > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", (int)mock);
        rc = set(conf, "test.mock.num.brokers", n, err, errlen);
    }
    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (ms_config_bool(cfg, "msk.iam") && msk_iam(conf, err, errlen) != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    return conf;
}

int ms_kafka_conf_check(const ms_config *cfg, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = ms_kafka_conf_new(cfg, MS_KAFKA_CONSUMER, err, errlen);
    if (!conf)
        return -1;
    rd_kafka_conf_destroy(conf);
    return 0;
}

/* ---- plugin ---------------------------------------------------------------- */

const ms_cfg_key kafka_keys[] = {
    MS_KEY_INT("kafka.mock_brokers", "0", 0, 16,
        "Start librdkafka's in-process mock cluster with N brokers and consume from it instead of `bootstrap.servers` (demo and tests; 0 = off)."),
    MS_KEY_BOOL("msk.iam", "false",
         "Authenticate to Amazon MSK with IAM: SASL OAUTHBEARER with a SigV4-presigned token built from the AWS credential chain (needs `kafka.security.protocol = SASL_SSL`, `kafka.sasl.mechanism = OAUTHBEARER`; see docs/formats.md)."),
    { 0 }
};

const ms_cfg_map ms_kafka_cfg_map = {
    .title = "Kafka client",
    .keys = kafka_keys,
};

bool ms_kafka_uses_aws(const ms_config *cfg)
{
    return ms_config_bool(cfg, "msk.iam");
}
