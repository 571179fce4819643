"""SagaWorkflow: template and definition assertions, compliance, snapshots and the ASL validator."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk.assertions import Annotations, Match, Template

from serverless_patterns import ServerlessFunction
from serverless_patterns.saga_workflow import TRANSIENT_LAMBDA_ERRORS, SagaRetry, SagaStep, SagaWorkflow
from serverless_patterns.testing import acknowledgments, nag_findings
from tests.saga.asl import definition, placeholder_arn

ECHO = str(Path(__file__).parent / "handlers" / "echo")
ROOT = Path(__file__).resolve().parents[2]
ASL_VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"


def _stack(name: str = "Test") -> cdk.Stack:
    return cdk.Stack(cdk.App(), name, env=cdk.Environment(account="111111111111", region="eu-west-1"))


def _logical_id(stack: cdk.Stack, construct: Any) -> str:
    cfn = construct.node.default_child
    assert isinstance(cfn, cdk.CfnResource)
    return stack.get_logical_id(cfn)


class Scenario:
    """One synthesized stack and what the tests read from it."""

    def __init__(self, stack: cdk.Stack, saga: SagaWorkflow, functions: dict[str, str]) -> None:
        self.stack = stack
        self.saga = saga
        self.functions = functions  # name -> logical id
        self.template = Template.from_stack(stack)
        self.json = self.template.to_json()
        self.definition = definition(self.json)
        self.states: dict[str, Any] = self.definition["States"]


@pytest.fixture(scope="module")
def default() -> Scenario:
    """The article's order workflow: validate (guard), payment (refund), ship."""
    stack = _stack()
    functions = {name: ServerlessFunction(stack, name, entry=ECHO) for name in ["Validate", "Pay", "Refund", "Ship"]}
    saga = SagaWorkflow(
        stack,
        "Orders",
        steps=[
            SagaStep(
                name="validate",
                function=functions["Validate"],
                guard=sfn.Condition.boolean_equals("$.results.validate.valid", True),
                guard_error="OrderInvalid",
            ),
            SagaStep(name="payment", function=functions["Pay"], compensation=functions["Refund"]),
            SagaStep(name="ship", function=functions["Ship"]),
        ],
    )
    return Scenario(stack, saga, {name: _logical_id(stack, fn) for name, fn in functions.items()})


@pytest.fixture(scope="module")
def express() -> Scenario:
    """Express, logging everything, started by an EventBridge rule on a custom bus."""
    stack = _stack("Express")
    bus = events.EventBus(stack, "Bus")
    reserve = ServerlessFunction(stack, "Reserve", entry=ECHO)
    release = ServerlessFunction(stack, "Release", entry=ECHO)
    notify = ServerlessFunction(stack, "Notify", entry=ECHO)
    saga = SagaWorkflow(
        stack,
        "Orders",
        steps=[
            SagaStep(name="reserve", function=reserve, compensation=release),
            SagaStep(name="notify", function=notify),
        ],
        state_machine_type=sfn.StateMachineType.EXPRESS,
        timeout=cdk.Duration.minutes(1),
        log_level=sfn.LogLevel.ALL,
        include_execution_data=True,
        trigger_event_pattern=events.EventPattern(source=["shop.orders"], detail_type=["OrderPlaced"]),
        trigger_event_bus=bus,
    )
    return Scenario(stack, saga, {"Reserve": _logical_id(stack, reserve)})


@pytest.fixture(scope="module")
def with_tasks() -> Scenario:
    """A DynamoDB task step with a task compensation, then an imported function with a custom retry."""
    stack = _stack("Tasks")
    table = dynamodb.TableV2(
        stack,
        "Reservations",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
    )
    key = {"pk": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.orderId"))}
    put = tasks.DynamoPutItem(stack, "Reserve stock", table=table, item=key, result_path=sfn.JsonPath.DISCARD)
    delete = tasks.DynamoDeleteItem(stack, "Release stock", table=table, key=key, result_path=sfn.JsonPath.DISCARD)
    charge = lambda_.Function.from_function_arn(
        stack, "Charge", "arn:aws:lambda:eu-west-1:111111111111:function:charge"
    )
    saga = SagaWorkflow(
        stack,
        "Orders",
        steps=[
            SagaStep(name="reserve", task=put, compensation=delete),
            SagaStep(
                name="charge",
                function=charge,
                retry=SagaRetry(
                    errors=["PaymentGatewayBusy"],
                    max_attempts=5,
                    interval=cdk.Duration.seconds(1),
                    backoff_rate=1.5,
                    max_delay=cdk.Duration.seconds(10),
                    jitter=False,
                ),
            ),
        ],
    )
    return Scenario(stack, saga, {})


# -- what the default defines ------------------------------------------------------------------


def test_defines_one_standard_state_machine_with_timeout_tracing_and_error_logging(default: Scenario) -> None:
    default.template.resource_count_is("AWS::StepFunctions::StateMachine", 1)
    default.template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "STANDARD",
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": {
                "Level": "ERROR",
                "IncludeExecutionData": False,
                "Destinations": [
                    {
                        "CloudWatchLogsLogGroup": {
                            "LogGroupArn": {"Fn::GetAtt": [Match.string_like_regexp("OrdersLogGroup"), "Arn"]}
                        }
                    }
                ],
            },
        },
    )
    assert default.definition["TimeoutSeconds"] == 300


