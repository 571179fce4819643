"""The local Lambda runtime: real handler code behind moto's Invoke, errors in Lambda's shape."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from serverless_patterns.local import LambdaRuntime

HANDLER = """
import os
import time

import boto3

def handler(event, context):
    print("got", event)
    if event.get("fail"):
        raise ValueError("boom: " + str(event["fail"]))
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("rendezvous"):
        # Wait (up to 30 s) until every invocation of the group has arrived: only concurrent ones can.
        folder = event["rendezvous"]
        open(os.path.join(folder, str(event["n"])), "w").close()
        deadline = time.time() + 30
        while len(os.listdir(folder)) < event["of"] and time.time() < deadline:
            time.sleep(0.01)
        event = {**event, "met": len(os.listdir(folder)) >= event["of"]}
    if event.get("queue"):
        boto3.client("sqs").create_queue(QueueName=event["queue"])
    return {
        "echo": event,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "greeting": os.environ["GREETING"],
        "pid": os.getpid(),
    }

def not_json(event, context):
    return {1, 2}

def logs(event, context):
    import logging
    if event.get("level"):
        logging.getLogger().setLevel(event["level"])
    logging.getLogger("orders").info("stored %s", event.get("id"))
    logging.getLogger("orders").warning("low stock")
    return {"request_id": context.aws_request_id}
