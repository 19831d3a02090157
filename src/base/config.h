/* config.h -- INI configuration with defaults, ${ENV} expansion and
 * --set overrides.
 *
 * Every known key lives in one table (config_keys.c) with its type, default
 * and help text; that table is also what `check-config --describe` prints
 * and what docs/configuration.md is generated from. Keys under a
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

typedef struct ms_cfg_key {
    const char *name;        /* "section.key" */
    ms_cfg_type type;
    const char *def;         /* default, as text */
    double min, max;         /* INT, SIZE, DOUBLE bounds (inclusive) */
    const char *choices;     /* ENUM: "dir|kafka" */
    int flags;
    const char *help;
} ms_cfg_key;

typedef struct ms_config ms_config;

/* A config with every key at its default. */
ms_config *ms_config_new(void);
/* The same over another key table (tests); keys must outlive the config. */
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

/* Print the key reference as a Markdown table (docs/configuration.md). */
void ms_config_describe(FILE *out);

/* The key table, terminated by an entry with name == NULL. */
extern const ms_cfg_key ms_cfg_keys[];

#endif
