/* sd_notify.c -- the systemd service manager's readiness and watchdog
 * protocol, as a service on the engine's loop (deploy/systemd/
 * medstream.service runs medstream with Type=notify and WatchdogSec=).
 *
 * Enabled when NOTIFY_SOCKET is set, i.e. when systemd (or anything
 * speaking its protocol) started us; there is no configuration key. The
 * protocol is documented in sd_notify(3) and is small enough to speak
 * directly: one AF_UNIX datagram per state change, newline-separated
 * VAR=VALUE lines, sent to the path in NOTIFY_SOCKET ('@' first = the
 * abstract namespace). No libsystemd is needed.
 *
 * What is sent, and when:
 *   READY=1     once the pipeline runs (the source started: the same
 *               moment /healthz's "running" turns true);
 *   WATCHDOG=1  when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is
 *               us): from a timer on the engine's loop, every
 *               min(WATCHDOG_USEC / 2, 250 ms). A loop that stops turning
 *               stops the pings, and systemd restarts the service;
 *   STOPPING=1  once draining begins (SIGTERM, or the end of --once), or
 *               at the latest when the engine stops its services;
 *   STATUS=...  a short human-readable line with each of the above
 *               (`systemctl status` shows it).
 * A send that fails is logged once and otherwise ignored: notification is
 * never a reason to stop processing reports.
 *
 * Threading: loop thread only. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "base/errbuf.h"
#include "base/log.h"
#include "core/engine.h"
#include "core/plugin.h"

#define MAX_TICK_MS 250

typedef struct notifier {
    ms_engine *engine;
    uv_timer_t timer;
    bool timer_open, ready_sent, stopping_sent, send_failed;
    uint64_t watchdog_usec;    /* 0 = no watchdog */
    int fd;
    struct sockaddr_un addr;
    socklen_t addr_len;
} notifier;

/* NOTIFY_SOCKET as a sockaddr_un; -1 when unusable (e.g. a vsock: address,
 * which only VMs use). */
static int parse_socket(const char *path, struct sockaddr_un *a, socklen_t *len)
{
    size_t n = path ? strlen(path) : 0;
    if (n == 0 || (path[0] != '/' && path[0] != '@') || n >= sizeof a->sun_path)
        return -1;
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path, path, n);
    if (path[0] == '@')
        a->sun_path[0] = '\0'; /* abstract: no terminating NUL counted */
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
    return 0;
}

static void send_state(notifier *s, const char *msg)
{
    if (sendto(s->fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&s->addr, s->addr_len) >= 0)
        return;
    if (!s->send_failed)
        ms_log(MS_LOG_WARN, "sd_notify: cannot send to NOTIFY_SOCKET", KS("error", strerror(errno)),
               KEND);
    s->send_failed = true;
}

static void on_tick(uv_timer_t *t)
{
    notifier *s = t->data;
    bool running = ms_engine_is_running(s->engine);
    if (!s->ready_sent && running) {
        send_state(s, "READY=1\nSTATUS=processing reports");
        s->ready_sent = true;
    } else if (s->ready_sent && !running && !s->stopping_sent) {
        send_state(s, "STOPPING=1\nSTATUS=draining in-flight reports");
        s->stopping_sent = true;
    }
    if (s->watchdog_usec)
        send_state(s, "WATCHDOG=1");
}

/* WATCHDOG_USEC, unless WATCHDOG_PID names another process (the variables
 * were inherited, not meant for us). */
static uint64_t watchdog_usec(void)
{
    const char *pid = getenv("WATCHDOG_PID");
    if (pid && *pid && strtol(pid, NULL, 10) != (long)getpid())
        return 0;
    const char *us = getenv("WATCHDOG_USEC");
    if (!us || !*us)
        return 0;
    char *end;
    unsigned long long v = strtoull(us, &end, 10);
    return *end ? 0 : (uint64_t)v;
}

static int notify_start(ms_service *svc, ms_engine *e, void *uv_loop)
{
    notifier *s = svc->state;
    s->engine = e;
    s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        ms_log(MS_LOG_WARN, "sd_notify: no socket", KS("error", strerror(errno)), KEND);
        return -1;
    }
    s->watchdog_usec = watchdog_usec();
    uint64_t tick = MAX_TICK_MS;
    if (s->watchdog_usec && s->watchdog_usec / 2000 < tick)
        tick = s->watchdog_usec / 2000 ? s->watchdog_usec / 2000 : 1;
    uv_timer_init(uv_loop, &s->timer);
    s->timer.data = s;
    s->timer_open = true;
    uv_timer_start(&s->timer, on_tick, tick, tick);
    uv_unref((uv_handle_t *)&s->timer); /* never what keeps the loop alive */
    ms_log(MS_LOG_INFO, "sd_notify: notifying the service manager",
           KI("watchdog_ms", (int64_t)(s->watchdog_usec / 1000)), KI("tick_ms", (int64_t)tick),
           KEND);
    return 0;
}

static void notify_stop(ms_service *svc)
{
    notifier *s = svc->state;
    if (!s->stopping_sent && s->fd >= 0)
        send_state(s, "STOPPING=1\nSTATUS=stopping");
    s->stopping_sent = true;
    if (s->timer_open) {
        uv_close((uv_handle_t *)&s->timer, NULL);
        s->timer_open = false;
    }
}

static void notify_destroy(ms_service *svc)
{
    notifier *s = svc->state;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
    free(svc);
}

static const ms_service_ops notify_ops = {
    .name = "sd_notify",
    .start = notify_start,
    .stop = notify_stop,
    .destroy = notify_destroy,
};

static bool notify_enabled(const ms_config *cfg)
{
    (void)cfg;
    const char *p = getenv("NOTIFY_SOCKET");
    return p && *p;
}

static ms_service *notify_create(const ms_config *cfg, char *err, size_t errlen)
{
    (void)cfg;
    ms_service *svc = calloc(1, sizeof *svc);
    notifier *s = calloc(1, sizeof *s);
    if (!svc || !s) {
        free(svc);
        free(s);
        ms_errf(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = -1;
    if (parse_socket(getenv("NOTIFY_SOCKET"), &s->addr, &s->addr_len) != 0) {
        free(svc);
        free(s);
        ms_errf(err, errlen, "NOTIFY_SOCKET is not a unix socket path or @abstract name");
        return NULL;
    }
    svc->ops = &notify_ops;
    svc->state = s;
    return svc;
}

const ms_plugin ms_service_sd_notify_plugin = {
    .name = "sd_notify",
    .kind = MS_PLUGIN_SERVICE,
    .description = "systemd readiness and watchdog (READY=1, WATCHDOG=1, STOPPING=1) when NOTIFY_SOCKET is set",
    .enabled = notify_enabled,
    .create.service = notify_create,
};
