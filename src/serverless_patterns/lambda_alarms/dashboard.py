"""The dashboards: a title, alarm status widgets, one row of graphs per watched resource and business metrics.

Rows are packed into as many dashboards as CloudWatch's limits need. Each dashboard is an
``AWS::CloudWatch::Dashboard`` L1 whose body ``widgets.py`` writes from Python data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct, IConstruct

from serverless_patterns.lambda_alarms.alarms import (
    DEAD_LETTER_QUEUES,
    FUNCTIONS,
    HTTP_APIS,
    REST_APIS,
    STATE_MACHINES,
    duration_threshold_ms,
)
from serverless_patterns.lambda_alarms.discovery import walk
from serverless_patterns.lambda_alarms.options import AlarmOptions
from serverless_patterns.lambda_alarms.sink_alarms import (
    RULES,
    SOURCE_QUEUES,
    SYSTEM_ERROR_OPERATIONS,
    TABLES,
    oldest_message_threshold_seconds,
)
from serverless_patterns.lambda_alarms.specs import Metrics, number
from serverless_patterns.lambda_alarms.watched import (
    Labels,
    WatchedFunction,
    WatchedHttpApi,
    WatchedQueue,
    WatchedRestApi,
    WatchedRule,
    WatchedSourceQueue,
    WatchedStateMachine,
    WatchedTable,
)
from serverless_patterns.lambda_alarms.widgets import ORANGE, AlarmStatus, Annotation, Graph, Text, Widget, body

# CloudWatch dashboard quotas, checked against AWS's pages: "Up to 500 widgets per dashboard. Up
# to 500 metrics per dashboard widget. Up to 2500 metrics per dashboard, across all widgets"
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html); a
# DashboardBody holds "between 0 and 500 widget objects", an alarm status widget's ``alarms``
# array "can have 1-100 ARNs", and the grid is 24 units wide
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
# Rows are packed into as many dashboards as these limits need; the metric count is conservative
# (a metric math expression and each of its inputs count as one).
MAX_WIDGETS_PER_DASHBOARD = 500
MAX_METRICS_PER_DASHBOARD = 2500
MAX_ALARMS_PER_STATUS_WIDGET = 100
# Our own, far below the quota of 500: a graph stays readable with at most 4 lines.
MAX_METRICS_PER_GRAPH = 4


@dataclass
class Row:
    """The graphs of one watched resource, how many metrics they hold, and the ARNs of the resource's alarms."""

    widgets: Sequence[Widget]
    metric_count: int
    alarms: list[str]


def function_row(function: WatchedFunction, metrics: Metrics, options: AlarmOptions) -> tuple[list[Widget], int]:
    """Invocations; errors and error rate; p50/p99 duration against the timeout; throttles and async health."""
    label = function.label
    annotations: list[Annotation] = []
    threshold_ms = duration_threshold_ms(options, function)
    if function.timeout_seconds is not None and threshold_ms is not None:
        annotations.append(Annotation(function.timeout_seconds * 1000, "timeout"))
        if "Duration" not in options.disabled:
            annotations.append(
                Annotation(
                    threshold_ms, f"p99 alarm ({number(options.duration_percent_of_timeout or 0)}% of timeout)", ORANGE
                )
            )
    asynchronous = function.asynchronous
    widgets: list[Widget] = [
        Graph(f"{label}: invocations", [metrics["invocations"]]),
        Graph(f"{label}: errors", [metrics["errors"]], right=[metrics["error_rate"]]),
        Graph(f"{label}: duration", [metrics["duration_p50"], metrics["duration_p99"]], annotations=annotations),
        Graph(
            f"{label}: throttles" + (", async" if asynchronous else ""),
            [metrics["throttles"], *([metrics["dead_letter_errors"]] if asynchronous else [])],
            right=[metrics["concurrent_executions"], *([metrics["async_event_age"]] if asynchronous else [])],
        ),
    ]
    return widgets, 1 + 3 + 2 + 2 + (2 if asynchronous else 0)


def queue_row(queue: WatchedQueue, metrics: Metrics, _: AlarmOptions) -> tuple[list[Widget], int]:
    """Visible messages; age of the oldest message."""
    widgets: list[Widget] = [
        Graph(f"{queue.label}: dead-letter messages", [metrics["visible"]], width=12),
        Graph(f"{queue.label}: age of oldest message", [metrics["oldest"]], width=12),
    ]
    return widgets, 2


