/* awscurl_cmd.c -- `medstream awscurl`: sign one request with the
 * credential chain and send it, or (--dry-run) show how it is signed.
 *
 *   medstream awscurl [--service S] [--region R] [-X METHOD]
 *                     [-H 'Name: value']... [-d BODY|@FILE|@-]
 *                     [--dry-run] [--date YYYYMMDDTHHMMSSZ]
 *                     [--profile P] [-c FILE] [--set k=v]... URL
 *
 * For operators debugging IAM and endpoints: one attempt, no retries, the
 * answer as it came. The dry run prints the canonical request, the string
 * to sign and the signed request in the layout of AWS's SigV4 test suite.
 * Exit: 0 on a 2xx answer (or a dry run), 1 on any other answer or a
 * transport failure, 2 on usage errors. */
#define _GNU_SOURCE  /* strndup */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <uv.h>

#include "plugins.h"
#include "aws/aws.h"
#include "aws/sigv4.h"
#include "cli/cli.h"
#include "base/config.h"

#define MAX_HEADERS 64

typedef struct awscurl {
    const char *service, *region, *method, *data, *date, *profile, *url;
    bool dry_run;
    const char *config_file;
    const char *sets[MS_CLI_MAX_SETS];
    int nsets;
    char *hnames[MAX_HEADERS], *hvalues[MAX_HEADERS];
    int nheaders;
    /* derived */
    char scheme[16], host[512], path[4096], *query;
    char *body;
    size_t body_len;
    bool s3;
    /* run state */
    ms_aws *aws;
    int rc;
    bool done;
} awscurl;

static void awscurl_usage(FILE *out)
{
    fprintf(out,
            "usage: medstream awscurl [options] URL\n"
            "\n"
            "  --service S        signing name (default: from the host, e.g.\n"
            "                     comprehendmedical.us-east-1.amazonaws.com)\n"
            "  --region R         signing region (default: from the host, then\n"
            "                     aws.region, AWS_REGION, AWS_DEFAULT_REGION, profile)\n"
            "  -X, --request M    method (default GET, or POST with -d)\n"
            "  -H, --header 'N: V' add a header (repeatable; signed)\n"
            "  -d, --data BODY    request body; @FILE reads a file, @- stdin\n"
            "  --dry-run          send nothing: print the canonical request, the\n"
            "                     string to sign and the signed request\n"
            "  --date D           sign as of D (YYYYMMDDTHHMMSSZ), for comparing\n"
            "  --profile P        shared-config profile (default AWS_PROFILE/default)\n"
            "  -c FILE, --set K=V configuration (aws.*, tls.*)\n"
            "\n"
            "Credentials come from the SDK chain: environment, web identity,\n"
            "profile, container, instance metadata (docs/aws.md).\n");
}

static char *read_body(const char *arg, size_t *len)
{
    if (arg[0] != '@') {
        *len = strlen(arg);
        return strdup(arg);
    }
    FILE *f = strcmp(arg + 1, "-") == 0 ? stdin : fopen(arg + 1, "rb");
    if (!f) {
        fprintf(stderr, "medstream awscurl: cannot read %s\n", arg + 1);
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
    }
    if (f != stdin) fclose(f);
    if (!buf) return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int parse(int argc, char **argv, awscurl *w)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(s, l) ((!strcmp(a, s) || !strcmp(a, l)) && next)
        if (OPT("--service", "--service")) w->service = argv[++i];
        else if (OPT("--region", "--region")) w->region = argv[++i];
        else if (OPT("-X", "--request")) w->method = argv[++i];
        else if (OPT("-d", "--data")) w->data = argv[++i];
        else if (OPT("--date", "--date")) w->date = argv[++i];
        else if (OPT("--profile", "--profile")) w->profile = argv[++i];
        else if (OPT("-c", "--config")) w->config_file = argv[++i];
        else if (OPT("--set", "--set")) {
            if (w->nsets == MS_CLI_MAX_SETS) return 2;
            w->sets[w->nsets++] = argv[++i];
        } else if (OPT("-H", "--header")) {
            const char *h = argv[++i];
            const char *colon = strchr(h, ':');
            if (!colon || colon == h || w->nheaders == MAX_HEADERS) {
                fprintf(stderr, "medstream awscurl: bad header '%s' (want 'Name: value')\n", h);
                return 2;
            }
            const char *v = colon + 1;
            while (*v == ' ' || *v == '\t') v++;
            w->hnames[w->nheaders] = strndup(h, (size_t)(colon - h));
            w->hvalues[w->nheaders] = strdup(v);
            w->nheaders++;
        } else if (!strcmp(a, "--dry-run")) w->dry_run = true;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            awscurl_usage(stdout);
            exit(0);
        } else if (a[0] != '-' && !w->url) w->url = a;
        else {
            fprintf(stderr, "medstream awscurl: unknown or incomplete option '%s'\n\n", a);
            awscurl_usage(stderr);
            return 2;
        }
