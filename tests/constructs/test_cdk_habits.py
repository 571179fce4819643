"""An app written only with aws-cdk-lib habits: the library's constructs take and give CDK types.

A user who knows aws-cdk-lib grants to a function, targets it from a rule, reads its metrics and
adds event sources to it, and passes a plain ``lambda.Function`` wherever a construct takes a
function. None of that may need to know the library's own types, and the app stays free of
cdk-nag, cfn-lint and cfn-guard findings.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template
from constructs import Construct

from serverless_patterns import (
    CrudApi,
    CrudRestApi,
    EventFanout,
    FanoutRoute,
    LambdaAlarms,
    QueueProcessor,
    SagaStep,
    SagaWorkflow,
    ServerlessFunction,
)
from serverless_patterns.testing.compliance import Finding, compliance_findings
from tests.constructs.stacks import ECHO, new_stack


def plain_function(scope: Construct, id: str) -> lambda_.Function:
    """A ``lambda.Function`` as a careful aws-cdk-lib user writes it: own log group, a scoped role."""
    group = logs.LogGroup(
        scope,
        f"{id}Logs",
        retention=logs.RetentionDays.ONE_MONTH,
        removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    )
    role = iam.Role(scope, f"{id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(
        iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[group.log_group_arn])
    )
    return lambda_.Function(
        scope,
        id,
        runtime=lambda_.Runtime.PYTHON_3_14,
        architecture=lambda_.Architecture.ARM_64,
        handler="index.handler",
        code=lambda_.Code.from_asset(ECHO),
        role=role,
        log_group=group,
        timeout=cdk.Duration.seconds(10),
    )


@pytest.fixture(scope="module")
def habits() -> tuple[cdk.Stack, dict[str, object]]:
    stack = new_stack("Habits")
    # Defined first: alarms discover what the stack holds whatever the order.
    alarms = LambdaAlarms.for_scope(stack, "Alarms", stack)

    # A ServerlessFunction used as any lambda.Function.
    worker = ServerlessFunction(stack, "Worker", entry=ECHO)
    table = dynamodb.TableV2(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    )
    table.grant_read_write_data(worker)
    nightly = events.Rule(stack, "Nightly", schedule=events.Schedule.cron(hour="2", minute="0"))
    nightly.add_target(targets.LambdaFunction(worker))
    jobs_dlq = sqs.Queue(stack, "JobsDlq", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED)
    jobs = sqs.Queue(
        stack,
        "Jobs",
        enforce_ssl=True,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        visibility_timeout=cdk.Duration.seconds(60),
        dead_letter_queue=sqs.DeadLetterQueue(queue=jobs_dlq, max_receive_count=3),
    )
    worker.add_event_source(sources.SqsEventSource(jobs, report_batch_item_failures=True))
    cloudwatch.Alarm(
        stack,
        "WorkerThrottles",
        metric=worker.metric_throttles(),
        threshold=1,
        evaluation_periods=1,
    )

    # A plain lambda.Function passed to every construct that takes a function.
    processor = QueueProcessor(stack, "Ingest", function=plain_function(stack, "IngestFn"))
    fanout = EventFanout(
        stack,
        "Events",
        routes=[
            FanoutRoute(
                name="Placed",
                event_pattern=events.EventPattern(source=["shop"]),
                targets=[plain_function(stack, "Notify")],
            )
        ],
    )
    saga = SagaWorkflow(
        stack,
        "Saga",
        steps=[
            SagaStep(
                name="Charge", function=plain_function(stack, "Charge"), compensation=plain_function(stack, "Refund")
            )
        ],
    )
    api = CrudRestApi(stack, "Api")
    check = apigateway.TokenAuthorizer(
        stack, "Authorizer", handler=plain_function(stack, "Check"), results_cache_ttl=cdk.Duration.minutes(5)
    )
    CrudApi(stack, "Users", api=api, resource_name="users", schema={"type": "object"}, authorizer=check)
    return stack, {"alarms": alarms, "processor": processor, "fanout": fanout, "saga": saga, "worker": worker}


# What the user defined next to the library's constructs; its own findings are the user's to fix
# (aws-cdk-lib's lambda.Function carries cfn-lint's W3005, Control Tower wants a VPC and a year of logs).
USER_OWNED = ("IngestFn", "Notify", "Charge", "Refund", "Check", "WorkerThrottles", "JobsDlq")


def _is_users_own(finding: Finding) -> bool:
    name = finding.location.removeprefix("Resources/").removeprefix("Habits/")
    return name.startswith(USER_OWNED)


def test_the_library_adds_no_finding_to_an_app_written_with_aws_cdk_lib_habits(habits) -> None:  # type: ignore[no-untyped-def]
    stack, _ = habits
    findings = compliance_findings(stack)
    assert [str(finding) for finding in findings if finding.tool == "cdk-nag"] == []
    assert [str(finding) for finding in findings if not _is_users_own(finding)] == []


def test_every_plain_function_is_wired_in(habits) -> None:  # type: ignore[no-untyped-def]
    stack, _ = habits
    template = Template.from_stack(stack)
    mappings = template.find_resources("AWS::Lambda::EventSourceMapping")
    # The worker's own mapping and the QueueProcessor's, which uses the plain function.
    assert len(mappings) == 2
    rules = template.find_resources("AWS::Events::Rule")
    assert any("Notify" in str(rule["Properties"].get("Targets")) for rule in rules.values())


def test_alarms_defined_first_watch_what_is_added_after_them(habits) -> None:  # type: ignore[no-untyped-def]
    stack, constructs = habits
    Template.from_stack(stack)  # synthesis runs the discovery
    alarms = constructs["alarms"]
    assert isinstance(alarms, LambdaAlarms)
    labels = {watched.label for watched in alarms.functions}
    assert {"Worker", "IngestFn", "Notify", "Charge", "Refund"} <= labels
