"""The example app (QueueProcessor, EventFanout, SagaWorkflow, LambdaAlarms) on the local cloud, end to end."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from serverless_patterns.local.cloud import DENIALS_LOG_GROUP, LocalCloud
from serverless_patterns.local.put_events import UnmatchedEventWarning
from serverless_patterns.local.pytest_plugin import LocalApp

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def sns_may_send(queue_arn: str, topic_arn: str) -> str:
    sys.path.insert(0, str(REPO))
    from examples.order_system.scenario import sns_may_send as policy

    return policy(queue_arn, topic_arn)


@pytest.fixture(scope="module")
def app(order_system_app: cdk.App) -> Iterator[LocalApp]:
    with LocalCloud() as cloud:
        deployment = cloud.deploy(order_system_app.outdir, replace=True)
        yield LocalApp(cloud, deployment)
        cloud.destroy(deployment)


def _order(order_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "customerId": "c-1",
        "amount": 120,
        "card": "4111111111111111",
        "items": [{"sku": "pen", "quantity": 2}],
        **extra,
    }


def _stock(app: LocalApp, sku: str, available: int) -> None:
    app.client("dynamodb").put_item(
        TableName=app.table_name("WorkflowState"),
        Item={"pk": {"S": f"stock#{sku}"}, "available": {"N": str(available)}},
    )


def _workflow_item(app: LocalApp, key: str) -> dict[str, Any] | None:
    item = app.client("dynamodb").get_item(TableName=app.table_name("WorkflowState"), Key={"pk": {"S": key}})
    return item.get("Item")


# -- QueueProcessor ----------------------------------------------------------------------------
def test_ingest_stores_each_order_once_and_the_poison_record_reaches_the_dlq(app: LocalApp) -> None:
    sqs = app.client("sqs")
    entries = [{"Id": str(n), "MessageBody": json.dumps(_order(f"q-{n}"))} for n in range(6)]
    entries.append({"Id": "poison", "MessageBody": json.dumps({"orderId": "bad"})})
    sqs.send_message_batch(QueueUrl=app.queue_url("Ingest/Queue"), Entries=entries)
    app.wait_until_idle()
    items = app.client("dynamodb").scan(TableName=app.table_name("Orders/Table"))["Items"]
    stored = {item["id"]["S"]: item["version"]["N"] for item in items if item["id"]["S"].startswith("q-")}
    assert stored == {f"q-{n}": "1" for n in range(6)}
    dead = app.receive_all("Ingest/DeadLetterQueue", wait_seconds=2)
    assert [json.loads(message["Body"]) for message in dead] == [{"orderId": "bad"}]
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= 1
    assert app.receive_all("Ingest/Queue") == []


# -- SagaWorkflow --------------------------------------------------------------------------------
def _mail_already_tried(app: LocalApp, order_id: str) -> None:
    """The example's mail service fails each order's first attempt: count one attempt as made."""
    app.client("dynamodb").put_item(
        TableName=app.table_name("WorkflowState"),
        Item={"pk": {"S": f"notification#{order_id}"}, "attempts": {"N": "1"}},
    )


def test_saga_happy_path_charges_reserves_and_notifies(app: LocalApp) -> None:
    _stock(app, "pen", 10)
    _mail_already_tried(app, "s-ok")
    result = app.run_execution("OrderSaga", _order("s-ok"))
    assert result["status"] == "SUCCEEDED", result
    assert _workflow_item(app, "payment#s-ok")["status"]["S"] == "CHARGED"  # type: ignore[index]
    assert _workflow_item(app, "reservation#s-ok")["status"]["S"] == "RESERVED"  # type: ignore[index]
    assert _workflow_item(app, "notification#s-ok")["attempts"]["N"] == "2"  # type: ignore[index]


def test_saga_retries_the_transient_mail_failure_and_succeeds(app: LocalApp) -> None:
    # The example's notify step retries EmailTemporarilyUnavailableError (the mail service fails
    # each order's first attempt), so the saga succeeds without compensating.
    _stock(app, "pen", 10)
    result = app.run_execution("OrderSaga", _order("s-mail"))
    assert result["status"] == "SUCCEEDED", result
    assert _workflow_item(app, "notification#s-mail")["attempts"]["N"] == "2"  # type: ignore[index]
    assert _workflow_item(app, "reservation#s-mail")["status"]["S"] == "RESERVED"  # type: ignore[index]
    assert _workflow_item(app, "payment#s-mail")["status"]["S"] == "CHARGED"  # type: ignore[index]


def test_saga_invalid_order_fails_before_any_step(app: LocalApp) -> None:
    result = app.run_execution("OrderSaga", _order("s-invalid", items=[]))
    assert result["status"] == "FAILED"
    assert _workflow_item(app, "payment#s-invalid") is None


def test_saga_declined_payment_needs_no_compensation(app: LocalApp) -> None:
    result = app.run_execution("OrderSaga", _order("s-declined", card="4000000000000000"))
    assert result["status"] == "FAILED"
    assert _workflow_item(app, "payment#s-declined") is None
    assert _workflow_item(app, "reservation#s-declined") is None


def test_saga_out_of_stock_refunds_the_payment(app: LocalApp) -> None:
    _stock(app, "rare", 0)
    result = app.run_execution("OrderSaga", _order("s-stock", items=[{"sku": "rare", "quantity": 1}]))
    assert result["status"] == "FAILED"
    assert _workflow_item(app, "payment#s-stock")["status"]["S"] == "REFUNDED"  # type: ignore[index]
    assert _workflow_item(app, "reservation#s-stock") is None


# -- EventFanout ---------------------------------------------------------------------------------
def test_place_orders_publishes_through_the_publisher_layer(app: LocalApp) -> None:
    # EventFanout.attach_publisher: the handler does `from event_publisher import publish` (the layer).
    _stock(app, "pen", 10)
    _mail_already_tried(app, "p-1")
    payload, error = app.invoke("PlaceOrders", {"orders": [_order("p-1")]})
    assert error is None, payload
    assert len(payload["eventIds"]) == 1
    app.wait_until_idle(executions=True)
    for handler in ("email", "inventory", "warehouse"):
        assert _workflow_item(app, f"event#p-1#{handler}") is not None, handler
    assert _workflow_item(app, "payment#p-1")["status"]["S"] == "CHARGED"  # type: ignore[index]


def test_the_deploy_notes_the_layers_it_maps(app: LocalApp) -> None:
    notes = app.deployment.stacks[0].notes
    powertools = [note for note in notes if "017000801446:layer:AWSLambdaPowertoolsPythonV3" in note]
    assert powertools and all("mapped to the installed aws-lambda-powertools" in note for note in powertools)
    assert not [note for note in notes if "not available locally" in note]


def test_order_placed_reaches_every_handler_and_starts_the_saga(app: LocalApp) -> None:
    _stock(app, "pen", 10)
    _mail_already_tried(app, "e-1")
    sfn = app.client("stepfunctions")
    machine = app.state_machine_arn("OrderSaga")
    before = len(sfn.list_executions(stateMachineArn=machine)["executions"])
    app.put_event("shop.orders", "OrderPlaced", _order("e-1"), bus="OrderEvents/Bus")
    app.wait_until_idle(executions=True)
    for handler in ("email", "inventory", "warehouse"):
        assert _workflow_item(app, f"event#e-1#{handler}") is not None, handler
    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert len(executions) == before + 1
    assert _workflow_item(app, "payment#e-1")["status"]["S"] == "CHARGED"  # type: ignore[index]


def test_other_events_are_filtered_out(app: LocalApp) -> None:
    # The app has one custom bus: put_event puts on it without being told.
    with pytest.warns(UnmatchedEventWarning, match="no rule on event bus .* matches the event"):
        assert app.put_event("shop.orders", "OrderCancelled", _order("e-2")).matched_rules == ()
    with pytest.warns(UnmatchedEventWarning):
        app.put_event("other.source", "OrderPlaced", _order("e-3"))
    app.wait_until_idle()
    assert _workflow_item(app, "event#e-2#email") is None
    assert _workflow_item(app, "event#e-3#email") is None


def test_sns_does_not_deliver_to_a_queue_whose_policy_does_not_allow_it(app: LocalApp) -> None:
    # SNS sends to an SQS subscriber as sns.amazonaws.com; without a queue policy that allows it
    # AWS delivers nothing (https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html).
    sqs = app.client("sqs")
    url = sqs.create_queue(QueueName="alert-spy-without-policy")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    app.client("sns").subscribe(TopicArn=app.topic_arn("HighValueAlerts"), Protocol="sqs", Endpoint=arn)
    app.put_event("shop.orders", "OrderPlaced", _order("e-unseen", amount=5000), bus="OrderEvents/Bus")
    app.wait_until_idle()
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
    denied = [denial for denial in app.denials() if denial.resource == arn]
    assert denied and denied[0].principal == "sns.amazonaws.com" and denied[0].action == "sqs:SendMessage"
    # `serverless-patterns local denials` prints this log group.
    events = app.client("logs").filter_log_events(logGroupName=DENIALS_LOG_GROUP)["events"]
    assert any(json.loads(event["message"])["resource"] == arn for event in events)


def test_only_high_value_orders_reach_the_alert_topic(app: LocalApp) -> None:
    sqs = app.client("sqs")
    url = sqs.create_queue(QueueName="alert-spy")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = app.topic_arn("HighValueAlerts")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": sns_may_send(arn, topic)})
    app.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    app.put_event("shop.orders", "OrderPlaced", _order("e-small", amount=50), bus="OrderEvents/Bus")
    app.put_event("shop.orders", "OrderPlaced", _order("e-big", amount=5000), bus="OrderEvents/Bus")
    app.wait_until_idle()
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    orders = [json.loads(json.loads(message["Body"])["Message"])["detail"]["orderId"] for message in received]
    assert orders == ["e-big"]


def test_a_failing_target_lands_in_the_route_dlq_after_lambda_retries(app: LocalApp) -> None:
    # An order-placed event without an orderId makes each handler raise (KeyError).
    app.put_event("shop.orders", "OrderPlaced", {"amount": 5, "items": []}, bus="OrderEvents/Bus")
    app.wait_until_idle()
    dead = app.receive_all("OrderEvents/OrderPlaced/DeadLetterQueue", wait_seconds=2)
    records = [json.loads(message["Body"]) for message in dead]
    failed = {record["requestContext"]["functionArn"].split(":")[6] for record in records}
    assert failed == {app.function_name(name) for name in ("SendOrderEmail", "UpdateInventory", "NotifyWarehouse")}
    assert len(records) == 3, records
    assert all(record["requestContext"]["condition"] == "RetriesExhausted" for record in records)
    assert all(record["requestContext"]["approximateInvokeCount"] == 3 for record in records)
    assert all(record["requestPayload"]["detail"] == {"amount": 5, "items": []} for record in records)
    assert all(record["responsePayload"]["errorType"] == "KeyError" for record in records)


# -- LambdaAlarms --------------------------------------------------------------------------------
def test_an_alarm_set_to_alarm_emails_the_on_call_address(app: LocalApp) -> None:
    # CloudWatch publishes to the alarm topic as cloudwatch.amazonaws.com; the topic policy and the
    # topic key's policy must both let it (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
    alarm = next(alarm for alarm in app.cloud.alarms.all() if alarm.actions.get("ALARM"))
    actions = app.set_alarm_state(alarm.name, "ALARM", "threshold crossed in a test")
    assert actions and all(action.delivered for action in actions), actions
    emails = [email for email in app.emails() if alarm.name in email["message"]]
    assert [email["to"] for email in emails] == ["ops-team@example.com"]
    assert json.loads(emails[0]["message"])["NewStateValue"] == "ALARM"
    assert emails[0]["subject"].startswith(f'ALARM: "{alarm.name}"')
    # Setting the same state again is no change: CloudWatch runs no action.
    assert app.set_alarm_state(alarm.name, "ALARM") == []


def test_api_gateway_refusals_come_in_the_librarys_error_envelope(app: LocalApp) -> None:
    # The CrudRestApi's gateway responses (BAD_REQUEST_BODY, DEFAULT_4XX) apply to what API Gateway
    # refuses itself, as on AWS:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
    status, body = app.request("POST", "users", {"email": "ada@example.com"})
    assert (status, body) == (
        400,
        {"error": {"code": "BAD_REQUEST_BODY", "message": "Invalid request body", "details": []}},
    )
    status, body = app.request("GET", "no-such-resource")
    assert (status, body) == (
        403,
        {"error": {"code": "MISSING_AUTHENTICATION_TOKEN", "message": "Missing Authentication Token", "details": []}},
    )
    status, body = app.request("GET", "users", signed=False)
    assert (status, body["error"]["code"]) == (403, "MISSING_AUTHENTICATION_TOKEN")
