"""Shared measuring tools for the benchmarks: synth time, resource counts, asset sizes.

Every benchmark compares a construct with its hand-written aws-cdk-lib equivalent in the same
process and run, and reports ratios: these machines are noisy, so absolute times mean little.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template


def synth(build: Callable[[cdk.Stack], object], stack_name: str = "Bench") -> dict[str, Any]:
    """Build a fresh app with one stack through ``build`` and return the synthesized template."""
    app = cdk.App()
    stack = cdk.Stack(app, stack_name, env=cdk.Environment(account="111111111111", region="eu-west-1"))
    build(stack)
    template: dict[str, Any] = Template.from_stack(stack).to_json()
    return template


def synth_seconds(build: Callable[[cdk.Stack], object], repeats: int = 5) -> float:
    """Median wall time of building and synthesizing one stack with ``build``."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        synth(build)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def resource_count(template: dict[str, Any]) -> int:
    """Number of CloudFormation resources in a template."""
    return len(template.get("Resources", {}))


def resource_types(template: dict[str, Any]) -> Counter[str]:
    """How many resources of each CloudFormation type a template holds."""
    return Counter(resource["Type"] for resource in template.get("Resources", {}).values())


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(ours: float, theirs: float) -> str:
    """``ours / theirs`` as ``"0.42x"``."""
    return f"{ours / theirs:.2f}x" if theirs else "n/a"


def spread(ratios: list[float]) -> str:
    """Min / median / max of ratios, as ``"0.91x / 1.02x / 1.30x"``."""
    return " / ".join(f"{value:.2f}x" for value in (min(ratios), statistics.median(ratios), max(ratios)))
