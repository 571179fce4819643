"""Cold start of the library's handlers next to hand-written handlers doing the same job, as whole processes.

Every sample is a fresh ``python`` process that starts the way a Lambda execution environment
does (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html, "Init
phase"): the interpreter starts, the handler module is imported from the task root with the
function's environment, and the handler is looked up. Then it serves the first request, so a
client or an import that a handler defers to its first invocation is measured too: deferring a
cost is not cutting it. From the same process come the wall time from spawn to a signal it
writes on a pipe of its own (its stdout and stderr are the handler's logs) and its CPU time
(``time.process_time``, interpreter start included): *init* when the handler is loaded, *init +
first request* when the first response is made. Interpreter shutdown is not measured (Lambda
freezes the environment instead). CPU time depends less on what else runs on the machine; on
an idle one the two agree.

What each side runs, as Lambda would run it:

- the library's functions are those of ``examples/order_system`` (the example app synthesized
  once, with asset metadata): the handler string, the environment variables from the template
  and the code asset's folder as the task root; layers the library defines (the publisher layer)
  are on ``sys.path`` after it, as ``/opt/python`` is
  (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths);
- the hand-written handlers are in ``benchmarks/baseline/cold_start/`` (``index.handler``),
  doing the same job the usual way: Powertools and boto3 clients made at import;
- both get the variables Lambda sets (region, function name, memory, ``AWS_EXECUTION_ENV``,
  ``AWS_LAMBDA_INITIALIZATION_TYPE``, temporary credentials: here fake ones;
  https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
  an empty ``HOME`` (no shared AWS config file) and ``AWS_ENDPOINT_URL`` pointing at a stub in
  this process that answers DynamoDB and EventBridge calls at once, the same answers to both.

Bytecode, the same for both sides: the task roots hold no ``.pyc`` (CDK stages the library's
assets without ``__pycache__``, as AWS recommends for deployment packages,
https://docs.aws.amazon.com/lambda/latest/dg/python-package.html#python-package-pycache, and
``/var/task`` is read-only, so every cold start compiles the handler's own modules) and
``PYTHONDONTWRITEBYTECODE=1`` keeps it so; the standard library, boto3 and Powertools are read
with the bytecode their installation here compiled. Whether the runtime's boto3 and the public
Powertools layer ship ``.pyc`` is not checked here: either way both sides read the same files.

Not modelled, alike for both sides: the Lambda runtime's own start before it imports the handler,
the Python version (the machine's, not the function's) and the CPU share Lambda gives by memory
size.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from benchmarks.common import markdown_table, spread

TITLE = "Cold start: the library's handlers against hand-written ones"
ROOT = Path(__file__).resolve().parent.parent
BASELINES = ROOT / "benchmarks" / "baseline" / "cold_start"
ROUNDS = int(os.environ.get("COLD_START_ROUNDS", "20"))
TARGET = 1.2
REGION = "eu-west-1"

#: Runs in the measured process: Lambda's part (find the handler, call it with a context), nothing else.
#: It reports on its own pipe: ``i <cpu ns>`` when the handler is loaded, ``r <cpu ns>`` and the response
#: when the first request is answered (CPU time of the process since it started, interpreter start included).
CHILD = """
import importlib, os, time
signal = int(os.environ.pop("_BENCH_SIGNAL_FD"))
event = os.environ.pop("_BENCH_EVENT")
module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
handler = getattr(importlib.import_module(module_name), function_name)
os.write(signal, b"i %d\\n" % time.process_time_ns())
class LambdaContext:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:111111111111:function:" + function_name
    aws_request_id = "8f5b2c0e-0000-4000-8000-000000000001"
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "2026/01/01/[$LATEST]0"
    def get_remaining_time_in_millis(self):
        return 10000
