/* kafka_mock_cmd.c -- `medstream kafka-mock`: librdkafka's mock cluster
 * (kafka/kafka_mock.h) as a process of its own, for tests and trials.
 *
 * Contract: on success the first and only line on stdout is the bootstrap
 * servers ("127.0.0.1:PORT,..."), flushed at once so a script can read it
 * from a pipe; the cluster then serves until SIGTERM or SIGINT and the
 * process exits 0. Usage errors exit 2, a cluster that cannot start 1.
 * With --control, fault-injection commands are read from stdin one per line
 * (ms_kafka_mock_command: down/up a broker, move a partition leader, ...)
 * and each gets one reply line on stdout ("ok" or "error: WHY") after the
 * bootstrap line; EOF on stdin ends the commands, not the cluster.
 * Diagnostics go to stderr. The cluster keeps everything in memory (topics,
 * offsets, consumer groups) and loses it on exit: a test tool, not a broker.
 *
 * Why a process of its own: a test that SIGKILLs medstream must not kill
 * the broker with it, and several medstream processes (one consumer group)
 * need one broker to share. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "kafka/kafka_mock.h"
#include "kafka/mock_forward.h"

#define MAX_TOPICS 64

static void kafka_mock_usage(FILE *f)
{
    fprintf(f,
            "usage: medstream kafka-mock [--brokers N] [--listen HOST:PORT] [--control]\n"
            "                            [--topic NAME:PARTITIONS[:REPLICATION]]...\n"
            "\n"
            "Run librdkafka's in-memory mock Kafka cluster until SIGTERM/SIGINT, for\n"
            "tests and for trying a Kafka pipeline without a cluster. The first line\n"
            "on stdout is the bootstrap servers (host:port,...) to give clients as\n"
            "kafka.bootstrap.servers. Nothing is persisted, there is no security and\n"
            "replicas exist in metadata only: a test tool, not a broker\n"
            "(docs/reliability.md).\n"
            "\n"
            "  --brokers N              number of brokers, 1-16 (default 3)\n"
            "  --listen HOST:PORT       also accept bootstrap connections on HOST:PORT\n"
            "                           (forwarded to the first broker; metadata still\n"
            "                           names the brokers' own 127.0.0.1 ports)\n"
            "  --topic NAME:PARTITIONS[:REPLICATION]\n"
            "                           create a topic (repeatable; replication 1..N,\n"
            "                           default 1; other topics are created on first use)\n"
            "  --control                read fault commands from stdin, one per line; each\n"
            "                           gets one reply line on stdout, \"ok\" or \"error: WHY\"\n"
            "                           (brokers are numbered 1..N; B may be \"all\" for\n"
            "                           down/up/rtt):\n"
            "      down B               disconnect broker B and refuse its connections\n"
            "                           (its partitions keep B as leader: no failover)\n"
            "      up B                 accept connections on B again\n"
            "      leader TOPIC P B     move partition P's leader to B (P = all: every\n"
            "                           partition of a --topic topic)\n"
            "      coordinator GROUP B  make B the coordinator of consumer group GROUP\n"
            "      rtt B MS             delay B's responses by MS milliseconds\n"
            "                           EOF on stdin ends the commands, not the cluster.\n"
            "\n"
            "Exit status: 0 stopped by a signal, 1 the cluster failed, 2 usage error.\n");
}

typedef struct topic_arg {
    char name[250];
    int partitions;
    int replication;
} topic_arg;

/* "NAME:PARTITIONS[:REPLICATION]" -> t (Kafka topic names have no ':');
 * -1 when malformed. */
static int parse_topic(const char *s, topic_arg *t)
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof t->name)
        return -1;
    char *end;
    long n = strtol(colon + 1, &end, 10), rf = 1;
    if (end == colon + 1 || n < 1 || n > 1000)
        return -1;
    if (*end == ':') {
        const char *r = end + 1;
        rf = strtol(r, &end, 10);
        if (end == r || rf < 1 || rf > 16)
            return -1;
    }
    if (*end)
        return -1;
    memcpy(t->name, s, (size_t)(colon - s));
    t->name[colon - s] = '\0';
    t->partitions = (int)n;
    t->replication = (int)rf;
    return 0;
}

/* Serve until SIGTERM/SIGINT, running the commands that arrive on stdin
 * (--control). Returns the signal. */