def test_log_group_keeps_a_month_and_is_retained(default: Scenario) -> None:
    default.template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"RetentionInDays": 30},
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_log_group_is_a_vended_logs_group_unique_per_stack_instance(default: Scenario) -> None:
    # Under /aws/vendedlogs/ the account's CloudWatch Logs resource policy does not grow per state
    # machine (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html); the stack id's
    # UUID keeps a retained group of a deleted stack from blocking the next deployment.
    groups = default.template.find_resources("AWS::Logs::LogGroup")
    named = [group["Properties"]["LogGroupName"] for group in groups.values() if "LogGroupName" in group["Properties"]]
    assert len(named) == 1
    prefix, stack_uuid = named[0]["Fn::Join"][1]
    assert prefix.startswith("/aws/vendedlogs/states/")
    assert stack_uuid == {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
    assert re.fullmatch(r"[\w./#-]+", prefix)


def test_role_is_assumed_by_step_functions_only(default: Scenario) -> None:
    default.template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}}
                ]
            },
            "Description": "Execution role of the saga Test/Orders",
        },
    )


def test_role_may_invoke_exactly_the_step_and_compensation_functions(default: Scenario) -> None:
    policies = default.template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"PolicyName": Match.string_like_regexp("OrdersRole")}}
    )
    (policy,) = policies.values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    invoke = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert len(invoke) == 1
    resources = invoke[0]["Resource"]
    assert sorted(resources, key=json.dumps) == sorted(
        ({"Fn::GetAtt": [logical_id, "Arn"]} for logical_id in default.functions.values()), key=json.dumps
    )
    # no version wildcard (function:*), and no wildcard action anywhere
    assert ":*" not in json.dumps(policy)
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions)


def test_state_machine_depends_only_on_its_role_policy(default: Scenario) -> None:
    (machine,) = default.template.find_resources("AWS::StepFunctions::StateMachine").values()
    role = _logical_id(default.stack, default.saga.role)
    policies = default.template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role}]}})
    assert machine["DependsOn"] == list(policies)


def test_grant_start_execution_allows_exactly_start_execution() -> None:
    stack = _stack()
    step = SagaStep(name="only", function=lambda_.Function.from_function_name(stack, "Fn", "fn"))
    saga = SagaWorkflow(stack, "Saga", steps=[step])
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    saga.grant_start_execution(caller)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "states:StartExecution",
                        "Effect": "Allow",
                        "Resource": {"Ref": Match.string_like_regexp("Saga")},
                    }
                ]
            },
            "Roles": [{"Ref": Match.string_like_regexp("Caller")}],
        },
    )


def test_grant_start_sync_execution_allows_exactly_start_sync_execution() -> None:
    stack = _stack()
    step = SagaStep(name="only", function=lambda_.Function.from_function_name(stack, "Fn", "fn"))
    saga = SagaWorkflow(stack, "Saga", steps=[step], state_machine_type=sfn.StateMachineType.EXPRESS)
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    saga.grant_start_sync_execution(caller)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "states:StartSyncExecution",
                        "Effect": "Allow",
                        "Resource": {"Ref": Match.string_like_regexp("Saga")},
                    }
                ]
            },
            "Roles": [{"Ref": Match.string_like_regexp("Caller")}],
        },
    )


def test_encryption_key_and_switches_reach_the_template() -> None:
    stack = _stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    step = SagaStep(name="only", function=lambda_.Function.from_function_name(stack, "Fn", "fn"))
    SagaWorkflow(
        stack,
        "Saga",
        steps=[step],
        encryption_key=key,
        tracing=False,
        state_machine_name="order-saga",
        log_retention=logs.RetentionDays.ONE_YEAR,
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineName": "order-saga",
            "TracingConfiguration": {"Enabled": False},
            "EncryptionConfiguration": {
                "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("Key"), "Arn"]},
                "Type": "CUSTOMER_MANAGED_KMS_KEY",
            },
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})


