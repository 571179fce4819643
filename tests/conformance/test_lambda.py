"""Lambda: synchronous and asynchronous invocation, error shapes, timeouts, layers, IAM on a handler's calls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs

from serverless_patterns.local.pytest_plugin import LocalApp
from tests.conformance.apps import HANDLERS, deployed_from, function, recorded_by, records
from tests.conformance.conftest import behaviour

pytestmark = pytest.mark.e2e


def build_app(outdir: str) -> str:
    app = App(outdir=outdir)
    stack = Stack(app, "ConformanceLambda")
    function(stack, "Errors", "errors")
    function(stack, "Slow", "errors", timeout=Duration.seconds(1))
    function(stack, "Broken", "broken")
    layer = lambda_.LayerVersion(
        stack, "Layer", code=lambda_.Code.from_asset(str(HANDLERS / "layer"), exclude=["__pycache__", "*.pyc"])
    )
    function(stack, "Layered", "layered", layers=[layer])

    dlq = sqs.Queue(stack, "AsyncDlq")
    recorded_by(stack, function(stack, "AsyncWithDlq", "recorder", retry_attempts=1, dead_letter_queue=dlq))
    recorded_by(
        stack,
        function(
            stack,
            "AsyncWithDestinations",
            "recorder",
            retry_attempts=1,
            on_failure=destinations.SqsDestination(sqs.Queue(stack, "OnFailure")),
            on_success=destinations.SqsDestination(sqs.Queue(stack, "OnSuccess")),
        ),
    )

    table = dynamodb.Table(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        removal_policy=RemovalPolicy.DESTROY,
    )
    function(stack, "Ungranted", "ungranted", environment={"TABLE_NAME": table.table_name})
    granted = function(stack, "Granted", "ungranted", environment={"TABLE_NAME": table.table_name})
    table.grant_write_data(granted)
    CfnOutput(stack, "TableArn", value=table.table_arn)
    app.synth()
    return outdir


local_cdk_out = deployed_from(build_app)


def _invoke(app: LocalApp, function: str, event: Any, **options: Any) -> tuple[dict[str, Any], Any]:
    response = app.client("lambda").invoke(
        FunctionName=app.function_name(function), Payload=json.dumps(event), **options
    )
    raw = response["Payload"].read()
    return response, json.loads(raw) if raw else None


# -- synchronous invocation ------------------------------------------------------------------
@behaviour("Lambda", "a synchronous invoke answers 200 with the handler's return value")
def test_lambda_sync_invoke_returns_the_handler_result(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html"""
    response, payload = _invoke(local_app, "Errors", {"order": 1})
    assert (response["StatusCode"], response.get("FunctionError"), payload) == (200, None, {"echo": {"order": 1}})


