"""Dashboard widgets as plain Python data, laid out and written into one dashboard body.

The body is the JSON that CloudWatch documents in "Dashboard Body Structure and Syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
a ``widgets`` array whose objects have ``type`` (``metric``, ``text``, ``alarm``), ``x``, ``y``,
``width``, ``height`` and ``properties``; a metric widget's ``metrics`` array holds one array per
line, ``[Namespace, MetricName, DimensionName, DimensionValue, ..., {rendering properties}]``, or
``[{"expression": ...}]`` for metric math. The JSON is written the way aws-cdk-lib's
``Dashboard``, ``GraphWidget``, ``TextWidget`` and ``AlarmStatusWidget`` write it (same keys, same
order, same layout: each row left to right, wrapping at 24 units, rows top to bottom), so a
dashboard reads the same as when those L2s drew it, without a jsii object per widget and metric.
Tokens (function names, alarm ARNs, the region) stay tokens: the body becomes one
``Stack.to_json_string`` per dashboard. Widgets that are jsii objects (rows given to
``add_dashboard_row``, graphs of business metrics) are positioned and rendered by their own
``to_json()``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Annotations, Aws, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import IConstruct

from serverless_patterns.lambda_alarms.specs import AnyMetric, MathSpec, MetricSpec

GRID_WIDTH = 24
# A graph line's period and statistic are written only when they differ from a graph's defaults.
_DEFAULT_PERIOD_SECONDS = 300
_DEFAULT_STATISTIC = "Average"
# aws-cdk-lib's Color.ORANGE.
ORANGE = "#ff7f0e"


@dataclass(frozen=True)
class Annotation:
    """A horizontal line on a graph's left axis."""

    value: float
    label: str
    color: str | None = None

    def json(self) -> dict[str, Any]:
        """``{"value", "color", "label", "yAxis"}``, the order of aws-cdk-lib's ``HorizontalAnnotation``."""
        line: dict[str, Any] = {"value": self.value}
        if self.color is not None:
            line["color"] = self.color
        line["label"] = self.label
        line["yAxis"] = "left"
        return line


@dataclass(frozen=True)
class Graph:
    """A ``metric`` widget (a time series) of labelled lines on the left axis and, optionally, the right."""

    title: str
    left: Sequence[AnyMetric]
    right: Sequence[AnyMetric] = ()
    width: int = 6
    height: int = 6
    annotations: Sequence[Annotation] = ()

    def json(self, x: int, y: int) -> list[Any]:
        """The widget at ``(x, y)``."""
        properties: dict[str, Any] = {"view": "timeSeries", "title": self.title, "region": _region()}
        lines = graph_lines(self.left, self.right)
        if lines:
            properties["metrics"] = lines
        if self.annotations:
            properties["annotations"] = {"horizontal": [annotation.json() for annotation in self.annotations]}
        properties["yAxis"] = {}
        return [_widget("metric", self, x, y, properties)]


@dataclass(frozen=True)
class Text:
    """A ``text`` widget (markdown)."""

    markdown: str
    width: int = GRID_WIDTH
    height: int = 1

    def json(self, x: int, y: int) -> list[Any]:
        """The widget at ``(x, y)``."""
        return [_widget("text", self, x, y, {"markdown": self.markdown})]


@dataclass(frozen=True)
class AlarmStatus:
    """An ``alarm`` widget: the state of each alarm (at most 100 ARNs), optionally sorted."""

    title: str
    alarm_arns: Sequence[str]
    width: int = GRID_WIDTH
    height: int = 2
    sort_by: str | None = None

    def json(self, x: int, y: int) -> list[Any]:
        """The widget at ``(x, y)``."""
        properties: dict[str, Any] = {"title": self.title, "alarms": list(self.alarm_arns)}
        if self.sort_by is not None:
            properties["sortBy"] = self.sort_by
        return [_widget("alarm", self, x, y, properties)]


Widget = Graph | Text | AlarmStatus | cloudwatch.IWidget


@dataclass
class _Jsii:
    """A widget that is a jsii object: its size is read once, and it renders itself."""

    widget: cloudwatch.IWidget
    width: int = field(init=False)
    height: int = field(init=False)

    def __post_init__(self) -> None:
        self.width, self.height = int(self.widget.width), int(self.widget.height)

    def json(self, x: int, y: int) -> list[Any]:
        self.widget.position(x, y)
        return list(self.widget.to_json())


