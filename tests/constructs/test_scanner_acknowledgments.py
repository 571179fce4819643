"""One acknowledgment mechanism for cdk-nag, cfn-guard (Control Tower) and checkov; customer managed keys."""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template

from serverless_patterns import CrudApi, CrudRestApi, ServerlessFunction
from serverless_patterns._internal.compliance import acknowledge
from serverless_patterns._internal.keys import deny_grants_except_for_aws_services
from serverless_patterns._internal.queues import dead_letter_queue
from serverless_patterns.testing import acknowledgments, checkov_skips, guard_findings
from tests.constructs.stacks import ECHO, new_stack


def test_a_checkov_acknowledgment_is_written_into_the_resource_metadata_once() -> None:
    stack = new_stack()
    queue = sqs.Queue(stack, "Jobs")
    for _ in range(2):
        acknowledge(queue, "CKV_AWS_27", "Encrypted with SQS-managed keys, which this check does not see.")
    skips = checkov_skips(stack)
    assert list(skips.values()) == ["Encrypted with SQS-managed keys, which this check does not see."]
    assert next(iter(skips)).endswith(" CKV_AWS_27")


def test_guard_reports_a_control_and_honours_the_librarys_acknowledgment() -> None:
    stack = new_stack()
    sqs.Queue(stack, "Plain", enforce_ssl=True)
    dead_letter_queue(stack, "Dlq", holds="the failures of a test")
    findings = guard_findings(stack)
    # The plain queue has no DLQ and no encryption settings; the library's DLQ is acknowledged for the first.
    assert sorted((finding.rule, finding.location) for finding in findings) == [
        ("CT.SQS.PR.1", "Test/Plain/Resource"),
        ("CT.SQS.PR.2", "Test/Plain/Resource"),
    ]
    assert (
        acknowledgments(stack)["Test/Dlq CT.SQS.PR.1"]
        == "This queue is itself a dead-letter queue: it holds the failures of a test."
    )


def _key(stack: cdk.Stack) -> kms.Key:
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    deny_grants_except_for_aws_services(key)
    return key


def test_log_encryption_key_encrypts_the_log_group_and_lets_cloudwatch_logs_use_it(
    compliant: Callable[[cdk.Stack], None],
) -> None:
    stack = new_stack()
    key = _key(stack)
    fn = ServerlessFunction(stack, "Fn", entry=ECHO, log_encryption_key=key, log_retention=logs.RetentionDays.ONE_YEAR)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("LogKey"), "Arn"]}}
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowCloudWatchLogs",
                                "Principal": {
                                    "Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
                                },
                            }
                        )
                    ]
                )
            }
        },
    )
    # Neither tradeoff applies any more, so neither is acknowledged.
    log_group_rules = {key.split(" ")[1] for key in acknowledgments(fn.log_group)}
    assert log_group_rules.isdisjoint({"CT.CLOUDWATCH.PR.2", "CT.CLOUDWATCH.PR.3", "CKV_AWS_158"})
    compliant(stack)


def test_idempotency_table_and_logs_of_an_api_take_customer_managed_keys(
    compliant: Callable[[cdk.Stack], None],
) -> None:
    stack = new_stack()
    key = _key(stack)
    api = CrudRestApi(stack, "Api", encryption_key=key, log_encryption_key=key)
    CrudApi(stack, "Users", api=api, resource_name="users", schema={"type": "object"})
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"SSESpecification": Match.object_like({"SSEType": "KMS", "KMSMasterKeyId": Match.any_value()})},
    )
    assert len(template.find_resources("AWS::Logs::LogGroup", {"Properties": {"KmsKeyId": Match.any_value()}})) == 3
    write_policy = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    assert any(
        "kms:GenerateDataKey" in str(policy) and "WriteFunction" in name for name, policy in write_policy.items()
    )
    assert "CKV_AWS_119" not in " ".join(acknowledgments(api.idempotency_table))
    compliant(stack)
