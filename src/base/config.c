/* config.c -- configuration store: defaults from the key table, typed
 * values and their validation, --set overrides, getters, pass-through keys
 * for librdkafka, and printing of the effective configuration. Reading INI
 * files is in config_load.c. */
#define _GNU_SOURCE  /* asprintf, strndup */
#include "base/config.h"
#include "base/errbuf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Key prefixes whose unknown keys are kept verbatim for a library. */
static const char *const pass_prefixes[] = { "kafka.", NULL };

/* Pass-through key names (after the prefix) that hold secrets. */
static const char *const secret_words[] = {
    "password", "secret", "token", "sasl.oauthbearer.config",
    "ssl.key.pem", "ssl.keystore", NULL
};

typedef struct cfg_val {
    char *text;       /* canonical text of the value */
    char *origin;     /* NULL while at the default */
    int64_t i;        /* INT, SIZE */
    double d;         /* DOUBLE */
    bool b;           /* BOOL */
} cfg_val;

typedef struct pass_kv {
    char *key;        /* full name, prefix included */
    char *value;
    char *origin;
} pass_kv;

struct ms_config {
    const ms_cfg_key *keys;
    size_t nkeys;
    cfg_val *vals;
    pass_kv *pass;
    size_t npass, cappass;
};


/* ---- value parsing ------------------------------------------------------ */

/* "1K", "256M", ... when n is an exact multiple of a unit, else bytes. */
static void size_text(double n, char *buf, size_t len)
{
    static const char units[] = "TGMK";
    uint64_t v = (uint64_t)n;
    for (int u = 0; u < 4; u++) {
        uint64_t m = 1ull << (10 * (4 - u));
        if (v >= m && v % m == 0) {
            snprintf(buf, len, "%llu%c", (unsigned long long)(v / m), units[u]);
            return;
        }
    }
    snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void bound_text(const ms_cfg_key *k, double v, char *buf, size_t len)
{
    if (k->type == MS_CFG_SIZE)
        size_text(v, buf, len);
    else if (k->type == MS_CFG_DOUBLE)
        snprintf(buf, len, "%g", v);
    else
        snprintf(buf, len, "%lld", (long long)v);
}

static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || isspace((unsigned char)*s))
        return false;
    *out = v;
    return true;
}

static bool parse_size(const char *s, int64_t *out)
{
    static const struct { const char *sfx; int shift; } sfx[] = {
        { "", 0 }, { "b", 0 },
        { "k", 10 }, { "kb", 10 }, { "kib", 10 },
        { "m", 20 }, { "mb", 20 }, { "mib", 20 },
        { "g", 30 }, { "gb", 30 }, { "gib", 30 },
        { "t", 40 }, { "tb", 40 }, { "tib", 40 },
    };
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    while (*end == ' ' || *end == '\t')
        end++;
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        if (strcasecmp(end, sfx[i].sfx) == 0) {
            if (v > (unsigned long long)INT64_MAX >> sfx[i].shift)
                return false;
            *out = (int64_t)(v << sfx[i].shift);
            return true;
        }
    }
    return false;
}

static int parse_bool(const char *s)
{
    static const char *const t[] = { "true", "yes", "on", "1", NULL };
    static const char *const f[] = { "false", "no", "off", "0", NULL };
    for (int i = 0; t[i]; i++) {
        if (strcasecmp(s, t[i]) == 0)
            return 1;
        if (strcasecmp(s, f[i]) == 0)
            return 0;
    }
    return -1;
}

/* The choice of an ENUM key matching s (case-insensitive), as a
 * malloc'd string, or NULL. */
static char *enum_choice(const char *choices, const char *s)
{
    const char *p = choices;
    size_t n = strlen(s);
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncasecmp(p, s, n) == 0)
            return strndup(p, len);
        p += len + (bar ? 1 : 0);
    }
    return NULL;
}

/* Parse text as a value of key k into v (v->text malloc'd, canonical).
 * On error writes "key: expected ..., got "text"" to msg. */
