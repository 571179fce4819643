"""The alarms, as a table: for each kind of watched resource, its metrics and one spec per alarm kind.

To watch a new kind of resource (an EventBridge rule, a work queue, a table), add a ``Watched*``
record in ``watched.py``, its metrics and a ``Table`` here (registered in ``TABLES``), the options
its thresholds read in ``options.py``, and its dashboard row in ``dashboard.py``. The construct
defines every alarm from these tables; nothing else knows an alarm kind by name.

The order of a table's specs is the order the alarms are defined in (construct tree, template,
alarm status widget): append new kinds at the end so existing templates do not move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from serverless_patterns.lambda_alarms.options import AlarmOptions
    from serverless_patterns.lambda_alarms.watched import (
        WatchedFunction,
        WatchedHttpApi,
        WatchedQueue,
        WatchedRestApi,
        WatchedStateMachine,
    )


from serverless_patterns.lambda_alarms.sink_alarms import RULES, SOURCE_QUEUES, TABLES
from serverless_patterns.lambda_alarms.specs import (
    AlarmSpec,
    Metrics,
    MetricSpec,
    Table,
    anomaly,
    human,
    milliseconds,
    number,
    option,
    percent,
    required,
    says,
)

# --- Lambda functions ---------------------------------------------------------------------------


def function_metrics(function: WatchedFunction, period: int) -> Metrics:
    """The ``AWS/Lambda`` metrics of a function, and its error rate as metric math."""

    def metric(name: str, statistic: str) -> MetricSpec:
        return MetricSpec("AWS/Lambda", name, {"FunctionName": function.function_name}, statistic, period)

    errors, invocations = metric("Errors", "Sum"), metric("Invocations", "Sum")
    return {
        "invocations": invocations,
        "errors": errors,
        "throttles": metric("Throttles", "Sum"),
        "error_rate": percent(("errors", errors), ("invocations", invocations), period, "Error rate (%)"),
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
    return function.timeout_seconds * 1000 * required(options.duration_percent_of_timeout) / 100


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
            option("error_rate_percent"),
            lambda label, options, _: f"{label}: at least {options.error_rate_percent}% of invocations failed",
        ),
        AlarmSpec(
            "Errors",
            "errors",
            option("errors"),
            lambda label, options, _: f"{label}: at least {options.errors} errors in a period",
        ),
        AlarmSpec(
            "Throttles",
            "throttles",
            option("throttles"),
            says("invocations throttled (concurrency exhausted)"),
        ),
        AlarmSpec("Duration", "duration_p99", duration_threshold_ms, _duration_description),
        AlarmSpec(
            "DeadLetterErrors",
            "dead_letter_errors",
            lambda options, function: required(options.dead_letter_errors) if function.asynchronous else None,
            says("failed events could not be sent to the dead-letter queue (lost)"),
        ),
        AlarmSpec(
            "AsyncEventAge",
            "async_event_age",
            lambda options, function: milliseconds(options.async_event_age) if function.asynchronous else None,
            lambda label, options, _: (
                f"{label}: asynchronous events waited at least {human(options.async_event_age)} before running"
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
            lambda options, function: required(options.async_events_dropped) if function.asynchronous else None,
            says(
                "asynchronous events dropped without running the function (lost unless a destination or DLQ got them)"
            ),
            single_period=True,
        ),
        AlarmSpec(
            "ErrorsAnomaly",
            "errors",
            lambda options, _: options.anomaly_band_width,
            anomaly("Errors (Sum)"),
            anomaly=True,
        ),
        AlarmSpec(
            "DurationAnomaly",
            "duration_average",
            lambda options, _: options.anomaly_band_width,
            anomaly("Duration (Average)"),
            anomaly=True,
        ),
    ),
)


# --- Dead-letter queues ---------------------------------------------------------------------------


def queue_metrics(queue: WatchedQueue, period: int) -> Metrics:
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
            option("dead_letter_queue_messages"),
            _queue_description,
            single_period=True,
        ),
    ),
)


# --- Step Functions state machines ----------------------------------------------------------------


def state_machine_metrics(machine: WatchedStateMachine, period: int) -> Metrics:
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
            option("executions_failed"),
            says("executions failed"),
        ),
        AlarmSpec(
            "ExecutionsTimedOut",
            "timed_out",
            option("executions_timed_out"),
            says("executions timed out"),
        ),
        AlarmSpec(
            "ExecutionThrottled",
            "throttled",
            option("executions_throttled"),
            says("executions throttled"),
        ),
    ),
)


# --- REST API stages ------------------------------------------------------------------------------


def rest_api_metrics(api: WatchedRestApi, period: int) -> Metrics:
    """The ``AWS/ApiGateway`` metrics of a REST API stage, and its 5XX rate as metric math."""

    def metric(name: str, statistic: str) -> MetricSpec:
        return MetricSpec("AWS/ApiGateway", name, {"ApiName": api.api_name, "Stage": api.stage_name}, statistic, period)

    count, server_errors, client_errors = metric("Count", "Sum"), metric("5XXError", "Sum"), metric("4XXError", "Sum")
    return {
        "count": count,
        "server_errors": server_errors,
        "client_errors": client_errors,
        "server_error_rate": percent(("server_errors", server_errors), ("requests", count), period, "5XX rate (%)"),
        "latency_p50": metric("Latency", "p50"),
        "latency_p99": metric("Latency", "p99"),
        "client_error_rate": percent(("client_errors", client_errors), ("requests", count), period, "4XX rate (%)"),
        "latency_average": metric("Latency", "Average"),
    }


REST_APIS: Table[WatchedRestApi] = Table(
    group="RestApi",
    metrics=rest_api_metrics,
    alarms=(
        AlarmSpec(
            "ServerErrorRate",
            "server_error_rate",
            option("server_error_rate_percent"),
            lambda label, options, _: f"{label}: at least {options.server_error_rate_percent}% of requests got a 5XX",
        ),
        AlarmSpec(
            "LatencyP99",
            "latency_p99",
            lambda options, _: milliseconds(options.latency_p99),
            lambda label, options, _: f"{label}: p99 latency at least {human(options.latency_p99)}",
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
            anomaly("Latency (Average)"),
            anomaly=True,
        ),
    ),
)


# --- HTTP API stages (API Gateway v2) -----------------------------------------------------------


def http_api_metrics(api: WatchedHttpApi, period: int) -> Metrics:
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
        "server_error_rate": percent(("server_errors", server_errors), ("requests", count), period, "5xx rate (%)"),
        "latency_p50": metric("Latency", "p50"),
        "latency_p99": metric("Latency", "p99"),
        "client_error_rate": percent(("client_errors", client_errors), ("requests", count), period, "4xx rate (%)"),
        "latency_average": metric("Latency", "Average"),
    }


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
