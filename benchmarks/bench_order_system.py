"""The whole order system: the example app next to the article's five hand-written stacks."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
from aws_cdk.assertions import Template

from benchmarks.baseline.order_system_app import hand_written
from benchmarks.common import markdown_table, ratio, spread
from benchmarks.jsii_calls import RoundTrips
from examples.order_system.app import OrderSystemStack
from serverless_patterns.testing import cfn_lint_findings, checkov_findings, guard_findings, nag_findings

TITLE = "The whole order system: example app vs. the article's hand-written stacks"
ROOT = Path(__file__).resolve().parent.parent
# Whole processes, as `cdk synth` runs an app: interpreter start, imports, jsii start, build, synth.
LIBRARY_APP = [sys.executable, str(ROOT / "examples" / "order_system" / "app.py")]
HAND_WRITTEN_APP = [sys.executable, "-m", "benchmarks.baseline.order_system_app"]
PROCESS_ROUNDS = 9
ENV = cdk.Environment(account="111111111111", region="eu-west-1")
# checkov lives in a virtual environment of its own (tasks.py creates it; it pins old dependencies).
CHECKOV = os.environ.get("CHECKOV", str(Path(__file__).resolve().parent.parent / ".venv-checkov" / "bin" / "checkov"))


def _library(app: cdk.App) -> list[cdk.Stack]:
    return [OrderSystemStack(app, "OrderSystem", env=ENV)]


def _hand_written(app: cdk.App) -> list[cdk.Stack]:
    return hand_written(app)


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


def _process_seconds(command: list[str]) -> float:
    """Wall time of one fresh process synthesizing into a new directory."""
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        subprocess.run([*command, outdir], cwd=ROOT, check=True, capture_output=True)
        return time.perf_counter() - start


def whole_processes(rounds: int = PROCESS_ROUNDS) -> tuple[list[float], list[float]]:
    """``python app.py`` of each side, alternating (library, hand-written, library, ...), one unmeasured round first."""
    _process_seconds(LIBRARY_APP)
    _process_seconds(HAND_WRITTEN_APP)
    library, hand = [], []
    for _ in range(rounds):
        library.append(_process_seconds(LIBRARY_APP))
        hand.append(_process_seconds(HAND_WRITTEN_APP))
    return library, hand


def round_trips(define: Callable[[cdk.App], list[cdk.Stack]]) -> tuple[RoundTrips, RoundTrips]:
    """jsii round trips of building the app's constructs, and of synthesizing it (aspects included)."""
    with tempfile.TemporaryDirectory() as outdir:
        app = cdk.App(outdir=outdir)
        with RoundTrips() as build:
            define(app)
        with RoundTrips() as synthesis:
            app.synth()
    return build, synthesis


def _process_section() -> str:
    library, hand = whole_processes()
    pairs = [ours / theirs for ours, theirs in zip(library, hand, strict=True)]
    trips = {label: round_trips(define) for label, define in (("library", _library), ("hand-written", _hand_written))}
    rows = [
        [
            label,
            f"{statistics.median(samples):.2f} s",
            f"{min(samples):.2f} / {max(samples):.2f} s",
            trips[label][0].total,
            trips[label][1].total,
            trips[label][0].total + trips[label][1].total,
        ]
        for label, samples in (("library", library), ("hand-written", hand))
    ]
    table = markdown_table(
        [
            "system",
            "`python app.py` wall (median)",
            "min / max",
            "jsii round trips: build",
            "jsii round trips: synth",
            "jsii round trips: total",
        ],
        rows,
    )
    library_trips = trips["library"][0].total + trips["library"][1].total
    hand_trips = trips["hand-written"][0].total + trips["hand-written"][1].total
    return (
        f"{table}\n\n"
        f"Whole-process ratio, library / hand-written, per adjacent pair (min / median / max): {spread(pairs)}; "
        f"ratio of the medians {ratio(statistics.median(library), statistics.median(hand))}. "
        f"jsii round trips, library / hand-written: {ratio(library_trips, hand_trips)}.\n\n"
        f"{PROCESS_ROUNDS} rounds after one unmeasured round, the two sides alternating: each a fresh\n"
        "`python <app> <outdir>` (interpreter start, imports, jsii's Node.js process, build, synth, and\n"
        "the example's `openapi.json`). A jsii round trip is one request from Python to the Node.js\n"
        "kernel and its answer (`benchmarks/jsii_calls.py` counts them at `_NodeProcess.send`): *build*\n"
        "is the stacks' constructors, *synth* is `app.synth()`, where LambdaAlarms' aspect defines the\n"
        "alarms and dashboards and jsii calls back into Python for lazy values.\n"
    )


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
        f"{_process_section()}\n"
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
