"""EventFanout, SagaWorkflow and QueueProcessor used with aws-cdk-lib habits only.

A plain ``lambda.Function`` (and imported resources) go wherever a function is taken; the
constructs' own resources stay free of cdk-nag findings and the stack free of cfn-lint findings.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Match, Template

from serverless_patterns import ValidationError
from serverless_patterns.event_fanout import EventFanout, FanoutRoute
from serverless_patterns.queue_processor import QueueProcessor
from serverless_patterns.saga_workflow import SagaStep, SagaWorkflow
from serverless_patterns.testing import cfn_lint_findings, nag_findings
from tests.constructs.stacks import new_stack

PLACED = events.EventPattern(source=["order.service"], detail_type=["Order Placed"])


def _function(stack: cdk.Stack, id: str, **options: object) -> lambda_.Function:
    """A lambda.Function as aws-cdk-lib's README writes one: no timeout, no role, inline code."""
    return lambda_.Function(
        stack,
        id,
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def habits() -> tuple[cdk.Stack, EventFanout, SagaWorkflow, QueueProcessor]:
    stack = new_stack("Habits")
    charge, refund, ship, email, ingest = (
        _function(stack, name) for name in ("Charge", "Refund", "Ship", "Email", "IngestRecords")
    )
    saga = SagaWorkflow(
        stack,
        "Saga",
        steps=[
            SagaStep(name="payment", function=charge, compensation=refund),
            SagaStep(name="shipping", function=ship),
        ],
    )
    fanout = EventFanout(stack, "Fanout", routes=[FanoutRoute(name="Placed", event_pattern=PLACED, targets=[email])])
    fanout.add_route("Saga", event_pattern=PLACED, targets=[saga.state_machine])
    processor = QueueProcessor(stack, "Ingest", function=ingest)
    return stack, fanout, saga, processor


def test_constructs_given_plain_functions_have_no_cdk_nag_findings(
    habits: tuple[cdk.Stack, EventFanout, SagaWorkflow, QueueProcessor],
) -> None:
    _, fanout, saga, processor = habits
    assert [str(finding) for construct in (fanout, saga, processor) for finding in nag_findings(construct)] == []


def test_constructs_add_no_cfn_lint_finding_to_a_stack_of_plain_functions(
    habits: tuple[cdk.Stack, EventFanout, SagaWorkflow, QueueProcessor],
) -> None:
    # aws-cdk-lib's own lambda.Function has one finding (W3005: a DependsOn on the role next to
    # its GetAtt); the same functions alone are the baseline, the constructs must add nothing.
    baseline = new_stack("Habits")
    for name in ("Charge", "Refund", "Ship", "Email", "IngestRecords"):
        _function(baseline, name)
    # Compared by rule and message: a DependsOn the constructs add moves aws-cdk-lib's within the list.
    expected = {(finding.rule, finding.message) for finding in cfn_lint_findings(baseline)}
    assert {rule for rule, _ in expected} == {"W3005"}
    added = [str(f) for f in cfn_lint_findings(habits[0]) if (f.rule, f.message) not in expected]
    assert added == []


def test_a_plain_function_target_sends_its_failures_to_the_route_dlq(
    habits: tuple[cdk.Stack, EventFanout, SagaWorkflow, QueueProcessor],
) -> None:
    stack, fanout, _, _ = habits
    dlq = stack.resolve(fanout.dead_letter_queue("Placed").queue_arn)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"DestinationConfig": {"OnFailure": {"Destination": dlq}}, "Qualifier": "$LATEST"},
    )


def test_a_plain_function_without_timeout_gets_six_times_lambdas_3_second_default(
    habits: tuple[cdk.Stack, EventFanout, SagaWorkflow, QueueProcessor],
) -> None:
    stack, _, _, processor = habits
    assert stack.resolve(processor.queue.node.default_child.visibility_timeout) == 18  # type: ignore[union-attr]
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": stack.resolve(processor.function.function_name),
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_queue_processor_reads_the_timeout_of_a_functions_alias() -> None:
    stack = new_stack()
    function = _function(stack, "Fn", timeout=cdk.Duration.seconds(20))
    live = lambda_.Alias(stack, "Live", alias_name="live", version=function.current_version)
    processor = QueueProcessor(stack, "Processor", function=live)
    assert processor.function is live
    Template.from_stack(stack).has_resource_properties("AWS::SQS::Queue", {"VisibilityTimeout": 120})


def test_fails_when_an_imported_function_has_no_visibility_timeout() -> None:
    stack = new_stack()
    imported = lambda_.Function.from_function_name(stack, "Imported", "billing")
    with pytest.raises(ValidationError) as raised:
        QueueProcessor(stack, "Processor", function=imported)
    assert raised.value.construct_path == "Test/Processor"
    assert raised.value.problems == (
        "visibility_timeout is required when the function's timeout is unknown at synth (an imported function): "
        "give at least 6 times the function's timeout",
    )


def test_an_imported_function_with_a_visibility_timeout_is_accepted() -> None:
    stack = new_stack()
    imported = lambda_.Function.from_function_name(stack, "Imported", "billing")
    QueueProcessor(stack, "Processor", function=imported, visibility_timeout=cdk.Duration.minutes(3))
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::SQS::Queue", {"VisibilityTimeout": 180})
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping", {"FunctionResponseTypes": ["ReportBatchItemFailures"]}
    )


def test_fails_when_handler_is_given_with_a_function() -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match="function and handler cannot be combined"):
        QueueProcessor(stack, "Processor", function=_function(stack, "Fn"), handler="app.handler")


def test_imported_bus_and_targets_are_accepted() -> None:
    stack = new_stack()
    bus = events.EventBus.from_event_bus_name(stack, "Bus", "orders")
    queue = sqs.Queue.from_queue_arn(stack, "Queue", "arn:aws:sqs:eu-west-1:111111111111:review")
    topic = sns.Topic.from_topic_arn(stack, "Topic", "arn:aws:sns:eu-west-1:111111111111:alerts")
    machine = sfn.StateMachine.from_state_machine_name(stack, "Machine", "fulfil")
    function = lambda_.Function.from_function_name(stack, "Fn", "notify")
    fanout = EventFanout(stack, "Fanout", event_bus=bus)
    fanout.add_route("All", event_pattern=PLACED, targets=[queue, topic, machine, function])
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventBusName": "orders",
            "Targets": Match.array_with([Match.object_like({"Arn": "arn:aws:sqs:eu-west-1:111111111111:review"})]),
        },
    )
    template.resource_count_is("AWS::Events::EventBus", 0)


def test_saga_trigger_reads_an_imported_bus() -> None:
    stack = new_stack()
    bus = events.EventBus.from_event_bus_name(stack, "Bus", "orders")
    step = SagaStep(name="only", function=lambda_.Function.from_function_name(stack, "Fn", "fn"))
    SagaWorkflow(stack, "Saga", steps=[step], trigger_event_pattern=PLACED, trigger_event_bus=bus)
    Template.from_stack(stack).has_resource_properties("AWS::Events::Rule", {"EventBusName": "orders"})
