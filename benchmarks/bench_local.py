"""The local cloud: deploy time of the example app, warm invoke p50, HTTP request p50 through the local API.

Targets from issue 7, on this 2-core machine: deploy of the example app within 10 s, warm invoke
p50 within 20 ms, an HTTP request through the local API p50 within 30 ms.

IAM enforcement (``LocalCloud(enforce_iam=True)``, the default) may cost at most 20 % on the warm
invoke and HTTP p50. Both are measured with enforcement on and off in one run, in alternating
rounds (ON, OFF, ON, OFF, ...): each round is a fresh ``LocalCloud`` with the benchmark app
deployed and its workers warmed, so drift of a busy machine falls on both sides alike.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import markdown_table

TITLE = "Local cloud"

REPO = Path(__file__).resolve().parent.parent
HANDLERS = Path(__file__).resolve().parent / "local_handlers"
ROUNDS = 20
"""Rounds of the enforcement comparison, half of them with enforcement on; ON and OFF alternate."""
ROUND_SAMPLES = 200
"""Measured samples of each measure in each round, after ``WARMUP`` unmeasured ones."""
WARMUP = 10
BUDGET = 1.20
"""Enforcement may cost at most 20 % on the warm invoke and HTTP p50."""

INVOKE = "warm invoke (boto3 Invoke through moto)"
INVOKE_CALL = "warm invoke, the handler makes one DynamoDB call"
HTTP = "HTTP GET through the local REST API"
HTTP_IAM = "HTTP GET, `AWS_IAM` method, SigV4-signed"
WORKER = "of which the worker round trip"
COMPARED = [INVOKE, INVOKE_CALL, HTTP, HTTP_IAM, WORKER]
BUDGETED = {INVOKE, INVOKE_CALL, HTTP, HTTP_IAM}


def _p(samples: list[float], percent: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def build_bench_app(outdir: str) -> str:
    """Synthesize the app of the enforcement comparison.

    The small test app's echo function behind ``GET /items/{id}`` (no authorization, as in
    ``build_small_app``) and behind ``GET /signed/{id}`` (``AWS_IAM``), a role that may invoke the
    latter, and a function that reads a DynamoDB table on each invoke (one call through the guard).
    """
    from aws_cdk import App, CfnOutput, RemovalPolicy, Stack
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_iam as iam

    from serverless_patterns import ServerlessFunction
    from tests.local.apps import HANDLERS as TEST_HANDLERS

    app = App(outdir=outdir)
    stack = Stack(app, "LocalBench")
    echo = ServerlessFunction(stack, "Echo", entry=str(TEST_HANDLERS / "api"))
    api = apigateway.RestApi(stack, "Api", deploy_options=apigateway.StageOptions(stage_name="prod"))
    integration = apigateway.LambdaIntegration(echo)
    api.root.add_resource("items").add_resource("{id}").add_method("GET", integration)
    signed = api.root.add_resource("signed").add_resource("{id}")
    method = signed.add_method("GET", integration, authorization_type=apigateway.AuthorizationType.IAM)
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    method.grant_execute(caller)

    table = dynamodb.TableV2(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        removal_policy=RemovalPolicy.DESTROY,
    )
    reader = ServerlessFunction(
        stack, "Reader", entry=str(HANDLERS / "reader"), environment={"TABLE_NAME": table.table_name}
    )
    table.grant_read_data(reader)
    CfnOutput(stack, "ApiUrl", value=api.url)
    CfnOutput(stack, "CallerRoleArn", value=caller.role_arn)
    app.synth()
    return outdir


@dataclass
class Side:
    """The samples (ms) of one side of the comparison: pooled over its rounds, and the p50 of each round."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    round_p50: dict[str, list[float]] = field(default_factory=dict)

    def add(self, measure: str, samples: list[float]) -> None:
        self.samples.setdefault(measure, []).extend(samples)
        self.round_p50.setdefault(measure, []).append(_p(samples, 50))

    def cell(self, measure: str) -> str:
        samples = self.samples[measure]
        return f"p50 {_p(samples, 50):.2f} ms, p95 {_p(samples, 95):.2f} ms"


