/* cli.h -- options shared by the medstream commands (main.c, demo.c, ...). */
#ifndef MS_CLI_H
#define MS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/config.h"

#define MS_CLI_MAX_SETS 256

typedef struct ms_cli_opts {
    const char *config_file;
    const char *sets[MS_CLI_MAX_SETS];
    int nsets;
    bool once, describe;
    int stats_interval;        /* -1 = from config */
    const char *samples_dir;
    const char *out_dir;
    const char *format;        /* extract: json | text */
    const char *positional;    /* extract: the input file */
} ms_cli_opts;

/* Apply -c and --set to cfg and set up logging; 0 or 2 (error printed)
 * (cli_config.c). */
int ms_cli_load_config(const ms_cli_opts *o, ms_config *cfg);

int ms_cli_demo(const ms_cli_opts *o);
int ms_cli_extract(const ms_cli_opts *o);
/* `medstream awscurl ...`: argv[0] is "awscurl" (own options). */
int ms_cli_awscurl(int argc, char **argv);
/* `medstream top [URL]`: argv[0] is "top" (top_cmd.c). */
int ms_cli_top(int argc, char **argv);

/* The commands, in --help order; terminated by name == NULL (help.c). */
typedef struct ms_cli_command {
    const char *name;
    const char *args;     /* "FILE", "[URL]", ... or "" */
    const char *summary;  /* one or two lines for --help */
    const char *options;  /* space-separated, for completion */
} ms_cli_command;
extern const ms_cli_command ms_cli_commands[];
/* The commands and their summaries, as `medstream --help` prints them. */
void ms_cli_commands_list(FILE *out);
/* `medstream completion bash`: argv[0] is "completion" (completion.c). */
int ms_cli_completion(int argc, char **argv);

/* `medstream COMMAND --help` for run, demo, extract and check-config;
 * -1 for another command (help.c). */
int ms_cli_help(const char *cmd, FILE *out);
/* `medstream --version`: version, commit and library versions (version.c). */
void ms_cli_version(FILE *out);

#endif
