/* main.c -- the medstream command line.
 *
 *   medstream run          [-c FILE] [--set k=v]... [--once] [--stats-interval S]
 *   medstream demo         [-c FILE] [--set k=v]... [--samples DIR] [--out DIR]
 *   medstream check-config [-c FILE] [--set k=v]... [--describe]
 *   medstream awscurl      [options] URL   (awscurl_cmd.c)
 *   medstream emulate      [options]       (emulator/emu_cmd.c)
 *   medstream top          [URL]           (top_cmd.c)
 *   medstream completion bash              (completion.c)
 *   medstream version | --version          (version.c)
 *   medstream help COMMAND | COMMAND --help (help.c)
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli/cli.h"
#include "cli/reload.h"
#include "base/config.h"
#include "core/engine.h"
#include "base/log.h"
#include "emulator/emulator.h"
#include "pipeline.h"
#include "plugins.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: medstream COMMAND [options]\n"
            "\n"
            "commands:\n");
    ms_cli_commands_list(out);
    fprintf(out,
            "\n"
            "options:\n"
            "  -c, --config FILE       INI configuration file\n"
            "  --set SECTION.KEY=VALUE override one key (repeatable, applied after -c)\n"
            "  --once                  run: exit when the source has no more data\n"
            "                          and everything is delivered and committed\n"
            "  --stats-interval SECS   run/demo: print a one-line summary every SECS\n"
            "  --describe              check-config: print the key reference (Markdown)\n"
            "  --format json|text      extract: the whole summary (json, default) or\n"
            "                          only the plain-language text\n"
            "  --format markdown|man   check-config --describe: Markdown (default) or\n"
            "                          roff for the man page medstream.ini(5)\n"
            "  --samples DIR           demo: directory of sample PDFs (default examples)\n"
            "  --out DIR               demo: output directory (default out)\n"
            "\n");
    ms_plugins_list(out);
    fprintf(out, "\nSee docs/configuration.md for every key (check-config --describe).\n");
}

/* Parse the options shared by every command into opts; returns 0, or 2
 * after printing a usage error. */
static int parse_args(int argc, char **argv, ms_cli_opts *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && next) {
            o->config_file = next;
            i++;
        } else if (!strcmp(a, "--set") && next) {
            if (o->nsets == MS_CLI_MAX_SETS) {
                fprintf(stderr, "medstream: too many --set options\n");
                return 2;
            }
            o->sets[o->nsets++] = next;
            i++;
        } else if (!strncmp(a, "--set=", 6)) {
            if (o->nsets < MS_CLI_MAX_SETS)
                o->sets[o->nsets++] = a + 6;
        } else if (!strcmp(a, "--once")) {
            o->once = true;
        } else if (!strcmp(a, "--describe")) {
            o->describe = true;
        } else if (!strcmp(a, "--stats-interval") && next) {
            char *end;
            long v = strtol(next, &end, 10);
            if (*end || v < 0 || v > 86400) {
                fprintf(stderr, "medstream: --stats-interval expects seconds (0-86400), got '%s'\n", next);
                return 2;
            }
            o->stats_interval = (int)v;
            i++;
        } else if (!strcmp(a, "--samples") && next) {
            o->samples_dir = next;
            i++;
        } else if (!strcmp(a, "--out") && next) {
            o->out_dir = next;
            i++;
        } else if (!strcmp(a, "--format") && next) {
            o->format = next;
            i++;
        } else if (!strcmp(argv[1], "extract") && !o->positional &&
                   (a[0] != '-' || !strcmp(a, "-"))) {
            o->positional = a;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            if (ms_cli_help(argv[1], stdout) != 0)
                usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "medstream: unknown or incomplete option '%s'\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

static int cmd_run(const ms_cli_opts *o)
{
    ms_config *cfg = ms_config_new();
    int rc = ms_cli_load_config(o, cfg);
    if (rc != 0) {
        ms_config_free(cfg);
        return rc;
    }
    char err[1024];
    ms_engine *e = ms_pipeline_build(cfg, err, sizeof err);
    if (!e) {
        fprintf(stderr, "medstream: %s\n", err);
        ms_config_free(cfg);
        return 2;
    }
    ms_engine_set_once(e, o->once);
    if (o->stats_interval >= 0)
        ms_engine_set_stats_interval(e, o->stats_interval);
    ms_engine_handle_signals(e, true);
    ms_reloader reloader = {.opts = o, .cfg = cfg};
    ms_engine_on_reload(e, ms_cli_reload, &reloader);
    rc = ms_engine_run(e);
    ms_engine_free(e);
    ms_config_free(cfg);
    return rc;
}

static int cmd_check_config(const ms_cli_opts *o)
{
    if (o->describe) {
        if (o->format && strcmp(o->format, "markdown") != 0 && strcmp(o->format, "man") != 0) {
            fprintf(stderr, "medstream: --format expects markdown or man, got '%s'\n",
                    o->format);
            return 2;
        }
        ms_plugins_describe_as(stdout, o->format && !strcmp(o->format, "man") ? MS_DOC_MAN
                                                                              : MS_DOC_MARKDOWN);
        return 0;
    }
    ms_config *cfg = ms_config_new();
    int rc = ms_cli_load_config(o, cfg);
    if (rc == 0) {
        char err[1024];
        if (ms_pipeline_check(cfg, err, sizeof err) != 0) {
            fprintf(stderr, "medstream: config error: %s\n", err);
            rc = 2;
        } else {
            ms_config_print(cfg, stdout);
        }
    }
    ms_config_free(cfg);
    return rc;
}

int main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* Workers allocate and free a few MB per report in their own malloc
     * arenas; glibc's default 128 KB trim threshold hands that memory back
     * to the kernel after every report and faults it in again for the next
     * (about 15% of wall time on 2 cores, bench/RESULTS.md). Keep up to
     * 16 MB of free memory per arena instead. */
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        ms_cli_version(stdout);
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        /* `medstream help COMMAND` = `medstream COMMAND --help` */
        if (argc > 2 && strcmp(cmd, "help") == 0 && ms_cli_help(argv[2], stdout) != 0) {
            const char *own[] = {"awscurl", "emulate", "top"};
            for (int i = 0; i < 3; i++)
                if (!strcmp(argv[2], own[i])) {
                    char *hv[] = {argv[2], "--help", NULL};
                    return i == 0 ? ms_cli_awscurl(2, hv)
                           : i == 1 ? ms_emulate_main(2, hv) : ms_cli_top(2, hv);
                }
            fprintf(stderr, "medstream: no command '%s'\n\n", argv[2]);
            usage(stderr);
            return 2;
        }
        if (argc <= 2 || strcmp(cmd, "help") != 0)
            usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "awscurl"))
        return ms_cli_awscurl(argc - 1, argv + 1);
    if (!strcmp(cmd, "emulate"))
        return ms_emulate_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "top"))
        return ms_cli_top(argc - 1, argv + 1);
    if (!strcmp(cmd, "completion"))
        return ms_cli_completion(argc - 1, argv + 1);
    ms_cli_opts o = {.stats_interval = -1};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (!strcmp(cmd, "run"))
        return cmd_run(&o);
    if (!strcmp(cmd, "demo"))
        return ms_cli_demo(&o);
    if (!strcmp(cmd, "extract"))
        return ms_cli_extract(&o);
    if (!strcmp(cmd, "check-config"))
        return cmd_check_config(&o);
    fprintf(stderr, "medstream: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