def _timed(call: Callable[[], None], prepare: Callable[[], None] | None = None) -> list[float]:
    """``ROUND_SAMPLES`` wall times (ms) of ``call``, after ``WARMUP`` unmeasured calls; ``prepare`` runs untimed."""
    samples: list[float] = []
    for index in range(WARMUP + ROUND_SAMPLES):
        if prepare is not None:
            prepare()
        started = time.perf_counter()
        call()
        if index >= WARMUP:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _round(cdk_out: str, enforce: bool, side: Side) -> None:
    """One fresh local cloud with the benchmark app deployed (workers warmed); every measure once."""
    from serverless_patterns.local import LocalCloud

    with LocalCloud(enforce_iam=enforce) as cloud:
        deployment = cloud.deploy(cdk_out, warm=True)
        lambda_client = cloud.client("lambda")
        echo = deployment.function_name("Echo")

        def invoke(name: str, payload: str) -> Callable[[], None]:
            def call() -> None:
                response = lambda_client.invoke(FunctionName=name, Payload=payload)
                assert "FunctionError" not in response, response["Payload"].read()
                response["Payload"].read()

            return call

        event = json.dumps({"resource": "/", "path": "/", "httpMethod": "GET", "requestContext": {"stage": "b"}})
        side.add(INVOKE, _timed(invoke(echo, event)))
        side.add(INVOKE_CALL, _timed(invoke(deployment.function_name("Reader"), json.dumps({"id": "1"}))))

        base = deployment.api_url()

        def get() -> None:
            with urllib.request.urlopen(base + "items/1", timeout=30) as answer:
                assert answer.status == 200
                assert json.loads(answer.read())["pathParameters"] == {"id": "1"}

        side.add(HTTP, _timed(get))
        runtime = cloud.runtime
        durations = [i.duration_ms for n, i in (runtime.invocations if runtime else []) if n == echo]
        side.add(WORKER, durations[-ROUND_SAMPLES:])

        # Both sides send the same request, signed as the caller role just before it is sent; the
        # signing is the client's work (any SDK does it), outside the measured time.
        role = deployment.outputs["CallerRoleArn"]
        url = base + "signed/1"
        pending: list[urllib.request.Request] = []

        def sign() -> None:
            pending.append(urllib.request.Request(url, headers=cloud.sign("GET", url, {}, b"", role=role)))

        def send() -> None:
            with urllib.request.urlopen(pending.pop(), timeout=30) as answer:
                assert answer.status == 200
                assert json.loads(answer.read())["pathParameters"] == {"id": "1"}

        side.add(HTTP_IAM, _timed(send, sign))
        if enforce:
            _check_enforced(cloud, url)


def _check_enforced(cloud: Any, url: str) -> None:
    """The ON side really enforces: nothing measured was denied, and an unsigned request is refused."""
    assert not cloud.denials(), cloud.denials()
    try:
        urllib.request.urlopen(url, timeout=30).close()
    except urllib.error.HTTPError as error:
        assert error.code == 403, error.code
    else:
        raise AssertionError("the AWS_IAM method answered an unsigned request with enforcement on")


def _verdict(pooled: float, pair_median: float) -> str:
    """Within the budget by the pooled p50s; *borderline* when the median round pair says otherwise."""
    if (pooled <= BUDGET) != (pair_median <= BUDGET):
        return "borderline"
    return "yes" if pooled <= BUDGET else "**no**"


def _comparison(on: Side, off: Side) -> str:
    rows: list[list[object]] = []
    for measure in COMPARED:
        on_p50, off_p50 = _p(on.samples[measure], 50), _p(off.samples[measure], 50)
        ratio = on_p50 / off_p50
        pairs = [a / b for a, b in zip(on.round_p50[measure], off.round_p50[measure], strict=True)]
        rows.append(
            [
                measure,
                on.cell(measure),
                off.cell(measure),
                f"{ratio:.2f}x ({(ratio - 1) * 100:+.1f} %, {on_p50 - off_p50:+.2f} ms)",
                f"{min(pairs):.2f}x / {statistics.median(pairs):.2f}x / {max(pairs):.2f}x",
                _verdict(ratio, statistics.median(pairs)) if measure in BUDGETED else "-",
            ]
        )
    header = ["measure", "enforcement ON", "enforcement OFF", "ON/OFF p50", "ON/OFF per round pair", "within 20 %"]
    return markdown_table(header, rows)


