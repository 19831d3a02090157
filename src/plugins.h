/* plugins.h -- the registry: every source, stage, sink and service medstream
 * can be built from (core/plugin.h), and what is derived from them: the
 * full configuration key table, the key reference, the lists `--help`
 * prints and the choices error messages name.
 *
 * The built-in plugins are listed in plugins.c, one line each. A program
 * (or a test) may register more with ms_plugins_register() before it
 * creates a configuration; registration is process-wide and permanent.
 * All functions are safe to call from any thread. */
#ifndef MS_PLUGINS_H
#define MS_PLUGINS_H

#include <stddef.h>
#include <stdio.h>

#include "base/config.h"
#include "core/plugin.h"

/* Add a plugin after the built-in ones (stages run in registration order,
 * so a registered stage runs after the built-in stages). The descriptor
 * must outlive the process. 0, or -1 with err set: the name is taken for
 * its kind, a key is declared twice, or the descriptor is malformed. */
int ms_plugins_register(const ms_plugin *p, char *err, size_t errlen);

/* The plugin of `kind` called `name`, or NULL. */
const ms_plugin *ms_plugins_find(ms_plugin_kind kind, const char *name);

/* Registered plugins, built-in first, in registration order: the i-th, or
 * NULL past the end. */
const ms_plugin *ms_plugins_at(size_t i);

/* "source", "stage", "sink", "service". */
const char *ms_plugin_kind_name(ms_plugin_kind kind);

/* The names of the plugins of `kind` (and `slot`, for stages; NULL = any)
 * joined by sep into buf, e.g. "file, s3, sns, kafka": the choices that
 * error messages name. Truncated to fit; always terminated. */
void ms_plugins_names(ms_plugin_kind kind, const char *slot, const char *sep, char *buf,
                      size_t len);

/* The full key table: the core keys (base/config_keys.c), the generated
 * `<slot>.engine` keys, then each plugin's keys and shared maps in
 * registration order. "@kind" in a key's choices is replaced by the names
 * of that kind's plugins. Terminated by name == NULL; valid for the life of
 * the process. */
const ms_cfg_key *ms_plugins_keys(void);

/* A configuration with every key of ms_plugins_keys() at its default. */
ms_config *ms_config_new(void);

/* The key reference as Markdown (docs/configuration.md): the core keys,
 * then one section per plugin with its description and keys. */
void ms_plugins_describe(FILE *out);
/* The same reference as Markdown or as roff (the KEYS of medstream.ini(5)). */
void ms_plugins_describe_as(FILE *out, ms_doc_format fmt);

/* One line per plugin, grouped by kind, for `medstream --help`. */
void ms_plugins_list(FILE *out);

#endif
