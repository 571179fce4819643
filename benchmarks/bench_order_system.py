"""The whole order system: the example app next to the article's five hand-written stacks."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from benchmarks.baseline import foundation
from benchmarks.baseline.crud_api import user_api_stack
from benchmarks.baseline.event_fanout import event_driven_stack
from benchmarks.baseline.lambda_alarms import monitoring
from benchmarks.baseline.saga_workflow import order_workflow_stack
from benchmarks.common import markdown_table, ratio
from examples.order_system.app import OrderSystemStack
from serverless_patterns.testing import cfn_lint_findings, checkov_findings, guard_findings, nag_findings

TITLE = "The whole order system: example app vs. the article's hand-written stacks"
HANDLERS = str(Path(__file__).resolve().parent.parent / "examples" / "order_system" / "handlers")
ENV = cdk.Environment(account="111111111111", region="eu-west-1")
# checkov lives in a virtual environment of its own (tasks.py creates it; it pins old dependencies).
CHECKOV = os.environ.get("CHECKOV", str(Path(__file__).resolve().parent.parent / ".venv-checkov" / "bin" / "checkov"))


def _library(app: cdk.App) -> list[cdk.Stack]:
    return [OrderSystemStack(app, "OrderSystem", env=ENV)]


def _hand_written(app: cdk.App) -> list[cdk.Stack]:
    """The article's stacks: API (users and orders), order queue, events, workflow, monitoring."""
    api = cdk.Stack(app, "UserApiStack", env=ENV)
    user_api_stack(api, entities=2)
    queue = cdk.Stack(app, "OrderQueueStack", env=ENV)
    ingest = foundation.queue_processing(queue, "Orders", HANDLERS)
    events_stack = cdk.Stack(app, "EventDrivenStack", env=ENV)
    handlers = [
        foundation.function(events_stack, name, HANDLERS)
        for name in ("SendEmail", "UpdateInventory", "NotifyWarehouse")
    ]
    event_driven_stack(events_stack, handlers, sns.Topic(events_stack, "HighValueAlertTopic"))
    workflow = cdk.Stack(app, "OrderWorkflowStack", env=ENV)
    steps: dict[str, lambda_.IFunction] = {
        name: foundation.function(workflow, name, HANDLERS)
        for name in ("validate_order", "process_payment", "reserve_inventory", "notify_customer", "refund_payment")
    }
    order_workflow_stack(workflow, **steps)
    watch = cdk.Stack(app, "MonitoringStack", env=ENV)
    monitoring(watch, [ingest, *handlers, *steps.values()])
    return [api, queue, events_stack, workflow, watch]


def _measure(define: Callable[[cdk.App], list[cdk.Stack]]) -> tuple[float, list[int | str]]:
    """Median synth time of 3 and, from the last synth, each stack's findings and resources."""
    samples = []
    counts: list[int | str] = []
    for attempt in range(3):
        with tempfile.TemporaryDirectory() as outdir:
            app = cdk.App(outdir=outdir)
            start = time.perf_counter()
            stacks = define(app)
            app.synth()
            samples.append(time.perf_counter() - start)
            if attempt < 2:
                continue
            templates = [Template.from_stack(stack).to_json() for stack in stacks]
            counts = [
                len(stacks),
                sum(len(t.get("Resources", {})) for t in templates),
                sum(len(nag_findings(stack)) for stack in stacks),
                sum(len(cfn_lint_findings(t)) for t in templates),
                sum(len(guard_findings(stack)) for stack in stacks),
                sum(len(checkov_findings(stack, CHECKOV)) for stack in stacks) if Path(CHECKOV).exists() else "n/a",
            ]
    return statistics.median(samples), counts


def run() -> str:
    rows = []
    seconds: dict[str, float] = {}
    for label, define in (("library (examples/order_system)", _library), ("hand-written (the article)", _hand_written)):
        elapsed, counts = _measure(define)
        seconds[label] = elapsed
        rows.append([label, *counts, f"{elapsed:.2f} s"])
    library, hand_written = seconds.values()
    table = markdown_table(
        [
            "system",
            "stacks",
            "resources",
            "cdk-nag AwsSolutions findings",
            "cfn-lint findings",
            "cfn-guard (Control Tower) findings",
            "checkov failed checks",
            "synth (median of 3)",
        ],
        rows,
    )
    return (
        f"{table}\n\nSynth ratio, library / hand-written: {ratio(library, hand_written)}.\n\n"
        "The hand-written side is the article's five stacks (users and orders on its API, the order\n"
        "queue, the event-driven stack, the order workflow, the monitoring stack over every function)\n"
        "with its choices kept; both sides use the same handler folder. The library's side does more:\n"
        "a WAF web ACL, per-route DLQs, async failure destinations, a saga that compensates, alarms per\n"
        "function and DLQ, an idempotency table, and the high-value alert topic encrypted with its own key.\n\n"
        "cfn-guard runs AWS Control Tower's proactive controls (the rules bundled with\n"
        "`cdklabs.cdk-validator-cfnguard`); checkov runs its CloudFormation checks offline. The library's\n"
        "zeros include the controls and checks it does not meet on purpose, each acknowledged with its\n"
        "reason (checkov reads them from `Metadata.checkov.skip`): see\n"
        "[Deploying to a real account](deploying.md#what-the-scanners-report).\n"
    )
