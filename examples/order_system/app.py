"""The reference article's order system, composed from serverless-patterns constructs.

    cdk synth            # with the npm aws-cdk CLI (cdk.json runs this file)
    python app.py        # synthesizes into ./cdk.out
    python app.py cdk.out --http-api   # the same system with its API on an HTTP API (HttpCrudApi)

What it composes: users and orders resources on one REST API (CrudApi; or an HTTP API,
HttpCrudApi, with ``http_api=True``); bulk order ingestion
(QueueProcessor) into the orders table; an order events bus (EventFanout) on which a function
places orders through the bus's publisher layer, whose "order placed" route reaches the e-mail,
inventory and warehouse functions and starts the order saga, and whose "high value" route
(amount over 1000) reaches an alert topic; the order saga (SagaWorkflow: validate, payment,
reserve inventory, notify; refund and release as compensations); and alarms over the whole
stack (LambdaAlarms).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from serverless_patterns import (
    TRANSIENT_LAMBDA_ERRORS,
    CrudApi,
    EventFanout,
    FanoutRoute,
    HttpCrudApi,
    LambdaAlarms,
    QueueProcessor,
    SagaRetry,
    SagaStep,
    SagaWorkflow,
    ServerlessFunction,
)

HANDLERS = str(Path(__file__).resolve().parent / "handlers")
ORDER_SOURCE = "shop.orders"
ORDER_PLACED = "OrderPlaced"

USER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["email", "name"],
    "properties": {
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
    },
}
ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["customerId", "amount", "items"],
    "properties": {
        "customerId": {"type": "string", "minLength": 1, "maxLength": 64},
        "amount": {"type": "number", "minimum": 0.01, "maximum": 1000000},
        "card": {"type": "string", "pattern": "^[0-9]{12,19}$"},
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["sku", "quantity"],
                "properties": {
                    "sku": {"type": "string", "minLength": 1, "maxLength": 64},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 1000},
                },
            },
        },
        "status": {"type": "string", "enum": ["PLACED", "INGESTED", "CONFIRMED", "FAILED"]},
    },
}


def _table(scope: Construct, id: str, partition_key: str) -> dynamodb.TableV2:
    return dynamodb.TableV2(
        scope,
        id,
        partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        # Kept on stack update or deletion, deleted when the deployment that created it rolls back
        # (deletion protection would block that clean-up; turn it on once the table holds data).
        removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    )


class OrderSystemStack(cdk.Stack):
    """The order system: ingestion, order events, the order saga and alarms.

    ``http_api=True`` serves users and orders from an HTTP API (HttpCrudApi) instead of a REST API
    (CrudApi): the same resources and answers, at less than a third of the price per request.
    """

    def __init__(self, scope: Construct, id: str, *, http_api: bool = False, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        # Users and orders: two resources on one API, sharing its read and write functions.
        self.users_api: CrudApi | HttpCrudApi
        self.orders_api: CrudApi | HttpCrudApi
        if http_api:
            self.users_api = HttpCrudApi(self, "Users", resource_name="users", schema=USER_SCHEMA)
            self.orders_api = self.users_api.api.add_resource("Orders", resource_name="orders", schema=ORDER_SCHEMA)
        else:
            self.users_api = CrudApi(self, "Users", resource_name="users", schema=USER_SCHEMA)
            self.orders_api = CrudApi(
                self, "Orders", api=self.users_api.api, resource_name="orders", schema=ORDER_SCHEMA
            )
        orders = self.orders_api.table
        workflow_table = _table(self, "WorkflowState", "pk")

        def workflow_function(id: str, handler: str, *actions: str) -> ServerlessFunction:
            function = ServerlessFunction(
                self,
                id,
                entry=HANDLERS,
                handler=f"orders.{handler}",
                environment={"WORKFLOW_TABLE": workflow_table.table_name},
            )
            if actions:
                workflow_table.grant(function, *actions)
            return function

        # Bulk ingestion: one SQS record per order, stored once.
        ingest_function = ServerlessFunction(
            self,
            "IngestFunction",
            entry=HANDLERS,
            handler="ingest.index.handler",
            environment={"ORDERS_TABLE": orders.table_name},
        )
        orders.grant(ingest_function, "dynamodb:PutItem")
        self.ingest = QueueProcessor(self, "Ingest", function=ingest_function)

        # The order saga; the state machine input is the order-placed event (detail = order).
        validate = workflow_function("ValidateOrder", "validate.handler")
        charge = workflow_function("ChargePayment", "payment.charge", "dynamodb:PutItem")
        refund = workflow_function("RefundPayment", "payment.refund", "dynamodb:UpdateItem")
        reserve = workflow_function(
            "ReserveInventory", "inventory.reserve", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"
        )
        release = workflow_function("ReleaseInventory", "inventory.release", "dynamodb:GetItem", "dynamodb:UpdateItem")
        notify = workflow_function("NotifyCustomer", "notify.send_confirmation", "dynamodb:UpdateItem")
        self.saga = SagaWorkflow(
            self,
            "OrderSaga",
            steps=[
                SagaStep(
                    name="validate",
                    function=validate,
                    guard=sfn.Condition.boolean_equals("$.results.validate.valid", True),
                    guard_error="OrderInvalid",
                ),
                SagaStep(name="payment", function=charge, compensation=refund),
                SagaStep(name="inventory", function=reserve, compensation=release),
                # The mail service fails transiently (EmailTemporarilyUnavailableError): retry it
                # like the Lambda service's own transient errors instead of compensating.
                SagaStep(
                    name="notify",
                    function=notify,
                    retry=SagaRetry(errors=[*TRANSIENT_LAMBDA_ERRORS, "EmailTemporarilyUnavailableError"]),
                ),
            ],
        )

        # Order events: fan-out to the event handlers, the saga and, for high values, an alert topic.
        alert_key = kms.Key(
            self,
            "AlertTopicKey",
            enable_key_rotation=True,
            description="High-value order alerts",
            removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        )
        # Only AWS services may create grants on the key (AWS Control Tower's CT.KMS.PR.3).
        alert_key.add_to_resource_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["kms:CreateGrant"],
                resources=["*"],
                conditions={
                    "BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}
                },
            )
        )
        self.alert_topic = sns.Topic(self, "HighValueAlerts", master_key=alert_key, enforce_ssl=True)
        email = workflow_function("SendOrderEmail", "events.send_email", "dynamodb:PutItem")
        inventory = workflow_function("UpdateInventory", "events.update_inventory", "dynamodb:PutItem")
        warehouse = workflow_function("NotifyWarehouse", "events.notify_warehouse", "dynamodb:PutItem")
        self.order_events = EventFanout(
            self,
            "OrderEvents",
            archive=True,
            routes=[
                FanoutRoute(
                    name="OrderPlaced",
                    event_pattern=events.EventPattern(source=[ORDER_SOURCE], detail_type=[ORDER_PLACED]),
                    targets=[email, inventory, warehouse, self.saga.state_machine],
                ),
                FanoutRoute(
                    name="HighValueOrder",
                    event_pattern=events.EventPattern(
                        source=[ORDER_SOURCE],
                        detail_type=[ORDER_PLACED],
                        detail={"amount": events.Match.greater_than(1000)},
                    ),
                    targets=[self.alert_topic],
                ),
            ],
        )

        # Placing orders: OrderPlaced events published with the fanout's publisher layer
        # (`from event_publisher import publish` in the handler).
        self.place_orders = ServerlessFunction(self, "PlaceOrders", entry=HANDLERS, handler="orders.place.handler")
        self.order_events.attach_publisher(self.place_orders)

        # Alarms over everything above, e-mailed to the operations team.
        self.alarms = LambdaAlarms.for_scope(self, "Alarms", self, emails=["ops-team@example.com"])

        cdk.CfnOutput(self, "IngestQueueUrl", value=self.ingest.queue.queue_url)
        cdk.CfnOutput(self, "WorkflowTableName", value=workflow_table.table_name)
        cdk.CfnOutput(self, "OrderSagaArn", value=self.saga.state_machine.state_machine_arn)


def build_app(outdir: str | None = None, *, http_api: bool = False) -> cdk.App:
    """The order system app, ready to synthesize into ``outdir`` (default ``cdk.out``).

    ``http_api`` puts its API on an HTTP API (see :class:`OrderSystemStack`).

    The API's OpenAPI 3 document, generated from the same schemas as its models and handler
    validation, is written beside the templates as ``openapi.json``.
    """
    app = cdk.App(outdir=outdir)
    stack = OrderSystemStack(app, "OrderSystem", http_api=http_api)
    document = stack.users_api.openapi("Order system API")
    Path(app.outdir).mkdir(parents=True, exist_ok=True)
    (Path(app.outdir) / "openapi.json").write_text(json.dumps(document, indent=2) + "\n")
    return app


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--http-api"]
    build_app(arguments[0] if arguments else None, http_api="--http-api" in sys.argv[1:]).synth()
