"""The alarm kinds added for issue #15: each checked against the AWS page that documents its metric.

Every test reads the synthesized template: namespace, metric name, dimensions, statistic and
threshold, as CloudWatch will evaluate them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from serverless_patterns import (
    CrudApi,
    EventFanout,
    FanoutRoute,
    QueueProcessor,
    ServerlessFunction,
    ValidationError,
)
from serverless_patterns.lambda_alarms import AlarmOptions, LambdaAlarms
from serverless_patterns.lambda_alarms.composite import MAX_ALARMS_PER_RULE, MAX_RULE_CHARACTERS, chunks
from serverless_patterns.lambda_alarms.sink_alarms import SYSTEM_ERROR_OPERATIONS
from tests.constructs.stacks import plain_function

ECHO = str(Path(__file__).parent / "handlers" / "echo")
ENV = cdk.Environment(account="111111111111", region="eu-west-1")


def _stack(name: str = "Kinds") -> cdk.Stack:
    return cdk.Stack(cdk.App(), name, env=ENV)


def _alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {
        resource["Properties"]["AlarmName"]: resource["Properties"]
        for resource in template.find_resources("AWS::CloudWatch::Alarm").values()
    }


def _queries(alarm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {query["Id"]: query for query in alarm["Metrics"]}


def _dimensions(stat: dict[str, Any]) -> dict[str, Any]:
    return {dimension["Name"]: dimension["Value"] for dimension in stat["Metric"]["Dimensions"]}


def _rule_terms(composite: dict[str, Any]) -> int:
    """How many ``ALARM(...)`` terms a composite alarm's rule holds."""
    rule = composite["Properties"]["AlarmRule"]
    parts = rule["Fn::Join"][1] if isinstance(rule, dict) else [rule]
    return "".join(part for part in parts if isinstance(part, str)).count("ALARM(")


# --- EventBridge rules ----------------------------------------------------------------------------
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html: AWS/Events,
# FailedInvocations / InvocationsFailedToBeSentToDlq / ThrottledRules, Count (Sum), dimension
# RuleName; "Metrics that specify both the EventBusName and RuleName dimensions refer to a custom
# event bus."


def test_rule_on_a_custom_bus_alarms_with_event_bus_and_rule_name() -> None:
    stack = _stack()
    alarms = LambdaAlarms(stack, "Alarms")  # before what it watches: discovery runs at synthesis
    target = sqs.Queue(stack, "Target", enforce_ssl=True)
    fanout = EventFanout(
        stack,
        "Events",
        routes=[FanoutRoute(name="Placed", event_pattern=events.EventPattern(source=["shop"]), targets=[target])],
    )
    alarms.add_rule(fanout.rules["Placed"][0])
    by_name = _alarms(Template.from_stack(stack))
    bus_id = stack.resolve(fanout.event_bus.event_bus_name)
    for kind in ("FailedInvocations", "InvocationsFailedToBeSentToDlq", "ThrottledRules"):
        alarm = by_name[f"Kinds-Events-Placed-Rule-{kind}"]
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/Events", kind, "Sum")
        dimensions = {dimension["Name"]: dimension["Value"] for dimension in alarm["Dimensions"]}
        assert dimensions["EventBusName"] == bus_id
        # arn:aws:events:<region>:<account>:rule/<bus>/<rule>: the rule's name is the third part.
        assert dimensions["RuleName"]["Fn::Select"][0] == 2
        assert dimensions["RuleName"]["Fn::Select"][1]["Fn::Split"][0] == "/"
        assert alarm["Threshold"] == 1
    # A failed delivery is an event lost: one period is enough.
    assert by_name["Kinds-Events-Placed-Rule-FailedInvocations"]["EvaluationPeriods"] == 1
    assert by_name["Kinds-Events-Placed-Rule-ThrottledRules"]["EvaluationPeriods"] == 3
    assert [rule.because for rule in alarms.rules] == ["given: rules"]


def test_rule_on_the_default_bus_alarms_with_the_rule_name_only() -> None:
    stack = _stack()
    rule = events.Rule(stack, "Nightly", schedule=events.Schedule.rate(cdk.Duration.days(1)))
    rule.add_target(targets.SqsQueue(sqs.Queue(stack, "Work", enforce_ssl=True)))
    LambdaAlarms(stack, "Alarms", rules=[rule], alarm_options=AlarmOptions(rule_throttles=5))
    alarm = _alarms(Template.from_stack(stack))["Kinds-Nightly-ThrottledRules"]
    [dimension] = alarm["Dimensions"]
    assert dimension["Name"] == "RuleName"
    assert dimension["Value"]["Fn::Select"][0] == 1  # arn:...:rule/<rule>
    assert alarm["Threshold"] == 5


