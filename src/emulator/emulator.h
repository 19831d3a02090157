/* emulator.h -- `medstream emulate`: a local Amazon Comprehend Medical.
 *
 * Serves the service's JSON 1.1 protocol (POST /, X-Amz-Target:
 * ComprehendMedical_20181030.<Operation>) for DetectEntitiesV2,
 * DetectEntities, DetectPHI, InferICD10CM, InferRxNorm and InferSNOMEDCT,
 * answered by the local engine (src/nlp), with the service's quotas, size
 * limits and errors, optional SigV4 verification, modelled latency and
 * injected faults, and a billing meter at GET /_emulator/stats. See
 * docs/emulator.md.
 *
 * Files: emu_cmd.c (the command and its options), emu_server.c (requests:
 * routing, auth, faults, quotas, latency), emu_ops.c (the operations'
 * response shapes), emu_auth.c (SigV4 verification), emu_stats.c (counters,
 * billing, the stats JSON, the PRNG). The HTTP server is core/httpd.h. */
#ifndef MS_EMULATOR_H
#define MS_EMULATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <uv.h>

#include "base/bucket.h"
#include "base/httpd.h"
#include "nlp/nlp.h"

/* The command: argv[0] is "emulate". Returns the exit code. */
int ms_emulate_main(int argc, char **argv);

/* ---- operations --------------------------------------------------------- */

typedef enum ms_emu_op {
    MS_EMU_DETECT_ENTITIES_V2 = 0,
    MS_EMU_DETECT_ENTITIES,
    MS_EMU_DETECT_PHI,
    MS_EMU_INFER_ICD10CM,
    MS_EMU_INFER_RXNORM,
    MS_EMU_INFER_SNOMEDCT,
    MS_EMU_NOPS
} ms_emu_op;

#define MS_EMU_TARGET_PREFIX "ComprehendMedical_20181030."

const char *ms_emu_op_name(ms_emu_op op);
/* The operation named by name[0, len) (case-sensitive, as the service), or
 * -1. */
int ms_emu_op_find(const char *name, size_t len);

/* The response body (malloc'd JSON, *out_len bytes) of op over text (valid
 * UTF-8, nchars code points), or NULL on out of memory. res is scratch
 * space reused across calls (one per thread). Thread-safe. */
char *ms_emu_op_run(const ms_nlp_engine *e, ms_nlp_result *res, ms_emu_op op,
                    const char *text, size_t len, size_t nchars,
                    const char *model_version, size_t *out_len);

/* ---- configuration ------------------------------------------------------ */

typedef struct ms_emu_quota {
    double tps;              /* requests per second; 0 = unlimited */
    double cps;              /* characters per second; 0 = unlimited */
    size_t max_bytes;        /* Text size limit (UTF-8 bytes) */
} ms_emu_quota;

typedef struct ms_emu_config {
    const char *host;
    int port;
    ms_emu_quota quota[MS_EMU_NOPS];
    double burst_s;          /* bucket capacity in seconds of quota */
    double latency_ms, jitter_ms, per_kchar_ms;
    double fault_5xx, fault_throttle, fault_reset, fault_stall;
    uint64_t seed;
    const char *access_key;  /* SigV4 verification when set */
    const char *secret_key;
    double max_skew_s;       /* SigV4 X-Amz-Date tolerance */
    size_t inline_max_bytes; /* texts up to this run on the loop thread */
    size_t max_body_bytes;
    const char *model_version;
} ms_emu_config;

void ms_emu_config_defaults(ms_emu_config *c);

/* "DetectEntitiesV2:tps=100,cps=100000,max_bytes=20000" (also "*:..." for
 * every operation). Returns 0, or -1 with a reason in err. */
int ms_emu_config_op(ms_emu_config *c, const char *spec, char *err, size_t errlen);

/* ---- stats, billing, randomness ---------------------------------------- */

typedef enum ms_emu_fault {
    MS_EMU_FAULT_5XX = 0,
    MS_EMU_FAULT_THROTTLE,
    MS_EMU_FAULT_RESET,
    MS_EMU_FAULT_STALL,
    MS_EMU_NFAULTS,
    MS_EMU_FAULT_NONE = MS_EMU_NFAULTS
} ms_emu_fault;

typedef struct ms_emu_op_stats {
    uint64_t requests;       /* every request for the operation */
    uint64_t throttled;      /* refused by a quota (429) */
    uint64_t faults;         /* injected faults of any kind */
    uint64_t errors;         /* 4xx answers other than throttles */
    uint64_t characters;     /* of answered (200) requests */
    uint64_t billed_units;   /* ceil(characters / 100), at least 1 each */
} ms_emu_op_stats;

typedef struct ms_emu_stats {
    ms_emu_op_stats op[MS_EMU_NOPS];
    uint64_t faults[MS_EMU_NFAULTS];
    uint64_t unknown;        /* requests outside the six operations */
    uint64_t auth_failures;  /* refused by SigV4 verification */
    uint64_t start_ms;       /* uv_now() at start or last reset */
} ms_emu_stats;

/* Billed units of one answered request: 100 characters a unit, minimum 1. */
uint64_t ms_emu_billed_units(size_t nchars);

/* {"operations": {...}, "uptime_s", "faults", ...}: malloc'd JSON. */
char *ms_emu_stats_json(const ms_emu_stats *s, uint64_t now_ms,
                        size_t connections, uint64_t accepted, size_t *out_len);

/* xoshiro256** seeded with splitmix64: reproducible with --seed. */
typedef struct ms_emu_rng {
    uint64_t s[4];
} ms_emu_rng;

void ms_emu_rng_seed(ms_emu_rng *r, uint64_t seed);
uint64_t ms_emu_rng_next(ms_emu_rng *r);
double ms_emu_rng_unit(ms_emu_rng *r);       /* [0, 1) */

/* ---- SigV4 verification ------------------------------------------------- */

typedef struct ms_emu_auth_error {
    int status;              /* 400 or 403 */
    const char *code;        /* "InvalidSignatureException", ... */
    char message[320];
} ms_emu_auth_error;

/* Verify req's Authorization header against the one key pair: 0, or -1
 * with the error to answer. now is the server's wall clock. */
int ms_emu_verify_sigv4(const ms_httpd_req *req, const char *access_key,
                        const char *secret_key, time_t now, double max_skew_s,
                        ms_emu_auth_error *e);

/* ---- the server --------------------------------------------------------- */

typedef struct ms_emu ms_emu;

/* Build the engine, bind and listen. NULL with a reason in err (the loop
 * must then still be run once to release what was opened). */
ms_emu *ms_emu_new(uv_loop_t *loop, const ms_emu_config *cfg, char *err,
                   size_t errlen);
int ms_emu_port(const ms_emu *e);
/* Stop listening, close connections; on_closed runs once everything is
 * released (work in flight on the thread pool included). */
void ms_emu_close(ms_emu *e, void (*on_closed)(void *ud), void *ud);

#endif