def body(stack: Stack, rows: Sequence[Sequence[Widget]], warn: IConstruct) -> str:
    """The dashboard body of ``rows`` (top to bottom), as one token that ``stack`` resolves at synthesis.

    Warnings of jsii widgets (aws-cdk-lib's metric warnings) are added to ``warn``, as ``Dashboard`` does.
    """
    widgets: list[Any] = []
    top = 0
    for row in rows:
        x = y = height = 0
        for given in row:
            widget = _Jsii(given) if not isinstance(given, (Graph, Text, AlarmStatus)) else given
            if isinstance(widget, _Jsii):
                for warning_id, message in _warnings(widget.widget).items():
                    Annotations.of(warn).add_warning_v2(warning_id, message)
            # A row wraps when the next widget does not fit the 24-unit grid (aws-cdk-lib's Row).
            if x + widget.width > GRID_WIDTH:
                y, x = height, 0
            widgets += widget.json(x, top + y)
            height = max(height, y + widget.height)
            x += widget.width
        top += height
    return stack.to_json_string({"widgets": widgets})


def _warnings(widget: cloudwatch.IWidget) -> dict[str, str]:
    """The warnings of a jsii widget and of those inside it (a ``Row``, a ``Column``), as ``Dashboard`` reads them."""
    found = dict(getattr(widget, "warnings_v2", None) or {})
    for inner in getattr(widget, "widgets", None) or ():
        found.update(_warnings(inner))
    return found


def graph_lines(left: Sequence[AnyMetric], right: Sequence[AnyMetric]) -> list[list[Any]]:
    """The ``metrics`` array of a graph, as aws-cdk-lib's ``allMetricsGraphJson`` writes it.

    Each metric is drawn once (a metric math input that is also a line gets the input's id); the
    inputs of metric math that are not lines are hidden (``visible: false``); lines on the right
    axis say so.
    """
    entries: list[_Line] = []
    by_key: dict[tuple[object, ...], _Line] = {}
    by_id: dict[str, _Line] = {}

    def add(metric: AnyMetric, axis: str | None, metric_id: str | None = None) -> None:
        entry = by_id.get(metric_id) if metric_id is not None else None
        if entry is None:
            entry = by_key.get(metric.key)
            if entry is not None and entry.id is not None and metric_id is not None:
                entry = None  # the same metric under another id: a line of its own
        if entry is None:
            entry = by_key[metric.key] = _Line(metric, labelled=axis is not None)
            entries.append(entry)
        if entry.id is None and metric_id is not None:
            entry.id = metric_id
            by_id[metric_id] = entry
        entry.axis = entry.axis or axis
        if isinstance(metric, MathSpec):
            for input_id, input_metric in metric.using.items():
                add(input_metric, None, input_id)

    for metric in left:
        add(metric, "left")
    for metric in right:
        add(metric, "right")
    return [entry.json() for entry in entries]


@dataclass
class _Line:
    metric: AnyMetric
    labelled: bool
    id: str | None = None
    axis: str | None = None

    def json(self) -> list[Any]:
        metric = self.metric
        line: list[Any] = []
        # Keys in aws-cdk-lib's order: rendering properties, then period and statistic, then axis.
        options: dict[str, Any] = {}
        if isinstance(metric, MetricSpec):
            line += [metric.namespace, metric.name]
            for name in sorted(metric.dimensions):
                line += [name, metric.dimensions[name]]
            options["label"] = metric.label if self.labelled else None
            options["id"] = self.id
            options["visible"] = False if self.axis is None else None
            if metric.period_seconds != _DEFAULT_PERIOD_SECONDS:
                options["period"] = metric.period_seconds
            if metric.statistic != _DEFAULT_STATISTIC:
                options["stat"] = metric.statistic
        else:
            options["label"] = metric.label
            options["expression"] = metric.expression
            if metric.period_seconds != _DEFAULT_PERIOD_SECONDS:
                options["period"] = metric.period_seconds
            options["visible"] = False if self.axis is None else None
        if self.axis is not None and self.axis != "left":
            options["yAxis"] = self.axis
        if isinstance(metric, MathSpec):
            options["id"] = self.id
        options = {key: value for key, value in options.items() if value is not None}
        if options:
            line.append(options)
        return line


def _widget(kind: str, widget: Graph | Text | AlarmStatus, x: int, y: int, properties: Any) -> dict[str, Any]:
    return {"type": kind, "width": widget.width, "height": widget.height, "x": x, "y": y, "properties": properties}


@functools.cache
def _region() -> str:
    """The ``AWS::Region`` token (one jsii read per process)."""
    return Aws.REGION
