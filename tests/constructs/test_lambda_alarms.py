"""LambdaAlarms: discovery, every alarm type and its metric math, topic, dashboards, compliance, snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as stepfunctions
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct
from syrupy.assertion import SnapshotAssertion

from serverless_patterns import (
    EventFanout,
    FanoutRoute,
    QueueProcessor,
    SagaStep,
    SagaWorkflow,
    ServerlessFunction,
    ValidationError,
)
from serverless_patterns.crud_api import CrudApi
from serverless_patterns.lambda_alarms import ALARM_KINDS, AlarmOptions, LambdaAlarms
from serverless_patterns.testing import nag_findings, normalized_template
from tests.constructs.stacks import plain_function

ECHO = str(Path(__file__).parent / "handlers" / "echo")
ENV = cdk.Environment(account="111111111111", region="eu-west-1")


def _stack(name: str = "Test", app: cdk.App | None = None) -> cdk.Stack:
    return cdk.Stack(app or cdk.App(), name, env=ENV)


def _synthesized(alarms: LambdaAlarms) -> LambdaAlarms:
    """``alarms`` after synthesizing its app: what it watches is decided then."""
    app = cdk.Stage.of(alarms)
    assert app is not None
    app.synth()
    return alarms


def _logical_id(stack: cdk.Stack, construct: Construct) -> str:
    cfn = construct.node.default_child
    assert isinstance(cfn, cdk.CfnElement)
    return stack.get_logical_id(cfn)


def _alarms(template: Template) -> dict[str, dict[str, Any]]:
    """Alarm properties by alarm name."""
    return {
        resource["Properties"]["AlarmName"]: resource["Properties"]
        for resource in template.find_resources("AWS::CloudWatch::Alarm").values()
    }


def _dashboard_bodies(template: Template) -> list[dict[str, Any]]:
    """Each dashboard's body as JSON, deploy-time references replaced by ``"<ref>"``."""
    bodies = []
    for resource in template.find_resources("AWS::CloudWatch::Dashboard").values():
        body = resource["Properties"]["DashboardBody"]
        if isinstance(body, dict):
            body = "".join(part if isinstance(part, str) else "<ref>" for part in body["Fn::Join"][1])
        bodies.append(json.loads(body))
    return bodies


@pytest.fixture
def alarms_snapshot(snapshot_json: SnapshotAssertion) -> Callable[[cdk.Stack], None]:
    """Snapshot the resources LambdaAlarms defines (logical ids ``Alarms...``), not the watched ones.

    The watched resources belong to other constructs with snapshots of their own; keeping them out
    means a change there does not churn these snapshots.
    """

    def check(stack: cdk.Stack) -> None:
        template = normalized_template(stack)
        mine = {key: value for key, value in template["Resources"].items() if key.startswith("Alarms")}
        assert mine == snapshot_json

    return check


# --- A scope built from ServerlessFunction and plain aws-cdk-lib L2s ------------------------


class Mixed:
    def __init__(self, *, alarms_first: bool = False) -> None:
        self.stack = stack = _stack("Mixed")
        if alarms_first:
            self.alarms = LambdaAlarms.for_scope(stack, "Alarms", stack, emails=["ops@example.com"])
        # Synchronous: nothing invokes it asynchronously.
        self.api_handler = ServerlessFunction(stack, "ApiHandler", entry=ECHO, timeout=cdk.Duration.seconds(20))
        # Asynchronous by its own DLQ.
        self.worker = ServerlessFunction(stack, "Worker", entry=ECHO, dead_letter_queue_enabled=True)
        # Asynchronous by an EventBridge permission; the rule target has a DLQ.
        self.scheduled = plain_function(stack, "Scheduled")
        rule = events.Rule(stack, "Every5Minutes", schedule=events.Schedule.rate(cdk.Duration.minutes(5)))
        self.rule_dlq = sqs.Queue(stack, "RuleDlq")
        rule.add_target(targets.LambdaFunction(self.scheduled, dead_letter_queue=self.rule_dlq))
        # Asynchronous by an EventInvokeConfig whose on-failure destination is a queue.
        self.failures = sqs.Queue(stack, "Failures")
        self.notifier = plain_function(
            stack, "Notifier", timeout=cdk.Duration.seconds(30), on_failure=destinations.SqsDestination(self.failures)
        )
        # Asynchronous by an SNS permission.
        self.subscriber = plain_function(stack, "Subscriber")
        sns.Topic(stack, "Orders").add_subscription(subscriptions.LambdaSubscription(self.subscriber))
        # A work queue with a DLQ: only the DLQ is watched.
        self.work_dlq = sqs.Queue(stack, "WorkDlq")
        self.work = sqs.Queue(
            stack, "Work", dead_letter_queue=sqs.DeadLetterQueue(queue=self.work_dlq, max_receive_count=3)
        )
        self.not_a_dlq = sqs.Queue(stack, "Plain")
        self.machine = stepfunctions.StateMachine(
            stack,
            "Machine",
            definition_body=stepfunctions.DefinitionBody.from_chainable(stepfunctions.Pass(stack, "Step")),
        )
        self.rest = apigateway.RestApi(stack, "Rest", rest_api_name="orders-api")
        self.rest.root.add_method("GET")
        if not alarms_first:
            self.alarms = LambdaAlarms.for_scope(stack, "Alarms", stack, emails=["ops@example.com"])
        self.template = Template.from_stack(stack)


