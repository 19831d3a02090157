/* config_keys.c -- the table of every configuration key: type, default,
 * bounds and a one-sentence help text.
 *
 * Adding a key is adding a row (keep rows of one section together; the
 * printed config and docs/configuration.md follow this order). After adding
 * one, regenerate the reference in docs/configuration.md with
 * `MS_UPDATE_DOCS=1 ctest -R unit.config` (the test fails while they differ). */
#include "config.h"

#define K  1024.0
#define M  (1024.0 * K)
#define G  (1024.0 * M)
#define T  (1024.0 * G)

#define INT(n, d, lo, hi, h)   { n, MS_CFG_INT, d, lo, hi, NULL, 0, h }
#define SIZE(n, d, lo, hi, h)  { n, MS_CFG_SIZE, d, lo, hi, NULL, 0, h }
#define BOOL(n, d, h)          { n, MS_CFG_BOOL, d, 0, 0, NULL, 0, h }
#define STR(n, d, h)           { n, MS_CFG_STRING, d, 0, 0, NULL, 0, h }
#define ENUM(n, d, c, h)       { n, MS_CFG_ENUM, d, 0, 0, c, 0, h }
#define DBL(n, d, lo, hi, h)   { n, MS_CFG_DOUBLE, d, lo, hi, NULL, 0, h }