static int parse_value(const ms_cfg_key *k, const char *text, cfg_val *v,
                       char *msg, size_t msglen)
{
    char lo[32], hi[32];
    bound_text(k, k->min, lo, sizeof lo);
    bound_text(k, k->max, hi, sizeof hi);
    memset(v, 0, sizeof *v);

    switch (k->type) {
    case MS_CFG_STRING:
        v->text = strdup(text);
        break;
    case MS_CFG_INT:
        if (!parse_int(text, &v->i) || (double)v->i < k->min || (double)v->i > k->max) {
            ms_errf(msg, msglen, "%s: expected an integer in [%s, %s], got \"%s\"",
                k->name, lo, hi, text);
            return -1;
        }
        if (asprintf(&v->text, "%lld", (long long)v->i) < 0)
            v->text = NULL;
        break;
    case MS_CFG_SIZE:
        if (!parse_size(text, &v->i) || (double)v->i < k->min || (double)v->i > k->max) {
            ms_errf(msg, msglen, "%s: expected a size in [%s, %s] (bytes, or with a "
                "K/M/G/T suffix), got \"%s\"", k->name, lo, hi, text);
            return -1;
        }
        v->text = strdup(text);
        break;
    case MS_CFG_BOOL: {
        int b = parse_bool(text);
        if (b < 0) {
            ms_errf(msg, msglen, "%s: expected a boolean (true/false, yes/no, "
                "on/off, 1/0), got \"%s\"", k->name, text);
            return -1;
        }
        v->b = b;
        v->text = strdup(b ? "true" : "false");
        break;
    }
    case MS_CFG_DOUBLE: {
        char *end;
        errno = 0;
        v->d = strtod(text, &end);
        if (end == text || *end || errno || !isfinite(v->d) ||
            isspace((unsigned char)*text) || v->d < k->min || v->d > k->max) {
            ms_errf(msg, msglen, "%s: expected a number in [%s, %s], got \"%s\"",
                k->name, lo, hi, text);
            return -1;
        }
        v->text = strdup(text);
        break;
    }
    case MS_CFG_ENUM:
        v->text = enum_choice(k->choices, text);
        if (!v->text) {
            ms_errf(msg, msglen, "%s: expected one of %s, got \"%s\"",
                k->name, k->choices, text);
            return -1;
        }
        break;
    }
    if (!v->text) {
        ms_errf(msg, msglen, "%s: out of memory", k->name);
        return -1;
    }
    return 0;
}

/* ---- key lookup ---------------------------------------------------------- */

static ssize_t find_key(const ms_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nkeys; i++)
        if (strcmp(cfg->keys[i].name, name) == 0)
            return (ssize_t)i;
    return -1;
}

static const char *pass_prefix(const char *name)
{
    for (int i = 0; pass_prefixes[i]; i++) {
        size_t n = strlen(pass_prefixes[i]);
        if (strncmp(name, pass_prefixes[i], n) == 0 && name[n])
            return pass_prefixes[i];
    }
    return NULL;
}

static pass_kv *find_pass(const ms_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->npass; i++)
        if (strcmp(cfg->pass[i].key, name) == 0)
            return &cfg->pass[i];
    return NULL;
}

/* Edit distance with adjacent transpositions (optimal string alignment),
 * giving up above 3: enough to catch typos. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 3)
        return 99;
    int d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

static void unknown_key(const ms_config *cfg, const char *name, const char *prefix,
                        char *err, size_t errlen)
{
    const char *best = NULL;
    int bestd = 3;
    for (size_t i = 0; i < cfg->nkeys; i++) {
        int d = edit_distance(name, cfg->keys[i].name);
        if (d < bestd) {
            bestd = d;
            best = cfg->keys[i].name;
        }
    }
    if (best)
        ms_errf(err, errlen, "%s: unknown key '%s' (did you mean '%s'?)", prefix, name, best);
    else
        ms_errf(err, errlen, "%s: unknown key '%s'", prefix, name);
}

/* ---- life cycle ---------------------------------------------------------- */

ms_config *ms_config_new_table(const ms_cfg_key *keys)
{
    ms_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return NULL;
    cfg->keys = keys;
    while (keys[cfg->nkeys].name)
        cfg->nkeys++;
    cfg->vals = calloc(cfg->nkeys ? cfg->nkeys : 1, sizeof *cfg->vals);
    if (!cfg->vals) {
        free(cfg);
        return NULL;
    }
    for (size_t i = 0; i < cfg->nkeys; i++) {
        char msg[256];
        if (parse_value(&keys[i], keys[i].def, &cfg->vals[i], msg, sizeof msg) < 0) {
            /* A bad default is a bug in the key table: fail loudly. */
            fprintf(stderr, "config key table: default of %s\n", msg);
            abort();
        }
    }
    return cfg;
}