@pytest.fixture(scope="module")
def mixed() -> Mixed:
    return Mixed()


def test_discovery_finds_every_function(mixed: Mixed) -> None:
    assert sorted(watched.label for watched in mixed.alarms.functions) == [
        "ApiHandler",
        "Notifier",
        "Scheduled",
        "Subscriber",
        "Worker",
    ]


def test_discovery_decides_asynchronous_invocation_from_the_tree(mixed: Mixed) -> None:
    reasons = {watched.label: watched.asynchronous_because for watched in mixed.alarms.functions}
    assert reasons == {
        "ApiHandler": (),
        "Worker": ("dead-letter queue",),
        "Scheduled": ("invoked by events.amazonaws.com",),
        "Notifier": ("event invoke config",),
        "Subscriber": ("invoked by sns.amazonaws.com",),
    }


def test_discovery_finds_exactly_the_dead_letter_queues(mixed: Mixed) -> None:
    found = {watched.label: watched.dead_letter_of for watched in mixed.alarms.dead_letter_queues}
    assert found == {
        "Failures": ("Notifier/EventInvokeConfig",),
        "RuleDlq": ("Every5Minutes",),
        "WorkDlq": ("Work",),
        "Worker/DeadLetterQueue": ("Worker",),
    }


def test_discovery_finds_state_machines_and_rest_api_stages(mixed: Mixed) -> None:
    assert [watched.label for watched in mixed.alarms.state_machines] == ["Machine"]
    assert [(api.label, api.api_name, api.stage_name) for api in mixed.alarms.rest_apis] == [
        ("Rest/prod", "orders-api", "prod")
    ]


def test_known_timeouts_come_from_the_function(mixed: Mixed) -> None:
    timeouts = {watched.label: watched.timeout_seconds for watched in mixed.alarms.functions}
    assert timeouts == {"ApiHandler": 20, "Worker": 10, "Scheduled": 3, "Notifier": 30, "Subscriber": 3}


def test_alarm_names_are_deterministic_with_the_stack_name_as_prefix(mixed: Mixed) -> None:
    names = set(_alarms(mixed.template))
    assert names == set(mixed.alarms.alarms)
    assert {name for name in names if name.startswith("Mixed-ApiHandler-")} == {
        "Mixed-ApiHandler-ErrorRate",
        "Mixed-ApiHandler-Errors",
        "Mixed-ApiHandler-Throttles",
        "Mixed-ApiHandler-Duration",
    }
    # 4 per function, 3 more per asynchronous one, 1 per DLQ, 3 per state machine, 2 per API stage, 3 per rule.
    assert len(names) == 5 * 4 + 4 * 3 + 4 + 3 + 2 + 3


def test_error_rate_is_metric_math_of_errors_over_invocations(mixed: Mixed) -> None:
    alarm = _alarms(mixed.template)["Mixed-ApiHandler-ErrorRate"]
    assert alarm["Threshold"] == 5
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3, 2)
    by_id = {query["Id"]: query for query in alarm["Metrics"]}
    assert by_id["expr_1"]["Expression"] == "100 * errors / invocations"
    for metric_id, metric_name in (("errors", "Errors"), ("invocations", "Invocations")):
        stat = by_id[metric_id]["MetricStat"]
        assert by_id[metric_id]["ReturnData"] is False
        assert stat["Metric"]["MetricName"] == metric_name
        assert stat["Metric"]["Namespace"] == "AWS/Lambda"
        assert stat["Stat"] == "Sum"
        assert stat["Period"] == 300
        assert stat["Metric"]["Dimensions"] == [
            {
                "Name": "FunctionName",
                "Value": {"Ref": _logical_id(mixed.stack, mixed.api_handler)},
            }
        ]


def test_error_count_and_throttles_alarms(mixed: Mixed) -> None:
    alarms = _alarms(mixed.template)
    errors, throttles = alarms["Mixed-ApiHandler-Errors"], alarms["Mixed-ApiHandler-Throttles"]
    assert (errors["MetricName"], errors["Statistic"], errors["Threshold"]) == ("Errors", "Sum", 10)
    assert (throttles["MetricName"], throttles["Statistic"], throttles["Threshold"]) == ("Throttles", "Sum", 1)
    for alarm in (errors, throttles):
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["Namespace"] == "AWS/Lambda"


def test_duration_alarm_is_p99_at_80_percent_of_the_function_timeout(mixed: Mixed) -> None:
    alarms = _alarms(mixed.template)
    api_handler = alarms["Mixed-ApiHandler-Duration"]
    assert (api_handler["MetricName"], api_handler["ExtendedStatistic"]) == ("Duration", "p99")
    assert api_handler["Threshold"] == 16000  # 80% of 20 s
    assert alarms["Mixed-Scheduled-Duration"]["Threshold"] == 2400  # 80% of Lambda's default 3 s
    [body] = _dashboard_bodies(mixed.template)
    [graph] = [widget for widget in body["widgets"] if widget["properties"].get("title") == "ApiHandler: duration"]
    lines = {line["label"]: line["value"] for line in graph["properties"]["annotations"]["horizontal"]}
    assert lines == {"timeout": 20000, "p99 alarm (80% of timeout)": 16000}


