"""LambdaAlarms next to the article's hand-written MonitoringStack, for 1, 20 and 100 functions."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from benchmarks.baseline import lambda_alarms as baseline
from benchmarks.common import markdown_table, ratio, resource_count, spread
from benchmarks.jsii_calls import RoundTrips
from serverless_patterns.lambda_alarms import LambdaAlarms
from serverless_patterns.testing import nag_findings

TITLE = "LambdaAlarms: alarms and dashboards for 1, 20 and 100 functions"
COUNTS = (1, 20, 100)
REPEATS = 3
ENV = cdk.Environment(account="111111111111", region="eu-west-1")

Monitor = Callable[[cdk.Stack, cdk.Stack, list[lambda_.Function]], object]


def _services(app: cdk.App, count: int) -> tuple[cdk.Stack, list[lambda_.Function]]:
    """``count`` plain functions (inline code, 10 s timeout) in a stack of their own."""
    stack = cdk.Stack(app, "Services", env=ENV)
    functions = [
        lambda_.Function(
            stack,
            f"Fn{index}",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
            handler="index.handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
            timeout=cdk.Duration.seconds(10),
        )
        for index in range(count)
    ]
    return stack, functions


def _ours(monitoring: cdk.Stack, services: cdk.Stack, functions: list[lambda_.Function]) -> object:
    return LambdaAlarms.for_scope(monitoring, "Alarms", services, emails=["ops-team@example.com"])


def _theirs(monitoring: cdk.Stack, services: cdk.Stack, functions: list[lambda_.Function]) -> object:
    return baseline.monitoring(monitoring, functions)


def _none(monitoring: cdk.Stack, services: cdk.Stack, functions: list[lambda_.Function]) -> object:
    return None


def _build(count: int, monitor: Monitor) -> tuple[float, cdk.Stack]:
    """Build the app (services + monitoring stack) and synthesize it; return (seconds, monitoring stack)."""
    start = time.perf_counter()
    app = cdk.App()
    services, functions = _services(app, count)
    monitoring = cdk.Stack(app, "Monitoring", env=ENV) if monitor is not _none else services
    monitor(monitoring, services, functions)
    app.synth()
    return time.perf_counter() - start, monitoring


def _seconds(count: int, monitor: Monitor) -> float:
    return statistics.median(_build(count, monitor)[0] for _ in range(REPEATS if count > 1 else 3 * REPEATS))


def _share(total: float, services_only: float) -> float | None:
    """The monitoring stack's part of the app's time; ``None`` when lost in the noise."""
    share = total - services_only
    return share if share > 0.005 else None


def _dashboards(template: dict[str, Any]) -> list[dict[str, Any]]:
    bodies = []
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::CloudWatch::Dashboard":
            body = resource["Properties"]["DashboardBody"]
            if isinstance(body, dict):
                body = "".join(part if isinstance(part, str) else "<ref>" for part in body["Fn::Join"][1])
            bodies.append(json.loads(body))
    return bodies


def _facts(count: int, monitor: Monitor) -> dict[str, Any]:
    _, monitoring = _build(count, monitor)
    template: dict[str, Any] = dict(Template.from_stack(monitoring).to_json())
    dashboards = _dashboards(template)
    widgets = [len(body["widgets"]) for body in dashboards]
    metrics = [sum(len(widget["properties"].get("metrics", [])) for widget in body["widgets"]) for body in dashboards]
    per_graph = max(
        (len(widget["properties"].get("metrics", [])) for body in dashboards for widget in body["widgets"]),
        default=0,
    )
    alarm_types = {
        json.dumps(resource["Properties"].get("MetricName") or "metric math")
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }
    return {
        "alarms": sum(1 for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"),
        "composites": sum(1 for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::CompositeAlarm"),
        "status": max(
            (
                len(widget["properties"].get("alarms", []))
                for body in dashboards
                for widget in body["widgets"]
                if widget["type"] == "alarm"
            ),
            default=0,
        ),
        "alarm_metrics": len(alarm_types),
        "resources": resource_count(template),
        "dashboards": len(dashboards),
        "widgets": max(widgets, default=0),
        "metrics": max(metrics, default=0),
        "per_graph": per_graph,
        "nag": ", ".join(sorted({finding.rule for finding in nag_findings(monitoring)})) or "none",
    }


def _side_by_side(count: int = 100, rounds: int = 7) -> str:
    """Alternating rounds, LambdaAlarms then the article's stack: per-round time ratios and jsii round trips."""
    pairs = []
    for _ in range(rounds):
        ours_seconds, _ = _build(count, _ours)
        theirs_seconds, _ = _build(count, _theirs)
        pairs.append(ours_seconds / theirs_seconds)
    trips = {}
    for name, monitor in (("LambdaAlarms", _ours), ("article", _theirs)):
        with RoundTrips() as counted:
            _build(count, monitor)
        trips[name] = counted.total
    with RoundTrips() as services_only:
        _build(count, _none)
    return (
        f"At {count} functions, {rounds} alternating rounds (LambdaAlarms, article, ...): app synth ratio per round "
        f"(min / median / max) {spread(pairs)}. jsii round trips of the whole app (build and synth): "
        f"LambdaAlarms {trips['LambdaAlarms']}, article {trips['article']} "
        f"({ratio(trips['LambdaAlarms'], trips['article'])}); the services stack alone {services_only.total}, "
        f"so the monitoring's own: {trips['LambdaAlarms'] - services_only.total} against "
        f"{trips['article'] - services_only.total}.\n"
    )


