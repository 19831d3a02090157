/* reload.h -- SIGHUP for `medstream run`: read the configuration file (and
 * the same --set overrides) again and apply what can change live.
 *
 * The new file is loaded and validated like at start (ms_pipeline_check);
 * a file that fails is rejected with its error and the running
 * configuration is kept. Otherwise every key whose value changed is either
 * applied (the key table flags it MS_CFG_LIVE: log level and format, stats
 * interval, readiness thresholds) or logged as "needs restart: <key>" and left alone. Every outcome is
 * logged. Runs on the engine's loop thread (ms_engine_on_reload). */
#ifndef MS_RELOAD_H
#define MS_RELOAD_H

#include "base/config.h"
#include "cli/cli.h"
#include "core/engine.h"

typedef struct ms_reloader {
    const ms_cli_opts *opts;  /* -c, --set and --stats-interval, as at start */
    ms_config *cfg;           /* the running configuration (live keys updated) */
    int applied, restart, rejected; /* totals, for tests and the log */
} ms_reloader;

/* The ms_engine_on_reload callback; ud is an ms_reloader. */
void ms_cli_reload(ms_engine *e, void *ud);

#endif
