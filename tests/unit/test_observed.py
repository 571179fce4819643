"""assert_observed: which sinks count, and which alarms watch them (metric, dimension, notification)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns.testing import assert_observed, unwatched_sinks


def _dead_letter_queue(stack: cdk.Stack, **options: object) -> sqs.Queue:
    parked = sqs.Queue(stack, "Parked", **options)  # type: ignore[arg-type]
    sqs.Queue(stack, "Jobs", dead_letter_queue=sqs.DeadLetterQueue(queue=parked, max_receive_count=3))
    return parked


def _alarm(
    scope: cdk.Stack, metric: cloudwatch.IMetric, topic: sns.ITopic | None, id: str = "Alarm"
) -> cloudwatch.Alarm:
    alarm = cloudwatch.Alarm(scope, id, metric=metric, threshold=1, evaluation_periods=1)
    if topic is not None:
        alarm.add_alarm_action(actions.SnsAction(topic))
    return alarm


def _kinds(scope: cdk.Stack | cdk.App) -> list[tuple[str, str]]:
    return [(sink.kind, sink.path) for sink in unwatched_sinks(scope)]


def test_a_dead_letter_queue_is_watched_by_a_notifying_alarm_on_visible_messages() -> None:
    assert _kinds(_unalarmed_dead_letter_queue()) == [("dead-letter queue", "S/Parked/Resource")]
    stack = cdk.Stack(cdk.App(), "S")
    parked = _dead_letter_queue(stack)
    _alarm(stack, parked.metric_approximate_number_of_messages_visible(), sns.Topic(stack, "Topic"))
    assert_observed(stack)


def _unalarmed_dead_letter_queue() -> cdk.Stack:
    stack = cdk.Stack(cdk.App(), "S")
    _dead_letter_queue(stack)
    return stack


def test_fails_when_the_alarm_notifies_nobody() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    parked = _dead_letter_queue(stack)
    _alarm(stack, parked.metric_approximate_number_of_messages_visible(), None)
    with pytest.raises(AssertionError, match=r"1 sink\(s\) no alarm watches:\n  dead-letter queue S/Parked"):
        assert_observed(stack)


def test_fails_when_the_alarm_actions_are_disabled() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    parked = _dead_letter_queue(stack)
    alarm = cloudwatch.Alarm(
        stack,
        "Alarm",
        metric=parked.metric_approximate_number_of_messages_visible(),
        threshold=1,
        evaluation_periods=1,
        actions_enabled=False,
    )
    alarm.add_alarm_action(actions.SnsAction(sns.Topic(stack, "Topic")))
    assert _kinds(stack) == [("dead-letter queue", "S/Parked/Resource")]


def test_fails_when_the_alarm_reads_a_metric_that_does_not_show_the_failure() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    parked = _dead_letter_queue(stack)
    # Messages moved by a redrive policy are not counted by NumberOfMessagesSent (SQS Developer Guide).
    _alarm(stack, parked.metric_number_of_messages_sent(), sns.Topic(stack, "Topic"))
    assert _kinds(stack) == [("dead-letter queue", "S/Parked/Resource")]


def test_an_alarm_inside_a_notifying_composite_alarm_watches() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    parked = _dead_letter_queue(stack)
    child = _alarm(stack, parked.metric_approximate_age_of_oldest_message(), None)
    composite = cloudwatch.CompositeAlarm(stack, "Composite", alarm_rule=cloudwatch.AlarmRule.any_of(child))
    composite.add_alarm_action(actions.SnsAction(sns.Topic(stack, "Topic")))
    assert_observed(stack)


def test_a_silent_composite_alarm_does_not_make_its_children_watch() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    parked = _dead_letter_queue(stack)
    child = _alarm(stack, parked.metric_approximate_age_of_oldest_message(), None)
    cloudwatch.CompositeAlarm(stack, "Composite", alarm_rule=cloudwatch.AlarmRule.any_of(child))
    assert len(unwatched_sinks(stack)) == 1


def test_an_alarm_in_a_monitoring_stack_watches_through_an_export() -> None:
    app = cdk.App()
    services = cdk.Stack(app, "Services")
    monitoring = cdk.Stack(app, "Monitoring")
    parked = _dead_letter_queue(services)
    _alarm(monitoring, parked.metric_approximate_number_of_messages_visible(), sns.Topic(monitoring, "Topic"))
    assert_observed(services)
    assert_observed(app)


def test_an_alarm_that_names_the_queue_literally_watches_it() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    _dead_letter_queue(stack, queue_name="parked-orders")
    metric = cloudwatch.Metric(
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions_map={"QueueName": "parked-orders"},
    )
    _alarm(stack, metric, sns.Topic(stack, "Topic"))
    assert_observed(stack)


def test_metric_math_inputs_count() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    parked = _dead_letter_queue(stack)
    expression = cloudwatch.MathExpression(
        expression="m1 * 2", using_metrics={"m1": parked.metric_approximate_number_of_messages_visible()}
    )
    _alarm(stack, expression, sns.Topic(stack, "Topic"))
    assert_observed(stack)


def _function(stack: cdk.Stack) -> lambda_.Function:
    return lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )


@pytest.mark.parametrize("alarmed", [False, True])
def test_a_source_queue_is_one_a_function_reads(alarmed: bool) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    queue = sqs.Queue(stack, "Work")
    _function(stack).add_event_source_mapping("Reads", event_source_arn=queue.queue_arn)
    if alarmed:
        _alarm(stack, queue.metric_approximate_age_of_oldest_message(), sns.Topic(stack, "Topic"))
    assert _kinds(stack) == ([] if alarmed else [("source queue", "S/Work/Resource")])


@pytest.mark.parametrize(
    ("alarms", "unwatched"),
    [
        ((), [("async function", "S/Fn/Resource"), ("rule", "S/Rule/Resource")]),
        # Errors is not the signal of dropped events: the function stays unwatched without AsyncEventsDropped.
        (("Errors", "Failed"), [("async function", "S/Fn/Resource")]),
        (("Dropped",), [("rule", "S/Rule/Resource")]),
        (("Dropped", "Failed"), []),
    ],
)
def test_a_rule_and_its_asynchronously_invoked_function_are_sinks(
    alarms: tuple[str, ...], unwatched: list[tuple[str, str]]
) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    function = _function(stack)
    rule = events.Rule(stack, "Rule", event_pattern=events.EventPattern(source=["shop"]))
    rule.add_target(targets.LambdaFunction(function))
    topic = sns.Topic(stack, "Topic")
    dropped = cloudwatch.Metric(
        namespace="AWS/Lambda",
        metric_name="AsyncEventsDropped",
        dimensions_map={"FunctionName": function.function_name},
    )
    failed = cloudwatch.Metric(
        namespace="AWS/Events", metric_name="FailedInvocations", dimensions_map={"RuleName": rule.rule_name}
    )
    metrics = {"Dropped": dropped, "Failed": failed, "Errors": function.metric_errors()}
    for name in alarms:
        _alarm(stack, metrics[name], topic, name)
    assert sorted(_kinds(stack)) == unwatched


@pytest.mark.parametrize("alarmed", [False, True])
def test_tables_and_state_machines_are_sinks(alarmed: bool) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    table = dynamodb.TableV2(
        stack, "Table", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
    )
    machine = sfn.StateMachine(stack, "Flow", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Go")))
    if alarmed:
        topic = sns.Topic(stack, "Topic")
        _alarm(stack, machine.metric_failed(), topic, "Failed")
        throttled = cloudwatch.Metric(
            namespace="AWS/DynamoDB", metric_name="ThrottledRequests", dimensions_map={"TableName": table.table_name}
        )
        _alarm(stack, throttled, topic, "Throttled")
    assert sorted(kind for kind, _ in _kinds(stack)) == ([] if alarmed else ["state machine", "table"])


@pytest.mark.parametrize("alarmed", [False, True])
def test_an_api_stage_is_watched_only_by_the_5xx_of_its_own_api(alarmed: bool) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    api = apigateway.RestApi(stack, "Api", rest_api_name="shop")
    api.root.add_method("GET")
    topic = sns.Topic(stack, "Topic")
    other = cloudwatch.Metric(
        namespace="AWS/ApiGateway",
        metric_name="5XXError",
        dimensions_map={"ApiName": "another", "Stage": api.deployment_stage.stage_name},
    )
    _alarm(stack, other, topic, "Other")
    _alarm(stack, api.metric_client_error(), topic, "ClientErrors")
    if alarmed:
        _alarm(stack, api.metric_server_error(), topic, "ServerErrors")
    assert [kind for kind, _ in _kinds(stack)] == ([] if alarmed else ["API stage"])