void ms_config_free(ms_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->nkeys; i++) {
        free(cfg->vals[i].text);
        free(cfg->vals[i].origin);
    }
    for (size_t i = 0; i < cfg->npass; i++) {
        free(cfg->pass[i].key);
        free(cfg->pass[i].value);
        free(cfg->pass[i].origin);
    }
    free(cfg->vals);
    free(cfg->pass);
    free(cfg);
}

/* ---- setting values ------------------------------------------------------ */

static int set_pass(ms_config *cfg, const char *key, const char *value,
                    const char *origin, const char *prefix, char *err, size_t errlen)
{
    char *v = strdup(value), *o = strdup(origin);
    pass_kv *p = find_pass(cfg, key);
    if (v && o && p) {
        free(p->value);
        free(p->origin);
        p->value = v;
        p->origin = o;
        return 0;
    }
    if (v && o && cfg->npass == cfg->cappass) {
        size_t cap = cfg->cappass ? cfg->cappass * 2 : 8;
        pass_kv *np = realloc(cfg->pass, cap * sizeof *np);
        if (np) {
            cfg->pass = np;
            cfg->cappass = cap;
        }
    }
    char *k = strdup(key);
    if (!v || !o || !k || cfg->npass == cfg->cappass) {
        free(v);
        free(o);
        free(k);
        ms_errf(err, errlen, "%s: out of memory", prefix);
        return -1;
    }
    cfg->pass[cfg->npass++] = (pass_kv){ k, v, o };
    return 0;
}

/* prefix starts error messages; origin is recorded with the value. */
static int set_key(ms_config *cfg, const char *key, const char *value,
                   const char *origin, const char *prefix, char *err, size_t errlen)
{
    ssize_t i = find_key(cfg, key);
    if (i < 0) {
        if (pass_prefix(key))
            return set_pass(cfg, key, value, origin, prefix, err, errlen);
        unknown_key(cfg, key, prefix, err, errlen);
        return -1;
    }
    char msg[512];
    cfg_val v;
    if (parse_value(&cfg->keys[i], value, &v, msg, sizeof msg) < 0) {
        ms_errf(err, errlen, "%s: %s", prefix, msg);
        return -1;
    }
    v.origin = strdup(origin);
    if (!v.origin) {
        free(v.text);
        ms_errf(err, errlen, "%s: out of memory", prefix);
        return -1;
    }
    free(cfg->vals[i].text);
    free(cfg->vals[i].origin);
    cfg->vals[i] = v;
    return 0;
}

int ms_config_set(ms_config *cfg, const char *key, const char *value,
                  const char *origin, char *err, size_t errlen)
{
    if (!origin)
        origin = "set";
    return set_key(cfg, key, value ? value : "", origin, origin, err, errlen);
}

int ms_config_set_arg(ms_config *cfg, const char *assignment, char *err, size_t errlen)
{
    char prefix[320];
    snprintf(prefix, sizeof prefix, "--set %s", assignment);
    const char *eq = strchr(assignment, '=');
    const char *k = assignment;
    while (isspace((unsigned char)*k))
        k++;
    const char *ke = eq ? eq : k;
    while (ke > k && isspace((unsigned char)ke[-1]))
        ke--;
    if (!eq || ke == k) {
        ms_errf(err, errlen, "%s: expected section.key=value", prefix);
        return -1;
    }
    char *key = strndup(k, (size_t)(ke - k));
    if (!key) {
        ms_errf(err, errlen, "%s: out of memory", prefix);
        return -1;
    }
    int rc = set_key(cfg, key, eq + 1, "--set", prefix, err, errlen);
    free(key);
    return rc;
}

/* ---- getters ------------------------------------------------------------- */

/* Asking for a key that is not in the table, or with the wrong type, is a
 * programming error: fail loudly rather than run with a made-up value. */
static const cfg_val *get(const ms_config *cfg, const char *key, unsigned types)
{
    ssize_t i = find_key(cfg, key);
    if (i < 0 || !(types & (1u << cfg->keys[i].type))) {
        fprintf(stderr, "config: %s '%s'\n", i < 0 ? "no such key" : "wrong type for", key);
        abort();
    }
    return &cfg->vals[i];
}

const char *ms_config_str(const ms_config *cfg, const char *key)
{
    if (find_key(cfg, key) < 0 && pass_prefix(key)) {
        const pass_kv *p = find_pass(cfg, key);
        return p ? p->value : NULL;
    }
    return get(cfg, key, ~0u)->text;
}

int64_t ms_config_int(const ms_config *cfg, const char *key)
{
    return get(cfg, key, 1u << MS_CFG_INT | 1u << MS_CFG_SIZE)->i;
}