def test_metrics_name_the_official_state_machine_metrics(default: Scenario) -> None:
    saga = default.saga
    metrics = {
        "ExecutionsFailed": saga.metric_failed(),
        "ExecutionsTimedOut": saga.metric_timed_out(period=cdk.Duration.minutes(1)),
        "ExecutionThrottled": saga.metric_throttled(statistic="Maximum"),
    }
    for name, metric in metrics.items():
        assert metric.metric_name == name
        assert metric.namespace == "AWS/States"
        assert set(metric.dimensions or {}) == {"StateMachineArn"}
    assert metrics["ExecutionsFailed"].statistic == "Sum"
    assert metrics["ExecutionsTimedOut"].period.to_seconds() == 60
    assert metrics["ExecutionThrottled"].statistic == "Maximum"


# -- the definition ----------------------------------------------------------------------------


def test_definition_uses_jsonpath_and_starts_at_the_first_step(default: Scenario) -> None:
    assert default.definition["StartAt"] == "validate"
    assert "QueryLanguage" not in json.dumps(default.definition)


def test_each_step_invokes_its_function_and_stores_its_payload_under_results(default: Scenario) -> None:
    for step, function in [("validate", "Validate"), ("payment", "Pay"), ("ship", "Ship")]:
        state = default.states[step]
        assert state["Type"] == "Task"
        assert state["Resource"] == placeholder_arn(default.functions[function])
        assert state["ResultPath"] == f"$.results.{step}"
        assert "OutputPath" not in state
        assert "InputPath" not in state


def test_each_step_retries_transient_lambda_errors_with_backoff_and_jitter(default: Scenario) -> None:
    for step in ["validate", "payment", "ship", "Compensate payment"]:
        assert default.states[step]["Retry"] == [
            {
                "ErrorEquals": list(TRANSIENT_LAMBDA_ERRORS),
                "IntervalSeconds": 2,
                "MaxAttempts": 3,
                "BackoffRate": 2,
                "JitterStrategy": "FULL",
            }
        ]


def test_each_step_catches_everything_into_its_failure_record(default: Scenario) -> None:
    for step in ["validate", "payment", "ship"]:
        assert default.states[step]["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.saga.caught", "Next": f"{step} failed"}
        ]
        record = default.states[f"{step} failed"]
        assert record["ResultPath"] == "$.saga"
        assert record["Parameters"]["error"] == "SagaFailed"
        assert record["Parameters"]["failedStep"] == step


def test_failure_of_a_step_goes_to_the_compensation_of_the_nearest_earlier_step(default: Scenario) -> None:
    states = default.states
    assert states["validate failed"]["Next"] == "Saga failed"
    assert states["payment failed"]["Next"] == "Saga failed"  # nothing ran before it that can be undone
    assert states["ship failed"]["Next"] == "Compensate payment"
    assert states["Compensate payment"]["Next"] == "Saga failed"
    assert states["Compensate payment"]["Resource"] == placeholder_arn(default.functions["Refund"])
    assert states["Compensate payment"]["ResultPath"] == "$.saga.compensations.payment"
    assert states["Saga failed"]["Type"] == "Fail"
    assert states["Saga failed"]["ErrorPath"] == "$.saga.error"
    assert states["Saga failed"]["CausePath"] == "$.saga.cause"


def test_failed_compensation_ends_in_compensation_failed(default: Scenario) -> None:
    states = default.states
    assert states["Compensate payment"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.saga.compensationCaught", "Next": "Compensate payment failed"}
    ]
    assert states["Compensate payment failed"]["Next"] == "Compensation failed"
    assert states["Compensate payment failed"]["Parameters"]["failedCompensation"] == "payment"
    assert states["Compensation failed"]["Error"] == "CompensationFailed"
    assert states["Compensation failed"]["CausePath"] == "$.saga.cause"


def test_guard_is_a_choice_that_fails_with_its_named_error(default: Scenario) -> None:
    states = default.states
    assert states["validate"]["Next"] == "validate guard"
    assert states["validate guard"]["Choices"] == [
        {"Variable": "$.results.validate.valid", "BooleanEquals": True, "Next": "payment"}
    ]
    assert states["validate guard"]["Default"] == "validate guard failed"
    assert states["validate guard failed"]["Result"]["error"] == "OrderInvalid"
    assert states["validate guard failed"]["Next"] == "Saga failed"
    assert states["payment"]["Next"] == "ship"
    assert states["ship"]["Next"] == "Saga succeeded"


@pytest.mark.parametrize("scenario", ["default", "express", "with_tasks"])
def test_definition_passes_asl_validator(scenario: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    # tasks.py installs it with `npm ci` before the tests run; missing is a broken set-up, not a skip.
    assert ASL_VALIDATOR.exists(), "npm asl-validator is not installed: run python3 tasks.py test"
    chosen: Scenario = request.getfixturevalue(scenario)
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(chosen.definition))
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_asl_validator_rejects_a_broken_definition(default: Scenario, tmp_path: Path) -> None:
    """Guards the test above: the validator really reads the file and fails on a dangling Next."""
    assert ASL_VALIDATOR.exists(), "npm asl-validator is not installed: run python3 tasks.py test"
    broken = json.loads(json.dumps(default.definition))
    broken["States"]["ship"]["Next"] = "No such state"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode != 0


