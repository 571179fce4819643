"""Which IAM actions on which resources a request authorizes, for requests boto3 really sends.

Each request is built and signed by a real boto3 client and captured before it leaves botocore (nothing is sent), then
read by ``parse_request`` as the local cloud's IAM guard reads it. Each test names the AWS page its answer follows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.utils import ArgumentGenerator

from serverless_patterns.local import actions
from serverless_patterns.local.actions import AwsRequest, parse_request

ENDPOINT = "http://127.0.0.1:5000"
ACCOUNT = "123456789012"
REGION = "us-east-1"


class RequestKeptError(Exception):
    """Raised in place of sending: the request was built and signed, and is kept."""


@dataclass(frozen=True)
class Sent:
    """A request as boto3 would put it on the wire."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


def client_keeping_requests(service: str, **config: Any) -> tuple[Any, list[Any]]:
    """A boto3 client of ``service`` that keeps each request it signs, in the list, instead of sending it."""
    client = boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}, **config),
    )
    kept: list[Any] = []

    def keep(request: Any, **_: Any) -> None:
        kept.append(request)
        raise RequestKeptError

    client.meta.events.register("before-send.*", keep)
    return client, kept


def send(service: str, call: Callable[[Any], object]) -> Sent:
    """Build and sign the request ``call`` makes with a boto3 client of ``service``, without sending it."""
    client, kept = client_keeping_requests(service)
    with pytest.raises(RequestKeptError):
        call(client)
    return _as_sent(kept[-1])


def _as_sent(request: Any) -> Sent:
    url = urlsplit(request.url)
    headers = {
        name: value.decode() if isinstance(value, bytes) else str(value) for name, value in request.headers.items()
    }
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    return Sent(request.method, url.path or "/", url.query, headers, body or b"")


def parse(service: str, call: Callable[[Any], object], **options: Any) -> AwsRequest:
    sent = send(service, call)
    request = parse_request(sent.method, sent.path, sent.query, sent.headers, sent.body, **options)
    assert request is not None
    return request


def checks(request: AwsRequest) -> list[tuple[str, str]]:
    return [(check.action, check.resource) for check in request.authorizations]


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


# -- DynamoDB: https://docs.aws.amazon.com/service-authorization/latest/reference/list_dynamodb.html ---------
def test_dynamodb_put_item_is_authorized_on_the_table() -> None:
    request = parse("dynamodb", lambda client: client.put_item(TableName="Orders", Item={"pk": {"S": "1"}}))
    assert (request.service, request.operation, request.access_key_id, request.region) == (
        "dynamodb",
        "PutItem",
        "AKIDEXAMPLE",
        REGION,
    )
    assert checks(request) == [("dynamodb:PutItem", arn("dynamodb", "table/Orders"))]
    assert request.resource_known


def test_dynamodb_query_on_an_index_is_authorized_on_the_index() -> None:
    request = parse(
        "dynamodb",
        lambda client: client.query(
            TableName="Orders",
            IndexName="byCustomer",
            KeyConditionExpression="c = :c",
            ExpressionAttributeValues={":c": {"S": "x"}},
        ),
    )
    assert checks(request) == [("dynamodb:Query", arn("dynamodb", "table/Orders/index/byCustomer"))]


def test_dynamodb_batch_write_over_two_tables_is_authorized_on_each_table() -> None:
    items = {
        "Orders": [{"PutRequest": {"Item": {"pk": {"S": "1"}}}}],
        "Audit": [{"DeleteRequest": {"Key": {"pk": {"S": "2"}}}}],
    }
    request = parse("dynamodb", lambda client: client.batch_write_item(RequestItems=items))
    assert checks(request) == [
        ("dynamodb:BatchWriteItem", arn("dynamodb", "table/Orders")),
        ("dynamodb:BatchWriteItem", arn("dynamodb", "table/Audit")),
    ]