import json
result = handler(json.loads(event), LambdaContext())
os.write(signal, b"r %d\\n" % time.process_time_ns() + json.dumps(result, default=str).encode())
os._exit(0)
"""


@dataclass(frozen=True)
class Function:
    """One Lambda function as the runtime sees it: task root, handler, environment, layer folders."""

    task_root: Path
    handler: str
    environment: dict[str, str]
    layers: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Sample:
    """One fresh process: wall and CPU milliseconds to the loaded handler and to the first response."""

    init_ms: float
    first_ms: float
    init_cpu_ms: float
    first_cpu_ms: float


@dataclass
class Pair:
    """A handler of the library (or the example) and its hand-written equivalent, served the same first request."""

    name: str
    request: str
    event: dict[str, Any]
    ours: Function
    theirs: Function
    expect_status: int | None = None
    samples: dict[str, list[Sample]] = field(default_factory=lambda: {"ours": [], "theirs": []})


# The stub's answers, by operation (the X-Amz-Target suffix): what DynamoDB and EventBridge would return.
_ITEM = {"id": {"S": "u-1"}, "email": {"S": "ann@example.com"}, "name": {"S": "Ann"}, "version": {"N": "1"}}
_ANSWERS: dict[str, Any] = {
    "GetItem": {"Item": _ITEM},
    "PutItem": {},
    "UpdateItem": {"Attributes": _ITEM},
    "DeleteItem": {},
    "Scan": {"Items": [_ITEM], "Count": 1, "ScannedCount": 1},
    "TransactWriteItems": {},
}


class _Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm, a kept-alive connection's second
    # answer would wait for the client's delayed ACK (40 ms), which no AWS endpoint makes a client wait.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        service, _, operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")
        if operation == "PutEvents":
            entries = [{"EventId": f"e-{index}"} for index, _ in enumerate(request.get("Entries", []))]
            answer: Any = {"FailedEntryCount": 0, "Entries": entries}
        else:
            answer = _ANSWERS.get(operation, {})
        body = json.dumps(answer).encode()
        version = "1.0" if service.startswith("DynamoDB") else "1.1"
        self.send_response(200)
        self.send_header("Content-Type", f"application/x-amz-json-{version}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "stub")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


@contextmanager
def _stub_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _lambda_environment(function: Function, name: str, home: str, endpoint: str) -> dict[str, str]:
    """The variables Lambda sets for a Python function, then the function's own."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": home,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join(str(layer) for layer in function.layers),
        "LAMBDA_TASK_ROOT": str(function.task_root),
        "_HANDLER": function.handler,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.14",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0",
        "AWS_ACCESS_KEY_ID": "ASIAXXXXXXXXXXXXXXXX",
        "AWS_SECRET_ACCESS_KEY": "fake-secret-for-the-benchmark",
        "AWS_SESSION_TOKEN": "fake-session-token",
        "AWS_ENDPOINT_URL": endpoint,
        **function.environment,
    }


def _sample(function: Function, event: dict[str, Any], home: str, endpoint: str) -> tuple[Sample, Any]:
    """One fresh process serving ``event``: its timings and its first response."""
    read_end, write_end = os.pipe()
    env = _lambda_environment(function, "bench-function", home, endpoint)
    env["_BENCH_SIGNAL_FD"] = str(write_end)
    env["_BENCH_EVENT"] = json.dumps(event)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=function.task_root,
        env=env,
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    marks: list[tuple[float, bytes]] = []
    with os.fdopen(read_end, "rb", buffering=0) as signals:
        line = b""
        while len(marks) < 2:
            byte = signals.read(1)
            if not byte:
                break
            if not line:
                stamp = time.perf_counter()
            line += byte
            if byte == b"\n":
                marks.append((stamp, line))
                line = b""
        rest = signals.read()
    _, errors = process.communicate()
    if len(marks) < 2:
        raise RuntimeError(f"{function.handler} did not answer its first request:\n{errors.decode()[-3000:]}")
    (init_at, init_line), (first_at, first_line) = marks
    sample = Sample(
        init_ms=(init_at - started) * 1000,
        first_ms=(first_at - started) * 1000,
        init_cpu_ms=int(init_line.split()[1]) / 1e6,
        first_cpu_ms=int(first_line.split()[1]) / 1e6,
    )
    return sample, json.loads(rest or b"null")


