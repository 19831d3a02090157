/* test_probe.c -- `medstream check-config --probe` (the binary) against
 * local peers started here: librdkafka's mock cluster (in this process),
 * s3rver, the SNS capture peer (GetTopicAttributes), the Comprehend
 * emulator (medstream emulate), redis-server with requirepass,
 * kinesalite, dynalite (the lease table) and the STS stub
 * (tests/support/sts_stub.py, GetCallerIdentity). Checked:
 *   - everything reachable: exit 0, a PASS line for the credentials (the
 *     provider named), the Kafka topic's partitions, the bucket, the SNS
 *     topic, the sink's Kafka topics, the file directory, one Comprehend
 *     call with its cost (and the emulator billed exactly one request),
 *     the Redis cache; a Kinesis stream's shards and the DynamoDB lease
 *     table (DescribeTable); the caller identity's ARN on an INFO line under
 *     the credentials; INFO lines saying what is not probed and why (the
 *     fetch stage: no bucket of its own; CloudWatch: no dry run);
 *   - STS unreachable: an INFO line and exit 0, but a FAIL line with
 *     audit.caller_identity = true (the records would say "unknown");
 *   - a missing bucket, a missing SNS topic, a missing Kafka topic, an
 *     unreachable broker, a wrong Redis password, a missing lease table: a
 *     FAIL line each, exit 1;
 *   - no secret (secret key, session token, Redis password) appears in any
 *     output, at log level debug.
 * Skips (77) without s3rver/boto3; the Redis and Kinesis parts skip alone
 * when redis-server or kinesalite is missing. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "kafka/kafka_mock.h"
#include "testutil.h"

#define BUCKET "probe-bucket"
#define TOPIC_ARN "arn:aws:sns:us-east-1:123456789012:medstream-probe"
#define REDIS_PW "redis-pw-Vt5q-not-real"
#define SECRET "S3RVER"   /* s3rver's fixed key pair */
#define ARN "arn:aws:sts::123456789012:assumed-role/medstream-probe/session-1"

static char *tmp;
static const char *bin;
static const char *modules;
static ms_kafka_mock *mock;
static int s3_pid = -1, sns_pid = -1, emu_pid = -1, redis_pid = -1, kin_pid = -1;
static int ddb_pid = -1, sts_pid = -1;
static int s3_port, sns_port, emu_port, redis_port, kin_port, ddb_port, sts_port;
static char all_output[1 << 18];   /* every probe's output, for the secrets check */
static size_t all_len;

/* ---- running the probe ------------------------------------------------- */

typedef struct result {
    int status;
    char out[1 << 15];
} result;

/* medstream check-config --probe with the common settings and the extra
 * --set arguments (a space-separated list); stdout and stderr together. */
static void probe(result *r, const char *extra)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "'%s' check-config --probe --probe-timeout 5 --set log.level=debug "
             "--set kafka.bootstrap.servers=%s --set source.type=kafka "
             "--set source.topics=reports --set extract.engine=comprehend "
             "--set comprehend.endpoint=http://127.0.0.1:%d "
             "--set sink.type=s3,sns,kafka,file --set sink.s3.bucket=" BUCKET " "
             "--set sink.s3.endpoint=http://127.0.0.1:%d --set sink.s3.path_style=true "
             "--set sink.sns.topic_arn=" TOPIC_ARN " --set sink.sns.endpoint=http://127.0.0.1:%d "
             "--set sink.file.dir=%s/out %s 2>&1",
             bin, ms_kafka_mock_bootstraps(mock), emu_port, s3_port, sns_port, tmp,
             extra ? extra : "");
    fflush(stdout);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t n = fread(r->out, 1, sizeof r->out - 1, f);
    r->out[n] = 0;
    int st = pclose(f);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    printf("---- probe %s -> exit %d\n%s", extra ? extra : "", r->status, r->out);
    if (all_len + n < sizeof all_output) {
        memcpy(all_output + all_len, r->out, n);
        all_len += n;
    }
}

