/* emu_cmd.c -- `medstream emulate`: options, defaults and the main loop. */
#include "emulator/emulator.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errbuf.h"
#include "base/log.h"

static void usage(FILE *out)
{
    fprintf(out,
        "usage: medstream emulate [options]\n"
        "\n"
        "A local Amazon Comprehend Medical (JSON 1.1 protocol) answered by the\n"
        "local engine: DetectEntitiesV2, DetectEntities, DetectPHI, InferICD10CM,\n"
        "InferRxNorm, InferSNOMEDCT. Prints \"port N\" once listening; runs until\n"
        "SIGINT or SIGTERM. GET /_emulator/stats returns the billing meter.\n"
        "\n"
        "  --listen HOST:PORT         address (default 127.0.0.1:4580; port 0 = any,\n"
        "                             IPv6 as [::1]:PORT)\n"
        "  --tps N                    requests/s quota of every operation (0 = none)\n"
        "  --cps N                    characters/s quota of every operation (0 = none)\n"
        "  --op NAME:KEY=V[,KEY=V]    one operation's quota (NAME or '*'); keys tps,\n"
        "                             cps, max_bytes. e.g. DetectEntitiesV2:tps=100\n"
        "  --burst-s S                bucket capacity in seconds of quota (default 1)\n"
        "  --latency-ms MEAN          base latency of every answer (default 0)\n"
        "  --jitter-ms J              +/- uniform jitter around it (default 0)\n"
        "  --latency-per-kchar-ms K   extra latency per 1,000 characters answered\n"
        "  --fault-5xx F              fraction answered 500/503 (0..1)\n"
        "  --fault-throttle F         fraction answered 429 TooManyRequestsException\n"
        "  --fault-reset F            fraction whose connection is reset (TCP RST)\n"
        "  --fault-stall F            fraction never answered\n"
        "  --seed N                   PRNG seed for jitter and faults (default 1)\n"
        "  --verify-sigv4 AKID:SECRET refuse requests not signed with this key\n"
        "  --max-skew-s S             SigV4 clock tolerance (default 900)\n"
        "  --inline-max-bytes N       texts up to N bytes run on the event loop,\n"
        "                             larger ones on the thread pool (default 4096)\n"
        "  --max-body-bytes N         413 past this (default 1048576)\n"
        "  --model-version V          ModelVersion in answers (default %s)\n"
        "  --log-level LEVEL          debug, info, warn, error (default info)\n"
        "\n"
        "Defaults are the service's documented quotas: 40 TPS and 40,000\n"
        "characters/s per operation, 2 TPS and 5,000 for InferSNOMEDCT; Text at\n"
        "most 20,000 bytes (10,000 for the Infer operations). See docs/emulator.md.\n",
        MS_VERSION);
}

void ms_emu_config_defaults(ms_emu_config *c)
{
    memset(c, 0, sizeof *c);
    c->host = "127.0.0.1";
    c->port = 4580;
    for (int i = 0; i < MS_EMU_NOPS; i++) {
        bool snomed = i == MS_EMU_INFER_SNOMEDCT;
        bool infer = i >= MS_EMU_INFER_ICD10CM;
        c->quota[i] = (ms_emu_quota){.tps = snomed ? 2 : 40, .cps = snomed ? 5000 : 40000,
                                     .max_bytes = infer ? 10000 : 20000};
    }
    c->burst_s = 1;
    c->seed = 1;
    c->max_skew_s = 900;
    c->inline_max_bytes = 4096;
    c->max_body_bytes = 1 << 20;
    c->model_version = MS_VERSION;
}