def _example_functions(outdir: Path) -> dict[str, Function]:
    """The example app's functions by handler string (the first of each), as the runtime would load them.

    The app is synthesized with asset metadata, which names each function's and layer's asset folder.
    CrudApi's code is staged by the API at synthesis, not through ``Code.from_asset``: its folder comes
    from the API.
    """
    from examples.order_system.app import OrderSystemStack

    app = cdk.App(outdir=str(outdir), context={"aws:cdk:enable-asset-metadata": True})
    stack = OrderSystemStack(app, "OrderSystem", env=cdk.Environment(account="111111111111", region=REGION))
    crud_code = stack.users_api.api.code
    template = app.synth().get_stack_by_name(stack.stack_name).template
    assert crud_code.asset is not None
    crud_root = outdir / crud_code.asset.asset_path
    resources = template["Resources"]
    layers = {
        logical_id: outdir / resource["Metadata"]["aws:asset:path"] / "python"
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::LayerVersion" and "aws:asset:path" in resource.get("Metadata", {})
    }
    functions: dict[str, Function] = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        properties = resource["Properties"]
        handler = properties["Handler"]
        asset = resource.get("Metadata", {}).get("aws:asset:path")
        task_root = outdir / asset if asset else crud_root if handler.startswith("crud_api.") else None
        if task_root is None or handler in functions:
            continue
        variables = properties.get("Environment", {}).get("Variables", {})
        functions[handler] = Function(
            task_root=task_root,
            handler=handler,
            environment={name: _deploy_time_value(name, value) for name, value in variables.items()},
            layers=tuple(
                layers[layer["Ref"]]
                for layer in properties.get("Layers", [])
                if isinstance(layer, dict) and layer.get("Ref") in layers
            ),
        )
    return functions


def _deploy_time_value(name: str, value: Any) -> str:
    """A variable's value; table and bus names, known at deploy, become plain names."""
    if isinstance(value, str):
        return value
    return "users=users-table;orders=orders-table" if name == "CRUD_TABLES" else name.lower()