# --- Source queues -------------------------------------------------------------------------------
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html:
# AWS/SQS ApproximateAgeOfOldestMessage, Seconds, dimension QueueName (Maximum is a valid statistic).


def test_source_queue_threshold_is_max_receive_count_visibility_timeouts() -> None:
    stack = _stack()
    function = ServerlessFunction(stack, "Worker", entry=ECHO, timeout=cdk.Duration.seconds(20))
    processor = QueueProcessor(stack, "Ingest", function=function, max_receive_count=4)
    alarms = LambdaAlarms.for_scope(stack, "Alarms", stack)
    alarm = _alarms(Template.from_stack(stack))["Kinds-Ingest-Queue-OldestMessageAge"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        "Maximum",
    )
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": stack.resolve(processor.queue.queue_name)}]
    # QueueProcessor sets the visibility timeout to 6 x the function timeout (120 s); 4 receives.
    assert alarm["Threshold"] == 4 * 120
    [queue] = alarms.source_queues
    assert queue.because.startswith("found: read by Worker/SqsEventSource")


def test_source_queue_threshold_is_capped_at_half_the_retention_period() -> None:
    stack = _stack()
    queue = sqs.Queue(stack, "Slow", visibility_timeout=cdk.Duration.hours(1), retention_period=cdk.Duration.hours(2))
    LambdaAlarms(stack, "Alarms", queues=[queue])
    assert _alarms(Template.from_stack(stack))["Kinds-Slow-OldestMessageAge"]["Threshold"] == 3600


def test_source_queue_threshold_can_be_set() -> None:
    stack = _stack()
    queue = sqs.Queue(stack, "Orders")
    LambdaAlarms(
        stack, "Alarms", queues=[queue], alarm_options=AlarmOptions(queue_oldest_message_age=cdk.Duration.minutes(2))
    )
    assert _alarms(Template.from_stack(stack))["Kinds-Orders-OldestMessageAge"]["Threshold"] == 120


# --- DynamoDB tables ------------------------------------------------------------------------------
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html:
# ReadThrottleEvents / WriteThrottleEvents (Sum; TableName), SystemErrors (Sum; TableName, Operation).


def test_table_throttles_and_system_errors_from_the_crud_api() -> None:
    stack = _stack()
    api = CrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
    alarms = LambdaAlarms(stack, "Alarms", tables=[api.table])
    by_name = _alarms(Template.from_stack(stack))
    table_name = stack.resolve(api.table.table_name)

    throttles = _queries(by_name["Kinds-Users-Table-Throttles"])
    assert throttles["expr_1"]["Expression"] == "FILL(reads, 0) + FILL(writes, 0)"
    for metric_id, name in (("reads", "ReadThrottleEvents"), ("writes", "WriteThrottleEvents")):
        stat = throttles[metric_id]["MetricStat"]
        assert (stat["Metric"]["Namespace"], stat["Metric"]["MetricName"], stat["Stat"]) == (
            "AWS/DynamoDB",
            name,
            "Sum",
        )
        assert _dimensions(stat) == {"TableName": table_name}
    assert by_name["Kinds-Users-Table-Throttles"]["Threshold"] == 1

    errors = by_name["Kinds-Users-Table-SystemErrors"]
    queries = _queries(errors)
    # CloudWatch: "Alarms based on metric math expressions can have up to 10 metrics".
    inputs = [query for query in queries.values() if "MetricStat" in query]
    assert len(inputs) == len(SYSTEM_ERROR_OPERATIONS) == 10
    assert {query["MetricStat"]["Metric"]["MetricName"] for query in inputs} == {"SystemErrors"}
    assert {_dimensions(query["MetricStat"])["Operation"] for query in inputs} == set(SYSTEM_ERROR_OPERATIONS)
    assert {_dimensions(query["MetricStat"])["TableName"] == table_name for query in inputs} == {True}
    assert errors["Threshold"] == 1
    assert [table.because for table in alarms.tables] == ["given: tables"]


# --- HTTP APIs ------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html: 4xx, 5xx,
# Count, Latency; dimensions ApiId, Stage.


