/* profile.c -- the AWS shared config and credentials files (see profile.h).
 *
 * Both files are read line by line into a flat list of (section, key,
 * value) properties; the profile then keeps the keys of its own sections
 * (credentials file first, so its keys win) and of the services section it
 * names. The files are small, so linear lookups are fine. */
#define _GNU_SOURCE
#include "aws/base/profile.h"
#include "base/errbuf.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct ms_kvp {
    char *key;     /* lowercased; nested properties as "parent.child" */
    char *value;
} ms_kvp;

typedef struct ms_kvlist {
    ms_kvp *v;
    size_t n, cap;
} ms_kvlist;

struct ms_aws_profile {
    char *name;
    char *origin;
    bool exists;
    ms_kvlist keys;       /* the profile's keys, credentials file first */
    ms_kvlist services;   /* "service.key" of the named services section */
};

static void kv_free(ms_kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static const char *kv_get(const ms_kvlist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcasecmp(l->v[i].key, key) == 0)
            return l->v[i].value;
    return NULL;
}

/* Set key (replacing an earlier value: a later duplicate wins within a
 * file) unless keep_existing, used when merging the lower-priority file. */
static int kv_set(ms_kvlist *l, const char *key, const char *value,
                  bool keep_existing)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcasecmp(l->v[i].key, key) == 0) {
            if (keep_existing)
                return 0;
            char *nv = strdup(value);
            if (!nv)
                return -1;
            free(l->v[i].value);
            l->v[i].value = nv;
            return 0;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        ms_kvp *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = cap;
    }
    ms_kvp *p = &l->v[l->n];
    p->key = strdup(key);
    p->value = strdup(value);
    if (!p->key || !p->value) {
        free(p->key);
        free(p->value);
        return -1;
    }
    for (char *c = p->key; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    l->n++;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                 s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* Cut an inline comment: '#' or ';' preceded by whitespace. */
static void cut_comment(char *s)
{
    for (char *c = s; *c; c++) {
        if ((*c == '#' || *c == ';') && c > s && (c[-1] == ' ' || c[-1] == '\t')) {
            *c = 0;
            return;
        }
    }
}

/* Expand a leading "~/" with $HOME (or the passwd entry). */
static char *expand_home(const char *path)
{
    if (path[0] != '~' || (path[1] != '/' && path[1] != 0))
        return strdup(path);
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : "";
    }
    size_t n = strlen(home) + strlen(path) + 1;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s%s", home, path + 1);
    return out;
}

typedef enum { FILE_CONFIG, FILE_CREDENTIALS } file_kind;

/* Which section a header names, for the profile being loaded. */
typedef enum { SEC_OTHER, SEC_PROFILE, SEC_SERVICES } sec_kind;

typedef struct parse_target {
    const char *profile;        /* profile name being loaded */
    ms_kvlist *profile_keys;    /* this file's keys of that profile */
    bool found;
    /* Services sections are collected by name ("name\x1fservice.key") since
     * the profile may name one before or after it appears. */
    ms_kvlist *services_all;
} parse_target;

static sec_kind classify(file_kind fk, const char *hdr, const char *profile,
                         const char **svc_name)
{
    if (fk == FILE_CREDENTIALS)
        return strcmp(hdr, profile) == 0 ? SEC_PROFILE : SEC_OTHER;
    if (strcmp(hdr, "default") == 0)
        return strcmp(profile, "default") == 0 ? SEC_PROFILE : SEC_OTHER;
    if (strncmp(hdr, "profile", 7) == 0 && (hdr[7] == ' ' || hdr[7] == '\t')) {
        const char *n = hdr + 8;
        while (*n == ' ' || *n == '\t')
            n++;
        return strcmp(n, profile) == 0 ? SEC_PROFILE : SEC_OTHER;
    }
    if (strncmp(hdr, "services", 8) == 0 && (hdr[8] == ' ' || hdr[8] == '\t')) {
        const char *n = hdr + 9;
        while (*n == ' ' || *n == '\t')
            n++;
        *svc_name = n;
        return SEC_SERVICES;
    }
    return SEC_OTHER;   /* [sso-session x], or a bare [name] (ignored) */
}

