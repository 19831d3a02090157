/* testutil.h -- small helpers shared by the tests. */
#ifndef MS_TESTUTIL_H
#define MS_TESTUTIL_H

#include <stddef.h>
#include <stdbool.h>

struct ms_doc;
struct ms_nlp_engine;

/* Run the local engine over every chunk of d, as the extract stage does,
 * and attach the results (d->extract, freed by ms_doc_free; engine name
 * "local"). Aborts on out of memory or an engine error. */
void ms_test_extract_local(const struct ms_nlp_engine *e, struct ms_doc *d);

/* Exit code ctest treats as "skipped". */
#define MS_TEST_SKIP 77

/* Print why and exit 77 (skipped). */
void ms_test_skip(const char *why);

/* A new empty directory under $TMPDIR (removed by ms_test_rm_rf). */
char *ms_test_tmpdir(const char *tag);
int ms_test_rm_rf(const char *path);

/* ../shared beside the source tree ($MS_SHARED), or NULL when absent. */
const char *ms_test_shared_dir(void);

/* Whole file into a NUL-terminated buffer; NULL on error. */
char *ms_test_read_file(const char *path, size_t *len);
int ms_test_write_file(const char *path, const void *data, size_t len);

/* Number of regular files in dir whose name ends with suffix. */
int ms_test_count_files(const char *dir, const char *suffix);

/* Path join into a static-free malloc'd string. */
char *ms_test_path(const char *dir, const char *name);

/* Start a local protocol peer (argv[0] is run through PATH) that prints
 * "port N" (any case) on stdout once it listens; returns N and the child's pid, or -1
 * when it could not start. Stop it with ms_test_peer_stop. */
int ms_test_peer_start(char *const argv[], int *pid_out);
void ms_test_peer_stop(int pid);

/* system(3) on a printf-formatted command (stdout flushed first): the
 * command's exit status, or -1 when it did not exit normally. */
int ms_test_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* npm-install spec (package pkg) into <cwd>/npm-<name> once -- ctest runs
 * tests in the build's tests/ directory, so peers are installed there, never
 * in the source tree. Returns that prefix's node_modules directory
 * (malloc'd), or NULL after printing why (node or npm missing, registry
 * unreachable). */
char *ms_test_npm_install(const char *name, const char *pkg, const char *spec);

/* For tests against s3rver: skips (exit 77, reason printed) unless
 * Debian's python3 with boto3 and the s3rver npm package are available;
 * sets the environment to s3rver's credentials (HOME = tmp, no profile, no
 * endpoint overrides, us-east-1, no instance metadata). Returns s3rver's
 * node_modules directory (malloc'd, kept for the run). */
const char *ms_test_s3rver_setup(const char *tmp);

/* The bundled sample reports (the .txt files in examples/, as `make samples` renders
 * them) written as PDFs into dir; the generated PDFs are not in the
 * repository, so tests make their own. Needs MS_SRC and MS_MKPDF. */
int ms_test_make_samples(const char *dir);

/* Debian's python3 (with python3-botocore, boto3) or NULL when absent. */
const char *ms_test_system_python(void);

/* A TCP port on 127.0.0.1 free a moment ago (bound, read, released). */
int ms_test_free_port(void);
/* Something accepts connections on 127.0.0.1:port. */
bool ms_test_port_open(int port);
/* GET path from 127.0.0.1:port over HTTP/1.0: the body (malloc'd), or NULL. */
char *ms_test_http_get(int port, const char *path);

#endif
