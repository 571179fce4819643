"""EventFanout's publisher on the local cloud, and putting events on an app's bus (issue #12, items 2-4).

A stack that calls ``attach_publisher`` or ``grant_put_events`` deploys, its role's policy names
the bus by its ARN (the IAM enforcement reads it: a wrong ARN would be a denial), and a handler
publishes with ``from event_publisher import publish`` through the publisher layer.
``put_event`` / ``put-events`` default to the app's bus as described in ``docs/local.md``;
EventBridge itself puts an entry without ``EventBusName`` on the default bus
(https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Fn, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from serverless_patterns.cli import main
from serverless_patterns.event_fanout import EventFanout, FanoutRoute
from serverless_patterns.local import Deployment, LocalCloud, LocalCloudError
from serverless_patterns.local.cloud import DeployedStack
from serverless_patterns.local.put_events import UnmatchedEventWarning, bus_for
from serverless_patterns.local.pytest_plugin import LocalApp
from serverless_patterns.local.resolve import DeployedResource

pytestmark = pytest.mark.e2e

HANDLERS = Path(__file__).parent / "handlers"
BUS_NAME = "local-publisher-orders"


def build_publisher_app(outdir: str) -> str:
    """One EventFanout bus; a function attached as publisher, one granted PutEvents, one not granted."""
    app = App(outdir=outdir)
    stack = Stack(app, "LocalPublisher")
    sink = sqs.Queue(stack, "Sink")
    fanout = EventFanout(
        stack,
        "Orders",
        event_bus_name=BUS_NAME,
        routes=[
            FanoutRoute(
                name="Placed",
                event_pattern=events.EventPattern(source=["shop"], detail_type=["OrderPlaced"]),
                targets=[sink],
            )
        ],
    )

    def function(id: str, folder: str) -> lambda_.Function:
        return lambda_.Function(
            stack,
            id,
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(HANDLERS / folder)),
        )

    fanout.attach_publisher(function("Publisher", "publisher"))
    granted = function("Granted", "raw_publisher")
    granted.add_environment("EVENT_BUS_NAME", fanout.event_bus_name)
    fanout.grant_put_events(granted)
    function("NotGranted", "raw_publisher").add_environment("EVENT_BUS_NAME", fanout.event_bus_name)
    # Hand-written policies naming the bus with Fn::Sub (a ${Bus} reference) and Fn::Join (format_arn).
    bus_id = stack.resolve(fanout.event_bus.node.default_child.logical_id)  # type: ignore[union-attr]
    by_sub = Fn.sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${" + bus_id + "}")
    by_join = stack.format_arn(service="events", resource="event-bus", resource_name=fanout.event_bus_name)
    for name, resource in (("GrantedBySub", by_sub), ("GrantedByJoin", by_join)):
        granted = function(name, "raw_publisher")
        granted.add_environment("EVENT_BUS_NAME", fanout.event_bus_name)
        granted.add_to_role_policy(iam.PolicyStatement(actions=["events:PutEvents"], resources=[resource]))
    app.synth()
    return outdir


@pytest.fixture(scope="module")
def cloud(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCloud, Deployment]]:
    cdk_out = build_publisher_app(str(tmp_path_factory.mktemp("publisher") / "cdk.out"))
    with LocalCloud(endpoint_url=moto_server) as local:
        deployment = local.deploy(cdk_out, replace=True)
        yield local, deployment
        local.destroy(deployment)


@pytest.fixture
def app(cloud: tuple[LocalCloud, Deployment]) -> LocalApp:
    return LocalApp(*cloud)


def _invoke(app: LocalApp, function: str, event: Any) -> Any:
    payload, error = app.invoke(function, event)
    assert error is None, payload
    return payload


def _sink_details(app: LocalApp) -> list[dict[str, Any]]:
    app.wait_until_idle()
    return [json.loads(message["Body"])["detail"] for message in app.receive_all("Sink", wait_seconds=5)]


# -- item 3: the stack deploys and its policies hold the bus ARN ----------------------------------
def test_the_publishers_role_policy_names_the_bus_by_its_arn(app: LocalApp) -> None:
    iam = app.client("iam")
    role_arn = app.client("lambda").get_function_configuration(FunctionName=app.function_name("Publisher"))["Role"]
    role = role_arn.rsplit("/", 1)[-1]
    documents = [
        iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    statements = [statement for document in documents for statement in document["Statement"]]
    assert {
        "Action": "events:PutEvents",
        "Effect": "Allow",
        "Resource": f"arn:aws:events:us-east-1:123456789012:event-bus/{BUS_NAME}",
    } in statements


def test_a_handler_publishes_with_the_documented_import(app: LocalApp) -> None:
    event_ids = _invoke(app, "Publisher", {"orderId": "p-1", "amount": 12})
    assert len(event_ids) == 1
    assert {"orderId": "p-1", "amount": 12} in _sink_details(app)


def test_grant_put_events_allows_the_bus_and_nothing_else_does(app: LocalApp) -> None:
    assert _invoke(app, "Granted", {"orderId": "g-1"}) == {"failed": 0}
    assert _invoke(app, "GrantedBySub", {"orderId": "g-2"}) == {"failed": 0}
    assert _invoke(app, "GrantedByJoin", {"orderId": "g-3"}) == {"failed": 0}
    denied = _invoke(app, "NotGranted", {"orderId": "n-1"})
    assert denied["error"] == "AccessDeniedException"
    assert (
        f"events:PutEvents on resource: arn:aws:events:us-east-1:123456789012:event-bus/{BUS_NAME}"
        in (denied["message"])
    )
    details = _sink_details(app)
    assert all({"orderId": order_id} in details for order_id in ("g-1", "g-2", "g-3")), details


# -- item 4: put_event and put-events default to the app's one bus --------------------------------
def test_put_event_defaults_to_the_apps_only_bus(app: LocalApp) -> None:
    result = app.put_event("shop", "OrderPlaced", {"orderId": "d-1"})
    assert result.bus == BUS_NAME
    assert len(result.matched_rules) == 1
    assert {"orderId": "d-1"} in _sink_details(app)


def test_put_event_warns_when_no_rule_matches(app: LocalApp) -> None:
    with pytest.warns(UnmatchedEventWarning, match=f"no rule on event bus {BUS_NAME} matches the event"):
        result = app.put_event("shop", "OrderCancelled", {"orderId": "u-1"})
    assert result.matched_rules == ()


def test_put_event_on_the_default_bus_when_asked(app: LocalApp) -> None:
    with pytest.warns(UnmatchedEventWarning, match="no rule on event bus default"):
        assert app.put_event("shop", "OrderPlaced", {"orderId": "x"}, bus="default").bus == "default"


def _two_buses() -> Deployment:
    buses = {
        logical_id: DeployedResource("App", logical_id, "AWS::Events::EventBus", name, f"App/{path}/Resource")
        for logical_id, name, path in (("OrdersBus", "orders", "Orders/Bus"), ("AuditBus", "audit", "Audit/Bus"))
    }
    return Deployment([DeployedStack("App", {}, buses, [])], api_urls={})


def test_fails_when_the_bus_is_ambiguous() -> None:
    with pytest.raises(LocalCloudError, match=r"^the app has 2 event buses \(Audit/Bus, Orders/Bus\): say which one"):
        bus_for(_two_buses(), None)
    assert bus_for(_two_buses(), "Audit/Bus") == "audit"


def test_an_app_without_a_custom_bus_puts_on_the_default_bus() -> None:
    assert bus_for(Deployment([], api_urls={}), None) == "default"


# -- the command line -----------------------------------------------------------------------------
def _state(cloud: tuple[LocalCloud, Deployment], path: Path, *extra: DeployedResource) -> list[str]:
    local, deployment = cloud
    resources = [vars(resource) for resource in (*deployment.resources(), *extra)]
    state = {"pid": os.getpid(), "endpoint_url": local.endpoint_url, "region": local.region, "resources": resources}
    path.write_text(json.dumps(state))
    return ["--state", str(path)]


def test_put_events_command_defaults_to_the_apps_bus_and_names_the_matched_rule(
    cloud: tuple[LocalCloud, Deployment], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = _state(cloud, tmp_path / "state.json")
    arguments = ["local", "put-events", "--source", "shop", "--detail-type", "OrderPlaced", "--detail", '{"c": 1}']
    assert main([*arguments, *state]) == 0
    entries, line = capsys.readouterr().out.splitlines()
    assert "EventId" in json.loads(entries)[0]
    assert f"on event bus {BUS_NAME} matches LocalPublisher-" in line


def test_put_events_command_says_when_no_rule_matches(
    cloud: tuple[LocalCloud, Deployment], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = _state(cloud, tmp_path / "state.json")
    assert main(["local", "put-events", "--source", "nobody", "--detail-type", "Nothing", *state]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"no rule on event bus {BUS_NAME} matches the event: EventBridge accepted it and delivers it nowhere"
    )


def test_put_events_command_refuses_an_ambiguous_bus(
    cloud: tuple[LocalCloud, Deployment], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = DeployedResource("LocalPublisher", "AuditBus", "AWS::Events::EventBus", "audit", "LocalPublisher/Audit/Bus")
    state = _state(cloud, tmp_path / "state.json", other)
    assert main(["local", "put-events", "--source", "shop", "--detail-type", "OrderPlaced", *state]) == 2
    error = capsys.readouterr().err.strip()
    assert error.endswith("the app has 2 event buses (Audit/Bus, Orders/Bus): say which one to put the event on")
    assert "\n" not in error
