/* test_aws_retry.c -- the standard retry mode: classification of responses
 * and transport errors, error-code parsing (JSON, header, XML), full-jitter
 * backoff, and retry-quota accounting against botocore's numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "aws/retry.h"

static ms_http_resp resp(long status, const char *body,
                         const ms_http_header *h, size_t nh) {
    ms_http_resp r = {0};
    r.err = MS_HTTP_OK;
    r.errmsg = "";
    r.status = status;
    r.body = body;
    r.body_len = strlen(body);
    r.headers = h;
    r.nheaders = nh;
    return r;
}

static void classify_statuses(void **state)
{
    (void)state;
    ms_aws_error e;
    ms_http_resp r = resp(200, "{}", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_SUCCESS);
    r = resp(204, "", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_SUCCESS);
    r = resp(429, "", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_THROTTLE);
    long transient[] = {500, 502, 503, 504};
    for (size_t i = 0; i < 4; i++) {
        r = resp(transient[i], "", NULL, 0);
        assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_TRANSIENT);
    }
    long final[] = {400, 401, 403, 404, 409, 413, 501, 505};
    for (size_t i = 0; i < 8; i++) {
        r = resp(final[i], "", NULL, 0);
        assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_FINAL);
        /* no code in the body: the status names the error */
        char want[16];
        snprintf(want, sizeof want, "HTTP%ld", final[i]);
        assert_string_equal(e.code, want);
    }
}

static void classify_json_codes(void **state)
{
    (void)state;
    ms_aws_error e;
    /* The throttle codes the issue names, as JSON 1.1 services send them. */
    const char *throttles[] = {"TooManyRequestsException", "ThrottlingException",
                               "Throttling", "ProvisionedThroughputExceededException",
                               "RequestLimitExceeded"};
    for (size_t i = 0; i < 5; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"__type\":\"com.amazonaws.svc#%s\",\"message\":\"slow down\"}",
                 throttles[i]);
        ms_http_resp r = resp(400, body, NULL, 0);
        assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_THROTTLE);
        assert_string_equal(e.code, throttles[i]);
        assert_string_equal(e.message, "slow down");
    }
    /* Validation errors are final, with the code and message kept. */
    ms_http_resp r = resp(400,
        "{\"__type\":\"InvalidRequestException\",\"Message\":\"bad text\"}", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_FINAL);
    assert_string_equal(e.code, "InvalidRequestException");
    assert_string_equal(e.message, "bad text");
    /* A transient code on a 4xx status is still transient. */
    r = resp(400, "{\"__type\":\"RequestTimeoutException\"}", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_TRANSIENT);
    /* Lower-case "code" (some JSON services). */
    r = resp(400, "{\"code\":\"ThrottlingException\"}", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_THROTTLE);
    /* A code the service invents tomorrow is final. */
    r = resp(400, "{\"__type\":\"NewKindOfException\"}", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_FINAL);
    assert_string_equal(e.code, "NewKindOfException");
    /* Garbage JSON: no code, status decides. */
    r = resp(400, "{\"__type\":", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_FINAL);
    assert_string_equal(e.code, "HTTP400");
}

static void classify_header_and_xml(void **state)
{
    (void)state;
    ms_aws_error e;
    ms_http_header h[] = {
        {"content-type", "application/json"},
        {"x-amzn-errortype", "ThrottlingException:http://internal.amazon.com/coral/"},
    };
    ms_http_resp r = resp(400, "{\"message\":\"Rate exceeded\"}", h, 2);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_THROTTLE);
    assert_string_equal(e.code, "ThrottlingException");
    assert_string_equal(e.message, "Rate exceeded");

    /* Query protocol (SNS, CloudWatch, STS). */
    r = resp(400,
        "<ErrorResponse xmlns=\"https://sns.amazonaws.com/doc/2010-03-31/\">\n"
        "  <Error><Type>Sender</Type><Code>Throttling</Code>\n"
        "  <Message>Rate exceeded</Message></Error>\n"
        "  <RequestId>9c2e</RequestId></ErrorResponse>", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_THROTTLE);
    assert_string_equal(e.code, "Throttling");
    assert_string_equal(e.message, "Rate exceeded");
    /* S3's REST-XML error. */
    r = resp(503, "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code>"
                  "<Message>Please reduce your request rate.</Message></Error>", NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_THROTTLE);
    assert_string_equal(e.code, "SlowDown");
    r = resp(403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
             NULL, 0);
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_FINAL);
    assert_string_equal(e.code, "AccessDenied");
}

static void classify_transport(void **state)
{
    (void)state;
    ms_aws_error e;
    ms_http_resp r = {0};
    r.errmsg = "Operation timed out";
    r.err = MS_HTTP_ETIMEDOUT;
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_TIMEOUT);
    r.err = MS_HTTP_ERESET;
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_TRANSIENT);
    r.err = MS_HTTP_ECONNECT;
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_TRANSIENT);
    r.err = MS_HTTP_ETLS;
    assert_int_equal(ms_aws_classify(&r, &e), MS_AWS_FINAL);
    r.err = MS_HTTP_ECANCELED;
    assert_int_equal(ms_aws_classify(&r, NULL), MS_AWS_FINAL);
}