def test_http_api_stage_is_discovered_with_api_id_and_stage_dimensions() -> None:
    stack = _stack()
    alarms = LambdaAlarms.for_scope(stack, "Alarms", stack, alarm_options=AlarmOptions(client_error_rate_percent=20))
    handler = plain_function(stack, "Handler")
    api = apigatewayv2.HttpApi(stack, "Api")
    api.add_routes(path="/orders", integration=integrations.HttpLambdaIntegration("Orders", handler))
    by_name = _alarms(Template.from_stack(stack))
    api_id = stack.resolve(api.api_id)

    rate = _queries(by_name["Kinds-Api-$default-ServerErrorRate"])
    assert rate["expr_1"]["Expression"] == "100 * server_errors / requests"
    assert rate["server_errors"]["MetricStat"]["Metric"]["MetricName"] == "5xx"
    assert rate["requests"]["MetricStat"]["Metric"]["MetricName"] == "Count"
    assert _dimensions(rate["requests"]["MetricStat"]) == {"ApiId": api_id, "Stage": "$default"}
    client = _queries(by_name["Kinds-Api-$default-ClientErrorRate"])
    assert client["client_errors"]["MetricStat"]["Metric"]["MetricName"] == "4xx"
    assert by_name["Kinds-Api-$default-ClientErrorRate"]["Threshold"] == 20
    latency = by_name["Kinds-Api-$default-LatencyP99"]
    assert (latency["MetricName"], latency["ExtendedStatistic"], latency["Threshold"]) == ("Latency", "p99", 3000)
    assert [(watched.label, watched.because) for watched in alarms.http_apis] == [
        ("Api/$default", "found: an HTTP API stage")
    ]


def test_rest_api_client_error_rate_is_opt_in() -> None:
    stack = _stack()
    api = apigateway.RestApi(stack, "Rest", rest_api_name="shop")
    api.root.add_method("GET")
    alarms = LambdaAlarms(stack, "Alarms", rest_apis=[api])
    stack_opted = _stack("Opted")
    opted_api = apigateway.RestApi(stack_opted, "Rest", rest_api_name="shop")
    opted_api.root.add_method("GET")
    LambdaAlarms(stack_opted, "Alarms", rest_apis=[opted_api], alarm_options=AlarmOptions(client_error_rate_percent=10))
    assert "Kinds-Rest-prod-ClientErrorRate" not in _alarms(Template.from_stack(stack))
    assert alarms.rest_apis[0].because == "given: rest_apis"
    rate = _alarms(Template.from_stack(stack_opted))["Opted-Rest-prod-ClientErrorRate"]
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
    assert _queries(rate)["client_errors"]["MetricStat"]["Metric"]["MetricName"] == "4XXError"
    assert rate["Threshold"] == 10


# --- Lambda asynchronous drops --------------------------------------------------------------------
# https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (asynchronous invocation
# metrics): AsyncEventsDropped, Sum, dimension FunctionName.


def test_asynchronous_function_alarms_on_dropped_events() -> None:
    stack = _stack()
    function = plain_function(stack, "Notifier")
    LambdaAlarms(stack, "Alarms", asynchronous_functions=[function])
    alarm = _alarms(Template.from_stack(stack))["Kinds-Notifier-AsyncEventsDropped"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/Lambda", "AsyncEventsDropped", "Sum")
    assert alarm["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Ref": stack.resolve(function.function_name)["Ref"]}}
    ]
    assert (alarm["Threshold"], alarm["EvaluationPeriods"]) == (1, 1)


# --- Anomaly detection ----------------------------------------------------------------------------
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html


def test_anomaly_detection_alarms_are_off_by_default_and_band_alarms_when_on(
    compliant: Callable[[cdk.Stack], None],
) -> None:
    stack = _stack()
    LambdaAlarms(stack, "Alarms", functions=[plain_function(stack, "Fn")])
    assert not any(name.endswith("Anomaly") for name in _alarms(Template.from_stack(stack)))

    stack = _stack("Anomaly")
    function = ServerlessFunction(stack, "Fn", entry=ECHO)
    LambdaAlarms(stack, "Alarms", functions=[function], alarm_options=AlarmOptions(anomaly_band_width=3))
    by_name = _alarms(Template.from_stack(stack))
    for kind, metric, statistic in (("ErrorsAnomaly", "Errors", "Sum"), ("DurationAnomaly", "Duration", "Average")):
        alarm = by_name[f"Anomaly-Fn-{kind}"]
        assert alarm["ComparisonOperator"] == "GreaterThanUpperThreshold"
        band = next(query for query in alarm["Metrics"] if "Expression" in query)
        assert alarm["ThresholdMetricId"] == band["Id"]
        assert band["Expression"].startswith("ANOMALY_DETECTION_BAND(") and band["Expression"].endswith(", 3)")
        [stat] = [query["MetricStat"] for query in alarm["Metrics"] if "MetricStat" in query]
        assert (stat["Metric"]["MetricName"], stat["Stat"]) == (metric, statistic)
        assert len(alarm["AlarmActions"]) == 1  # CT.CLOUDWATCH.PR.1: an action for the ALARM state
    compliant(stack)