static void has_line(const result *r, const char *verdict, const char *subject,
                     const char *needle)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s  %s: ", verdict, subject);
    for (const char *l = r->out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        if (strncmp(l, prefix, strlen(prefix)) == 0 && (!needle || memmem(l, len, needle,
                                                                          strlen(needle))))
            return;
    }
    fail_msg("no line '%s...%s'", prefix, needle ? needle : "");
}

/* The emulator's billing meter: requests answered so far. */
static json_int_t emu_requests(void)
{
    char *body = ms_test_http_get(emu_port, "/_emulator/stats");
    assert_non_null(body);
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    json_int_t v = json_integer_value(json_object_get(json_object_get(j, "totals"), "requests"));
    json_decref(j);
    return v;
}

static void redis_set(char *buf, size_t n, const char *pw)
{
    if (redis_pid > 0)
        snprintf(buf, n, "--set comprehend.cache.redis_url=redis://127.0.0.1:%d/1 "
                 "--set comprehend.cache.redis_password=%s", redis_port, pw);
    else
        buf[0] = 0;
}

/* ---- cases ------------------------------------------------------------- */

static void everything_reachable(void **state)
{
    (void)state;
    char extra[512];
    redis_set(extra, sizeof extra, REDIS_PW);
    json_int_t before = emu_requests();
    result r;
    probe(&r, extra);
    assert_int_equal(r.status, 0);
    has_line(&r, "PASS", "aws credentials", "from the env provider");
    has_line(&r, "INFO", "aws caller identity", ARN " (account 123456789012");
    /* under the credentials line */
    const char *cl = strstr(r.out, "PASS  aws credentials");
    assert_non_null(cl);
    assert_true(!strncmp(strchr(cl, '\n') + 1, "INFO  aws caller identity: ", 27));
    has_line(&r, "INFO", "stage fetch", "not probed: no input bucket is configured");
    has_line(&r, "PASS", "source kafka", "topic reports: 3 partitions");
    has_line(&r, "PASS", "stage comprehend", "cost: 1 billed unit");
    has_line(&r, "PASS", "sink s3", "bucket " BUCKET " exists");
    has_line(&r, "PASS", "sink sns", "topic " TOPIC_ARN " exists");
    has_line(&r, "PASS", "sink kafka", "topic summaries: 2 partitions");
    has_line(&r, "PASS", "sink kafka", "topic summaries-dead-letter");
    has_line(&r, "PASS", "sink file", NULL);
    if (redis_pid > 0)
        has_line(&r, "PASS", "stage comprehend: redis cache", "SET and GET");
    assert_null(strstr(r.out, "FAIL  "));
    /* the stated cost is what was billed: exactly one request */
    assert_int_equal(emu_requests() - before, 1);
}

static void missing_bucket_and_topics(void **state)
{
    (void)state;
    result r;
    probe(&r, "--set sink.s3.bucket=no-such-bucket --set sink.sns.topic_arn="
              "arn:aws:sns:us-east-1:123456789012:nope --set source.topics=no-such-topic");
    assert_int_equal(r.status, 1);
    has_line(&r, "FAIL", "sink s3", "no such bucket");
    has_line(&r, "FAIL", "sink sns", "NotFound");
    has_line(&r, "FAIL", "source kafka", "topic no-such-topic does not exist");
    has_line(&r, "PASS", "sink kafka", "topic summaries");   /* the rest still probed */
}

static void unreachable_broker(void **state)
{
    (void)state;
    result r;
    probe(&r, "--set kafka.bootstrap.servers=127.0.0.1:1");
    assert_int_equal(r.status, 1);
    has_line(&r, "FAIL", "source kafka", "metadata request failed");
    has_line(&r, "FAIL", "sink kafka", "metadata request failed");
    has_line(&r, "PASS", "sink s3", NULL);
}