bool ms_config_bool(const ms_config *cfg, const char *key)
{
    return get(cfg, key, 1u << MS_CFG_BOOL)->b;
}

double ms_config_double(const ms_config *cfg, const char *key)
{
    ssize_t i = find_key(cfg, key);
    if (i >= 0 && cfg->keys[i].type != MS_CFG_DOUBLE)
        return (double)ms_config_int(cfg, key);
    return get(cfg, key, 1u << MS_CFG_DOUBLE)->d;
}

const char *ms_config_origin(const ms_config *cfg, const char *key)
{
    ssize_t i = find_key(cfg, key);
    if (i < 0) {
        const pass_kv *p = find_pass(cfg, key);
        return p ? p->origin : NULL;
    }
    return cfg->vals[i].origin ? cfg->vals[i].origin : "default";
}

int ms_config_foreach_pass(const ms_config *cfg, const char *prefix,
                           ms_config_pass_cb cb, void *ud)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < cfg->npass; i++) {
        const pass_kv *p = &cfg->pass[i];
        if (strncmp(p->key, prefix, n) != 0)
            continue;
        int rc = cb(p->key + n, p->value, p->origin, ud);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- printing ------------------------------------------------------------ */

static size_t section_len(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? (size_t)(dot - name) : 0;
}

static bool same_section(const char *a, const char *b)
{
    size_t n = section_len(a);
    return n == section_len(b) && strncmp(a, b, n) == 0;
}

static bool secret_pass(const char *key)
{
    for (int i = 0; secret_words[i]; i++)
        if (strstr(key, secret_words[i]))
            return true;
    return false;
}

/* Print a value so that loading it back gives the same text. */
static void print_value(FILE *out, const char *v, bool secret)
{
    if (secret && *v) {
        fputs("********", out);
        return;
    }
    size_t n = strlen(v);
    bool quote = n == 0 || *v == '"' || isspace((unsigned char)v[0]) ||
                 isspace((unsigned char)v[n - 1]);
    for (size_t i = 1; i < n && !quote; i++)
        quote = v[i] == ';' && (v[i - 1] == ' ' || v[i - 1] == '\t');
    if (quote)
        fputc('"', out);
    for (const char *p = v; *p; p++) {
        if (*p == '$')
            fputc('$', out);
        else if (quote && (*p == '"' || *p == '\\'))
            fputc('\\', out);
        fputc(*p, out);
    }
    if (quote)
        fputc('"', out);
}

static void print_pass_section(const ms_config *cfg, const char *prefix, FILE *out)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < cfg->npass; i++) {
        const pass_kv *p = &cfg->pass[i];
        if (strncmp(p->key, prefix, n) != 0)
            continue;
        fprintf(out, "%s = ", p->key + n);
        print_value(out, p->value, secret_pass(p->key + n));
        fprintf(out, " ; %s\n", p->origin);
    }
}

/* The pass-through prefix whose section is s[0..n), e.g. "kafka." for "kafka". */
static const char *prefix_of_section(const char *s, size_t n)
{
    for (int i = 0; pass_prefixes[i]; i++)
        if (strlen(pass_prefixes[i]) == n + 1 && strncmp(pass_prefixes[i], s, n) == 0)
            return pass_prefixes[i];
    return NULL;
}

void ms_config_print(const ms_config *cfg, FILE *out)
{
    bool first = true;
    for (size_t i = 0; i < cfg->nkeys; i++) {
        const char *name = cfg->keys[i].name;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = same_section(name, cfg->keys[j].name);
        if (seen)
            continue;
        size_t slen = section_len(name);
        fprintf(out, "%s[%.*s]\n", first ? "" : "\n", (int)slen, name);
        first = false;
        for (size_t j = i; j < cfg->nkeys; j++) {
            const ms_cfg_key *k = &cfg->keys[j];
            if (!same_section(name, k->name))
                continue;
            fprintf(out, "%s = ", k->name + (slen ? slen + 1 : 0));
            print_value(out, cfg->vals[j].text, k->flags & MS_CFG_SECRET);
            if (cfg->vals[j].origin)
                fprintf(out, " ; %s", cfg->vals[j].origin);
            fputc('\n', out);
        }
        const char *prefix = prefix_of_section(name, slen);
        if (prefix)
            print_pass_section(cfg, prefix, out);
    }
    /* Pass-through sections with no key of ours. */
    for (int p = 0; pass_prefixes[p]; p++) {
        size_t plen = strlen(pass_prefixes[p]) - 1;
        bool in_table = false, any = false;
        for (size_t i = 0; i < cfg->nkeys && !in_table; i++)
            in_table = section_len(cfg->keys[i].name) == plen &&
                       strncmp(cfg->keys[i].name, pass_prefixes[p], plen) == 0;
        for (size_t i = 0; i < cfg->npass && !any; i++)
            any = strncmp(cfg->pass[i].key, pass_prefixes[p], plen + 1) == 0;
        if (in_table || !any)
            continue;
        fprintf(out, "%s[%.*s]\n", first ? "" : "\n", (int)plen, pass_prefixes[p]);
        first = false;
        print_pass_section(cfg, pass_prefixes[p], out);
    }
}

