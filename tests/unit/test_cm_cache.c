/* test_cm_cache.c -- the Comprehend Medical answer cache: keys depend on
 * both the operation and the text, the LRU hits and misses, evicts the
 * least recently used entries by bytes, replaces, refuses values larger
 * than itself, and is off at 0 bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stages/comprehend/cm_cache.h"

static void keys(void **state)
{
    (void)state;
    ms_cm_key a, b, c, d;
    ms_cm_key_of("DetectEntitiesV2", "aspirin 81 mg", 13, &a);
    ms_cm_key_of("DetectEntitiesV2", "aspirin 81 mg", 13, &b);
    ms_cm_key_of("InferRxNorm", "aspirin 81 mg", 13, &c);
    ms_cm_key_of("DetectEntitiesV2", "aspirin 81 mg.", 14, &d);
    assert_true(a.lo == b.lo && a.hi == b.hi);
    assert_false(a.lo == c.lo && a.hi == c.hi);
    assert_false(a.lo == d.lo && a.hi == d.hi);
    char hex[33];
    ms_cm_key_hex(&a, hex);
    assert_int_equal(strlen(hex), 32);
    assert_null(strstr(hex, "aspirin"));
}

static void key_n(int i, ms_cm_key *k)
{
    char t[32];
    snprintf(t, sizeof t, "text %d", i);
    ms_cm_key_of("DetectEntitiesV2", t, strlen(t), k);
}

static void hit_miss_evict(void **state)
{
    (void)state;
    /* Room for 4 entries of 100 bytes (+ overhead each). */
    size_t per = 100 + MS_CM_LRU_ENTRY_OVERHEAD;
    ms_cm_lru *c = ms_cm_lru_new(4 * per);
    assert_non_null(c);
    char val[100];
    ms_cm_key k[6];
    for (int i = 0; i < 6; i++)
        key_n(i, &k[i]);
    size_t len;
    assert_null(ms_cm_lru_get(c, &k[0], &len));
    for (int i = 0; i < 4; i++) {
        memset(val, 'a' + i, sizeof val);
        ms_cm_lru_put(c, &k[i], val, sizeof val);
    }
    const char *v = ms_cm_lru_get(c, &k[0], &len); /* 0 is now most recent */
    assert_non_null(v);
    assert_int_equal(len, 100);
    assert_int_equal(v[0], 'a');
    assert_int_equal(v[100], 0);
    memset(val, 'e', sizeof val);
    ms_cm_lru_put(c, &k[4], val, sizeof val);      /* evicts 1, the LRU */
    assert_null(ms_cm_lru_get(c, &k[1], &len));
    assert_non_null(ms_cm_lru_get(c, &k[0], &len));
    assert_non_null(ms_cm_lru_get(c, &k[2], &len));
    assert_non_null(ms_cm_lru_get(c, &k[4], &len));
    ms_cm_lru_stats st;
    ms_cm_lru_stats_get(c, &st);
    assert_int_equal(st.entries, 4);
    assert_int_equal(st.bytes, 4 * per);
    assert_int_equal(st.evictions, 1);
    /* A bigger value evicts as many as it needs (3 then 0: the oldest). */
    char big[250];
    memset(big, 'B', sizeof big);
    ms_cm_lru_put(c, &k[5], big, sizeof big);
    ms_cm_lru_stats_get(c, &st);
    assert_true(st.bytes <= 4 * per);
    assert_non_null(ms_cm_lru_get(c, &k[5], &len));
    assert_int_equal(len, 250);
    assert_null(ms_cm_lru_get(c, &k[3], &len));
    /* Replacing keeps one entry per key. */
    ms_cm_lru_put(c, &k[5], "x", 1);
    v = ms_cm_lru_get(c, &k[5], &len);
    assert_int_equal(len, 1);
    assert_int_equal(v[0], 'x');
    /* Larger than the whole cache: not kept, nothing else evicted. */
    ms_cm_lru_stats_get(c, &st);
    size_t before = st.entries;
    char huge[1000] = {0};
    ms_cm_key kh;
    key_n(99, &kh);
    ms_cm_lru_put(c, &kh, huge, sizeof huge);
    assert_null(ms_cm_lru_get(c, &kh, &len));
    ms_cm_lru_stats_get(c, &st);
    assert_int_equal(st.entries, before);
    ms_cm_lru_free(c);
}

