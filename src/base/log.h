/* log.h -- leveled, structured log lines on stderr (logfmt or JSON).
 *
 *   ms_log(MS_LOG_WARN, "dead letter", KS("id", doc->id),
 *          KS("reason", doc->reason), KI("pages", doc->npages), KEND);
 *
 * Never pass document text or patient data as a value: log ids, sizes and
 * reason codes only. Thread-safe; one write(2) per line. */
#ifndef MS_LOG_H
#define MS_LOG_H

#include <stdbool.h>

typedef enum ms_log_level {
    MS_LOG_DEBUG = 0,
    MS_LOG_INFO,
    MS_LOG_WARN,
    MS_LOG_ERROR
} ms_log_level;

typedef struct ms_kv {
    const char *key;   /* NULL terminates the list */
    char type;         /* 's' string, 'i' integer, 'f' double */
    const char *s;
    long long i;
    double f;
} ms_kv;

#define KS(k, v) ((ms_kv){(k), 's', (v), 0, 0})
#define KI(k, v) ((ms_kv){(k), 'i', 0, (long long)(v), 0})
#define KF(k, v) ((ms_kv){(k), 'f', 0, 0, (double)(v)})
#define KEND ((ms_kv){0, 0, 0, 0, 0})

/* level: "debug", "info", "warn", "error"; format: "logfmt" or "json". */
int ms_log_setup(const char *level, const char *format);
void ms_log_set_level(ms_log_level level);
bool ms_log_enabled(ms_log_level level);

void ms_log(ms_log_level level, const char *msg, ...);

/* The live progress line (terminal only): log lines clear it first, and it
 * is redrawn by its owner. */
void ms_log_status(const char *line);

#endif
