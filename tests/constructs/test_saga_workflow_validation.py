"""SagaWorkflow option validation: one test per rule, each raising the library's ValidationError."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from serverless_patterns import ValidationError
from serverless_patterns.saga_workflow import SagaRetry, SagaStep, SagaWorkflow

GUARD = sfn.Condition.boolean_equals("$.results.a.ok", True)


@pytest.fixture
def stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test")


@pytest.fixture
def fn(stack: cdk.Stack) -> lambda_.IFunction:
    return lambda_.Function.from_function_name(stack, "Fn", "fn")


def _fails(stack: cdk.Stack, message: str, **options: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        SagaWorkflow(stack, "Saga", **options)
    assert caught.value.construct_path == "Test/Saga"
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
    return caught.value


def _put(stack: cdk.Stack, **options: Any) -> tasks.DynamoPutItem:
    table = dynamodb.TableV2.from_table_name(stack, "Table", "table")
    key = {"pk": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.orderId"))}
    return tasks.DynamoPutItem(stack, "Put", table=table, item=key, **options)


def test_valid_options_pass(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    saga = SagaWorkflow(stack, "Saga", steps=[SagaStep(name="a", function=fn, guard=GUARD, guard_error="AFailed")])
    assert [step.name for step in saga.steps] == ["a"]


def test_fails_when_there_are_no_steps(stack: cdk.Stack) -> None:
    _fails(stack, "steps must hold at least one step, got none", steps=[])


def test_fails_when_step_names_repeat(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    steps = [SagaStep(name="a", function=fn), SagaStep(name="b", function=fn), SagaStep(name="a", function=fn)]
    _fails(stack, "step names must be unique, got duplicates 'a'", steps=steps)


@pytest.mark.parametrize("name", ["reserve stock", "1st", "a.b", "", "x" * 65])
def test_fails_when_a_step_name_is_not_a_valid_state_name(stack: cdk.Stack, fn: lambda_.IFunction, name: str) -> None:
    _fails(
        stack,
        f"step name must be a letter, then letters, digits or '_', at most 64 characters, got {name!r}",
        steps=[SagaStep(name=name, function=fn)],
    )


def test_fails_when_a_step_has_neither_function_nor_task(stack: cdk.Stack) -> None:
    _fails(stack, "step 'a' needs exactly one of function or task, got neither", steps=[SagaStep(name="a")])


def test_fails_when_a_step_has_both_function_and_task(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    step = SagaStep(name="a", function=fn, task=_put(stack, result_path=sfn.JsonPath.DISCARD))
    _fails(stack, "step 'a' needs exactly one of function or task, got both", steps=[step])


def test_fails_when_a_task_step_would_overwrite_the_saga_state(stack: cdk.Stack) -> None:
    _fails(stack, "step 'a' task must set result_path", steps=[SagaStep(name="a", task=_put(stack))])


def test_fails_when_a_compensation_task_would_overwrite_the_saga_state(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    steps = [SagaStep(name="a", function=fn, compensation=_put(stack)), SagaStep(name="b", function=fn)]
    _fails(stack, "step 'a' compensation task must set result_path", steps=steps)


def test_fails_when_guard_error_is_not_an_error_name(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    step = SagaStep(name="a", function=fn, guard=GUARD, guard_error="order invalid!")
    _fails(stack, "step 'a' guard_error must be a letter, then letters", steps=[step])


def test_fails_when_guard_error_uses_the_reserved_states_prefix(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    step = SagaStep(name="a", function=fn, guard=GUARD, guard_error="States.Invalid")
    _fails(stack, "step 'a' guard_error must not start with 'States.'", steps=[step])


def test_fails_when_guard_error_has_no_guard(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    _fails(stack, "step 'a' guard_error needs a guard", steps=[SagaStep(name="a", function=fn, guard_error="Bad")])


@pytest.mark.parametrize(
    ("retry", "message"),
    [
        (SagaRetry(errors=[]), "step 'a' retry errors must name at least one error, got none"),
        (SagaRetry(max_attempts=-1), "step 'a' retry max_attempts must be between 0 and 99999999, got -1"),
        (SagaRetry(max_attempts=100_000_000), "step 'a' retry max_attempts must be between 0 and 99999999"),
        (
            SagaRetry(interval=cdk.Duration.seconds(0)),
            "step 'a' retry interval must be between 1 and 99999999 seconds, got 0",
        ),
        (SagaRetry(interval=cdk.Duration.millis(1500)), "step 'a' retry interval must be whole seconds, got 1.5"),
        (SagaRetry(backoff_rate=0.5), "step 'a' retry backoff_rate must be between 1 and 99999999, got 0.5"),
        (
            SagaRetry(max_delay=cdk.Duration.days(367)),
            "step 'a' retry max_delay must be between 1 and 31622400 seconds",
        ),
        (
            SagaRetry(interval=cdk.Duration.seconds(10), max_delay=cdk.Duration.seconds(5)),
            "step 'a' retry max_delay must be at least interval (10 seconds), got 5 seconds",
        ),
    ],
    ids=[
        "no-errors",
        "negative-attempts",
        "too-many-attempts",
        "zero-interval",
        "fractional-interval",
        "backoff-below-one",
        "max-delay-over-a-year",
        "max-delay-below-interval",
    ],
)
def test_fails_when_retry_settings_are_out_of_range(
    stack: cdk.Stack, fn: lambda_.IFunction, retry: SagaRetry, message: str
) -> None:
    _fails(stack, message, steps=[SagaStep(name="a", function=fn, retry=retry)])


def test_fails_when_a_standard_timeout_exceeds_a_year(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    _fails(
        stack,
        "timeout must be between 1 and 31536000 seconds, got 31622400",
        steps=[SagaStep(name="a", function=fn)],
        timeout=cdk.Duration.days(366),
    )


def test_fails_when_an_express_timeout_exceeds_five_minutes(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    _fails(
        stack,
        "timeout of an express state machine must be between 1 and 300 seconds, got 360",
        steps=[SagaStep(name="a", function=fn)],
        state_machine_type=sfn.StateMachineType.EXPRESS,
        timeout=cdk.Duration.minutes(6),
    )


def test_fails_when_the_state_machine_name_is_invalid(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    _fails(
        stack,
        "state_machine_name must be 1 to 80 letters, digits, '-' or '_', got 'order saga'",
        steps=[SagaStep(name="a", function=fn)],
        state_machine_name="order saga",
    )


def test_fails_when_trigger_retry_attempts_are_out_of_range(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    _fails(
        stack,
        "trigger_retry_attempts must be between 0 and 185, got 200",
        steps=[SagaStep(name="a", function=fn)],
        trigger_event_pattern=events.EventPattern(source=["shop"]),
        trigger_retry_attempts=200,
    )


def test_fails_when_trigger_max_event_age_is_out_of_range(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    _fails(
        stack,
        "trigger_max_event_age must be between 60 and 86400 seconds, got 30",
        steps=[SagaStep(name="a", function=fn)],
        trigger_event_pattern=events.EventPattern(source=["shop"]),
        trigger_max_event_age=cdk.Duration.seconds(30),
    )


def test_fails_when_a_trigger_bus_has_no_pattern(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    _fails(
        stack,
        "trigger_event_bus needs trigger_event_pattern",
        steps=[SagaStep(name="a", function=fn)],
        trigger_event_bus=events.EventBus.from_event_bus_name(stack, "Bus", "bus"),
    )


def test_reports_every_broken_rule_at_once(stack: cdk.Stack, fn: lambda_.IFunction) -> None:
    error = _fails(
        stack,
        "step name must be",
        steps=[SagaStep(name="bad name", function=fn, retry=SagaRetry(max_attempts=-1))],
        timeout=cdk.Duration.days(400),
    )
    assert len(error.problems) == 3
