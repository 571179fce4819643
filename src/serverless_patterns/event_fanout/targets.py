"""How an EventFanout delivers to a target: the rule target, its retry policy and where Lambda failures go."""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from serverless_patterns._internal import defaults
from serverless_patterns.event_fanout.routes import FanoutRoute, FanoutTarget
from serverless_patterns.function import ServerlessFunction


def kind_of(destination: object) -> str | None:
    """What kind of target ``destination`` is; jsii interfaces cannot be checked with isinstance."""
    if isinstance(destination, ServerlessFunction):
        return "serverless_function"
    for attribute, kind in (
        ("function_arn", "function"),
        ("queue_arn", "queue"),
        ("topic_arn", "topic"),
        ("state_machine_arn", "state_machine"),
    ):
        if hasattr(destination, attribute):
            return kind
    return None


def rule_target(
    fanout: Construct,
    route: FanoutRoute,
    target: FanoutTarget,
    dead_letter_queue: sqs.Queue,
    *,
    configure_function_failures: bool,
) -> events.IRuleTarget:
    """The ``IRuleTarget`` of ``target`` with the retry policy (the target's, else the route's) and the route's DLQ."""
    retry_attempts = target.retry_attempts if target.retry_attempts is not None else route.retry_attempts
    max_event_age = target.max_event_age or route.max_event_age or defaults.EVENT_MAX_AGE
    common: dict[str, Any] = {
        "dead_letter_queue": dead_letter_queue,
        "retry_attempts": retry_attempts,
        "max_event_age": max_event_age,
    }
    destination = target.destination
    kind = kind_of(destination)
    if kind in ("serverless_function", "function"):
        function: lambda_.IFunction = destination  # type: ignore[assignment]
        if isinstance(destination, ServerlessFunction):
            # Its alias (SnapStart, provisioned concurrency) is what should receive events.
            function = destination.alias or destination
        if configure_function_failures:
            send_function_failures(fanout, function, dead_letter_queue)
        return targets.LambdaFunction(function, **common)
    if kind == "queue":
        return targets.SqsQueue(destination, message_group_id=target.message_group_id, **common)  # type: ignore[arg-type]
    if kind == "topic":
        return targets.SnsTopic(destination, **common)  # type: ignore[arg-type]
    return targets.SfnStateMachine(destination, **common)  # type: ignore[arg-type]


def send_function_failures(fanout: Construct, function: lambda_.IFunction, dead_letter_queue: sqs.Queue) -> None:
    """Make the route's DLQ the function's asynchronous on-failure destination when nothing catches them."""
    configurable: lambda_.Function | lambda_.Alias | None = None
    if isinstance(function, (lambda_.Function, lambda_.Alias)) and Stack.of(function) is Stack.of(fanout):
        configurable = function
    if configurable is None:
        Annotations.of(fanout).add_warning_v2(
            "serverless-patterns:event-fanout-function-failures",
            f"{function.node.path}: EventFanout can configure only a Function or Alias defined in its own "
            "stack, so failures inside this function are not sent to a DLQ: give it an on-failure "
            "destination or a DLQ",
        )
        return
    underlying = configurable.version.lambda_ if isinstance(configurable, lambda_.Alias) else configurable
    if isinstance(underlying, lambda_.Function) and underlying.dead_letter_queue is not None:
        return  # the function's own DLQ already keeps its failed asynchronous events
    if configurable.node.try_find_child("EventInvokeConfig") is not None:
        return  # configured by the user or by an earlier route: leave that choice alone
    configurable.configure_async_invoke(on_failure=destinations.SqsDestination(dead_letter_queue))
    # Lambda checks at deploy time that the role may send to the destination.
    config = configurable.node.try_find_child("EventInvokeConfig")
    policy = configurable.role.node.try_find_child("DefaultPolicy") if configurable.role else None
    if config is not None and policy is not None:
        config.node.add_dependency(policy)
