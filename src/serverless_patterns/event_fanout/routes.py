"""Typed route and target descriptions for :class:`~serverless_patterns.event_fanout.EventFanout`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

# Imported for real, not under TYPE_CHECKING: the options are type-checked at runtime
# (``typed_options`` resolves these annotations, field by field).
from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns._internal import defaults

#: What a route can deliver to: a Lambda function (``ServerlessFunction`` included), an SQS
#: queue, an SNS topic or a Step Functions state machine; imported resources work too.
Destination: TypeAlias = lambda_.IFunction | sqs.IQueue | sns.ITopic | sfn.IStateMachine


@dataclass(frozen=True, kw_only=True)
class FanoutTarget:
    """One target of a route with options that override the route's.

    Parameters
    ----------
    destination
        The function (any ``lambda.IFunction``: a ``lambda.Function``, an alias, an imported function),
        queue, topic or state machine.
    retry_attempts
        Delivery retries by EventBridge, 0 to 185. Default: - the route's.
    max_event_age
        How long EventBridge keeps retrying, 60 seconds to 24 hours. Default: - the route's.
    message_group_id
        Message group of a FIFO queue target (required for FIFO queues). Default: - none.

    Examples
    --------
    >>> from aws_cdk import App, Duration, Stack, aws_sqs as sqs
    >>> stack = Stack(App(), "Docs")
    >>> audit = sqs.Queue(stack, "Audit")
    >>> target = FanoutTarget(destination=audit, retry_attempts=10, max_event_age=Duration.hours(12))
    >>> target.retry_attempts
    10
    """

    destination: Destination
    retry_attempts: int | None = None
    max_event_age: Duration | None = None
    message_group_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class FanoutRoute:
    """A filtered route: an EventBridge rule pattern and the targets that receive its events.

    Parameters
    ----------
    name
        The route's name, unique in its ``EventFanout``: letters, digits, ``-`` and ``_``, at most
        64 characters. It names the route's construct scope, so renaming it replaces the rule.
    event_pattern
        An ``events.EventPattern`` with at least one field; ``events.Match`` builds content
        filters (prefix, numeric ranges, exists, anything-but, ...).
    targets
        One or more destinations, each bare or wrapped in a :class:`FanoutTarget` to override
        the route's retry policy.
    retry_attempts
        Delivery retries by EventBridge for every target, 0 to 185. Default: 2.
    max_event_age
        How long EventBridge keeps retrying, 60 seconds to 24 hours. Default: 2 hours.
    description
        The rule's description. Default: - names the route and its fanout.

    Examples
    --------
    >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
    >>> stack = Stack(App(), "Docs")
    >>> route = FanoutRoute(
    ...     name="HighValue",
    ...     event_pattern=events.EventPattern(
    ...         source=["order.service"], detail={"amount": events.Match.greater_than(1000)}
    ...     ),
    ...     targets=[sqs.Queue(stack, "Review")],
    ... )
    >>> route.retry_attempts
    2
    """

    name: str
    event_pattern: events.EventPattern
    targets: Sequence[Destination | FanoutTarget]
    retry_attempts: int = defaults.EVENT_RETRY_ATTEMPTS
    max_event_age: Duration | None = None
    description: str | None = None
