"""The local cloud: deploy time of the example app, warm invoke p50, HTTP request p50 through the local API.

Targets from issue 7, on this 2-core machine: deploy of the example app within 10 s, warm invoke
p50 within 20 ms, an HTTP request through the local API p50 within 30 ms.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import markdown_table

TITLE = "Local cloud"

REPO = Path(__file__).resolve().parent.parent
SAMPLES = 200


def _p(samples: list[float], percent: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def run() -> str:
    """Measure and return the Markdown section."""
    sys.path.insert(0, str(REPO))
    from examples.order_system.app import build_app
    from serverless_patterns.local import LocalCloud
    from tests.local.apps import build_small_app

    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as folder:
        example_out = str(Path(folder) / "example")
        build_app(example_out).synth()
        small_out = build_small_app(str(Path(folder) / "small"))
        with LocalCloud() as cloud:
            started = time.perf_counter()
            example = cloud.deploy(example_out)
            deploy_seconds = time.perf_counter() - started
            resources = len(example.resources())
            rows.append(["deploy of the example app (OrderSystem)", f"{deploy_seconds:.2f} s", "10 s", resources])

            started = time.perf_counter()
            small = cloud.deploy(small_out, warm=True)
            rows.append(["deploy of a small app, workers warmed", f"{time.perf_counter() - started:.2f} s", "-", ""])

            lambda_client = cloud.client("lambda")
            name = small.function_name("Echo")
            event = json.dumps({"resource": "/", "path": "/", "httpMethod": "GET", "requestContext": {"stage": "b"}})
            invokes: list[float] = []
            for _ in range(SAMPLES):
                started = time.perf_counter()
                response = lambda_client.invoke(FunctionName=name, Payload=event)
                assert "FunctionError" not in response, response["Payload"].read()
                response["Payload"].read()
                invokes.append((time.perf_counter() - started) * 1000)
            rows.append(
                [
                    "warm invoke (boto3 Invoke through moto)",
                    f"p50 {_p(invokes, 50):.1f} ms, p95 {_p(invokes, 95):.1f} ms",
                    "20 ms",
                    "",
                ]
            )

            url = small.api_url() + "items/1"
            requests: list[float] = []
            for _ in range(SAMPLES):
                started = time.perf_counter()
                with urllib.request.urlopen(url, timeout=30) as answer:
                    assert answer.status == 200
                    assert json.loads(answer.read())["pathParameters"] == {"id": "1"}
                requests.append((time.perf_counter() - started) * 1000)
            rows.append(
                [
                    "HTTP GET through the local REST API",
                    f"p50 {_p(requests, 50):.1f} ms, p95 {_p(requests, 95):.1f} ms",
                    "30 ms",
                    "",
                ]
            )
            runtime = cloud.runtime
            handler_ms = [i.duration_ms for n, i in (runtime.invocations if runtime else []) if n == name]
            rows.append(["of which the worker round trip", f"p50 {statistics.median(handler_ms):.1f} ms", "-", ""])

    table = markdown_table(["measure", "result", "target", "resources"], rows)
    return (
        f"{table}\n\n{SAMPLES} samples each, sequential, on the machine that ran the benchmark; moto's server, the "
        "Lambda workers and the client share its cores. The deploy includes the asset upload and moto's "
        "CloudFormation; the small app's deploy includes starting one worker per function."
    )


if __name__ == "__main__":
    print(run())