def test_dynamodb_transaction_is_authorized_as_each_underlying_action() -> None:
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
    key = {"pk": {"S": "1"}}
    items = [
        {"Put": {"TableName": "Orders", "Item": key}},
        {
            "Update": {
                "TableName": "Stock",
                "Key": key,
                "UpdateExpression": "SET n = :n",
                "ExpressionAttributeValues": {":n": {"N": "1"}},
            }
        },
        {"Delete": {"TableName": "Carts", "Key": key}},
        {"ConditionCheck": {"TableName": "Customers", "Key": key, "ConditionExpression": "attribute_exists(pk)"}},
    ]
    request = parse("dynamodb", lambda client: client.transact_write_items(TransactItems=items))
    assert checks(request) == [
        ("dynamodb:PutItem", arn("dynamodb", "table/Orders")),
        ("dynamodb:UpdateItem", arn("dynamodb", "table/Stock")),
        ("dynamodb:DeleteItem", arn("dynamodb", "table/Carts")),
        ("dynamodb:ConditionCheckItem", arn("dynamodb", "table/Customers")),
    ]
    assert request.authorizations[0].context == {"dynamodb:EnclosingOperation": "TransactWriteItems"}


def test_dynamodb_list_tables_has_no_resource() -> None:
    request = parse("dynamodb", lambda client: client.list_tables())
    assert checks(request) == [("dynamodb:ListTables", "*")]
    assert request.resource_known


# -- SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html
QUEUE_URL = f"{ENDPOINT}/{ACCOUNT}/orders"


def test_sqs_send_message_is_authorized_on_the_queue_of_the_url() -> None:
    request = parse("sqs", lambda client: client.send_message(QueueUrl=QUEUE_URL, MessageBody="hi"))
    assert checks(request) == [("sqs:SendMessage", arn("sqs", "orders"))]


def test_sqs_batches_are_authorized_as_their_single_action() -> None:
    send_batch = parse(
        "sqs", lambda client: client.send_message_batch(QueueUrl=QUEUE_URL, Entries=[{"Id": "1", "MessageBody": "a"}])
    )
    delete_batch = parse(
        "sqs",
        lambda client: client.delete_message_batch(QueueUrl=QUEUE_URL, Entries=[{"Id": "1", "ReceiptHandle": "r"}]),
    )
    assert checks(send_batch) == [("sqs:SendMessage", arn("sqs", "orders"))]
    assert checks(delete_batch) == [("sqs:DeleteMessage", arn("sqs", "orders"))]


def test_sqs_receive_message_is_authorized_on_the_queue_and_account_of_the_url() -> None:
    other_account = "https://sqs.us-east-1.amazonaws.com/210987654321/shared"
    request = parse("sqs", lambda client: client.receive_message(QueueUrl=other_account))
    assert checks(request) == [("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:210987654321:shared")]


def test_sqs_get_queue_url_is_authorized_on_the_named_queue() -> None:
    own = parse("sqs", lambda client: client.get_queue_url(QueueName="orders"))
    other = parse("sqs", lambda client: client.get_queue_url(QueueName="shared", QueueOwnerAWSAccountId="210987654321"))
    assert checks(own) == [("sqs:GetQueueUrl", arn("sqs", "orders"))]
    assert checks(other) == [("sqs:GetQueueUrl", "arn:aws:sqs:us-east-1:210987654321:shared")]


# -- SNS: https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html ("a batch version of Publish") ---------
TOPIC = arn("sns", "orders")


def test_sns_publish_and_publish_batch_are_sns_publish_on_the_topic() -> None:
    publish = parse("sns", lambda client: client.publish(TopicArn=TOPIC, Message="hi"))
    batch = parse(
        "sns",
        lambda client: client.publish_batch(TopicArn=TOPIC, PublishBatchRequestEntries=[{"Id": "1", "Message": "a"}]),
    )
    assert (publish.operation, batch.operation) == ("Publish", "PublishBatch")
    assert checks(publish) == checks(batch) == [("sns:Publish", TOPIC)]


def test_sns_create_topic_is_authorized_on_the_topic_it_names() -> None:
    request = parse("sns", lambda client: client.create_topic(Name="orders"))
    assert checks(request) == [("sns:CreateTopic", TOPIC)]


