"""The local cloud end to end: one app (queue worker, REST API, event rules, state machine) deployed once."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.local import Deployment, LocalCloud, LocalCloudError
from tests.local.apps import build_everything_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cloud(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCloud, Deployment]]:
    cdk_out = build_everything_app(str(tmp_path_factory.mktemp("everything") / "cdk.out"))
    with LocalCloud(endpoint_url=moto_server) as local:
        yield local, local.deploy(cdk_out, replace=True)


def _request(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


# -- deploy ----------------------------------------------------------------------------------
def test_deploy_reports_what_it_changed_for_moto(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    notes = deployment.stacks[0].notes
    assert any("GlobalTable) deployed as one AWS::DynamoDB::Table" in note for note in notes)
    assert any("AWS::ApiGateway::Account" in note for note in notes)
    assert any("(custom resource) answered SUCCESS without running" in note for note in notes)


def test_outputs_point_at_the_local_api(cloud: tuple[LocalCloud, Deployment]) -> None:
    local, deployment = cloud
    assert deployment.outputs["ApiUrl"] == deployment.api_url()
    assert deployment.api_url().startswith(local.apis.base_url if local.apis else "-")


def test_lookup_by_construct_path_logical_id_and_name(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    name = deployment.function_name("Worker")
    assert deployment.function_name("LocalEverything/Worker/Resource") == name
    assert deployment.function_name("LocalEverything/Worker") == name
    logical_id = deployment.resource("Worker", "AWS::Lambda::Function").logical_id
    assert deployment.function_name(logical_id) == name
    assert deployment.function_name(name) == name


def test_fails_when_a_lookup_names_nothing(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    with pytest.raises(LocalCloudError, match="no AWS::Lambda::Function matches 'Nope'"):
        deployment.function_name("Nope")


def test_fails_when_the_same_stack_is_deployed_twice(cloud: tuple[LocalCloud, Deployment], tmp_path: Path) -> None:
    local, _ = cloud
    cdk_out = build_everything_app(str(tmp_path / "cdk.out"))
    with pytest.raises(LocalCloudError, match="already deployed"):
        local.deploy(cdk_out)


# -- API Gateway -----------------------------------------------------------------------------
def test_api_passes_path_query_and_headers_in_the_proxy_event(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    status, body = _request(deployment.api_url() + "items/42?a=1&a=2&b=3", headers={"X-Test": "hdr"})
    assert status == 200
    assert body["resource"] == "/items/{id}"
    assert body["path"] == "/items/42"
    assert body["method"] == "GET"
    assert body["pathParameters"] == {"id": "42"}
    assert body["query"] == {"a": "2", "b": "3"}
    assert body["multiQuery"] == {"a": ["1", "2"], "b": ["3"]}
    assert body["header"] == "hdr"
    assert body["stage"] == "prod"


def test_a_handlers_logging_reaches_its_log_group_in_the_functions_json_format(
    cloud: tuple[LocalCloud, Deployment],
) -> None:
    # The function's LoggingConfig says JSON (ServerlessFunction's default): Lambda's runtime then writes each
    # record as one JSON object and the application log level, INFO unless set, applies
    # (https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html).
    local, deployment = cloud
    status, _ = _request(deployment.api_url() + "items/77")
    assert status == 200
    name = deployment.function_name("ApiHandler")
    assert local.runtime is not None
    group = local.runtime.log_groups.get(name, f"/aws/lambda/{name}")
    messages = [event["message"] for event in local.client("logs").filter_log_events(logGroupName=group)["events"]]
    records = [json.loads(message) for message in messages if message.startswith("{")]
    echoed = [record for record in records if record.get("message") == "echoing /items/77"]
    assert echoed and echoed[0]["level"] == "INFO" and echoed[0]["logger"] == "echo" and echoed[0]["requestId"]


def test_api_accepts_a_body_that_matches_the_model(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    status, body = _request(deployment.api_url() + "items", "POST", {"name": "pen"})
    assert status == 200
    assert body["body"] == {"name": "pen"}


def test_api_validator_rejects_a_body_against_the_model(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    assert _request(deployment.api_url() + "items", "POST", {"name": ""}) == (400, {"message": "Invalid request body"})
    assert _request(deployment.api_url() + "items", "POST", {"other": 1})[0] == 400


def test_api_unknown_route_method_or_stage_is_403(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    missing = (403, {"message": "Missing Authentication Token"})
    assert _request(deployment.api_url() + "nothing") == missing
    assert _request(deployment.api_url() + "items/1", "DELETE") == missing
    assert _request(deployment.api_url().replace("/prod/", "/dev/") + "items/1") == missing


def test_api_validator_requires_the_declared_parameters(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    missing = _request(deployment.api_url() + "search")
    assert missing == (400, {"message": "Missing required request parameters: [q, X-Test]"})
    status, body = _request(deployment.api_url() + "search?q=pens", headers={"X-Test": "1"})
    assert status == 200
    assert body["query"] == {"q": "pens"}


def test_api_handler_error_is_502(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    assert _request(deployment.api_url() + "boom") == (502, {"message": "Internal server error"})


# -- SQS event source mapping ----------------------------------------------------------------
def test_queue_batch_processes_each_record_once_and_poison_reaches_the_dlq(
    cloud: tuple[LocalCloud, Deployment],
) -> None:
    local, deployment = cloud
    sqs = local.client("sqs")
    entries = [{"Id": str(n), "MessageBody": json.dumps({"id": f"m{n}"})} for n in range(7)]
    entries.append({"Id": "poison", "MessageBody": "poison"})
    sqs.send_message_batch(QueueUrl=deployment.queue_url("WorkQueue"), Entries=entries)
    assert local.wait_until_idle()
    table = deployment.table_name("Table")
    items = local.client("dynamodb").scan(TableName=table)["Items"]
    seen = {item["id"]["S"]: item["seen"]["N"] for item in items if item["id"]["S"].startswith("m")}
    assert seen == {f"m{n}": "1" for n in range(7)}
    dead = sqs.receive_message(QueueUrl=deployment.queue_url("WorkDlq"), MaxNumberOfMessages=10)["Messages"]
    assert [message["Body"] for message in dead] == ["poison"]
    worker = deployment.function_name("Worker")
    assert local.runtime is not None
    invocations = [invocation for name, invocation in local.runtime.invocations if name == worker]
    # 8 records in batches of up to 5, then the poison record alone until maxReceiveCount (2).
    assert 2 <= len(invocations) <= 4


# -- EventBridge -----------------------------------------------------------------------------
def _put(local: LocalCloud, deployment: Deployment, source: str, detail: dict[str, Any]) -> None:
    local.client("events").put_events(
        Entries=[
            {
                "Source": source,
                "DetailType": "Order",
                "Detail": json.dumps(detail),
                "EventBusName": deployment.event_bus_name("Bus"),
            }
        ]
    )


def test_event_reaches_lambda_and_sqs_targets(cloud: tuple[LocalCloud, Deployment]) -> None:
    local, deployment = cloud
    _put(local, deployment, "test.app", {"id": 7})
    assert local.wait_until_idle()
    item = local.client("dynamodb").get_item(TableName=deployment.table_name("Table"), Key={"id": {"S": "event-7"}})[
        "Item"
    ]
    assert json.loads(item["detail"]["S"]) == {"id": 7}
    copies = local.client("sqs").receive_message(QueueUrl=deployment.queue_url("CopyQueue"), MaxNumberOfMessages=10)
    assert [json.loads(message["Body"])["detail"] for message in copies["Messages"]] == [{"id": 7}]


def test_event_not_matching_the_pattern_is_not_delivered(cloud: tuple[LocalCloud, Deployment]) -> None:
    local, deployment = cloud
    _put(local, deployment, "other.app", {"id": 8})
    assert local.wait_until_idle()
    item = local.client("dynamodb").get_item(TableName=deployment.table_name("Table"), Key={"id": {"S": "event-8"}})
    assert "Item" not in item


def test_failing_lambda_target_is_retried_then_sent_to_the_function_dlq(cloud: tuple[LocalCloud, Deployment]) -> None:
    local, deployment = cloud
    sink = deployment.function_name("Sink")
    assert local.runtime is not None
    before = sum(1 for name, _ in local.runtime.invocations if name == sink)
    _put(local, deployment, "test.app", {"id": 9, "fail": True})
    assert local.wait_until_idle()
    after = sum(1 for name, _ in local.runtime.invocations if name == sink)
    assert after - before == 2  # the first attempt and the function's one retry (retry_attempts=1)
    sqs = local.client("sqs")
    dead = sqs.receive_message(
        QueueUrl=deployment.queue_url("Sink/DeadLetterQueue"), MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert [json.loads(message["Body"])["detail"] for message in dead] == [{"id": 9, "fail": True}]
    assert dead[0]["MessageAttributes"]["ErrorMessage"]["StringValue"] == "sink failed on purpose"
    # A handler error is Lambda's to retry: the rule's target DLQ stays empty, as in AWS.
    assert "Messages" not in sqs.receive_message(QueueUrl=deployment.queue_url("SinkDlq"))


def test_event_invocation_is_accepted_at_once_and_retried_in_the_background(
    cloud: tuple[LocalCloud, Deployment],
) -> None:
    local, deployment = cloud
    event = {"detail": {"id": 11, "fail": True}}
    response = local.client("lambda").invoke(
        FunctionName=deployment.function_name("Sink"), InvocationType="Event", Payload=json.dumps(event)
    )
    assert response["StatusCode"] == 202
    assert local.wait_until_idle()
    dead = local.client("sqs").receive_message(
        QueueUrl=deployment.queue_url("Sink/DeadLetterQueue"), MaxNumberOfMessages=10
    )["Messages"]
    assert [json.loads(message["Body"]) for message in dead] == [event]


def test_undeliverable_event_goes_to_the_target_dlq_after_eventbridge_retries(
    cloud: tuple[LocalCloud, Deployment],
) -> None:
    local, deployment = cloud
    local.client("lambda").delete_function(FunctionName=deployment.function_name("Doomed"))
    _put(local, deployment, "test.doomed", {"id": 10})
    assert local.wait_until_idle()
    dead = local.client("sqs").receive_message(
        QueueUrl=deployment.queue_url("DoomedDlq"), MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert [json.loads(message["Body"])["detail"] for message in dead] == [{"id": 10}]
    assert dead[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "ResourceNotFoundException"
    assert "RULE_ARN" in dead[0]["MessageAttributes"]


# -- SNS -------------------------------------------------------------------------------------
def test_sns_delivers_the_real_event_shape_to_a_filtered_lambda_subscription(
    cloud: tuple[LocalCloud, Deployment],
) -> None:
    local, deployment = cloud
    sns = local.client("sns")
    topic = deployment.topic_arn("Notices")
    wanted = {"kind": {"DataType": "String", "StringValue": "wanted"}}
    other = {"kind": {"DataType": "String", "StringValue": "other"}}
    kept = sns.publish(TopicArn=topic, Message="hello", Subject="hi", MessageAttributes=wanted)["MessageId"]
    dropped = sns.publish(TopicArn=topic, Message="nope", MessageAttributes=other)["MessageId"]
    assert local.wait_until_idle()
    dynamodb = local.client("dynamodb")
    table = deployment.table_name("Table")
    item = dynamodb.get_item(TableName=table, Key={"id": {"S": f"sns-{kept}"}})["Item"]
    record = json.loads(item["record"]["S"])
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["TopicArn"] == topic
    assert record["Sns"]["Message"] == "hello"
    assert record["Sns"]["Subject"] == "hi"
    assert record["Sns"]["MessageAttributes"] == {"kind": {"Type": "String", "Value": "wanted"}}
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"id": {"S": f"sns-{dropped}"}})


# -- Step Functions --------------------------------------------------------------------------
def _execute(local: LocalCloud, arn: str, payload: dict[str, Any]) -> dict[str, Any]:
    sfn = local.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, name=f"t{time.time_ns()}", input=json.dumps(payload))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError("execution did not finish")


def test_state_machine_runs_the_real_lambda_task(cloud: tuple[LocalCloud, Deployment]) -> None:
    local, deployment = cloud
    result = _execute(local, deployment.state_machine_arn("Machine"), {"item": "a"})
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"item": "a", "count": 1}


def test_state_machine_catches_the_lambda_error_by_its_name(cloud: tuple[LocalCloud, Deployment]) -> None:
    local, deployment = cloud
    result = _execute(local, deployment.state_machine_arn("Machine"), {"item": "b", "fail": True})
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"compensated": True}


# -- logs ------------------------------------------------------------------------------------
def test_handler_logs_land_in_the_function_log_group(cloud: tuple[LocalCloud, Deployment]) -> None:
    local, deployment = cloud
    _request(deployment.api_url() + "items/logged")
    group = deployment.resource("ApiHandler/LogGroup", "AWS::Logs::LogGroup").physical_id
    events = local.client("logs").filter_log_events(logGroupName=group)["events"]
    assert any("REPORT RequestId" in event["message"] for event in events)
