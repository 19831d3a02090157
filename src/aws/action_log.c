/* action_log.c -- MEDSTREAM_AWS_ACTION_LOG: one line per AWS action first
 * called (see action_log.h). */
#include "aws/action_log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SEEN 128
#define NAME_MAX_LEN 96

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_fd = -1;
static char g_seen[MAX_SEEN][NAME_MAX_LEN];
static int g_nseen;

static void open_log(void)
{
    const char *path = getenv("MEDSTREAM_AWS_ACTION_LOG");
    if (path && *path)
        g_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

/* Only [A-Za-z0-9-] ever reaches the file: whatever a caller passes, no
 * name, key or payload byte can. */
static size_t name_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] && (s[n] == '-' || (s[n] >= 'a' && s[n] <= 'z') ||
                               (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9')))
        n++;
    return n;
}

static void note(const char *service, const char *action, size_t alen)
{
    pthread_once(&g_once, open_log);
    if (g_fd < 0 || !service) return;
    size_t sl = name_len(service, 40);
    if (alen > 48) alen = 48;
    alen = name_len(action, alen);
    if (sl == 0 || alen == 0) return;
    char line[NAME_MAX_LEN + 2];
    int n = snprintf(line, sizeof line, "%.*s:%.*s", (int)sl, service, (int)alen, action);
    if (n <= 0 || n >= NAME_MAX_LEN) return;
    pthread_mutex_lock(&g_mu);
    bool seen = false;
    for (int i = 0; i < g_nseen && !seen; i++) seen = strcmp(g_seen[i], line) == 0;
    if (!seen && g_nseen < MAX_SEEN) {
        memcpy(g_seen[g_nseen++], line, (size_t)n + 1);
        line[n] = '\n';
        /* One write of one short line to an O_APPEND file: lines from
         * several processes sharing the file do not interleave. */
        if (write(g_fd, line, (size_t)n + 1) < 0) { /* best effort */ }
    }
    pthread_mutex_unlock(&g_mu);
}

void ms_aws_action_note(const char *service, const char *action)
{
    if (action) note(service, action, strlen(action));
}

/* The value of "Action=" at the start of s or after a '&', within len. */
static const char *query_action(const char *s, size_t len, size_t *alen)
{
    const char *end = s + len;
    for (const char *p = s; p && p + 7 <= end; ) {
        if (memcmp(p, "Action=", 7) == 0) {
            const char *v = p + 7;
            const char *amp = memchr(v, '&', (size_t)(end - v));
            *alen = (size_t)((amp ? amp : end) - v);
            return v;
        }
        const char *amp = memchr(p, '&', (size_t)(end - p));
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

void ms_aws_action_note_request(const char *service, const char *method, const char *query,
                                const char *target, const void *body, size_t body_len)
{
    pthread_once(&g_once, open_log);
    if (g_fd < 0 || !service) return;
    if (target) {
        const char *dot = strrchr(target, '.');
        const char *a = dot ? dot + 1 : target;
        note(service, a, strlen(a));
        return;
    }
    if (strcmp(service, "s3") == 0) {
        const char *m = method ? method : "POST";
        const char *a = !strcmp(m, "PUT") ? "PutObject"
                      : !strcmp(m, "GET") ? (query && strstr(query, "list-type=") ? "ListObjectsV2"
                                                                                  : "GetObject")
                      : !strcmp(m, "HEAD") ? "HeadObject"
                      : !strcmp(m, "DELETE") ? "DeleteObject" : m;
        note(service, a, strlen(a));
        return;
    }
    size_t alen = 0;
    const char *a = query ? query_action(query, strlen(query), &alen) : NULL;
    if (!a && body) a = query_action(body, body_len, &alen);
    if (a) note(service, a, alen);
}
