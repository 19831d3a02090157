/* test_log.c -- log line formats, escaping, level filtering, one write per
 * line under threads, and the terminal status line. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/log.h"
#include "testutil.h"

/* ---- stderr capture ------------------------------------------------------- */

static int saved_fd = -1;
static FILE *cap_file;

static void capture_begin(void)
{
    fflush(stderr);
    cap_file = tmpfile();
    assert_non_null(cap_file);
    saved_fd = dup(2);
    assert_true(saved_fd >= 0);
    assert_true(dup2(fileno(cap_file), 2) >= 0);
}

/* Restores stderr and returns what was written (malloc'd). */
static char *capture_end(void)
{
    dup2(saved_fd, 2);
    close(saved_fd);
    saved_fd = -1;
    long n = ftell(cap_file);
    char *s = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    rewind(cap_file);
    size_t got = n > 0 ? fread(s, 1, (size_t)n, cap_file) : 0;
    s[got] = 0;
    fclose(cap_file);
    return s;
}

static void assert_matches(const char *s, const char *re)
{
    regex_t rx;
    assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&rx, s, 0, NULL, 0);
    regfree(&rx);
    if (rc != 0)
        fail_msg("'%s' does not match /%s/", s, re);
}

static int setup(void **state)
{
    assert_int_equal(ms_log_setup("info", "logfmt"), 0);
    return 0;
}

/* ---- logfmt --------------------------------------------------------------- */

static void test_logfmt_line(void **state)
{
    capture_begin();
    ms_log(MS_LOG_INFO, "report delivered", KS("id", "abc"), KI("pages", 3),
           KF("ms", 1.5), KI("neg", -7), KEND);
    char *out = capture_end();
    assert_matches(out, "^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                        "level=info msg=\"report delivered\" id=abc pages=3 ms=1\\.5 neg=-7\n$");
    free(out);
}

static void test_logfmt_escaping(void **state)
{
    capture_begin();
    ms_log(MS_LOG_WARN, "plain", KS("sp", "a b"), KS("eq", "a=b"),
           KS("q", "say \"hi\""), KS("bs", "c:\\x"), KS("nl", "a\nb\tc\001"),
           KS("empty", ""), KS("none", NULL), KS("utf8", "d\xc3\xa9j\xc3\xa0"), KEND);
    char *out = capture_end();
    const char *want = " level=warn msg=plain sp=\"a b\" eq=\"a=b\" q=\"say \\\"hi\\\"\" "
                       "bs=\"c:\\\\x\" nl=\"a\\nb\\tc\\u0001\" empty=\"\" none=null "
                       "utf8=d\xc3\xa9j\xc3\xa0\n";
    const char *p = strstr(out, " level=");
    assert_non_null(p);
    assert_string_equal(p, want);
    free(out);
}

/* ---- levels ----------------------------------------------------------------- */

static void test_level_filter(void **state)
{
    assert_int_equal(ms_log_setup("warn", NULL), 0);
    assert_false(ms_log_enabled(MS_LOG_INFO));
    assert_true(ms_log_enabled(MS_LOG_WARN));
    assert_true(ms_log_enabled(MS_LOG_ERROR));
    capture_begin();
    ms_log(MS_LOG_DEBUG, "d", KEND);
    ms_log(MS_LOG_INFO, "i", KEND);
    ms_log(MS_LOG_WARN, "w", KEND);
    ms_log(MS_LOG_ERROR, "e", KEND);
    char *out = capture_end();
    assert_null(strstr(out, "msg=d"));
    assert_null(strstr(out, "msg=i"));
    assert_non_null(strstr(out, "level=warn msg=w\n"));
    assert_non_null(strstr(out, "level=error msg=e\n"));
    free(out);

    ms_log_set_level(MS_LOG_DEBUG);
    assert_true(ms_log_enabled(MS_LOG_DEBUG));
    capture_begin();
    ms_log(MS_LOG_DEBUG, "d", KEND);
    out = capture_end();
    assert_non_null(strstr(out, "level=debug msg=d\n"));
    free(out);
}

