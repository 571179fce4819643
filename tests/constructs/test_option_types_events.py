"""Type battery of EventFanout, SagaWorkflow and QueueProcessor: every option given a wrong type.

Each wrong type must be the library's ValidationError naming the construct path, the option,
the type given and the type wanted, before jsii (or the construct itself) sees the value. A
table per construct lists one realistic mistake per option; a coverage test keeps the tables
in step with the signatures, so a new option without a row fails.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from serverless_patterns import ValidationError
from serverless_patterns.event_fanout import EventFanout, FanoutRoute, FanoutTarget
from serverless_patterns.queue_processor import QueueProcessor
from serverless_patterns.saga_workflow import SagaRetry, SagaStep, SagaWorkflow
from tests.constructs.stacks import ECHO, new_stack

PATTERN = events.EventPattern(source=["order.service"])

# One realistic mistake per option: a string where a construct is wanted, a number for a Duration...
FANOUT_OPTIONS: dict[str, object] = {
    "routes": "Orders",
    "event_bus_name": 42,
    "event_bus": "orders",
    "encryption_key": "arn:aws:kms:eu-west-1:111111111111:key/1",
    "archive": "yes",
    "archive_retention": 7,
    "schemas": ["Order Placed"],
    "configure_function_failures": "no",
    "dead_letter_queue_retention": 14,
    "removal_policy": "retain",
}
ROUTE_FIELDS: dict[str, object] = {
    "name": 7,
    "event_pattern": {"source": ["order.service"]},
    "targets": "arn:aws:sqs:eu-west-1:111111111111:review",
    "retry_attempts": "2",
    "max_event_age": 3600,
    "description": 1,
}
TARGET_FIELDS: dict[str, object] = {
    "destination": "arn:aws:sqs:eu-west-1:111111111111:review",
    "retry_attempts": 2.5,
    "max_event_age": "2h",
    "message_group_id": 1,
}
SAGA_OPTIONS: dict[str, object] = {
    "steps": "payment",
    "state_machine_type": "EXPRESS",
    "timeout": 300,
    "state_machine_name": 1,
    "comment": ["saga"],
    "log_level": "ALL",
    "include_execution_data": "true",
    "log_retention": 30,
    "log_removal_policy": "destroy",
    "log_encryption_key": "alias/logs",
    "tracing": 1,
    "encryption_key": "alias/saga",
    "trigger_event_pattern": {"source": ["order.service"]},
    "trigger_event_bus": "default",
    "trigger_retry_attempts": "2",
    "trigger_max_event_age": 7200,
}
STEP_FIELDS: dict[str, object] = {
    "name": 1,
    "function": "arn:aws:lambda:eu-west-1:111111111111:function:pay",
    "task": "arn:aws:states:::dynamodb:putItem",
    "compensation": "refund",
    "retry": {"max_attempts": 3},
    "guard": "$.results.payment.ok",
    "guard_error": 1,
}
RETRY_FIELDS: dict[str, object] = {
    "errors": "Lambda.ServiceException",
    "max_attempts": "3",
    "interval": 2,
    "backoff_rate": "2",
    "max_delay": 60,
    "jitter": "full",
}
QUEUE_OPTIONS: dict[str, object] = {
    "entry": 1,
    "handler": ["index.handler"],
    "function": "arn:aws:lambda:eu-west-1:111111111111:function:ingest",
    "visibility_timeout": 60,
    "retention_period": 345600,
    "max_receive_count": "3",
    "dead_letter_retention": 14,
    "batch_size": 10.5,
    "max_batching_window": 5,
    "max_concurrency": "10",
    "encryption_key": "alias/queue",
    "removal_policy": "retain",
}


def _options(signature_of: Callable[..., Any]) -> set[str]:
    parameters = inspect.signature(signature_of).parameters.values()
    return {parameter.name for parameter in parameters if parameter.kind is inspect.Parameter.KEYWORD_ONLY}


@pytest.mark.parametrize(
    ("table", "owner"),
    [
        (FANOUT_OPTIONS, EventFanout.__init__),
        (ROUTE_FIELDS, EventFanout.add_route),
        (SAGA_OPTIONS, SagaWorkflow.__init__),
        (QUEUE_OPTIONS, QueueProcessor.__init__),
    ],
)
def test_every_option_has_a_row(table: dict[str, object], owner: Callable[..., Any]) -> None:
    assert set(table) == _options(owner) | ({"name"} if owner is EventFanout.add_route else set())


@pytest.mark.parametrize(
    ("table", "dataclass"),
    [(ROUTE_FIELDS, FanoutRoute), (TARGET_FIELDS, FanoutTarget), (STEP_FIELDS, SagaStep), (RETRY_FIELDS, SagaRetry)],
)
def test_every_field_has_a_row(table: dict[str, object], dataclass: type) -> None:
    assert set(table) == {field.name for field in dataclasses.fields(dataclass)}


def _assert_type_error(build: Callable[[cdk.Stack], object], path: str, option: str, wanted: str) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError) as raised:
        build(stack)
    assert raised.value.construct_path == f"Test/{path}"
    assert any(problem.startswith(f"{option} must be ") and wanted in problem for problem in raised.value.problems), (
        raised.value.problems
    )
    # "got <type given>": the message names what was given.
    assert all(", got " in problem for problem in raised.value.problems)


def _queue(stack: cdk.Stack) -> sqs.IQueue:
    found = stack.node.try_find_child("Review")
    return found if isinstance(found, sqs.Queue) else sqs.Queue(stack, "Review")


def _route(stack: cdk.Stack, **fields: object) -> FanoutRoute:
    return FanoutRoute(**{"name": "Orders", "event_pattern": PATTERN, "targets": [_queue(stack)], **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(("option", "value"), list(FANOUT_OPTIONS.items()))
def test_fails_when_an_event_fanout_option_has_the_wrong_type(option: str, value: object) -> None:
    def build(stack: cdk.Stack) -> object:
        routes = {} if option == "routes" else {"routes": [_route(stack)]}
        return EventFanout(stack, "Fanout", **routes, **{option: value})  # type: ignore[arg-type]

    _assert_type_error(build, "Fanout", option, "")


@pytest.mark.parametrize(("field", "value"), list(ROUTE_FIELDS.items()))
def test_fails_when_a_route_field_has_the_wrong_type(field: str, value: object) -> None:
    _assert_type_error(
        lambda stack: EventFanout(stack, "Fanout", routes=[_route(stack, **{field: value})]),
        "Fanout",
        f"routes[0].{field}",
        "",
    )


@pytest.mark.parametrize(("field", "value"), list(TARGET_FIELDS.items()))
def test_fails_when_a_target_field_has_the_wrong_type(field: str, value: object) -> None:
    def build(stack: cdk.Stack) -> object:
        target = FanoutTarget(**{"destination": _queue(stack), field: value})  # type: ignore[arg-type]
        return EventFanout(stack, "Fanout", routes=[_route(stack, targets=[target])])

    _assert_type_error(build, "Fanout", f"routes[0].targets[0].{field}", "")


@pytest.mark.parametrize(("option", "value"), list(ROUTE_FIELDS.items()))
def test_fails_when_an_add_route_option_has_the_wrong_type(option: str, value: object) -> None:
    def build(stack: cdk.Stack) -> object:
        fanout = EventFanout(stack, "Fanout")
        options: dict[str, Any] = {"name": "Orders", "event_pattern": PATTERN, "targets": [_queue(stack)]}
        return fanout.add_route(**{**options, option: value})

    _assert_type_error(build, "Fanout", option, "")


@pytest.mark.parametrize(
    ("call", "option"),
    [
        (lambda fanout, stack: fanout.dead_letter_queue(1), "route_name"),
        (lambda fanout, stack: fanout.grant_put_events("arn:aws:iam::111111111111:role/x"), "grantee"),
        (lambda fanout, stack: fanout.metric_dead_letter_messages("Orders", period=60), "period"),
        (lambda fanout, stack: fanout.metric_dead_letter_messages("Orders", statistic=5), "statistic"),
        (lambda fanout, stack: fanout.metric_oldest_dead_letter_age("Orders", period="1m"), "period"),
        (
            lambda fanout, stack: fanout.attach_publisher(lambda_.Function.from_function_name(stack, "F", "f")),
            "function",
        ),
    ],
)
def test_fails_when_an_event_fanout_method_gets_the_wrong_type(
    call: Callable[[EventFanout, cdk.Stack], object], option: str
) -> None:
    _assert_type_error(
        lambda stack: call(EventFanout(stack, "Fanout", routes=[_route(stack)]), stack), "Fanout", option, ""
    )


def _step(stack: cdk.Stack, **fields: object) -> SagaStep:
    function = lambda_.Function.from_function_name(stack, "Pay", "pay")
    return SagaStep(**{"name": "payment", "function": function, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(("option", "value"), list(SAGA_OPTIONS.items()))
def test_fails_when_a_saga_option_has_the_wrong_type(option: str, value: object) -> None:
    def build(stack: cdk.Stack) -> object:
        steps = {} if option == "steps" else {"steps": [_step(stack)]}
        return SagaWorkflow(stack, "Saga", **steps, **{option: value})  # type: ignore[arg-type]

    _assert_type_error(build, "Saga", option, "")


@pytest.mark.parametrize(("field", "value"), list(STEP_FIELDS.items()))
def test_fails_when_a_step_field_has_the_wrong_type(field: str, value: object) -> None:
    _assert_type_error(
        lambda stack: SagaWorkflow(stack, "Saga", steps=[_step(stack, **{field: value})]),
        "Saga",
        f"steps[0].{field}",
        "",
    )


@pytest.mark.parametrize(("field", "value"), list(RETRY_FIELDS.items()))
def test_fails_when_a_retry_field_has_the_wrong_type(field: str, value: object) -> None:
    def build(stack: cdk.Stack) -> object:
        retry = SagaRetry(**{field: value})  # type: ignore[arg-type]
        return SagaWorkflow(stack, "Saga", steps=[_step(stack, retry=retry)])

    _assert_type_error(build, "Saga", f"steps[0].retry.{field}", "")


@pytest.mark.parametrize(
    ("call", "option"),
    [
        (lambda saga: saga.grant_start_execution("role"), "grantee"),
        (lambda saga: saga.grant_start_sync_execution(None), "grantee"),
        (lambda saga: saga.metric_failed(period=60), "period"),
        (lambda saga: saga.metric_timed_out(statistic=1), "statistic"),
        (lambda saga: saga.metric_throttled(period="5m"), "period"),
    ],
)
def test_fails_when_a_saga_method_gets_the_wrong_type(call: Callable[[SagaWorkflow], object], option: str) -> None:
    _assert_type_error(lambda stack: call(SagaWorkflow(stack, "Saga", steps=[_step(stack)])), "Saga", option, "")


@pytest.mark.parametrize(("option", "value"), list(QUEUE_OPTIONS.items()))
def test_fails_when_a_queue_processor_option_has_the_wrong_type(option: str, value: object) -> None:
    def build(stack: cdk.Stack) -> object:
        source = {} if option in ("entry", "function") else {"entry": ECHO}
        return QueueProcessor(stack, "Processor", **source, **{option: value})  # type: ignore[arg-type]

    _assert_type_error(build, "Processor", option, "")


@pytest.mark.parametrize(
    ("call", "option"),
    [
        (lambda processor: processor.grant_send_messages("role"), "grantee"),
        (lambda processor: processor.metric_dead_letter_messages(60), "period"),
        (lambda processor: processor.metric_oldest_message_age(period="1m"), "period"),
    ],
)
def test_fails_when_a_queue_processor_method_gets_the_wrong_type(
    call: Callable[[QueueProcessor], object], option: str
) -> None:
    _assert_type_error(lambda stack: call(QueueProcessor(stack, "Processor", entry=ECHO)), "Processor", option, "")


def test_the_message_names_the_type_given_and_the_type_wanted() -> None:
    stack = new_stack()
    with pytest.raises(ValidationError) as raised:
        QueueProcessor(stack, "Processor", entry=ECHO, visibility_timeout=60)  # type: ignore[arg-type]
    assert raised.value.problems == ("visibility_timeout must be Duration or None, got int 60",)


def test_a_grantee_of_the_right_type_is_accepted() -> None:
    stack = new_stack()
    processor = QueueProcessor(stack, "Processor", entry=ECHO)
    role = iam.Role(stack, "Sender", assumed_by=iam.AccountRootPrincipal())
    assert processor.grant_send_messages(role).success