def state_machine_row(machine: WatchedStateMachine, metrics: Metrics, _: AlarmOptions) -> tuple[list[Widget], int]:
    """Started, succeeded, failed and timed out; p99 execution time with throttles."""
    label = machine.label
    widgets: list[Widget] = [
        Graph(
            f"{label}: executions",
            [metrics["started"], metrics["succeeded"], metrics["failed"], metrics["timed_out"]],
            width=12,
        ),
        Graph(
            f"{label}: execution time and throttles",
            [metrics["execution_time_p99"]],
            right=[metrics["throttled"]],
            width=12,
        ),
    ]
    return widgets, 6


def rest_api_row(api: WatchedRestApi | WatchedHttpApi, metrics: Metrics, _: AlarmOptions) -> tuple[list[Widget], int]:
    """Requests; 4XX and 5XX with the 5XX rate; p50 and p99 latency."""
    label = api.label
    widgets: list[Widget] = [
        Graph(f"{label}: requests", [metrics["count"]], width=8),
        Graph(
            f"{label}: errors",
            [metrics["client_errors"], metrics["server_errors"]],
            right=[metrics["server_error_rate"]],
            width=8,
        ),
        Graph(f"{label}: latency", [metrics["latency_p50"], metrics["latency_p99"]], width=8),
    ]
    return widgets, 1 + 3 + 2


def rule_row(rule: WatchedRule, metrics: Metrics, _: AlarmOptions) -> tuple[list[Widget], int]:
    """Deliveries (invocations, sent to the DLQ); failures (failed, not sent to the DLQ, throttled)."""
    widgets: list[Widget] = [
        Graph(f"{rule.label}: deliveries", [metrics["invocations"], metrics["sent_to_dlq"]], width=12),
        Graph(
            f"{rule.label}: failures",
            [metrics["failed"], metrics["failed_to_dlq"], metrics["throttled"]],
            width=12,
        ),
    ]
    return widgets, 5


def source_queue_row(queue: WatchedSourceQueue, metrics: Metrics, options: AlarmOptions) -> tuple[list[Widget], int]:
    """Age of the oldest message against its alarm threshold; visible messages."""
    threshold = oldest_message_threshold_seconds(options, queue)
    annotations = (
        [Annotation(threshold, "alarm", ORANGE)]
        if threshold is not None and "OldestMessageAge" not in options.disabled
        else []
    )
    widgets: list[Widget] = [
        Graph(f"{queue.label}: age of oldest message", [metrics["oldest"]], width=12, annotations=annotations),
        Graph(f"{queue.label}: visible messages", [metrics["visible"]], width=12),
    ]
    return widgets, 2


def table_row(table: WatchedTable, metrics: Metrics, _: AlarmOptions) -> tuple[list[Widget], int]:
    """Read and write throttle events; system errors summed over the operations."""
    widgets: list[Widget] = [
        Graph(f"{table.label}: throttle events", [metrics["reads_throttled"], metrics["writes_throttled"]], width=12),
        Graph(f"{table.label}: system errors", [metrics["system_errors"]], width=12),
    ]
    return widgets, 2 + 1 + len(SYSTEM_ERROR_OPERATIONS)


# The row builder of each alarm table, by the table's group.
ROWS: dict[str, Callable[[Any, Metrics, AlarmOptions], tuple[list[Widget], int]]] = {
    FUNCTIONS.group: function_row,
    DEAD_LETTER_QUEUES.group: queue_row,
    STATE_MACHINES.group: state_machine_row,
    REST_APIS.group: rest_api_row,
    RULES.group: rule_row,
    SOURCE_QUEUES.group: source_queue_row,
    TABLES.group: table_row,
    HTTP_APIS.group: rest_api_row,
}