static void test_setup_rejects_unknown(void **state)
{
    assert_int_equal(ms_log_setup("error", "json"), 0);
    assert_int_equal(ms_log_setup("verbose", "logfmt"), -1);
    assert_int_equal(ms_log_setup("info", "xml"), -1);
    /* Nothing changed by the failed calls. */
    assert_false(ms_log_enabled(MS_LOG_WARN));
    capture_begin();
    ms_log(MS_LOG_ERROR, "x", KEND);
    char *out = capture_end();
    assert_int_equal(out[0], '{');
    free(out);
}

/* ---- JSON --------------------------------------------------------------------- */

static json_t *parse_line(const char *line)
{
    json_error_t e;
    json_t *j = json_loads(line, 0, &e);
    if (!j)
        fail_msg("not JSON (%s): %s", e.text, line);
    return j;
}

static void test_json_line(void **state)
{
    assert_int_equal(ms_log_setup("info", "json"), 0);
    capture_begin();
    ms_log(MS_LOG_INFO, "report \"delivered\"", KS("id", "abc"), KI("pages", 3),
           KF("ms", 2.25), KS("ctl", "a\\b\n\x01\x1f\x7f"), KS("bad", "x\xff\xc3(y\xed\xa0\x80"),
           KS("utf8", "\xe2\x82\xac\xf0\x9f\x98\x80"), KF("nan", NAN), KS("nul", NULL), KEND);
    char *out = capture_end();
    size_t n = strlen(out);
    assert_true(n > 0 && out[n - 1] == '\n');
    assert_null(memchr(out, '\n', n - 1));
    assert_true(strncmp(out, "{\"ts\":\"", 7) == 0);

    json_t *j = parse_line(out);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "report \"delivered\"");
    assert_string_equal(json_string_value(json_object_get(j, "id")), "abc");
    assert_true(json_is_integer(json_object_get(j, "pages")));
    assert_int_equal(json_integer_value(json_object_get(j, "pages")), 3);
    assert_true(json_is_real(json_object_get(j, "ms")));
    assert_true(json_real_value(json_object_get(j, "ms")) == 2.25);
    assert_string_equal(json_string_value(json_object_get(j, "ctl")), "a\\b\n\x01\x1f\x7f");
    /* Invalid UTF-8 bytes become U+FFFD, one per byte. */
    assert_string_equal(json_string_value(json_object_get(j, "bad")),
                        "x\xef\xbf\xbd\xef\xbf\xbd(y\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(json_string_value(json_object_get(j, "utf8")),
                        "\xe2\x82\xac\xf0\x9f\x98\x80");
    assert_true(json_is_null(json_object_get(j, "nan")));
    assert_true(json_is_null(json_object_get(j, "nul")));
    const char *ts = json_string_value(json_object_get(j, "ts"));
    assert_non_null(ts);
    assert_matches(ts, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$");
    json_decref(j);
    free(out);
}

static void test_long_line(void **state)
{
    assert_int_equal(ms_log_setup("info", "json"), 0);
    size_t n = 100000;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = 0;
    capture_begin();
    ms_log(MS_LOG_INFO, "big", KS("v", big), KEND);
    char *out = capture_end();
    json_t *j = parse_line(out);
    assert_int_equal(strlen(json_string_value(json_object_get(j, "v"))), n);
    json_decref(j);
    free(out);
    free(big);
}

