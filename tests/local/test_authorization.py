"""The guard in front of moto: a denied SDK call gets AWS's error in its service's protocol.

Each service answers AccessDenied in its own protocol; boto3 must parse the local answer into the
same ``ClientError`` code as AWS's (JSON protocols: ``AccessDeniedException``; SNS's query
protocol: ``AuthorizationError``; S3: ``AccessDenied``; SQS's JSON protocol with the query-compatible
code ``AccessDenied``), so that handler code that catches it behaves as in AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from serverless_patterns.local import _moto
from serverless_patterns.local.authorization import Authorization

ROLE = "arn:aws:iam::123456789012:role/Handler"
ALLOW_LIST_TABLES = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}],
}


@pytest.fixture
def guarded(moto: str) -> Iterator[tuple[str, Authorization]]:
    authorization = Authorization(
        identity_policies=lambda role: [("inline policy Test of role Handler", ALLOW_LIST_TABLES)]
    )
    _moto.install_request_guard(authorization.guard)
    try:
        yield moto, authorization
    finally:
        _moto.uninstall_request_guard()


def _as_role(endpoint: str, authorization: Authorization, service: str) -> Any:
    credentials = authorization.credentials_for(ROLE, "Fn")
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
    )


def _admin(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_an_allowed_call_reaches_moto(guarded: tuple[str, Authorization]) -> None:
    endpoint, authorization = guarded
    assert "TableNames" in _as_role(endpoint, authorization, "dynamodb").list_tables()
    assert authorization.denials == type(authorization.denials)(maxlen=authorization.denials.maxlen)


def test_dynamodb_answers_access_denied_exception_naming_principal_action_resource_and_why(
    guarded: tuple[str, Authorization],
) -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    endpoint, authorization = guarded
    with pytest.raises(ClientError) as error:
        _as_role(endpoint, authorization, "dynamodb").get_item(TableName="Orders", Key={"id": {"S": "1"}})
    assert _code(error) == "AccessDeniedException"
    message = str(error.value.response["Error"]["Message"])
    assert message == (
        "User: arn:aws:sts::123456789012:assumed-role/Handler/Fn is not authorized to perform: dynamodb:GetItem "
        "on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Orders "
        "because no identity-based policy allows the dynamodb:GetItem action"
    )
    [denial] = list(authorization.denials)
    assert (denial.action, denial.resource, denial.origin) == (
        "dynamodb:GetItem",
        "arn:aws:dynamodb:us-east-1:123456789012:table/Orders",
        "call",
    )


def test_sns_answers_authorization_error(guarded: tuple[str, Authorization]) -> None:
    # SNS's error for a refused call is AuthorizationError (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
    endpoint, authorization = guarded
    topic = _admin(endpoint, "sns").create_topic(Name="t")["TopicArn"]
    with pytest.raises(ClientError) as error:
        _as_role(endpoint, authorization, "sns").publish(TopicArn=topic, Message="m")
    assert _code(error) == "AuthorizationError"


def test_sqs_answers_access_denied(guarded: tuple[str, Authorization]) -> None:
    endpoint, authorization = guarded
    url = _admin(endpoint, "sqs").create_queue(QueueName="q")["QueueUrl"]
    with pytest.raises(ClientError) as error:
        _as_role(endpoint, authorization, "sqs").send_message(QueueUrl=url, MessageBody="m")
    assert _code(error) == "AccessDenied"


def test_lambda_answers_access_denied_exception(guarded: tuple[str, Authorization]) -> None:
    endpoint, authorization = guarded
    with pytest.raises(ClientError) as error:
        _as_role(endpoint, authorization, "lambda").invoke(FunctionName="f", Payload=json.dumps({}))
    assert _code(error) == "AccessDeniedException"
    assert "lambda:InvokeFunction" in str(error.value)


def test_s3_answers_access_denied(guarded: tuple[str, Authorization]) -> None:
    endpoint, authorization = guarded
    _admin(endpoint, "s3").create_bucket(Bucket="guarded-bucket")
    with pytest.raises(ClientError) as error:
        _as_role(endpoint, authorization, "s3").put_object(Bucket="guarded-bucket", Key="k", Body=b"x")
    assert _code(error) == "AccessDenied"


def test_a_queue_policy_naming_the_role_allows_what_its_identity_policies_do_not(
    guarded: tuple[str, Authorization],
) -> None:
    # Within one account a resource-based policy that names the principal is enough
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
    endpoint, authorization = guarded
    sqs = _admin(endpoint, "sqs")
    url = sqs.create_queue(QueueName="shared")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    statement = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sqs:SendMessage", "Resource": arn}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Statement": [statement]})})
    assert _as_role(endpoint, authorization, "sqs").send_message(QueueUrl=url, MessageBody="m")["MessageId"]


def test_enforcement_off_lets_every_call_through(guarded: tuple[str, Authorization]) -> None:
    endpoint, authorization = guarded
    authorization.enabled = False
    _admin(endpoint, "sqs").create_queue(QueueName="open")
    url = _admin(endpoint, "sqs").get_queue_url(QueueName="open")["QueueUrl"]
    assert _as_role(endpoint, authorization, "sqs").send_message(QueueUrl=url, MessageBody="m")["MessageId"]
    assert not authorization.denials


def test_a_send_to_a_queue_with_a_customer_managed_key_also_needs_the_key(guarded: tuple[str, Authorization]) -> None:
    # SQS calls KMS with the sender's identity: kms:GenerateDataKey on the queue's key
    # (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
    endpoint, authorization = guarded
    sqs = _admin(endpoint, "sqs")
    url = sqs.create_queue(QueueName="sealed")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    statement = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sqs:SendMessage", "Resource": arn}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Statement": [statement]})})
    key = "arn:aws:kms:us-east-1:123456789012:key/sealed"
    root = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    authorization.set_key_policy(key, "key policy of sealed", {"Statement": [root]})
    authorization.set_encryption_key(arn, key)
    with pytest.raises(ClientError) as error:
        _as_role(endpoint, authorization, "sqs").send_message(QueueUrl=url, MessageBody="m")
    assert _code(error) == "AccessDenied"
    assert f"kms:GenerateDataKey on resource: {key}" in str(error.value)
