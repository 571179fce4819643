"""EventFanout next to the article's hand-written EventDrivenStack, at 1, 20 and 100 targets."""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from benchmarks.baseline import event_fanout as baseline
from benchmarks.common import markdown_table, ratio, resource_count, synth, synth_seconds
from serverless_patterns.event_fanout import EventFanout, FanoutRoute
from serverless_patterns.testing import nag_findings

TITLE = "EventFanout: routes with many targets"
ORDER_PLACED = events.EventPattern(source=["order.service"], detail_type=["Order Placed"])
HIGH_VALUE = events.EventPattern(
    source=["order.service"], detail_type=["Order Placed"], detail={"amount": events.Match.greater_than(1000)}
)
Build = Callable[[cdk.Stack], object]


def _targets(stack: cdk.Stack, count: int) -> tuple[list[lambda_.IFunction], sns.ITopic]:
    """The same user-defined targets for both sides: ``count`` functions and the alert topic."""
    scope = Construct(stack, "Targets")
    # One role for all handlers: with a role each, 100 Lambda targets of the library exceed
    # CloudFormation's 500 resources per stack (see the docs page).
    role = iam.Role(
        scope,
        "HandlerRole",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaBasicExecutionRole")],
    )
    functions: list[lambda_.IFunction] = [
        lambda_.Function(
            scope,
            f"Handler{number}",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
            timeout=cdk.Duration.seconds(30),
            role=role,
        )
        for number in range(count)
    ]
    return functions, sns.Topic(scope, "HighValueAlertTopic")


def ours(targets: int, routes: int = 1) -> Build:
    def build(stack: cdk.Stack) -> None:
        functions, topic = _targets(stack, targets)
        per_route = [functions[number::routes] for number in range(routes)]
        EventFanout(
            stack,
            "Orders",
            event_bus_name="order-events",
            routes=[
                *[
                    FanoutRoute(name=f"OrderPlaced{number}", event_pattern=ORDER_PLACED, targets=handlers)
                    for number, handlers in enumerate(per_route)
                ],
                FanoutRoute(name="HighValue", event_pattern=HIGH_VALUE, targets=[topic]),
            ],
        )

    return build


def theirs(targets: int, routes: int = 1) -> Build:
    def build(stack: cdk.Stack) -> None:
        functions, topic = _targets(stack, targets)
        baseline.event_driven_stack(stack, functions, topic, order_placed_rules=routes)

    return build


def _nag_errors(build: Build) -> int:
    """cdk-nag AwsSolutions findings on the routing infrastructure (the shared targets excluded)."""
    stack = cdk.Stack(cdk.App(), "Nag")
    build(stack)
    return len([f for f in nag_findings(stack) if not f.location.startswith("Nag/Targets/")])


def run() -> str:
    rows = []
    for count in (1, 20, 100):
        repeats = 3 if count == 100 else 5
        ours_seconds = synth_seconds(ours(count), repeats=repeats)
        theirs_seconds = synth_seconds(theirs(count), repeats=repeats)
        rows.append(
            [
                count,
                resource_count(synth(ours(count))),
                resource_count(synth(theirs(count))),
                _nag_errors(ours(count)),
                _nag_errors(theirs(count)),
                f"{ours_seconds * 1000:.0f} ms",
                f"{theirs_seconds * 1000:.0f} ms",
                ratio(ours_seconds, theirs_seconds),
            ]
        )
    table = markdown_table(
        [
            "targets",
            "resources (library)",
            "resources (hand-written)",
            "cdk-nag errors (library)",
            "cdk-nag errors (hand-written)",
            "synth (library)",
            "synth (hand-written)",
            "synth ratio",
        ],
        rows,
    )

    def delta(build: Callable[..., Build], **more: int) -> int:
        return resource_count(synth(build(**{"targets": 2, "routes": 1, **more}))) - resource_count(
            synth(build(targets=2, routes=1))
        )

    marginal = markdown_table(
        ["added", "resources (library)", "resources (hand-written)"],
        [
            ["a route (same targets, split over one more route)", delta(ours, routes=2), delta(theirs, routes=2)],
            ["a Lambda target (its own function: 1)", delta(ours, targets=3), delta(theirs, targets=3)],
        ],
    )
    return (
        f"{table}\n\n"
        "Both sides route to the same user-defined targets (N Python functions sharing one role on\n"
        "the order-placed route, the alert topic on the high-value route); cdk-nag counts exclude those\n"
        "targets, so the columns compare the routing infrastructure only. The hand-written side is the\n"
        "article's stack, with the order-placed rule repeated every 5 targets (EventBridge's limit per\n"
        "rule); its 2 findings are the shared DLQ's SQS3 and SQS4 (no TLS-only policy).\n\n"
        f"{marginal}\n\n"
        "What the library adds per route: its own DLQ (encrypted, TLS-only) with a resource policy that\n"
        "admits only that route's rules (`aws:SourceArn`); the article shares one DLQ across all rules\n"
        "and gives the SNS target neither DLQ nor retry policy. Per Lambda target: an\n"
        "`EventInvokeConfig` (and, once per execution role, a policy) that sends failures inside the\n"
        "function to the route's DLQ; in the article such an event is lost once Lambda has accepted it.\n"
    )
