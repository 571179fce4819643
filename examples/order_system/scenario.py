"""A scripted day of the order system, driven through its real interfaces on the local cloud.

Creates a user through the REST API, places three orders (a normal one, a high-value one and
one that runs out of stock) by storing them through the API and invoking the ``PlaceOrders``
function, which publishes ``OrderPlaced`` events through the bus's publisher layer; ingests a
batch with one bad record through the queue, and reports what happened: HTTP statuses, the
events each handler received, the high-value alert, each saga's outcome with its
compensations, and the dead-letter queue's contents.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from serverless_patterns.local import Deployment, LocalCloud

ORDER_PLACED = "OrderPlaced"
STOCK = {"pen": 100, "lamp": 3}


@dataclass
class SagaOutcome:
    """How one order's saga ended."""

    order_id: str
    label: str
    status: str
    error: str | None
    cause: str | None
    payment: str | None
    reservation: str | None


@dataclass
class Outcome:
    """Everything the scenario observed, for printing and for tests."""

    user_status: int = 0
    user: dict[str, Any] = field(default_factory=dict)
    invalid_user_status: int = 0
    invalid_user: dict[str, Any] = field(default_factory=dict)
    order_statuses: dict[str, int] = field(default_factory=dict)
    handled_events: dict[str, list[str]] = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)
    sagas: list[SagaOutcome] = field(default_factory=list)
    ingested: list[str] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    stock: dict[str, int] = field(default_factory=dict)


