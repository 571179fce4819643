"""The alarms LambdaAlarms defines at synthesis: ``AWS::CloudWatch::Alarm`` L1s written from the specs.

An alarm is one jsii ``create`` (and one read of its ARN), not a tree of jsii objects (a metric,
a metric math expression, an L2 ``Alarm`` and its actions) rendered to the same properties. The
properties are those of the resource type
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html),
written as aws-cdk-lib's ``Alarm`` writes them: a single metric as ``Namespace``, ``MetricName``,
``Dimensions`` (sorted by name), ``Period`` and ``Statistic`` (or ``ExtendedStatistic`` for a
percentile); metric math as ``Metrics``, the expression first (``expr_1``, the one that returns
data) and its inputs after it; an anomaly detection alarm as the ``ANOMALY_DETECTION_BAND``
expression over its metric (``m0``), named by ``ThresholdMetricId``.

Each alarm is the ``Resource`` child of a construct named after its kind, where aws-cdk-lib's
``Alarm`` would put it, so the construct paths and logical ids are those of the L2s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from constructs import Construct

from serverless_patterns.lambda_alarms.specs import (
    AnyMetric,
    Metrics,
    MetricSpec,
    Table,
    alarm_name,
    applicable,
    number,
)

if TYPE_CHECKING:
    from serverless_patterns.lambda_alarms.options import AlarmOptions
    from serverless_patterns.lambda_alarms.specs import R

# The statistics that go in ``Statistic``; any other (a percentile such as p99) is an ``ExtendedStatistic``
# (PutMetricAlarm: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
STANDARD_STATISTICS = frozenset({"SampleCount", "Average", "Sum", "Minimum", "Maximum"})
# An alarm fires when the metric reaches its threshold; no datapoint means the resource did no
# work in that period, which is not a failure.
_AT_OR_ABOVE = "GreaterThanOrEqualToThreshold"
_ABOVE_THE_BAND = "GreaterThanUpperThreshold"
_NOT_BREACHING = "notBreaching"


class AlarmActions:
    """The ARNs an alarm notifies: a topic's (read once), or what any ``IAlarmAction`` answers when bound to it."""

    def __init__(self, *, topic_arn: str | None = None, action: cloudwatch.IAlarmAction | None = None) -> None:
        assert (topic_arn is None) != (action is None)
        self._known = [topic_arn] if topic_arn is not None else None
        self._action = action

    @property
    def known(self) -> list[str] | None:
        """The ARNs when they do not depend on the alarm, else ``None``."""
        return self._known

    def bound_to(self, alarm: AlarmHolder) -> list[str]:
        """The ARNs for ``alarm``: its action bound to it, as ``Alarm.add_alarm_action`` does.

        An action may define resources for the alarm (``LambdaAction`` adds an invoke permission
        named after the alarm's id or path, whose source is its ARN). An ``SnsAction`` always
        answers its topic's ARN: it is bound once.
        """
        if self._known is not None:
            return self._known
        assert self._action is not None
        arns = [self._action.bind(alarm, alarm).alarm_action_arn]
        if isinstance(self._action, cloudwatch_actions.SnsAction):
            self._known = arns
        return arns


class AlarmHolder(cloudwatch.AlarmBase):
    """The construct an alarm sits in when an action binds to it: an ``IAlarm`` where aws-cdk-lib's ``Alarm`` would be.

    Its ARN and name are those of the ``CfnAlarm`` inside it (set once it is defined).
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.arn = ""
        self.name = ""

    @property
    def alarm_arn(self) -> str:
        """The alarm's ARN."""
        return self.arn

    @property
    def alarm_name(self) -> str:
        """The alarm's name."""
        return self.name


