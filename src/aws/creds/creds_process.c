/* creds_process.c -- credential_process: the profile's command runs through
 * /bin/sh -c as a child of the loop (uv_spawn, never blocking), its stdout
 * is captured (at most 64 KiB) and parsed as
 *   {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
 *    "Expiration"}.
 * Its stderr passes through to ours, as the CLI does. The child gets its own
 * session so a timeout (or closing the chain) can kill the whole process
 * group: killing only the shell would leave a grandchild holding the pipe.
 * Errors give the exit status or signal, never the output, which may hold
 * secrets. */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds/creds_internal.h"

#define MAX_OUTPUT (64u << 10)

typedef struct pjob {
    ms_creds_job *job;
    uv_process_t proc;
    uv_pipe_t out;
    uv_timer_t timer;
    char *buf;
    size_t len;
    bool spawned, exited, eof, done;
    bool timed_out, too_big;
    int64_t exit_status;
    int term_signal;
    int open_handles;
    char err[512];         /* set before completion when spawning failed */
} pjob;

static void kill_group(pjob *p)
{
    if (p->spawned && !p->exited && p->proc.pid > 0)
        kill(-p->proc.pid, SIGKILL);
}

static void finalize(pjob *p)
{
    ms_creds_job *job = p->job;
    char err[768];
    const char *what = job->src->where ? job->src->where : "profile";
    ms_creds_result res = {0};
    int ok = 0;
    if (p->err[0]) {
        snprintf(err, sizeof err, "credential_process (%s): %s", what, p->err);
    } else if (p->timed_out) {
        snprintf(err, sizeof err, "credential_process (%s): timed out after %ld ms (killed)",
                 what, job->src->timeout_ms);
    } else if (p->too_big) {
        snprintf(err, sizeof err, "credential_process (%s): output exceeds %u KiB", what,
                 MAX_OUTPUT >> 10);
    } else if (job->canceled) {
        snprintf(err, sizeof err, "credential_process (%s): canceled (the credential "
                 "chain was closed)", what);
    } else if (p->term_signal) {
        snprintf(err, sizeof err, "credential_process (%s): killed by signal %d", what,
                 p->term_signal);
    } else if (p->exit_status) {
        snprintf(err, sizeof err, "credential_process (%s): exited with status %lld", what,
                 (long long)p->exit_status);
    } else {
        json_t *o = json_loadb(p->buf ? p->buf : "", p->len, 0, NULL);
        json_t *ver = json_object_get(o, "Version");
        char perr[512];
        if (!json_is_object(o)) {
            snprintf(err, sizeof err, "credential_process (%s): the output is not a JSON object",
                     what);
        } else if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
            snprintf(err, sizeof err, "credential_process (%s): the output's Version must be 1",
                     what);
        } else if (ms__creds_parse_json(p->buf, p->len, "SessionToken", "the output", &res,
                                       perr, sizeof perr)) {
            snprintf(err, sizeof err, "credential_process (%s): %s", what, perr);
        } else {
            ok = 1;
        }
        json_decref(o);
    }
    if (p->buf) {
        explicit_bzero(p->buf, p->len);
        free(p->buf);
    }
    free(p);
    if (ok)
        job->done(job, &res, NULL);
    else
        job->done(job, NULL, err);
}

static void handle_closed(uv_handle_t *h)
{
    pjob *p = h->data;
    if (--p->open_handles == 0)
        finalize(p);
}

static void close_all(pjob *p)
{
    if (p->done)
        return;
    p->done = true;
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, handle_closed);
    uv_close((uv_handle_t *)&p->out, handle_closed);
    uv_close((uv_handle_t *)&p->proc, handle_closed);
}

static void maybe_complete(pjob *p)
{
    if (p->exited && p->eof)
        close_all(p);
}

static void proc_exit(uv_process_t *proc, int64_t status, int sig)
{
    pjob *p = proc->data;
    p->exited = true;
    p->exit_status = status;
    p->term_signal = sig;
    maybe_complete(p);
}

/* Reads past the cap (or when the buffer could not be allocated) land here
 * and are dropped. */
static char discard[4096];

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    pjob *p = h->data;
    (void)suggested;
    if (!p->buf)
        p->buf = malloc(MAX_OUTPUT + 1);
    if (!p->buf || p->len >= MAX_OUTPUT)
        *buf = uv_buf_init(discard, sizeof discard);
    else
        *buf = uv_buf_init(p->buf + p->len, (unsigned)(MAX_OUTPUT - p->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    pjob *p = s->data;
    if (n > 0) {
        if (buf->base != discard) {
            p->len += (size_t)n;
            p->buf[p->len] = 0;
        } else if (!p->too_big) {
            p->too_big = true;
            kill_group(p);
        }
        return;
    }
    if (n < 0) {
        uv_read_stop(s);
        p->eof = true;
        maybe_complete(p);
    }
}

static void on_timeout(uv_timer_t *t)
{
    pjob *p = t->data;
    p->timed_out = true;
    kill_group(p);
    /* Exited but a detached grandchild still holds stdout: stop waiting. */
    if (p->exited)
        close_all(p);
}

static void cancel(ms_creds_job *job)
{
    pjob *p = job->priv;
    if (p)
        kill_group(p);
}

/* Failures before the child ran end on the next loop turn through the
 * handle close callbacks, never inside the start call. */
void ms__creds_process_start(ms_creds_job *job)
{
    pjob *p = calloc(1, sizeof *p);
    if (!p) {
        ms__creds_job_fail_async(job, "credential_process: out of memory");
        return;
    }
    p->job = job;
    job->priv = p;
    job->cancel = cancel;
    uv_pipe_init(job->loop, &p->out, 0);
    uv_timer_init(job->loop, &p->timer);
    p->out.data = p->timer.data = p->proc.data = p;
    p->open_handles = 3;

    char *args[] = {"sh", "-c", job->src->command, NULL};
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&p->out;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t opt = {
        .exit_cb = proc_exit,
        .file = "/bin/sh",
        .args = args,
        .flags = UV_PROCESS_DETACHED,   /* setsid: its own process group */
        .stdio_count = 3,
        .stdio = stdio,
    };
    int rc = uv_spawn(job->loop, &p->proc, &opt);
    p->proc.data = p;
    if (rc) {
        snprintf(p->err, sizeof p->err, "cannot start /bin/sh: %s", uv_strerror(rc));
        p->exited = p->eof = true;
        close_all(p);
        return;
    }
    p->spawned = true;
    rc = uv_read_start((uv_stream_t *)&p->out, on_alloc, on_read);
    if (rc) {
        snprintf(p->err, sizeof p->err, "cannot read its output: %s", uv_strerror(rc));
        kill_group(p);
        p->eof = true;   /* completes once the killed child is reaped */
    }
    uv_timer_start(&p->timer, on_timeout, (uint64_t)job->src->timeout_ms, 0);
}