def test_fails_when_anomaly_band_width_is_out_of_range() -> None:
    with pytest.raises(ValidationError, match=r"anomaly_band_width must be between 1 and 10, got 0\.5"):
        LambdaAlarms(_stack(), "Alarms", alarm_options=AlarmOptions(anomaly_band_width=0.5))


def test_fails_when_queue_age_percent_of_retention_is_out_of_range() -> None:
    with pytest.raises(ValidationError, match="queue_age_percent_of_retention must be between 1 and 100"):
        LambdaAlarms(_stack(), "Alarms", alarm_options=AlarmOptions(queue_age_percent_of_retention=150))


# --- The composite alarm --------------------------------------------------------------------------


def test_composite_pages_once_for_a_few_alarms(compliant: Callable[[cdk.Stack], None]) -> None:
    stack = _stack()
    alarms = LambdaAlarms(stack, "Alarms", functions=[ServerlessFunction(stack, "Fn", entry=ECHO)])
    template = Template.from_stack(stack)
    [composite] = template.find_resources("AWS::CloudWatch::CompositeAlarm").values()
    assert composite["Properties"]["AlarmName"] == "Kinds unhealthy"
    assert alarms.composite_alarm is not None
    assert _rule_terms(composite) == len(alarms.alarms) == 4
    assert composite["Properties"]["AlarmActions"][0]["Ref"].startswith("AlarmsTopic")
    compliant(stack)


def test_composite_splits_into_groups_within_the_rule_limits() -> None:
    app = cdk.App()
    services = cdk.Stack(app, "Services", env=ENV)
    for index in range(100):
        plain_function(services, f"Fn{index}")
    monitoring = cdk.Stack(app, "Monitoring", env=ENV)
    alarms = LambdaAlarms.for_scope(monitoring, "Alarms", services)
    template = Template.from_stack(monitoring)
    composites = template.find_resources("AWS::CloudWatch::CompositeAlarm")
    top = next(c for c in composites.values() if c["Properties"]["AlarmName"] == "Monitoring unhealthy")
    groups = [c for c in composites.values() if c is not top]
    assert len(alarms.alarms) == 400
    assert len(groups) >= 4
    members = 0
    for group in groups:
        terms = _rule_terms(group)
        assert terms <= MAX_ALARMS_PER_RULE
        members += terms
        assert "AlarmActions" not in group["Properties"]  # only the top alarm pages
    assert members == 400
    assert _rule_terms(top) == len(groups)
    # CloudFormation's 500 resources per stack: 400 alarms, the composites, topics and dashboards.
    assert len(template.to_json()["Resources"]) < 500


def test_chunks_respect_both_the_alarm_count_and_the_rule_length() -> None:
    assert [len(group) for group in chunks(["a"] * 250)] == [100, 100, 50]
    long_names = ["x" * 200] * 60
    groups = chunks(long_names)
    # The rule as CloudWatch receives it, with the real ARNs in place of the tokens.
    arn = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:"
    for group in groups:
        rule = "(" + " OR ".join(f'ALARM("{arn}{long_names[index]}")' for index in group) + ")"
        assert len(rule) <= MAX_RULE_CHARACTERS
    assert len(groups) > 1
    assert sum(len(group) for group in groups) == 60


def test_composite_can_be_turned_off_and_every_alarm_pages_again() -> None:
    stack = _stack()
    LambdaAlarms(stack, "Alarms", functions=[plain_function(stack, "Fn")], composite_alarm=False)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudWatch::CompositeAlarm", 0)
    template.resource_count_is("AWS::SNS::Topic", 1)
    for alarm in _alarms(template).values():
        assert alarm["AlarmActions"][0]["Ref"].startswith("AlarmsTopic")


def test_custom_dashboard_rows_come_after_the_watched_resources() -> None:
    from aws_cdk import aws_cloudwatch as cloudwatch

    stack = _stack()
    alarms = LambdaAlarms(stack, "Alarms", functions=[plain_function(stack, "Fn")])
    orders = cloudwatch.Metric(namespace="Shop", metric_name="OrdersPlaced", statistic="Sum")
    alarms.add_dashboard_row([cloudwatch.GraphWidget(title="Orders placed", left=[orders], width=24)], metric_count=1)
    [dashboard] = Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
    body = "".join(part for part in dashboard["Properties"]["DashboardBody"]["Fn::Join"][1] if isinstance(part, str))
    assert body.index("Orders placed") > body.index("Fn: invocations")