static int num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int ms_emu_config_op(ms_emu_config *c, const char *spec, char *err, size_t errlen)
{
    const char *colon = strchr(spec, ':');
    if (!colon) {
        ms_errf(err, errlen, "--op expects NAME:KEY=VALUE[,KEY=VALUE], got '%s'", spec);
        return -1;
    }
    int only = -1;
    if (!(colon - spec == 1 && *spec == '*')) {
        only = ms_emu_op_find(spec, (size_t)(colon - spec));
        if (only < 0) {
            ms_errf(err, errlen, "--op: unknown operation '%.*s'", (int)(colon - spec), spec);
            return -1;
        }
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", colon + 1);
    for (char *s = buf, *kv; (kv = strsep(&s, ",")) != NULL;) {
        char *eq = strchr(kv, '=');
        double v;
        if (!eq || num(eq + 1, 0, 1e12, &v) != 0) {
            ms_errf(err, errlen, "--op: expected KEY=NUMBER, got '%s'", kv);
            return -1;
        }
        *eq = '\0';
        for (int i = 0; i < MS_EMU_NOPS; i++) {
            if (only >= 0 && i != only)
                continue;
            if (!strcmp(kv, "tps"))
                c->quota[i].tps = v;
            else if (!strcmp(kv, "cps"))
                c->quota[i].cps = v;
            else if (!strcmp(kv, "max_bytes"))
                c->quota[i].max_bytes = (size_t)v;
            else {
                ms_errf(err, errlen, "--op: unknown key '%s' (tps, cps, max_bytes)", kv);
                return -1;
            }
        }
    }
    return 0;
}

/* "HOST:PORT", "[v6]:PORT" or ":PORT"; host points into buf. */
static int parse_listen(const char *s, char *buf, size_t buflen, ms_emu_config *c)
{
    snprintf(buf, buflen, "%s", s);
    char *colon = strrchr(buf, ':');
    double port;
    if (!colon || num(colon + 1, 0, 65535, &port) != 0 || port != floor(port))
        return -1;
    *colon = '\0';
    char *host = buf;
    if (*host == '[') {
        size_t n = strlen(host);
        if (n < 3 || host[n - 1] != ']')
            return -1;
        host[n - 1] = '\0';
        host++;
    }
    c->host = *host ? host : "127.0.0.1";
    c->port = (int)port;
    return 0;
}

static int parse_args(int argc, char **argv, ms_emu_config *c, char *listen_buf,
                      size_t lblen, const char **log_level)
{
    double global_tps = -1, global_cps = -1;
    /* --tps/--cps apply first so that --op overrides them, whatever the order */
    const char *ops[64];
    int nops = 0;
    for (int i = 1; i < argc; i++) {
        char optbuf[64];
        const char *a = argv[i], *val = NULL;
        const char *eqs = strncmp(a, "--", 2) ? NULL : strchr(a, '=');
        if (eqs && (size_t)(eqs - a) < sizeof optbuf) {
            snprintf(optbuf, sizeof optbuf, "%.*s", (int)(eqs - a), a);
            a = optbuf;
            val = eqs + 1;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        }
        if (!val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "medstream emulate: unknown or incomplete option '%s'\n\n", a);
                usage(stderr);
                return 2;
            }
            val = argv[++i];
        }
        double v = 0;
        int bad = 0;
#define NUM(lo, hi) (bad = num(val, (lo), (hi), &v), v)
        if (!strcmp(a, "--listen")) {
            bad = parse_listen(val, listen_buf, lblen, c);
        } else if (!strcmp(a, "--tps")) {
            global_tps = NUM(0, 1e9);
        } else if (!strcmp(a, "--cps")) {
            global_cps = NUM(0, 1e12);
        } else if (!strcmp(a, "--op")) {
            if (nops < 64)
                ops[nops++] = val;
            else
                bad = 1;
        } else if (!strcmp(a, "--burst-s")) {
            c->burst_s = NUM(0.001, 3600);
        } else if (!strcmp(a, "--latency-ms")) {
            c->latency_ms = NUM(0, 3.6e6);
        } else if (!strcmp(a, "--jitter-ms")) {
            c->jitter_ms = NUM(0, 3.6e6);
        } else if (!strcmp(a, "--latency-per-kchar-ms")) {
            c->per_kchar_ms = NUM(0, 3.6e6);
        } else if (!strcmp(a, "--fault-5xx")) {
            c->fault_5xx = NUM(0, 1);
        } else if (!strcmp(a, "--fault-throttle")) {
            c->fault_throttle = NUM(0, 1);
        } else if (!strcmp(a, "--fault-reset")) {
            c->fault_reset = NUM(0, 1);
        } else if (!strcmp(a, "--fault-stall")) {
            c->fault_stall = NUM(0, 1);
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            c->seed = strtoull(val, &end, 0);
            bad = !*val || *end || errno;
        } else if (!strcmp(a, "--verify-sigv4")) {
            const char *colon = strchr(val, ':');
            bad = !colon || colon == val || !colon[1];
            if (!bad) {
                static char akid[256];
                snprintf(akid, sizeof akid, "%.*s", (int)(colon - val), val);
                c->access_key = akid;
                c->secret_key = colon + 1;
            }
        } else if (!strcmp(a, "--max-skew-s")) {
            c->max_skew_s = NUM(1, 1e9);
        } else if (!strcmp(a, "--inline-max-bytes")) {
            c->inline_max_bytes = (size_t)NUM(0, 1e12);
        } else if (!strcmp(a, "--max-body-bytes")) {
            c->max_body_bytes = (size_t)NUM(1024, 1 << 30);
        } else if (!strcmp(a, "--model-version")) {
            c->model_version = val;
        } else if (!strcmp(a, "--log-level")) {
            *log_level = val;
        } else {
            fprintf(stderr, "medstream emulate: unknown option '%s'\n\n", a);
            usage(stderr);
            return 2;
        }
#undef NUM
        if (bad) {
            fprintf(stderr, "medstream emulate: bad value for %s: '%s'\n", a, val);
            return 2;
        }
    }
    for (int i = 0; i < MS_EMU_NOPS; i++) {
        if (global_tps >= 0)
            c->quota[i].tps = global_tps;
        if (global_cps >= 0)
            c->quota[i].cps = global_cps;
    }
    char err[256];
    for (int i = 0; i < nops; i++)
        if (ms_emu_config_op(c, ops[i], err, sizeof err) != 0) {
            fprintf(stderr, "medstream emulate: %s\n", err);
            return 2;
        }
    if (c->fault_5xx + c->fault_throttle + c->fault_reset + c->fault_stall > 1 + 1e-9) {
        fprintf(stderr, "medstream emulate: the fault fractions add up to more than 1\n");
        return 2;
    }
    return 0;
}

