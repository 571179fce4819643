"""SagaWorkflow with Step Functions tasks: a DynamoDB put as a step, a DynamoDB delete as its undo.

    reserve (tasks.DynamoPutItem)[undo: tasks.DynamoDeleteItem] -> charge (function)

Run by moto's Step Functions interpreter, whose DynamoDB integration writes to moto's DynamoDB.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk.assertions import Template

from serverless_patterns import ServerlessFunction
from serverless_patterns.local import LambdaRuntime
from serverless_patterns.saga_workflow import SagaStep, SagaWorkflow
from tests.saga.asl import REGION
from tests.saga.conftest import DeployedSaga, deploy_saga

STEP_HANDLER = Path(__file__).parent / "handlers" / "step"
RESERVATIONS = "saga-reservations"


@pytest.fixture(scope="module")
def saga(lambda_runtime: LambdaRuntime, moto_server: str) -> DeployedSaga:
    stack = cdk.Stack(cdk.App(), "SagaTasks")
    table = dynamodb.TableV2.from_table_name(stack, "Reservations", RESERVATIONS)
    key = {"orderId": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.orderId"))}
    reserve = tasks.DynamoPutItem(
        stack,
        "Reserve stock",
        table=table,
        item={**key, "sku": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.sku"))},
        result_path=sfn.JsonPath.DISCARD,
    )
    release = tasks.DynamoDeleteItem(stack, "Release stock", table=table, key=key, result_path=sfn.JsonPath.DISCARD)
    charge = ServerlessFunction(stack, "Charge", entry=str(STEP_HANDLER))
    SagaWorkflow(
        stack,
        "Orders",
        steps=[
            SagaStep(name="reserve", task=reserve, compensation=release),
            SagaStep(name="charge", function=charge),
        ],
    )
    charge_cfn = charge.node.default_child
    assert isinstance(charge_cfn, cdk.CfnResource)
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=RESERVATIONS,
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return deploy_saga(
        moto_server,
        dict(Template.from_stack(stack).to_json()),
        {stack.get_logical_id(charge_cfn): ("do-charge", STEP_HANDLER)},
    )


def _reservation(order_id: str) -> dict[str, object] | None:
    table = boto3.resource("dynamodb", region_name=REGION).Table(RESERVATIONS)
    item = table.get_item(Key={"orderId": order_id}).get("Item")
    return dict(item) if item else None


def test_task_step_runs_and_its_effect_stays_when_the_saga_succeeds(saga: DeployedSaga) -> None:
    execution = saga.run("task-happy", sku="sku-1")

    assert execution.status == "SUCCEEDED", execution.cause
    assert _reservation("task-happy") == {"orderId": "task-happy", "sku": "sku-1"}
    assert execution.output is not None
    assert execution.output["sku"] == "sku-1"  # the put's result was discarded, the input kept
    assert execution.output["results"]["charge"]["sawResults"] == []


def test_task_compensation_undoes_the_task_step_when_a_later_step_fails(saga: DeployedSaga) -> None:
    execution = saga.run("task-fail", {"fail": {"charge": "CardDeclined"}}, sku="sku-2")

    assert execution.status == "FAILED"
    assert execution.error == "SagaFailed"
    assert execution.cause is not None
    assert execution.cause.startswith("step charge failed: CardDeclined: ")
    assert execution.calls == ["do:charge"]
    assert _reservation("task-fail") is None  # put by the step, deleted by its compensation
