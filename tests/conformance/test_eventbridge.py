"""EventBridge: pattern matching, target input, retries and target DLQs, PutEvents, the default bus."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs

from serverless_patterns import EventFanout, FanoutRoute, FanoutTarget
from serverless_patterns.local.pytest_plugin import LocalApp
from tests.conformance.apps import deployed_from, function, recorded_by, records
from tests.conformance.conftest import behaviour

pytestmark = pytest.mark.e2e

PATTERNS: dict[str, dict[str, Any]] = {
    "Exact": {"color": ["red"]},
    "Prefix": {"sku": [{"prefix": "AB-"}]},
    "Suffix": {"file": [{"suffix": ".png"}]},
    "IgnoreCase": {"team": [{"equals-ignore-case": "ops"}]},
    "Numeric": {"amount": [{"numeric": [">", 10, "<=", 100]}]},
    "AnythingBut": {"state": [{"anything-but": ["cancelled"]}]},
    "Exists": {"coupon": [{"exists": True}]},
}


def build_app(outdir: str) -> str:
    app = App(outdir=outdir)
    stack = Stack(app, "ConformanceEvents")
    bus = events.EventBus(stack, "Bus")
    doomed = function(stack, "Doomed", "recorder")
    # The library's fan-out: one route (rule, targets, DLQ) per pattern under test.
    routes = [
        FanoutRoute(
            name=name,
            event_pattern=events.EventPattern(source=[f"conf.{name}"], detail=detail),
            targets=[sqs.Queue(stack, name)],
        )
        for name, detail in PATTERNS.items()
    ]
    routes.append(
        FanoutRoute(
            name="Doomed",
            event_pattern=events.EventPattern(source=["conf.doomed"]),
            targets=[FanoutTarget(destination=doomed, retry_attempts=1)],
        )
    )
    EventFanout(stack, "Fanout", event_bus=bus, routes=routes, removal_policy=RemovalPolicy.DESTROY)
    either = events.Rule(stack, "OrRule", event_bus=bus, event_pattern=events.EventPattern(source=["conf.Or"]))
    either.add_target(targets.SqsQueue(sqs.Queue(stack, "Or")))
    either.node.default_child.add_property_override(  # type: ignore[union-attr]
        "EventPattern.$or", [{"detail": {"color": ["red"]}}, {"detail": {"size": [{"numeric": [">", 5]}]}}]
    )

    by_path = events.Rule(stack, "PathRule", event_bus=bus, event_pattern=events.EventPattern(source=["conf.path"]))
    by_path.add_target(
        targets.SqsQueue(sqs.Queue(stack, "InputPath"), message=events.RuleTargetInput.from_event_path("$.detail"))
    )
    transform = events.Rule(
        stack, "TransformRule", event_bus=bus, event_pattern=events.EventPattern(source=["conf.transform"])
    )
    transform.add_target(
        targets.SqsQueue(
            sqs.Queue(stack, "Transformed"),
            message=events.RuleTargetInput.from_object(
                {"who": events.EventField.from_path("$.detail.name"), "kind": "greeting"}
            ),
        )
    )

    recorder = function(stack, "Recorder", "recorder")
    recorded_by(stack, recorder)
    to_lambda = events.Rule(
        stack, "LambdaRule", event_bus=bus, event_pattern=events.EventPattern(source=["conf.lambda"])
    )
    to_lambda.add_target(targets.LambdaFunction(recorder))

    # A target whose function has no resource policy for EventBridge (L1: no permission is added).
    unpermitted = function(stack, "Unpermitted", "recorder")
    recorded_by(stack, unpermitted)
    refused_dlq = sqs.Queue(stack, "RefusedDlq")
    refused_dlq.grant_send_messages(iam.ServicePrincipal("events.amazonaws.com"))
    events.CfnRule(
        stack,
        "UnpermittedRule",
        event_bus_name=bus.event_bus_name,
        event_pattern={"source": ["conf.unpermitted"]},
        targets=[
            events.CfnRule.TargetProperty(
                id="Unpermitted",
                arn=unpermitted.function_arn,
                dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=refused_dlq.queue_arn),
                retry_policy=events.CfnRule.RetryPolicyProperty(maximum_retry_attempts=0),
            )
        ],
    )

    on_default = events.Rule(stack, "DefaultBusRule", event_pattern=events.EventPattern(source=["conf.default"]))
    on_default.add_target(targets.SqsQueue(sqs.Queue(stack, "DefaultBusQueue")))
    on_default.add_target(targets.LambdaFunction(recorder, max_event_age=Duration.minutes(1)))
    app.synth()
    return outdir


local_cdk_out = deployed_from(build_app)


def _put(app: LocalApp, source: str, *details: dict[str, Any]) -> None:
    """Put events on the app's bus with boto3 (non-matching ones too: they must go nowhere)."""
    bus = app.event_bus_name("Bus")
    entries = [
        {"Source": source, "DetailType": "Conformance", "Detail": json.dumps(detail), "EventBusName": bus}
        for detail in details
    ]
    assert app.client("events").put_events(Entries=entries)["FailedEntryCount"] == 0