/* STS unreachable: said, not failed -- unless the audit trail needs it. */
static void sts_unreachable(void **state)
{
    (void)state;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", sts_port);
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1", 1);
    result r;
    probe(&r, NULL);
    assert_int_equal(r.status, 0);
    has_line(&r, "INFO", "aws caller identity", "not learned: STS GetCallerIdentity at "
             "http://127.0.0.1:1: no answer");
    probe(&r, "--set audit.caller_identity=true");
    assert_int_equal(r.status, 1);
    has_line(&r, "FAIL", "aws caller identity", "audit.caller_identity = true");
    setenv("AWS_ENDPOINT_URL_STS", url, 1);
    probe(&r, "--set audit.caller_identity=true");
    assert_int_equal(r.status, 0);
    has_line(&r, "INFO", "aws caller identity", ARN);
}

/* CloudWatch api mode: not probed (no dry run), and said so. */
static void cloudwatch_said(void **state)
{
    (void)state;
    result r;
    probe(&r, "--set cloudwatch.mode=api");
    assert_int_equal(r.status, 0);
    has_line(&r, "INFO", "service cloudwatch", "not probed: PutMetricData has no dry run");
}

static void wrong_redis_password(void **state)
{
    (void)state;
    if (redis_pid <= 0) {
        printf("redis-server not installed: case skipped\n");
        skip();
    }
    char extra[512];
    redis_set(extra, sizeof extra, "not-" REDIS_PW);
    result r;
    probe(&r, extra);
    assert_int_equal(r.status, 1);
    has_line(&r, "FAIL", "stage comprehend: redis cache", "WRONGPASS");
}

static void kinesis_shards(void **state)
{
    (void)state;
    if (kin_pid <= 0) {
        printf("kinesalite not available: case skipped\n");
        skip();
    }
    char extra[512];
    snprintf(extra, sizeof extra, "--set source.type=kinesis --set source.kinesis.stream=probe "
             "--set source.kinesis.endpoint=http://127.0.0.1:%d", kin_port);
    result r;
    probe(&r, extra);
    assert_int_equal(r.status, 0);
    has_line(&r, "PASS", "source kinesis", "stream probe: 2 shards (2 open)");
    snprintf(extra, sizeof extra, "--set source.type=kinesis --set source.kinesis.stream=nope "
             "--set source.kinesis.endpoint=http://127.0.0.1:%d", kin_port);
    probe(&r, extra);
    assert_int_equal(r.status, 1);
    has_line(&r, "FAIL", "source kinesis", "ResourceNotFoundException");
    if (ddb_pid <= 0) {
        printf("dynalite not available: lease table part skipped\n");
        return;
    }
    /* checkpoint.store = dynamodb: DescribeTable on the lease table */
    snprintf(extra, sizeof extra, "--set source.type=kinesis --set source.kinesis.stream=probe "
             "--set source.kinesis.endpoint=http://127.0.0.1:%d --set checkpoint.store=dynamodb "
             "--set checkpoint.table=probe-leases --set checkpoint.endpoint=http://127.0.0.1:%d",
             kin_port, ddb_port);
    probe(&r, extra);
    assert_int_equal(r.status, 0);
    has_line(&r, "PASS", "source kinesis: lease table",
             "table probe-leases: ACTIVE, hash key leaseKey");
    snprintf(extra, sizeof extra, "--set source.type=kinesis --set source.kinesis.stream=probe "
             "--set source.kinesis.endpoint=http://127.0.0.1:%d --set checkpoint.store=dynamodb "
             "--set checkpoint.table=no-such-leases --set checkpoint.endpoint=http://127.0.0.1:%d",
             kin_port, ddb_port);
    probe(&r, extra);
    assert_int_equal(r.status, 1);
    has_line(&r, "FAIL", "source kinesis: lease table", "ResourceNotFoundException");
    has_line(&r, "PASS", "source kinesis", "stream probe: 2 shards");
}