def _baseline(folder: str, into: Path, environment: dict[str, str], handler: str = "index.handler") -> Function:
    """A hand-written task root, copied without bytecode caches."""
    target = into / folder
    shutil.copytree(BASELINES / folder, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return Function(task_root=target, handler=handler, environment=environment)


def _rest_event(
    method: str, path: str, resource: str, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A REST API proxy event (payload 1.0) of the ``prod`` stage."""
    parts = zip(resource.strip("/").split("/"), path.strip("/").split("/"), strict=True)
    parameters = {part.strip("{}"): value for part, value in parts if part.startswith("{")}
    all_headers = {"Accept": "application/json", "Host": "abc.execute-api.eu-west-1.amazonaws.com", **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "111111111111",
            "apiId": "abc",
            "httpMethod": method,
            "identity": {"sourceIp": "192.0.2.10", "userArn": "arn:aws:sts::111111111111:assumed-role/client/ann"},
            "path": f"/prod{path}",
            "resourcePath": resource,
            "stage": "prod",
            "requestId": "c6af9ac6-0000-4000-8000-000000000001",
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def _pairs(work: Path) -> list[Pair]:
    ours = _example_functions(work / "cdk.out")
    copies = work / "hand-written"
    crud = {
        "POWERTOOLS_SERVICE_NAME": "Users-read",
        "POWERTOOLS_METRICS_NAMESPACE": "ServerlessPatterns",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "USERS_TABLE": "users-table",
    }
    writes = {**crud, "POWERTOOLS_SERVICE_NAME": "Users-write", "IDEMPOTENCY_TABLE": "idempotency-table"}
    order = {
        "orderId": "o-1",
        "customerId": "c-1",
        "amount": 42,
        "card": "4111111111111111",
        "items": [{"sku": "A-1", "quantity": 2}],
    }
    record = {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": json.dumps(order),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1767225600000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:111111111111:ingest",
        "awsRegion": REGION,
    }
    usual = _baseline("order_system", copies, {})

    def usual_way(handler: str) -> Function:
        return Function(usual.task_root, handler, ours[handler].environment)

    return [
        Pair(
            "CrudApi read (`crud_api.read`)",
            "GET /users/{id}",
            _rest_event("GET", "/users/u-1", "/users/{id}"),
            ours["crud_api.read.handler"],
            _baseline("crud_read", copies, crud),
            expect_status=200,
        ),
        Pair(
            "CrudApi write (`crud_api.write`)",
            "POST /users, Idempotency-Key",
            _rest_event(
                "POST",
                "/users",
                "/users",
                body={"email": "ann@example.com", "name": "Ann"},
                headers={"Idempotency-Key": "k-1"},
            ),
            ours["crud_api.write.handler"],
            _baseline("crud_write", copies, writes),
            expect_status=201,
        ),
        Pair(
            "EventFanout publisher (`event_publisher`, in the example's `orders.place`)",
            "publish 1 event",
            {"orders": [order]},
            ours["orders.place.handler"],
            _baseline("publisher", copies, ours["orders.place.handler"].environment),
        ),
        Pair(
            "example `ingest.index` (QueueProcessor)",
            "1 SQS record",
            {"Records": [record]},
            ours["ingest.index.handler"],
            usual_way("ingest.index.handler"),
        ),
        Pair(
            "example `orders.payment.charge`",
            "charge 1 order",
            order,
            ours["orders.payment.charge"],
            usual_way("orders.payment.charge"),
        ),
        Pair(
            "example `orders.validate`",
            "validate 1 order",
            order,
            ours["orders.validate.handler"],
            usual_way("orders.validate.handler"),
        ),
    ]


def _references(work: Path) -> dict[str, Function]:
    """What every handler pays: the interpreter, boto3 and a DynamoDB client (a process each, in the same rounds)."""
    root = work / "references"
    root.mkdir()
    bodies = {
        "bare interpreter": "",
        "`import boto3`": "import boto3\n",
        "`import boto3` and a DynamoDB client": "import boto3\nclient = boto3.client('dynamodb')\n",
    }
    references = {}
    for index, (label, body) in enumerate(bodies.items()):
        (root / f"reference{index}.py").write_text(f"{body}def handler(event, context):\n    return None\n")
        references[label] = Function(root, f"reference{index}.handler", {})
    return references


def _measure(pairs: list[Pair], references: dict[str, Function], rounds: int) -> dict[str, list[Sample]]:
    """Alternate the sides round by round (the order flips every round); the first round is not kept."""
    reference_samples: dict[str, list[Sample]] = {label: [] for label in references}
    with tempfile.TemporaryDirectory() as home, _stub_endpoint() as endpoint:
        for round_number in range(rounds + 1):
            for pair in pairs:
                sides = ["ours", "theirs"] if round_number % 2 == 0 else ["theirs", "ours"]
                for side in sides:
                    sample, response = _sample(getattr(pair, side), pair.event, home, endpoint)
                    if round_number == 0:  # warms the file cache and checks that both sides answer
                        status = response.get("statusCode") if isinstance(response, dict) else None
                        if pair.expect_status is not None and status != pair.expect_status:
                            raise RuntimeError(f"{side} of {pair.name}: expected {pair.expect_status}, got {response}")
                    else:
                        pair.samples[side].append(sample)
            for label, function in references.items():
                sample, _ = _sample(function, {}, home, endpoint)
                if round_number:
                    reference_samples[label].append(sample)
    return reference_samples


def _median(samples: list[Sample], measure: str) -> float:
    return statistics.median(getattr(sample, measure) for sample in samples)


def _ratios(pair: Pair, measure: str) -> list[float]:
    return [
        getattr(ours, measure) / getattr(theirs, measure)
        for ours, theirs in zip(pair.samples["ours"], pair.samples["theirs"], strict=True)
    ]


def run() -> str:
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cold-start-") as work:
        pairs = _pairs(Path(work))
        reference_samples = _measure(pairs, _references(Path(work)), ROUNDS)
    load_end = os.getloadavg()[0]
    wall_rows, cpu_rows = [], []
    for pair in pairs:
        ours, theirs = pair.samples["ours"], pair.samples["theirs"]
        within = all(statistics.median(_ratios(pair, measure)) <= TARGET for measure in ("init_ms", "first_ms"))
        wall_rows.append(
            [
                pair.name,
                pair.request,
                f"{_median(ours, 'init_ms'):.0f} / {_median(theirs, 'init_ms'):.0f} ms",
                spread(_ratios(pair, "init_ms")),
                f"{_median(ours, 'first_ms'):.0f} / {_median(theirs, 'first_ms'):.0f} ms",
                spread(_ratios(pair, "first_ms")),
                "yes" if within else "**no**",
            ]
        )
        cpu_rows.append(
            [
                pair.name,
                f"{_median(ours, 'init_cpu_ms'):.0f} / {_median(theirs, 'init_cpu_ms'):.0f} ms",
                spread(_ratios(pair, "init_cpu_ms")),
                f"{_median(ours, 'first_cpu_ms'):.0f} / {_median(theirs, 'first_cpu_ms'):.0f} ms",
                spread(_ratios(pair, "first_cpu_ms")),
            ]
        )
    wall = markdown_table(
        [
            "handler",
            "first request",
            "init, ours / hand-written (median)",
            "init ratio per pair",
            "init + first request, ours / hand-written (median)",
            "ratio per pair",
            f"both medians within {TARGET}x",
        ],
        wall_rows,
    )
    cpu = markdown_table(
        [
            "handler",
            "init CPU, ours / hand-written",
            "ratio per pair",
            "init + first request CPU, ours / hand-written",
            "ratio per pair",
        ],
        cpu_rows,
    )
    references = ", ".join(
        f"{label} {_median(samples, 'init_ms'):.0f} ms ({_median(samples, 'init_cpu_ms'):.0f} ms CPU)"
        for label, samples in reference_samples.items()
    )
    return (
        "Wall time of whole processes, from spawn: *init* is the interpreter's start and the handler's import (what\n"
        "Lambda reports as the init duration), *init + first request* adds the first invocation, so that a client\n"
        "made on first use is counted:\n\n"
        f"{wall}\n\n"
        "CPU time of the same processes (user + system, interpreter start included), which depends less on what\n"
        "else runs on the machine:\n\n"
        f"{cpu}\n\n"
        f"For scale, in the same rounds (init, medians): {references}.\n\n"
        f"{ROUNDS} rounds in one run after an unmeasured one; in each, both sides of a pair run back to back, in an\n"
        "order that flips every round, each a fresh process. *Ratio per pair* is the min / median / max over the\n"
        "rounds of ours / hand-written in the same round. *Ours* is the library's handler as the example app\n"
        "deploys it (its synthesized asset, environment and layers) or, for the example's own handlers, the\n"
        "example as it is. *Hand-written* is `benchmarks/baseline/cold_start/`: the same job done the usual way\n"
        "with Powertools and boto3 clients made at import (a low-level DynamoDB client, the stricter baseline:\n"
        "a `boto3.resource` costs more), and for the example's handlers the same handlers as they were before\n"
        "they were made lean (a `boto3.resource` table made at import by every module). AWS calls go to a local\n"
        "stub that answers at once, the same for both sides. No `.pyc` in the task roots (CDK stages assets\n"
        "without them, and AWS advises against shipping them:\n"
        "[python-package](https://docs.aws.amazon.com/lambda/latest/dg/python-package.html#python-package-pycache)),\n"
        "none written; the installed libraries keep the bytecode their installation compiled. Load average (1 min) "
        f"{load_start:.1f} at the start, {load_end:.1f} at the end, on {os.cpu_count()} cores.\n"
    )