# -- EventBridge: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-example-policy-same-account.html
def test_events_put_events_is_authorized_on_each_bus_once() -> None:
    entries = [
        {"Source": "app", "DetailType": "t", "Detail": "{}"},
        {"Source": "app", "DetailType": "t", "Detail": "{}", "EventBusName": "orders"},
        {
            "Source": "app",
            "DetailType": "t",
            "Detail": "{}",
            "EventBusName": "arn:aws:events:eu-west-1:210987654321:event-bus/shared",
        },
        {"Source": "app", "DetailType": "t", "Detail": "{}", "EventBusName": "orders"},
    ]
    request = parse("events", lambda client: client.put_events(Entries=entries))
    assert checks(request) == [
        ("events:PutEvents", arn("events", "event-bus/default")),
        ("events:PutEvents", arn("events", "event-bus/orders")),
        ("events:PutEvents", "arn:aws:events:eu-west-1:210987654321:event-bus/shared"),
    ]


def test_events_rules_carry_their_bus_unless_it_is_the_default() -> None:
    # rule/[${EventBusName}/]${RuleName}: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html
    default = parse("events", lambda client: client.put_rule(Name="nightly", ScheduleExpression="rate(1 day)"))
    custom = parse(
        "events",
        lambda client: client.put_targets(Rule="paid", EventBusName="orders", Targets=[{"Id": "1", "Arn": TOPIC}]),
    )
    assert checks(default) == [("events:PutRule", arn("events", "rule/nightly"))]
    assert checks(custom) == [("events:PutTargets", arn("events", "rule/orders/paid"))]


# -- Step Functions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html ---
STATE_MACHINE = arn("states", "stateMachine:checkout")
EXECUTION = arn("states", "execution:checkout:run-1")


def test_states_start_execution_is_authorized_on_the_state_machine() -> None:
    request = parse("stepfunctions", lambda client: client.start_execution(stateMachineArn=STATE_MACHINE, input="{}"))
    assert (request.service, request.operation) == ("states", "StartExecution")
    assert checks(request) == [("states:StartExecution", STATE_MACHINE)]


def test_states_describe_execution_is_authorized_on_the_execution() -> None:
    request = parse("stepfunctions", lambda client: client.describe_execution(executionArn=EXECUTION))
    assert checks(request) == [("states:DescribeExecution", EXECUTION)]


def test_states_task_token_calls_fall_back_to_every_resource() -> None:
    # The token is opaque: the state machine it belongs to is not in the request.
    request = parse("stepfunctions", lambda client: client.send_task_success(taskToken="token", output="{}"))
    assert checks(request) == [("states:SendTaskSuccess", "*")]
    assert not request.resource_known


# -- Lambda: https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html ("requires permission for the
# lambda:InvokeFunction action") and https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
FUNCTION = arn("lambda", "function:checkout")


@pytest.mark.parametrize(
    ("name", "qualifier", "resource"),
    [
        ("checkout", None, FUNCTION),
        (FUNCTION, None, FUNCTION),
        (f"{ACCOUNT}:function:checkout", None, FUNCTION),
        ("checkout", "live", f"{FUNCTION}:live"),
        ("checkout:3", None, f"{FUNCTION}:3"),
        (
            "arn:aws:lambda:eu-west-1:210987654321:function:shared",
            None,
            "arn:aws:lambda:eu-west-1:210987654321:function:shared",
        ),
    ],
)
def test_lambda_invoke_is_invoke_function_on_the_function_or_its_version(
    name: str, qualifier: str | None, resource: str
) -> None:
    extra = {"Qualifier": qualifier} if qualifier else {}
    request = parse("lambda", lambda client: client.invoke(FunctionName=name, Payload=b"{}", **extra))
    assert request.operation == "Invoke"
    assert checks(request) == [("lambda:InvokeFunction", resource)]


def test_lambda_asynchronous_invoke_is_still_invoke_function() -> None:
    request = parse(
        "lambda", lambda client: client.invoke(FunctionName="checkout", InvocationType="Event", Payload=b"{}")
    )
    assert checks(request) == [("lambda:InvokeFunction", FUNCTION)]


def test_lambda_get_function_configuration_is_authorized_on_the_function() -> None:
    request = parse("lambda", lambda client: client.get_function_configuration(FunctionName="checkout"))
    assert checks(request) == [("lambda:GetFunctionConfiguration", FUNCTION)]


