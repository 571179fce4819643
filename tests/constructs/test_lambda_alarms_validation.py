"""LambdaAlarms: one test per option rule, and a wrong type for every option.

Rules on the options alone raise ``ValidationError`` when the construct is defined; rules on what
is watched (decided at synthesis) raise it from synthesis, where jsii reports it as a
``RuntimeError`` carrying the same message (the ``ValidationError`` is its ``__context__``).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from serverless_patterns import ValidationError
from serverless_patterns.lambda_alarms import AlarmOptions, LambdaAlarms
from tests.constructs.stacks import plain_function


def _fails(message: str, **options: Any) -> ValidationError:
    stack = cdk.Stack(cdk.App(), "Test")
    function = plain_function(stack)
    options.setdefault("functions", [function])
    with pytest.raises(ValidationError) as raised:
        LambdaAlarms(stack, "Alarms", **options)
    assert message in str(raised.value)
    assert raised.value.construct_path == "Test/Alarms"
    return raised.value


def _fails_at_synth(stack: cdk.Stack, message: str) -> ValidationError:
    with pytest.raises(RuntimeError) as raised:
        cdk.App.of(stack).synth()  # type: ignore[union-attr]
    error = raised.value.__context__
    assert isinstance(error, ValidationError)
    assert message in str(error)
    assert message in str(raised.value)
    assert error.construct_path == "Test/Alarms"
    return error


def _fails_for_function(message: str, **options: Any) -> ValidationError:
    stack = cdk.Stack(cdk.App(), "Test")
    LambdaAlarms(stack, "Alarms", functions=[plain_function(stack)], **options)
    return _fails_at_synth(stack, message)


def test_valid_options_pass() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    LambdaAlarms(stack, "Alarms", functions=[plain_function(stack)], emails=["ops@example.com"])


def test_fails_when_nothing_to_watch() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    sqs.Queue(stack, "NotADeadLetterQueue")
    LambdaAlarms.for_scope(stack, "Alarms", stack)
    _fails_at_synth(stack, "nothing to watch")


def test_fails_when_an_email_is_invalid() -> None:
    _fails(
        "emails must be an e-mail address like ops@example.com, got 'ops-at-example.com'", emails=["ops-at-example.com"]
    )


def test_fails_when_an_email_is_given_twice() -> None:
    _fails("emails must be unique, got duplicates 'ops@example.com'", emails=["ops@example.com", "ops@example.com"])


def test_fails_when_a_count_threshold_is_negative() -> None:
    _fails("errors must be at least 1, got -1", alarm_options=AlarmOptions(errors=-1))


def test_fails_when_an_error_rate_is_over_100_percent() -> None:
    _fails(
        "error_rate_percent must be above 0 and at most 100, got 150",
        alarm_options=AlarmOptions(error_rate_percent=150),
    )


def test_fails_when_a_server_error_rate_is_zero() -> None:
    _fails(
        "server_error_rate_percent must be above 0 and at most 100, got 0",
        alarm_options=AlarmOptions(server_error_rate_percent=0),
    )


def test_fails_when_a_duration_percentage_is_over_100() -> None:
    _fails(
        "duration_percent_of_timeout must be between 1 and 100, got 120",
        alarm_options=AlarmOptions(duration_percent_of_timeout=120),
    )


def test_fails_when_a_duration_percentage_is_asked_for_a_function_without_known_timeout() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    imported = lambda_.Function.from_function_name(stack, "Legacy", "legacy-function")
    LambdaAlarms(
        stack, "Alarms", functions=[imported], overrides={imported: AlarmOptions(duration_percent_of_timeout=70)}
    )
    _fails_at_synth(stack, "duration_percent_of_timeout needs a known function timeout")


def test_default_duration_percentage_skips_a_function_without_known_timeout() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    imported = lambda_.Function.from_function_name(stack, "Legacy", "legacy-function")
    alarms = LambdaAlarms(stack, "Alarms", functions=[imported])
    cdk.App.of(stack).synth()  # type: ignore[union-attr]
    assert "Test-Legacy-Duration" not in alarms.alarms
    assert "Test-Legacy-Errors" in alarms.alarms


def test_fails_when_the_period_is_not_supported() -> None:
    _fails(
        "period must be 10 seconds, 30 seconds or a multiple of 60 seconds, got 45 seconds",
        alarm_options=AlarmOptions(period=cdk.Duration.seconds(45)),
    )


def test_fails_when_evaluation_periods_is_zero() -> None:
    _fails("evaluation_periods must be at least 1, got 0", alarm_options=AlarmOptions(evaluation_periods=0))


def test_fails_when_datapoints_to_alarm_is_zero() -> None:
    _fails("datapoints_to_alarm must be at least 1, got 0", alarm_options=AlarmOptions(datapoints_to_alarm=0))


def test_fails_when_datapoints_to_alarm_exceeds_evaluation_periods() -> None:
    _fails_for_function(
        "datapoints_to_alarm must be at most evaluation_periods (3) for Fn, got 4",
        alarm_options=AlarmOptions(datapoints_to_alarm=4),
    )


def test_fails_when_evaluation_spans_more_than_a_day() -> None:
    _fails_for_function(
        "period times evaluation_periods must be at most one day for Fn, got 90000 seconds",
        alarm_options=AlarmOptions(period=cdk.Duration.hours(1), evaluation_periods=25, datapoints_to_alarm=1),
    )


def test_fails_when_async_event_age_is_out_of_range() -> None:
    _fails(
        "async_event_age must be between 60 and 21600 seconds, got 30",
        alarm_options=AlarmOptions(async_event_age=cdk.Duration.seconds(30)),
    )


def test_fails_when_latency_is_out_of_range() -> None:
    _fails(
        "latency_p99 must be between 0.01 and 300 seconds, got 600",
        alarm_options=AlarmOptions(latency_p99=cdk.Duration.minutes(10)),
    )


def test_fails_when_a_disabled_alarm_kind_is_unknown() -> None:
    _fails("disabled must be one of ErrorRate, Errors", alarm_options=AlarmOptions(disabled=("Error",)))


def test_fails_when_an_override_value_is_out_of_range() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    function = plain_function(stack)
    with pytest.raises(ValidationError, match=r"overrides\[Fn\]\.throttles must be at least 1, got 0"):
        LambdaAlarms(stack, "Alarms", functions=[function], overrides={function: AlarmOptions(throttles=0)})


def test_fails_when_an_override_key_contains_no_watched_resource() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    watched, other = plain_function(stack, "Watched"), plain_function(stack, "Other")
    LambdaAlarms(stack, "Alarms", functions=[watched], overrides={other: AlarmOptions(errors=3)})
    _fails_at_synth(stack, "overrides key Test/Other contains no watched resource")


def test_fails_when_the_alarm_name_prefix_is_invalid() -> None:
    _fails(
        "alarm_name_prefix must be 1 to 100 letters, digits, spaces or . _ - /, got 'shop:prod'",
        alarm_name_prefix="shop:prod",
    )


def test_fails_when_the_dashboard_name_is_invalid() -> None:
    _fails(
        "dashboard_name must be 1 to 200 letters, digits, - or _, got 'shop dashboard'", dashboard_name="shop dashboard"
    )


def test_every_broken_rule_is_reported_at_once() -> None:
    error = _fails("errors must be at least 1", alarm_options=AlarmOptions(errors=0, throttles=0), emails=["x"])
    assert len(error.problems) == 3


# --- A wrong type for every option ---------------------------------------------------------------

WRONG_TYPES: dict[str, object] = {
    "functions": ["my-function"],
    "dead_letter_queues": "queue",
    "state_machines": [42],
    "rest_apis": ["api"],
    "watch_scope": "stack",
    "exclude": [1],
    "asynchronous_functions": [None],
    "alarm_options": {"errors": 1},
    "overrides": {"Fn": AlarmOptions()},
    "alarm_name_prefix": 7,
    "topic": "arn:aws:sns:eu-west-1:111111111111:ops",
    "topic_key": "alias/ops",
    "emails": "ops@example.com",
    "ok_actions": "yes",
    "rules": [None],
    "queues": "orders",
    "tables": [7],
    "http_apis": ["api"],
    "composite_alarm": "on",
    "member_alarm_action": "arn:aws:sns:eu-west-1:111111111111:chat",
    "dashboard": 1,
    "dashboard_name": ["ops"],
}


def test_every_constructor_option_is_in_the_battery() -> None:
    import inspect

    options = [
        name for name in inspect.signature(LambdaAlarms.__init__).parameters if name not in ("self", "scope", "id")
    ]
    assert sorted(options) == sorted(WRONG_TYPES)


@pytest.mark.parametrize("option", sorted(WRONG_TYPES))
def test_fails_when_an_option_has_a_wrong_type(option: str) -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    with pytest.raises(ValidationError) as raised:
        LambdaAlarms(stack, "Alarms", **{option: WRONG_TYPES[option]})  # type: ignore[arg-type]
    assert raised.value.construct_path == "Test/Alarms"
    assert str(raised.value).startswith(f"Test/Alarms: {option}")
    assert " must be " in str(raised.value)


def test_fails_when_an_alarm_option_field_has_a_wrong_type() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    with pytest.raises(ValidationError, match=r"alarm_options\.period must be Duration or None, got int 300"):
        LambdaAlarms(stack, "Alarms", alarm_options=AlarmOptions(period=300))  # type: ignore[arg-type]


def test_fails_when_the_scope_to_watch_has_a_wrong_type() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    with pytest.raises(ValidationError, match="Test/Alarms: scope_to_watch must be IConstruct, got str 'Test'"):
        LambdaAlarms.for_scope(stack, "Alarms", "Test")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "argument"),
    [
        ("add_function", "my-function"),
        ("add_dead_letter_queue", "https://sqs.eu-west-1.amazonaws.com/111111111111/parked"),
        ("add_state_machine", "arn:aws:states:eu-west-1:111111111111:stateMachine:flow"),
        ("add_rest_api", 42),
    ],
)
def test_fails_when_an_add_method_gets_a_wrong_type(method: str, argument: object) -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    alarms = LambdaAlarms(stack, "Alarms")
    with pytest.raises(ValidationError) as raised:
        getattr(alarms, method)(argument)
    assert raised.value.construct_path == "Test/Alarms"
    with pytest.raises(ValidationError, match="alarm_options must be AlarmOptions or None, got str 'strict'"):
        getattr(alarms, method)(plain_function(stack, f"For{method}"), alarm_options="strict")


def test_fails_when_add_function_asynchronous_is_not_a_bool() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    alarms = LambdaAlarms(stack, "Alarms")
    with pytest.raises(ValidationError, match="asynchronous must be bool, got str 'yes'"):
        alarms.add_function(plain_function(stack), asynchronous="yes")  # type: ignore[arg-type]


def test_fails_when_an_added_resource_has_out_of_range_options() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    alarms = LambdaAlarms(stack, "Alarms")
    with pytest.raises(ValidationError, match=r"overrides\[Fn\]\.errors must be at least 1, got 0"):
        alarms.add_function(plain_function(stack), alarm_options=AlarmOptions(errors=0))


def test_fails_when_a_topic_and_a_topic_key_are_both_given() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    topic = sns.Topic.from_topic_arn(stack, "Ops", "arn:aws:sns:eu-west-1:111111111111:ops")
    key = kms.Key(stack, "Key")
    _fails("topic and topic_key cannot be combined: give only one of them", topic=topic, topic_key=key)


@pytest.mark.parametrize("option", sorted(WRONG_TYPES.keys() - {"watch_scope"}))
def test_fails_when_a_for_scope_option_has_a_wrong_type(option: str) -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    with pytest.raises(ValidationError) as raised:
        LambdaAlarms.for_scope(stack, "Alarms", stack, **{option: WRONG_TYPES[option]})  # type: ignore[misc]
    assert str(raised.value).startswith(f"Test/Alarms: {option}")
