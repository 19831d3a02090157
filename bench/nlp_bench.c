/* nlp_bench -- speed of the local entity engine on one core.
 *
 *   nlp_bench [--seconds S] [--chunk BYTES] FILE...
 *   nlp_bench --digest [--chunk BYTES] FILE...
 *
 * Reads the files (plain UTF-8 text: MTSamples' CSV, report .txt files),
 * cuts the text into chunks of at most --chunk bytes at a whitespace (the
 * pipeline's chunker sends 20,000-byte chunks), and runs ms_nlp_detect()
 * over them in a loop on this thread for at least --seconds. Prints MB/s
 * and entities/s, and the same throughput as ratios: against the 20 MB/s
 * per core goal and against Amazon Comprehend Medical's default
 * DetectEntitiesV2 quota (40,000 characters/s for a whole account).
 * Also prints the throughput per CPU-second of this thread (the "cpu" line):
 * on a shared, loaded machine the wall-clock figure mostly measures how
 * often the scheduler ran us, the CPU-time one measures the engine.
 *
 * --digest runs one pass and prints the number of entities and a 64-bit
 * FNV-1a digest of everything ms_nlp_detect() reported for every chunk
 * (offsets, category, type, score, traits, parent, relationship, section,
 * what the lexicon knows): two builds of the engine that print the same
 * line found the same entities (used to check that a speed change left the
 * output alone). */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nlp/nlp.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t fnv_byte(uint64_t h, unsigned char c)
{
    return (h ^ c) * 0x100000001b3ull;
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return fnv_byte(h, s ? 1 : 2);
}

/* Everything of r's entities into the digest h. */
static uint64_t digest(uint64_t h, const ms_nlp_result *r)
{
    char buf[256];
    for (size_t i = 0; i < r->n; i++) {
        const ms_nlp_entity *x = &r->v[i];
        snprintf(buf, sizeof buf, "%zu %zu %zu %zu %.6g %d %d %d %.6g %d %d %.17g %.17g|",
                 x->begin, x->end, x->byte_begin, x->byte_end, (double)x->score, x->ntraits,
                 x->parent, (int)x->is_attribute, (double)x->relationship_score,
                 (int)x->section, (int)x->has_range, x->range_low, x->range_high);
        h = fnv(h, buf);
        h = fnv(fnv(h, x->category), x->type);
        for (int t = 0; t < x->ntraits; t++) {
            snprintf(buf, sizeof buf, "%.6g", (double)x->traits[t].score);
            h = fnv(fnv(h, x->traits[t].name), buf);
        }
        h = fnv(fnv(fnv(h, x->relationship_type), x->canonical), x->lay);
        h = fnv(fnv(fnv(h, x->med_class), x->code_system), x->code);
        h = fnv(h, x->unit);
    }
    return fnv_byte(h, '\n');
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

int main(int argc, char **argv)
{
    double seconds = 5;
    size_t chunk = 20000;
    bool dig = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--seconds") && first + 1 < argc)
            seconds = atof(argv[++first]);
        else if (!strcmp(argv[first], "--digest"))
            dig = true;
        else if (!strcmp(argv[first], "--chunk") && first + 1 < argc)
            chunk = (size_t)atol(argv[++first]);
        else {
            fprintf(stderr, "usage: nlp_bench [--seconds S | --digest] [--chunk BYTES] FILE...\n");
            return 2;
        }
    }
    if (first == argc || chunk < 64) {
        fprintf(stderr, "usage: nlp_bench [--seconds S] [--chunk BYTES] FILE...\n");
        return 2;
    }
    /* all text, then chunk boundaries at whitespace */
    char *all = NULL;
    size_t total = 0;
    for (int i = first; i < argc; i++) {
        size_t n;
        char *b = slurp(argv[i], &n);
        if (!b) {
            fprintf(stderr, "nlp_bench: cannot read %s\n", argv[i]);
            return 1;
        }
        char *na = realloc(all, total + n + 1);
        if (!na)
            return 1;
        all = na;
        memcpy(all + total, b, n);
        total += n;
        all[total++] = '\n';
        free(b);
    }
    size_t nch = 0, cap = 1024;
    size_t *cut = malloc(cap * sizeof *cut);
    cut[nch++] = 0;
    for (size_t pos = 0; pos < total;) {
        size_t end = pos + chunk < total ? pos + chunk : total;
        if (end < total) {
            size_t e = end;
            while (e > pos + chunk / 2 && all[e] != ' ' && all[e] != '\n')
                e--;
            if (e > pos + chunk / 2)
                end = e;
            while (end > pos && ((unsigned char)all[end] & 0xC0) == 0x80)
                end--;
        }
        if (nch == cap)
            cut = realloc(cut, (cap *= 2) * sizeof *cut);
        cut[nch++] = end;
        pos = end;
    }
    nch--;

    ms_nlp_engine *e = ms_nlp_engine_new();
    ms_nlp_result r = {0};
    if (!e)
        return 1;
    size_t chars = 0;
    for (size_t i = 0; i < total; i++)
        chars += ((unsigned char)all[i] & 0xC0) != 0x80;
    if (dig) {
        uint64_t h = 0xcbf29ce484222325ull;
        size_t n = 0;
        for (size_t k = 0; k < nch; k++) {
            if (ms_nlp_detect(e, all + cut[k], cut[k + 1] - cut[k], &r) != 0) {
                fprintf(stderr, "nlp_bench: out of memory\n");
                return 1;
            }
            n += r.n;
            h = digest(h, &r);
        }
        printf("nlp_bench: %zu bytes, %zu chunks: %zu entities, digest %016llx\n", total, nch, n,
               (unsigned long long)h);
        ms_nlp_result_free(&r);
        ms_nlp_engine_free(e);
        free(cut);
        free(all);
        return 0;
    }
    /* one warm-up pass, then timed passes */
    for (size_t k = 0; k < nch; k++)
        ms_nlp_detect(e, all + cut[k], cut[k + 1] - cut[k], &r);
    double t0 = now(), c0 = cpu_now(), t;
    size_t passes = 0, ents = 0;
    do {
        for (size_t k = 0; k < nch; k++) {
            if (ms_nlp_detect(e, all + cut[k], cut[k + 1] - cut[k], &r) != 0) {
                fprintf(stderr, "nlp_bench: out of memory\n");
                return 1;
            }
            ents += r.n;
        }
        passes++;
        t = now() - t0;
    } while (t < seconds);
    double ct = cpu_now() - c0;
    double mbs = (double)total * (double)passes / t / 1e6;
    double cps = (double)chars * (double)passes / t;
    printf("nlp_bench: %zu bytes (%zu chunks of <= %zu bytes), %zu passes in %.2f s\n",
           total, nch, chunk, passes, t);
    printf("  throughput      %8.1f MB/s   %10.0f characters/s   %10.0f entities/s\n",
           mbs, cps, (double)ents / t);
    printf("  cpu             %8.1f MB/s   per CPU-second (%.2f s CPU, %.0f%% of wall)\n",
           (double)total * (double)passes / ct / 1e6, ct, 100.0 * ct / t);
    printf("  vs goal         %8.2fx of 20 MB/s per core\n", mbs / 20.0);
    printf("  vs CM quota     %8.0fx DetectEntitiesV2's 40,000 characters/s\n",
           cps / 40000.0);
    ms_nlp_result_free(&r);
    ms_nlp_engine_free(e);
    free(cut);
    free(all);
    return 0;
}