# -- S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html ------------------
def test_s3_put_and_get_object_are_authorized_on_the_object() -> None:
    put = parse("s3", lambda client: client.put_object(Bucket="media", Key="a b/c.txt", Body=b"x"))
    get = parse("s3", lambda client: client.get_object(Bucket="media", Key="a b/c.txt"))
    assert checks(put) == [("s3:PutObject", "arn:aws:s3:::media/a b/c.txt")]
    assert checks(get) == [("s3:GetObject", "arn:aws:s3:::media/a b/c.txt")]


def test_s3_get_object_of_a_version_is_get_object_version() -> None:
    request = parse("s3", lambda client: client.get_object(Bucket="media", Key="k", VersionId="v1"))
    assert checks(request) == [("s3:GetObjectVersion", "arn:aws:s3:::media/k")]


def test_s3_list_objects_v2_is_list_bucket_on_the_bucket_with_its_prefix() -> None:
    # "You must have permission to perform the s3:ListBucket action":
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
    request = parse("s3", lambda client: client.list_objects_v2(Bucket="media", Prefix="2025/"))
    assert request.operation == "ListObjectsV2"
    assert checks(request) == [("s3:ListBucket", "arn:aws:s3:::media")]
    assert request.authorizations[0].context == {"s3:prefix": "2025/"}


def test_s3_head_object_is_get_object() -> None:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html: "you must have the s3:GetObject permission"
    request = parse("s3", lambda client: client.head_object(Bucket="media", Key="k"))
    assert (request.operation, checks(request)) == ("HeadObject", [("s3:GetObject", "arn:aws:s3:::media/k")])


def test_s3_delete_objects_is_delete_object_on_each_key() -> None:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
    delete = {"Objects": [{"Key": "a"}, {"Key": "b&c"}, {"Key": "d", "VersionId": "v1"}]}
    request = parse("s3", lambda client: client.delete_objects(Bucket="media", Delete=delete))
    assert checks(request) == [
        ("s3:DeleteObject", "arn:aws:s3:::media/a"),
        ("s3:DeleteObject", "arn:aws:s3:::media/b&c"),
        ("s3:DeleteObjectVersion", "arn:aws:s3:::media/d"),
    ]


def test_s3_copy_object_reads_the_source_and_writes_the_destination() -> None:
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
    request = parse(
        "s3", lambda client: client.copy_object(Bucket="media", Key="b", CopySource={"Bucket": "raw", "Key": "a 1"})
    )
    assert checks(request) == [("s3:PutObject", "arn:aws:s3:::media/b"), ("s3:GetObject", "arn:aws:s3:::raw/a 1")]


def test_s3_multipart_parts_are_put_object() -> None:
    request = parse(
        "s3", lambda client: client.upload_part(Bucket="media", Key="big", UploadId="u1", PartNumber=1, Body=b"x")
    )
    assert (request.operation, checks(request)) == ("UploadPart", [("s3:PutObject", "arn:aws:s3:::media/big")])


def test_s3_list_buckets_has_no_resource() -> None:
    request = parse("s3", lambda client: client.list_buckets())
    assert checks(request) == [("s3:ListAllMyBuckets", "*")]


def test_s3_virtual_host_requests_take_the_bucket_from_the_host() -> None:
    sent = send("s3", lambda client: client.get_object(Bucket="media", Key="k"))
    request = parse_request("GET", "/k", "", {**sent.headers, "Host": "media.localhost:5000"}, b"")
    assert request is not None
    assert checks(request) == [("s3:GetObject", "arn:aws:s3:::media/k")]


# -- KMS: https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html ---------------------------
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


class Backend:
    """A name lookup as the backend answers it."""

    def secret_arn(self, secret_id: str, region: str) -> str | None:
        return f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{secret_id}-AbCdEf" if secret_id == "db" else None

    def key_arn(self, key_id: str, region: str) -> str | None:
        return f"arn:aws:kms:{region}:{ACCOUNT}:key/{KEY_ID}" if key_id in ("alias/app", KEY_ID) else None


def test_kms_decrypt_with_a_key_id_is_authorized_on_the_key() -> None:
    request = parse("kms", lambda client: client.decrypt(CiphertextBlob=b"blob", KeyId=KEY_ID))
    assert checks(request) == [("kms:Decrypt", arn("kms", f"key/{KEY_ID}"))]
    assert request.resource_known