def test_asynchronous_functions_get_dead_letter_errors_and_event_age_alarms(mixed: Mixed) -> None:
    alarms = _alarms(mixed.template)
    for label in ("Worker", "Scheduled", "Notifier", "Subscriber"):
        dead_letter = alarms[f"Mixed-{label}-DeadLetterErrors"]
        age = alarms[f"Mixed-{label}-AsyncEventAge"]
        assert (dead_letter["MetricName"], dead_letter["Statistic"], dead_letter["Threshold"]) == (
            "DeadLetterErrors",
            "Sum",
            1,
        )
        assert (age["MetricName"], age["Statistic"], age["Threshold"]) == ("AsyncEventAge", "Maximum", 600000)
    assert "Mixed-ApiHandler-DeadLetterErrors" not in alarms
    assert "Mixed-ApiHandler-AsyncEventAge" not in alarms


def test_dead_letter_queue_alarm_fires_on_any_visible_message_in_one_period(mixed: Mixed) -> None:
    alarm = _alarms(mixed.template)["Mixed-WorkDlq-MessagesVisible"]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 1)
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 1)
    work_dlq_id = _logical_id(mixed.stack, mixed.work_dlq)
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [work_dlq_id, "QueueName"]}}]
    assert "Mixed-Plain-MessagesVisible" not in _alarms(mixed.template)
    assert "Mixed-Work-MessagesVisible" not in _alarms(mixed.template)


def test_state_machine_alarms(mixed: Mixed) -> None:
    alarms = _alarms(mixed.template)
    for kind in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled"):
        alarm = alarms[f"Mixed-Machine-{kind}"]
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/States", kind, "Sum")
        assert alarm["Dimensions"][0]["Name"] == "StateMachineArn"
        assert alarm["TreatMissingData"] == "notBreaching"


def test_rest_api_server_error_rate_is_metric_math_and_latency_is_p99(mixed: Mixed) -> None:
    alarms = _alarms(mixed.template)
    rate = alarms["Mixed-Rest-prod-ServerErrorRate"]
    by_id = {query["Id"]: query for query in rate["Metrics"]}
    assert by_id["expr_1"]["Expression"] == "100 * server_errors / requests"
    assert by_id["server_errors"]["MetricStat"]["Metric"]["MetricName"] == "5XXError"
    assert by_id["requests"]["MetricStat"]["Metric"]["MetricName"] == "Count"
    assert by_id["requests"]["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "ApiName", "Value": "orders-api"},
        {"Name": "Stage", "Value": "prod"},
    ]
    assert rate["Threshold"] == 1
    latency = alarms["Mixed-Rest-prod-LatencyP99"]
    assert (latency["MetricName"], latency["ExtendedStatistic"], latency["Threshold"]) == ("Latency", "p99", 3000)


def test_members_notify_the_detail_topic_the_composite_pages_and_no_ok_actions_by_default(mixed: Mixed) -> None:
    for alarm in _alarms(mixed.template).values():
        assert len(alarm["AlarmActions"]) == 1
        assert alarm["AlarmActions"][0]["Ref"].startswith("AlarmsDetailTopic")
        assert "OKActions" not in alarm
    [composite] = mixed.template.find_resources("AWS::CloudWatch::CompositeAlarm").values()
    assert [action["Ref"][: len("AlarmsTopic")] for action in composite["Properties"]["AlarmActions"]] == [
        "AlarmsTopic"
    ]
    assert "OKActions" not in composite["Properties"]
    # The detail topic is encrypted with the same key as the paging topic.
    [detail] = [
        topic
        for logical_id, topic in mixed.template.find_resources("AWS::SNS::Topic").items()
        if logical_id.startswith("AlarmsDetailTopic")
    ]
    assert detail["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0].startswith("AlarmsTopicKey")


def test_topic_is_encrypted_with_a_rotated_key_cloudwatch_may_use(mixed: Mixed) -> None:
    mixed.template.has_resource_properties(
        "AWS::SNS::Topic",
        {"KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("AlarmsTopicKey"), "Arn"]}},
    )
    mixed.template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowCloudWatchAlarmsToPublish",
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            }
                        )
                    ]
                )
            },
        },
    )
    mixed.template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


def test_topic_policy_lets_this_accounts_alarms_publish(mixed: Mixed) -> None:
    # A topic policy replaces SNS's default policy: without this Allow, CloudWatch cannot publish and
    # no alarm notification is sent (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
    # The local cloud proves it end to end (tests/local/test_enforcement_mutations.py).
    mixed.template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "AllowCloudWatchAlarmsToPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": Match.any_value(),
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": Match.any_value()},
                                "ArnLike": {"aws:SourceArn": Match.any_value()},
                            },
                        }
                    ]
                )
            }
        },
    )


def test_email_subscription(mixed: Mixed) -> None:
    mixed.template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_dashboard_has_an_alarm_status_widget_and_a_row_per_resource(mixed: Mixed) -> None:
    [body] = _dashboard_bodies(mixed.template)
    widgets = body["widgets"]
    status = [widget for widget in widgets if widget["type"] == "alarm"]
    assert [widget["properties"]["title"] for widget in status] == ["Service health", "Alarm status"]
    assert len(status[0]["properties"]["alarms"]) == 1  # the composite alarm
    assert len(status[1]["properties"]["alarms"]) == len(mixed.alarms.alarms)
    titles = [widget["properties"].get("title", "") for widget in widgets if widget["type"] == "metric"]
    assert "ApiHandler: invocations" in titles
    assert "WorkDlq: dead-letter messages" in titles
    assert "Machine: executions" in titles
    assert "Rest/prod: latency" in titles
    assert "Every5Minutes: failures" in titles
    # 4 graphs per function, 2 per DLQ, 2 per state machine, 3 per API stage, 2 per rule.
    assert len(titles) == 5 * 4 + 4 * 2 + 2 + 3 + 2
    rows = {widget["y"] for widget in widgets if widget["type"] == "metric"}
    assert len(rows) == 5 + 4 + 1 + 1 + 1
    for widget in widgets:
        if widget["type"] == "metric":
            assert len(widget["properties"]["metrics"]) <= 6  # 4 lines, plus hidden math inputs