#undef OPT
    }
    if (!w->url) {
        awscurl_usage(stderr);
        return 2;
    }
    return 0;
}

/* "comprehendmedical.us-east-1.amazonaws.com" -> service and region, for
 * whichever of the two was not given. */
static void infer_from_host(awscurl *w, char *svc, size_t svclen, char *reg, size_t reglen)
{
    svc[0] = reg[0] = '\0';
    const char *h = w->host;
    if (!strstr(h, ".amazonaws.com")) return;
    size_t l1 = strcspn(h, ".");
    if (l1 >= svclen) return;
    memcpy(svc, h, l1);
    svc[l1] = '\0';
    char *fips = strstr(svc, "-fips");
    if (fips && fips[5] == '\0') *fips = '\0';
    const char *r = h + l1 + 1;
    size_t l2 = strcspn(r, ".");
    /* a region looks like xx-name-N */
    if (l2 < reglen && l2 > 4 && isdigit((unsigned char)r[l2 - 1]) && memchr(r, '-', l2)) {
        memcpy(reg, r, l2);
        reg[l2] = '\0';
    }
}

static void print_signed_request(const awscurl *w, const ms_sigv4_out *so,
                                 const char *token, const char *query)
{
    printf("%s %s%s%s HTTP/1.1\n", w->method, w->path[0] ? w->path : "/",
           query ? "?" : "", query ? query : "");
    printf("Host:%s\n", w->host);
    for (int i = 0; i < w->nheaders; i++)
        printf("%s:%s\n", w->hnames[i], w->hvalues[i]);
    if (token && *token) printf("X-Amz-Security-Token:%s\n", token);
    printf("X-Amz-Date:%s\n", so->amz_date);
    if (w->s3) printf("x-amz-content-sha256:%s\n", so->payload_hash);
    printf("Authorization:%s\n\n", so->authorization);
    if (w->body_len) fwrite(w->body, 1, w->body_len, stdout);
}

static void on_http(const ms_http_resp *r, void *ud)
{
    awscurl *w = ud;
    w->done = true;
    if (r->err != MS_HTTP_OK) {
        fprintf(stderr, "medstream awscurl: %s: %s\n", ms_http_err_name(r->err),
                r->errmsg);
        w->rc = 1;
    } else {
        printf("HTTP/%s %ld\n", r->http_version == 2 ? "2" : "1.1", r->status);
        for (size_t i = 0; i < r->nheaders; i++)
            printf("%s: %s\n", r->headers[i].name, r->headers[i].value);
        printf("\n");
        fwrite(r->body, 1, r->body_len, stdout);
        if (r->body_len && r->body[r->body_len - 1] != '\n') printf("\n");
        w->rc = r->status >= 200 && r->status < 300 ? 0 : 1;
    }
    ms_aws_close(w->aws, NULL, NULL);
}

