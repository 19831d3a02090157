/* emu_stats.c -- the emulator's billing meter and counters, and its PRNG. */
#include "emulator/emulator.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

uint64_t ms_emu_billed_units(size_t nchars)
{
    /* The service bills in units of 100 characters, with a 1-unit minimum
     * per request. */
    uint64_t u = ((uint64_t)nchars + 99) / 100;
    return u ? u : 1;
}

static const char *fault_names[MS_EMU_NFAULTS] = {"5xx", "throttle", "reset", "stall"};

char *ms_emu_stats_json(const ms_emu_stats *s, uint64_t now_ms,
                        size_t connections, uint64_t accepted, size_t *out_len)
{
    json_t *root = json_object(), *ops = json_object(), *tot = json_object(),
           *fl = json_object(), *cn = json_object();
    if (!root || !ops || !tot || !fl || !cn) {
        json_decref(root), json_decref(ops), json_decref(tot);
        json_decref(fl), json_decref(cn);
        return NULL;
    }
    ms_emu_op_stats sum = {0};
    for (int i = 0; i < MS_EMU_NOPS; i++) {
        const ms_emu_op_stats *o = &s->op[i];
        json_t *j = json_pack("{sI sI sI sI sI sI}",
                              "requests", (json_int_t)o->requests,
                              "throttled", (json_int_t)o->throttled,
                              "faults", (json_int_t)o->faults,
                              "errors", (json_int_t)o->errors,
                              "characters", (json_int_t)o->characters,
                              "billed_units", (json_int_t)o->billed_units);
        json_object_set_new(ops, ms_emu_op_name((ms_emu_op)i), j);
        sum.requests += o->requests;
        sum.throttled += o->throttled;
        sum.faults += o->faults;
        sum.errors += o->errors;
        sum.characters += o->characters;
        sum.billed_units += o->billed_units;
    }
    json_object_set_new(tot, "requests", json_integer((json_int_t)sum.requests));
    json_object_set_new(tot, "throttled", json_integer((json_int_t)sum.throttled));
    json_object_set_new(tot, "faults", json_integer((json_int_t)sum.faults));
    json_object_set_new(tot, "errors", json_integer((json_int_t)sum.errors));
    json_object_set_new(tot, "characters", json_integer((json_int_t)sum.characters));
    json_object_set_new(tot, "billed_units", json_integer((json_int_t)sum.billed_units));
    for (int i = 0; i < MS_EMU_NFAULTS; i++)
        json_object_set_new(fl, fault_names[i], json_integer((json_int_t)s->faults[i]));
    json_object_set_new(cn, "open", json_integer((json_int_t)connections));
    json_object_set_new(cn, "accepted", json_integer((json_int_t)accepted));

    json_object_set_new(root, "operations", ops);
    json_object_set_new(root, "totals", tot);
    json_object_set_new(root, "faults", fl);
    json_object_set_new(root, "unknown_requests", json_integer((json_int_t)s->unknown));
    json_object_set_new(root, "auth_failures", json_integer((json_int_t)s->auth_failures));
    json_object_set_new(root, "connections", cn);
    double up = now_ms >= s->start_ms ? (double)(now_ms - s->start_ms) / 1000.0 : 0;
    json_object_set_new(root, "uptime_s", json_real(up));
    char *out = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (out && out_len)
        *out_len = strlen(out);
    return out;
}

/* ---- xoshiro256** (Blackman & Vigna), seeded through splitmix64 ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ms_emu_rng_seed(ms_emu_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t ms_emu_rng_next(ms_emu_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double ms_emu_rng_unit(ms_emu_rng *r)
{
    return (double)(ms_emu_rng_next(r) >> 11) * 0x1.0p-53;
}
