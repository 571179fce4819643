"""Mutation tests: each grant or policy statement the library writes is needed, and the local cloud proves it.

The order system example is synthesized once; each test removes one statement (or Lambda
permission) the library wrote from the synthesized template, deploys the result on the local
cloud with IAM enforcement on, drives the part that needs it, and expects the failure AWS would
give, with a denial that names the removed statement's action. Together with the example's
end-to-end tests (which pass with every statement present) this shows that every grant the
library writes is used and that the local cloud would catch its absence, as an AWS account would.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from serverless_patterns.local.authorization import Denial
from serverless_patterns.local.cloud import LocalCloud
from serverless_patterns.local.errors import LocalCloudError
from serverless_patterns.local.pytest_plugin import LocalApp
from tests.local.test_order_system_e2e import _order

pytestmark = pytest.mark.e2e

STACK = "OrderSystem"


@pytest.fixture(scope="module")
def assembly(order_system_app: cdk.App) -> Path:
    return Path(order_system_app.outdir)  # read-only: each test deploys a mutated copy


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as local_cloud:
        yield local_cloud


Mutation = Callable[[dict[str, Any]], None]


def _deploy(cloud: LocalCloud, assembly: Path, tmp_path: Path, mutate: Mutation) -> LocalApp:
    """Copy the assembly, apply one mutation to the stack template, deploy it."""
    copy = tmp_path / "cdk.out"
    shutil.copytree(assembly, copy)
    template_file = copy / f"{STACK}.template.json"
    template = json.loads(template_file.read_text())
    mutate(template)
    template_file.write_text(json.dumps(template))
    deployment = cloud.deploy(str(copy), replace=True)
    return LocalApp(cloud, deployment)


def _resources(template: dict[str, Any], kind: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    found = [
        (logical_id, resource)
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == kind and logical_id.startswith(prefix)
    ]
    assert found, f"no {kind} whose logical id starts with {prefix}"
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return actions if isinstance(actions, list) else [actions]


def remove_statements(kind: str, prefix: str, keep: Callable[[dict[str, Any]], bool]) -> Mutation:
    """A mutation that drops the statements ``keep`` rejects from the policy documents of matching resources."""

    def mutate(template: dict[str, Any]) -> None:
        removed = 0
        for _, resource in _resources(template, kind, prefix):
            document = resource["Properties"]["PolicyDocument"]
            statements = document["Statement"]
            document["Statement"] = [statement for statement in statements if keep(statement)]
            removed += len(statements) - len(document["Statement"])
        assert removed, f"the mutation of {prefix} removed nothing"

    return mutate


def remove_resource(kind: str, prefix: str) -> Mutation:
    def mutate(template: dict[str, Any]) -> None:
        for logical_id, _ in _resources(template, kind, prefix):
            del template["Resources"][logical_id]

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(template: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(template)

    return mutate


def _denied(app: LocalApp, action: str, principal_part: str = "") -> list[Denial]:
    return [denial for denial in app.denials() if denial.action == action and principal_part in denial.principal]


# -- CrudApi: a table grant ----------------------------------------------------------------------
def test_crud_api_without_its_table_grant_cannot_write(cloud: LocalCloud, assembly: Path, tmp_path: Path) -> None:
    def keeps(statement: dict[str, Any]) -> bool:
        return not ("dynamodb:PutItem" in _actions(statement) and "UsersTable" in json.dumps(statement["Resource"]))

    app = _deploy(
        cloud, assembly, tmp_path, remove_statements("AWS::IAM::Policy", "UsersApiWriteFunctionServiceRole", keeps)
    )
    status, _ = app.request("POST", "users", {"email": "ann@example.com", "name": "Ann"})
    assert status == 500
    denials = _denied(app, "dynamodb:PutItem", "UsersApiWriteFunction")
    assert denials and "UsersTable" in denials[0].resource
    assert "no identity-based policy allows" in denials[0].message
    # The function's own log group says it too (what `serverless-patterns local logs` prints).
    group = f"/aws/lambda/{app.function_name('Users/Api/WriteFunction')}"
    group = app.cloud.runtime.log_groups.get(app.function_name("Users/Api/WriteFunction"), group)  # type: ignore[union-attr]
    lines = [event["message"] for event in app.client("logs").filter_log_events(logGroupName=group)["events"]]
    assert any("AccessDenied" in line and "dynamodb:PutItem" in line for line in lines)


# -- QueueProcessor: the event source grant --------------------------------------------------------
def test_queue_processor_without_its_receive_grant_does_not_deploy(
    cloud: LocalCloud, assembly: Path, tmp_path: Path
) -> None:
    # Lambda checks the role when the mapping is created, so CloudFormation fails the stack.
    mutate = remove_statements(
        "AWS::IAM::Policy",
        "IngestFunctionServiceRole",
        lambda statement: "sqs:ReceiveMessage" not in _actions(statement),
    )
    with pytest.raises(LocalCloudError, match="does not have permissions to call ReceiveMessage on SQS"):
        _deploy(cloud, assembly, tmp_path, mutate)


# -- EventFanout: a Lambda permission and the route DLQ policy -----------------------------------------
def test_event_fanout_without_a_lambda_permission_sends_the_event_to_the_route_dlq(
    cloud: LocalCloud, assembly: Path, tmp_path: Path
) -> None:
    app = _deploy(
        cloud,
        assembly,
        tmp_path,
        remove_resource("AWS::Lambda::Permission", "OrderEventsOrderPlacedRuleAllowEventRule"),
    )
    app.put_event("shop.orders", "OrderPlaced", _order("m-permission"), bus="OrderEvents/Bus")
    app.wait_until_idle()
    denials = _denied(app, "lambda:InvokeFunction", "events.amazonaws.com")
    assert len(denials) == 3  # one per routed function
    dead = app.receive_all("OrderEvents/OrderPlaced/DeadLetterQueue", wait_seconds=2)
    # Missing permissions are not retried: straight to the target's DLQ with EventBridge's attributes.
    codes = {message["MessageAttributes"]["ERROR_CODE"]["StringValue"] for message in dead}
    assert codes == {"NO_PERMISSIONS"}


def test_event_fanout_without_its_route_dlq_policy_loses_the_undeliverable_event(
    cloud: LocalCloud, assembly: Path, tmp_path: Path
) -> None:
    def keeps(statement: dict[str, Any]) -> bool:
        return statement.get("Effect") == "Deny"  # the TLS-only Deny stays; EventBridge's Allow goes

    mutate = both(
        remove_resource("AWS::Lambda::Permission", "OrderEventsOrderPlacedRuleAllowEventRule"),
        remove_statements("AWS::SQS::QueuePolicy", "OrderEventsOrderPlacedDeadLetterQueuePolicy", keeps),
    )
    app = _deploy(cloud, assembly, tmp_path, mutate)
    app.put_event("shop.orders", "OrderPlaced", _order("m-dlq"), bus="OrderEvents/Bus")
    app.wait_until_idle()
    assert _denied(app, "sqs:SendMessage", "events.amazonaws.com")
    assert app.receive_all("OrderEvents/OrderPlaced/DeadLetterQueue") == []


# -- ServerlessFunction: the failure destination grant of its role ---------------------------------------
def test_function_without_its_destination_grant_loses_the_failure_record(
    cloud: LocalCloud, assembly: Path, tmp_path: Path
) -> None:
    mutate = remove_statements(
        "AWS::IAM::Policy", "SendOrderEmailServiceRole", lambda statement: "sqs:SendMessage" not in _actions(statement)
    )
    app = _deploy(cloud, assembly, tmp_path, mutate)
    # An event without an orderId makes every routed handler raise: after Lambda's retries each
    # function sends its failure record to the route DLQ with its own role.
    app.put_event("shop.orders", "OrderPlaced", {"amount": 5, "items": []}, bus="OrderEvents/Bus")
    app.wait_until_idle()
    records = [json.loads(message["Body"]) for message in app.receive_all("OrderEvents/OrderPlaced/DeadLetterQueue")]
    failed = {record["requestContext"]["functionArn"].split(":")[6] for record in records}
    assert app.function_name("SendOrderEmail") not in failed
    assert len(failed) == 2
    assert _denied(app, "sqs:SendMessage", "SendOrderEmail")


# -- SagaWorkflow: the state machine role's invoke grant -----------------------------------------------
def test_saga_without_its_invoke_grant_fails_its_first_task(cloud: LocalCloud, assembly: Path, tmp_path: Path) -> None:
    mutate = remove_statements(
        "AWS::IAM::Policy", "OrderSagaRole", lambda statement: "lambda:InvokeFunction" not in _actions(statement)
    )
    app = _deploy(cloud, assembly, tmp_path, mutate)
    result = app.run_execution("OrderSaga", _order("m-saga"))
    assert result["status"] == "FAILED"
    # The saga's first task is refused (an execution left from an earlier test may be refused too).
    denials = _denied(app, "lambda:InvokeFunction", "OrderSagaRole")
    assert any("ValidateOrder" in denial.resource for denial in denials), [str(denial) for denial in denials]


# -- LambdaAlarms: the topic's Allow for CloudWatch -----------------------------------------------------
def test_alarm_topic_without_the_cloudwatch_allow_sends_no_email(
    cloud: LocalCloud, assembly: Path, tmp_path: Path
) -> None:
    mutate = remove_statements(
        "AWS::SNS::TopicPolicy",
        "AlarmsTopicPolicy",
        lambda statement: statement.get("Sid") != "AllowCloudWatchAlarmsToPublish",
    )
    app = _deploy(cloud, assembly, tmp_path, mutate)
    emails_before = len(app.emails())
    alarm = app.cloud.alarms.all()[0]
    actions = app.set_alarm_state(alarm.name, "ALARM")
    assert actions and not any(action.delivered for action in actions)
    assert len(app.emails()) == emails_before
    assert _denied(app, "sns:Publish", "cloudwatch.amazonaws.com")