/* ---- running ------------------------------------------------------------ */

typedef struct runner {
    ms_emu *emu;
    uv_signal_t sigint, sigterm;
    bool stopping;
} runner;

static void on_emu_closed(void *ud)
{
    runner *r = ud;
    uv_close((uv_handle_t *)&r->sigint, NULL);
    uv_close((uv_handle_t *)&r->sigterm, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    runner *r = s->data;
    if (r->stopping)
        return;
    r->stopping = true;
    ms_log(MS_LOG_INFO, "emulator: stopping", KI("signal", signum), KEND);
    ms_emu_close(r->emu, on_emu_closed, r);
}

int ms_emulate_main(int argc, char **argv)
{
    ms_emu_config cfg;
    ms_emu_config_defaults(&cfg);
    char listen_buf[256];
    const char *level = "info";
    int rc = parse_args(argc, argv, &cfg, listen_buf, sizeof listen_buf, &level);
    if (rc != 0)
        return rc;
    if (ms_log_setup(level, "logfmt") != 0) {
        fprintf(stderr, "medstream emulate: bad --log-level '%s'\n", level);
        return 2;
    }
    /* a client that hangs up mid-answer must not kill the process */
    signal(SIGPIPE, SIG_IGN);

    uv_loop_t loop;
    uv_loop_init(&loop);
    char err[512];
    runner r = {0};
    r.emu = ms_emu_new(&loop, &cfg, err, sizeof err);
    if (!r.emu) {
        fprintf(stderr, "medstream emulate: %s\n", err);
        uv_run(&loop, UV_RUN_DEFAULT);   /* release what was opened */
        uv_loop_close(&loop);
        return 1;
    }
    uv_signal_init(&loop, &r.sigint);
    uv_signal_init(&loop, &r.sigterm);
    r.sigint.data = r.sigterm.data = &r;
    uv_signal_start(&r.sigint, on_signal, SIGINT);
    uv_signal_start(&r.sigterm, on_signal, SIGTERM);

    printf("port %d\n", ms_emu_port(r.emu));
    fflush(stdout);
    ms_log(MS_LOG_INFO, "emulator: listening", KS("host", cfg.host),
           KI("port", ms_emu_port(r.emu)),
           KS("sigv4", cfg.access_key ? "verify" : "off"),
           KF("latency_ms", cfg.latency_ms), KF("jitter_ms", cfg.jitter_ms),
           KF("fault_5xx", cfg.fault_5xx), KF("fault_throttle", cfg.fault_throttle),
           KF("fault_reset", cfg.fault_reset), KF("fault_stall", cfg.fault_stall), KEND);

    uv_run(&loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&loop) == 0 ? 0 : 1;
    return rc;
}
