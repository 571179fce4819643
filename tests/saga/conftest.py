"""Run a synthesized SagaWorkflow in moto's Step Functions interpreter with real step handlers.

moto runs no Lambda code by itself: every invocation (Step Functions tasks included) goes through
``moto.awslambda.models.LambdaFunction._invoke_lambda``. :class:`InProcessLambda` replaces that
one hook, for the duration of a module, with a call into the Python handler registered for the
function's name, in this process, and reports errors in Lambda's ``errorType``/``errorMessage``
shape so Retry and Catch see the real error names.
"""

from __future__ import annotations

import importlib.util
import io
import json
import threading
import time
import traceback
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.saga.asl import ACCOUNT, REGION, definition

Handler = Callable[[Any, Any], Any]


class _Context:
    """The parts of Lambda's context object that handlers use."""

    def __init__(self, function_name: str, timeout_seconds: float) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "in-process"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class InProcessLambda:
    """moto's Lambda invoke hook, pointed at Python handlers loaded from asset folders."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.invocations: list[tuple[str, bool, str | None]] = []
        self._lock = threading.Lock()
        self._original: Any = None

    def register(self, function_name: str, entry: Path, handler: str = "index.handler") -> None:
        """Run ``handler`` (``module.function`` inside the ``entry`` folder) for ``function_name``."""
        module_name, _, function = handler.rpartition(".")
        self.handlers[function_name] = getattr(self._load(entry, module_name), function)

    @staticmethod
    def _load(entry: Path, module_name: str) -> ModuleType:
        unique = f"_saga_handler_{abs(hash(str(entry.resolve())))}_{module_name}"
        spec = importlib.util.spec_from_file_location(unique, entry / f"{module_name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def invoke(self, function_name: str, event: Any, timeout_seconds: float = 3) -> tuple[str, bool, str]:
        """Call the registered handler: ``(payload JSON, errored, logs)`` as moto expects."""
        if isinstance(event, (str, bytes)):
            event = json.loads(event or "{}")
        handler = self.handlers[function_name]
        try:
            payload: Any = handler(event, _Context(function_name, timeout_seconds))
            errored, error_type = False, None
        except Exception as error:
            error_type = type(error).__name__
            payload = {
                "errorType": error_type,
                "errorMessage": str(error),
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            errored = True
        with self._lock:
            self.invocations.append((function_name, errored, error_type))
        return json.dumps(payload), errored, ""

    def install(self) -> None:
        from moto.awslambda.models import LambdaFunction

        hook = self
        self._original = LambdaFunction._invoke_lambda

        def _invoke_lambda(function: Any, event: Any = None) -> tuple[str, bool, str]:
            if function.function_name not in hook.handlers:
                return hook._original(function, event)  # type: ignore[no-any-return]
            return hook.invoke(function.function_name, event, float(function.timeout or 3))

        LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]

    def uninstall(self) -> None:
        from moto.awslambda.models import LambdaFunction

        if self._original is not None:
            LambdaFunction._invoke_lambda = self._original  # type: ignore[method-assign]
            self._original = None


@dataclass(frozen=True)
class Execution:
    """A finished execution: its status, error, cause and output, and the journal of step calls."""

    status: str
    error: str | None
    cause: str | None
    output: dict[str, Any] | None
    calls: list[str]


class DeployedSaga:
    """A saga definition created in moto, with its functions and the calls journal table."""

    def __init__(self, endpoint: str, state_machine_arn: str, journal_table: str) -> None:
        self.endpoint = endpoint
        self.state_machine_arn = state_machine_arn
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.journal = boto3.resource("dynamodb", region_name=REGION).Table(journal_table)

    def start(self, order_id: str, plan: dict[str, Any] | None = None, **extra: Any) -> str:
        """Start an execution named after the order; returns its ARN."""
        body = {"orderId": order_id, "plan": plan or {}, **extra}
        response = self.sfn.start_execution(
            stateMachineArn=self.state_machine_arn, name=order_id, input=json.dumps(body)
        )
        return str(response["executionArn"])

    def wait(self, execution_arn: str, order_id: str, timeout: float = 60) -> Execution:
        """Poll until the execution ends."""
        deadline = time.monotonic() + timeout
        while True:
            described = self.sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                break
            assert time.monotonic() < deadline, f"{order_id} still running after {timeout} s"
            time.sleep(0.05)
        item = self.journal.get_item(Key={"orderId": order_id}).get("Item") or {}
        output = described.get("output")
        return Execution(
            status=described["status"],
            error=described.get("error"),
            cause=described.get("cause"),
            output=json.loads(output) if output else None,
            calls=[str(call) for call in item.get("calls", [])],
        )

    def run(self, order_id: str, plan: dict[str, Any] | None = None, **extra: Any) -> Execution:
        """Start an execution and wait for its end."""
        return self.wait(self.start(order_id, plan, **extra), order_id)


def deploy_saga(
    endpoint: str,
    template: dict[str, Any],
    functions: dict[str, tuple[str, Path]],
    hook: InProcessLambda,
    journal_table: str = "saga-journal",
) -> DeployedSaga:
    """Create the template's state machine in moto with ``functions`` (logical id -> (name, entry)).

    Each function is created in moto with its folder zipped as code and registered with ``hook``;
    the definition's ``Fn::GetAtt <logical id>.Arn`` become the moto functions' ARNs.
    """
    _post(f"{endpoint}/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
    iam = boto3.client("iam", region_name=REGION)
    role_arn = iam.create_role(
        RoleName=f"saga-{uuid.uuid4().hex[:8]}",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    lambda_client = boto3.client("lambda", region_name=REGION)
    arns: dict[str, str] = {}
    for logical_id, (name, entry) in functions.items():
        created = lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role_arn,
            Handler="index.handler",
            Code={"ZipFile": _zip(entry)},
            Timeout=10,
            Environment={"Variables": {"JOURNAL_TABLE": journal_table}},
        )
        arns[logical_id] = created["FunctionArn"]
        hook.register(name, entry)
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=journal_table,
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    machine_arn = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
        name=f"saga-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition(template, arns)),
        roleArn=role_arn,
    )["stateMachineArn"]
    return DeployedSaga(endpoint, machine_arn, journal_table)


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*.py")):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _post(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture(scope="module")
def in_process_lambda(moto_server: str) -> Iterator[InProcessLambda]:
    """moto's server, emptied once for the module, with the in-process Lambda hook installed."""
    _post(f"{moto_server}/moto-api/reset", {})
    hook = InProcessLambda()
    hook.install()
    try:
        yield hook
    finally:
        hook.uninstall()