static void on_creds(const ms_aws_creds *cr, const char *error, void *ud)
{
    awscurl *w = ud;
    if (!cr) {
        fprintf(stderr, "medstream awscurl: no credentials: %s\n", error ? error : "?");
        w->rc = 1;
        w->done = true;
        ms_aws_close(w->aws, NULL, NULL);
        return;
    }
    char svc[128], reg[64];
    infer_from_host(w, svc, sizeof svc, reg, sizeof reg);
    const char *service = w->service ? w->service : svc;
    const char *region = w->region ? w->region : reg[0] ? reg : ms_aws_region(w->aws);
    w->s3 = strcmp(service, "s3") == 0;

    time_t when = time(NULL);
    if (w->date && ms_sigv4_parse_date(w->date, &when) != 0) {
        fprintf(stderr, "medstream awscurl: --date wants YYYYMMDDTHHMMSSZ, got '%s'\n", w->date);
        w->rc = 2;
        goto out;
    }
    ms_sigv4_header sh[MAX_HEADERS + 1];
    size_t ns = 0;
    sh[ns++] = (ms_sigv4_header){"Host", w->host};
    for (int i = 0; i < w->nheaders; i++)
        sh[ns++] = (ms_sigv4_header){w->hnames[i], w->hvalues[i]};
    ms_sigv4_request sr = {.method = w->method, .path = w->path[0] ? w->path : "/",
                           .query = w->query, .headers = sh, .nheaders = ns,
                           .body = w->body, .body_len = w->body_len};
    ms_sigv4_params sp = {.region = region, .service = service,
                          .access_key = cr->access_key_id,
                          .secret_key = cr->secret_access_key,
                          .session_token = cr->session_token, .when = when,
                          .s3_path = w->s3, .content_sha256_header = w->s3};
    ms_sigv4_out so;
    char err[256];
    if (ms_sigv4_sign(&sp, &sr, &so, err, sizeof err) != 0) {
        fprintf(stderr, "medstream awscurl: cannot sign: %s\n", err);
        w->rc = 2;
        goto out;
    }
    if (w->dry_run) {
        /* Which provider of the chain won (never a key): stderr, so the
         * signed request on stdout stays comparable byte for byte. */
        fprintf(stderr, "medstream awscurl: credentials from %s\n", cr->provider);
        printf("# canonical request\n%s\n\n# string to sign\n%s\n\n# signed request\n",
               so.canonical_request, so.string_to_sign);
        print_signed_request(w, &so, cr->session_token, w->query);
        ms_sigv4_out_free(&so);
        w->rc = 0;
        goto out;
    }

    ms_http_header hh[MAX_HEADERS + 6];
    size_t nh = 0;
    for (size_t i = 0; i < ns; i++) hh[nh++] = (ms_http_header){sh[i].name, sh[i].value};
    if (cr->session_token && *cr->session_token)
        hh[nh++] = (ms_http_header){"X-Amz-Security-Token", cr->session_token};
    hh[nh++] = (ms_http_header){"X-Amz-Date", so.amz_date};
    if (w->s3) hh[nh++] = (ms_http_header){"X-Amz-Content-Sha256", so.payload_hash};
    hh[nh++] = (ms_http_header){"Authorization", so.authorization};
    ms_http_req hr = {.method = w->method, .url = w->url, .headers = hh, .nheaders = nh,
                      .body = w->body, .body_len = w->body_len};
    int rc = ms_http_send(ms_aws_http(w->aws), &hr, on_http, w);
    ms_sigv4_out_free(&so);
    if (rc == 0) return;
    fprintf(stderr, "medstream awscurl: the HTTP client refused the request\n");
    w->rc = 1;
out:
    w->done = true;
    ms_aws_close(w->aws, NULL, NULL);
}

int ms_cli_awscurl(int argc, char **argv)
{
    awscurl w = {.rc = 1};
    int rc = parse(argc, argv, &w);
    if (rc != 0) goto done;

    char path[4096];
    if (ms_aws_url_split(w.url, w.scheme, sizeof w.scheme, w.host, sizeof w.host,
                         path, sizeof path) != 0) {
        fprintf(stderr, "medstream awscurl: '%s' is not an http(s) URL\n", w.url);
        rc = 2;
        goto done;
    }
    /* The path as given (a trailing '/' is part of what is signed). */
    const char *p = strstr(w.url, "://") + 3;
    p += strcspn(p, "/?#");
    size_t pl = strcspn(p, "?#");
    if (pl >= sizeof w.path) { rc = 2; goto done; }
    memcpy(w.path, p, pl);
    w.path[pl] = '\0';
    if (p[pl] == '?') w.query = strndup(p + pl + 1, strcspn(p + pl + 1, "#"));
    if (w.data) {
        w.body = read_body(w.data, &w.body_len);
        if (!w.body) { rc = 2; goto done; }
    }
    if (!w.method) w.method = w.data ? "POST" : "GET";

    ms_cli_opts co = {.config_file = w.config_file, .nsets = w.nsets};
    memcpy(co.sets, w.sets, sizeof w.sets);
    ms_config *cfg = ms_config_new();
    rc = ms_cli_load_config(&co, cfg);
    if (rc != 0) {
        ms_config_free(cfg);
        goto done;
    }
    ms_aws_opts ao;
    ms_aws_opts_from_config(cfg, &ao);
    if (w.profile) ao.profile = w.profile;
    char reg[64], svc[128];
    infer_from_host(&w, svc, sizeof svc, reg, sizeof reg);
    if (w.region) ao.region = w.region;
    else if (reg[0] && !(ao.region && *ao.region)) ao.region = reg;

    uv_loop_t loop;
    uv_loop_init(&loop);
    char err[1024];
    w.aws = ms_aws_new(&loop, &ao, err, sizeof err);
    ms_config_free(cfg);
    if (!w.aws) {
        fprintf(stderr, "medstream awscurl: %s\n", err);
        uv_loop_close(&loop);
        rc = 2;
        goto done;
    }
    if (!w.service && !svc[0]) {
        fprintf(stderr, "medstream awscurl: cannot tell the service from '%s'; give --service\n",
                w.host);
        ms_aws_close(w.aws, NULL, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        rc = 2;
        goto done;
    }
    ms_aws_prefetch(w.aws, on_creds, &w);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    rc = w.rc;
done:
    for (int i = 0; i < w.nheaders; i++) {
        free(w.hnames[i]);
        free(w.hvalues[i]);
    }
    free(w.query);
    free(w.body);
    return rc;
}