def run() -> str:
    """Measure and return the Markdown section."""
    sys.path.insert(0, str(REPO))
    from examples.order_system.app import build_app
    from serverless_patterns.local import LocalCloud
    from tests.local.apps import build_small_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request otherwise
    loads = [os.getloadavg()[0]]
    rows: list[list[object]] = []
    on, off = Side(), Side()
    with tempfile.TemporaryDirectory() as folder:
        example_out = str(Path(folder) / "example")
        build_app(example_out).synth()
        small_out = build_small_app(str(Path(folder) / "small"))
        bench_out = build_bench_app(str(Path(folder) / "bench"))
        with LocalCloud() as cloud:
            started = time.perf_counter()
            example = cloud.deploy(example_out)
            deploy_seconds = time.perf_counter() - started
            resources = len(example.resources())
            rows.append(["deploy of the example app (OrderSystem)", f"{deploy_seconds:.2f} s", "10 s", resources])

            started = time.perf_counter()
            cloud.deploy(small_out, warm=True)
            rows.append(["deploy of a small app, workers warmed", f"{time.perf_counter() - started:.2f} s", "-", ""])

        for index in range(ROUNDS):
            enforce = index % 2 == 0
            _round(bench_out, enforce, on if enforce else off)
            loads.append(os.getloadavg()[0])

    rows += [
        [INVOKE, on.cell(INVOKE), "20 ms", ""],
        [HTTP, on.cell(HTTP), "30 ms", ""],
        [f"{WORKER} (HTTP GET)", on.cell(WORKER), "-", ""],
    ]
    per_side = ROUNDS // 2 * ROUND_SAMPLES
    cores = os.cpu_count() or 1
    busy = "busy" if max(loads) > cores / 2 else "quiet"
    return (
        f"{markdown_table(['measure', 'result', 'target', 'resources'], rows)}\n\n"
        "With IAM enforcement on (the default), on the machine that ran the benchmark: moto's server, the Lambda "
        "workers and the client share its cores. The deploy includes the asset upload and moto's CloudFormation; "
        "the small app's deploy includes starting one worker per function. The invoke and HTTP rows are the ON "
        f"side of the comparison below ({per_side} sequential requests each).\n\n"
        "**IAM enforcement, on against off** (budget: at most 20 % on the warm invoke and HTTP p50):\n\n"
        f"{_comparison(on, off)}\n\n"
        f"{ROUNDS} rounds in one run, ON and OFF alternating (ON, OFF, ON, ...), each a fresh `LocalCloud` "
        f"with the benchmark app deployed and its workers warmed, {WARMUP} unmeasured then {ROUND_SAMPLES} "
        f"measured sequential requests per measure: {per_side} samples per measure and side. p50 and p95 are "
        "over the pooled samples of a side; *per round pair* is the min / median / max, over the "
        f"{ROUNDS // 2} pairs of adjacent rounds, of the ratio of their p50s; *borderline*: the pooled ratio and "
        f"the median pair fall on different sides of 1.20x. Load average (1 min) {min(loads):.1f} to "
        f"{max(loads):.1f} on {cores} cores during the run: the machine was {busy}.\n\n"
        "The invokes are the administrator's calls (`LocalCloud.client`): the guard only reads the access key and "
        "lets them through. The echo handler makes no AWS call; the second row's handler makes one DynamoDB "
        "`GetItem` with its role's credentials, which the guard parses and evaluates against the role's policies. "
        "The HTTP GET goes to a method without authorization; with enforcement on, API Gateway's Lambda "
        "permission on the function is still checked. The `AWS_IAM` method is called by both sides with the "
        "same kind of request, signed by `LocalCloud.sign` as a role allowed `execute-api:Invoke` on it just "
        "before it is sent, outside the measured time: the ON side verifies the signature and evaluates the "
        "role's policies, the OFF side ignores the signature."
    )


if __name__ == "__main__":
    print(run())