def define_alarms(
    scope: Construct,
    table: Table[R],
    watched: R,
    *,
    options: AlarmOptions,
    metrics: Metrics,
    prefix: str,
    actions: AlarmActions,
    ok_actions: bool,
) -> list[tuple[str, cloudwatch.CfnAlarm, str]]:
    """Define in ``scope`` the alarms of ``table`` that apply to ``watched``; return (name, alarm, ARN) of each."""
    label = watched.label
    defined = []
    for spec, threshold in applicable(table, watched, options):
        name = alarm_name(prefix, label, spec.kind)
        metric = metrics[spec.metric]
        if spec.anomaly:
            assert isinstance(metric, MetricSpec)
            shape: dict[str, Any] = {
                "comparison_operator": _ABOVE_THE_BAND,
                "threshold_metric_id": "expr_1",
                "metrics": _anomaly_band(metric, threshold),
                "evaluation_periods": options.evaluation_periods or 1,
                "datapoints_to_alarm": options.datapoints_to_alarm,
            }
        else:
            single = spec.single_period
            shape = {
                "comparison_operator": _AT_OR_ABOVE,
                "threshold": threshold,
                "evaluation_periods": 1 if single else (options.evaluation_periods or 1),
                "datapoints_to_alarm": 1 if single else options.datapoints_to_alarm,
                **metric_properties(metric),
            }
        known = actions.known
        holder = Construct(scope, spec.kind) if known is not None else AlarmHolder(scope, spec.kind)
        alarm = cloudwatch.CfnAlarm(
            holder,
            "Resource",
            alarm_name=name,
            alarm_description=spec.describe(label, options, watched),
            treat_missing_data=_NOT_BREACHING,
            alarm_actions=known,
            ok_actions=known if ok_actions else None,
            **shape,
        )
        arn = alarm.attr_arn
        if isinstance(holder, AlarmHolder):
            holder.arn, holder.name = arn, alarm.ref
            bound = actions.bound_to(holder)
            alarm.alarm_actions = bound
            if ok_actions:
                alarm.ok_actions = bound
        defined.append((name, alarm, arn))
    return defined


def metric_properties(metric: AnyMetric) -> dict[str, Any]:
    """The ``CfnAlarm`` properties of an alarm on ``metric``: the metric's own, or ``metrics`` for metric math."""
    if isinstance(metric, MetricSpec):
        return {
            "namespace": metric.namespace,
            "metric_name": metric.name,
            "dimensions": _dimensions(metric) or None,
            "period": metric.period_seconds,
            **_statistic(metric.statistic),
        }
    return {
        "metrics": [
            cloudwatch.CfnAlarm.MetricDataQueryProperty(
                id="expr_1", expression=metric.expression, label=metric.label, return_data=True
            ),
            *(_input(metric_id, input_metric, return_data=False) for metric_id, input_metric in metric.using.items()),
        ]
    }


def _anomaly_band(metric: MetricSpec, width: float) -> list[cloudwatch.CfnAlarm.MetricDataQueryProperty]:
    """The band ``width`` standard deviations wide around ``metric``'s expected values, and the metric.

    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html
    """
    return [
        cloudwatch.CfnAlarm.MetricDataQueryProperty(
            id="expr_1",
            expression=f"ANOMALY_DETECTION_BAND(m0, {number(width)})",
            label="Anomaly Detection Band",
            return_data=True,
        ),
        _input("m0", metric, return_data=True),
    ]


def _input(metric_id: str, metric: MetricSpec, *, return_data: bool) -> cloudwatch.CfnAlarm.MetricDataQueryProperty:
    return cloudwatch.CfnAlarm.MetricDataQueryProperty(
        id=metric_id,
        metric_stat=cloudwatch.CfnAlarm.MetricStatProperty(
            metric=cloudwatch.CfnAlarm.MetricProperty(
                metric_name=metric.name, namespace=metric.namespace, dimensions=_dimensions(metric) or None
            ),
            period=metric.period_seconds,
            stat=metric.statistic,
        ),
        return_data=return_data,
    )


def _dimensions(metric: MetricSpec) -> list[cloudwatch.CfnAlarm.DimensionProperty]:
    return [
        cloudwatch.CfnAlarm.DimensionProperty(name=name, value=metric.dimensions[name])
        for name in sorted(metric.dimensions)
    ]


def _statistic(statistic: str) -> dict[str, str]:
    return {"statistic": statistic} if statistic in STANDARD_STATISTICS else {"extended_statistic": statistic}
