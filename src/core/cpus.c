/* cpus.c -- see cpus.h. */
#include "core/cpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

int ms_cpus_from_cpu_max(const char *text)
{
    if (!text)
        return 0;
    while (*text == ' ' || *text == '\t')
        text++;
    if (strncmp(text, "max", 3) == 0)
        return 0;
    char *end;
    errno = 0;
    long long quota = strtoll(text, &end, 10);
    if (errno || end == text || quota <= 0)
        return 0;
    long long period = 100000;
    const char *p = end;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p && *p != '\n') {
        errno = 0;
        period = strtoll(p, &end, 10);
        if (errno || end == p || period <= 0)
            return 0;
    }
    long long n = (quota + period - 1) / period;
    if (n > 1 << 20)
        n = 1 << 20;
    return n < 1 ? 1 : (int)n;
}

/* The CPUs a cpu.max file grants (0 = no limit or unreadable); its text
 * goes into buf for the log. */
static int read_cpu_max(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (!fgets(buf, (int)len, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return ms_cpus_from_cpu_max(buf);
}

/* This process's cgroup v2 path ("0::/a/b" in /proc/self/cgroup). */
static int own_cgroup(char *out, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return -1;
    char line[4096];
    int rc = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            size_t n = strlen(line + 3);
            if (n < len) {
                memcpy(out, line + 3, n + 1);
                rc = 0;
            }
            break;
        }
    fclose(f);
    return rc;
}

/* The tightest cpu.max from the process's cgroup up to the root: 0 = no
 * quota. The winning file and its text go into why. */
static int cgroup_quota(char *why, size_t why_len)
{
    char text[128];
    const char *test = getenv("MS_TEST_CGROUP_CPU_MAX");
    if (test && *test) {
        int n = read_cpu_max(test, text, sizeof text);
        if (n > 0)
            snprintf(why, why_len, "cgroup cpu.max %s (%s)", text, test);
        return n;
    }
    char cg[2048];
    if (own_cgroup(cg, sizeof cg) != 0)
        return 0;
    int best = 0;
    for (;;) {
        char path[2400];
        snprintf(path, sizeof path, CGROUP_ROOT "%s%scpu.max", cg,
                 cg[0] && cg[strlen(cg) - 1] == '/' ? "" : "/");
        int n = read_cpu_max(path, text, sizeof text);
        if (n > 0 && (best == 0 || n < best)) {
            best = n;
            snprintf(why, why_len, "cgroup cpu.max %s (%s)", text, path);
        }
        char *slash = strrchr(cg, '/');
        if (!slash || cg[0] == '\0' || strcmp(cg, "/") == 0)
            break;
        if (slash == cg)
            cg[1] = '\0'; /* "/a" -> "/" */
        else
            *slash = '\0';
    }
    return best;
}

int ms_cpus_available(char *reason, size_t reason_len)
{
    unsigned par = uv_available_parallelism();
    int n = par > 0 ? (int)par : 1;
    char why[2600] = "";
    int q = cgroup_quota(why, sizeof why);
    if (q > 0 && q < n) {
        snprintf(reason, reason_len, "%s; %d CPUs in the affinity mask", why, n);
        return q;
    }
    if (q > 0)
        snprintf(reason, reason_len, "uv_available_parallelism (%s allows %d)", why, q);
    else
        snprintf(reason, reason_len, "uv_available_parallelism (no cgroup v2 CPU quota)");
    return n;
}
