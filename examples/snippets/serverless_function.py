"""ServerlessFunction: a Python handler folder with the best practices switched on."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

from serverless_patterns import ServerlessFunction

HANDLERS = Path(__file__).resolve().parent.parent / "order_system" / "handlers"


def build(stack: cdk.Stack) -> ServerlessFunction:
    # --8<-- [start:usage]
    return ServerlessFunction(
        stack,
        "Payments",
        entry=str(HANDLERS),
        handler="orders.payment.charge",
        memory_mib=512,
        timeout=cdk.Duration.seconds(15),
        environment={"WORKFLOW_TABLE": "order-workflow"},
        dead_letter_queue_enabled=True,  # invoked asynchronously: keep failed events
        retry_attempts=2,
    )
    # --8<-- [end:usage]