def test_kms_decrypt_without_a_key_falls_back_to_every_resource() -> None:
    request = parse("kms", lambda client: client.decrypt(CiphertextBlob=b"blob"))
    assert (checks(request), request.resource_known) == ([("kms:Decrypt", "*")], False)


def test_kms_alias_is_authorized_on_the_key_it_names() -> None:
    call = lambda client: client.generate_data_key(KeyId="alias/app", KeySpec="AES_256")  # noqa: E731
    guessed = parse("kms", call)
    looked_up = parse("kms", call, lookup=Backend())
    assert (checks(guessed), guessed.resource_known) == ([("kms:GenerateDataKey", arn("kms", "alias/app"))], False)
    assert (checks(looked_up), looked_up.resource_known) == (
        [("kms:GenerateDataKey", arn("kms", f"key/{KEY_ID}"))],
        True,
    )


# -- Secrets Manager: a secret's ARN is "the name of the secret followed by six random characters",
# https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/secretsmanager/aws.sdk.kotlin.services.secretsmanager.model/-create-secret-response/arn.html
def test_secrets_manager_get_secret_value_needs_the_lookup_for_the_full_arn() -> None:
    guessed = parse("secretsmanager", lambda client: client.get_secret_value(SecretId="db"))
    looked_up = parse("secretsmanager", lambda client: client.get_secret_value(SecretId="db"), lookup=Backend())
    assert (checks(guessed), guessed.resource_known) == (
        [("secretsmanager:GetSecretValue", arn("secretsmanager", "secret:db"))],
        False,
    )
    assert checks(looked_up) == [("secretsmanager:GetSecretValue", arn("secretsmanager", "secret:db-AbCdEf"))]
    assert looked_up.resource_known


# -- SSM: the ARN drops the name's leading slash, as aws-cdk builds it (https://github.com/aws/aws-cdk/commit/e26a36c);
# "name:label" and "name:version" select a version (GetParameter's Name, in botocore's copy of the API reference)
def test_ssm_get_parameter_drops_the_leading_slash_in_the_arn() -> None:
    request = parse("ssm", lambda client: client.get_parameter(Name="/app/db/url", WithDecryption=True))
    assert checks(request) == [("ssm:GetParameter", arn("ssm", "parameter/app/db/url"))]


def test_ssm_get_parameters_by_path_is_authorized_on_the_path() -> None:
    request = parse("ssm", lambda client: client.get_parameters_by_path(Path="/app/"))
    assert checks(request) == [("ssm:GetParametersByPath", arn("ssm", "parameter/app/"))]


# -- CloudWatch Logs: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html
def test_logs_put_log_events_is_authorized_on_the_log_stream() -> None:
    request = parse(
        "logs",
        lambda client: client.put_log_events(
            logGroupName="/aws/lambda/checkout",
            logStreamName="2025/01/01",
            logEvents=[{"timestamp": 1, "message": "m"}],
        ),
    )
    assert checks(request) == [
        ("logs:PutLogEvents", arn("logs", "log-group:/aws/lambda/checkout:log-stream:2025/01/01"))
    ]


def test_logs_log_group_actions_are_authorized_on_the_group_with_its_trailing_star() -> None:
    request = parse(
        "logs", lambda client: client.put_retention_policy(logGroupName="/aws/lambda/checkout", retentionInDays=7)
    )
    assert checks(request) == [("logs:PutRetentionPolicy", arn("logs", "log-group:/aws/lambda/checkout:*"))]


# -- no resource-level permissions: each service's "Actions, resources, and condition keys" page -------------------
def test_cloudwatch_put_metric_data_signed_as_monitoring_has_no_resource() -> None:
    request = parse(
        "cloudwatch",
        lambda client: client.put_metric_data(Namespace="App", MetricData=[{"MetricName": "m", "Value": 1}]),
    )
    assert (request.service, request.operation) == ("cloudwatch", "PutMetricData")
    assert (checks(request), request.resource_known) == ([("cloudwatch:PutMetricData", "*")], True)


def test_xray_put_trace_segments_has_no_resource() -> None:
    request = parse("xray", lambda client: client.put_trace_segments(TraceSegmentDocuments=["{}"]))
    assert (request.operation, checks(request)) == ("PutTraceSegments", [("xray:PutTraceSegments", "*")])