def test_no_compliance_finding_comes_from_the_alarms(mixed: Mixed) -> None:
    # The scope's own plain L2s have findings (APIG*, SF1...); the construct must add none.
    assert [finding for finding in nag_findings(mixed.stack) if "/Alarms/" in finding.location] == []


def test_mixed_snapshot(mixed: Mixed, alarms_snapshot: Callable[[cdk.Stack], None]) -> None:
    alarms_snapshot(mixed.stack)


# --- Default options on a compliant scope ------------------------------------------------


@pytest.fixture(scope="module")
def default_stack() -> cdk.Stack:
    stack = _stack()
    handler = ServerlessFunction(stack, "Handler", entry=ECHO)
    LambdaAlarms(stack, "Alarms", functions=[handler])
    return stack


def test_default_is_compliant(default_stack: cdk.Stack, compliant: Callable[[cdk.Stack], None]) -> None:
    compliant(default_stack)


def test_default_snapshot(default_stack: cdk.Stack, alarms_snapshot: Callable[[cdk.Stack], None]) -> None:
    alarms_snapshot(default_stack)


# --- Monitoring in a stack of its own, as in the article -------------------------------------


@pytest.fixture(scope="module")
def two_stacks() -> tuple[cdk.Stack, cdk.Stack, LambdaAlarms]:
    app = cdk.App()
    services = _stack("Services", app)
    ServerlessFunction(services, "Orders", entry=ECHO, dead_letter_queue_enabled=True)
    monitoring = _stack("Monitoring", app)
    alarms = LambdaAlarms.for_scope(monitoring, "Alarms", services, dashboard_name="orders")
    app.synth()
    return services, monitoring, alarms


def test_for_scope_watches_another_stack(two_stacks: tuple[cdk.Stack, cdk.Stack, LambdaAlarms]) -> None:
    _services, monitoring, alarms = two_stacks
    assert [watched.label for watched in alarms.functions] == ["Services/Orders"]
    assert [watched.label for watched in alarms.dead_letter_queues] == ["Services/Orders/DeadLetterQueue"]
    alarm = _alarms(Template.from_stack(monitoring))["Monitoring-Services-Orders-Errors"]
    assert "Fn::ImportValue" in alarm["Dimensions"][0]["Value"]
    Template.from_stack(monitoring).has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "orders"})


def test_monitoring_stack_is_compliant(
    two_stacks: tuple[cdk.Stack, cdk.Stack, LambdaAlarms], compliant: Callable[[cdk.Stack], None]
) -> None:
    compliant(two_stacks[1])


def test_monitoring_stack_snapshot(
    two_stacks: tuple[cdk.Stack, cdk.Stack, LambdaAlarms], template_snapshot: Callable[[cdk.Stack], None]
) -> None:
    template_snapshot(two_stacks[1])


# --- Options: per-target overrides, disabled kinds, OK actions, an existing topic ------------


class Tuned:
    def __init__(self) -> None:
        self.stack = stack = _stack("Tuned")
        self.checkout = ServerlessFunction(stack, "Checkout", entry=ECHO, timeout=cdk.Duration.seconds(10))
        self.report = ServerlessFunction(stack, "Report", entry=ECHO, timeout=cdk.Duration.seconds(60))
        self.fire_and_forget = ServerlessFunction(stack, "FireAndForget", entry=ECHO)
        self.imported = lambda_.Function.from_function_name(stack, "Legacy", "legacy-function")
        self.existing_topic = sns.Topic.from_topic_arn(
            stack, "OpsTopic", "arn:aws:sns:eu-west-1:111111111111:ops-alarms"
        )
        self.chat_topic = sns.Topic.from_topic_arn(stack, "ChatTopic", "arn:aws:sns:eu-west-1:111111111111:ops-chat")
        self.alarms = LambdaAlarms(
            stack,
            "Alarms",
            functions=[self.checkout, self.report, self.imported],
            asynchronous_functions=[self.fire_and_forget],
            alarm_options=AlarmOptions(errors=5, period=cdk.Duration.minutes(1), evaluation_periods=5),
            overrides={
                self.checkout: AlarmOptions(
                    error_rate_percent=1, duration_percent_of_timeout=50, concurrent_executions=80
                ),
                self.report: AlarmOptions(disabled=("Errors", "Throttles"), datapoints_to_alarm=5),
            },
            alarm_name_prefix="shop",
            topic=self.existing_topic,
            member_alarm_action=cloudwatch_actions.SnsAction(self.chat_topic),
            ok_actions=True,
            dashboard=False,
        )
        self.template = Template.from_stack(stack)


@pytest.fixture(scope="module")
def tuned() -> Tuned:
    return Tuned()


