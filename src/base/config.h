/* config.h -- INI configuration with defaults, ${ENV} expansion and
 * --set overrides.
 *
 * Every known key lives in a key table with its type, default and help
 * text: the core table (config_keys.c) and one per plugin, merged by the
 * registry (plugins.h); the merged table is also what `check-config
 * --describe` prints and what docs/configuration.md is generated from. Keys under a
 * pass-through prefix (kafka.) are kept verbatim for librdkafka, with the
 * file and line they came from so its errors can name them. */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum ms_cfg_type {
    MS_CFG_STRING,
    MS_CFG_INT,      /* decimal integer within [min, max] */
    MS_CFG_SIZE,     /* bytes; accepts K, M, G suffixes (powers of 1024) */
    MS_CFG_BOOL,     /* true/false, yes/no, on/off, 1/0 */
    MS_CFG_DOUBLE,
    MS_CFG_ENUM      /* one of the '|'-separated values in choices */
} ms_cfg_type;

#define MS_CFG_SECRET 0x1  /* masked when printed */
/* Applied while running when SIGHUP reloads the file (docs/operations.md);
 * a changed key without it is logged as "needs restart" and left alone. */
#define MS_CFG_LIVE 0x2

typedef struct ms_cfg_key {
    const char *name;        /* "section.key" */
    ms_cfg_type type;
    const char *def;         /* default, as text */
    double min, max;         /* INT, SIZE, DOUBLE bounds (inclusive) */
    const char *choices;     /* ENUM: "dir|kafka"; "@source", "@sink", ... = the
                                names of that kind's plugins (plugins.h). A
                                STRING key may list its choices too (docs) */
    int flags;
    const char *help;
} ms_cfg_key;

/* Rows of a key table: name, default (as text), bounds, choices, help. */
#define MS_KEY_INT(n, d, lo, hi, h)   { n, MS_CFG_INT, d, lo, hi, NULL, 0, h }
#define MS_KEY_SIZE(n, d, lo, hi, h)  { n, MS_CFG_SIZE, d, lo, hi, NULL, 0, h }
#define MS_KEY_BOOL(n, d, h)          { n, MS_CFG_BOOL, d, 0, 0, NULL, 0, h }
#define MS_KEY_STR(n, d, h)           { n, MS_CFG_STRING, d, 0, 0, NULL, 0, h }
#define MS_KEY_LIST(n, d, c, h)       { n, MS_CFG_STRING, d, 0, 0, c, 0, h }  /* names from c */
#define MS_KEY_ENUM(n, d, c, h)       { n, MS_CFG_ENUM, d, 0, 0, c, 0, h }
#define MS_KEY_DBL(n, d, lo, hi, h)   { n, MS_CFG_DOUBLE, d, lo, hi, NULL, 0, h }
/* The same rows, changeable on SIGHUP (MS_CFG_LIVE). */
#define MS_KEY_INT_LIVE(n, d, lo, hi, h)  { n, MS_CFG_INT, d, lo, hi, NULL, MS_CFG_LIVE, h }
#define MS_KEY_ENUM_LIVE(n, d, c, h)      { n, MS_CFG_ENUM, d, 0, 0, c, MS_CFG_LIVE, h }
#define MS_KEY_DBL_LIVE(n, d, lo, hi, h)  { n, MS_CFG_DOUBLE, d, lo, hi, NULL, MS_CFG_LIVE, h }
#define MS_KIB 1024.0
#define MS_MIB (1024.0 * MS_KIB)
#define MS_GIB (1024.0 * MS_MIB)
#define MS_TIB (1024.0 * MS_GIB)

/* A configuration map several plugins read (e.g. the Kafka client's keys,
 * read by the kafka source and the kafka sink): documented once, under its
 * title. */
typedef struct ms_cfg_map {
    const char *title;
    const ms_cfg_key *keys;   /* terminated by an entry with name == NULL */
} ms_cfg_map;

typedef struct ms_config ms_config;

/* A config with every key of `keys` at its default; keys must outlive the
 * config. The full table (core keys and every plugin's) is the registry's:
 * ms_config_new() in plugins.h. */
ms_config *ms_config_new_table(const ms_cfg_key *keys);
void ms_config_free(ms_config *cfg);

/* Load an INI file. On error returns -1 and writes "FILE:LINE: what" to err. */
int ms_config_load_file(ms_config *cfg, const char *path, char *err, size_t errlen);

/* Apply one "section.key=value" override (from --set). Errors name the
 * override: "--set engine.workers=x: ...". */
int ms_config_set_arg(ms_config *cfg, const char *assignment, char *err, size_t errlen);

/* Set one key from code; origin is used in later error messages. */
int ms_config_set(ms_config *cfg, const char *key, const char *value,
                  const char *origin, char *err, size_t errlen);

const char *ms_config_str(const ms_config *cfg, const char *key);
int64_t ms_config_int(const ms_config *cfg, const char *key);   /* INT and SIZE */
bool ms_config_bool(const ms_config *cfg, const char *key);
double ms_config_double(const ms_config *cfg, const char *key);

/* Where a key's current value came from: "default", "FILE:LINE", "--set". */
const char *ms_config_origin(const ms_config *cfg, const char *key);

/* Pass-through keys (prefix "kafka."): calls cb for each, in the order set,
 * with the prefix stripped from the key. Stops and returns cb's value when
 * cb returns non-zero. */
typedef int (*ms_config_pass_cb)(const char *key, const char *value,
                                 const char *origin, void *ud);
int ms_config_foreach_pass(const ms_config *cfg, const char *prefix,
                           ms_config_pass_cb cb, void *ud);

/* Print the effective configuration as INI, secrets masked. */
void ms_config_print(const ms_config *cfg, FILE *out);

/* Output formats of the key reference: Markdown (docs/configuration.md)
 * or roff for the man page medstream.ini(5). */
typedef enum ms_doc_format { MS_DOC_MARKDOWN, MS_DOC_MAN } ms_doc_format;

/* Print nkeys keys (fewer if a NULL name comes first): key, type with
 * bounds or choices, default, meaning; a Markdown table, or one roff .TP
 * paragraph per key. */
void ms_config_describe_keys(const ms_cfg_key *keys, size_t nkeys, ms_doc_format fmt,
                             FILE *out);
/* Help text in the format: Markdown table-cell escaping, or roff with
 * `code` spans in bold. */
void ms_doc_text(FILE *out, ms_doc_format fmt, const char *s);

/* The core keys (config_keys.c): engine, logging, the choice of source and
 * sinks, AWS and TLS. Each plugin declares its own (core/plugin.h).
 * Terminated by an entry with name == NULL. */
extern const ms_cfg_key ms_cfg_core_keys[];

#endif
