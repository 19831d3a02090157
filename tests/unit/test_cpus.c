/* test_cpus.c -- the default worker count: cgroup v2 cpu.max parsing
 * (no limit, whole and fractional quotas rounded up, bad text) and the
 * choice against uv_available_parallelism(), with the cgroup file given
 * through MS_TEST_CGROUP_CPU_MAX. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <uv.h>

#include "core/cpus.h"

static void parse_cpu_max(void **state)
{
    (void)state;
    assert_int_equal(ms_cpus_from_cpu_max("max 100000\n"), 0);
    assert_int_equal(ms_cpus_from_cpu_max("max"), 0);
    assert_int_equal(ms_cpus_from_cpu_max("200000 100000\n"), 2);
    assert_int_equal(ms_cpus_from_cpu_max("150000 100000"), 2);   /* 1.5 -> 2 */
    assert_int_equal(ms_cpus_from_cpu_max("100000 100000"), 1);
    assert_int_equal(ms_cpus_from_cpu_max("50000 100000"), 1);     /* 0.5 -> 1 */
    assert_int_equal(ms_cpus_from_cpu_max("6400000 100000"), 64);
    assert_int_equal(ms_cpus_from_cpu_max("300000"), 3);           /* default period */
    assert_int_equal(ms_cpus_from_cpu_max("250000 50000"), 5);
    assert_int_equal(ms_cpus_from_cpu_max(""), 0);
    assert_int_equal(ms_cpus_from_cpu_max("garbage"), 0);
    assert_int_equal(ms_cpus_from_cpu_max("100000 0"), 0);
    assert_int_equal(ms_cpus_from_cpu_max("-5 100000"), 0);
    assert_int_equal(ms_cpus_from_cpu_max(NULL), 0);
}

static char path[256];

static int with_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/ms-cpus-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    fclose(f);
    return setenv("MS_TEST_CGROUP_CPU_MAX", path, 1);
}

static void available(void **state)
{
    (void)state;
    int par = (int)uv_available_parallelism();
    char why[512];

    assert_int_equal(with_file("max 100000\n"), 0);
    assert_int_equal(ms_cpus_available(why, sizeof why), par);
    printf("no quota: %d (%s)\n", par, why);

    /* A quota of one CPU binds whenever more are in the mask. */
    assert_int_equal(with_file("100000 100000\n"), 0);
    int n = ms_cpus_available(why, sizeof why);
    printf("1-CPU quota: %d (%s)\n", n, why);
    assert_int_equal(n, 1);
    if (par > 1)
        assert_non_null(strstr(why, "cgroup cpu.max 100000 100000"));

    /* A quota above the mask does not raise it. */
    assert_int_equal(with_file("100000000 100000\n"), 0);
    assert_int_equal(ms_cpus_available(why, sizeof why), par);

    /* 1.5 CPUs: 2, unless the mask has fewer. */
    assert_int_equal(with_file("150000 100000\n"), 0);
    assert_int_equal(ms_cpus_available(why, sizeof why), par < 2 ? par : 2);

    /* Missing file: no quota. */
    unlink(path);
    assert_int_equal(ms_cpus_available(why, sizeof why), par);
    assert_non_null(strstr(why, "no cgroup v2 CPU quota"));
    unsetenv("MS_TEST_CGROUP_CPU_MAX");

    /* The real hierarchy: at least 1, at most the mask. */
    n = ms_cpus_available(why, sizeof why);
    printf("this machine: %d (%s)\n", n, why);
    assert_true(n >= 1 && n <= par);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_cpu_max),
        cmocka_unit_test(available),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