def test_options_for_all_apply_to_every_target(tuned: Tuned) -> None:
    alarms = _alarms(tuned.template)
    for label in ("Checkout", "Legacy", "FireAndForget"):
        assert alarms[f"shop-{label}-Errors"]["Threshold"] == 5
        assert alarms[f"shop-{label}-Errors"]["Period"] == 60
        # Only evaluation_periods was given: the default "2 out of N" keeps its 2.
        assert (
            alarms[f"shop-{label}-Errors"]["EvaluationPeriods"],
            alarms[f"shop-{label}-Errors"]["DatapointsToAlarm"],
        ) == (5, 2)


def test_overrides_apply_to_their_target_only(tuned: Tuned) -> None:
    alarms = _alarms(tuned.template)
    assert alarms["shop-Checkout-ErrorRate"]["Threshold"] == 1
    assert alarms["shop-Report-ErrorRate"]["Threshold"] == 5
    assert alarms["shop-Checkout-Duration"]["Threshold"] == 5000  # 50% of 10 s
    assert alarms["shop-Report-Duration"]["Threshold"] == 48000  # default 80% of 60 s
    concurrency = alarms["shop-Checkout-ConcurrentExecutions"]
    assert (concurrency["MetricName"], concurrency["Statistic"], concurrency["Threshold"]) == (
        "ConcurrentExecutions",
        "Maximum",
        80,
    )
    assert "shop-Report-ConcurrentExecutions" not in alarms
    assert alarms["shop-Report-ErrorRate"]["DatapointsToAlarm"] == 5


def test_disabled_alarm_kinds_are_not_defined(tuned: Tuned) -> None:
    alarms = _alarms(tuned.template)
    assert "shop-Report-Errors" not in alarms
    assert "shop-Report-Throttles" not in alarms
    assert "shop-Checkout-Errors" in alarms


def test_asynchronous_functions_option_marks_a_function(tuned: Tuned) -> None:
    reasons = {watched.label: watched.asynchronous_because for watched in tuned.alarms.functions}
    assert reasons["FireAndForget"] == ("asynchronous_functions option",)
    assert reasons["Checkout"] == ()
    assert "shop-FireAndForget-AsyncEventAge" in _alarms(tuned.template)


def test_imported_function_without_known_timeout_has_no_duration_alarm(tuned: Tuned) -> None:
    [legacy] = [watched for watched in tuned.alarms.functions if watched.label == "Legacy"]
    assert legacy.timeout_seconds is None
    alarms = _alarms(tuned.template)
    assert "shop-Legacy-Duration" not in alarms
    [dimension] = alarms["shop-Legacy-Errors"]["Dimensions"]
    assert dimension["Name"] == "FunctionName"
    assert ":function:legacy-function" in json.dumps(dimension["Value"])


def test_existing_topic_pages_on_the_composite_and_members_notify_the_member_action(tuned: Tuned) -> None:
    tuned.template.resource_count_is("AWS::SNS::Topic", 0)
    tuned.template.resource_count_is("AWS::KMS::Key", 0)
    for alarm in _alarms(tuned.template).values():
        assert alarm["AlarmActions"] == ["arn:aws:sns:eu-west-1:111111111111:ops-chat"]
        assert alarm["OKActions"] == ["arn:aws:sns:eu-west-1:111111111111:ops-chat"]
    [composite] = tuned.template.find_resources("AWS::CloudWatch::CompositeAlarm").values()
    assert composite["Properties"]["AlarmName"] == "shop unhealthy"
    assert composite["Properties"]["AlarmActions"] == ["arn:aws:sns:eu-west-1:111111111111:ops-alarms"]
    assert composite["Properties"]["OKActions"] == ["arn:aws:sns:eu-west-1:111111111111:ops-alarms"]
    assert tuned.alarms.topic is tuned.existing_topic
    assert tuned.alarms.topic_key is None


def test_dashboard_can_be_left_out(tuned: Tuned) -> None:
    tuned.template.resource_count_is("AWS::CloudWatch::Dashboard", 0)
    assert tuned.alarms.dashboards == []


def test_tuned_snapshot(tuned: Tuned, alarms_snapshot: Callable[[cdk.Stack], None]) -> None:
    alarms_snapshot(tuned.stack)


# --- 130 functions: the dashboard splits at CloudWatch's 500 widgets ----------------------


