"""Alarm thresholds and evaluation settings, overridable for all watched resources and per resource."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as stepfunctions
from constructs import IConstruct
from typing_extensions import TypedDict

from serverless_patterns._internal.jsii_values import duration_milliseconds
from serverless_patterns.lambda_alarms.alarms import ALARM_KINDS
from serverless_patterns.lambda_alarms.watched import contains

if TYPE_CHECKING:
    from serverless_patterns._internal.validation import Rules
    from serverless_patterns.lambda_alarms.watched import Labels, Watched, WatchedFunction


@dataclass(frozen=True, kw_only=True)
class AlarmOptions:
    """Thresholds and evaluation settings; every field left ``None`` is inherited.

    The construct merges, from weakest to strongest: the built-in defaults below, its
    ``alarm_options``, then every entry of ``overrides`` whose key contains the watched resource
    (a less specific key first). Every alarm fires when its metric reaches the threshold
    (``>=``).

    Parameters
    ----------
    period
        Aggregation period of every alarm: 10 s, 30 s or a multiple of 60 s. Default: 5 minutes.
    evaluation_periods
        Periods evaluated, at least 1 (``period * evaluation_periods`` at most one day).
        Default: 3.
    datapoints_to_alarm
        Breaching periods among those evaluated that raise the alarm, 1 to ``evaluation_periods``.
        Default: 2 ("2 out of 3": one bad period alone does not page anyone).
    error_rate_percent
        Function ``100 * Errors / Invocations`` (metric math, sums per period), above 0 and at
        most 100. Default: 5.
    errors
        Function ``Errors`` sum per period, at least 1. Default: 10.
    throttles
        Function ``Throttles`` sum per period, at least 1. Default: 1.
    duration_percent_of_timeout
        Function ``Duration`` p99 as a percentage of the function's own timeout, 1 to 100.
        Default: 80. Setting it explicitly for a function whose timeout is unknown at synth
        (a token, or an imported function) is an error; the default skips such functions.
    async_event_age
        Function ``AsyncEventAge`` maximum (asynchronously invoked functions only), 1 minute to
        6 hours. Default: 10 minutes.
    dead_letter_errors
        Function ``DeadLetterErrors`` sum (asynchronously invoked functions only), at least 1.
        Default: 1: an event that could not even reach the DLQ is lost.
    concurrent_executions
        Function ``ConcurrentExecutions`` maximum, at least 1. Default: - no such alarm.
    dead_letter_queue_messages
        Dead-letter queue ``ApproximateNumberOfMessagesVisible`` maximum, at least 1. Default: 1,
        evaluated over a single period: a message in a DLQ is work not done.
    executions_failed, executions_timed_out, executions_throttled
        State machine ``ExecutionsFailed`` / ``ExecutionsTimedOut`` / ``ExecutionThrottled`` sums,
        at least 1. Default: 1 each.
    server_error_rate_percent
        REST API stage ``100 * 5XXError / Count`` (metric math), above 0 and at most 100.
        Default: 1.
    latency_p99
        REST API stage ``Latency`` p99, 10 ms to 5 minutes. Default: 3 seconds (the article's
        slow-response threshold).
    async_events_dropped
        Function ``AsyncEventsDropped`` sum (asynchronously invoked functions only), at least 1.
        Default: 1, over a single period: a dropped event never ran.
    client_error_rate_percent
        REST or HTTP API stage ``100 * 4XXError / Count`` (``4xx`` for HTTP APIs), above 0 and at
        most 100. Default: - no such alarm (opt in: clients' mistakes are not always yours).
    anomaly_band_width
        Define CloudWatch anomaly detection alarms, with a band this many standard deviations
        wide (1 to 10), on function ``Errors`` (Sum) and ``Duration`` (Average) and API stage
        ``Latency`` (Average). Each is billed as three standard alarms, and each trains an anomaly
        detection model (500 per Region and account). Default: - none.
    rule_failed_invocations
        EventBridge rule ``FailedInvocations`` and ``InvocationsFailedToBeSentToDlq`` sums, at
        least 1. Default: 1, over a single period: each is an event not delivered.
    rule_throttles
        EventBridge rule ``ThrottledRules`` sum, at least 1. Default: 1.
    queue_oldest_message_age
        Source queue ``ApproximateAgeOfOldestMessage`` maximum, 1 minute to 14 days.
        Default: - derived from the queue: ``maxReceiveCount`` times its visibility timeout, and at
        most ``queue_age_percent_of_retention`` of its retention period.
    queue_age_percent_of_retention
        The derived oldest-message threshold's cap, as a percentage of the queue's retention
        period, 1 to 100. Default: 50.
    table_throttles
        DynamoDB table ``ReadThrottleEvents + WriteThrottleEvents`` sum, at least 1. Default: 1.
    table_system_errors
        DynamoDB table ``SystemErrors`` sum over its operations, at least 1. Default: 1.
    disabled
        Alarm kinds not to define, any of ``ALARM_KINDS`` (for example ``("Errors",)``).
        Disabled kinds add up across the merged options. Default: - none.

    Examples
    --------
    >>> from aws_cdk import Duration
    >>> strict = AlarmOptions(error_rate_percent=1, latency_p99=Duration.seconds(1))
    >>> strict.errors is None
    True
    """

    period: Duration | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    error_rate_percent: float | None = None
    errors: int | None = None
    throttles: int | None = None
    duration_percent_of_timeout: float | None = None
    async_event_age: Duration | None = None
    dead_letter_errors: int | None = None
    concurrent_executions: int | None = None
    dead_letter_queue_messages: int | None = None
    executions_failed: int | None = None
    executions_timed_out: int | None = None
    executions_throttled: int | None = None
    server_error_rate_percent: float | None = None
    latency_p99: Duration | None = None
    async_events_dropped: int | None = None
    client_error_rate_percent: float | None = None
    anomaly_band_width: float | None = None
    rule_failed_invocations: int | None = None
    rule_throttles: int | None = None
    queue_oldest_message_age: Duration | None = None
    queue_age_percent_of_retention: float | None = None
    table_throttles: int | None = None
    table_system_errors: int | None = None
    disabled: tuple[str, ...] = ()

    def merged_with(self, stronger: AlarmOptions) -> AlarmOptions:
        """These options with every field that ``stronger`` sets taken from ``stronger``."""
        values = {}
        for option in fields(self):
            if option.name == "disabled":
                continue
            mine, theirs = getattr(self, option.name), getattr(stronger, option.name)
            values[option.name] = mine if theirs is None else theirs
        return AlarmOptions(**values, disabled=tuple(dict.fromkeys(self.disabled + stronger.disabled)))

    def check(self, rules: Rules, where: str) -> None:
        """Record every out-of-range value in ``rules``; ``where`` prefixes each option name."""
        if self.period is not None and not self.period.is_unresolved():
            seconds = self.period.to_seconds()
            rules.check(
                seconds in (10, 30) or (seconds >= 60 and seconds % 60 == 0),
                f"{where}period must be 10 seconds, 30 seconds or a multiple of 60 seconds, got {seconds} seconds",
            )
        rules.at_least(f"{where}evaluation_periods", self.evaluation_periods, 1)
        rules.at_least(f"{where}datapoints_to_alarm", self.datapoints_to_alarm, 1)
        for name in ("error_rate_percent", "server_error_rate_percent", "client_error_rate_percent"):
            value = getattr(self, name)
            if value is not None:
                rules.check(0 < value <= 100, f"{where}{name} must be above 0 and at most 100, got {value}")
        rules.in_range(f"{where}duration_percent_of_timeout", self.duration_percent_of_timeout, 1, 100)
        for name in (
            "errors",
            "throttles",
            "dead_letter_errors",
            "concurrent_executions",
            "dead_letter_queue_messages",
            "executions_failed",
            "executions_timed_out",
            "executions_throttled",
            "async_events_dropped",
            "rule_failed_invocations",
            "rule_throttles",
            "table_throttles",
            "table_system_errors",
        ):
            rules.at_least(f"{where}{name}", getattr(self, name), 1)
        rules.in_range(f"{where}anomaly_band_width", self.anomaly_band_width, 1, 10)
        rules.in_range(f"{where}queue_age_percent_of_retention", self.queue_age_percent_of_retention, 1, 100)
        rules.duration_in_range(f"{where}queue_oldest_message_age", self.queue_oldest_message_age, 60, 14 * 86400)
        rules.duration_in_range(f"{where}async_event_age", self.async_event_age, 60, 6 * 3600)
        rules.duration_in_range(f"{where}latency_p99", self.latency_p99, 0.01, 300)
        for kind in self.disabled:
            rules.one_of(f"{where}disabled", kind, ALARM_KINDS)


DEFAULTS = AlarmOptions(
    period=Duration.minutes(5),
    evaluation_periods=3,
    datapoints_to_alarm=2,
    error_rate_percent=5,
    errors=10,
    throttles=1,
    duration_percent_of_timeout=80,
    async_event_age=Duration.minutes(10),
    dead_letter_errors=1,
    dead_letter_queue_messages=1,
    executions_failed=1,
    executions_timed_out=1,
    executions_throttled=1,
    server_error_rate_percent=1,
    latency_p99=Duration.seconds(3),
    async_events_dropped=1,
    rule_failed_invocations=1,
    rule_throttles=1,
    queue_age_percent_of_retention=50,
    table_throttles=1,
    table_system_errors=1,
)


class Resolver:
    """The options of each watched resource: the defaults, ``alarm_options``, then the overrides that contain it.

    Overrides apply from the least specific key (the shortest construct path) to the most specific.
    """

    def __init__(self, alarm_options: AlarmOptions, overrides: Sequence[tuple[IConstruct, AlarmOptions]]) -> None:
        self._given = alarm_options
        self._base = DEFAULTS.merged_with(alarm_options)
        self.overrides = sorted(overrides, key=lambda item: len(item[0].node.path))

    def options_for(self, construct: IConstruct) -> AlarmOptions:
        """The merged options of one watched resource."""
        options = self._base
        datapoints_given = self._given.datapoints_to_alarm is not None
        for key, value in self.overrides:
            if contains(key, construct):
                options = options.merged_with(value)
                datapoints_given = datapoints_given or value.datapoints_to_alarm is not None
        if not datapoints_given and options.evaluation_periods is not None:
            # The default "2 out of N" becomes "1 out of 1" when only one period is evaluated.
            options = replace(options, datapoints_to_alarm=min(_DEFAULT_DATAPOINTS, options.evaluation_periods))
        return options

    def duration_asked_explicitly(self, construct: IConstruct) -> bool:
        """Whether the user set ``duration_percent_of_timeout`` for this resource (and did not disable it)."""
        asked = self._given.duration_percent_of_timeout is not None or any(
            contains(key, construct) and value.duration_percent_of_timeout is not None for key, value in self.overrides
        )
        return asked and "Duration" not in self.options_for(construct).disabled

    def check_watched(
        self, rules: Rules, records: Sequence[Watched], functions: Sequence[WatchedFunction], labels: Labels
    ) -> list[str]:
        """Record the rules on what is watched; return the labels of functions without a known timeout."""
        constructs = [record.construct for record in records]
        rules.check(
            bool(constructs),
            "nothing to watch: give functions, dead_letter_queues, state_machines, rest_apis, rules, queues, "
            "tables, http_apis, or a watch_scope that holds at least one of them",
        )
        for key, _ in self.overrides:
            rules.check(
                any(contains(key, construct) for construct in constructs),
                f"overrides key {key.node.path} contains no watched resource",
            )
        for construct in constructs:
            self.check(rules, construct, labels.of(construct))
        unknown = []
        for function in functions:
            if function.timeout_seconds is None and self.duration_asked_explicitly(function.construct):
                rules.check(
                    False,
                    f"duration_percent_of_timeout needs a known function timeout, but the timeout of "
                    f"{function.label} is known only at deploy time: disable the Duration alarm for it",
                )
            elif function.timeout_seconds is None:
                unknown.append(function.label)
        return unknown

    def check(self, rules: Rules, construct: IConstruct, label: str) -> None:
        """Record the rules that hold between merged options (``datapoints_to_alarm`` <= ``evaluation_periods``)."""
        options = self.options_for(construct)
        rules.check(
            (options.datapoints_to_alarm or 0) <= (options.evaluation_periods or 0),
            f"datapoints_to_alarm must be at most evaluation_periods ({options.evaluation_periods}) "
            f"for {label}, got {options.datapoints_to_alarm}",
        )
        # The periods are a few shared Durations: their value is read from jsii once.
        period_seconds = duration_milliseconds(options.period) / 1000 if options.period is not None else 0
        if float(period_seconds).is_integer():
            period_seconds = int(period_seconds)
        rules.check(
            period_seconds * (options.evaluation_periods or 0) <= 86400,
            f"period times evaluation_periods must be at most one day for {label}, "
            f"got {period_seconds * (options.evaluation_periods or 0)} seconds",
        )


_DEFAULT_DATAPOINTS = DEFAULTS.datapoints_to_alarm or 1


class ForScopeOptions(TypedDict, total=False):
    """The options of ``LambdaAlarms`` that ``for_scope`` passes on."""

    functions: Sequence[lambda_.IFunction]
    dead_letter_queues: Sequence[sqs.IQueue]
    state_machines: Sequence[stepfunctions.IStateMachine]
    rest_apis: Sequence[IConstruct]
    rules: Sequence[events.IRule]
    queues: Sequence[sqs.IQueue]
    tables: Sequence[IConstruct]
    http_apis: Sequence[IConstruct]
    exclude: Sequence[IConstruct]
    asynchronous_functions: Sequence[lambda_.IFunction]
    alarm_options: AlarmOptions | None
    overrides: Mapping[IConstruct, AlarmOptions] | None
    alarm_name_prefix: str | None
    topic: sns.ITopic | None
    topic_key: kms.IKey | None
    emails: Sequence[str]
    ok_actions: bool
    composite_alarm: bool
    member_alarm_action: cloudwatch.IAlarmAction | None
    dashboard: bool
    dashboard_name: str | None
