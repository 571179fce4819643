"""LambdaAlarms: alarms, an encrypted alarm topic and a dashboard for everything in a scope."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

from serverless_patterns import AlarmOptions, LambdaAlarms, QueueProcessor, ServerlessFunction

HANDLERS = Path(__file__).resolve().parent.parent / "order_system" / "handlers"


def build(stack: cdk.Stack) -> LambdaAlarms:
    # --8<-- [start:usage]
    # Defined first or last, the same: the scope is read when the app is synthesized.
    alarms = LambdaAlarms.for_scope(
        stack,
        "Alarms",
        stack,  # a stack, a stage, the app, or any construct
        emails=["ops@example.com"],
    )
    charge = ServerlessFunction(
        stack,
        "ChargePayment",
        entry=str(HANDLERS),
        handler="orders.payment.charge",
        timeout=cdk.Duration.seconds(10),
        environment={"WORKFLOW_TABLE": "order-workflow"},
    )
    ServerlessFunction(
        stack,
        "NotifyCustomer",
        entry=str(HANDLERS),
        handler="orders.notify.send_confirmation",
        environment={"WORKFLOW_TABLE": "order-workflow"},
    )
    QueueProcessor(stack, "Ingest", entry=str(HANDLERS), handler="ingest.index.handler")

    # Discovery finds the functions, the ingest queue's DLQ and so on; add_* grows what is
    # watched, here with stricter options for the payment function.
    alarms.add_function(charge, alarm_options=AlarmOptions(error_rate_percent=1, duration_percent_of_timeout=50))
    # --8<-- [end:usage]
    return alarms
