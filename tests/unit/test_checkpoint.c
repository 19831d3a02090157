/* test_checkpoint.c -- the file checkpoint store (checkpoint.store = file):
 * nothing is written before a flush, a flush writes the documented
 * {"streams": {...}} document by rename (a new inode; no temporary file
 * left), an unchanged store does not rewrite, a reopen reads the positions
 * back (SHARD_END included), other streams in the same file are kept, a
 * failed flush keeps the positions pending for the next one, and a corrupt
 * file is refused at open (and left as it is); the file is written 0600 (or
 * checkpoint.mode) whatever the umask. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plugins.h"
#include "base/config.h"
#include "sources/checkpoint.h"
#include "testutil.h"

static char *tmp;

static ino_t inode_of(const char *p)
{
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    return st.st_ino;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* checkpoint.mode: 0600 by default under umask 022, a configured 0640 kept
 * under umask 077, a bad mode refused at open. */
static void file_mode_is_exact(void **state)
{
    (void)state;
    char err[256];
    mode_t old = umask(022);
    char *path = ms_test_path(tmp, "ckmode.json");
    ms_config *cfg = ms_config_new();
    char set[4200];
    snprintf(set, sizeof set, "checkpoint.path=%s", path);
    assert_int_equal(ms_config_set_arg(cfg, set, err, sizeof err), 0);
    ms_checkpoint *c = ms_checkpoint_open(cfg, "s", err, sizeof err);
    assert_non_null(c);
    assert_int_equal(ms_checkpoint_set(c, "shardId-0", "1"), 0);
    assert_int_equal(ms_checkpoint_flush(c), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    ms_checkpoint_free(c);

    umask(077);
    assert_int_equal(ms_config_set_arg(cfg, "checkpoint.mode=0640", err, sizeof err), 0);
    c = ms_checkpoint_open(cfg, "s", err, sizeof err);
    assert_non_null(c);
    assert_int_equal(ms_checkpoint_set(c, "shardId-0", "2"), 0);
    assert_int_equal(ms_checkpoint_flush(c), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    ms_checkpoint_free(c);

    assert_int_equal(ms_config_set_arg(cfg, "checkpoint.mode=644x", err, sizeof err), 0);
    assert_null(ms_checkpoint_open(cfg, "s", err, sizeof err));
    assert_non_null(strstr(err, "checkpoint.mode"));
    umask(old);
    ms_config_free(cfg);
    free(path);
}

static void write_flush_reload(void **state)
{
    (void)state;
    char err[256];
    char *path = ms_test_path(tmp, "ck1.json");
    ms_checkpoint *c = ms_checkpoint_file_open(path, "orders", err, sizeof err);
    assert_non_null(c);
    assert_null(ms_checkpoint_get(c, "shardId-0"));
    assert_int_equal(ms_checkpoint_set(c, "shardId-0", "4950001"), 0);
    assert_int_equal(ms_checkpoint_set(c, "shardId-1", MS_CHECKPOINT_SHARD_END), 0);
    assert_string_equal(ms_checkpoint_get(c, "shardId-0"), "4950001");
    assert_false(exists(path)); /* in memory until flush */
    assert_int_equal(ms_checkpoint_flush(c), 0);
    assert_true(exists(path));

    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    assert_non_null(j);
    json_t *shards = json_object_get(json_object_get(j, "streams"), "orders");
    assert_string_equal(json_string_value(json_object_get(shards, "shardId-0")), "4950001");
    assert_string_equal(json_string_value(json_object_get(shards, "shardId-1")), "SHARD_END");
    json_decref(j);
    char *tmpfile = ms_test_path(tmp, "ck1.json.tmp");
    assert_false(exists(tmpfile));

    /* nothing changed (same value set again): no rewrite */
    ino_t ino = inode_of(path);
    assert_int_equal(ms_checkpoint_set(c, "shardId-0", "4950001"), 0);
    assert_int_equal(ms_checkpoint_flush(c), 0);
    assert_int_equal(inode_of(path), ino);
    /* a change is written to a new file renamed over the old one */
    assert_int_equal(ms_checkpoint_set(c, "shardId-0", "4950009"), 0);
    assert_int_equal(ms_checkpoint_flush(c), 0);
    assert_int_not_equal(inode_of(path), ino);
    assert_false(exists(tmpfile));
    ms_checkpoint_free(c);

    c = ms_checkpoint_file_open(path, "orders", err, sizeof err);
    assert_non_null(c);
    assert_string_equal(ms_checkpoint_get(c, "shardId-0"), "4950009");
    assert_string_equal(ms_checkpoint_get(c, "shardId-1"), MS_CHECKPOINT_SHARD_END);
    assert_null(ms_checkpoint_get(c, "shardId-2"));
    ms_checkpoint_free(c);
    free(tmpfile);
    free(path);
}

static void streams_share_a_file(void **state)
{
    (void)state;
    char err[256];
    char *path = ms_test_path(tmp, "ck2.json");
    const char *doc = "{\"streams\": {\"other\": {\"s-9\": \"77\"}}, \"note\": \"kept\"}";
    assert_int_equal(ms_test_write_file(path, doc, strlen(doc)), 0);
    ms_checkpoint *c = ms_checkpoint_file_open(path, "mine", err, sizeof err);
    assert_non_null(c);
    assert_null(ms_checkpoint_get(c, "s-9")); /* another stream's shard */
    assert_int_equal(ms_checkpoint_set(c, "s-1", "5"), 0);
    assert_int_equal(ms_checkpoint_flush(c), 0);
    ms_checkpoint_free(c);

    c = ms_checkpoint_file_open(path, "other", err, sizeof err);
    assert_non_null(c);
    assert_string_equal(ms_checkpoint_get(c, "s-9"), "77");
    ms_checkpoint_free(c);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    assert_string_equal(json_string_value(json_object_get(j, "note")), "kept");
    json_decref(j);
    free(path);
}

static void failed_flush_stays_pending(void **state)
{
    (void)state;
    char err[256];
    char *dir = ms_test_path(tmp, "later");
    char *path = ms_test_path(dir, "ck.json");
    ms_checkpoint *c = ms_checkpoint_file_open(path, "s", err, sizeof err);
    assert_non_null(c);
    assert_int_equal(ms_checkpoint_set(c, "a", "1"), 0);
    assert_int_equal(ms_checkpoint_flush(c), -1); /* directory missing */
    assert_false(exists(path));
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(ms_checkpoint_flush(c), 0); /* the next flush writes it */
    ms_checkpoint_free(c);
    c = ms_checkpoint_file_open(path, "s", err, sizeof err);
    assert_non_null(c);
    assert_string_equal(ms_checkpoint_get(c, "a"), "1");
    ms_checkpoint_free(c);
    free(path);
    free(dir);
}

static void corrupt_file_is_refused(void **state)
{
    (void)state;
    char err[256];
    const char *bad[] = {"{\"streams\": {\"s\": {\"a\": \"1\"", "[1, 2]", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *path = ms_test_path(tmp, "bad.json");
        assert_int_equal(ms_test_write_file(path, bad[i], strlen(bad[i])), 0);
        err[0] = 0;
        assert_null(ms_checkpoint_file_open(path, "s", err, sizeof err));
        assert_non_null(strstr(err, "is not valid JSON"));
        /* left untouched for a person to look at */
        size_t n;
        char *still = ms_test_read_file(path, &n);
        assert_non_null(still);
        assert_int_equal(n, strlen(bad[i]));
        assert_memory_equal(still, bad[i], n);
        free(still);
        free(path);
    }
    /* a valid object without a usable "streams" starts empty */
    char *path = ms_test_path(tmp, "odd.json");
    assert_int_equal(ms_test_write_file(path, "{\"streams\": 5}", 14), 0);
    ms_checkpoint *c = ms_checkpoint_file_open(path, "s", err, sizeof err);
    assert_non_null(c);
    assert_null(ms_checkpoint_get(c, "a"));
    ms_checkpoint_free(c);
    free(path);

    assert_null(ms_checkpoint_file_open("", "s", err, sizeof err));
    assert_non_null(strstr(err, "checkpoint.path"));
}

static void open_by_config(void **state)
{
    (void)state;
    char err[256];
    char *path = ms_test_path(tmp, "ck3.json");
    ms_config *cfg = ms_config_new();
    assert_int_equal(ms_config_set(cfg, "checkpoint.store", "file", "t", err, sizeof err), 0);
    assert_int_equal(ms_config_set(cfg, "checkpoint.path", path, "t", err, sizeof err), 0);
    ms_checkpoint *c = ms_checkpoint_open(cfg, "s", err, sizeof err);
    assert_non_null(c);
    assert_string_equal(c->ops->name, "file");
    assert_int_equal(ms_checkpoint_set(c, "x", "9"), 0);
    assert_int_equal(ms_checkpoint_flush(c), 0);
    assert_true(exists(path));
    ms_checkpoint_free(c);
    ms_config_free(cfg);
    free(path);
}

static int setup(void **state)
{
    (void)state;
    tmp = ms_test_tmpdir("checkpoint");
    return tmp ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_test_rm_rf(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_mode_is_exact),
        cmocka_unit_test(write_flush_reload),
        cmocka_unit_test(streams_share_a_file),
        cmocka_unit_test(failed_flush_stays_pending),
        cmocka_unit_test(corrupt_file_is_refused),
        cmocka_unit_test(open_by_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