/* Markdown table cell text: '|' would end the cell. */
static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
}

/* roff text: `code` spans in bold, backslashes escaped, and a '.' or '\''
 * that would start a line protected so it is not read as a request. */
static void roff_text(FILE *out, const char *s)
{
    bool code = false, bol = true;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", out);
        bol = *s == '\n';
        if (*s == '`') {
            fputs(code ? "\\fR" : "\\fB", out);
            code = !code;
        } else if (*s == '\\') {
            fputs("\\e", out);
        } else {
            fputc(*s, out);
        }
    }
    if (code)
        fputs("\\fR", out);
}

void ms_doc_text(FILE *out, ms_doc_format fmt, const char *s)
{
    if (fmt == MS_DOC_MAN)
        roff_text(out, s);
    else
        md_cell(out, s);
}

/* A key's type with its bounds or choices, `code` spans as in Markdown. */
static void type_text(const ms_cfg_key *k, char *buf, size_t len)
{
    static const char *const tname[] = {
        [MS_CFG_STRING] = "string", [MS_CFG_INT] = "int", [MS_CFG_SIZE] = "size",
        [MS_CFG_BOOL] = "bool", [MS_CFG_DOUBLE] = "number", [MS_CFG_ENUM] = "enum",
    };
    size_t n = (size_t)snprintf(buf, len, "%s", tname[k->type]);
    if (k->type == MS_CFG_INT || k->type == MS_CFG_SIZE || k->type == MS_CFG_DOUBLE) {
        char lo[32], hi[32];
        bound_text(k, k->min, lo, sizeof lo);
        bound_text(k, k->max, hi, sizeof hi);
        snprintf(buf + n, len - n, " [%s, %s]", lo, hi);
    } else if (k->choices) { /* ENUM, or a STRING naming some of these */
        n += (size_t)snprintf(buf + n, len - n, "%s", k->type == MS_CFG_ENUM ? ":" : " of");
        for (const char *p = k->choices; *p && n < len;) {
            size_t plen = strcspn(p, "|");
            n += (size_t)snprintf(buf + n, len - n, "%s `%.*s`", p == k->choices ? "" : ",",
                                  (int)plen, p);
            p += plen + (p[plen] ? 1 : 0);
        }
    }
}

void ms_config_describe_keys(const ms_cfg_key *keys, size_t nkeys, ms_doc_format fmt,
                             FILE *out)
{
    if (fmt == MS_DOC_MARKDOWN) {
        fputs("| key | type | default | meaning |\n", out);
        fputs("| --- | --- | --- | --- |\n", out);
    }
    for (const ms_cfg_key *k = keys; k < keys + nkeys && k->name; k++) {
        char type[512];
        type_text(k, type, sizeof type);
        const char *help = k->help ? k->help : "";
        const char *secret = k->flags & MS_CFG_SECRET ? " Secret: masked when printed." : "";
        if (fmt == MS_DOC_MAN) {
            /* .TP: the key as the tag, then type, default and meaning. */
            fprintf(out, ".TP\n.B %s\n", k->name);
            roff_text(out, type);
            fputs("; default \\fB", out);
            roff_text(out, *k->def ? k->def : "\"\"");
            fputs("\\fR\n.br\n", out);
            roff_text(out, help);
            fprintf(out, "%s\n", secret);
            continue;
        }
        fprintf(out, "| `%s` | ", k->name);
        md_cell(out, type);
        fputs(" | ", out);
        if (*k->def) {
            fputs("`", out);
            md_cell(out, k->def);
            fputs("`", out);
        } else {
            fputs("`\"\"`", out);
        }
        fputs(" | ", out);
        md_cell(out, help);
        fprintf(out, "%s |\n", secret);
    }
}
