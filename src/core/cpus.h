/* cpus.h -- how many CPUs this process may really use: the default for
 * engine.workers.
 *
 * The answer is the smaller of uv_available_parallelism() (online CPUs
 * narrowed by the affinity mask, e.g. `taskset`, cpuset) and the cgroup v2
 * CPU quota (`cpu.max`, "QUOTA PERIOD" or "max PERIOD"), rounded up: a
 * container limited to 2 CPUs on a 64-core node gets 2, one limited to 1.5
 * gets 2. The cgroup is this process's own (the "0::PATH" line of
 * /proc/self/cgroup under /sys/fs/cgroup) and every ancestor up to the
 * root, the tightest quota winning, since a parent's limit binds too.
 * cgroup v1 (cpu.cfs_quota_us) is not read: v1 hosts get the affinity
 * count.
 *
 * For tests only: MS_TEST_CGROUP_CPU_MAX=FILE reads FILE instead of the
 * cgroup hierarchy (docs/operations.md). No threads, no state. */
#ifndef MS_CPUS_H
#define MS_CPUS_H

#include <stddef.h>

/* The CPUs a cpu.max text grants, rounded up (>= 1), or 0 when it sets no
 * limit ("max ...") or cannot be read as "QUOTA [PERIOD]" (period defaults
 * to 100000 as in the kernel). */
int ms_cpus_from_cpu_max(const char *text);

/* The CPUs available (>= 1); reason gets a short explanation for the log,
 * e.g. "cgroup cpu.max 200000 100000 (/sys/fs/cgroup/cpu.max)". */
int ms_cpus_available(char *reason, size_t reason_len);

#endif