static void backoff_full_jitter(void **state)
{
    (void)state;
    /* rand * 2^(attempt-1), capped at 20 s */
    assert_true(ms_retry_backoff_s(1, 20, 0.5) == 0.5);
    assert_true(ms_retry_backoff_s(2, 20, 0.5) == 1.0);
    assert_true(ms_retry_backoff_s(4, 20, 0.5) == 4.0);
    assert_true(ms_retry_backoff_s(5, 20, 0.99) == 0.99 * 16);
    assert_true(ms_retry_backoff_s(6, 20, 0.99) == 20.0);
    assert_true(ms_retry_backoff_s(500, 20, 0.99) == 20.0);
    assert_true(ms_retry_backoff_s(3, 20, 0.0) == 0.0);
    /* The generator stays in [0, 1) and is not constant. */
    double lo = 1, hi = 0;
    for (int i = 0; i < 10000; i++) {
        double x = ms_retry_rand01();
        assert_true(x >= 0 && x < 1);
        if (x < lo) lo = x;
        if (x > hi) hi = x;
    }
    assert_true(lo < 0.01 && hi > 0.99);
}

static void quota_accounting(void **state)
{
    (void)state;
    ms_retry_quota q;
    ms_retry_quota_init(&q, MS_RETRY_QUOTA_DEFAULT);
    ms_retry_policy p = {.max_attempts = 3, .max_backoff_s = 20, .quota = &q};
    double d;

    /* throttle, throttle, success: two retries of 5; the success refunds
     * the last one (botocore's release_retry_quota) */
    ms_retry_state s = {0};
    assert_int_equal(ms_retry_next(&p, &s, MS_AWS_THROTTLE, 0.5, &d), MS_RETRY_AGAIN);
    assert_true(d == 0.5);
    assert_int_equal(q.available, 495);
    assert_int_equal(ms_retry_next(&p, &s, MS_AWS_TRANSIENT, 0.5, &d), MS_RETRY_AGAIN);
    assert_true(d == 1.0);
    assert_int_equal(q.available, 490);
    assert_int_equal(ms_retry_next(&p, &s, MS_AWS_SUCCESS, 0.5, &d), MS_RETRY_DONE);
    assert_int_equal(q.available, 495);
    assert_int_equal(s.attempts, 3);

    /* a timeout costs 10 */
    s = (ms_retry_state){0};
    assert_int_equal(ms_retry_next(&p, &s, MS_AWS_TIMEOUT, 0.1, &d), MS_RETRY_AGAIN);
    assert_int_equal(q.available, 485);
    /* max attempts: the third failure is not retried and takes nothing */
    assert_int_equal(ms_retry_next(&p, &s, MS_AWS_TRANSIENT, 0.1, &d), MS_RETRY_AGAIN);
    assert_int_equal(q.available, 480);
    assert_int_equal(ms_retry_next(&p, &s, MS_AWS_TRANSIENT, 0.1, &d), MS_RETRY_EXHAUSTED);
    assert_int_equal(q.available, 480);

    /* a success without retries refunds 1, never above capacity */
    s = (ms_retry_state){0};
    assert_int_equal(ms_retry_next(&p, &s, MS_AWS_SUCCESS, 0.1, &d), MS_RETRY_DONE);
    assert_int_equal(q.available, 481);
    for (int i = 0; i < 100; i++) {
        s = (ms_retry_state){0};
        ms_retry_next(&p, &s, MS_AWS_SUCCESS, 0.1, &d);
    }
    assert_int_equal(q.available, 500);

    /* final errors neither retry nor touch the quota */
    s = (ms_retry_state){0};
    assert_int_equal(ms_retry_next(&p, &s, MS_AWS_FINAL, 0.1, &d), MS_RETRY_DONE);
    assert_int_equal(q.available, 500);

    /* drain: 100 retries of 5 empty it; the next retryable failure cannot
     * retry; one success refunds 5 and retries are possible again */
    for (int i = 0; i < 100; i++) {
        s = (ms_retry_state){0};
        assert_int_equal(ms_retry_next(&p, &s, MS_AWS_THROTTLE, 0.1, &d), MS_RETRY_AGAIN);
    }
    assert_int_equal(q.available, 0);
    ms_retry_state t = {0};
    assert_int_equal(ms_retry_next(&p, &t, MS_AWS_THROTTLE, 0.1, &d), MS_RETRY_NO_QUOTA);
    assert_int_equal(ms_retry_next(&p, &s, MS_AWS_SUCCESS, 0.1, &d), MS_RETRY_DONE);
    assert_int_equal(q.available, 5);
    t = (ms_retry_state){0};
    assert_int_equal(ms_retry_next(&p, &t, MS_AWS_TIMEOUT, 0.1, &d), MS_RETRY_NO_QUOTA);
    assert_int_equal(ms_retry_next(&p, &t, MS_AWS_THROTTLE, 0.1, &d), MS_RETRY_AGAIN);
    assert_int_equal(q.available, 0);

    /* without a quota only max_attempts limits */
    ms_retry_policy nq = {.max_attempts = 5, .max_backoff_s = 20, .quota = NULL};
    s = (ms_retry_state){0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(ms_retry_next(&nq, &s, MS_AWS_THROTTLE, 0.99, &d), MS_RETRY_AGAIN);
    assert_int_equal(ms_retry_next(&nq, &s, MS_AWS_THROTTLE, 0.99, &d), MS_RETRY_EXHAUSTED);
    /* max_attempts 1: never retry */
    ms_retry_policy one = {.max_attempts = 1, .max_backoff_s = 20, .quota = &q};
    s = (ms_retry_state){0};
    assert_int_equal(ms_retry_next(&one, &s, MS_AWS_THROTTLE, 0.5, &d), MS_RETRY_EXHAUSTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classify_statuses),
        cmocka_unit_test(classify_json_codes),
        cmocka_unit_test(classify_header_and_xml),
        cmocka_unit_test(classify_transport),
        cmocka_unit_test(backoff_full_jitter),
        cmocka_unit_test(quota_accounting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