"""


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
        archive.writestr("broken.py", "import does_not_exist\ndef handler(event, context):\n    return 1\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def lambda_client(moto_server: str) -> Iterator[Any]:
    client = boto3.client("lambda", endpoint_url=moto_server, region_name="us-east-1")
    role = boto3.client("iam", endpoint_url=moto_server).create_role(
        RoleName="local-runtime-test", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    code = _zip(HANDLER)
    common = {"Runtime": "python3.14", "Role": role, "Code": {"ZipFile": code}}
    env = {"Variables": {"GREETING": "hallo"}}
    client.create_function(FunctionName="rt-echo", Handler="index.handler", Timeout=2, Environment=env, **common)
    client.create_function(FunctionName="rt-meet", Handler="index.handler", Timeout=60, Environment=env, **common)
    client.create_function(FunctionName="rt-logs", Handler="index.logs", Environment=env, **common)
    json_logs = {"Variables": {"GREETING": "hallo", "AWS_LAMBDA_LOG_FORMAT": "JSON"}}
    client.create_function(FunctionName="rt-json-logs", Handler="index.logs", Environment=json_logs, **common)
    client.create_function(FunctionName="rt-broken", Handler="broken.handler", **common)
    client.create_function(FunctionName="rt-missing", Handler="index.nope", **common)
    client.create_function(FunctionName="rt-marshal", Handler="index.not_json", **common)
    client.create_function(FunctionName="rt-node", Handler="index.handler", **{**common, "Runtime": "nodejs22.x"})
    with LambdaRuntime(moto_server, max_workers=2) as runtime:
        client.runtime = runtime
        yield client


def _invoke(client: Any, name: str, event: Any) -> tuple[Any, str | None]:
    response = client.invoke(FunctionName=name, Payload=json.dumps(event))
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_runs_the_handler_with_environment_and_context(lambda_client: Any) -> None:
    payload, error = _invoke(lambda_client, "rt-echo", {"n": 1})
    assert error is None
    assert payload["echo"] == {"n": 1}
    assert payload["greeting"] == "hallo"
    assert payload["function_name"] == "rt-echo"
    assert 0 < payload["remaining_ms"] <= 2000
    assert len(payload["request_id"]) == 36


def test_handler_reaches_moto_through_aws_endpoint_url(lambda_client: Any, moto_server: str) -> None:
    _invoke(lambda_client, "rt-echo", {"queue": "made-by-handler"})
    urls = boto3.client("sqs", endpoint_url=moto_server).list_queues()["QueueUrls"]
    assert any(url.endswith("/made-by-handler") for url in urls)


def test_worker_stays_warm(lambda_client: Any) -> None:
    first, _ = _invoke(lambda_client, "rt-echo", {})
    second, _ = _invoke(lambda_client, "rt-echo", {})
    assert first["pid"] == second["pid"]  # the same worker process served both: no new cold start


def test_warm_starts_a_worker_that_the_first_call_reuses(lambda_client: Any) -> None:
    from serverless_patterns.local import _moto

    runtime: LambdaRuntime = lambda_client.runtime
    function = _moto.get_function("123456789012", "us-east-1", "rt-marshal")
    assert function is not None
    spec = runtime.spec_for(function)
    runtime.warm(spec)
    pool = runtime._pools[spec.key()]
    warmed = list(pool._idle)
    assert len(warmed) == 1
    assert warmed[0].alive()
    payload, _ = _invoke(lambda_client, "rt-marshal", {})
    assert payload["errorType"] == "Runtime.MarshalError"
    assert pool._idle == warmed


def test_error_has_lambda_shape(lambda_client: Any) -> None:
    payload, error = _invoke(lambda_client, "rt-echo", {"fail": "x"})
    assert error is not None
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "boom: x"
    assert not any("_worker.py" in frame for frame in payload["stackTrace"])


def test_timeout_kills_the_worker_and_reports_sandbox_timedout(lambda_client: Any) -> None:
    payload, error = _invoke(lambda_client, "rt-echo", {"sleep": 5})
    assert error is not None
    assert payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in payload["errorMessage"]
    after, error = _invoke(lambda_client, "rt-echo", {"n": 2})
    assert error is None
    assert after["echo"] == {"n": 2}


def test_import_error_is_runtime_import_module_error(lambda_client: Any) -> None:
    payload, error = _invoke(lambda_client, "rt-broken", {})
    assert error is not None
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert "does_not_exist" in payload["errorMessage"]


def test_missing_handler_is_runtime_handler_not_found(lambda_client: Any) -> None:
    payload, _ = _invoke(lambda_client, "rt-missing", {})
    assert payload["errorType"] == "Runtime.HandlerNotFound"


def test_unserializable_result_is_runtime_marshal_error(lambda_client: Any) -> None:
    payload, _ = _invoke(lambda_client, "rt-marshal", {})
    assert payload["errorType"] == "Runtime.MarshalError"


def test_non_python_runtime_is_reported_unsupported(lambda_client: Any) -> None:
    payload, error = _invoke(lambda_client, "rt-node", {})
    assert error is not None
    assert payload["errorType"] == "Runtime.Unsupported"
    assert "nodejs22.x" in payload["errorMessage"]


def test_concurrent_invocations_use_the_worker_pool(lambda_client: Any, tmp_path: Path) -> None:
    # Each invocation waits for the other to arrive: they meet only if two workers run at once.
    event = {"rendezvous": str(tmp_path), "of": 2}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda n: _invoke(lambda_client, "rt-meet", {**event, "n": n}), range(2)))
    assert {payload["echo"]["n"] for payload, _ in results} == {0, 1}
    assert all(payload["echo"]["met"] for payload, _ in results)
    assert len({payload["pid"] for payload, _ in results}) == 2


def test_logs_reach_the_invocation_record_and_cloudwatch(lambda_client: Any, moto_server: str) -> None:
    _invoke(lambda_client, "rt-echo", {"marker": "log-me"})
    name, invocation = lambda_client.runtime.invocations[-1]
    assert name == "rt-echo"
    assert "got {'marker': 'log-me'}" in invocation.logs
    assert "REPORT RequestId" in invocation.logs
    logs = boto3.client("logs", endpoint_url=moto_server)
    events = logs.filter_log_events(logGroupName="/aws/lambda/rt-echo")["events"]
    assert any("log-me" in event["message"] for event in events)


def test_only_one_runtime_is_installed_at_a_time(lambda_client: Any, moto_server: str) -> None:
    from moto.awslambda.models import LambdaFunction

    hooked = LambdaFunction._invoke_lambda
    other = LambdaRuntime(moto_server)
    with pytest.raises(RuntimeError, match="another LambdaRuntime"):
        other.install()
    other.close()
    assert LambdaFunction._invoke_lambda is hooked
    payload, error = _invoke(lambda_client, "rt-echo", {"n": 3})
    assert error is None
    assert payload["echo"] == {"n": 3}


def _log_lines(lambda_client: Any, name: str, event: Any) -> tuple[str, list[str]]:
    response = lambda_client.invoke(FunctionName=name, Payload=json.dumps(event), LogType="Tail")
    request_id = json.loads(response["Payload"].read())["request_id"]
    return request_id, base64.b64decode(response["LogResult"]).decode().splitlines()


def test_logging_goes_to_the_log_in_the_runtimes_text_format(lambda_client: Any) -> None:
    # The Lambda Python runtime puts a handler on the root logger: [LEVEL]<tab>time<tab>request id<tab>message
    # (https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html); the root level stays WARNING in the
    # text format until the handler sets it.
    request_id, lines = _log_lines(lambda_client, "rt-logs", {"id": "o-1"})
    assert [line for line in lines if "low stock" in line] == [
        line for line in lines if line.startswith("[WARNING]\t") and line.endswith(f"\t{request_id}\tlow stock")
    ]
    assert not any("stored o-1" in line for line in lines)
    request_id, lines = _log_lines(lambda_client, "rt-logs", {"id": "o-2", "level": "INFO"})
    [stored] = [line for line in lines if "stored o-2" in line]
    level, stamp, logged_request, message = stored.split("\t")
    assert (level, logged_request, message) == ("[INFO]", request_id, "stored o-2")
    assert stamp.endswith("Z")


def test_logging_in_the_json_format_logs_info_by_default(lambda_client: Any) -> None:
    # With the JSON log format the application log level applies, INFO unless set.
    request_id, lines = _log_lines(lambda_client, "rt-json-logs", {"id": "o-3"})
    records = [json.loads(line) for line in lines if line.startswith("{")]
    stored = [record for record in records if record.get("message") == "stored o-3"]
    assert stored and stored[0]["level"] == "INFO" and stored[0]["logger"] == "orders"
    assert stored[0]["requestId"] == request_id