@pytest.fixture(scope="module")
def many() -> tuple[LambdaAlarms, Template]:
    app = cdk.App()
    services = _stack("ManyFunctions", app)
    role = iam.Role(services, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    for number in range(130):
        # Hand-written L1 functions: discovery reads CloudFormation resources, whatever defined them.
        lambda_.CfnFunction(
            services,
            f"Fn{number}",
            code=lambda_.CfnFunction.CodeProperty(zip_file="def handler(event, context):\n    return event\n"),
            role=role.role_arn,
            handler="index.handler",
            runtime="python3.14",
            timeout=30,
        )
    monitoring = _stack("ManyMonitoring", app)
    # One alarm per function keeps the monitoring stack under CloudFormation's 500 resources.
    only_errors = tuple(kind for kind in ALARM_KINDS if kind != "Errors")
    alarms = LambdaAlarms.for_scope(monitoring, "Alarms", services, alarm_options=AlarmOptions(disabled=only_errors))
    template = Template.from_stack(monitoring)
    return alarms, template


def test_discovery_finds_hand_written_l1_functions(many: tuple[LambdaAlarms, Template]) -> None:
    alarms, template = many
    assert len(alarms.functions) == 130
    assert {watched.timeout_seconds for watched in alarms.functions} == {30}
    template.resource_count_is("AWS::CloudWatch::Alarm", 130)


def test_dashboard_splits_within_cloudwatch_limits(many: tuple[LambdaAlarms, Template]) -> None:
    alarms, template = many
    bodies = _dashboard_bodies(template)
    assert len(bodies) == len(alarms.dashboards) == 2
    counts = [len(body["widgets"]) for body in bodies]
    assert all(count <= 500 for count in counts)
    graphs = sum(1 for body in bodies for widget in body["widgets"] if widget["type"] == "metric")
    assert graphs == 130 * 4
    status = [widget for body in bodies for widget in body["widgets"] if widget["type"] == "alarm"]
    assert all(len(widget["properties"]["alarms"]) <= 100 for widget in status)
    members = [widget for widget in status if widget["properties"]["title"] == "Alarm status"]
    assert sum(len(widget["properties"]["alarms"]) for widget in members) == 130


# --- A scope that holds every construct of the library ---------------------------------------


class Library:
    """Every construct of the library, each defined with its default options."""

    def __init__(self) -> None:
        self.stack = stack = _stack("Library")
        ServerlessFunction(stack, "Function", entry=ECHO)
        QueueProcessor(stack, "Ingest", entry=ECHO)
        email = ServerlessFunction(stack, "Email", entry=ECHO)
        placed = events.EventPattern(source=["shop.orders"], detail_type=["OrderPlaced"])
        EventFanout(stack, "Events", routes=[FanoutRoute(name="Placed", event_pattern=placed, targets=[email])])
        pay, refund = ServerlessFunction(stack, "Pay", entry=ECHO), ServerlessFunction(stack, "Refund", entry=ECHO)
        SagaWorkflow(stack, "Saga", steps=[SagaStep(name="payment", function=pay, compensation=refund)])
        CrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
        self.alarms = LambdaAlarms.for_scope(stack, "Alarms", stack)
        self.template = Template.from_stack(stack)


@pytest.fixture(scope="module")
def library() -> Library:
    return Library()


def test_discovery_finds_exactly_the_resources_of_the_library_constructs(library: Library) -> None:
    found = library.alarms
    assert [(watched.label, watched.asynchronous_because) for watched in found.functions] == [
        ("Function", ()),
        ("Ingest/Function", ()),  # polled by an event source mapping: synchronous
        ("Email", ("event invoke config", "invoked by events.amazonaws.com")),
        ("Pay", ()),  # invoked by Step Functions: synchronous
        ("Refund", ()),
        ("Users/Api/ReadFunction", ()),
        ("Users/Api/WriteFunction", ()),
    ]
    assert [(watched.label, watched.dead_letter_of) for watched in found.dead_letter_queues] == [
        ("Events/Placed/DeadLetterQueue", ("Email/EventInvokeConfig", "Events/Placed/Rule")),
        ("Ingest/DeadLetterQueue", ("Ingest/Queue",)),
    ]
    assert [watched.label for watched in found.state_machines] == ["Saga"]
    assert [(api.label, api.stage_name) for api in found.rest_apis] == [("Users/Api/prod", "prod")]
    assert [(rule.label, rule.because) for rule in found.rules] == [
        ("Events/Placed/Rule", "found: an EventBridge rule with targets")
    ]
    assert [
        (queue.label, queue.visibility_timeout_seconds, queue.retention_seconds, queue.max_receive_count)
        for queue in found.source_queues
    ] == [("Ingest/Queue", 60, 345_600, 3)]
    assert found.source_queues[0].because.startswith("found: read by Ingest/Function/SqsEventSource")
    assert [table.label for table in found.tables] == ["Users/Api/IdempotencyTable", "Users/Table"]
    assert found.http_apis == []
    # 7 functions x 4, 1 asynchronous x 3, 2 DLQs, 1 state machine x 3, 1 API stage x 2, 1 rule x 3,
    # 1 source queue, 2 tables x 2.
    assert len(found.alarms) == 7 * 4 + 3 + 2 + 3 + 2 + 3 + 1 + 2 * 2


def test_library_scope_is_compliant(library: Library, compliant: Callable[[cdk.Stack], None]) -> None:
    compliant(library.stack)


def test_library_snapshot(library: Library, alarms_snapshot: Callable[[cdk.Stack], None]) -> None:
    alarms_snapshot(library.stack)


# --- Explicit targets, exclusion, warnings, long names (no synthesis needed) -----------------


def test_explicit_targets_are_watched_without_discovery() -> None:
    stack = _stack("Explicit")
    function = plain_function(stack, "Fn")
    ignored = plain_function(stack, "NotGiven")
    queue = sqs.Queue(stack, "Parked")
    machine = stepfunctions.StateMachine(
        stack, "Flow", definition_body=stepfunctions.DefinitionBody.from_chainable(stepfunctions.Pass(stack, "Step"))
    )
    api = apigateway.RestApi(
        stack, "Api", rest_api_name="shop", deploy_options=apigateway.StageOptions(stage_name="v1")
    )
    api.root.add_method("GET")
    alarms = _synthesized(
        LambdaAlarms(
            stack, "Alarms", functions=[function], dead_letter_queues=[queue], state_machines=[machine], rest_apis=[api]
        )
    )
    assert [watched.label for watched in alarms.functions] == ["Fn"]
    assert ignored.node.path not in {watched.construct.node.path for watched in alarms.functions}
    assert [(watched.label, watched.dead_letter_of) for watched in alarms.dead_letter_queues] == [("Parked", ())]
    assert [watched.label for watched in alarms.state_machines] == ["Flow"]
    assert [(api.label, api.api_name, api.stage_name) for api in alarms.rest_apis] == [("Api/v1", "shop", "v1")]
    assert {"Explicit-Parked-MessagesVisible", "Explicit-Flow-ExecutionsFailed", "Explicit-Api-v1-LatencyP99"} <= set(
        alarms.alarms
    )


def test_rest_apis_accepts_a_construct_holding_an_api() -> None:
    stack = _stack("Holder")
    users = CrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
    alarms = _synthesized(LambdaAlarms(stack, "Alarms", rest_apis=[users]))
    assert [(api.label, api.stage_name) for api in alarms.rest_apis] == [("Users/Api/prod", "prod")]
    assert alarms.functions == []


def test_a_resource_both_given_and_discovered_is_watched_once() -> None:
    stack = _stack("Both")
    function = ServerlessFunction(stack, "Fn", entry=ECHO)
    alarms = _synthesized(LambdaAlarms.for_scope(stack, "Alarms", stack, functions=[function, function]))
    assert [watched.label for watched in alarms.functions] == ["Fn"]


def test_exclude_skips_a_subtree() -> None:
    stack = _stack("Excluding")
    ServerlessFunction(stack, "Kept", entry=ECHO)
    skipped = ServerlessFunction(stack, "Skipped", entry=ECHO, dead_letter_queue_enabled=True)
    alarms = _synthesized(LambdaAlarms.for_scope(stack, "Alarms", stack, exclude=[skipped]))
    assert [watched.label for watched in alarms.functions] == ["Kept"]
    assert alarms.dead_letter_queues == []


def test_a_function_whose_timeout_is_a_token_gets_a_warning_and_no_duration_alarm() -> None:
    stack = _stack("Tokens")
    timeout = cdk.CfnParameter(stack, "Timeout", type="Number", default=30)
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    lambda_.CfnFunction(
        stack,
        "Fn",
        code=lambda_.CfnFunction.CodeProperty(zip_file="def handler(event, context):\n    return event\n"),
        role=role.role_arn,
        handler="index.handler",
        runtime="python3.14",
        timeout=timeout.value_as_number,
    )
    alarms = _synthesized(LambdaAlarms.for_scope(stack, "Alarms", stack))
    assert [watched.timeout_seconds for watched in alarms.functions] == [None]
    assert "Tokens-Fn-Duration" not in alarms.alarms
    assert "Tokens-Fn-ErrorRate" in alarms.alarms
    warnings = Annotations.from_stack(stack).find_warning("/Tokens/Alarms", Match.string_like_regexp("Duration"))
    assert len(warnings) == 1


def test_a_stage_of_an_api_without_a_known_name_is_skipped_with_a_warning() -> None:
    stack = _stack("Unnamed")
    api = apigateway.CfnRestApi(stack, "Api", body={"openapi": "3.0.1", "info": {"title": "t", "version": "1"}})
    deployment = apigateway.CfnDeployment(stack, "Deployment", rest_api_id=api.ref)
    apigateway.CfnStage(stack, "Stage", rest_api_id=api.ref, deployment_id=deployment.ref, stage_name="v1")
    sqs.Queue(stack, "Work", dead_letter_queue=sqs.DeadLetterQueue(queue=sqs.Queue(stack, "Dlq"), max_receive_count=3))
    alarms = _synthesized(LambdaAlarms.for_scope(stack, "Alarms", stack))
    assert alarms.rest_apis == []
    warnings = Annotations.from_stack(stack).find_warning("/Unnamed/Alarms", Match.string_like_regexp("Stage"))
    assert len(warnings) == 1


def test_alarm_names_longer_than_cloudwatch_allows_are_shortened_with_a_hash() -> None:
    stack = _stack("Long")
    scope = Construct(stack, "A" * 150)
    ServerlessFunction(scope, "B" * 150, entry=ECHO)
    alarms = _synthesized(LambdaAlarms.for_scope(stack, "Alarms", stack))
    names = list(alarms.alarms)
    assert all(len(name) <= 255 for name in names)
    assert len(set(names)) == len(names)
    assert all(name.startswith("Long-AAAA") for name in names)
    assert any(name.endswith("-ErrorRate") for name in names)


# --- Order: defined first, the alarms watch what is defined after them -------------------------


def _resources_of_the_alarms(stack: cdk.Stack) -> dict[str, Any]:
    resources: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"]
    return {key: value for key, value in resources.items() if key.startswith("Alarms")}


def test_defined_first_it_defines_the_same_alarms_as_defined_last(mixed: Mixed) -> None:
    first = Mixed(alarms_first=True)
    assert [watched.label for watched in first.alarms.functions] == [
        watched.label for watched in mixed.alarms.functions
    ]
    assert len(first.alarms.dead_letter_queues) == 4
    assert [api.label for api in first.alarms.rest_apis] == ["Rest/prod"]
    assert [watched.label for watched in first.alarms.state_machines] == ["Machine"]
    # Same alarms, same logical ids, same dashboard body: the result does not depend on the order.
    assert _resources_of_the_alarms(first.stack) == _resources_of_the_alarms(mixed.stack)


def test_a_monitoring_stack_defined_before_the_services_stack_watches_it() -> None:
    app = cdk.App()
    monitoring = _stack("Monitoring", app)
    alarms = LambdaAlarms.for_scope(monitoring, "Alarms", app)  # the services stack does not exist yet
    services = _stack("Services", app)
    ServerlessFunction(services, "Orders", entry=ECHO, dead_letter_queue_enabled=True)
    template = Template.from_stack(monitoring)
    assert [watched.label for watched in alarms.functions] == ["Services/Orders"]
    assert [watched.label for watched in alarms.dead_letter_queues] == ["Services/Orders/DeadLetterQueue"]
    alarm = _alarms(template)["Monitoring-Services-Orders-Errors"]
    assert "Fn::ImportValue" in alarm["Dimensions"][0]["Value"]


def test_resources_defined_after_synthesis_are_refused() -> None:
    stack = _stack("Late")
    alarms = LambdaAlarms(stack, "Alarms", functions=[plain_function(stack, "Fn")])
    cdk.App.of(stack).synth()  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="Late/Other was added after synthesis defined the alarms"):
        alarms.add_function(plain_function(stack, "Other"))


