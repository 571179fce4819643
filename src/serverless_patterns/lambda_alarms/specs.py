"""The machinery of the alarm tables: metric and alarm specs, a table per kind, and defining alarms from them.

``alarms.py`` (functions, DLQs, state machines, APIs) and ``sink_alarms.py`` (rules, source
queues, tables) declare the tables; the construct defines every alarm through :func:`define_alarms`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

if TYPE_CHECKING:
    from constructs import Construct

    from serverless_patterns.lambda_alarms.options import AlarmOptions
    from serverless_patterns.lambda_alarms.watched import (
        Watched,
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
    # The metrics made so far, by label: a CDK metric is immutable, so an alarm, a metric math
    # expression and a graph share one instead of each creating its own through jsii.
    _made: dict[bool, cloudwatch.Metric] = field(default_factory=dict, compare=False, repr=False)

    def metric(self, *, labelled: bool = False) -> cloudwatch.Metric:
        """The metric; alarms use it unlabelled (a simpler template), graph lines labelled."""
        made = self._made.get(labelled)
        if made is None:
            made = self._made[labelled] = cloudwatch.Metric(
                namespace=self.namespace,
                metric_name=self.name,
                dimensions_map=dict(self.dimensions),
                statistic=self.statistic,
                period=self.period,
                label=f"{self.name} ({self.statistic})" if labelled else None,
            )
        return made


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


def applicable(table: Table[R], watched: R, options: AlarmOptions) -> list[tuple[AlarmSpec[R], float]]:
    """The specs of ``table`` that apply to ``watched`` and are not disabled, with their thresholds."""
    found = []
    for spec in table.alarms:
        threshold = spec.threshold(options, watched)
        if threshold is not None and spec.kind not in options.disabled:
            found.append((spec, threshold))
    return found


def define_alarms(
    scope: Construct, table: Table[R], watched: R, *, options: AlarmOptions, metrics: Metrics, prefix: str
) -> dict[str, cloudwatch.Alarm]:
    """Define in ``scope`` the alarms of ``table`` that apply to ``watched`` and are not disabled, by alarm name."""
    label = watched.label
    defined: dict[str, cloudwatch.Alarm] = {}
    for spec, threshold in applicable(table, watched, options):
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


def percent(
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


def option(name: str) -> Callable[[AlarmOptions, object], float]:
    """A threshold read from the ``AlarmOptions`` field ``name``, whatever the resource."""
    return lambda options, _: required(getattr(options, name))


def says(text: str) -> Callable[[str, AlarmOptions, object], str]:
    """A description that is ``text`` after the resource's label."""
    return lambda label, _, __: f"{label}: {text}"


def anomaly(what: str) -> Callable[[str, AlarmOptions, object], str]:
    """The description of an anomaly detection alarm on ``what``."""
    return lambda label, options, _: (
        f"{label}: {what} above its expected band ({number(options.anomaly_band_width or 0)} standard deviations)"
    )


def required(value: float | None) -> float:
    assert value is not None  # every threshold has a default in DEFAULTS
    return float(value)


def duration(value: Duration | None) -> Duration:
    assert value is not None  # every duration threshold has a default in DEFAULTS
    return value