def _delivered(app: LocalApp, queue: str) -> list[Any]:
    app.wait_until_idle()
    return [json.loads(message["Body"]) for message in app.receive_all(queue)]


def _matched_ids(app: LocalApp, name: str, *details: dict[str, Any]) -> list[str]:
    _put(app, f"conf.{name}", *details)
    return sorted(event["detail"]["id"] for event in _delivered(app, name))


# -- pattern matching ------------------------------------------------------------------------
@behaviour("EventBridge", "an exact value in a pattern matches only that value")
def test_eventbridge_exact_match(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"""
    assert _matched_ids(local_app, "Exact", {"id": "1", "color": "red"}, {"id": "2", "color": "blue"}) == ["1"]


@behaviour("EventBridge", "prefix matching")
def test_eventbridge_prefix_match(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"""
    assert _matched_ids(local_app, "Prefix", {"id": "1", "sku": "AB-9"}, {"id": "2", "sku": "XAB-9"}) == ["1"]


@behaviour("EventBridge", "suffix matching")
def test_eventbridge_suffix_match(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"""
    assert _matched_ids(local_app, "Suffix", {"id": "1", "file": "a.png"}, {"id": "2", "file": "a.png.txt"}) == ["1"]


@behaviour("EventBridge", "equals-ignore-case matching")
def test_eventbridge_equals_ignore_case_match(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"""
    assert _matched_ids(local_app, "IgnoreCase", {"id": "1", "team": "OpS"}, {"id": "2", "team": "dev"}) == ["1"]


@behaviour("EventBridge", "numeric range matching")
def test_eventbridge_numeric_range_match(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"""
    details: list[dict[str, Any]] = [
        {"id": "10", "amount": 10},
        {"id": "11", "amount": 11},
        {"id": "100", "amount": 100},
    ]
    assert _matched_ids(local_app, "Numeric", *details, {"id": "101", "amount": 101}) == ["100", "11"]


@behaviour("EventBridge", "anything-but matching")
def test_eventbridge_anything_but_match(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"""
    details = [{"id": "1", "state": "open"}, {"id": "2", "state": "cancelled"}]
    assert _matched_ids(local_app, "AnythingBut", *details) == ["1"]


@behaviour("EventBridge", "exists matching")
def test_eventbridge_exists_match(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"""
    assert _matched_ids(local_app, "Exists", {"id": "1", "coupon": "X"}, {"id": "2"}) == ["1"]


@behaviour("EventBridge", "$or matches when any of its patterns matches")
def test_eventbridge_or_match(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"""
    details: list[dict[str, Any]] = [
        {"id": "1", "color": "red"},
        {"id": "2", "size": 6},
        {"id": "3", "color": "blue", "size": 1},
    ]
    assert _matched_ids(local_app, "Or", *details) == ["1", "2"]


# -- target input ----------------------------------------------------------------------------
@behaviour("EventBridge", "InputPath sends the selected part of the event to the target")
def test_eventbridge_input_path_selects_part_of_the_event(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html"""
    _put(local_app, "conf.path", {"name": "Ada"})
    assert _delivered(local_app, "InputPath") == [{"name": "Ada"}]


@behaviour(
    "EventBridge",
    "an InputTransformer fills its template from the event (a string into an unquoted placeholder is quoted)",
)
def test_eventbridge_input_transformer_fills_the_template(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html"""
    _put(local_app, "conf.transform", {"name": "Grace"})
    assert _delivered(local_app, "Transformed") == [{"who": "Grace", "kind": "greeting"}]


@behaviour("EventBridge", "a Lambda target receives the whole event: version, id, detail-type, source, time, detail")
def test_eventbridge_lambda_target_receives_the_event(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html"""
    _put(local_app, "conf.lambda", {"id": "to-lambda"})
    local_app.wait_until_idle()
    [event] = records(local_app, "RecorderRecords")
    assert (event["version"], event["source"], event["detail-type"]) == ("0", "conf.lambda", "Conformance")
    assert (event["account"], event["region"], event["detail"]) == ("123456789012", "us-east-1", {"id": "to-lambda"})
    assert event["id"]
    assert event["time"].endswith("Z")
    assert event["resources"] == []


# -- delivery failures -----------------------------------------------------------------------
@behaviour(
    "EventBridge", "an undeliverable event goes to the target DLQ with RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE"
)
def test_eventbridge_undeliverable_event_goes_to_the_target_dlq_with_error_attributes(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html"""
    local_app.client("lambda").delete_function(FunctionName=local_app.function_name("Doomed"))
    _put(local_app, "conf.doomed", {"id": "lost"})
    local_app.wait_until_idle()
    [message] = local_app.receive_all("Fanout/Doomed/DeadLetterQueue", wait_seconds=5)
    assert json.loads(message["Body"])["detail"] == {"id": "lost"}
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"].startswith("arn:aws:events:us-east-1:123456789012:rule/")
    assert attributes["TARGET_ARN"].endswith(":function:" + local_app.function_name("Doomed"))
    assert attributes["ERROR_CODE"]
    assert attributes["ERROR_MESSAGE"]


@behaviour("IAM", "EventBridge cannot invoke a function whose resource policy does not allow events.amazonaws.com")
def test_iam_eventbridge_needs_the_function_resource_policy(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html"""
    _put(local_app, "conf.unpermitted", {"id": "refused"})
    local_app.wait_until_idle()
    [message] = local_app.receive_all("RefusedDlq", wait_seconds=5)
    assert json.loads(message["Body"])["detail"] == {"id": "refused"}
    assert records(local_app, "UnpermittedRecords", at_least=0, wait_seconds=0) == []
    refused = [denial for denial in local_app.denials() if denial.principal == "events.amazonaws.com"]
    assert [denial.action for denial in refused] == ["lambda:InvokeFunction"]


# -- PutEvents -------------------------------------------------------------------------------
@behaviour("EventBridge", "PutEvents answers FailedEntryCount and one EventId per entry, in order")
def test_eventbridge_put_events_answers_an_event_id_per_entry(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html"""
    bus = local_app.event_bus_name("Bus")
    entries = [
        {"Source": "conf.none", "DetailType": "T", "Detail": json.dumps({"n": n}), "EventBusName": bus}
        for n in range(3)
    ]
    response = local_app.client("events").put_events(Entries=entries)
    assert response["FailedEntryCount"] == 0
    assert len(response["Entries"]) == 3
    assert all(entry["EventId"] for entry in response["Entries"])
    assert len({entry["EventId"] for entry in response["Entries"]}) == 3


@behaviour("EventBridge", "an entry whose Detail is not a JSON object fails alone, with an ErrorCode")
def test_eventbridge_put_events_reports_a_malformed_entry(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html"""
    bus = local_app.event_bus_name("Bus")
    good = {"Source": "conf.none", "DetailType": "T", "Detail": "{}", "EventBusName": bus}
    response = local_app.client("events").put_events(Entries=[good, {**good, "Detail": "not json"}])
    assert response["FailedEntryCount"] == 1
    assert response["Entries"][0]["EventId"]
    assert response["Entries"][1]["ErrorCode"]


@behaviour("EventBridge", "an event put without EventBusName goes to the default bus and its rules")
def test_eventbridge_default_bus_receives_events_without_a_bus_name(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html"""
    response = local_app.client("events").put_events(
        Entries=[{"Source": "conf.default", "DetailType": "T", "Detail": json.dumps({"id": "on-default"})}]
    )
    assert response["FailedEntryCount"] == 0
    assert [event["detail"] for event in _delivered(local_app, "DefaultBusQueue")] == [{"id": "on-default"}]
    assert [event["detail"] for event in records(local_app, "RecorderRecords")] == [{"id": "on-default"}]
