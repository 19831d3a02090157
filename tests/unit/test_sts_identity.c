/* test_sts_identity.c -- aws/sts_identity.h: the GetCallerIdentity request
 * and the parser of STS's XML answer, and the audit record's principal with
 * and without the identity (telemetry/audit.h, ms_audit_render_with). The
 * wire format itself is proven against boto3 in integration.audit_sts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>
#include <stdlib.h>

#include "aws/sts_identity.h"
#include "core/doc.h"
#include "telemetry/audit.h"

/* As STS sends it (namespace, newlines, ResponseMetadata). */
static const char answer[] =
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <GetCallerIdentityResult>\n"
    "    <Arn>arn:aws:sts::123456789012:assumed-role/medstream&amp;co/i-0abc</Arn>\n"
    "    <UserId>AROAEXAMPLE:i-0abc</UserId>\n"
    "    <Account>123456789012</Account>\n"
    "  </GetCallerIdentityResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</GetCallerIdentityResponse>\n";

static void parses_the_answer(void **state)
{
    (void)state;
    ms_aws_identity id;
    assert_int_equal(ms_sts_identity_parse(answer, strlen(answer), &id), 0);
    assert_string_equal(id.arn, "arn:aws:sts::123456789012:assumed-role/medstream&co/i-0abc");
    assert_string_equal(id.account, "123456789012");
    assert_string_equal(id.user_id, "AROAEXAMPLE:i-0abc");
}

static void refuses_what_is_not_an_identity(void **state)
{
    (void)state;
    ms_aws_identity id;
    static const char *const bad[] = {
        "",
        "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
        "<GetCallerIdentityResult><Account>1</Account></GetCallerIdentityResult>",
        "<GetCallerIdentityResult><Arn>arn:aws:iam::1:user/x</Arn></GetCallerIdentityResult>",
        "<GetCallerIdentityResult><Arn>not-an-arn</Arn><Account>1</Account>"
        "</GetCallerIdentityResult>",
        "<GetCallerIdentityResult><Arn>arn:aws:iam::1:user/x</Arn><Account>1</Account>",
        "<GetCallerIdentityResult><Arn>arn:&#120;</Arn><Account>1</Account>"
        "</GetCallerIdentityResult>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ms_sts_identity_parse(bad[i], strlen(bad[i]), &id), -1);
        assert_string_equal(id.arn, "");
    }
    /* Truncated inside the result: len bounds the search. */
    assert_int_equal(ms_sts_identity_parse(answer, 120, &id), -1);
    assert_int_equal(ms_sts_identity_parse(NULL, 0, &id), -1);
}

static void the_request(void **state)
{
    (void)state;
    ms_aws_request rq;
    ms_sts_identity_request(&rq);
    assert_string_equal(rq.service, "sts");
    assert_string_equal(rq.method, "POST");
    assert_null(rq.target);
    assert_null(rq.endpoint);
    assert_int_equal(rq.body_len, strlen("Action=GetCallerIdentity&Version=2011-06-15"));
    assert_memory_equal(rq.body, "Action=GetCallerIdentity&Version=2011-06-15", rq.body_len);
    assert_int_equal(rq.nheaders, 1);
    assert_string_equal(rq.headers[0].name, "Content-Type");
    assert_non_null(strstr(rq.headers[0].value, "application/x-www-form-urlencoded"));
}

static json_t *principal_of(const ms_doc *d, const ms_audit_identity *who)
{
    char *line = ms_audit_render_with(d, 1765084801123LL, 0, who);
    assert_non_null(line);
    json_t *r = json_loads(line, 0, NULL);
    free(line);
    assert_non_null(r);
    json_t *p = json_incref(json_object_get(r, "principal"));
    json_decref(r);
    return p;
}

static void record_principal(void **state)
{
    (void)state;
    ms_doc *d = ms_doc_new();
    ms_doc_set_id(d, "rep-1");
    /* off: access key ids only, as before */
    json_t *p = principal_of(d, NULL);
    assert_int_equal(json_object_size(p), 1);
    assert_non_null(json_object_get(p, "access_key_ids"));
    json_decref(p);
    /* on, learned */
    ms_audit_identity who = {.arn = "arn:aws:iam::1:user/x", .account = "1", .key_id = "AKIAX"};
    p = principal_of(d, &who);
    assert_string_equal(json_string_value(json_object_get(p, "arn")), "arn:aws:iam::1:user/x");
    assert_string_equal(json_string_value(json_object_get(p, "account")), "1");
    assert_string_equal(json_string_value(json_object_get(p, "identity_key_id")), "AKIAX");
    json_decref(p);
    /* on, not learned */
    ms_audit_identity none = {.arn = "", .account = "", .key_id = ""};
    p = principal_of(d, &none);
    assert_string_equal(json_string_value(json_object_get(p, "arn")), "unknown");
    assert_string_equal(json_string_value(json_object_get(p, "account")), "unknown");
    assert_true(json_is_null(json_object_get(p, "identity_key_id")));
    json_decref(p);
    ms_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_the_answer),
        cmocka_unit_test(refuses_what_is_not_an_identity),
        cmocka_unit_test(the_request),
        cmocka_unit_test(record_principal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
