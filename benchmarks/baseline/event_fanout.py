"""The article's EventDrivenStack, hand-written with aws-cdk-lib L2 constructs and scalable to N targets.

Translated from the reference article's TypeScript (``lib/event-driven-stack.ts``) with its choices
kept: a named custom bus, one DLQ (14 days) shared by every target of every rule, each Lambda
target with 2 retries and a 2-hour maximum event age, and a high-value rule (``amount > 1000``)
to an SNS alert topic. The only change: EventBridge accepts at most 5 targets per rule, so beyond
5 targets the order-placed rule is repeated (``order-placed-2``, ...), as a hand-writer must.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

MAX_TARGETS_PER_RULE = 5


def event_driven_stack(
    stack: cdk.Stack, handlers: Sequence[lambda_.IFunction], alert_topic: sns.ITopic, order_placed_rules: int = 1
) -> events.EventBus:
    """The article's bus, DLQ and rules, with ``handlers`` spread over ``order_placed_rules`` rules."""
    event_bus = events.EventBus(stack, "OrderEventBus", event_bus_name="order-events")
    dlq = sqs.Queue(stack, "EventsDLQ", queue_name="order-events-dlq", retention_period=cdk.Duration.days(14))

    groups = [list(handlers[number::order_placed_rules]) for number in range(order_placed_rules)]
    chunks = [
        group[i : i + MAX_TARGETS_PER_RULE] for group in groups for i in range(0, len(group), MAX_TARGETS_PER_RULE)
    ]
    for number, chunk in enumerate(chunks, start=1):
        suffix = "" if number == 1 else f"-{number}"
        rule = events.Rule(
            stack,
            f"OrderPlacedRule{suffix}",
            event_bus=event_bus,
            rule_name=f"order-placed{suffix}",
            description="Trigger wanneer nieuwe order geplaatst wordt",
            event_pattern=events.EventPattern(source=["order.service"], detail_type=["Order Placed"]),
        )
        for handler in chunk:
            rule.add_target(
                targets.LambdaFunction(
                    handler, dead_letter_queue=dlq, max_event_age=cdk.Duration.hours(2), retry_attempts=2
                )
            )

    high_value_rule = events.Rule(
        stack,
        "HighValueOrderRule",
        event_bus=event_bus,
        rule_name="high-value-order",
        description="Trigger voor orders boven €1000",
        event_pattern=events.EventPattern(
            source=["order.service"],
            detail_type=["Order Placed"],
            detail={"amount": events.Match.greater_than(1000)},
        ),
    )
    high_value_rule.add_target(targets.SnsTopic(alert_topic))

    cdk.CfnOutput(stack, "EventBusArn", value=event_bus.event_bus_arn, description="Order Event Bus ARN")
    return event_bus
