"""EventFanout option validation: one test per rule, each naming the bad value and what is allowed."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs

from serverless_patterns import ValidationError
from serverless_patterns.event_fanout import EventFanout, FanoutRoute, FanoutTarget

PATTERN = events.EventPattern(source=["order.service"])


@pytest.fixture(scope="module")
def stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Validation")


@pytest.fixture(scope="module")
def queue(stack: cdk.Stack) -> sqs.Queue:
    return sqs.Queue(stack, "Queue")


_count = 0


def _problems(stack: cdk.Stack, **options: Any) -> list[str]:
    global _count  # noqa: PLW0603 - a fresh construct id per call in the shared stack
    _count += 1
    with pytest.raises(ValidationError) as raised:
        EventFanout(stack, f"Fanout{_count}", **options)
    assert raised.value.construct_path == f"Validation/Fanout{_count}"
    return list(raised.value.problems)


def _route(queue: sqs.IQueue, **overrides: Any) -> FanoutRoute:
    options: dict[str, Any] = {"name": "Orders", "event_pattern": PATTERN, "targets": [queue], **overrides}
    return FanoutRoute(**options)


def test_fails_at_synth_when_no_route_was_given_or_added() -> None:
    app = cdk.App()
    EventFanout(cdk.Stack(app, "NoRoutes"), "Fanout", routes=[])
    with pytest.raises(
        RuntimeError,
        match=r"\[NoRoutes/Fanout\] routes must hold at least one route \(give routes or call add_route\), got none",
    ):
        app.synth()


def test_fails_when_a_route_has_no_targets(stack: cdk.Stack, queue: sqs.Queue) -> None:
    assert _problems(stack, routes=[_route(queue, targets=[])]) == [
        "route 'Orders' must have at least one target, got none"
    ]


def test_fails_when_route_names_repeat(stack: cdk.Stack, queue: sqs.Queue) -> None:
    assert _problems(stack, routes=[_route(queue), _route(queue)]) == [
        "route names must be unique, got duplicates 'Orders'"
    ]


def test_fails_when_a_route_name_is_not_an_identifier(stack: cdk.Stack, queue: sqs.Queue) -> None:
    assert _problems(stack, routes=[_route(queue, name="orders/high value")]) == [
        "route name must be letters, digits, '-' and '_', at most 64, got 'orders/high value'"
    ]


@pytest.mark.parametrize("attempts", [-1, 186])
def test_fails_when_route_retry_attempts_are_outside_0_to_185(
    stack: cdk.Stack, queue: sqs.Queue, attempts: int
) -> None:
    assert _problems(stack, routes=[_route(queue, retry_attempts=attempts)]) == [
        f"route 'Orders' retry_attempts must be between 0 and 185, got {attempts}"
    ]


def test_fails_when_target_retry_attempts_are_outside_0_to_185(stack: cdk.Stack, queue: sqs.Queue) -> None:
    route = _route(queue, targets=[queue, FanoutTarget(destination=queue, retry_attempts=200)])
    assert _problems(stack, routes=[route]) == [
        "route 'Orders' target 1 retry_attempts must be between 0 and 185, got 200"
    ]


@pytest.mark.parametrize(("age", "seconds"), [(cdk.Duration.seconds(59), 59), (cdk.Duration.hours(25), 90000)])
def test_fails_when_route_max_event_age_is_outside_60s_to_24h(
    stack: cdk.Stack, queue: sqs.Queue, age: cdk.Duration, seconds: int
) -> None:
    assert _problems(stack, routes=[_route(queue, max_event_age=age)]) == [
        f"route 'Orders' max_event_age must be between 60 and 86400 seconds, got {seconds}"
    ]


def test_fails_when_target_max_event_age_is_outside_60s_to_24h(stack: cdk.Stack, queue: sqs.Queue) -> None:
    route = _route(queue, targets=[FanoutTarget(destination=queue, max_event_age=cdk.Duration.seconds(30))])
    assert _problems(stack, routes=[route]) == [
        "route 'Orders' target 0 max_event_age must be between 60 and 86400 seconds, got 30"
    ]


def test_fails_when_an_event_pattern_has_no_fields(stack: cdk.Stack, queue: sqs.Queue) -> None:
    assert _problems(stack, routes=[_route(queue, event_pattern=events.EventPattern())]) == [
        "route 'Orders' event_pattern must have at least one field (source, detail_type, detail, ...), got none"
    ]


def test_fails_when_a_target_is_not_a_function_queue_topic_or_state_machine(stack: cdk.Stack, queue: sqs.Queue) -> None:
    assert _problems(stack, routes=[_route(queue, targets=["arn:aws:sqs:eu-west-1:111111111111:orders"])]) == [
        "routes[0].targets[0] must be IFunction or IQueue or ITopic or IStateMachine or FanoutTarget, "
        "got str 'arn:aws:sqs:eu-west-1:111111111111:orders'"
    ]


def test_fails_when_a_fifo_queue_target_has_no_message_group_id(stack: cdk.Stack) -> None:
    fifo = sqs.Queue(stack, "Fifo", fifo=True)
    assert _problems(stack, routes=[FanoutRoute(name="Orders", event_pattern=PATTERN, targets=[fifo])]) == [
        "route 'Orders' target 0 is a FIFO queue: give it a message_group_id"
    ]


def test_fifo_queue_target_with_message_group_id_is_accepted(stack: cdk.Stack) -> None:
    fifo = sqs.Queue(stack, "Fifo2", fifo=True)
    target = FanoutTarget(destination=fifo, message_group_id="orders")
    EventFanout(stack, "FifoFanout", routes=[FanoutRoute(name="Orders", event_pattern=PATTERN, targets=[target])])


def test_fails_when_event_bus_and_event_bus_name_are_both_given(stack: cdk.Stack, queue: sqs.Queue) -> None:
    bus = events.EventBus.from_event_bus_name(stack, "Shared", "shared")
    assert _problems(stack, routes=[_route(queue)], event_bus=bus, event_bus_name="orders") == [
        "event_bus and event_bus_name cannot be combined: give only one of them"
    ]


def test_fails_when_an_existing_bus_gets_an_encryption_key(stack: cdk.Stack, queue: sqs.Queue) -> None:
    bus = events.EventBus.from_event_bus_name(stack, "Shared2", "shared")
    key = kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/abc")
    assert _problems(stack, routes=[_route(queue)], event_bus=bus, encryption_key=key) == [
        "event_bus and encryption_key cannot be combined: give only one of them"
    ]


def test_fails_when_archive_retention_is_given_without_archive(stack: cdk.Stack, queue: sqs.Queue) -> None:
    assert _problems(stack, routes=[_route(queue)], archive_retention=cdk.Duration.days(3)) == [
        "archive_retention needs archive=True"
    ]


@pytest.mark.parametrize(("retention", "shown"), [(cdk.Duration.hours(12), "0.5"), (cdk.Duration.hours(36), "1.5")])
def test_fails_when_archive_retention_is_not_whole_days(
    stack: cdk.Stack, queue: sqs.Queue, retention: cdk.Duration, shown: str
) -> None:
    assert _problems(stack, routes=[_route(queue)], archive=True, archive_retention=retention) == [
        f"archive_retention must be a whole number of days, at least 1, got {shown} days"
    ]


def test_fails_when_a_schema_is_not_an_object(stack: cdk.Stack, queue: sqs.Queue) -> None:
    assert _problems(stack, routes=[_route(queue)], schemas={"Order Placed": ["orderId"]}) == [
        "schemas['Order Placed'] must be a mapping of str to any value, got list ['orderId']"
    ]


def test_fails_when_a_schema_uses_an_unknown_type(stack: cdk.Stack, queue: sqs.Queue) -> None:
    schema = {
        "type": "object",
        "properties": {
            "type": {"type": "string"},  # a property called "type" is no keyword
            "amount": {"type": "float"},
            "tags": {"enum": [{"type": "x"}]},  # enum values are data, not schemas
        },
    }
    assert _problems(stack, routes=[_route(queue)], schemas={"Order Placed": schema}) == [
        "schema of detail-type 'Order Placed' has an unknown type 'float' at #/properties/amount/type, "
        "allowed: object, array, string, number, integer, boolean, null"
    ]


def test_fails_when_a_schema_has_a_remote_ref(stack: cdk.Stack, queue: sqs.Queue) -> None:
    schema = {"items": {"$ref": "https://example.com/item.json"}}
    assert _problems(stack, routes=[_route(queue)], schemas={"Order Placed": schema}) == [
        "schema of detail-type 'Order Placed' has an unsupported $ref 'https://example.com/item.json' at "
        "#/items/$ref: only '#/$defs/<name>' is supported"
    ]


def test_fails_when_a_schema_uses_a_keyword_the_validator_cannot_honour(stack: cdk.Stack, queue: sqs.Queue) -> None:
    schema = {"type": "object", "properties": {"tags": {"type": "object", "unevaluatedProperties": False}}}
    (problem,) = _problems(stack, routes=[_route(queue)], schemas={"Order Placed": schema})
    assert problem.startswith(
        "schema of detail-type 'Order Placed' uses the unsupported keyword 'unevaluatedProperties' at "
        "#/properties/tags/unevaluatedProperties (allowed: $comment, $defs, $ref, $schema, additionalProperties"
    )


def test_fails_when_a_schema_is_a_json_string(stack: cdk.Stack, queue: sqs.Queue) -> None:
    # The type check speaks first: a JSON text is not the mapping a schema must be.
    assert _problems(stack, routes=[_route(queue)], schemas={"Order Placed": '{"type": "object"}'}) == [
        "schemas['Order Placed'] must be a mapping of str to any value, got str '{\"type\": \"object\"}'"
    ]


def test_fails_when_dead_letter_queue_retention_is_outside_1_minute_to_14_days(
    stack: cdk.Stack, queue: sqs.Queue
) -> None:
    assert _problems(stack, routes=[_route(queue)], dead_letter_queue_retention=cdk.Duration.days(15)) == [
        "dead_letter_queue_retention must be between 60 and 1209600 seconds, got 1296000"
    ]


def test_every_broken_rule_is_reported_at_once(stack: cdk.Stack, queue: sqs.Queue) -> None:
    problems = _problems(
        stack,
        routes=[_route(queue, targets=[], retry_attempts=500), _route(queue, event_pattern=events.EventPattern())],
        archive_retention=cdk.Duration.days(1),
    )
    assert len(problems) == 5


def test_unresolved_tokens_are_not_judged(stack: cdk.Stack, queue: sqs.Queue) -> None:
    attempts = cdk.Token.as_number(cdk.CfnParameter(stack, "Attempts", type="Number"))
    EventFanout(stack, "Tokens", routes=[_route(queue, retry_attempts=attempts)])
