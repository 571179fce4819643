"""Contract tests of the moto seams IAM enforcement relies on (``serverless_patterns.local._moto``).

Each test fails loudly when a moto upgrade moves what a seam reads or replaces, instead of the
local cloud silently letting calls through.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from serverless_patterns.local import _moto

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _client(endpoint: str, service: str, key: str = "testing") -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key="testing",
    )


def test_the_request_guard_sees_every_request_and_can_answer_for_moto(moto: str) -> None:
    seen: list[str] = []

    def guard(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        seen.append(str(environ.get("HTTP_X_AMZ_TARGET", environ.get("PATH_INFO"))))
        if "ListTables" in seen[-1]:
            return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], b'{"__type": "Nope"}'
        return None

    _moto.install_request_guard(guard)
    try:
        _client(moto, "sqs").list_queues()
        with pytest.raises(Exception, match="Nope"):
            _client(moto, "dynamodb").list_tables()
    finally:
        _moto.uninstall_request_guard()
    assert any("ListQueues" in item for item in seen)
    _client(moto, "dynamodb").list_tables()  # uninstalled: moto answers again


def test_role_policies_reads_inline_and_managed_documents(moto: str) -> None:
    iam = _client(moto, "iam")
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    role = iam.create_role(RoleName="seam-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
    iam.put_role_policy(RoleName="seam-role", PolicyName="inline", PolicyDocument=json.dumps(inline))
    managed = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="managed", PolicyDocument=json.dumps(managed))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="seam-role", PolicyArn=arn)
    found = dict(_moto.role_policies(ACCOUNT, role["Arn"]))
    assert found["inline policy inline of role seam-role"]["Statement"][0]["Action"] == "sqs:SendMessage"
    assert found[f"managed policy {arn} of role seam-role"]["Statement"][0]["Action"] == "sns:Publish"
    assert _moto.role_trust_policy(ACCOUNT, role["Arn"])["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }


def test_queue_and_topic_policies_are_read_as_sqs_and_sns_keep_them(moto: str) -> None:
    sqs = _client(moto, "sqs")
    url = sqs.create_queue(QueueName="seam-queue")["QueueUrl"]
    assert _moto.queue_policy(ACCOUNT, REGION, "seam-queue") is None
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    assert json.loads(str(_moto.queue_policy(ACCOUNT, REGION, "seam-queue")))["Statement"][0]["Action"] == "sqs:*"
    sns = _client(moto, "sns")
    topic = sns.create_topic(Name="seam-topic")["TopicArn"]
    found = _moto.topic_policy(ACCOUNT, REGION, topic)
    assert found is not None and found[1]  # SNS's default policy
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    found = _moto.topic_policy(ACCOUNT, REGION, topic)
    assert found is not None and not found[1]


def test_secret_and_key_lookups_return_full_arns(moto: str) -> None:
    secret = _client(moto, "secretsmanager").create_secret(Name="seam-secret", SecretString="x")["ARN"]
    assert _moto.secret_arn(ACCOUNT, REGION, "seam-secret") == secret
    kms = _client(moto, "kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/seam", TargetKeyId=key["KeyId"])
    assert _moto.key_arn(ACCOUNT, REGION, "alias/seam") == key["Arn"]
    assert _moto.key_arn(ACCOUNT, REGION, "alias/none") is None


def test_the_step_functions_interpreter_creates_its_clients_through_the_replaced_function() -> None:
    minted: list[str] = []

    def mint(role: str) -> tuple[str, str, str]:
        minted.append(role)
        return "ASIALOCALSEAM0000000", "secret", "token"

    _moto.install_step_functions_credentials(mint)
    try:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import StateCredentials

        client = lambda_eval_utils.boto_client_for(
            region=REGION, service="lambda", state_credentials=StateCredentials(role_arn="arn:aws:iam::1:role/R")
        )
        assert client._request_signer._credentials.access_key == "ASIALOCALSEAM0000000"
        assert minted == ["arn:aws:iam::1:role/R"]
    finally:
        _moto.uninstall_step_functions_credentials()
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils as restored
    from moto.stepfunctions.parser.asl.utils import boto_client

    assert restored.boto_client_for is boto_client.boto_client_for


def test_stack_resolver_resolves_get_att_arns_as_moto_created_them(moto: str) -> None:
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "seam-stack-queue"}}},
    }
    cloudformation = _client(moto, "cloudformation")
    cloudformation.create_stack(StackName="SeamStack", TemplateBody=json.dumps(template))
    resolve = _moto.stack_resolver(ACCOUNT, REGION, "SeamStack")
    assert resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == f"arn:aws:sqs:{REGION}:{ACCOUNT}:seam-stack-queue"
    assert resolve({"Fn::Join": ["/", ["x", {"Ref": "AWS::Region"}]]}) == f"x/{REGION}"


def test_event_patterns_match_by_moto_s_delivery_matcher() -> None:
    # put_event reports the rules an event matches with the matcher moto's own delivery uses.
    event = {"source": "shop", "detail-type": "OrderPlaced", "detail": {"amount": 1500}}
    assert _moto.event_pattern_matches('{"source": ["shop"], "detail": {"amount": [{"numeric": [">", 1000]}]}}', event)
    assert not _moto.event_pattern_matches('{"source": ["shop"], "detail-type": ["OrderCancelled"]}', event)
