"""Run a synthesized SagaWorkflow in moto's Step Functions interpreter with real step handlers.

moto runs no Lambda code by itself: every invocation (Step Functions tasks included) goes through
``moto.awslambda.models.LambdaFunction._invoke_lambda``. The local cloud's
:class:`~serverless_patterns.local.LambdaRuntime` replaces that one hook, for the duration of a
module, with warm worker processes that run each function's deployed code (the zip given to
moto) and report errors in Lambda's ``errorType``/``errorMessage`` shape, so Retry and Catch see
the real error names.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import boto3
import pytest

from serverless_patterns.local import LambdaRuntime
from tests.saga.asl import REGION, definition


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
            calls=[str(call) for call in cast("list[Any]", item.get("calls", []))],
        )

    def run(self, order_id: str, plan: dict[str, Any] | None = None, **extra: Any) -> Execution:
        """Start an execution and wait for its end."""
        return self.wait(self.start(order_id, plan, **extra), order_id)


def deploy_saga(
    endpoint: str,
    template: dict[str, Any],
    functions: dict[str, tuple[str, Path]],
    journal_table: str = "saga-journal",
) -> DeployedSaga:
    """Create the template's state machine in moto with ``functions`` (logical id -> (name, entry)).

    Each function is created in moto with its folder zipped as code (which the installed
    ``LambdaRuntime`` runs); the definition's ``Fn::GetAtt <logical id>.Arn`` become the moto functions' ARNs.
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
def lambda_runtime(moto_server: str) -> Iterator[LambdaRuntime]:
    """moto's server, emptied once for the module, running Lambda code on the local runtime."""
    _post(f"{moto_server}/moto-api/reset", {})
    runtime = LambdaRuntime(moto_server, region=REGION)
    runtime.install()
    try:
        yield runtime
    finally:
        runtime.close()
