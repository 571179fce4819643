"""The alarm tables of the sinks issue #15 added: EventBridge rules, source queues and DynamoDB tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from serverless_patterns.lambda_alarms.options import AlarmOptions
    from serverless_patterns.lambda_alarms.watched import (
        WatchedRule,
        WatchedSourceQueue,
        WatchedTable,
    )


from serverless_patterns.lambda_alarms.specs import (
    AlarmSpec,
    MathSpec,
    Metrics,
    MetricSpec,
    Table,
    number,
    option,
    required,
    says,
)

# --- EventBridge rules ----------------------------------------------------------------------------


def rule_metrics(rule: WatchedRule, period: int) -> Metrics:
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
            option("rule_failed_invocations"),
            says("target invocations failed permanently (events not delivered)"),
            single_period=True,
        ),
        AlarmSpec(
            "InvocationsFailedToBeSentToDlq",
            "failed_to_dlq",
            option("rule_failed_invocations"),
            says("undelivered events could not be sent to the dead-letter queue (lost)"),
            single_period=True,
        ),
        AlarmSpec(
            "ThrottledRules",
            "throttled",
            option("rule_throttles"),
            says("rule runs throttled"),
        ),
    ),
)


# --- Source queues --------------------------------------------------------------------------------


def source_queue_metrics(queue: WatchedSourceQueue, period: int) -> Metrics:
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
        candidates.append(queue.retention_seconds * required(options.queue_age_percent_of_retention) / 100)
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


def table_metrics(table: WatchedTable, period: int) -> Metrics:
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
        "throttles": MathSpec(
            "FILL(reads, 0) + FILL(writes, 0)", {"reads": reads, "writes": writes}, period, "Throttle events"
        ),
        "system_errors": MathSpec(
            " + ".join(f"FILL({metric_id}, 0)" for metric_id in errors), errors, period, "System errors"
        ),
    }


TABLES: Table[WatchedTable] = Table(
    group="Table",
    metrics=table_metrics,
    alarms=(
        AlarmSpec(
            "Throttles",
            "throttles",
            option("table_throttles"),
            lambda label, options, _: f"{label}: at least {options.table_throttles} read or write throttle events",
        ),
        AlarmSpec(
            "SystemErrors",
            "system_errors",
            option("table_system_errors"),
            says("DynamoDB returned HTTP 500 errors"),
        ),
    ),
)
