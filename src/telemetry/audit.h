/* audit.h -- the audit trail: one JSON line per report, separate from the
 * operational log, saying which report was processed, when, by whom and sent
 * where (docs/operations.md, "Audit trail").
 *
 * A record holds the report id, the SHA-256 of the input bytes, the source
 * position, the times the report was admitted and delivered, the extraction
 * engine, the AWS operations called (with Comprehend Medical's billed units),
 * the access key ids that signed them, every destination the sinks wrote
 * (doc->destinations), and the outcome with the dead-letter reason. Never
 * document text, never the envelope's patient object or metadata, never the
 * dead letter's free-text message.
 *
 * Guarantee: the engine appends a report's record before the tracker may
 * commit its position, and syncs the file (fdatasync) before every source
 * commit (engine.h, ms_engine_audit), so a committed position always has a
 * durable record. The engine batches commits behind one sync per loop
 * iteration; a report completed but not yet committed may have a record and
 * be redelivered after a crash, which then appends a second one.
 *
 * The service (`audit.type`, `audit.path`, `audit.mode`) opens the file when
 * the pipeline is built -- a path it cannot open fails the start -- and
 * hooks itself into the engine when it starts. Loop thread only. */
#ifndef MS_AUDIT_H
#define MS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/config.h"
#include "core/doc.h"

#define MS_AUDIT_SCHEMA "medstream.audit/v1"

/* One record for doc as a JSON line (ending in '\n'), malloc'd; NULL out of
 * memory. now_unix_ms and now_mono_ns are "now" on the wall and monotonic
 * clocks (the delivery time; the admission time is derived from
 * doc->admitted_ns). */
char *ms_audit_render(const ms_doc *doc, int64_t now_unix_ms, uint64_t now_mono_ns);

/* With audit.caller_identity on: the identity STS GetCallerIdentity
 * answered for the pipeline's credentials (aws/sts_identity.h). The record's
 * principal then also has "arn" and "account" ("unknown" when arn is NULL
 * or empty: not learned yet, or STS failed) and "identity_key_id" (the
 * access key id STS saw, null when unknown). */
typedef struct ms_audit_identity {
    const char *arn, *account, *key_id;
} ms_audit_identity;

/* ms_audit_render with the identity (NULL = caller identity off: the
 * principal has access_key_ids only). */
char *ms_audit_render_with(const ms_doc *doc, int64_t now_unix_ms, uint64_t now_mono_ns,
                           const ms_audit_identity *who);

/* Where records go, from audit.type and audit.path (docs/operations.md):
 * auto = a file when a file sink writes summaries or dead letters, else
 * stdout; the file is audit.path, or beside the summaries directory:
 * `<sink.file.dir>.audit.jsonl`. path receives the file's path (empty for
 * stdout and off). Returns 0, or -1 with err naming the key. */
typedef enum ms_audit_kind { MS_AUDIT_OFF, MS_AUDIT_FILE, MS_AUDIT_STDOUT } ms_audit_kind;
int ms_audit_target(const ms_config *cfg, ms_audit_kind *kind, char *path, size_t pathlen,
                    char *err, size_t errlen);

/* The record writer: appends whole lines with one write(2) each to a file
 * opened O_APPEND (created with mode exactly, base/filemode.h; a missing
 * parent directory is created 0700) or to fd 1, and syncs on demand. */
typedef struct ms_audit_writer ms_audit_writer;

/* path NULL = standard output. NULL with err on failure. */
ms_audit_writer *ms_audit_writer_open(const char *path, mode_t mode, char *err, size_t errlen);
/* 0, or -1 with errno (a short write counts as a failure). */
int ms_audit_writer_append(ms_audit_writer *w, const char *line, size_t len);
/* fdatasync when something was appended since the last sync; a pipe or a
 * terminal (stdout) cannot be synced and counts as synced. 0 or -1. */
int ms_audit_writer_sync(ms_audit_writer *w);
/* Records appended / syncs done (fdatasync calls), for tests. */
uint64_t ms_audit_writer_records(const ms_audit_writer *w);
uint64_t ms_audit_writer_syncs(const ms_audit_writer *w);
void ms_audit_writer_close(ms_audit_writer *w);

#endif