def test_tags_of_the_app_reach_the_alarms_defined_at_synthesis() -> None:
    app = cdk.App()
    stack = _stack("Tagged", app)
    cdk.Tags.of(app).add("team", "orders")
    LambdaAlarms.for_scope(stack, "Alarms", stack)
    plain_function(stack, "Fn")
    Template.from_stack(stack).has_resource_properties(
        "AWS::SNS::Topic", {"Tags": [{"Key": "team", "Value": "orders"}]}
    )
    # CloudWatch alarms take tags in CloudFormation since 2023; aws-cdk-lib tags them too.
    for alarm in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values():
        assert {"Key": "team", "Value": "orders"} in alarm["Properties"].get("Tags", [])


# --- add_* methods ---------------------------------------------------------------------------


def test_add_methods_watch_each_kind_with_their_own_options() -> None:
    stack = _stack("Grown")
    alarms = LambdaAlarms(stack, "Alarms", alarm_options=AlarmOptions(errors=5))
    function = plain_function(stack, "Fn")
    fire_and_forget = plain_function(stack, "FireAndForget")
    queue = sqs.Queue(stack, "Parked")
    machine = stepfunctions.StateMachine(
        stack, "Flow", definition_body=stepfunctions.DefinitionBody.from_chainable(stepfunctions.Pass(stack, "Step"))
    )
    api = apigateway.RestApi(stack, "Api", rest_api_name="shop")
    api.root.add_method("GET")
    alarms.add_function(function, alarm_options=AlarmOptions(errors=2))
    alarms.add_function(fire_and_forget, asynchronous=True)
    alarms.add_dead_letter_queue(queue, alarm_options=AlarmOptions(dead_letter_queue_messages=10))
    alarms.add_state_machine(machine, alarm_options=AlarmOptions(disabled=("ExecutionThrottled",)))
    alarms.add_rest_api(api, alarm_options=AlarmOptions(latency_p99=cdk.Duration.seconds(1)))
    found = _alarms(Template.from_stack(stack))
    assert found["Grown-Fn-Errors"]["Threshold"] == 2
    assert found["Grown-FireAndForget-Errors"]["Threshold"] == 5
    assert "Grown-FireAndForget-AsyncEventAge" in found
    assert "Grown-Fn-AsyncEventAge" not in found
    assert found["Grown-Parked-MessagesVisible"]["Threshold"] == 10
    assert "Grown-Flow-ExecutionThrottled" not in found
    assert "Grown-Flow-ExecutionsFailed" in found
    assert found["Grown-Api-prod-LatencyP99"]["Threshold"] == 1000


