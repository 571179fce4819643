"""SagaWorkflow: steps in order, each with an optional compensation, undone newest first."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

from serverless_patterns import TRANSIENT_LAMBDA_ERRORS, SagaRetry, SagaStep, SagaWorkflow, ServerlessFunction

HANDLERS = Path(__file__).resolve().parent.parent / "order_system" / "handlers"


def build(stack: cdk.Stack) -> SagaWorkflow:
    # --8<-- [start:usage]
    def function(id: str, handler: str) -> ServerlessFunction:
        return ServerlessFunction(
            stack,
            id,
            entry=str(HANDLERS),
            handler=f"orders.{handler}",
            environment={"WORKFLOW_TABLE": "order-workflow"},
        )

    saga = SagaWorkflow(
        stack,
        "OrderSaga",
        steps=[
            SagaStep(
                name="payment",
                function=function("ChargePayment", "payment.charge"),
                compensation=function("RefundPayment", "payment.refund"),
            ),
            SagaStep(
                name="inventory",
                function=function("ReserveInventory", "inventory.reserve"),
                compensation=function("ReleaseInventory", "inventory.release"),
            ),
            SagaStep(
                name="notify",
                function=function("NotifyCustomer", "notify.send_confirmation"),
                # The mail service's transient error is retried like Lambda's own, not compensated.
                retry=SagaRetry(errors=[*TRANSIENT_LAMBDA_ERRORS, "EmailTemporarilyUnavailableError"]),
            ),
        ],
    )
    # --8<-- [end:usage]
    return saga