# -- other scenarios ---------------------------------------------------------------------------


def test_warns_that_the_last_steps_compensation_never_runs() -> None:
    stack = _stack()
    fn = lambda_.Function.from_function_name(stack, "Fn", "fn")
    SagaWorkflow(stack, "Saga", steps=[SagaStep(name="only", function=fn, compensation=fn)])
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("never runs"))
    assert len(warnings) == 1
    assert "Compensate only" not in json.dumps(definition(Template.from_stack(stack).to_json()))


def test_express_logs_everything_with_data_and_times_out_after_a_minute(express: Scenario) -> None:
    express.template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "EXPRESS",
            "LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": True}),
        },
    )
    assert express.definition["TimeoutSeconds"] == 60


def test_trigger_rule_starts_the_saga_with_retries_and_an_encrypted_dead_letter_queue(express: Scenario) -> None:
    express.template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventBusName": {"Ref": Match.string_like_regexp("Bus")},
            "EventPattern": {"source": ["shop.orders"], "detail-type": ["OrderPlaced"]},
            "Targets": [
                Match.object_like(
                    {
                        "Arn": {"Ref": _logical_id(express.stack, express.saga.state_machine)},
                        "DeadLetterConfig": {
                            "Arn": {"Fn::GetAtt": [Match.string_like_regexp("OrdersTriggerDeadLetterQueue"), "Arn"]}
                        },
                        "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 7200},
                    }
                )
            ],
        },
    )
    express.template.has_resource(
        "AWS::SQS::Queue",
        {
            "Properties": {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 1209600},
            "DeletionPolicy": "RetainExceptOnCreate",
        },
    )
    assert express.saga.trigger_rule is not None
    assert express.saga.trigger_dead_letter_queue is not None


def test_sf1_is_acknowledged_only_at_log_level_error(default: Scenario, express: Scenario) -> None:
    assert any(key.endswith("AwsSolutions-SF1") for key in acknowledgments(default.stack))
    assert not any(key.endswith("AwsSolutions-SF1") for key in acknowledgments(express.stack))
    stack = _stack()
    step = SagaStep(name="only", function=lambda_.Function.from_function_name(stack, "Fn", "fn"))
    SagaWorkflow(stack, "Saga", steps=[step], log_level=sfn.LogLevel.OFF)
    assert not any(key.endswith("AwsSolutions-SF1") for key in acknowledgments(stack))
    assert [finding.rule for finding in nag_findings(stack)] == ["AwsSolutions-SF1"]


def test_task_steps_keep_their_state_and_get_the_saga_retry_and_catch(with_tasks: Scenario) -> None:
    states = with_tasks.states
    assert with_tasks.definition["StartAt"] == "Reserve stock"
    assert states["Reserve stock"]["Next"] == "charge"
    assert states["Reserve stock"]["Catch"][0]["Next"] == "reserve failed"
    assert states["charge failed"]["Next"] == "Release stock"
    assert states["Release stock"]["Next"] == "Saga failed"
    assert states["Release stock"]["Catch"][0]["Next"] == "Compensate reserve failed"
    assert states["charge"]["Resource"] == "arn:aws:lambda:eu-west-1:111111111111:function:charge"
    assert states["charge"]["Retry"] == [
        {
            "ErrorEquals": ["PaymentGatewayBusy"],
            "IntervalSeconds": 1,
            "MaxAttempts": 5,
            "BackoffRate": 1.5,
            "MaxDelaySeconds": 10,
        }
    ]


def test_task_steps_bring_their_own_least_privilege_permissions(with_tasks: Scenario) -> None:
    expected = [
        Match.object_like({"Action": "dynamodb:PutItem", "Resource": Match.any_value()}),
        Match.object_like({"Action": "dynamodb:DeleteItem", "Resource": Match.any_value()}),
        {
            "Action": "lambda:InvokeFunction",
            "Effect": "Allow",
            "Resource": "arn:aws:lambda:eu-west-1:111111111111:function:charge",
        },
    ]
    for statement in expected:
        with_tasks.template.has_resource_properties(
            "AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([statement])}}
        )


# -- compliance and snapshots ------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["default", "express", "with_tasks"])
def test_is_compliant(scenario: str, request: pytest.FixtureRequest, compliant) -> None:  # type: ignore[no-untyped-def]
    compliant(request.getfixturevalue(scenario).stack)


@pytest.mark.parametrize("scenario", ["default", "express", "with_tasks"])
def test_snapshot(scenario: str, request: pytest.FixtureRequest, template_snapshot) -> None:  # type: ignore[no-untyped-def]
    template_snapshot(request.getfixturevalue(scenario).stack)
