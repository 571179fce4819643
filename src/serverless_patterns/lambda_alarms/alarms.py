"""The alarms, as a table: for each kind of watched resource, its metrics and one spec per alarm kind.

To watch a new kind of resource (an EventBridge rule, a work queue, a table), add a ``Watched*``
record in ``watched.py``, its metrics and a ``Table`` here (registered in ``TABLES``), the options
its thresholds read in ``options.py``, and its dashboard row in ``dashboard.py``. The construct
defines every alarm from these tables; nothing else knows an alarm kind by name.

The order of a table's specs is the order the alarms are defined in (construct tree, template,
alarm status widget): append new kinds at the end so existing templates do not move.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

if TYPE_CHECKING:
    from constructs import Construct

    from serverless_patterns.lambda_alarms.options import AlarmOptions
    from serverless_patterns.lambda_alarms.watched import (
        Watched,
        WatchedFunction,
        WatchedQueue,
        WatchedRestApi,
        WatchedStateMachine,
    )

# CloudWatch alarm names are at most 255 characters.
MAX_ALARM_NAME = 255

W = TypeVar("W")
R = TypeVar("R", bound="Watched")


@dataclass(frozen=True)
class MetricSpec:
    """A metric known on the Python side, so alarms and graph lines are made without jsii round trips."""

    namespace: str
    name: str
    dimensions: Mapping[str, str]
    statistic: str
    period: Duration | None

    def metric(self, *, labelled: bool = False) -> cloudwatch.Metric:
        """The metric; alarms use it unlabelled (a simpler template), graph lines labelled."""
        return cloudwatch.Metric(
            namespace=self.namespace,
            metric_name=self.name,
            dimensions_map=dict(self.dimensions),
            statistic=self.statistic,
            period=self.period,
            label=f"{self.name} ({self.statistic})" if labelled else None,
        )


AnyMetric = cloudwatch.IMetric | MetricSpec
Metrics = Mapping[str, AnyMetric]


def as_metric(metric: AnyMetric) -> cloudwatch.IMetric:
    """The CloudWatch metric an alarm watches."""
    return metric.metric() if isinstance(metric, MetricSpec) else metric


@dataclass(frozen=True)
class AlarmSpec(Generic[W]):
    """One alarm kind of one kind of watched resource.

    ``threshold`` returns ``None`` when the alarm does not apply to that resource (a synchronous
    function has no ``AsyncEventAge`` alarm); ``describe`` receives the resource's label.
    ``single_period`` alarms evaluate one period whatever the options say.
    """

    kind: str
    metric: str
    threshold: Callable[[AlarmOptions, W], float | None]
    describe: Callable[[str, AlarmOptions, W], str]
    single_period: bool = False


@dataclass(frozen=True)
class Table(Generic[W]):
    """The metrics and alarm specs of one kind of watched resource.

    ``group`` prefixes the id of the construct that holds a resource's alarms (``Function-Orders``).
    """

    group: str
    metrics: Callable[[W, Duration], Metrics]
    alarms: tuple[AlarmSpec[W], ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The alarm kinds of this table, in definition order."""
        return tuple(spec.kind for spec in self.alarms)


def alarm_name(prefix: str, label: str, kind: str) -> str:
    """``<prefix>-<label>-<kind>``, shortened with a hash when longer than CloudWatch allows."""
    name = f"{prefix}-{label.replace('/', '-')}-{kind}"
    if len(name) > MAX_ALARM_NAME:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[: MAX_ALARM_NAME - len(kind) - 10]}-{digest}-{kind}"
    return name