/* ---- threads: every line whole ---------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 300

static void *log_thread(void *arg)
{
    long t = (long)(intptr_t)arg;
    char pad[300];
    memset(pad, 'a' + (int)t, sizeof pad - 1);
    pad[sizeof pad - 1] = 0;
    for (int i = 0; i < PER_THREAD; i++)
        ms_log(MS_LOG_INFO, "tick", KI("t", t), KI("i", i), KS("pad", pad), KEND);
    return NULL;
}

static void test_threads_whole_lines(void **state)
{
    assert_int_equal(ms_log_setup("info", "json"), 0);
    capture_begin();
    pthread_t th[THREADS];
    for (long t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, log_thread, (void *)(intptr_t)t);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    char *out = capture_end();

    int seen[THREADS] = { 0 };
    int lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *j = parse_line(line);
        int t = (int)json_integer_value(json_object_get(j, "t"));
        int i = (int)json_integer_value(json_object_get(j, "i"));
        assert_true(t >= 0 && t < THREADS);
        assert_int_equal(i, seen[t]);   /* per-thread order kept */
        seen[t]++;
        lines++;
        json_decref(j);
    }
    assert_int_equal(lines, THREADS * PER_THREAD);
    free(out);
}

/* ---- status line ------------------------------------------------------------------- */

static void test_status_not_a_terminal(void **state)
{
    assert_int_equal(ms_log_setup("info", "logfmt"), 0);
    capture_begin();
    ms_log_status("working 1/2");
    ms_log(MS_LOG_INFO, "hello", KEND);
    ms_log_status(NULL);
    char *out = capture_end();
    assert_null(strchr(out, '\033'));
    assert_null(strstr(out, "working"));
    assert_non_null(strstr(out, "msg=hello\n"));
    free(out);
}

/* Everything the pty master has to read (it was written before we ask). */
static char *drain_pty(int master)
{
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    for (;;) {
        struct pollfd p = { master, POLLIN, 0 };
        if (poll(&p, 1, 200) <= 0 || !(p.revents & POLLIN))
            break;
        ssize_t n = read(master, s + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
        if (cap - len < 64)
            s = realloc(s, cap *= 2);
    }
    s[len] = 0;
    return s;
}

static void test_status_on_terminal(void **state)
{
    int master, slave;
    if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
        ms_test_skip("no pseudo-terminal available");
    struct termios tio;
    tcgetattr(slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(slave, TCSANOW, &tio);
    struct winsize ws = { .ws_row = 24, .ws_col = 20 };
    ioctl(slave, TIOCSWINSZ, &ws);

    assert_int_equal(ms_log_setup("info", "logfmt"), 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(slave, 2);
    ms_log_status("working 3/10");
    ms_log(MS_LOG_INFO, "hello", KEND);
    ms_log_status("0123456789abcdefghijklmnop");   /* wider than 20 columns */
    ms_log_status(NULL);
    ms_log(MS_LOG_INFO, "after", KEND);
    dup2(saved, 2);
    close(saved);

    char *out = drain_pty(master);
    close(slave);
    close(master);

    const char *p = out;
    const char *want[] = {
        "\r\033[Kworking 3/10",
        "\r\033[Kts=",                  /* log line clears the status first */
        "msg=hello\nworking 3/10",      /* ... and redraws it after */
        "\r\033[K0123456789abcdefghi",  /* cut to 19 columns */
        "\r\033[Kts=",                  /* status(NULL) clears */
        "msg=after\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *q = strstr(p, want[i]);
        if (!q)
            fail_msg("missing step %zu in pty output", i);
        p = q + strlen(want[i]);
    }
    assert_null(strstr(out, "0123456789abcdefghij"));
    /* Cleared: nothing is redrawn after the last line. */
    assert_string_equal(p, "");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_logfmt_line, setup),
        cmocka_unit_test_setup(test_logfmt_escaping, setup),
        cmocka_unit_test_setup(test_level_filter, setup),
        cmocka_unit_test_setup(test_setup_rejects_unknown, setup),
        cmocka_unit_test_setup(test_json_line, setup),
        cmocka_unit_test_setup(test_long_line, setup),
        cmocka_unit_test_setup(test_threads_whole_lines, setup),
        cmocka_unit_test_setup(test_status_not_a_terminal, setup),
        cmocka_unit_test_setup(test_status_on_terminal, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
