"""LambdaAlarms writes its alarms, composite alarms and dashboards as L1s from Python data.

Contract tests: each writer is checked against what aws-cdk-lib's L2 (``Alarm``,
``AnomalyDetectionAlarm``, ``GraphWidget``, ``Dashboard``) writes for the same input, so the
templates stay those of the L2s; they fail when aws-cdk-lib changes how it writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk.assertions import Template
from jsii._kernel.providers import process

from serverless_patterns.lambda_alarms import AlarmOptions, LambdaAlarms
from serverless_patterns.lambda_alarms.alarms import function_metrics
from serverless_patterns.lambda_alarms.resources import metric_properties
from serverless_patterns.lambda_alarms.sink_alarms import table_metrics
from serverless_patterns.lambda_alarms.specs import AnyMetric, MathSpec, MetricSpec
from serverless_patterns.lambda_alarms.watched import WatchedFunction, WatchedTable
from serverless_patterns.lambda_alarms.widgets import ORANGE, Annotation, Graph, Text, body
from tests.constructs.stacks import plain_function

ENV = cdk.Environment(account="111111111111", region="eu-west-1")


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "L1", env=ENV)


def _l2(metric: AnyMetric, *, labelled: bool = False) -> cloudwatch.IMetric:
    """The aws-cdk-lib metric of a spec, as the construct made them before it wrote L1s."""
    if isinstance(metric, MetricSpec):
        return cloudwatch.Metric(
            namespace=metric.namespace,
            metric_name=metric.name,
            dimensions_map=dict(metric.dimensions),
            statistic=metric.statistic,
            period=cdk.Duration.seconds(metric.period_seconds),
            label=metric.label if labelled else None,
        )
    return cloudwatch.MathExpression(
        expression=metric.expression,
        using_metrics={metric_id: _l2(used) for metric_id, used in metric.using.items()},
        period=cdk.Duration.seconds(metric.period_seconds),
        label=metric.label,
    )


def _function_metrics(period: int = 300) -> dict[str, AnyMetric]:
    watched = WatchedFunction("Fn", cdk.App(), "my-function", 10, ("dead-letter queue",))
    return dict(function_metrics(watched, period))


def _table_metrics() -> dict[str, AnyMetric]:
    return dict(table_metrics(WatchedTable("Table", cdk.App(), "my-table"), 300))


def _properties(stack: cdk.Stack, logical_id: str) -> dict[str, Any]:
    resources: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"]
    return dict(resources[logical_id]["Properties"])


@pytest.mark.parametrize(
    "metric",
    [
        _function_metrics()["errors"],  # Statistic
        _function_metrics()["duration_p99"],  # ExtendedStatistic
        _function_metrics(60)["error_rate"],  # metric math
        _table_metrics()["system_errors"],  # metric math over 10 inputs
    ],
    ids=["sum", "percentile", "error-rate", "system-errors"],
)
def test_an_alarm_reads_as_aws_cdk_libs_alarm_writes_it(metric: AnyMetric) -> None:
    stack = _stack()
    cloudwatch.Alarm(stack, "Theirs", metric=_l2(metric), threshold=5, evaluation_periods=3)
    cloudwatch.CfnAlarm(
        stack,
        "Ours",
        threshold=5,
        evaluation_periods=3,
        comparison_operator="GreaterThanOrEqualToThreshold",
        **metric_properties(metric),
    )
    assert _properties(stack, "Ours") == _properties(stack, stack.get_logical_id(_default_child(stack, "Theirs")))


def test_an_anomaly_detection_alarm_reads_as_aws_cdk_libs_writes_it() -> None:
    stack = _stack()
    alarms = LambdaAlarms(
        stack, "Alarms", functions=[plain_function(stack, "Fn")], alarm_options=AlarmOptions(anomaly_band_width=2.5)
    )
    metric = _function_metrics()["duration_average"]
    cloudwatch.AnomalyDetectionAlarm(
        stack,
        "Theirs",
        metric=_l2(metric),
        std_devs=2.5,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
    )
    theirs = _properties(stack, stack.get_logical_id(_default_child(stack, "Theirs")))
    ours = alarms.alarms["L1-Fn-DurationAnomaly"]
    properties = _properties(stack, stack.get_logical_id(ours))
    dimensions = [{"Name": "FunctionName", "Value": {"Ref": stack.get_logical_id(_default_child(stack, "Fn"))}}]
    theirs["Metrics"][1]["MetricStat"]["Metric"]["Dimensions"] = dimensions
    for key in ("Metrics", "ThresholdMetricId", "ComparisonOperator", "EvaluationPeriods", "DatapointsToAlarm"):
        assert properties[key] == theirs[key], key
    assert "Threshold" not in properties


def _default_child(stack: cdk.Stack, id: str) -> cdk.CfnElement:
    child = stack.node.find_child(id).node.default_child
    assert isinstance(child, cdk.CfnElement)
    return child


def _graph_json(stack: cdk.Stack, widget: list[Any]) -> Any:
    return stack.resolve(stack.to_json_string(widget))


@pytest.mark.parametrize(
    ("left", "right", "annotations"),
    [
        (["errors"], ["error_rate"], []),  # an input of the expression is a line too: drawn once, with its id
        (["duration_p50", "duration_p99"], [], [Annotation(10000, "timeout"), Annotation(8000, "p99 alarm", ORANGE)]),
        (["throttles", "dead_letter_errors"], ["concurrent_executions", "async_event_age"], []),
        (["duration_average"], ["error_rate"], []),  # Average is a graph's default statistic; hidden inputs
    ],
)
def test_a_graph_reads_as_aws_cdk_libs_graph_widget_writes_it(
    left: list[str], right: list[str], annotations: list[Annotation]
) -> None:
    stack = _stack()
    for period in (300, 60):  # 300 s is a graph's default period: written only when it differs
        metrics = _function_metrics(period)
        ours = Graph(
            "Fn: a graph",
            [metrics[key] for key in left],
            right=[metrics[key] for key in right],
            width=8,
            annotations=annotations,
        )
        theirs = cloudwatch.GraphWidget(
            title="Fn: a graph",
            left=[_l2(metrics[key], labelled=True) for key in left],
            right=[_l2(metrics[key], labelled=True) for key in right] or None,
            left_annotations=[
                cloudwatch.HorizontalAnnotation(value=line.value, label=line.label, color=line.color)
                for line in annotations
            ]
            or None,
            width=8,
            height=6,
        )
        theirs.position(8, 3)
        assert _graph_json(stack, ours.json(8, 3)) == _graph_json(stack, list(theirs.to_json()))


def test_a_table_graph_hides_the_inputs_of_its_metric_math() -> None:
    stack = _stack()
    system_errors = _table_metrics()["system_errors"]
    assert isinstance(system_errors, MathSpec)
    theirs = cloudwatch.GraphWidget(title="t", left=[_l2(system_errors)], width=12, height=6)
    theirs.position(0, 0)
    ours = Graph("t", [system_errors], width=12)
    assert _graph_json(stack, ours.json(0, 0)) == _graph_json(stack, list(theirs.to_json()))


def test_a_dashboard_body_lays_rows_out_as_aws_cdk_libs_dashboard() -> None:
    stack = _stack()
    widths = [[24], [6, 6, 6, 6], [8, 8, 8, 8], [12, 20], [24, 1]]
    theirs = cloudwatch.Dashboard(stack, "Theirs")
    for row in widths:
        theirs.add_widgets(
            *(cloudwatch.TextWidget(markdown=f"{width}", width=width, height=width % 5 + 1) for width in row)
        )
    cloudwatch.CfnDashboard(
        stack,
        "Ours",
        dashboard_body=body(
            stack, [[Text(f"{width}", width=width, height=width % 5 + 1) for width in row] for row in widths], stack
        ),
    )
    assert _properties(stack, "Ours") == _properties(stack, stack.get_logical_id(_default_child(stack, "Theirs")))


# --- What the construct defines ------------------------------------------------------------


def test_alarms_composite_and_dashboards_are_l1s_where_the_l2s_put_them() -> None:
    stack = _stack()
    alarms = LambdaAlarms(stack, "Alarms", functions=[plain_function(stack, "Fn")])
    Template.from_stack(stack)
    assert all(isinstance(alarm, cloudwatch.CfnAlarm) for alarm in alarms.alarms.values())
    assert alarms.alarms["L1-Fn-ErrorRate"].node.path == "L1/Alarms/Function-Fn/ErrorRate/Resource"
    assert isinstance(alarms.composite_alarm, cloudwatch.CfnCompositeAlarm)
    assert alarms.composite_alarm.node.path == "L1/Alarms/Unhealthy/Resource"
    assert [dashboard.node.path for dashboard in alarms.dashboards] == ["L1/Alarms/Dashboard/Resource"]


def test_a_lambda_action_for_the_members_gets_a_permission_per_alarm() -> None:
    stack = _stack()
    pager = plain_function(stack, "Pager")
    action = cloudwatch_actions.LambdaAction(pager, use_unique_permission_id=True)
    alarms = LambdaAlarms(stack, "Alarms", functions=[plain_function(stack, "Fn")], member_alarm_action=action)
    template = Template.from_stack(stack)
    permissions = template.find_resources(
        "AWS::Lambda::Permission", {"Properties": {"Principal": "lambda.alarms.cloudwatch.amazonaws.com"}}
    )
    sources = sorted(permission["Properties"]["SourceArn"]["Fn::GetAtt"][0] for permission in permissions.values())
    assert sources == sorted(stack.get_logical_id(alarm) for alarm in alarms.alarms.values())
    pager_arn = {"Fn::GetAtt": [stack.get_logical_id(_default_child(stack, "Pager")), "Arn"]}
    for alarm in template.find_resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [pager_arn]


@contextmanager
def _round_trips() -> Iterator[list[str]]:
    """Every jsii request made inside, by kind (``Create``, ``Get``, ...)."""
    requests: list[str] = []
    original = process._NodeProcess.send

    def send(node: Any, request: Any, response_type: Any) -> Any:
        requests.append(type(request).__name__.removesuffix("Request"))
        return original(node, request, response_type)

    process._NodeProcess.send = send  # type: ignore[method-assign,assignment]
    try:
        yield requests
    finally:
        process._NodeProcess.send = original  # type: ignore[method-assign]


def _synthesis_round_trips(functions: int) -> list[str]:
    stack = _stack()
    LambdaAlarms.for_scope(stack, "Alarms", stack)
    for number in range(functions):
        plain_function(stack, f"Fn{number}")
    app = cdk.App.of(stack)
    assert app is not None
    with _round_trips() as requests:
        app.synth()
    return requests


def test_an_alarm_costs_a_few_jsii_round_trips_at_synthesis() -> None:
    """Ten more functions (40 more alarms, ten more dashboard rows) cost about three round trips an alarm.

    Per function: the construct holding its alarms and, per alarm, its construct, the ``CfnAlarm``
    and a read of its ARN; discovery and the watched record read a few of the function's values.
    The dashboard's graphs cost none: they are Python data. With aws-cdk-lib's ``Alarm``,
    ``MathExpression``, ``Metric`` and ``GraphWidget`` it was 36 a function, 20 of them creates.
    """
    few, many = _synthesis_round_trips(2), _synthesis_round_trips(12)
    assert many.count("Create") - few.count("Create") == 10 * (1 + 4 * 2)
    assert len(many) - len(few) <= 10 * (1 + 4 * 3 + 6)