def define_alarms(
    scope: Construct, table: Table[R], watched: R, *, options: AlarmOptions, metrics: Metrics, prefix: str
) -> dict[str, cloudwatch.Alarm]:
    """Define in ``scope`` the alarms of ``table`` that apply to ``watched`` and are not disabled, by alarm name."""
    label = watched.label
    defined = {}
    for spec in table.alarms:
        threshold = spec.threshold(options, watched)
        if threshold is None or spec.kind in options.disabled:
            continue
        name = alarm_name(prefix, label, spec.kind)
        defined[name] = cloudwatch.Alarm(
            scope,
            spec.kind,
            alarm_name=name,
            alarm_description=spec.describe(label, options, watched),
            metric=as_metric(metrics[spec.metric]),
            threshold=threshold,
            evaluation_periods=1 if spec.single_period else (options.evaluation_periods or 1),
            datapoints_to_alarm=1 if spec.single_period else options.datapoints_to_alarm,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No datapoint means the resource did no work in that period: not a failure.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
    return defined


def number(value: float) -> str:
    """``3`` for 3.0, ``2.5`` for 2.5: thresholds as a reader writes them."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _percent(
    part: tuple[str, MetricSpec], whole: tuple[str, MetricSpec], period: Duration, label: str
) -> cloudwatch.MathExpression:
    """``100 * part / whole`` as metric math; a period without ``whole`` has no datapoint, not a division by zero."""
    (part_id, part_metric), (whole_id, whole_metric) = part, whole
    return cloudwatch.MathExpression(
        expression=f"100 * {part_id} / {whole_id}",
        using_metrics={part_id: part_metric.metric(), whole_id: whole_metric.metric()},
        period=period,
        label=label,
    )


def _option(name: str) -> Callable[[AlarmOptions, object], float]:
    """A threshold read from the ``AlarmOptions`` field ``name``, whatever the resource."""
    return lambda options, _: _required(getattr(options, name))


def _says(text: str) -> Callable[[str, AlarmOptions, object], str]:
    """A description that is ``text`` after the resource's label."""
    return lambda label, _, __: f"{label}: {text}"


def _required(value: float | None) -> float:
    assert value is not None  # every threshold has a default in DEFAULTS
    return float(value)


def _duration(value: Duration | None) -> Duration:
    assert value is not None  # every duration threshold has a default in DEFAULTS
    return value


# --- Lambda functions ---------------------------------------------------------------------------


def function_metrics(function: WatchedFunction, period: Duration) -> Metrics:
    """The ``AWS/Lambda`` metrics of a function, and its error rate as metric math."""

    def metric(name: str, statistic: str) -> MetricSpec:
        return MetricSpec("AWS/Lambda", name, {"FunctionName": function.function_name}, statistic, period)

    errors, invocations = metric("Errors", "Sum"), metric("Invocations", "Sum")
    return {
        "invocations": invocations,
        "errors": errors,
        "throttles": metric("Throttles", "Sum"),
        "error_rate": _percent(("errors", errors), ("invocations", invocations), period, "Error rate (%)"),
        "duration_p50": metric("Duration", "p50"),
        "duration_p99": metric("Duration", "p99"),
        "dead_letter_errors": metric("DeadLetterErrors", "Sum"),
        "async_event_age": metric("AsyncEventAge", "Maximum"),
        "concurrent_executions": metric("ConcurrentExecutions", "Maximum"),
    }


def duration_threshold_ms(options: AlarmOptions, function: WatchedFunction) -> float | None:
    """The p99 duration threshold in milliseconds, or ``None`` when the timeout is unknown at synth."""
    if function.timeout_seconds is None:
        return None
    return function.timeout_seconds * 1000 * _required(options.duration_percent_of_timeout) / 100


def _duration_description(label: str, options: AlarmOptions, function: WatchedFunction) -> str:
    timeout = function.timeout_seconds or 0
    threshold = duration_threshold_ms(options, function) or 0
    return (
        f"{label}: p99 duration at least {options.duration_percent_of_timeout}% of its "
        f"{number(timeout)} s timeout ({number(threshold)} ms)"
    )


FUNCTIONS: Table[WatchedFunction] = Table(
    group="Function",
    metrics=function_metrics,
    alarms=(
        AlarmSpec(
            "ErrorRate",
            "error_rate",
            _option("error_rate_percent"),
            lambda label, options, _: f"{label}: at least {options.error_rate_percent}% of invocations failed",
        ),
        AlarmSpec(
            "Errors",
            "errors",
            _option("errors"),
            lambda label, options, _: f"{label}: at least {options.errors} errors in a period",
        ),
        AlarmSpec(
            "Throttles",
            "throttles",
            _option("throttles"),
            _says("invocations throttled (concurrency exhausted)"),
        ),
        AlarmSpec("Duration", "duration_p99", duration_threshold_ms, _duration_description),
        AlarmSpec(
            "DeadLetterErrors",
            "dead_letter_errors",
            lambda options, function: _required(options.dead_letter_errors) if function.asynchronous else None,
            _says("failed events could not be sent to the dead-letter queue (lost)"),
        ),
        AlarmSpec(
            "AsyncEventAge",
            "async_event_age",
            lambda options, function: (
                _duration(options.async_event_age).to_milliseconds() if function.asynchronous else None
            ),
            lambda label, options, _: (
                f"{label}: asynchronous events waited at least "
                f"{_duration(options.async_event_age).to_human_string()} before running"
            ),
        ),
        AlarmSpec(
            "ConcurrentExecutions",
            "concurrent_executions",
            lambda options, _: options.concurrent_executions,
            lambda label, options, _: f"{label}: at least {options.concurrent_executions} concurrent executions",
        ),
    ),
)


# --- Dead-letter queues ---------------------------------------------------------------------------


def queue_metrics(queue: WatchedQueue, period: Duration) -> Metrics:
    """The ``AWS/SQS`` metrics of a dead-letter queue."""
    dimensions = {"QueueName": queue.queue_name}
    return {
        "visible": MetricSpec("AWS/SQS", "ApproximateNumberOfMessagesVisible", dimensions, "Maximum", period),
        "oldest": MetricSpec("AWS/SQS", "ApproximateAgeOfOldestMessage", dimensions, "Maximum", period),
    }


def _queue_description(label: str, _: AlarmOptions, queue: WatchedQueue) -> str:
    feeders = f" (dead-letter queue of {', '.join(queue.dead_letter_of)})" if queue.dead_letter_of else ""
    return f"{label}{feeders}: messages waiting in a dead-letter queue are work not done"


DEAD_LETTER_QUEUES: Table[WatchedQueue] = Table(
    group="Queue",
    metrics=queue_metrics,
    alarms=(
        AlarmSpec(
            "MessagesVisible",
            "visible",
            _option("dead_letter_queue_messages"),
            _queue_description,
            single_period=True,
        ),
    ),
)


# --- Step Functions state machines ----------------------------------------------------------------


def state_machine_metrics(machine: WatchedStateMachine, period: Duration) -> Metrics:
    """The ``AWS/States`` metrics of a state machine."""

    def metric(name: str, statistic: str = "Sum") -> MetricSpec:
        return MetricSpec("AWS/States", name, {"StateMachineArn": machine.state_machine_arn}, statistic, period)

    return {
        "started": metric("ExecutionsStarted"),
        "succeeded": metric("ExecutionsSucceeded"),
        "failed": metric("ExecutionsFailed"),
        "timed_out": metric("ExecutionsTimedOut"),
        "throttled": metric("ExecutionThrottled"),
        "execution_time_p99": metric("ExecutionTime", "p99"),
    }


STATE_MACHINES: Table[WatchedStateMachine] = Table(
    group="StateMachine",
    metrics=state_machine_metrics,
    alarms=(
        AlarmSpec(
            "ExecutionsFailed",
            "failed",
            _option("executions_failed"),
            _says("executions failed"),
        ),
        AlarmSpec(
            "ExecutionsTimedOut",
            "timed_out",
            _option("executions_timed_out"),
            _says("executions timed out"),
        ),
        AlarmSpec(
            "ExecutionThrottled",
            "throttled",
            _option("executions_throttled"),
            _says("executions throttled"),
        ),
    ),
)


# --- REST API stages ------------------------------------------------------------------------------


def rest_api_metrics(api: WatchedRestApi, period: Duration) -> Metrics:
    """The ``AWS/ApiGateway`` metrics of a REST API stage, and its 5XX rate as metric math."""

    def metric(name: str, statistic: str) -> MetricSpec:
        return MetricSpec("AWS/ApiGateway", name, {"ApiName": api.api_name, "Stage": api.stage_name}, statistic, period)

    count, server_errors = metric("Count", "Sum"), metric("5XXError", "Sum")
    return {
        "count": count,
        "server_errors": server_errors,
        "client_errors": metric("4XXError", "Sum"),
        "server_error_rate": _percent(("server_errors", server_errors), ("requests", count), period, "5XX rate (%)"),
        "latency_p50": metric("Latency", "p50"),
        "latency_p99": metric("Latency", "p99"),
    }


REST_APIS: Table[WatchedRestApi] = Table(
    group="RestApi",
    metrics=rest_api_metrics,
    alarms=(
        AlarmSpec(
            "ServerErrorRate",
            "server_error_rate",
            _option("server_error_rate_percent"),
            lambda label, options, _: f"{label}: at least {options.server_error_rate_percent}% of requests got a 5XX",
        ),
        AlarmSpec(
            "LatencyP99",
            "latency_p99",
            lambda options, _: _duration(options.latency_p99).to_milliseconds(),
            lambda label, options, _: (
                f"{label}: p99 latency at least {_duration(options.latency_p99).to_human_string()}"
            ),
        ),
    ),
)

# Alarm kinds: construct ids, alarm name suffixes and the names ``AlarmOptions.disabled`` accepts.
ALARM_KINDS = FUNCTIONS.kinds + DEAD_LETTER_QUEUES.kinds + STATE_MACHINES.kinds + REST_APIS.kinds
