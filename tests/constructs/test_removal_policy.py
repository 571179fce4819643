"""Stateful resources default to RETAIN_ON_UPDATE_OR_DELETE: no orphans after a failed first create."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk.assertions import Template

from serverless_patterns import (
    CrudApi,
    EventFanout,
    FanoutRoute,
    LambdaAlarms,
    QueueProcessor,
    SagaStep,
    SagaWorkflow,
    ServerlessFunction,
)
from tests.constructs.stacks import ECHO, new_stack


def _every_construct(stack: cdk.Stack) -> None:
    function = ServerlessFunction(stack, "Fn", entry=ECHO, dead_letter_queue_enabled=True)
    QueueProcessor(stack, "Queue", entry=ECHO)
    CrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
    EventFanout(
        stack,
        "Events",
        archive=True,
        routes=[FanoutRoute(name="All", event_pattern=cdk.aws_events.EventPattern(source=["a"]), targets=[function])],
    )
    SagaWorkflow(stack, "Saga", steps=[SagaStep(name="one", function=function)])
    LambdaAlarms.for_scope(stack, "Alarms", stack)


def _deletion_policies(stack: cdk.Stack) -> dict[str, str]:
    resources: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"]
    return {
        f"{logical_id} {resource['Type']}": resource["DeletionPolicy"]
        for logical_id, resource in resources.items()
        if "DeletionPolicy" in resource
    }


def test_no_stateful_resource_is_plainly_retained() -> None:
    stack = new_stack()
    _every_construct(stack)
    policies = _deletion_policies(stack)
    kinds = {key.split(" ")[1] for key, policy in policies.items() if policy == "RetainExceptOnCreate"}
    # Every kind of stateful resource the constructs define is covered.
    assert {
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::Logs::LogGroup",
        "AWS::KMS::Key",
        "AWS::Events::Archive",
    } <= kinds
    assert {key: policy for key, policy in policies.items() if policy not in ("RetainExceptOnCreate", "Delete")} == {}


def test_removal_policy_options_override_the_default() -> None:
    stack = new_stack()
    ServerlessFunction(stack, "Fn", entry=ECHO, log_removal_policy=cdk.RemovalPolicy.DESTROY)
    QueueProcessor(stack, "Queue", entry=ECHO, removal_policy=cdk.RemovalPolicy.RETAIN)
    policies = _deletion_policies(stack)
    assert policies[next(key for key in policies if key.startswith("FnLogGroup"))] == "Delete"
    assert {policy for key, policy in policies.items() if "AWS::SQS::Queue" in key} == {"Retain"}


def test_new_table_has_no_deletion_protection_that_would_block_a_rollback() -> None:
    stack = new_stack()
    CrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
    CrudApi(stack, "Kept", resource_name="kept", schema={"type": "object"}, removal_policy=cdk.RemovalPolicy.RETAIN)
    CrudApi(stack, "Guarded", resource_name="guarded", schema={"type": "object"}, deletion_protection=True)
    tables = Template.from_stack(stack).find_resources("AWS::DynamoDB::Table")
    protection = {
        logical_id: resource["Properties"].get("DeletionProtectionEnabled", False)
        for logical_id, resource in tables.items()
        if "IdempotencyTable" not in logical_id
    }
    assert [value for key, value in sorted(protection.items()) if key.startswith("Users")] == [False]
    assert [value for key, value in sorted(protection.items()) if key.startswith("Kept")] == [True]
    assert [value for key, value in sorted(protection.items()) if key.startswith("Guarded")] == [True]


def test_fails_when_deletion_protection_is_given_with_an_existing_table() -> None:
    from serverless_patterns import ValidationError

    stack = new_stack()
    table = dynamodb.Table.from_table_name(stack, "Existing", "legacy")
    with pytest.raises(ValidationError, match="table and deletion_protection cannot be combined"):
        CrudApi(stack, "Users", resource_name="users", schema={"type": "object"}, table=table, deletion_protection=True)
