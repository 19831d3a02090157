/* mkpdf.c -- medstream-mkpdf: turn a UTF-8 text file into a simple PDF.
 *
 *   medstream-mkpdf [--header TEXT] [--footer TEXT] [--password PW]
 *                   [--min-pages N] [--font-size N] [--cells] IN.txt|- OUT.pdf
 *
 * Exit 0 on success, 1 on an error, 2 on bad usage. */
#include "tools/pdfgen.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: medstream-mkpdf [--header TEXT] [--footer TEXT] [--password PW]\n"
            "                       [--min-pages N] [--font-size N] [--cells] IN.txt|- OUT.pdf\n"
            "\n"
            "  --header TEXT    line printed at the top of every page\n"
            "  --footer TEXT    line printed at the bottom; the first two %%d become\n"
            "                   the page number and the page count\n"
            "  --password PW    encrypt with AES-256, PW opens the document\n"
            "  --min-pages N    pad with \"(continued)\" pages up to N pages\n"
            "  --font-size N    body font size in points (4..72, default 10)\n"
            "  --cells          draw table cells (text between 2+ spaces) one by\n"
            "                   one, column after column, as some report writers do\n"
            "  IN.txt           UTF-8 text, '-' for stdin; a form feed starts a page\n");
}

static int parse_int(const char *s, const char *what, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > INT_MAX) {
        fprintf(stderr, "medstream-mkpdf: %s: not a non-negative integer: %s\n", what, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    ms_pdfgen_opts o = {0};
    const char *pos[2];
    int npos = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--header") && has_val) {
            o.header = argv[++i];
        } else if (!strcmp(a, "--footer") && has_val) {
            o.footer = argv[++i];
        } else if (!strcmp(a, "--password") && has_val) {
            o.user_password = argv[++i];
        } else if (!strcmp(a, "--cells")) {
            o.cells = 1;
        } else if (!strcmp(a, "--min-pages") && has_val) {
            if (parse_int(argv[++i], "--min-pages", &o.min_pages))
                return 2;
        } else if (!strcmp(a, "--font-size") && has_val) {
            if (parse_int(argv[++i], "--font-size", &o.font_size))
                return 2;
            if (o.font_size < 4 || o.font_size > 72) {
                fprintf(stderr, "medstream-mkpdf: --font-size must be 4..72\n");
                return 2;
            }
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "medstream-mkpdf: unknown option or missing value: %s\n", a);
            usage(stderr);
            return 2;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            fprintf(stderr, "medstream-mkpdf: too many arguments\n");
            usage(stderr);
            return 2;
        }
    }
    if (npos != 2) {
        usage(stderr);
        return 2;
    }

    FILE *in = strcmp(pos[0], "-") ? fopen(pos[0], "rb") : stdin;
    if (!in) {
        fprintf(stderr, "medstream-mkpdf: cannot open %s: %s\n", pos[0], strerror(errno));
        return 1;
    }
    size_t len = 0;
    char *text = read_all(in, &len);
    int read_errno = errno;
    if (in != stdin)
        fclose(in);
    if (!text) {
        fprintf(stderr, "medstream-mkpdf: cannot read %s: %s\n", pos[0], strerror(read_errno));
        return 1;
    }

    char err[512];
    int rc = ms_pdfgen_write(pos[1], text, len, &o, err, sizeof err);
    free(text);
    if (rc) {
        fprintf(stderr, "medstream-mkpdf: cannot write %s: %s\n", pos[1], err);
        return 1;
    }
    return 0;
}
