"""SQS: visibility timeout, redrive, message attributes, and Lambda's SQS event source (QueueProcessor)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack
from aws_cdk import aws_sqs as sqs

from serverless_patterns import QueueProcessor
from serverless_patterns.local.pytest_plugin import LocalApp
from tests.conformance.apps import HANDLERS, deployed_from, recorded_by, records
from tests.conformance.conftest import behaviour

pytestmark = pytest.mark.e2e

MAX_RECEIVE_COUNT = 2


def build_app(outdir: str) -> str:
    app = App(outdir=outdir)
    stack = Stack(app, "ConformanceSqs")
    processor = QueueProcessor(
        stack,
        "Orders",
        entry=str(HANDLERS / "batch"),
        batch_size=2,
        max_receive_count=MAX_RECEIVE_COUNT,
        removal_policy=RemovalPolicy.DESTROY,
    )
    recorded_by(stack, processor.function, sqs.Queue(stack, "Batches"))
    plain_dlq = sqs.Queue(stack, "PlainDlq")
    sqs.Queue(
        stack,
        "Plain",
        visibility_timeout=Duration.seconds(30),
        dead_letter_queue=sqs.DeadLetterQueue(queue=plain_dlq, max_receive_count=MAX_RECEIVE_COUNT),
    )
    app.synth()
    return outdir


local_cdk_out = deployed_from(build_app)


def _send_together(app: LocalApp, *bodies: str, **options: Any) -> None:
    """Send messages in one SendMessageBatch, so that the poller finds them together."""
    entries = [{"Id": str(index), "MessageBody": body, **options} for index, body in enumerate(bodies)]
    response = app.client("sqs").send_message_batch(QueueUrl=app.queue_url("Orders/Queue"), Entries=entries)
    assert not response.get("Failed"), response


def _batches(app: LocalApp) -> list[list[dict[str, Any]]]:
    """Every batch the handler received since the last call, once the queue is drained."""
    app.wait_until_idle()
    return records(app, "Batches", at_least=0, wait_seconds=0)


def _seen(batches: list[list[dict[str, Any]]], body: str) -> list[dict[str, Any]]:
    return [record for batch in batches for record in batch if record["body"] == body]


def _bodies(app: LocalApp, queue: str) -> list[str]:
    return [message["Body"] for message in app.receive_all(queue)]


# -- the Lambda event source -----------------------------------------------------------------
@behaviour("SQS", "Lambda receives SQS records with body, attributes, message attributes and source ARN")
def test_sqs_lambda_event_has_body_attributes_and_message_attributes(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html"""
    attributes = {"kind": {"DataType": "String", "StringValue": "order"}}
    local_app.send("Orders/Queue", "shape", MessageAttributes=attributes)
    [record] = _seen(_batches(local_app), "shape")
    assert (record["eventSource"], record["awsRegion"]) == ("aws:sqs", "us-east-1")
    assert record["eventSourceARN"] == local_app.queue_arn("Orders/Queue")
    assert record["messageId"]
    assert record["receiptHandle"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"]["stringValue"] == "order"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"


@behaviour("SQS", "an invocation receives at most BatchSize records")
def test_sqs_lambda_receives_at_most_batch_size_records(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html"""
    bodies = [f"size-{index}" for index in range(5)]
    _send_together(local_app, *bodies)
    batches = _batches(local_app)
    assert max(len(batch) for batch in batches) == 2
    assert sorted(record["body"] for batch in batches for record in batch) == bodies


@behaviour("SQS", "a successful batch is deleted from the queue")
def test_sqs_lambda_successful_batch_is_deleted(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html"""
    _send_together(local_app, "done-1", "done-2")
    batches = _batches(local_app)
    assert (len(_seen(batches, "done-1")), len(_seen(batches, "done-2"))) == (1, 1)
    assert _bodies(local_app, "Orders/Queue") == []


@behaviour("SQS", "with ReportBatchItemFailures only the records in batchItemFailures return to the queue")
def test_sqs_lambda_partial_batch_response_returns_only_failed_records(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html"""
    _send_together(local_app, "partial-ok", "partial-fail")
    batches = _batches(local_app)
    assert len(_seen(batches, "partial-ok")) == 1
    assert len(_seen(batches, "partial-fail")) == MAX_RECEIVE_COUNT
    assert "partial-fail" in _bodies(local_app, "Orders/DeadLetterQueue")


@behaviour("SQS", "a handler error returns every record of the batch to the queue")
def test_sqs_lambda_handler_error_returns_the_whole_batch(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html"""
    _send_together(local_app, "whole-raise", "whole-ok")
    batches = _batches(local_app)
    assert len(_seen(batches, "whole-ok")) >= 2  # failed with its batch, then succeeded
    assert len(_seen(batches, "whole-raise")) == MAX_RECEIVE_COUNT


@behaviour("SQS", "an itemIdentifier that is not in the batch fails the whole batch")
def test_sqs_lambda_invalid_partial_response_fails_the_whole_batch(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html"""
    _send_together(local_app, "badreply-invalid", "badreply-ok")
    batches = _batches(local_app)
    assert len(_seen(batches, "badreply-ok")) >= 2
    assert len(_seen(batches, "badreply-invalid")) == MAX_RECEIVE_COUNT


@behaviour("SQS", "a record failing maxReceiveCount times is moved to the dead-letter queue")
def test_sqs_lambda_record_failing_max_receive_count_times_goes_to_the_dlq(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html"""
    local_app.send("Orders/Queue", "redrive-fail")
    seen = _seen(_batches(local_app), "redrive-fail")
    assert [record["attributes"]["ApproximateReceiveCount"] for record in seen] == ["1", "2"]
    assert "redrive-fail" in _bodies(local_app, "Orders/DeadLetterQueue")


@behaviour(
    "SQS",
    "a failed record is received again only after the queue's visibility timeout",
    support="partial",
    reason="failed records return at once (failed_visibility_seconds=0), not after the visibility timeout",
)
def test_sqs_lambda_failed_record_returns_after_the_visibility_timeout(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html"""
    local_app.send("Orders/Queue", "again-fail")
    seen = _seen(_batches(local_app), "again-fail")
    assert len(seen) == MAX_RECEIVE_COUNT
    assert seen[0]["messageId"] == seen[1]["messageId"]


# -- the queue itself ------------------------------------------------------------------------
@behaviour("SQS", "a received message is hidden for the visibility timeout, then received again")
def test_sqs_message_returns_after_visibility_timeout_when_not_deleted(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html"""
    client, url = local_app.client("sqs"), local_app.queue_url("Plain")
    local_app.send("Plain", "hidden")
    first = client.receive_message(QueueUrl=url, VisibilityTimeout=1, AttributeNames=["All"])["Messages"]
    assert client.receive_message(QueueUrl=url).get("Messages") is None
    time.sleep(1.2)
    again = client.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    assert again[0]["MessageId"] == first[0]["MessageId"]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    client.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])


@behaviour("SQS", "ChangeMessageVisibility to 0 makes a received message visible at once")
def test_sqs_change_message_visibility_to_zero_makes_it_visible(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html"""
    client, url = local_app.client("sqs"), local_app.queue_url("Plain")
    local_app.send("Plain", "released")
    [message] = client.receive_message(QueueUrl=url)["Messages"]
    client.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    [again] = client.receive_message(QueueUrl=url)["Messages"]
    assert again["MessageId"] == message["MessageId"]
    client.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])


@behaviour("SQS", "a deleted message is not received again")
def test_sqs_deleted_message_is_not_received_again(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html"""
    client, url = local_app.client("sqs"), local_app.queue_url("Plain")
    local_app.send("Plain", "gone")
    [message] = client.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"]
    client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    time.sleep(1.2)
    assert client.receive_message(QueueUrl=url).get("Messages") is None


@behaviour("SQS", "a message received maxReceiveCount times moves to the dead-letter queue on the next receive")
def test_sqs_redrive_moves_a_message_to_the_dlq_after_max_receive_count(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html"""
    client, url = local_app.client("sqs"), local_app.queue_url("Plain")
    local_app.send("Plain", "poison")
    for _ in range(MAX_RECEIVE_COUNT):
        assert client.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"] == "poison"
    assert client.receive_message(QueueUrl=url).get("Messages") is None
    assert _bodies(local_app, "PlainDlq") == ["poison"]


@behaviour("SQS", "message attributes are returned with the message and an MD5 of them")
def test_sqs_message_attributes_round_trip(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html"""
    client, url = local_app.client("sqs"), local_app.queue_url("Plain")
    attributes = {
        "tenant": {"DataType": "String", "StringValue": "t1"},
        "size": {"DataType": "Number", "StringValue": "3"},
    }
    sent = client.send_message(QueueUrl=url, MessageBody="attributed", MessageAttributes=attributes)
    [message] = client.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