/* Parse one file. 0 = parsed (or absent), -1 = malformed / unreadable. */
static int parse_file(const char *path, file_kind fk, parse_target *t,
                      char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        ms_errf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL, *svc = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    bool in_section = false;
    sec_kind sk = SEC_OTHER;
    char parent[256] = "";      /* last key with an empty value, for nesting */
    bool have_prop = false;     /* a property precedes this line in the section */

    while ((len = getline(&line, &cap, f)) != -1) {
        lineno++;
        if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            memmove(line, line + 3, (size_t)len - 2);   /* UTF-8 BOM */
        bool indented = line[0] == ' ' || line[0] == '\t';
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[' && !indented) {
            char *end = strchr(s, ']');
            if (!end) {
                ms_errf(err, errlen, "%s:%d: section header without ']'", path, lineno);
                rc = -1;
                break;
            }
            char *rest = trim(end + 1);
            if (*rest && *rest != '#' && *rest != ';') {
                ms_errf(err, errlen, "%s:%d: text after the section header", path, lineno);
                rc = -1;
                break;
            }
            *end = 0;
            char *hdr = trim(s + 1);
            if (!*hdr) {
                ms_errf(err, errlen, "%s:%d: empty section name", path, lineno);
                rc = -1;
                break;
            }
            const char *sn = NULL;
            sk = classify(fk, hdr, t->profile, &sn);
            free(svc);
            svc = sn ? strdup(sn) : NULL;
            if (sn && !svc) {
                rc = -1;
                ms_errf(err, errlen, "out of memory");
                break;
            }
            if (sk == SEC_PROFILE)
                t->found = true;
            in_section = true;
            have_prop = false;
            parent[0] = 0;
            continue;
        }
        if (!in_section) {
            ms_errf(err, errlen, "%s:%d: property outside a section", path, lineno);
            rc = -1;
            break;
        }
        char *eq = strchr(s, '=');
        if (indented && have_prop && !parent[0]) {
            /* Continuation of the previous value: the SDKs keep it with a
             * newline; nothing medstream reads uses it, so it is skipped. */
            continue;
        }
        if (!eq) {
            ms_errf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            rc = -1;
            break;
        }
        *eq = 0;
        char *key = trim(s);
        char *val = eq + 1;
        cut_comment(val);
        val = trim(val);
        if (!*key) {
            ms_errf(err, errlen, "%s:%d: empty key", path, lineno);
            rc = -1;
            break;
        }
        char full[600];
        if (indented && parent[0]) {
            snprintf(full, sizeof full, "%s.%s", parent, key);
        } else {
            if (indented && !have_prop) {
                ms_errf(err, errlen, "%s:%d: indented property without a parent", path, lineno);
                rc = -1;
                break;
            }
            snprintf(full, sizeof full, "%s", key);
            /* "s3 =" with nothing after it opens a nested block. */
            if (!*val)
                snprintf(parent, sizeof parent, "%s", key);
            else
                parent[0] = 0;
            have_prop = true;
            if (!*val)
                continue;
        }
        int r = 0;
        if (sk == SEC_PROFILE) {
            r = kv_set(t->profile_keys, full, val, false);
        } else if (sk == SEC_SERVICES && svc) {
            char sk_key[900];
            snprintf(sk_key, sizeof sk_key, "%s\x1f%s", svc, full);
            r = kv_set(t->services_all, sk_key, val, false);
        }
        if (r) {
            ms_errf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
    }
    free(line);
    free(svc);
    fclose(f);
    return rc;
}

static char *file_path(const char *env, const char *deflt)
{
    const char *p = getenv(env);
    return expand_home(p && *p ? p : deflt);
}

ms_aws_profile *ms_aws_profile_load(const char *name, char *err, size_t errlen)
{
    if (!name || !*name) {
        name = getenv("AWS_PROFILE");
        if (!name || !*name)
            name = "default";
    }
    ms_aws_profile *p = calloc(1, sizeof *p);
    char *cfg = file_path("AWS_CONFIG_FILE", "~/.aws/config");
    char *crd = file_path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials");
    ms_kvlist cfg_keys = {0}, svc_all = {0};
    if (!p || !cfg || !crd || !(p->name = strdup(name))) {
        ms_errf(err, errlen, "out of memory");
        goto fail;
    }
    parse_target tc = {name, &cfg_keys, false, &svc_all};
    parse_target tk = {name, &p->keys, false, &svc_all};
    if (parse_file(crd, FILE_CREDENTIALS, &tk, err, errlen) ||
        parse_file(cfg, FILE_CONFIG, &tc, err, errlen))
        goto fail;
    /* Credentials-file keys win: merge the config keys in without
     * replacing. */
    for (size_t i = 0; i < cfg_keys.n; i++)
        if (kv_set(&p->keys, cfg_keys.v[i].key, cfg_keys.v[i].value, true)) {
            ms_errf(err, errlen, "out of memory");
            goto fail;
        }
    const char *services = kv_get(&p->keys, "services");
    if (services) {
        size_t sl = strlen(services);
        for (size_t i = 0; i < svc_all.n; i++) {
            const char *k = svc_all.v[i].key;
            if (strncmp(k, services, sl) == 0 && k[sl] == '\x1f' &&
                kv_set(&p->services, k + sl + 1, svc_all.v[i].value, false)) {
                ms_errf(err, errlen, "out of memory");
                goto fail;
            }
        }
    }
    p->exists = tc.found || tk.found;
    char origin[2048];
    bool dflt = strcmp(name, "default") == 0;
    if (tk.found && tc.found)
        snprintf(origin, sizeof origin, "%s [%s] + %s [%s%s]", crd, name, cfg,
                 dflt ? "" : "profile ", name);
    else if (tk.found)
        snprintf(origin, sizeof origin, "%s [%s]", crd, name);
    else
        snprintf(origin, sizeof origin, "%s [%s%s]", cfg, dflt ? "" : "profile ",
                 name);
    if (!(p->origin = strdup(origin))) {
        ms_errf(err, errlen, "out of memory");
        goto fail;
    }
    kv_free(&cfg_keys);
    kv_free(&svc_all);
    free(cfg);
    free(crd);
    return p;
fail:
    kv_free(&cfg_keys);
    kv_free(&svc_all);
    free(cfg);
    free(crd);
    ms_aws_profile_free(p);
    return NULL;
}

void ms_aws_profile_free(ms_aws_profile *p)
{
    if (!p)
        return;
    kv_free(&p->keys);
    kv_free(&p->services);
    free(p->name);
    free(p->origin);
    free(p);
}

const char *ms_aws_profile_name(const ms_aws_profile *p) { return p->name; }
int ms_aws_profile_exists(const ms_aws_profile *p) { return p->exists; }
const char *ms_aws_profile_origin(const ms_aws_profile *p) { return p->origin; }

const char *ms_aws_profile_get(const ms_aws_profile *p, const char *key)
{
    return p ? kv_get(&p->keys, key) : NULL;
}

const char *ms_aws_profile_service_get(const ms_aws_profile *p,
                                       const char *service_key,
                                       const char *key)
{
    if (!p || !p->services.n)
        return NULL;
    char full[512];
    snprintf(full, sizeof full, "%s.%s", service_key, key);
    return kv_get(&p->services, full);
}