/* Run last: every output above, and one with a session token. */
static void no_secret_in_output(void **state)
{
    (void)state;
    setenv("AWS_SESSION_TOKEN", "session-token-Xw3-not-real", 1);
    char extra[512];
    redis_set(extra, sizeof extra, REDIS_PW);
    result r;
    probe(&r, extra);   /* S3 and SNS refuse the token-signed calls or not: either way */
    unsetenv("AWS_SESSION_TOKEN");
    assert_non_null(strstr(all_output, "PASS  aws credentials"));
    assert_null(strstr(all_output, "session-token-Xw3"));
    assert_null(strstr(all_output, REDIS_PW));
    /* s3rver's secret equals its key id; the key id is shown shortened */
    assert_null(strstr(all_output, SECRET));
    printf("secrets: none in %zu bytes of probe output\n", all_len);
}

/* ---- peers ------------------------------------------------------------- */

static int start_redis(void)
{
    if (access("/usr/bin/redis-server", X_OK) != 0)
        return -1;
    redis_port = ms_test_free_port();
    pid_t pid = fork();
    if (pid == 0) {
        char p[16];
        snprintf(p, sizeof p, "%d", redis_port);
        int dn = open("/dev/null", O_WRONLY);
        dup2(dn, 1);
        execl("/usr/bin/redis-server", "redis-server", "--port", p, "--bind", "127.0.0.1",
              "--requirepass", REDIS_PW, "--save", "", "--appendonly", "no", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 300; i++) {
        if (ms_test_port_open(redis_port))
            return pid;
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* dynalite (npm, as integration.kinesis starts it) with the lease table
 * probe-leases made by boto3 (as the CloudFormation template makes it). */
static void start_dynalite(void)
{
    char *dmods = ms_test_npm_install("dynalite", "dynalite", "dynalite@4");
    if (!dmods)
        return;
    char *argv[] = {"env", NULL, "node", "-e",
                    "const d=require('dynalite');"
                    "const s=d({createTableMs:5,deleteTableMs:5,updateTableMs:5});"
                    "s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port));",
                    NULL};
    char np[2200];
    snprintf(np, sizeof np, "NODE_PATH=%s", dmods);
    argv[1] = np;
    free(dmods);
    ddb_port = ms_test_peer_start(argv, &ddb_pid);
    if (ddb_port <= 0 ||
        ms_test_run("%s -c \"import boto3; d=boto3.client('dynamodb',endpoint_url="
                    "'http://127.0.0.1:%d',region_name='us-east-1'); d.create_table("
                    "TableName='probe-leases',BillingMode='PAY_PER_REQUEST',"
                    "AttributeDefinitions=[{'AttributeName':'leaseKey','AttributeType':'S'}],"
                    "KeySchema=[{'AttributeName':'leaseKey','KeyType':'HASH'}]); "
                    "d.get_waiter('table_exists').wait(TableName='probe-leases',"
                    "WaiterConfig={'Delay':0.1,'MaxAttempts':100})\"",
                    ms_test_system_python(), ddb_port) != 0) {
        if (ddb_pid > 0)
            ms_test_peer_stop(ddb_pid);
        ddb_pid = -1;
    }
}

static int start_kinesalite(void)
{
    char *mods = ms_test_npm_install("kinesalite", "kinesalite", "kinesalite@3");
    if (!mods)
        return -1;
    setenv("NODE_PATH", mods, 1);
    free(mods);
    char *argv[] = {"node", "-e",
                    "const k=require('kinesalite');"
                    "const s=k({createStreamMs:5,deleteStreamMs:5,updateStreamMs:5});"
                    "s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port));",
                    NULL};
    kin_port = ms_test_peer_start(argv, &kin_pid);
    if (kin_port <= 0)
        return -1;
    int rc = ms_test_run(
        "%s -c \"import boto3,time; k=boto3.client('kinesis',endpoint_url='http://127.0.0.1:%d',"
        "region_name='us-east-1'); k.create_stream(StreamName='probe',ShardCount=2); "
        "k.get_waiter('stream_exists').wait(StreamName='probe',"
        "WaiterConfig={'Delay':0.1,'MaxAttempts':100})\"",
        ms_test_system_python(), kin_port);
    return rc == 0 ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    bin = getenv("MS_BIN");
    const char *src = getenv("MS_SRC");
    if (!bin || !src)
        ms_test_skip("MS_BIN / MS_SRC not set");
    tmp = ms_test_tmpdir("probe");
    modules = ms_test_s3rver_setup(tmp);   /* skips without s3rver/boto3; S3RVER keys */
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    char *data = ms_test_path(tmp, "s3");
    mkdir(data, 0700);
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/support/s3rver_run.js", src);
    char *s3argv[] = {"node", script, (char *)modules, data, BUCKET, NULL};
    s3_port = ms_test_peer_start(s3argv, &s3_pid);
    free(data);
    snprintf(script, sizeof script, "%s/tests/support/sns_capture.py", src);
    char *snsargv[] = {(char *)ms_test_system_python(), script, "--key", "S3RVER:S3RVER",
                       "--topic", TOPIC_ARN, NULL};
    sns_port = ms_test_peer_start(snsargv, &sns_pid);
    char *emuargv[] = {(char *)bin, "emulate", "--listen", "127.0.0.1:0", "--log-level", "error",
                       NULL};
    emu_port = ms_test_peer_start(emuargv, &emu_pid);
    snprintf(script, sizeof script, "%s/tests/support/sts_stub.py", src);
    char *stsargv[] = {(char *)ms_test_system_python(), script, "--key", "S3RVER:S3RVER",
                       "--arn", ARN, NULL};
    sts_port = ms_test_peer_start(stsargv, &sts_pid);
    char sts_url[64];
    snprintf(sts_url, sizeof sts_url, "http://127.0.0.1:%d", sts_port);
    setenv("AWS_ENDPOINT_URL_STS", sts_url, 1);
    char err[256];
    mock = ms_kafka_mock_new(1, err, sizeof err);
    if (s3_port <= 0 || sns_port <= 0 || emu_port <= 0 || sts_port <= 0 || !mock ||
        ms_kafka_mock_create_topic(mock, "reports", 3) != 0 ||
        ms_kafka_mock_create_topic(mock, "summaries", 2) != 0 ||
        ms_kafka_mock_create_topic(mock, "summaries-dead-letter", 1) != 0) {
        fprintf(stderr, "a peer did not start (s3 %d, sns %d, emulator %d, kafka %p)\n", s3_port,
                sns_port, emu_port, (void *)mock);
        return -1;
    }
    redis_pid = start_redis();
    if (start_kinesalite() != 0)
        printf("kinesalite: not available, its case will skip\n");
    else
        start_dynalite();
    if (ddb_pid <= 0)
        printf("dynalite: not available, the lease table part will skip\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int pids[] = {s3_pid, sns_pid, emu_pid, kin_pid, ddb_pid, sts_pid};
    for (int i = 0; i < 6; i++)
        if (pids[i] > 0)
            ms_test_peer_stop(pids[i]);
    if (redis_pid > 0) {
        kill(redis_pid, SIGTERM);
        waitpid(redis_pid, NULL, 0);
    }
    if (mock)
        ms_kafka_mock_free(mock);
    if (tmp)
        ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(everything_reachable),
        cmocka_unit_test(missing_bucket_and_topics),
        cmocka_unit_test(unreachable_broker),
        cmocka_unit_test(sts_unreachable),
        cmocka_unit_test(cloudwatch_said),
        cmocka_unit_test(wrong_redis_password),
        cmocka_unit_test(kinesis_shards),
        cmocka_unit_test(no_secret_in_output),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
