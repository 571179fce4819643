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
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

if TYPE_CHECKING:
    from constructs import Construct

    from serverless_patterns.lambda_alarms.options import AlarmOptions
    from serverless_patterns.lambda_alarms.watched import (
        Watched,
        WatchedFunction,
        WatchedHttpApi,
        WatchedQueue,
        WatchedRestApi,
        WatchedRule,
        WatchedSourceQueue,
        WatchedStateMachine,
        WatchedTable,
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
    ``single_period`` alarms evaluate one period whatever the options say. ``anomaly`` alarms are
    CloudWatch anomaly detection alarms: their threshold is the band's width in standard
    deviations, and they fire above the band.
    """

    kind: str
    metric: str
    threshold: Callable[[AlarmOptions, W], float | None]
    describe: Callable[[str, AlarmOptions, W], str]
    single_period: bool = False
    anomaly: bool = False


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
    defined: dict[str, cloudwatch.Alarm] = {}
    for spec in table.alarms:
        threshold = spec.threshold(options, watched)
        if threshold is None or spec.kind in options.disabled:
            continue
        name = alarm_name(prefix, label, spec.kind)
        if spec.anomaly:
            defined[name] = cloudwatch.AnomalyDetectionAlarm(
                scope,
                spec.kind,
                alarm_name=name,
                alarm_description=spec.describe(label, options, watched),
                metric=as_metric(metrics[spec.metric]),
                std_devs=threshold,
                evaluation_periods=options.evaluation_periods or 1,
                datapoints_to_alarm=options.datapoints_to_alarm,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            continue
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


def _anomaly(what: str) -> Callable[[str, AlarmOptions, object], str]:
    """The description of an anomaly detection alarm on ``what``."""
    return lambda label, options, _: (
        f"{label}: {what} above its expected band ({number(options.anomaly_band_width or 0)} standard deviations)"
    )


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
        "async_events_dropped": metric("AsyncEventsDropped", "Sum"),
        "duration_average": metric("Duration", "Average"),
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
        # Lambda's asynchronous invocation metrics (Sum; FunctionName):
        # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#async-invocation-metrics
        AlarmSpec(
            "AsyncEventsDropped",
            "async_events_dropped",
            lambda options, function: _required(options.async_events_dropped) if function.asynchronous else None,
            _says(
                "asynchronous events dropped without running the function (lost unless a destination or DLQ got them)"
            ),
            single_period=True,
        ),
        AlarmSpec(
            "ErrorsAnomaly",
            "errors",
            lambda options, _: options.anomaly_band_width,
            _anomaly("Errors (Sum)"),
            anomaly=True,
        ),
        AlarmSpec(
            "DurationAnomaly",
            "duration_average",
            lambda options, _: options.anomaly_band_width,
            _anomaly("Duration (Average)"),
            anomaly=True,
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

    count, server_errors, client_errors = metric("Count", "Sum"), metric("5XXError", "Sum"), metric("4XXError", "Sum")
    return {
        "count": count,
        "server_errors": server_errors,
        "client_errors": client_errors,
        "server_error_rate": _percent(("server_errors", server_errors), ("requests", count), period, "5XX rate (%)"),
        "latency_p50": metric("Latency", "p50"),
        "latency_p99": metric("Latency", "p99"),
        "client_error_rate": _percent(("client_errors", client_errors), ("requests", count), period, "4XX rate (%)"),
        "latency_average": metric("Latency", "Average"),
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
        AlarmSpec(
            "ClientErrorRate",
            "client_error_rate",
            lambda options, _: options.client_error_rate_percent,
            lambda label, options, _: f"{label}: at least {options.client_error_rate_percent}% of requests got a 4XX",
        ),
        AlarmSpec(
            "LatencyAnomaly",
            "latency_average",
            lambda options, _: options.anomaly_band_width,
            _anomaly("Latency (Average)"),
            anomaly=True,
        ),
    ),
)


# --- HTTP API stages (API Gateway v2) -----------------------------------------------------------


def http_api_metrics(api: WatchedHttpApi, period: Duration) -> Metrics:
    """The ``AWS/ApiGateway`` metrics of an HTTP API stage (dimensions ``ApiId`` and ``Stage``).

    HTTP APIs name their error metrics ``4xx`` and ``5xx``, not REST's ``4XXError``/``5XXError``:
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
    """

    def metric(name: str, statistic: str) -> MetricSpec:
        return MetricSpec("AWS/ApiGateway", name, {"ApiId": api.api_id, "Stage": api.stage_name}, statistic, period)

    count, server_errors, client_errors = metric("Count", "Sum"), metric("5xx", "Sum"), metric("4xx", "Sum")
    return {
        "count": count,
        "server_errors": server_errors,
        "client_errors": client_errors,
        "server_error_rate": _percent(("server_errors", server_errors), ("requests", count), period, "5xx rate (%)"),
        "latency_p50": metric("Latency", "p50"),
        "latency_p99": metric("Latency", "p99"),
        "client_error_rate": _percent(("client_errors", client_errors), ("requests", count), period, "4xx rate (%)"),
        "latency_average": metric("Latency", "Average"),
    }


# --- EventBridge rules ----------------------------------------------------------------------------


def rule_metrics(rule: WatchedRule, period: Duration) -> Metrics:
    """The ``AWS/Events`` metrics of a rule (Sum; ``RuleName``, with ``EventBusName`` on a custom bus).

    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html: "Metrics that
    specify both the EventBusName and RuleName dimensions refer to a custom event bus."
    """
    dimensions = {"RuleName": rule.rule_name}
    if rule.event_bus_name is not None:
        dimensions = {"EventBusName": rule.event_bus_name, **dimensions}

    def metric(name: str) -> MetricSpec:
        return MetricSpec("AWS/Events", name, dimensions, "Sum", period)

    return {
        "invocations": metric("Invocations"),
        "failed": metric("FailedInvocations"),
        "failed_to_dlq": metric("InvocationsFailedToBeSentToDlq"),
        "throttled": metric("ThrottledRules"),
        "sent_to_dlq": metric("InvocationsSentToDlq"),
    }


RULES: Table[WatchedRule] = Table(
    group="Rule",
    metrics=rule_metrics,
    alarms=(
        AlarmSpec(
            "FailedInvocations",
            "failed",
            _option("rule_failed_invocations"),
            _says("target invocations failed permanently (events not delivered)"),
            single_period=True,
        ),
        AlarmSpec(
            "InvocationsFailedToBeSentToDlq",
            "failed_to_dlq",
            _option("rule_failed_invocations"),
            _says("undelivered events could not be sent to the dead-letter queue (lost)"),
            single_period=True,
        ),
        AlarmSpec(
            "ThrottledRules",
            "throttled",
            _option("rule_throttles"),
            _says("rule runs throttled"),
        ),
    ),
)


# --- Source queues --------------------------------------------------------------------------------


def source_queue_metrics(queue: WatchedSourceQueue, period: Duration) -> Metrics:
    """The ``AWS/SQS`` metrics of a source queue (``QueueName``).

    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
    """
    dimensions = {"QueueName": queue.queue_name}
    return {
        "oldest": MetricSpec("AWS/SQS", "ApproximateAgeOfOldestMessage", dimensions, "Maximum", period),
        "visible": MetricSpec("AWS/SQS", "ApproximateNumberOfMessagesVisible", dimensions, "Maximum", period),
    }


def oldest_message_threshold_seconds(options: AlarmOptions, queue: WatchedSourceQueue) -> float | None:
    """The ``ApproximateAgeOfOldestMessage`` threshold in seconds, derived from the queue's own settings.

    A message that a consumer receives and fails leaves a queue with a redrive policy after about
    ``maxReceiveCount`` visibility timeouts (it moves to the DLQ; SQS leaves such poison-pill
    messages out of the metric). An oldest message older than that is one nobody receives: the
    consumer stopped, and the DLQ stays empty. Whatever the redrive, SQS deletes a message at the
    end of its retention period, so the alarm fires at ``queue_age_percent_of_retention`` of it at
    the latest. ``queue_oldest_message_age`` replaces the derivation. ``None`` when nothing is
    known at synth (an imported queue, settings that are tokens).
    """
    if options.queue_oldest_message_age is not None:
        return options.queue_oldest_message_age.to_seconds()
    candidates = []
    if queue.retention_seconds is not None:
        candidates.append(queue.retention_seconds * _required(options.queue_age_percent_of_retention) / 100)
    if queue.max_receive_count is not None and queue.visibility_timeout_seconds is not None:
        candidates.append(max(queue.max_receive_count * queue.visibility_timeout_seconds, 60.0))
    return min(candidates) if candidates else None


def _oldest_description(label: str, options: AlarmOptions, queue: WatchedSourceQueue) -> str:
    threshold = oldest_message_threshold_seconds(options, queue) or 0
    readers = f" (read by {', '.join(queue.consumed_by)})" if queue.consumed_by else ""
    return (
        f"{label}{readers}: the oldest message waited at least {number(threshold)} s: nobody receives it, "
        "and SQS deletes it unread at the end of the retention period"
    )


SOURCE_QUEUES: Table[WatchedSourceQueue] = Table(
    group="SourceQueue",
    metrics=source_queue_metrics,
    alarms=(AlarmSpec("OldestMessageAge", "oldest", oldest_message_threshold_seconds, _oldest_description),),
)


# --- DynamoDB tables ------------------------------------------------------------------------------

# DynamoDB publishes SystemErrors per TableName and Operation only, so the alarm sums the
# operations as metric math; a metric math alarm holds at most 10 metrics (CloudWatch service
# quotas: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html).
SYSTEM_ERROR_OPERATIONS = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
)


def table_metrics(table: WatchedTable, period: Duration) -> Metrics:
    """The ``AWS/DynamoDB`` metrics of a table: throttle events and system errors as metric math sums.

    ``ReadThrottleEvents``/``WriteThrottleEvents`` (Sum; ``TableName``) and ``SystemErrors`` (Sum;
    ``TableName``, ``Operation``):
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
    """
    name = {"TableName": table.table_name}
    reads = MetricSpec("AWS/DynamoDB", "ReadThrottleEvents", name, "Sum", period)
    writes = MetricSpec("AWS/DynamoDB", "WriteThrottleEvents", name, "Sum", period)
    errors = {
        f"e{index}": MetricSpec("AWS/DynamoDB", "SystemErrors", {**name, "Operation": operation}, "Sum", period)
        for index, operation in enumerate(SYSTEM_ERROR_OPERATIONS)
    }
    return {
        "reads_throttled": reads,
        "writes_throttled": writes,
        "throttles": cloudwatch.MathExpression(
            expression="FILL(reads, 0) + FILL(writes, 0)",
            using_metrics={"reads": reads.metric(), "writes": writes.metric()},
            period=period,
            label="Throttle events",
        ),
        "system_errors": cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({metric_id}, 0)" for metric_id in errors),
            using_metrics={metric_id: metric.metric() for metric_id, metric in errors.items()},
            period=period,
            label="System errors",
        ),
    }


TABLES: Table[WatchedTable] = Table(
    group="Table",
    metrics=table_metrics,
    alarms=(
        AlarmSpec(
            "Throttles",
            "throttles",
            _option("table_throttles"),
            lambda label, options, _: f"{label}: at least {options.table_throttles} read or write throttle events",
        ),
        AlarmSpec(
            "SystemErrors",
            "system_errors",
            _option("table_system_errors"),
            _says("DynamoDB returned HTTP 500 errors"),
        ),
    ),
)


HTTP_APIS: Table[WatchedHttpApi] = Table(
    group="HttpApi",
    metrics=http_api_metrics,
    # The same alarm kinds as a REST API's (no spec reads the resource), on the HTTP API's metrics.
    alarms=cast("tuple[AlarmSpec[WatchedHttpApi], ...]", REST_APIS.alarms),
)

# Alarm kinds: construct ids, alarm name suffixes and the names ``AlarmOptions.disabled`` accepts.
ALARM_KINDS = tuple(
    dict.fromkeys(
        FUNCTIONS.kinds
        + DEAD_LETTER_QUEUES.kinds
        + STATE_MACHINES.kinds
        + REST_APIS.kinds
        + RULES.kinds
        + SOURCE_QUEUES.kinds
        + TABLES.kinds
        + HTTP_APIS.kinds
    )
)
