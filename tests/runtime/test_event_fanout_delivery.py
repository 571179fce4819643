"""Behaviour against moto's server: the synthesized route pattern filters, the publisher delivers.

The rule's pattern is taken from EventFanout's synthesized template, so what is tested is what
would be deployed; events are sent with the library's publisher through the real AWS wire protocol.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from serverless_patterns.event_fanout import EventFanout, FanoutRoute
from serverless_patterns.runtime.event_publisher import Event, EventPublisher, publish


@pytest.fixture(scope="module")
def high_value_pattern() -> str:
    stack = cdk.Stack(cdk.App(), "Delivery")
    fanout = EventFanout(
        stack,
        "Orders",
        routes=[
            FanoutRoute(
                name="HighValue",
                event_pattern=events.EventPattern(
                    source=["order.service"],
                    detail_type=["Order Placed"],
                    detail={"amount": events.Match.greater_than(1000)},
                ),
                targets=[sqs.Queue(stack, "Review")],
            )
        ],
    )
    rule = fanout.rules["HighValue"][0]
    resources = Template.from_stack(stack).to_json()["Resources"]
    pattern = resources[stack.get_logical_id(rule.node.default_child)]["Properties"]["EventPattern"]
    return json.dumps(pattern)


def _bus_with_queue_target(bus_name: str, pattern: str) -> tuple[Any, str]:
    """A bus, a rule with ``pattern`` and an SQS target; returns the SQS client and the queue URL."""
    events_client = boto3.client("events")
    sqs_client = boto3.client("sqs")
    events_client.create_event_bus(Name=bus_name)
    queue_url = sqs_client.create_queue(QueueName=f"{bus_name}-target")["QueueUrl"]
    queue_arn = sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events_client.put_rule(Name=f"{bus_name}-rule", EventBusName=bus_name, EventPattern=pattern)
    events_client.put_targets(Rule=f"{bus_name}-rule", EventBusName=bus_name, Targets=[{"Id": "q", "Arn": queue_arn}])
    return sqs_client, queue_url


def _drain(sqs_client: Any, queue_url: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    while True:
        messages = sqs_client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        if not messages.get("Messages"):
            return bodies
        for message in messages["Messages"]:
            bodies.append(json.loads(message["Body"]))
            sqs_client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_amount_over_1000_routes_1500_and_not_1000_or_500(moto: str, high_value_pattern: str) -> None:
    sqs_client, queue_url = _bus_with_queue_target("order-events", high_value_pattern)
    publisher = EventPublisher(event_bus_name="order-events", validators={})
    ids = publisher.publish(
        [
            Event(
                source="order.service", detail_type="Order Placed", detail={"orderId": f"o-{amount}", "amount": amount}
            )
            for amount in (1500, 1000, 500)
        ]
    )
    assert len(ids) == 3
    delivered = _drain(sqs_client, queue_url)
    assert [body["detail"]["amount"] for body in delivered] == [1500]
    assert delivered[0]["detail-type"] == "Order Placed"
    assert delivered[0]["id"] == ids[0]


def test_publish_delivers_every_event_of_a_large_batch(moto: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The module-level ``publish`` a handler calls: default client, bus given per call."""
    from serverless_patterns.runtime.event_publisher import publisher as module

    monkeypatch.setattr(module, "_default", None)
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    sqs_client, queue_url = _bus_with_queue_target("audit-events", json.dumps({"source": ["audit"]}))
    ids = publish(
        [Event(source="audit", detail_type="Audited", detail={"sequence": number}) for number in range(25)],
        event_bus_name="audit-events",
    )
    assert len(set(ids)) == 25
    delivered = _drain(sqs_client, queue_url)
    assert sorted(body["detail"]["sequence"] for body in delivered) == list(range(25))
