/* metrics_process.c -- see metrics_process.h. */
#include "telemetry/metrics_process.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/build.h"

/* Seconds since the epoch at boot (the "btime" line of /proc/stat). */
static double boot_time(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    char line[256];
    double t = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "btime ", 6) == 0) {
            t = strtod(line + 6, NULL);
            break;
        }
    fclose(f);
    return t;
}

/* /proc/self/stat: the fields after the command name, which is in
 * parentheses and may itself contain spaces or parentheses. */
static void read_stat(ms_process_stats *p)
{
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    if (!s)
        return;
    /* Field 3 (state) is index 0 here: utime 14, stime 15, starttime 22,
     * vsize 23, rss 24 (pages) -- proc(5). */
    unsigned long long v[22] = {0};
    char *tok = s + 1;
    int i = 0;
    for (char *save = NULL, *t = strtok_r(tok, " ", &save); t && i < 22;
         t = strtok_r(NULL, " ", &save), i++)
        v[i] = strtoull(t, NULL, 10);
    if (i < 22)
        return;
    long tck = sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    if (tck > 0) {
        p->cpu_seconds = (double)(v[11] + v[12]) / (double)tck;
        double bt = boot_time();
        if (bt >= 0)
            p->start_time_s = bt + (double)v[19] / (double)tck;
    }
    p->virtual_bytes = (double)v[20];
    if (page > 0)
        p->resident_bytes = (double)v[21] * (double)page;
}

static long count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

void ms_process_stats_read(ms_process_stats *p)
{
    *p = (ms_process_stats){-1, -1, -1, -1, -1, -1};
    read_stat(p);
    p->open_fds = count_fds();
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        p->max_fds = (long)rl.rlim_cur;
}

static void family(ms_metrics_buf *b, const char *name, const char *type, const char *help,
                   double v, bool known)
{
    if (!known)
        return;
    ms_metrics_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %.15g\n", name, help, name, type,
                          name, v);
}

/* Version and commit are ours (digits, letters, '.', '-'): no escaping. */
void ms_metrics_process_render(ms_metrics_buf *b)
{
    ms_metrics_buf_printf(b,
                          "# HELP medstream_build_info The version and git commit of this "
                          "binary (always 1)\n# TYPE medstream_build_info gauge\n"
                          "medstream_build_info{version=\"%s\",commit=\"%s\"} 1\n",
                          ms_build_version(), ms_build_commit());
    ms_process_stats p;
    ms_process_stats_read(&p);
    family(b, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
           p.cpu_seconds, p.cpu_seconds >= 0);
    family(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           p.resident_bytes, p.resident_bytes >= 0);
    family(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
           p.virtual_bytes, p.virtual_bytes >= 0);
    family(b, "process_open_fds", "gauge", "Number of open file descriptors.", (double)p.open_fds,
           p.open_fds >= 0);
    family(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           (double)p.max_fds, p.max_fds >= 0);
    family(b, "process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.", p.start_time_s,
           p.start_time_s >= 0);
}