static int serve_control(ms_kafka_mock *m, const sigset_t *stop)
{
    int sfd = signalfd(-1, stop, SFD_CLOEXEC);
    if (sfd < 0) {
        fprintf(stderr, "medstream kafka-mock: signalfd: %s\n", strerror(errno));
        int sig = 0;
        sigwait(stop, &sig);
        return sig;
    }
    char line[1024];
    size_t used = 0;
    int in_open = 1;
    for (;;) {
        struct pollfd pf[2] = {{sfd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        if (poll(pf, in_open ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            int sig = SIGTERM;
            if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                sig = (int)si.ssi_signo;
            close(sfd);
            return sig;
        }
        if (!in_open || !(pf[1].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t n = read(STDIN_FILENO, line + used, sizeof line - 1 - used);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            in_open = 0;
            fprintf(stderr, "medstream kafka-mock: end of control input; still serving\n");
            continue;
        }
        used += (size_t)n;
        char *nl;
        while ((nl = memchr(line, '\n', used)) != NULL) {
            *nl = '\0';
            char reply[256];
            int rc = ms_kafka_mock_command(m, line, reply, sizeof reply);
            if (rc != 1) {
                fprintf(stderr, "medstream kafka-mock: control '%s': %s\n", line, reply);
                printf("%s\n", reply);
                fflush(stdout);
            }
            size_t rest = used - (size_t)(nl + 1 - line);
            memmove(line, nl + 1, rest);
            used = rest;
        }
        if (used == sizeof line - 1) {
            printf("error: line too long\n");
            fflush(stdout);
            used = 0;
        }
    }
    close(sfd);
    int sig = 0;
    sigwait(stop, &sig);
    return sig;
}

int ms_cli_kafka_mock(int argc, char **argv)
{
    static topic_arg topics[MAX_TOPICS];
    int ntopics = 0, brokers = 3;
    const char *listen = NULL;
    int control = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            kafka_mock_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--brokers") && next) {
            char *end;
            long n = strtol(next, &end, 10);
            if (*end || n < 1 || n > 16) {
                fprintf(stderr, "medstream kafka-mock: --brokers expects 1-16, got '%s'\n", next);
                return 2;
            }
            brokers = (int)n;
            i++;
        } else if (!strcmp(a, "--control")) {
            control = 1;
        } else if (!strcmp(a, "--listen") && next) {
            listen = next;
            i++;
        } else if (!strcmp(a, "--topic") && next) {
            if (ntopics == MAX_TOPICS || parse_topic(next, &topics[ntopics]) != 0) {
                fprintf(stderr, "medstream kafka-mock: --topic expects NAME:PARTITIONS"
                        "[:REPLICATION] (1-1000 partitions, at most %d topics), got '%s'\n",
                        MAX_TOPICS, next);
                return 2;
            }
            ntopics++;
            i++;
        } else {
            fprintf(stderr, "medstream kafka-mock: unknown or incomplete option '%s'\n\n", a);
            kafka_mock_usage(stderr);
            return 2;
        }
    }

    /* Block the stop signals before the cluster starts its threads (they
     * inherit the mask), so only sigwait() below sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    char err[512];
    ms_kafka_mock *m = ms_kafka_mock_new(brokers, err, sizeof err);
    if (!m) {
        fprintf(stderr, "medstream kafka-mock: %s\n", err);
        return 1;
    }
    for (int i = 0; i < ntopics; i++)
        if (ms_kafka_mock_create_topic_rf(m, topics[i].name, topics[i].partitions,
                                          topics[i].replication) != 0) {
            fprintf(stderr, "medstream kafka-mock: cannot create topic '%s' (replication "
                    "%d with %d brokers?)\n", topics[i].name, topics[i].replication, brokers);
            ms_kafka_mock_free(m);
            return 1;
        }
    ms_kafka_forwarder *fwd = NULL;
    if (listen && !(fwd = ms_kafka_forwarder_start(listen, ms_kafka_mock_bootstraps(m), err,
                                                   sizeof err))) {
        fprintf(stderr, "medstream kafka-mock: --listen %s: %s\n", listen, err);
        ms_kafka_mock_free(m);
        return 1;
    }
    printf("%s\n", ms_kafka_mock_bootstraps(m));
    fflush(stdout);
    fprintf(stderr, "medstream kafka-mock: %d broker%s, %d topic%s created%s%s; "
            "serving until SIGTERM/SIGINT%s\n", brokers, brokers == 1 ? "" : "s", ntopics,
            ntopics == 1 ? "" : "s", fwd ? ", bootstrap also on " : "", fwd ? listen : "",
            control ? "; control commands on stdin" : "");

    int sig = 0;
    if (control)
        sig = serve_control(m, &stop);
    else
        sigwait(&stop, &sig);
    fprintf(stderr, "medstream kafka-mock: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    ms_kafka_forwarder_stop(fwd);
    ms_kafka_mock_free(m);
    return 0;
}
