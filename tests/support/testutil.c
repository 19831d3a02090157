/* testutil.c -- small helpers shared by the tests. */
#define _GNU_SOURCE /* nftw, mkdtemp */
#include "testutil.h"

#include "core/doc.h"
#include "nlp/nlp.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void ms_test_skip(const char *why)
{
    printf("SKIPPED: %s\n", why);
    fflush(stdout);
    exit(MS_TEST_SKIP);
}

char *ms_test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    size_t n = strlen(base) + strlen(tag) + 32;
    char *p = malloc(n);
    if (!p)
        return NULL;
    snprintf(p, n, "%s/ms-%s-XXXXXX", base, tag);
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

int ms_test_rm_rf(const char *path)
{
    if (!path)
        return 0;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *ms_test_shared_dir(void)
{
    const char *s = getenv("MS_SHARED");
    struct stat st;
    if (!s || stat(s, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return s;
}

char *ms_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int ms_test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    int rc = fclose(f);
    return (w == len && rc == 0) ? 0 : -1;
}

int ms_test_count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    size_t sl = strlen(suffix);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < sl || strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        char *p = ms_test_path(dir, e->d_name);
        struct stat st;
        if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode))
            n++;
        free(p);
    }
    closedir(d);
    return n;
}

char *ms_test_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int ms_test_peer_start(char *const argv[], int *pid_out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[256];
    int port = -1;
    /* The peer prints "port N" once it listens; anything else first is
     * ignored. EOF means it died. */
    while (f && fgets(line, sizeof line, f))
        if (strncasecmp(line, "port ", 5) == 0 && sscanf(line + 5, "%d", &port) == 1)
            break;
    if (f)
        fclose(f);
    if (port <= 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    *pid_out = (int)pid;
    return port;
}

void ms_test_peer_stop(int pid)
{
    if (pid <= 0)
        return;
    kill((pid_t)pid, SIGTERM);
    waitpid((pid_t)pid, NULL, 0);
}

const char *ms_test_system_python(void)
{
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : NULL;
}

int ms_test_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    fflush(stdout);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

char *ms_test_npm_install(const char *name, const char *pkg, const char *spec)
{
    if (ms_test_run("command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1") != 0) {
        printf("node or npm not installed\n");
        return NULL;
    }
    char cwd[1024];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(name) + strlen(pkg) + 64;
    char *dir = malloc(n), *marker = malloc(n);
    if (!dir || !marker) {
        free(dir);
        free(marker);
        return NULL;
    }
    snprintf(dir, n, "%s/npm-%s/node_modules", cwd, name);
    /* ctest runs tests in parallel and several need the same peer: the
     * install runs under flock, into a fresh directory, and a stamp written
     * after npm succeeded (not the package's package.json, which appears
     * mid-extraction) says it is complete. */
    snprintf(marker, n, "%s/npm-%s.done", cwd, name);
    int ok = access(marker, R_OK) == 0 ||
             ms_test_run("flock '%s/npm-%s.lock' sh -c '[ -f \"$1\" ] || { rm -rf \"$2\" && "
                         "timeout 300 npm install --prefix \"$2\" --no-audit --no-fund --no-save "
                         "--loglevel=error \"$3\" >/dev/null 2>&1 && touch \"$1\"; }' sh "
                         "'%s' '%s/npm-%s' '%s'",
                         cwd, name, marker, cwd, name, spec) == 0;
    free(marker);
    if (!ok) {
        printf("npm install %s failed (registry unreachable?)\n", spec);
        free(dir);
        return NULL;
    }
    return dir;
}

int ms_test_make_samples(const char *dir)
{
    const char *src = getenv("MS_SRC"), *mkpdf = getenv("MS_MKPDF");
    if (!src || !mkpdf)
        return -1;
    return ms_test_run("cp '%s'/examples/*.txt '%s'/ && bash '%s/scripts/make-samples.sh' '%s' '%s' "
                       ">/dev/null && rm -f '%s'/*.txt",
                       src, dir, src, mkpdf, dir, dir) == 0 ? 0 : -1;
}

const char *ms_test_s3rver_setup(const char *tmp)
{
    const char *python = ms_test_system_python();
    if (!python || ms_test_run("'%s' -c 'import boto3' 2>/dev/null", python) != 0)
        ms_test_skip("Debian's python3 with boto3 (python3-boto3) is not installed");
    char *modules = ms_test_npm_install("s3rver", "s3rver", "s3rver@3");
    if (!modules)
        ms_test_skip("s3rver (npm) is not available");
    /* s3rver's fixed credentials; nothing of the machine's AWS setup may be
     * picked up. */
    setenv("HOME", tmp, 1);
    setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    return modules;
}

static void free_nlp_results(void *p, size_t n)
{
    ms_nlp_result *r = p;
    for (size_t i = 0; i < n; i++)
        ms_nlp_result_free(&r[i]);
    free(r);
}

void ms_test_extract_local(const ms_nlp_engine *e, ms_doc *d)
{
    ms_nlp_result *r = calloc(d->nchunks ? d->nchunks : 1, sizeof *r);
    if (!r)
        abort();
    for (size_t i = 0; i < d->nchunks; i++)
        if (ms_nlp_detect(e, d->chunks[i].text, d->chunks[i].len, &r[i]) != 0)
            abort();
    d->extract = r;
    d->extract_free = free_nlp_results;
    d->extract_engine = "local";
}

int ms_test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

static int connect_local(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool ms_test_port_open(int port)
{
    int fd = connect_local(port);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

char *ms_test_http_get(int port, const char *path)
{
    int fd = connect_local(port);
    if (fd < 0)
        return NULL;
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return NULL;
    }
    size_t cap = 1 << 16, got = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while (buf && (r = read(fd, buf + got, cap - 1 - got)) > 0) {
        got += (size_t)r;
        if (got + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    close(fd);
    if (!buf)
        return NULL;
    buf[got] = 0;
    char *body = strstr(buf, "\r\n\r\n");
    char *out = body ? strdup(body + 4) : NULL;
    free(buf);
    return out;
}
