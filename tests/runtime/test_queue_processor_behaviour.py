"""QueueProcessor behaviour on moto's server: one poison record in a batch loses nothing.

The queues are made with the redrive settings of the synthesized template, the handler is the
user-style Powertools BatchProcessor handler, and the harness plays the event source mapping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk.assertions import Template

from serverless_patterns import QueueProcessor
from tests.runtime.sqs_harness import drain, load_handler_module

HANDLER = Path(__file__).parent / "handlers" / "order_batch"


@pytest.fixture(scope="module")
def queue_properties() -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "Behaviour")
    QueueProcessor(stack, "Orders", entry=str(HANDLER))
    template = Template.from_stack(stack)
    queues = template.find_resources("AWS::SQS::Queue", {"Properties": {"RedrivePolicy": {}}})
    (main,) = queues.values()
    return dict(main["Properties"])


def test_poison_record_reaches_the_dlq_and_the_rest_are_processed_once(
    moto: str, queue_properties: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    max_receive_count = queue_properties["RedrivePolicy"]["maxReceiveCount"]
    assert max_receive_count == 3
    sqs = boto3.client("sqs")
    dynamodb = boto3.client("dynamodb")
    dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(
        QueueName="orders",
        Attributes={
            "VisibilityTimeout": str(queue_properties["VisibilityTimeout"]),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}),
        },
    )["QueueUrl"]
    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("ORDERS_TABLE", "orders")
    handler = load_handler_module(HANDLER).handler

    orders = [{"id": f"order-{n}"} for n in range(9)] + [{"id": "order-poison", "poison": True}]
    sqs.send_message_batch(
        QueueUrl=queue_url, Entries=[{"Id": str(n), "MessageBody": json.dumps(o)} for n, o in enumerate(orders)]
    )

    batches = drain(sqs, queue_url, handler)

    # The good records were written exactly once: a second delivery would have failed the
    # conditional put and sent the record back to the queue, and on to the DLQ.
    stored = sorted(item["id"]["S"] for item in dynamodb.scan(TableName="orders")["Items"])
    assert stored == [f"order-{n}" for n in range(9)]
    # The poison record was received max_receive_count times, alone after the first batch.
    assert batches == max_receive_count
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(message["Body"])["id"] for message in dead] == ["order-poison"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