def business_rows(roots: Iterable[IConstruct], exclude: Iterable[IConstruct], labels: Labels) -> list[Row]:
    """A row of graphs per construct under ``roots`` that reports business metrics, in tree order.

    A construct reports them with a ``business_metrics()`` method returning CloudWatch metrics
    (``CrudRestApi``: precondition failures, idempotent replays, validation rejections;
    ``EventFanout``: events never published; ``SagaWorkflow``: compensations). They have no alarm:
    what they count is the application working as designed, to be read next to the alarms.
    """
    rows = []

    # Only constructs with the method: reading every construct's path would cost a jsii round trip each.
    def reports(construct: IConstruct) -> bool:
        return callable(getattr(construct, "business_metrics", None))

    for path, construct in walk(roots, exclude, keep=reports):
        report = getattr(construct, "business_metrics", None)
        metrics: list[cloudwatch.IMetric] = list(report()) if callable(report) else []
        if not metrics:
            continue
        label = labels.of_path(path)
        chunks = [
            metrics[start : start + MAX_METRICS_PER_GRAPH] for start in range(0, len(metrics), MAX_METRICS_PER_GRAPH)
        ]
        # Other constructs' metrics are jsii objects: their graphs are aws-cdk-lib's, which render them.
        widgets: list[Widget] = [
            cloudwatch.GraphWidget(
                title=f"{label}: business metrics" + (f" ({number_})" if len(chunks) > 1 else ""),
                left=chunk,
                width=12,
                height=6,
            )
            for number_, chunk in enumerate(chunks, start=1)
        ]
        # A metric math expression counts with each of its inputs, as the dashboard quota does.
        count = sum(
            1 + (len(metric.using_metrics) if isinstance(metric, cloudwatch.MathExpression) else 0)
            for metric in metrics
        )
        rows.append(Row(widgets, count, []))
    return rows


def dashboards(
    owner: Construct,
    stack: Stack,
    rows: Sequence[Row],
    *,
    name: str | None,
    title: str,
    health: Sequence[str] = (),
) -> list[cloudwatch.CfnDashboard]:
    """Define the dashboards of ``rows`` in ``owner`` (``Dashboard``, ``Dashboard2``, ...) within CloudWatch limits.

    ``stack`` is ``owner``'s. ``health`` (the ARN of the composite alarm) gets an alarm status
    widget of its own at the top of the first dashboard. Each dashboard is the ``Resource`` child of
    a construct ``Dashboard<n>``, where aws-cdk-lib's ``Dashboard`` puts it (same logical ids).
    """
    pages: list[list[Row]] = [[]]
    widgets = 1 if health else 0
    metrics = alarm_count = 0
    for row in rows:
        status_widgets = math.ceil((alarm_count + len(row.alarms)) / MAX_ALARMS_PER_STATUS_WIDGET)
        too_many_widgets = 1 + status_widgets + widgets + len(row.widgets) > MAX_WIDGETS_PER_DASHBOARD
        if pages[-1] and (too_many_widgets or metrics + row.metric_count > MAX_METRICS_PER_DASHBOARD):
            pages.append([])
            widgets = metrics = alarm_count = 0
        pages[-1].append(row)
        widgets += len(row.widgets)
        metrics += row.metric_count
        alarm_count += len(row.alarms)
    defined = []
    for number_, page in enumerate(pages, start=1):
        page_name = None if name is None else (name if number_ == 1 else f"{name}-{number_}")
        holder = Construct(owner, "Dashboard" if number_ == 1 else f"Dashboard{number_}")
        heading = f"# {title}" + (f" ({number_} of {len(pages)})" if len(pages) > 1 else "")
        layout: list[Sequence[Widget]] = [[Text(heading)]]
        if health and number_ == 1:
            layout.append([AlarmStatus("Service health", health)])
        page_alarms = [alarm for row in page for alarm in row.alarms]
        for start in range(0, len(page_alarms), MAX_ALARMS_PER_STATUS_WIDGET):
            chunk = page_alarms[start : start + MAX_ALARMS_PER_STATUS_WIDGET]
            layout.append(
                [
                    AlarmStatus(
                        "Alarm status",
                        chunk,
                        height=min(2 + math.ceil(len(chunk) / 4), 20),
                        sort_by="stateUpdatedTimestamp",
                    )
                ]
            )
        layout += [row.widgets for row in page]
        defined.append(
            cloudwatch.CfnDashboard(
                holder, "Resource", dashboard_body=body(stack, layout, holder), dashboard_name=page_name
            )
        )
    return defined
