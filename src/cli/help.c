/* help.c -- the list of commands (`medstream --help`, the bash completion,
 * the man page's test) and `medstream COMMAND --help` for the commands that
 * share main.c's option parser (run, demo, extract, check-config); awscurl,
 * emulate, top and kafka-mock print their own. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* Keep each `options` equal to the options its --help lists
 * (integration.packaging checks both ways). */
const ms_cli_command ms_cli_commands[] = {
    {"run", "", "run the pipeline described by the configuration",
     "-c --config --set --once --stats-interval --help"},
    {"demo", "", "mock Kafka cluster + bundled sample reports -> ./out",
     "-c --config --set --samples --out --stats-interval --help"},
    {"extract", "FILE", "one PDF or text file -> its summary on stdout",
     "-c --config --set --format --help"},
    {"check-config", "", "validate and print the effective configuration",
     "-c --config --set --describe --format --probe --probe-timeout --help"},
    {"awscurl", "URL",
     "sign a request with the AWS credential chain and send\n"
     "it, or --dry-run to show the signature (awscurl -h)",
     "--service --region -X --request -H --header -d --data --dry-run --date --profile -c "
     "--set -h --help"},
    {"emulate", "", "a local Amazon Comprehend Medical (emulate -h)",
     "--listen --tps --cps --op --burst-s --latency-ms --jitter-ms --latency-per-kchar-ms "
     "--fault-5xx --fault-throttle --fault-reset --fault-stall --seed --verify-sigv4 "
     "--max-skew-s --inline-max-bytes --max-body-bytes --model-version --log-level -h --help"},
    {"top", "[URL]", "live dashboard of a running pipeline's /stats (top -h)",
     "--once --interval -h --help"},
    {"kafka-mock", "", "an in-memory mock Kafka cluster for tests (kafka-mock -h)",
     "--brokers --listen --control --topic -h --help"},
    {"version", "", "the version, git commit and library versions", ""},
    {"completion", "", "the bash completion script: completion bash", ""},
    {"help", "COMMAND", "a command's own help (also COMMAND --help)", ""},
    {NULL, NULL, NULL, NULL},
};

void ms_cli_commands_list(FILE *out)
{
    for (const ms_cli_command *c = ms_cli_commands; c->name; c++) {
        char label[32];
        snprintf(label, sizeof label, "%s%s%s", c->name, *c->args ? " " : "", c->args);
        fprintf(out, "  %-14s ", label);
        for (const char *s = c->summary; *s; s++) {
            fputc(*s, out);
            if (*s == '\n')
                fprintf(out, "%17s", "");
        }
        fputc('\n', out);
    }
}

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
     "The mock cluster replaces the source of -c FILE; its stages and sinks\n"
     "run as configured.\n"
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
     "usage: medstream check-config [-c FILE] [--set SECTION.KEY=VALUE]...\n"
     "                             [--probe [--probe-timeout SECONDS]]\n"
     "       medstream check-config --describe [--format markdown|man]\n"
     "\n"
     "Load and validate the configuration exactly as `run` does at start and\n"
     "print the effective keys with where each value came from; exit 2 with\n"
     "the error when `run` would refuse it.\n"
     "\n"
     "  -c, --config FILE        INI configuration file\n"
     "  --set SECTION.KEY=VALUE  override one key (repeatable)\n"
     "  --describe               print the key reference instead\n"
     "  --format markdown|man    --describe: Markdown (docs/configuration.md,\n"
     "                           default) or roff (the man page medstream.ini(5))\n"
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