def test_a_resource_added_and_discovered_is_watched_once() -> None:
    stack = _stack("Twice")
    alarms = LambdaAlarms.for_scope(stack, "Alarms", stack)
    function = ServerlessFunction(stack, "Fn", entry=ECHO)
    queue = sqs.Queue(stack, "Dlq")
    sqs.Queue(stack, "Work", dead_letter_queue=sqs.DeadLetterQueue(queue=queue, max_receive_count=3))
    alarms.add_function(function)
    alarms.add_dead_letter_queue(queue)
    Template.from_stack(stack)
    assert [watched.label for watched in alarms.functions] == ["Fn"]
    assert [(watched.label, watched.dead_letter_of) for watched in alarms.dead_letter_queues] == [("Dlq", ("Work",))]


def test_an_own_topic_key_encrypts_the_new_topic() -> None:
    stack = _stack("OwnKey")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    alarms = LambdaAlarms(stack, "Alarms", functions=[plain_function(stack, "Fn")], topic_key=key)
    template = Template.from_stack(stack)
    assert alarms.topic_key is key
    template.resource_count_is("AWS::KMS::Key", 1)
    template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [_logical_id(stack, key), "Arn"]}}
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {"KeyPolicy": {"Statement": Match.array_with([Match.object_like({"Sid": "AllowCloudWatchAlarmsToPublish"})])}},
    )


def test_an_imported_topic_key_gets_a_warning_about_its_policy() -> None:
    stack = _stack("ImportedKey")
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    LambdaAlarms(stack, "Alarms", functions=[plain_function(stack, "Fn")], topic_key=key)
    warnings = Annotations.from_stack(stack).find_warning(
        "/ImportedKey/Alarms", Match.string_like_regexp("cloudwatch.amazonaws.com")
    )
    assert len(warnings) == 1
