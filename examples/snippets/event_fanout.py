"""EventFanout: an EventBridge bus whose filtered routes deliver to many targets, a DLQ per route."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from serverless_patterns import EventFanout, FanoutRoute, FanoutTarget, ServerlessFunction

HANDLERS = Path(__file__).resolve().parent.parent / "order_system" / "handlers"


def build(stack: cdk.Stack) -> EventFanout:
    # --8<-- [start:usage]
    def function(id: str, handler: str) -> ServerlessFunction:
        return ServerlessFunction(
            stack,
            id,
            entry=str(HANDLERS),
            handler=f"orders.events.{handler}",
            environment={"WORKFLOW_TABLE": "order-workflow"},
        )

    send_email = function("SendOrderEmail", "send_email")
    notify_warehouse = function("NotifyWarehouse", "notify_warehouse")
    alert_key = kms.Key(stack, "AlertTopicKey", enable_key_rotation=True)
    alerts = sns.Topic(stack, "HighValueAlerts", master_key=alert_key, enforce_ssl=True)

    order_placed = events.EventPattern(source=["shop.orders"], detail_type=["OrderPlaced"])
    fanout = EventFanout(
        stack,
        "OrderEvents",
        archive=True,  # 7 days, for replay after a bug fix
        routes=[
            FanoutRoute(
                name="OrderPlaced",
                event_pattern=order_placed,
                targets=[
                    send_email,
                    # A per-target override of the route's retry policy.
                    FanoutTarget(
                        destination=notify_warehouse,
                        retry_attempts=10,
                        max_event_age=cdk.Duration.hours(6),
                    ),
                ],
            ),
            FanoutRoute(
                name="HighValueOrder",
                event_pattern=events.EventPattern(
                    source=["shop.orders"],
                    detail_type=["OrderPlaced"],
                    detail={"amount": events.Match.greater_than(1000)},
                ),
                targets=[alerts],
            ),
        ],
    )
    # --8<-- [end:usage]
    return fanout
