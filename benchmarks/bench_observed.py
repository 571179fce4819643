"""Unwatched sinks: ``assert_observed``'s listing on the example app and on the article's hand-written stacks."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable

import aws_cdk as cdk

from benchmarks.bench_order_system import _hand_written, _library
from benchmarks.common import markdown_table
from serverless_patterns.testing import UnwatchedSink, unwatched_sinks

TITLE = "Unwatched sinks (assert_observed): example app vs. the article's hand-written stacks"
KINDS = ("dead-letter queue", "source queue", "rule", "state machine", "API stage", "async function", "table")


def _listing(define: Callable[[cdk.App], list[cdk.Stack]]) -> list[UnwatchedSink]:
    with tempfile.TemporaryDirectory() as outdir:
        app = cdk.App(outdir=outdir)
        stacks = define(app)
        app.synth()
        return unwatched_sinks(stacks)


def run() -> str:
    listings = {
        "library (examples/order_system)": _listing(_library),
        "hand-written (the article)": _listing(_hand_written),
    }
    rows = []
    for label, sinks in listings.items():
        counts = Counter(sink.kind for sink in sinks)
        rows.append([label, len(sinks), *(counts.get(kind, 0) for kind in KINDS)])
    table = markdown_table(["system", "unwatched sinks", *KINDS], rows)
    hand_written = "\n".join(
        f"- {sink.kind} `{sink.path}`: {sink.reason}" for sink in listings["hand-written (the article)"]
    )
    return (
        f"{table}\n\n"
        "A sink is a resource where failed work lands or is dropped (the definition, with the metric\n"
        "that watches each kind, is in `serverless_patterns.testing.observed`); it counts as watched\n"
        "when an alarm that notifies someone reads that metric for it. The article's monitoring stack\n"
        "alarms on each function's errors, duration and throttles only, so it leaves these unwatched:\n\n"
        f"{hand_written}\n"
    )
