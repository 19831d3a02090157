/* config_keys.c -- the core configuration keys: engine, logging, the choice
 * of source and sinks, and what every AWS client shares. Each source, stage,
 * sink and service declares its own keys beside its code (core/plugin.h);
 * the registry (plugins.c) merges them after these.
 *
 * Adding a key is adding a row (keep rows of one section together; the
 * printed config and docs/configuration.md follow this order). After adding
 * one, regenerate the reference in docs/configuration.md with
 * `MS_UPDATE_DOCS=1 ctest -R unit.config` (the test fails while they differ). */
#include "base/config.h"

const ms_cfg_key ms_cfg_core_keys[] = {
    MS_KEY_INT("engine.workers", "0", 0, 256,
        "CPU worker threads for parsing and chunking (0 = one per CPU the process may use: the affinity mask and the cgroup v2 cpu.max quota, rounded up); lower it to leave cores to other processes."),
    MS_KEY_INT("engine.max_inflight_docs", "64", 1, 1000000,
        "Reports admitted but not yet committed; at this limit the source pauses, so raise it to keep slow sinks busy or lower it to cap memory."),
    MS_KEY_SIZE("engine.max_inflight_bytes", "256M", 1 * MS_KIB, 1 * MS_TIB,
         "Input bytes of the reports in flight; at this limit the source pauses (a single larger report is still admitted when nothing else is in flight)."),
    MS_KEY_INT("engine.resume_pct", "75", 1, 100,
        "The paused source resumes when both in-flight counts are at or below this percentage of their limits; lower values mean fewer, longer pauses."),
    MS_KEY_INT("engine.drain_timeout_ms", "30000", 0, 3600000,
        "On SIGINT/SIGTERM, how long to wait for in-flight reports before committing what is confirmed and exiting."),
    MS_KEY_ENUM_LIVE("log.level", "info", "debug|info|warn|error",
         "Lowest level written to stderr; use debug while diagnosing a problem."),
    MS_KEY_ENUM_LIVE("log.format", "logfmt", "logfmt|json",
         "Log line format: logfmt for people reading a terminal, json for log collectors."),
    MS_KEY_INT_LIVE("stats.interval_s", "0", 0, 86400,
        "Print a one-line summary every N seconds (0 = off); the --stats-interval option overrides it."),
    MS_KEY_ENUM("source.type", "dir", "@source",
         "Where reports come from: PDF files in a directory, records on Kafka topics, or records on a Kinesis data stream."),
    MS_KEY_STR("aws.region", "",
        "AWS region for every AWS client; empty = AWS_REGION, then AWS_DEFAULT_REGION, then the profile's `region`."),
    MS_KEY_STR("aws.profile", "",
        "Named profile of the shared config/credentials files; empty = AWS_PROFILE, then `default`."),
    MS_KEY_BOOL("aws.fips", "false",
         "Use the FIPS endpoints (`{service}-fips.{region}.amazonaws.com`) where no endpoint is configured."),
    MS_KEY_INT("aws.max_attempts", "3", 1, 100,
        "Attempts per AWS call in the standard retry mode, the first included; when this key is not set, AWS_MAX_ATTEMPTS is honoured as by the SDKs."),
    MS_KEY_INT("aws.connect_timeout_ms", "5000", 10, 600000,
        "TCP and TLS connect timeout for AWS calls."),
    MS_KEY_INT("aws.request_timeout_ms", "30000", 10, 3600000,
        "Whole-attempt timeout for one AWS call (connect, send, answer); a timed-out attempt is retried."),
    MS_KEY_INT("aws.max_connections", "64", 1, 10000,
        "Most connections open to one AWS host; more concurrent calls share them (HTTP/2) or queue."),
    MS_KEY_BOOL("aws.http2", "true",
         "Offer HTTP/2 on TLS connections (ALPN); off = HTTP/1.1 keep-alive only."),
    MS_KEY_BOOL("tls.insecure", "false",
         "Skip TLS certificate and host name verification for AWS calls. Never in production; logged as a warning at start."),
    MS_KEY_STR("tls.ca_file", "",
        "PEM bundle of trusted CAs for AWS calls (e.g. a corporate TLS proxy's); empty = the system's bundle."),
    MS_KEY_LIST("sink.type", "file", "@sink",
        "Where summaries are delivered, comma-separated (e.g. `file,s3`); a report is acknowledged only when every sink confirmed it."),
    MS_KEY_LIST("dlq.type", "same", "same|@sink",
        "Where dead letters go: `same` = every sink in `sink.type`, or one sink type, also when it is not in `sink.type`."),

    { 0 }
};