class Scenario:
    """Drives the deployed order system; ``run()`` returns the :class:`Outcome`."""

    def __init__(self, cloud: LocalCloud, deployment: Deployment, say: Callable[[str], None] = print) -> None:
        self.cloud = cloud
        self.deployment = deployment
        self.say = say
        self.dynamodb = cloud.client("dynamodb")
        self.workflow_table = deployment.table_name("WorkflowState")
        self.orders_table = deployment.table_name("Orders/Table")

    # -- helpers -------------------------------------------------------------------------------
    def _http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        url = self.deployment.api_url() + path
        headers = {"Content-Type": "application/json"}
        # The API uses IAM authorization: sign as an AWS SDK would (the local cloud checks it as API Gateway does).
        headers.update(self.cloud.sign(method, url, headers, data or b""))
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def _workflow_item(self, key: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.dynamodb.get_item(
            TableName=self.workflow_table, Key={"pk": {"S": key}}, ConsistentRead=True
        ).get("Item")
        return item

    def _status_of(self, key: str) -> str | None:
        item = self._workflow_item(key)
        return item["status"]["S"] if item and "status" in item else None

    # -- the day -------------------------------------------------------------------------------
    def run(self) -> Outcome:
        outcome = Outcome()
        for sku, available in STOCK.items():
            self.dynamodb.put_item(
                TableName=self.workflow_table,
                Item={"pk": {"S": f"stock#{sku}"}, "available": {"N": str(available)}},
            )
        self.say(f"seeded stock: {', '.join(f'{sku}={n}' for sku, n in STOCK.items())}")

        outcome.user_status, outcome.user = self._http(
            "POST", "users", {"email": "ada@example.com", "name": "Ada Lovelace"}
        )
        self.say(f"POST /users -> {outcome.user_status} (id {outcome.user.get('id')})")
        # API Gateway's request validator refuses it (BAD_REQUEST_BODY); the API's gateway response
        # gives the library's error envelope, locally as on AWS.
        outcome.invalid_user_status, outcome.invalid_user = self._http("POST", "users", {"email": "not-an-email"})
        self.say(f"POST /users with a bad body -> {outcome.invalid_user_status} {json.dumps(outcome.invalid_user)}")
        customer = str(outcome.user.get("id", "unknown"))

        card = "4111111111111111"
        orders = {
            "normal": {"amount": 120, "items": [{"sku": "pen", "quantity": 2}]},
            "high-value": {"amount": 2500, "items": [{"sku": "lamp", "quantity": 1}]},
            "out-of-stock": {"amount": 300, "items": [{"sku": "lamp", "quantity": 5}]},
        }
        orders = {label: {"customerId": customer, "card": card, **order} for label, order in orders.items()}
        order_ids: dict[str, str] = {}
        for label, order in orders.items():
            status, stored = self._http("POST", "orders", {**order, "status": "PLACED"})
            outcome.order_statuses[label] = status
            order_ids[label] = str(stored["id"])
            self.say(f"POST /orders ({label}) -> {status} (id {stored['id']})")
        alert_queue = self._spy_on_alert_topic()
        placed = [{"orderId": order_ids[label], **order} for label, order in orders.items()]
        response = self.cloud.client("lambda").invoke(
            FunctionName=self.deployment.function_name("PlaceOrders"), Payload=json.dumps({"orders": placed})
        )
        result = json.loads(response["Payload"].read())
        if response.get("FunctionError"):
            raise RuntimeError(f"PlaceOrders failed: {result}")
        self.say(f"PlaceOrders published {len(result['eventIds'])} {ORDER_PLACED} events through the publisher layer")

        outcome.sagas = self._wait_for_sagas(order_ids)
        self.cloud.wait_until_idle()
        for label, order_id in order_ids.items():
            outcome.handled_events[label] = [
                handler
                for handler in ("email", "inventory", "warehouse")
                if self._workflow_item(f"event#{order_id}#{handler}") is not None
            ]
        outcome.alerts = self._alerts(alert_queue, order_ids)
        outcome.ingested, outcome.dead_letters = self._ingest_batch()
        for sku in STOCK:
            item = self._workflow_item(f"stock#{sku}")
            outcome.stock[sku] = int(item["available"]["N"]) if item else 0
        return outcome

    def _spy_on_alert_topic(self) -> str:
        """Subscribe a queue to the alert topic, standing in for the on-call e-mail."""
        sqs = self.cloud.client("sqs")
        url: str = sqs.create_queue(QueueName="scenario-alert-inbox")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        topic = self.deployment.topic_arn("HighValueAlerts")
        # SNS delivers to a queue only when the queue policy lets it, for this topic (as in AWS).
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": sns_may_send(arn, topic)})
        self.cloud.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        return url

    def _alerts(self, queue_url: str, order_ids: dict[str, str]) -> list[str]:
        by_id = {order_id: label for label, order_id in order_ids.items()}
        messages = self.cloud.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        alerts = []
        for message in messages.get("Messages", []):
            event = json.loads(json.loads(message["Body"])["Message"])
            alerts.append(by_id.get(event["detail"]["orderId"], event["detail"]["orderId"]))
        return alerts

    def _wait_for_sagas(self, order_ids: dict[str, str], timeout: float = 90.0) -> list[SagaOutcome]:
        sfn = self.cloud.client("stepfunctions")
        machine = self.deployment.state_machine_arn("OrderSaga")
        deadline = time.monotonic() + timeout
        while True:
            executions = sfn.list_executions(stateMachineArn=machine)["executions"]
            if len(executions) >= len(order_ids) and all(e["status"] != "RUNNING" for e in executions):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"sagas still running after {timeout} s: {executions}")
            time.sleep(0.2)
        by_order: dict[str, SagaOutcome] = {}
        for execution in executions:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            order_id = json.loads(described["input"])["detail"]["orderId"]
            label = next(label for label, known in order_ids.items() if known == order_id)
            by_order[order_id] = SagaOutcome(
                order_id=order_id,
                label=label,
                status=described["status"],
                error=described.get("error"),
                cause=described.get("cause", "").split(": {")[0] or None,
                payment=self._status_of(f"payment#{order_id}"),
                reservation=self._status_of(f"reservation#{order_id}"),
            )
            saga = by_order[order_id]
            self.say(
                f"saga {label}: {saga.status}{' (' + saga.error + ': ' + str(saga.cause) + ')' if saga.error else ''}; "
                f"payment {saga.payment}, reservation {saga.reservation}"
            )
        return [by_order[order_id] for order_id in order_ids.values()]

    def _ingest_batch(self) -> tuple[list[str], list[dict[str, Any]]]:
        sqs = self.cloud.client("sqs")
        records = [{"orderId": f"bulk-{n}", "customerId": "c-bulk", "amount": 10 + n} for n in range(3)]
        bodies = [json.dumps(record) for record in records] + [json.dumps({"orderId": "bulk-bad", "amount": -1})]
        sqs.send_message_batch(
            QueueUrl=self.deployment.queue_url("Ingest/Queue"),
            Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies)],
        )
        self.say(f"sent a batch of {len(bodies)} orders to the ingest queue (one invalid)")
        self.cloud.wait_until_idle()
        dlq = self.deployment.queue_url("Ingest/DeadLetterQueue")
        dead: list[dict[str, Any]] = []
        deadline = time.monotonic() + 15
        while not dead and time.monotonic() < deadline:
            dead = [
                json.loads(message["Body"])
                for message in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                    "Messages", []
                )
            ]
        ingested = sorted(
            item["id"]["S"]
            for item in self.dynamodb.scan(TableName=self.orders_table)["Items"]
            if item["id"]["S"].startswith("bulk-")
        )
        self.say(f"ingested {ingested}; dead-letter queue holds {dead}")
        return ingested, dead


def report(outcome: Outcome) -> str:
    """A readable summary of the scenario's outcome."""
    lines = [
        "",
        "What happened",
        f"  user created: HTTP {outcome.user_status}; invalid user rejected: HTTP {outcome.invalid_user_status}",
    ]
    for saga in outcome.sagas:
        lines.append(
            f"  order {saga.label:<12} HTTP {outcome.order_statuses[saga.label]}, events to "
            f"{', '.join(outcome.handled_events.get(saga.label, [])) or 'none'}; saga {saga.status}"
            f"{' with ' + saga.error if saga.error else ''} (payment {saga.payment}, reservation {saga.reservation})"
            + (f"\n{'':17}cause: {saga.cause}" if saga.cause else "")
        )
    lines.append(f"  high-value alerts: {', '.join(outcome.alerts) or 'none'}")
    lines.append(f"  bulk ingestion stored {len(outcome.ingested)} orders; DLQ: {outcome.dead_letters}")
    lines.append(f"  stock left: {', '.join(f'{sku}={n}' for sku, n in outcome.stock.items())}")
    return "\n".join(lines)


def sns_may_send(queue_arn: str, topic_arn: str) -> str:
    """A queue policy that lets one SNS topic send to the queue (the policy AWS requires for it)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
