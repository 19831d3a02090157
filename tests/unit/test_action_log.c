/* test_action_log.c -- aws/action_log.h: MEDSTREAM_AWS_ACTION_LOG gets one
 * "service:Action" line per action, the first time only, read from the
 * request's wire form (JSON target, query Action in the query string or
 * the form body, S3 method), in a 0600 file, and never anything but
 * [A-Za-z0-9-] names: no bucket, key, ARN or payload byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/action_log.h"

static char g_path[256];

static char *read_log(void)
{
    FILE *f = fopen(g_path, "r");
    assert_non_null(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void records_each_action_once(void **state)
{
    (void)state;
    /* JSON protocol: the target's operation */
    ms_aws_action_note_request("kinesis", "POST", NULL, "Kinesis_20131202.GetRecords", "{}", 2);
    ms_aws_action_note_request("kinesis", "POST", NULL, "Kinesis_20131202.GetRecords", "{}", 2);
    /* query protocol, Action in the body after another parameter */
    const char *form = "Version=2010-03-31&Action=Publish&TopicArn=arn%3Aaws%3Asns%3Ax&Message=patient+text";
    ms_aws_action_note_request("sns", "POST", NULL, NULL, form, strlen(form));
    /* query protocol, Action in the query string */
    ms_aws_action_note_request("sts", "GET", "Action=GetCallerIdentity&Version=2011-06-15", NULL,
                               NULL, 0);
    /* S3 REST: the method */
    ms_aws_action_note_request("s3", "PUT", NULL, NULL, "summary", 7);
    ms_aws_action_note_request("s3", "GET", NULL, NULL, NULL, 0);
    ms_aws_action_note_request("s3", "GET", "list-type=2&prefix=x", NULL, NULL, 0);
    ms_aws_action_note_request("s3", "HEAD", NULL, NULL, NULL, 0);
    /* by name */
    ms_aws_action_note("kafka-cluster", "Connect");
    ms_aws_action_note("kafka-cluster", "Connect");
    /* nothing to name: not recorded */
    ms_aws_action_note_request("sns", "POST", NULL, NULL, "Message=x", 9);
    ms_aws_action_note_request("sns", "POST", NULL, NULL, NULL, 0);

    assert_string_equal(read_log(), "kinesis:GetRecords\n"
                                    "sns:Publish\n"
                                    "sts:GetCallerIdentity\n"
                                    "s3:PutObject\n"
                                    "s3:GetObject\n"
                                    "s3:ListObjectsV2\n"
                                    "s3:HeadObject\n"
                                    "kafka-cluster:Connect\n");
    struct stat st;
    assert_int_equal(stat(g_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void only_names_reach_the_file(void **state)
{
    (void)state;
    size_t before = strlen(read_log());
    /* A hostile or broken value is cut at its first non-name character. */
    const char *form = "Action=Publish%0Apatient:John&Message=x";
    ms_aws_action_note_request("sns", "POST", NULL, NULL, form, strlen(form));      /* seen */
    ms_aws_action_note_request("dynamodb", "POST", NULL, "X.Scan\nleaked text", NULL, 0);
    ms_aws_action_note("s3 bucket/key", "GetObject");   /* service cut to "s3": seen */
    ms_aws_action_note("kms", "");                       /* empty: nothing */
    const char *log = read_log() + before;
    assert_string_equal(log, "dynamodb:Scan\n");
    assert_null(strstr(read_log(), "leaked"));
    assert_null(strstr(read_log(), "John"));
}

int main(void)
{
    snprintf(g_path, sizeof g_path, "/tmp/ms-action-log-%ld", (long)getpid());
    unlink(g_path);
    setenv("MEDSTREAM_AWS_ACTION_LOG", g_path, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_each_action_once),
        cmocka_unit_test(only_names_reach_the_file),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(g_path);
    return rc;
}
