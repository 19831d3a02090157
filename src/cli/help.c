/* help.c -- `medstream COMMAND --help` for the commands that share main.c's
 * option parser (run, demo, extract, check-config); awscurl, emulate and
 * top print their own. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
    const char *cmd, *text;
} helps[] = {
    {"run",
     "usage: medstream run [-c FILE] [--set SECTION.KEY=VALUE]... [--once]\n"
     "                     [--stats-interval SECS]\n"
     "\n"
     "Run the pipeline the configuration describes (source -> parse -> chunk ->\n"
     "extract -> assemble -> sinks) until SIGTERM/SIGINT, which drains and exits.\n"
     "SIGHUP reloads the configuration file (docs/operations.md).\n"
     "\n"
     "  -c, --config FILE        INI configuration file\n"
     "  --set SECTION.KEY=VALUE  override one key (repeatable, applied after -c)\n"
     "  --once                   exit when the source has no more data and\n"
     "                           everything is delivered and committed\n"
     "  --stats-interval SECS    log a one-line summary every SECS (0 = off;\n"
     "                           wins over stats.interval_s)\n"
     "\n"
     "Exit status: 0 drained cleanly, 1 runtime failure, 2 configuration error.\n"},
    {"demo",
     "usage: medstream demo [-c FILE] [--set SECTION.KEY=VALUE]... [--samples DIR]\n"
     "                      [--out DIR] [--stats-interval SECS]\n"
     "\n"
     "Start a mock Kafka cluster, feed it the bundled sample reports and run\n"
     "the pipeline once over them; summaries land in DIR (default ./out).\n"
     "\n"
     "  -c, --config FILE        INI configuration file\n"
     "  --set SECTION.KEY=VALUE  override one key (repeatable)\n"
     "  --samples DIR            directory of sample PDFs (default examples)\n"
     "  --out DIR                output directory (default out)\n"
     "  --stats-interval SECS    log a one-line summary every SECS\n"},
    {"extract",
     "usage: medstream extract FILE|- [-c FILE] [--set SECTION.KEY=VALUE]...\n"
     "                         [--format json|text]\n"
     "\n"
     "One PDF or plain-text file (- = stdin) through the same stages `run`\n"
     "uses, in this process; its summary is printed on stdout. A report that\n"
     "cannot be processed prints its dead-letter record on stderr, exit 1.\n"
     "\n"
     "  -c, --config FILE        INI configuration file\n"
     "  --set SECTION.KEY=VALUE  override one key (repeatable)\n"
     "  --format json|text       the whole summary (json, default) or only the\n"
     "                           plain-language text\n"},
    {"check-config",
     "usage: medstream check-config [-c FILE] [--set SECTION.KEY=VALUE]... [--describe]\n"
     "                             [--probe [--probe-timeout SECONDS]]\n"
     "\n"
     "Load and validate the configuration exactly as `run` does at start and\n"
     "print the effective keys with where each value came from; exit 2 with\n"
     "the error when `run` would refuse it.\n"
     "\n"
     "  -c, --config FILE        INI configuration file\n"
     "  --set SECTION.KEY=VALUE  override one key (repeatable)\n"
     "  --describe               print the key reference (Markdown) instead\n"
     "  --probe                  then reach everything the configuration names:\n"
     "                           AWS credentials (which provider), the source\n"
     "                           (topic partitions, stream shards, directory),\n"
     "                           each sink's destination, one tiny Comprehend\n"
     "                           Medical call (1 billed unit) and the Redis cache;\n"
     "                           one PASS/FAIL line each, no secrets; exit 1 when\n"
     "                           any failed\n"
     "  --probe-timeout SECONDS  bound of each network step (default 5)\n"},
};

int ms_cli_help(const char *cmd, FILE *out)
{
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
        if (!strcmp(helps[i].cmd, cmd)) {
            fputs(helps[i].text, out);
            return 0;
        }
    return -1;
}
