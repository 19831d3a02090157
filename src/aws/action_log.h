/* action_log.h -- an opt-in record of the AWS actions this process calls.
 *
 * With MEDSTREAM_AWS_ACTION_LOG=FILE in the environment, the first call of
 * each action appends one line "service:Action" to FILE (created 0600),
 * e.g. "comprehendmedical:DetectEntitiesV2", "s3:PutObject",
 * "kafka-cluster:Connect". Only the service and the operation name are
 * written -- never a bucket, key, ARN or any payload. It is how the IAM
 * policies in deploy/aws/ are checked (tests/integration/test_deploy_aws.sh)
 * and how an operator learns what a new configuration needs (docs/aws.md).
 * Unset (the default): nothing is recorded and the cost is one test.
 *
 * Threading: any thread (a mutex guards the set of actions seen). */
#ifndef MS_AWS_ACTION_LOG_H
#define MS_AWS_ACTION_LOG_H

#include <stddef.h>

/* Record an action by name: service is the IAM prefix ("kafka-cluster"),
 * action the operation ("Connect"). */
void ms_aws_action_note(const char *service, const char *action);

/* Record the action a request performs, read from its wire form: the JSON
 * protocol's X-Amz-Target ("Kinesis_20131202.GetRecords" -> GetRecords),
 * the query protocol's Action parameter (SNS, CloudWatch; in the query
 * string or the form body), or for S3's REST protocol the method
 * (PUT -> PutObject, GET -> GetObject or ListObjectsV2 with list-type,
 * HEAD -> HeadObject, DELETE -> DeleteObject). */
void ms_aws_action_note_request(const char *service, const char *method, const char *query,
                                const char *target, const void *body, size_t body_len);

#endif
