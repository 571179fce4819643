"""ServerlessFunction and QueueProcessor next to the article's hand-written L2 code."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import aws_cdk as cdk

from benchmarks.baseline import foundation as baseline
from benchmarks.common import markdown_table, ratio, resource_count, synth, synth_seconds
from serverless_patterns import QueueProcessor, ServerlessFunction
from serverless_patterns._internal.defaults import ASSET_EXCLUDES
from serverless_patterns.testing import nag_findings

TITLE = "Foundation: ServerlessFunction and QueueProcessor"
ROOT = Path(__file__).resolve().parent.parent
HANDLER = ROOT / "tests" / "runtime" / "handlers" / "order_batch"


def _nag_errors(build: object) -> int:
    app = cdk.App()
    stack = cdk.Stack(app, "Nag")
    build(stack)  # type: ignore[operator]
    return len(nag_findings(stack))


def _asset_bytes(folder: Path) -> int:
    """Size of the zipped asset as CDK packages it (bytecode caches excluded)."""
    excluded = re.compile("|".join(p.replace(".", r"\.").replace("*", ".*") for p in ASSET_EXCLUDES))
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "asset.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not any(excluded.fullmatch(part) for part in path.parts):
                    zipped.write(path, path.relative_to(folder))
        return archive.stat().st_size


def _import_ms(folder: Path, module: str = "index") -> float:
    """Cold import time of a handler module (``python -X importtime``), median of 5 fresh processes."""
    samples = []
    for _ in range(5):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            cwd=folder,
            env={"ORDERS_TABLE": "orders", "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin"},
            capture_output=True,
            text=True,
            check=True,
        )
        last = [line for line in result.stderr.splitlines() if line.rstrip().endswith(f"| {module}")][-1]
        samples.append(int(last.split("|")[1]) / 1000)
    samples.sort()
    return samples[len(samples) // 2]


def run() -> str:
    code = str(HANDLER)
    cases = {
        "Lambda function": (
            lambda s: ServerlessFunction(s, "Fn", entry=code),
            lambda s: baseline.function(s, "Fn", code),
        ),
        "SQS processing": (
            lambda s: QueueProcessor(s, "Orders", entry=code),
            lambda s: baseline.queue_processing(s, "Orders", code),
        ),
    }
    rows = []
    for name, (ours, theirs) in cases.items():
        ours_seconds, theirs_seconds = synth_seconds(ours), synth_seconds(theirs)
        rows.append(
            [
                name,
                resource_count(synth(ours)),
                resource_count(synth(theirs)),
                _nag_errors(ours),
                _nag_errors(theirs),
                f"{ours_seconds * 1000:.0f} ms",
                f"{theirs_seconds * 1000:.0f} ms",
                ratio(ours_seconds, theirs_seconds),
            ]
        )
    table = markdown_table(
        [
            "pattern",
            "resources (library)",
            "resources (hand-written)",
            "cdk-nag errors (library)",
            "cdk-nag errors (hand-written)",
            "synth (library)",
            "synth (hand-written)",
            "synth ratio",
        ],
        rows,
    )
    asset = _asset_bytes(HANDLER)
    import_ms = _import_ms(HANDLER)
    return (
        f"{table}\n\n"
        "The library's extra resources are the function's own log group (retention, retained) and, for\n"
        "the queue, the TLS-only queue policies; the hand-written code leaves logs to Lambda's\n"
        "implicit, never-expiring group and attaches AWS managed policies.\n\n"
        f"Handler asset of the QueueProcessor example handler: {asset} bytes zipped (Powertools comes from\n"
        f"the public layer, not the asset). Cold import of the handler module with Powertools' batch\n"
        f"utility and boto3: {import_ms:.0f} ms (median of 5 fresh processes, `python -X importtime`).\n"
    )
