"""QueueProcessor: template assertions, validation rules, compliance and a snapshot."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from serverless_patterns import QueueProcessor, ServerlessFunction, ValidationError
from tests.constructs.stacks import ECHO, new_stack


@pytest.fixture(scope="module")
def default_stack() -> cdk.Stack:
    stack = new_stack()
    QueueProcessor(stack, "Orders", entry=ECHO)
    return stack


@pytest.fixture(scope="module")
def template(default_stack: cdk.Stack) -> Template:
    return Template.from_stack(default_stack)


def test_defines_queue_dlq_function_and_mapping(template: Template) -> None:
    template.resource_count_is("AWS::SQS::Queue", 2)
    template.resource_count_is("AWS::SQS::QueuePolicy", 2)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 1)


def test_queue_redrives_to_dlq_after_three_receives(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": [Match.string_like_regexp("OrdersDeadLetterQueue"), "Arn"]},
                "maxReceiveCount": 3,
            },
            "VisibilityTimeout": 60,
            "SqsManagedSseEnabled": True,
        },
    )


def test_dlq_keeps_messages_fourteen_days_and_both_queues_are_retained(template: Template) -> None:
    template.has_resource(
        "AWS::SQS::Queue",
        {
            "Properties": {"MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": True},
            "DeletionPolicy": "RetainExceptOnCreate",
        },
    )
    for queue in template.find_resources("AWS::SQS::Queue").values():
        assert queue["DeletionPolicy"] == "RetainExceptOnCreate"


def test_both_queues_deny_plain_http(template: Template) -> None:
    policies = template.find_resources(
        "AWS::SQS::QueuePolicy",
        {
            "Properties": {
                "PolicyDocument": {
                    "Statement": [
                        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
                    ]
                }
            }
        },
    )
    assert len(policies) == 2


def test_mapping_reports_batch_item_failures(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]},
    )


def test_function_may_only_consume_its_queue(template: Template) -> None:
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": [
                                "sqs:ReceiveMessage",
                                "sqs:ChangeMessageVisibility",
                                "sqs:GetQueueUrl",
                                "sqs:DeleteMessage",
                                "sqs:GetQueueAttributes",
                            ],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [Match.string_like_regexp("OrdersQueue"), "Arn"]},
                        }
                    ]
                )
            }
        },
    )


def test_default_is_compliant(default_stack: cdk.Stack, compliant) -> None:  # type: ignore[no-untyped-def]
    compliant(default_stack)


def test_default_snapshot(default_stack: cdk.Stack, template_snapshot) -> None:  # type: ignore[no-untyped-def]
    template_snapshot(default_stack)


def test_tuning_options_reach_the_template() -> None:
    stack = new_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    fn = ServerlessFunction(stack, "Worker", entry=ECHO, timeout=cdk.Duration.seconds(20))
    processor = QueueProcessor(
        stack,
        "Tuned",
        function=fn,
        batch_size=100,
        max_batching_window=cdk.Duration.seconds(5),
        max_concurrency=5,
        max_receive_count=5,
        encryption_key=key,
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 5, "ScalingConfig": {"MaximumConcurrency": 5}},
    )
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "VisibilityTimeout": 120,
            "RedrivePolicy": Match.object_like({"maxReceiveCount": 5}),
            "KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("Key"), "Arn"]},
        },
    )
    assert processor.function is fn


def test_grant_send_messages() -> None:
    stack = new_stack()
    processor = QueueProcessor(stack, "Orders", entry=ECHO)
    role = iam.Role(stack, "Producer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    processor.grant_send_messages(role)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("Producer")}],
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                            "Resource": {"Fn::GetAtt": [Match.string_like_regexp("OrdersQueue"), "Arn"]},
                        }
                    )
                ]
            },
        },
    )


def test_metrics_watch_the_dlq_and_the_queue_age() -> None:
    stack = new_stack()
    processor = QueueProcessor(stack, "Orders", entry=ECHO)
    assert processor.metric_dead_letter_messages().metric_name == "ApproximateNumberOfMessagesVisible"
    assert processor.metric_oldest_message_age().metric_name == "ApproximateAgeOfOldestMessage"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_receive_count": 0}, "max_receive_count must be between 1 and 1000, got 0"),
        ({"batch_size": 0}, "batch_size must be between 1 and 10000, got 0"),
        ({"batch_size": 50}, "batch_size over 10 needs a max_batching_window, got batch_size 50"),
        (
            {"max_batching_window": cdk.Duration.minutes(6)},
            "max_batching_window must be between 0 and 300 seconds, got 360",
        ),
        ({"max_concurrency": 1}, "max_concurrency must be between 2 and 1000, got 1"),
        (
            {"retention_period": cdk.Duration.days(15)},
            "retention_period must be between 60 and 1209600 seconds, got 1296000",
        ),
        (
            {"dead_letter_retention": cdk.Duration.seconds(10)},
            "dead_letter_retention must be between 60 and 1209600 seconds, got 10",
        ),
        (
            {"visibility_timeout": cdk.Duration.millis(60500)},
            "visibility_timeout must be a whole number of seconds, got 60.5",
        ),
        (
            {"visibility_timeout": cdk.Duration.seconds(30)},
            "visibility_timeout must be at least 6 times the function timeout (60 seconds), got 30",
        ),
    ],
)
def test_fails_when_an_option_is_out_of_range(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        QueueProcessor(new_stack(), "Bad", entry=ECHO, **options)  # type: ignore[arg-type]
    assert caught.value.construct_path == "Test/Bad"
    assert message in caught.value.problems


def test_fails_when_visibility_is_shorter_than_six_function_timeouts() -> None:
    stack = new_stack()
    fn = ServerlessFunction(stack, "Slow", entry=ECHO, timeout=cdk.Duration.minutes(5))
    with pytest.raises(ValidationError, match=r"at least 6 times the function timeout \(1800 seconds\), got 900"):
        QueueProcessor(stack, "Bad", function=fn, visibility_timeout=cdk.Duration.minutes(15))


def test_fails_when_neither_entry_nor_function_is_given() -> None:
    with pytest.raises(ValidationError, match="give entry"):
        QueueProcessor(new_stack(), "Bad")


def test_fails_when_entry_and_function_are_both_given() -> None:
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", entry=ECHO)
    with pytest.raises(ValidationError, match="entry and function cannot be combined"):
        QueueProcessor(stack, "Bad", entry=ECHO, function=fn)