def test_sts_get_caller_identity_needs_no_permission() -> None:
    # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html: "No permissions are required"
    request = parse("sts", lambda client: client.get_caller_identity())
    assert (request.operation, request.authorizations, request.resource_known) == ("GetCallerIdentity", (), True)


# -- what is not an API call, and what no rule knows ---------------------------------------------------------------
def test_moto_api_paths_are_not_api_calls() -> None:
    assert parse_request("POST", "/moto-api/reset", "", {}, b"") is None


def test_unsigned_requests_without_a_known_target_are_not_api_calls() -> None:
    assert parse_request("GET", "/health", "", {"Host": "127.0.0.1:5000"}, b"") is None


def test_an_unknown_service_falls_back_to_its_operation_on_every_resource() -> None:
    request = parse("kinesis", lambda client: client.put_record(StreamName="clicks", Data=b"x", PartitionKey="p"))
    assert (request.service, request.operation) == ("kinesis", "PutRecord")
    assert (checks(request), request.resource_known) == ([("kinesis:PutRecord", "*")], False)


def test_an_unknown_operation_is_every_action_of_the_service_on_every_resource() -> None:
    sent = send("lambda", lambda client: client.list_functions())
    request = parse_request("PATCH", "/no/such/route", "", sent.headers, b"")
    assert request is not None
    assert (request.operation, checks(request), request.resource_known) == ("", [("lambda:*", "*")], False)


# -- protocols boto3 does not use by default ---------------------------------------------------------------------
def test_sqs_query_protocol_of_older_sdks_reads_the_action_field() -> None:
    sent = send("sqs", lambda client: client.list_queues())
    body = f"Action=SendMessageBatch&QueueUrl={QUEUE_URL}&Version=2012-11-05".encode()
    headers = {name: value for name, value in sent.headers.items() if name.lower() != "x-amz-target"}
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = parse_request("POST", "/", "", headers, body)
    assert request is not None
    assert (request.operation, checks(request)) == ("SendMessageBatch", [("sqs:SendMessage", arn("sqs", "orders"))])


def test_smithy_rpc_v2_cbor_reads_the_operation_from_the_path() -> None:
    sent = send("cloudwatch", lambda client: client.list_metrics())
    headers = {name: value for name, value in sent.headers.items() if name.lower() != "x-amz-target"}
    path = "/service/GraniteServiceVersion20100801/operation/PutMetricData"
    request = parse_request("POST", path, "", {**headers, "Smithy-Protocol": "rpc-v2-cbor"}, b"\xa0")
    assert request is not None
    assert (request.operation, checks(request)) == ("PutMetricData", [("cloudwatch:PutMetricData", "*")])


def test_api_gateway_management_is_the_http_verb_on_the_path() -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/security_iam_service-with-iam.html
    request = parse("apigateway", lambda client: client.get_stage(restApiId="abc123", stageName="prod"))
    assert (request.operation, checks(request)) == (
        "GetStage",
        [("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/abc123/stages/prod")],
    )


def test_api_gateway_v2_management_drops_the_v2_of_the_path() -> None:
    request = parse("apigatewayv2", lambda client: client.delete_api(ApiId="abc123"))
    assert checks(request) == [("apigateway:DELETE", "arn:aws:apigateway:us-east-1::/apis/abc123")]


# -- the signature: a presigned URL carries its credential scope in X-Amz-Credential ---------------------------------
def test_a_presigned_url_gives_the_access_key_and_region_of_its_credential() -> None:
    client = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="eu-west-1",
        aws_access_key_id="AKIDPRESIGNED",
        aws_secret_access_key="secret",
        config=Config(signature_version="s3v4"),
    )
    url = urlsplit(client.generate_presigned_url("get_object", Params={"Bucket": "media", "Key": "k"}))
    request = parse_request("GET", url.path, url.query, {"Host": "127.0.0.1:5000"}, b"")
    assert request is not None
    assert (request.access_key_id, request.region, request.operation) == ("AKIDPRESIGNED", "eu-west-1", "GetObject")
    assert checks(request) == [("s3:GetObject", "arn:aws:s3:::media/k")]