@behaviour("Lambda", "a handler exception answers errorType, errorMessage and stackTrace")
def test_lambda_handler_exception_answers_error_type_message_and_stack_trace(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html"""
    _, payload = _invoke(local_app, "Errors", {"raise": "no stock for pens"})
    assert (payload["errorType"], payload["errorMessage"]) == ("OrderRejected", "no stock for pens")
    assert isinstance(payload["stackTrace"], list)
    assert payload["stackTrace"]


@behaviour(
    "Lambda",
    "an uncaught handler exception is StatusCode 200 with FunctionError Unhandled",
)
def test_lambda_function_error_is_status_200_with_function_error_unhandled(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html"""
    response, _ = _invoke(local_app, "Errors", {"raise": "x"})
    assert (response["StatusCode"], response["FunctionError"]) == (200, "Unhandled")


@behaviour("Lambda", "a handler module that cannot be imported answers Runtime.ImportModuleError")
def test_lambda_unimportable_handler_answers_runtime_import_module_error(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-deployment.html"""
    response, payload = _invoke(local_app, "Broken", {})
    assert "FunctionError" in response
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert payload["errorMessage"].startswith("Unable to import module 'index'")


@behaviour("Lambda", "a handler running past its timeout is stopped: Sandbox.Timedout")
def test_lambda_timeout_answers_sandbox_timedout(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html"""
    response, payload = _invoke(local_app, "Slow", {"sleep": 3})
    assert "FunctionError" in response
    assert payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]


@behaviour("Lambda", "the context object carries the function name, request id and remaining time")
def test_lambda_context_carries_name_request_id_and_remaining_time(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/python-context.html"""
    _, payload = _invoke(local_app, "Errors", {"context": True})
    assert payload["function_name"] == local_app.function_name("Errors")
    assert payload["aws_request_id"]
    assert 0 < payload["remaining_ms"] <= 10_000
    assert payload["memory_limit_in_mb"] == "128"


@behaviour("Lambda", "the runtime sets AWS_LAMBDA_FUNCTION_NAME and AWS_REGION")
def test_lambda_runtime_sets_function_name_and_region_variables(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime"""
    _, payload = _invoke(local_app, "Errors", {"context": True})
    assert (payload["env_function_name"], payload["env_region"]) == (local_app.function_name("Errors"), "us-east-1")


@behaviour(
    "Lambda",
    "a layer's python/ folder is importable by the function",
    support="yes",
)
def test_lambda_layer_code_is_importable(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html"""
    response, payload = _invoke(local_app, "Layered", {})
    assert response.get("FunctionError") is None, payload
    assert payload == {"greeting": "hello from the layer"}


# -- asynchronous invocation -----------------------------------------------------------------
@behaviour("Lambda", "an asynchronous invoke answers 202 at once with an empty payload")
def test_lambda_async_invoke_answers_202(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html"""
    response, payload = _invoke(local_app, "AsyncWithDlq", {"hello": "async"}, InvocationType="Event")
    assert (response["StatusCode"], payload) == (202, None)
    assert records(local_app, "AsyncWithDlqRecords") == [{"hello": "async"}]


@behaviour("Lambda", "a failing asynchronous event is retried MaximumRetryAttempts times, then sent to the DLQ")
def test_lambda_async_failure_is_retried_then_sent_to_the_dead_letter_queue(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq"""
    event = {"fail": True, "id": "to-the-dlq"}
    _invoke(local_app, "AsyncWithDlq", event, InvocationType="Event")
    local_app.wait_until_idle()
    assert records(local_app, "AsyncWithDlqRecords", at_least=2) == [event, event]  # the first try and one retry
    [message] = local_app.receive_all("AsyncDlq", wait_seconds=5)
    assert json.loads(message["Body"]) == event
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["ErrorMessage"] == "recorder failed on purpose"
    assert {"RequestID", "ErrorCode"} <= set(attributes)


@behaviour("Lambda", "the OnFailure destination receives the invocation record after the retries")
def test_lambda_on_failure_destination_receives_the_invocation_record(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"""
    event = {"fail": True, "id": "to-the-destination"}
    _invoke(local_app, "AsyncWithDestinations", event, InvocationType="Event")
    local_app.wait_until_idle()
    [message] = local_app.receive_all("OnFailure", wait_seconds=5)
    record = json.loads(message["Body"])
    assert record["version"] == "1.0"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"].endswith(
        ":" + local_app.function_name("AsyncWithDestinations") + ":$LATEST"
    )
    assert record["requestPayload"] == event
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    records(local_app, "AsyncWithDestinationsRecords", at_least=2)


@behaviour("Lambda", "the OnSuccess destination receives the record with the handler's response")
def test_lambda_on_success_destination_receives_the_response(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"""
    _invoke(local_app, "AsyncWithDestinations", {"id": "fine"}, InvocationType="Event")
    local_app.wait_until_idle()
    [message] = local_app.receive_all("OnSuccess", wait_seconds=5)
    record = json.loads(message["Body"])
    assert (record["requestContext"]["condition"], record["requestPayload"]) == ("Success", {"id": "fine"})
    assert record["responsePayload"] == {"recorded": True}
    assert record["responseContext"]["statusCode"] == 200


# -- IAM on a handler's own calls ------------------------------------------------------------
@behaviour("IAM", "a handler whose role lacks a grant gets AccessDeniedException naming the action and resource")
def test_iam_handler_without_a_grant_gets_access_denied_naming_the_action(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"""
    _, payload = _invoke(local_app, "Ungranted", {})
    assert payload["code"] == "AccessDeniedException"
    table_arn = local_app.outputs["TableArn"]
    assert f"is not authorized to perform: dynamodb:PutItem on resource: {table_arn}" in payload["message"]
    assert payload["message"].startswith("User: arn:aws:sts::123456789012:assumed-role/")


@behaviour("IAM", "an identity policy that allows the action on the resource ARN lets the call through")
def test_iam_identity_policy_on_the_resource_arn_allows_the_call(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"""
    _, payload = _invoke(local_app, "Granted", {})
    assert payload == {"code": None}
