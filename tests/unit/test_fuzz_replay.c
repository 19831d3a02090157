/* test_fuzz_replay.c -- every fuzz target (fuzz/fuzz_*.c) over its
 * committed corpus, fuzz/corpus/NAME/: the seeds, the minimised corpus and
 * the input of every crash the fuzzers found (crash-*), so a fixed crash
 * stays fixed in the Release, ASan and TSan suites without clang.
 *
 * Each target checks its parser's contract and aborts when it is broken;
 * here that fails the test. A target without a corpus directory, or with
 * an empty one, fails too (the replay would prove nothing). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "testutil.h"

typedef int (*target_fn)(const uint8_t *data, size_t size);

static int replay(const char *src, const char *name, target_fn fn)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", src, name);
    DIR *d = opendir(dir);
    if (!d) {
        printf("FAIL %-9s no corpus directory %s\n", name, dir);
        return -1;
    }
    int n = 0, crashes = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = ms_test_path(dir, e->d_name);
        size_t len = 0;
        char *data = ms_test_read_file(path, &len);
        if (!data) {
            printf("FAIL %-9s cannot read %s\n", name, path);
            free(path);
            closedir(d);
            return -1;
        }
        fn((const uint8_t *)data, len);   /* aborts on a broken contract */
        crashes += strncmp(e->d_name, "crash-", 6) == 0;
        n++;
        free(data);
        free(path);
    }
    closedir(d);
    if (n == 0) {
        printf("FAIL %-9s empty corpus %s\n", name, dir);
        return -1;
    }
    printf("ok   %-9s %4d inputs (%d former crashes)\n", name, n, crashes);
    return 0;
}

int main(void)
{
    const char *src = getenv("MS_SRC");
    if (!src)
        ms_test_skip("MS_SRC is not set (run through ctest)");
    setvbuf(stdout, NULL, _IONBF, 0);
    int bad = 0;
#define REPLAY(name) bad |= replay(src, #name, ms_fuzz_##name) != 0;
    MS_FUZZ_TARGETS(REPLAY)
#undef REPLAY
    return bad ? 1 : 0;
}
