/* probe.h -- the report of `medstream check-config --probe`: one line per
 * thing reached (credentials, the source, each sink's destination, the
 * Comprehend service, the Redis cache), PASS or FAIL, counted.
 *
 * Plugins declare a probe (core/plugin.h) that reaches what they would use
 * with a configuration and reports here. Contract for every probe:
 *   - each network step is bounded by timeout_ms (no probe hangs);
 *   - a line never carries a secret (secret key, session token, password,
 *     a URL's credentials) nor document text;
 *   - a failure is a FAIL line saying what was tried and what came back,
 *     never an abort: the next probe still runs.
 * check-config exits non-zero when any line failed. */
#ifndef MS_PROBE_H
#define MS_PROBE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct ms_probe {
    FILE *out;
    long timeout_ms;      /* bound for one network step */
    int passed, failed;
} ms_probe;

/* "PASS  <subject>: <what>" or "FAIL  <subject>: <what>", flushed at once
 * (a slow probe after it does not hide it). */
void ms_probe_report(ms_probe *p, bool ok, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "INFO  <subject>: <what>": something said, neither passed nor failed
 * (what is not probed and why, an optional lookup that did not answer). */
void ms_probe_note(ms_probe *p, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A directory the plugin reads (write = false: it must exist and be
 * listable) or writes (write = true: a file can be created and removed in
 * it, or, when it does not exist yet, in the ancestor it would be created
 * in). One line. */
void ms_probe_dir(ms_probe *p, const char *subject, const char *path, bool write);

#endif