static void many_entries(void **state)
{
    (void)state;
    /* Enough to grow the table several times; bound held throughout. */
    ms_cm_lru *c = ms_cm_lru_new(1 << 20);
    ms_cm_key k;
    char val[200];
    memset(val, 'v', sizeof val);
    for (int i = 0; i < 20000; i++) {
        key_n(i, &k);
        ms_cm_lru_put(c, &k, val, sizeof val);
    }
    ms_cm_lru_stats st;
    ms_cm_lru_stats_get(c, &st);
    assert_true(st.bytes <= (size_t)1 << 20);
    assert_int_equal(st.entries, ((size_t)1 << 20) / (200 + MS_CM_LRU_ENTRY_OVERHEAD));
    size_t len;
    key_n(19999, &k);
    assert_non_null(ms_cm_lru_get(c, &k, &len)); /* the newest stay */
    key_n(0, &k);
    assert_null(ms_cm_lru_get(c, &k, &len));     /* the oldest went */
    ms_cm_lru_free(c);
    /* 0 bytes = off: NULL, and every call on NULL is a no-op/miss. */
    assert_null(ms_cm_lru_new(0));
    ms_cm_lru_put(NULL, &k, "x", 1);
    assert_null(ms_cm_lru_get(NULL, &k, &len));
}

/* The Redis tier's URL and keys (cm_redis_conf.c). */
static void redis_conf(void **state)
{
    (void)state;
    ms_cm_redis_conf c;
    char err[256];
    assert_int_equal(ms_cm_redis_conf_parse(&c, "redis://cache:6380/2", NULL, NULL, NULL, NULL,
                                            NULL, err, sizeof err), 0);
    assert_string_equal(c.host, "cache");
    assert_int_equal(c.port, 6380);
    assert_int_equal(c.db, 2);
    assert_false(c.tls);
    assert_string_equal(c.password, "");
    /* TLS, credentials percent-decoded, a password with '@' and ':' */
    assert_int_equal(ms_cm_redis_conf_parse(&c, "rediss://al%69ce:p%40ss:w@rd@10.0.0.5", NULL,
                                            NULL, "/ca.pem", "", "", err, sizeof err), 0);
    assert_true(c.tls);
    assert_string_equal(c.user, "alice");
    assert_string_equal(c.password, "p@ss:w@rd");
    assert_string_equal(c.host, "10.0.0.5");
    assert_int_equal(c.port, 6379);
    assert_string_equal(c.ca_file, "/ca.pem");
    /* keys replace the URL's credentials */
    assert_int_equal(ms_cm_redis_conf_parse(&c, "rediss://:old@h", "bob", "new", NULL, NULL,
                                            NULL, err, sizeof err), 0);
    assert_string_equal(c.user, "bob");
    assert_string_equal(c.password, "new");
    /* errors, none quoting the password */
    const char *bad[][2] = {
        {"http://h", "redis:// or rediss://"},
        {"redis://:s3cr%zzt@h", "bad password"},
        {"redis://h:0", "bad port"},
        {"redis://h/x", "bad database"},
        {"redis://bob@h", "needs a password"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ms_cm_redis_conf_parse(&c, bad[i][0], NULL, NULL, NULL, NULL, NULL,
                                                err, sizeof err), -1);
        assert_non_null(strstr(err, bad[i][1]));
        assert_null(strstr(err, "s3cr"));
    }
    assert_int_equal(ms_cm_redis_conf_parse(&c, "redis://h", NULL, NULL, "/ca.pem", NULL, NULL,
                                            err, sizeof err), -1);
    assert_non_null(strstr(err, "not rediss://"));
    assert_int_equal(ms_cm_redis_conf_parse(&c, "rediss://h", NULL, NULL, NULL, "/c.pem", NULL,
                                            err, sizeof err), -1);
    assert_non_null(strstr(err, "go together"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys),
        cmocka_unit_test(hit_miss_evict),
        cmocka_unit_test(many_entries),
        cmocka_unit_test(redis_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