def test_a_signature_version_2_presigned_url_gives_its_access_key() -> None:
    # boto3 still presigns S3 URLs with signature version 2 unless the client asks for s3v4.
    client = boto3.client(
        "s3", endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id="AKIDV2", aws_secret_access_key="secret"
    )
    url = urlsplit(client.generate_presigned_url("get_object", Params={"Bucket": "media", "Key": "k"}))
    request = parse_request("GET", url.path, url.query, {}, b"")
    assert request is not None
    assert (request.access_key_id, request.region, checks(request)) == (
        "AKIDV2",
        REGION,
        [("s3:GetObject", "arn:aws:s3:::media/k")],
    )


def test_header_names_are_read_in_any_case() -> None:
    sent = send("dynamodb", lambda client: client.get_item(TableName="Orders", Key={"pk": {"S": "1"}}))
    request = parse_request(
        sent.method, sent.path, sent.query, {name.upper(): value for name, value in sent.headers.items()}, sent.body
    )
    assert request is not None
    assert checks(request) == [("dynamodb:GetItem", arn("dynamodb", "table/Orders"))]


# -- the tables agree with AWS's own documentation, shipped in botocore's models ------------------------------------
def _documented_actions(prefix: str, model: str, operation: str) -> set[str]:
    documentation = botocore.session.get_session().get_service_model(model).operation_model(operation).documentation
    return set(re.findall(rf"{prefix}:[A-Z][A-Za-z]+", re.sub(r"<[^>]+>", "", documentation or "")))


@pytest.mark.parametrize(("prefix", "model"), [("s3", "s3"), ("lambda", "lambda"), ("sqs", "sqs"), ("sns", "sns")])
def test_renamed_actions_are_the_ones_the_api_reference_names(prefix: str, model: str) -> None:
    for operation, action in actions._ACTION_NAMES[prefix].items():
        documented = _documented_actions(prefix, model, operation)
        if documented:  # many operations' documentation names no action; those follow the pages cited in the table
            assert f"{prefix}:{action}" in documented, (operation, documented)


def test_target_prefixes_are_the_models_target_prefixes() -> None:
    session = botocore.session.get_session()
    for target, signing_name in actions._TARGET_PREFIXES.items():
        model_names = actions._SIGNING_NAMES.get(signing_name, (signing_name, (signing_name,)))[1]
        models = [session.get_service_model(name) for name in model_names]
        assert target in {model.metadata.get("targetPrefix") for model in models}, target


# Deprecated S3 operations share their successor's route and action: a request reads as the successor. Directory
# buckets are signed as s3express, a service of its own that moto does not serve and this module has no model for.
_READ_AS_ANOTHER = {
    "GetBucketLifecycle",
    "GetBucketNotification",
    "PutBucketLifecycle",
    "PutBucketNotification",
    "ListDirectoryBuckets",
}


@pytest.mark.parametrize(
    "service",
    [
        "s3",
        "lambda",
        "apigateway",
        "apigatewayv2",
        "xray",
        "sesv2",
        "sqs",
        "sns",
        "dynamodb",
        "stepfunctions",
        "events",
        "logs",
        "kms",
        "secretsmanager",
        "ssm",
        "cloudwatch",
        "iam",
        "cloudformation",
    ],
)
def test_every_operation_of_a_service_reads_back_as_itself(service: str) -> None:
    client, kept = client_keeping_requests(service, parameter_validation=False)
    model = client.meta.service_model
    read_back, skipped = {}, []
    for operation in model.operation_names:
        shape = model.operation_model(operation).input_shape
        placeholders = ArgumentGenerator(use_member_names=True).generate_skeleton(shape) if shape else {}
        try:
            getattr(client, xform_name(operation))(**placeholders)
        except RequestKeptError:
            sent = _as_sent(kept[-1])
        except Exception:  # placeholders botocore cannot serialize (blobs, checksums) say nothing of this module
            skipped.append(operation)
            continue
        request = parse_request(sent.method, sent.path, sent.query, sent.headers, sent.body)
        read_back[operation] = request.operation if request else None
    wrong = {operation: read for operation, read in read_back.items() if read != operation}
    assert set(wrong) <= _READ_AS_ANOTHER, wrong
    assert len(read_back) >= 0.7 * len(model.operation_names), skipped
