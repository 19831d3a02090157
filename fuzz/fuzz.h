/* fuzz.h -- the shape of a medstream fuzz target (docs/reliability.md).
 *
 * Each fuzz/fuzz_NAME.c defines one target with MS_FUZZ_TARGET(NAME): a
 * function ms_fuzz_NAME(data, size) that feeds the bytes to one parser and
 * checks what its contract promises (MS_FUZZ_CHECK), returning 0. The same
 * file is built two ways:
 *   - with MS_FUZZ_LIBFUZZER defined (fuzz/CMakeLists.txt, clang,
 *     -fsanitize=fuzzer,address,undefined): it also defines
 *     LLVMFuzzerTestOneInput, one executable per target;
 *   - without it, linked into tests/unit/test_fuzz_replay.c, which replays
 *     the committed corpus and every crash reproducer (fuzz/corpus/NAME/)
 *     in the normal, ASan and TSan suites with gcc.
 * A target may keep state that is expensive to build (the NLP engine, a
 * MuPDF context) in statics created on first use; it must not keep
 * anything from one input to the next. */
#ifndef MS_FUZZ_H
#define MS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every target, for the replay test: X(name) per fuzz/fuzz_NAME.c. */
#define MS_FUZZ_TARGETS(X) \
    X(chunk) X(cm_parse) X(config) X(httpd) X(labs) X(nlp) X(pdf) X(record) X(sigv4)

#define MS__FUZZ_DECL(name) int ms_fuzz_##name(const uint8_t *data, size_t size);
MS_FUZZ_TARGETS(MS__FUZZ_DECL)

#ifdef MS_FUZZ_LIBFUZZER
#define MS__FUZZ_ENTRY(name)                                         \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);    \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)     \
    {                                                                \
        return ms_fuzz_##name(data, size);                           \
    }
#else
#define MS__FUZZ_ENTRY(name)
#endif

#define MS_FUZZ_TARGET(name) \
    MS__FUZZ_ENTRY(name)     \
    int ms_fuzz_##name(const uint8_t *data, size_t size)

/* A broken promise is a crash: libFuzzer keeps the input as crash-*. */
#define MS_FUZZ_CHECK(cond)                                                    \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, \
                    #cond);                                                    \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* A NUL-terminated malloc'd copy of the input (aborts on out of memory:
 * the fuzzer's -rss_limit_mb reports that, not us). */
static inline char *ms_fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