const ms_cfg_key ms_cfg_keys[] = {
    INT("engine.workers", "0", 0, 256,
        "CPU worker threads for parsing and chunking (0 = one per core); lower it to leave cores to other processes."),
    INT("engine.max_inflight_docs", "64", 1, 1000000,
        "Reports admitted but not yet committed; at this limit the source pauses, so raise it to keep slow sinks busy or lower it to cap memory."),
    SIZE("engine.max_inflight_bytes", "256M", 1 * K, 1 * T,
         "Input bytes of the reports in flight; at this limit the source pauses (a single larger report is still admitted when nothing else is in flight)."),
    INT("engine.resume_pct", "75", 1, 100,
        "The paused source resumes when both in-flight counts are at or below this percentage of their limits; lower values mean fewer, longer pauses."),
    INT("engine.drain_timeout_ms", "30000", 0, 3600000,
        "On SIGINT/SIGTERM, how long to wait for in-flight reports before committing what is confirmed and exiting."),

    ENUM("log.level", "info", "debug|info|warn|error",
         "Lowest level written to stderr; use debug while diagnosing a problem."),
    ENUM("log.format", "logfmt", "logfmt|json",
         "Log line format: logfmt for people reading a terminal, json for log collectors."),

    INT("stats.interval_s", "0", 0, 86400,
        "Print a one-line summary every N seconds (0 = off); the --stats-interval option overrides it."),

    ENUM("source.type", "dir", "dir|kafka",
         "Where reports come from: PDF files in a directory, or records on Kafka topics."),
    STR("source.path", "./inbox",
        "Directory read by the dir source (`*.pdf` files)."),
    BOOL("source.watch", "false",
         "dir source: keep watching the directory for new files instead of stopping once it is drained."),
    INT("source.poll_interval_ms", "1000", 10, 3600000,
        "dir source with watch: rescan interval; a new file is taken once its size is unchanged across two scans."),
    STR("source.done_dir", "",
        "dir source: move each file here once its report is committed (empty = leave files in place)."),
    STR("source.topics", "reports",
        "kafka source: comma-separated topics to consume."),
    INT("source.commit_interval_ms", "1000", 0, 600000,
        "kafka source: how often confirmed offsets are committed (0 = after every confirmation); they are always committed on shutdown and rebalance."),

    INT("kafka.mock_brokers", "0", 0, 16,
        "Start librdkafka's in-process mock cluster with N brokers and consume from it instead of `bootstrap.servers` (demo and tests; 0 = off)."),

    STR("aws.region", "",
        "AWS region for every AWS client; empty = AWS_REGION, then AWS_DEFAULT_REGION, then the profile's `region`."),
    STR("aws.profile", "",
        "Named profile of the shared config/credentials files; empty = AWS_PROFILE, then `default`."),
    BOOL("aws.fips", "false",
         "Use the FIPS endpoints (`{service}-fips.{region}.amazonaws.com`) where no endpoint is configured."),
    INT("aws.max_attempts", "3", 1, 100,
        "Attempts per AWS call in the standard retry mode, the first included; when this key is not set, AWS_MAX_ATTEMPTS is honoured as by the SDKs."),
    INT("aws.connect_timeout_ms", "5000", 10, 600000,
        "TCP and TLS connect timeout for AWS calls."),
    INT("aws.request_timeout_ms", "30000", 10, 3600000,
        "Whole-attempt timeout for one AWS call (connect, send, answer); a timed-out attempt is retried."),
    INT("aws.max_connections", "64", 1, 10000,
        "Most connections open to one AWS host; more concurrent calls share them (HTTP/2) or queue."),
    BOOL("aws.http2", "true",
         "Offer HTTP/2 on TLS connections (ALPN); off = HTTP/1.1 keep-alive only."),

    BOOL("tls.insecure", "false",
         "Skip TLS certificate and host name verification for AWS calls. Never in production; logged as a warning at start."),
    STR("tls.ca_file", "",
        "PEM bundle of trusted CAs for AWS calls (e.g. a corporate TLS proxy's); empty = the system's bundle."),

    INT("parse.max_pages", "2000", 1, 1000000,
        "Largest page count accepted per report; a longer report goes to the dead-letter output instead of tying up a worker."),
    SIZE("parse.max_bytes", "100M", 1 * K, 4 * G,
         "Largest PDF accepted; a bigger input goes to the dead-letter output without being opened."),
    INT("parse.timeout_ms", "30000", 1, 3600000,
        "Per-report parse time budget; a report still parsing after this is aborted and dead-lettered."),
    BOOL("parse.keep_offpage_text", "false",
         "Keep text drawn outside the page (invisible to a reader). Off: hidden text never reaches a summary; on: extraction is about 20% faster."),

    INT("chunk.max_bytes", "20000", 64, 1000000,
        "UTF-8 bytes per chunk sent for extraction (Comprehend Medical DetectEntitiesV2 accepts 20,000; the Infer operations 10,000)."),
    BOOL("chunk.strip_boilerplate", "true",
         "Leave out header and footer lines repeated across pages, so they are neither billed nor extracted."),
    INT("chunk.boilerplate_min_pages", "3", 2, 100000,
        "A header or footer line is stripped only when it repeats on at least this many pages."),

    ENUM("extract.engine", "local", "local|comprehend",
         "Who finds the entities: `local` (the embedded engine, no network) or `comprehend` (Amazon Comprehend Medical, billed per character; see docs/comprehend.md)."),

    STR("comprehend.operations", "DetectEntitiesV2",
        "Comma-separated Comprehend Medical operations run on every chunk: DetectEntitiesV2, InferICD10CM, InferRxNorm, InferSNOMEDCT, DetectPHI; each one is billed separately."),
    STR("comprehend.endpoint", "",
        "Comprehend Medical endpoint URL (e.g. a local `medstream emulate`); empty = AWS_ENDPOINT_URL_COMPREHENDMEDICAL, AWS_ENDPOINT_URL, then the region's endpoint."),
    DBL("comprehend.detect_entities_v2.tps", "40", 0, 1e6,
        "DetectEntitiesV2 requests per second sent at most (0 = no limit); set it to your account's quota."),
    DBL("comprehend.detect_entities_v2.cps", "40000", 0, 1e9,
        "DetectEntitiesV2 characters per second sent at most (0 = no limit); set it to your account's quota."),
    DBL("comprehend.infer_icd10cm.tps", "40", 0, 1e6,
        "InferICD10CM requests per second sent at most (0 = no limit)."),
    DBL("comprehend.infer_icd10cm.cps", "40000", 0, 1e9,
        "InferICD10CM characters per second sent at most (0 = no limit)."),
    DBL("comprehend.infer_rxnorm.tps", "40", 0, 1e6,
        "InferRxNorm requests per second sent at most (0 = no limit)."),
    DBL("comprehend.infer_rxnorm.cps", "40000", 0, 1e9,
        "InferRxNorm characters per second sent at most (0 = no limit)."),
    DBL("comprehend.infer_snomedct.tps", "2", 0, 1e6,
        "InferSNOMEDCT requests per second sent at most (0 = no limit); its default quota is far lower than the others'."),
    DBL("comprehend.infer_snomedct.cps", "5000", 0, 1e9,
        "InferSNOMEDCT characters per second sent at most (0 = no limit)."),
    DBL("comprehend.detect_phi.tps", "40", 0, 1e6,
        "DetectPHI requests per second sent at most (0 = no limit)."),
    DBL("comprehend.detect_phi.cps", "40000", 0, 1e9,
        "DetectPHI characters per second sent at most (0 = no limit)."),
    INT("comprehend.concurrency_initial", "1", 1, 10000,
        "Requests in flight per operation at start; the adaptive limit grows from here while round trips stay fast."),
    INT("comprehend.concurrency_max", "64", 1, 10000,
        "Ceiling of the adaptive per-operation concurrency limit; keep it at or below aws.max_connections."),
    DBL("comprehend.rtt_deviation_k", "2", 0, 100,
        "The concurrency limit shrinks when a window's round-trip time exceeds its moving mean by k deviations; lower reacts sooner to a slowing service."),
    INT("comprehend.max_attempts", "0", 0, 100,
        "Attempts per request before it goes back to the queue (0 = aws.max_attempts); throttled or failed requests are never dropped."),
    INT("comprehend.cache_mb", "64", 0, 1048576,
        "In-memory cache of answers by hash of (operation, text), in MiB (0 = off); a hit is not sent and not billed."),
    STR("comprehend.cache.redis_url", "",
        "Shared answer cache, `redis://host[:port][/db]` (ElastiCache in production; empty = off); errors and timeouts fall through to the service."),
    INT("comprehend.cache.ttl_s", "604800", 0, 315360000,
        "Lifetime of an answer in Redis, seconds (0 = no expiry)."),

    ENUM("sink.type", "file", "file",
         "Where summaries are delivered: `file` writes JSON files into `sink.file.dir`."),
    STR("sink.file.dir", "./out",
        "Output directory: one `<id>.json` per report, dead letters in `<dir>/dead-letter/`."),
    BOOL("sink.file.fsync", "true",
         "fsync each file and the directory before the report counts as delivered; turn it off only for throwaway benchmarks."),

    { 0 }
};
