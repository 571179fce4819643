"""SNS: filter policies on attributes and on the body, raw delivery, the envelope, Lambda's SNS event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs

from serverless_patterns.local.pytest_plugin import LocalApp
from tests.conformance.apps import deployed_from, function, recorded_by, records
from tests.conformance.conftest import behaviour

pytestmark = pytest.mark.e2e


def build_app(outdir: str) -> str:
    app = App(outdir=outdir)
    stack = Stack(app, "ConformanceSns")
    topic = sns.Topic(stack, "Topic")
    filtered = {
        "Attribute": {"kind": sns.SubscriptionFilter.string_filter(allowlist=["wanted"])},
        "Prefix": {"kind": sns.SubscriptionFilter.string_filter(match_prefixes=["ord"])},
        "Numeric": {"price": sns.SubscriptionFilter.numeric_filter(greater_than=10)},
    }
    for name, policy in filtered.items():
        topic.add_subscription(
            subscriptions.SqsSubscription(sqs.Queue(stack, name), raw_message_delivery=True, filter_policy=policy)
        )
    topic.add_subscription(
        subscriptions.SqsSubscription(
            sqs.Queue(stack, "Body"),
            raw_message_delivery=True,
            filter_policy_with_message_body={
                "kind": sns.FilterOrPolicy.filter(sns.SubscriptionFilter.string_filter(allowlist=["wanted"]))
            },
        )
    )
    topic.add_subscription(subscriptions.SqsSubscription(sqs.Queue(stack, "Raw"), raw_message_delivery=True))
    topic.add_subscription(subscriptions.SqsSubscription(sqs.Queue(stack, "Envelope")))
    recorder = function(stack, "Recorder", "recorder")
    recorded_by(stack, recorder)
    topic.add_subscription(subscriptions.LambdaSubscription(recorder))
    # Subscribed without the queue policy SqsSubscription adds: SNS may not send to it.
    unpolicied = sqs.Queue(stack, "Unpolicied")
    sns.CfnSubscription(
        stack, "UnpoliciedSubscription", topic_arn=topic.topic_arn, protocol="sqs", endpoint=unpolicied.queue_arn
    )
    app.synth()
    return outdir


local_cdk_out = deployed_from(build_app)


def _publish(app: LocalApp, message: str, subject: str | None = None, **attributes: tuple[str, str]) -> None:
    options: dict[str, Any] = {"Subject": subject} if subject else {}
    if attributes:
        options["MessageAttributes"] = {
            name: {"DataType": data_type, "StringValue": value} for name, (data_type, value) in attributes.items()
        }
    app.client("sns").publish(TopicArn=app.topic_arn("Topic"), Message=message, **options)


def _bodies(app: LocalApp, queue: str) -> list[str]:
    app.wait_until_idle()
    return [message["Body"] for message in app.receive_all(queue)]


# -- filter policies -------------------------------------------------------------------------
@behaviour("SNS", "a filter policy on message attributes delivers only matching messages")
def test_sns_attribute_filter_policy_delivers_only_matches(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html"""
    _publish(local_app, "attr-wanted", kind=("String", "wanted"))
    _publish(local_app, "attr-other", kind=("String", "other"))
    _publish(local_app, "attr-none")
    assert _bodies(local_app, "Attribute") == ["attr-wanted"]


@behaviour("SNS", "a prefix filter on an attribute")
def test_sns_prefix_filter_policy(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html"""
    _publish(local_app, "prefix-order", kind=("String", "order.created"))
    _publish(local_app, "prefix-bill", kind=("String", "bill.created"))
    assert _bodies(local_app, "Prefix") == ["prefix-order"]


@behaviour("SNS", "a numeric filter on a Number attribute")
def test_sns_numeric_filter_policy(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html"""
    _publish(local_app, "price-20", price=("Number", "20"))
    _publish(local_app, "price-5", price=("Number", "5"))
    assert _bodies(local_app, "Numeric") == ["price-20"]


@behaviour("SNS", "a filter policy with MessageBody scope filters on the JSON message body")
def test_sns_message_body_filter_policy_delivers_only_matches(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html"""
    wanted, other = json.dumps({"kind": "wanted", "n": 1}), json.dumps({"kind": "other", "n": 2})
    _publish(local_app, wanted)
    _publish(local_app, other)
    assert _bodies(local_app, "Body") == [wanted]


# -- delivery formats ------------------------------------------------------------------------
@behaviour("SNS", "raw message delivery sends the message itself to SQS")
def test_sns_raw_delivery_sends_the_message_itself(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html"""
    _publish(local_app, "raw-body", kind=("String", "x"))
    assert "raw-body" in _bodies(local_app, "Raw")


@behaviour("SNS", "without raw delivery SQS receives SNS's JSON envelope with the message and its attributes")
def test_sns_envelope_carries_message_and_attributes(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html"""
    _publish(local_app, "enveloped", subject="Hello", kind=("String", "x"))
    [envelope] = [json.loads(body) for body in _bodies(local_app, "Envelope") if '"enveloped"' in body]
    assert (envelope["Type"], envelope["Message"], envelope["Subject"]) == ("Notification", "enveloped", "Hello")
    assert envelope["TopicArn"] == local_app.topic_arn("Topic")
    assert envelope["MessageId"]
    assert envelope["Timestamp"]
    assert envelope["MessageAttributes"]["kind"] == {"Type": "String", "Value": "x"}


@behaviour("SNS", "a Lambda subscriber gets Records[].Sns with the message, subject and attributes")
def test_sns_lambda_event_shape(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html"""
    _publish(local_app, "to-lambda", subject="Subject", kind=("String", "x"))
    local_app.wait_until_idle()
    events = [event for event in records(local_app, "RecorderRecords", at_least=0) if "to-lambda" in json.dumps(event)]
    [record] = events[0]["Records"]
    assert (record["EventSource"], record["EventVersion"]) == ("aws:sns", "1.0")
    assert record["EventSubscriptionArn"].startswith(local_app.topic_arn("Topic") + ":")
    message = record["Sns"]
    assert (message["Type"], message["Message"], message["Subject"]) == ("Notification", "to-lambda", "Subject")
    assert message["TopicArn"] == local_app.topic_arn("Topic")
    assert message["MessageAttributes"]["kind"] == {"Type": "String", "Value": "x"}


# -- resource policies -----------------------------------------------------------------------
@behaviour("IAM", "SNS delivers to an SQS queue only when the queue policy allows sns.amazonaws.com")
def test_iam_sns_needs_the_queue_policy_to_deliver(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html"""
    _publish(local_app, "policy-check")
    assert any("policy-check" in body for body in _bodies(local_app, "Envelope"))  # delivered where allowed
    assert _bodies(local_app, "Unpolicied") == []
    refused = [denial for denial in local_app.denials() if denial.principal == "sns.amazonaws.com"]
    assert {denial.resource for denial in refused} == {local_app.queue_arn("Unpolicied")}