def _thousand(functions: int = 1000, per_stack: int = 100) -> str:
    """LambdaAlarms over ``functions`` functions in stacks of ``per_stack``: where the alarms went."""
    with tempfile.TemporaryDirectory() as outdir:
        app = cdk.App(outdir=outdir)
        for start in range(0, functions, per_stack):
            stack = cdk.Stack(app, f"Services{start // per_stack + 1}", env=ENV)
            for index in range(start, min(start + per_stack, functions)):
                lambda_.Function(
                    stack,
                    f"Fn{index}",
                    code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
                    handler="index.handler",
                    runtime=lambda_.Runtime.PYTHON_3_14,
                )
        monitoring = cdk.Stack(app, "Monitoring", env=ENV)
        begin = time.perf_counter()
        alarms = LambdaAlarms.for_scope(monitoring, "Alarms", app)
        app.synth()
        seconds = time.perf_counter() - begin
        templates = {path.name: json.loads(path.read_text()) for path in Path(outdir).glob("*.template.json")}
        sizes = {path.name: path.stat().st_size for path in Path(outdir).glob("*.template.json")}
    nested = [name for name in templates if name.endswith(".nested.template.json")]
    monitoring_templates = [name for name in templates if name.startswith("Monitoring")]
    return (
        f"{functions:,} functions ({per_stack} a stack) under one `LambdaAlarms.for_scope(app)`: "
        f"{len(alarms.alarms):,} alarms in {len(nested)} nested stacks, {len(alarms.dashboards)} dashboards; "
        f"most resources in one template {max(len(t.get('Resources', {})) for t in templates.values())} (limit 500), "
        f"most outputs {max(len(t.get('Outputs', {})) for t in templates.values())} (limit 200), largest "
        f"monitoring template {max(sizes[name] for name in monitoring_templates) / 1024:.0f} KiB (limit 1 MiB); "
        f"defining the alarms and synthesizing the app took {seconds:.1f} s.\n"
    )


def run() -> str:
    # Warm jsii and aws-cdk-lib's lazily loaded modules so the first measured case pays no start-up cost.
    for monitor in (_none, _ours, _theirs):
        _build(1, monitor)
    rows = []
    for count in COUNTS:
        services_only = _seconds(count, _none)
        ours_seconds, theirs_seconds = _seconds(count, _ours), _seconds(count, _theirs)
        ours_share, theirs_share = _share(ours_seconds, services_only), _share(theirs_seconds, services_only)
        ours, theirs = _facts(count, _ours), _facts(count, _theirs)
        for name, facts, seconds, share in (
            ("LambdaAlarms", ours, ours_seconds, ours_share),
            ("article", theirs, theirs_seconds, theirs_share),
        ):
            rows.append(
                [
                    count,
                    name,
                    facts["alarms"],
                    facts["composites"],
                    facts["alarm_metrics"],
                    facts["resources"],
                    f"{seconds:.2f}",
                    "< 0.01" if share is None else f"{share:.2f}",
                    facts["dashboards"],
                    facts["widgets"],
                    facts["metrics"],
                    facts["per_graph"],
                    facts["status"],
                    facts["nag"],
                ]
            )
        rows.append(
            [
                count,
                "ratio",
                ratio(ours["alarms"], theirs["alarms"]),
                "",
                "",
                "",
                ratio(ours_seconds, theirs_seconds),
                ratio(ours_share, theirs_share) if ours_share and theirs_share else "n/a",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    table = markdown_table(
        [
            "functions",
            "monitoring",
            "alarms",
            "composite alarms",
            "alarm metrics",
            "resources",
            "app synth s",
            "monitoring share s",
            "dashboards",
            "widgets (max per dashboard)",
            "metrics (max per dashboard)",
            "metrics (max per graph)",
            "alarms (max per status widget)",
            "cdk-nag rules failed",
        ],
        rows,
    )
    return (
        "Functions in a `Services` stack, monitoring in a `Monitoring` stack (as the article does), built and\n"
        f"synthesized together, median of {REPEATS}. *Monitoring share* subtracts the same app with the services\n"
        "stack alone. LambdaAlarms watches the services stack with discovery (`for_scope`); the article's\n"
        "MonitoringStack is repeated per function. CloudWatch's limits: 500 widgets and 2,500 metrics per\n"
        "dashboard, 100 alarms per alarm status widget\n"
        "([quotas](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html),\n"
        "[dashboard body](https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html));\n"
        "100 alarms per composite alarm rule\n"
        "([PutCompositeAlarm](https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html));\n"
        "500 resources per CloudFormation stack. *Composite alarms* are LambdaAlarms' `<prefix> unhealthy`\n"
        "and, past 100 alarms or 10,240 rule characters, its groups. *Alarm metrics* counts distinct alarmed\n"
        "metrics (error rate math, errors, throttles, p99 duration vs. errors, average duration, throttles).\n\n"
        + table
        + "\n\n"
        + _side_by_side()
        + "\n"
        + _thousand()
        + "\nPast one stack's 500 resources the alarms spread over nested stacks of at most 400 alarms, each\n"
        "with its dashboard and a composite alarm under the one `<prefix> unhealthy` alarm\n"
        "([CloudFormation quotas](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):\n"
        "500 resources, 200 outputs, a 1 MB template). The article's stack would need 3,000 alarms in one stack.\n"
    )
