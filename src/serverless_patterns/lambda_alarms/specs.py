"""The machinery of the alarm tables: metric and alarm specs, a table per kind, and their thresholds.

``alarms.py`` (functions, DLQs, state machines, APIs) and ``sink_alarms.py`` (rules, source
queues, tables) declare the tables; ``resources.py`` defines an alarm from a spec and ``widgets.py``
draws a spec on a graph. A metric is plain Python data here, never a jsii object: an alarm and a
graph line are written from it without a round trip to the Node.js kernel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from serverless_patterns._internal.jsii_values import duration_human_string, duration_milliseconds

if TYPE_CHECKING:
    from aws_cdk import Duration

    from serverless_patterns.lambda_alarms.options import AlarmOptions
    from serverless_patterns.lambda_alarms.watched import Watched

# CloudWatch alarm names are at most 255 characters.
MAX_ALARM_NAME = 255

W = TypeVar("W")
R = TypeVar("R", bound="Watched")


@dataclass(frozen=True)
class MetricSpec:
    """One CloudWatch metric: namespace, name, dimensions (values may be tokens), statistic, period.

    The fields of an alarm's metric (PutMetricAlarm: ``Namespace``, ``MetricName``, ``Dimensions``,
    ``Statistic`` or ``ExtendedStatistic``, ``Period``,
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
    """

    namespace: str
    name: str
    dimensions: Mapping[str, str]
    statistic: str
    period_seconds: int

    @property
    def label(self) -> str:
        """The label of its graph line: ``Errors (Sum)``."""
        return f"{self.name} ({self.statistic})"

    @property
    def key(self) -> tuple[object, ...]:
        """What makes two specs the same metric (a graph draws it once), as aws-cdk-lib's ``metricKey``."""
        return (self.namespace, self.name, tuple(sorted(self.dimensions.items())), self.statistic, self.period_seconds)


@dataclass(frozen=True)
class MathSpec:
    """A metric math expression over ``using`` (ids to metrics), with the label of its graph line.

    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
    """

    expression: str
    using: Mapping[str, MetricSpec]
    period_seconds: int
    label: str

    @property
    def key(self) -> tuple[object, ...]:
        """The expression and its metrics by id, as aws-cdk-lib's ``metricKey``."""
        return (self.expression, *((metric_id, self.using[metric_id].key) for metric_id in sorted(self.using)))


AnyMetric = MetricSpec | MathSpec
Metrics = Mapping[str, AnyMetric]


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
    # The resource's metrics, given the period in seconds.
    metrics: Callable[[W, int], Metrics]
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


def number(value: float) -> str:
    """``3`` for 3.0, ``2.5`` for 2.5: thresholds as a reader writes them."""
    return str(int(value)) if float(value).is_integer() else str(value)


def percent(part: tuple[str, MetricSpec], whole: tuple[str, MetricSpec], period_seconds: int, label: str) -> MathSpec:
    """``100 * part / whole`` as metric math; a period without ``whole`` has no datapoint, not a division by zero."""
    (part_id, part_metric), (whole_id, whole_metric) = part, whole
    using = {part_id: part_metric, whole_id: whole_metric}
    return MathSpec(f"100 * {part_id} / {whole_id}", using, period_seconds, label)


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


def milliseconds(value: Duration | None) -> float:
    """A duration threshold in milliseconds (read from jsii once per ``Duration``)."""
    assert value is not None  # every duration threshold has a default in DEFAULTS
    return duration_milliseconds(value)


def human(value: Duration | None) -> str:
    """A duration threshold as a reader writes it (``10 minutes``; read from jsii once per ``Duration``)."""
    assert value is not None  # every duration threshold has a default in DEFAULTS
    return duration_human_string(value)
