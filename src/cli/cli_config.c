/* cli_config.c -- configuration loading shared by the commands (main.c's
 * run and check-config, demo.c, extract_cmd.c, awscurl_cmd.c). It lives
 * in its own file so the commands depend on it and nothing calls back into
 * main.c. Contract: cli.h. */
#include <stdio.h>

#include "cli/cli.h"
#include "base/config.h"
#include "base/log.h"

int ms_cli_load_config(const ms_cli_opts *o, ms_config *cfg)
{
    char err[1024];
    if (o->config_file && ms_config_load_file(cfg, o->config_file, err, sizeof err) != 0) {
        fprintf(stderr, "medstream: config error: %s\n", err);
        return 2;
    }
    for (int i = 0; i < o->nsets; i++)
        if (ms_config_set_arg(cfg, o->sets[i], err, sizeof err) != 0) {
            fprintf(stderr, "medstream: config error: %s\n", err);
            return 2;
        }
    if (ms_log_setup(ms_config_str(cfg, "log.level"), ms_config_str(cfg, "log.format")) != 0) {
        fprintf(stderr, "medstream: config error: bad log.level or log.format\n");
        return 2;
    }
    return 0;
}
