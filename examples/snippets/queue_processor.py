"""QueueProcessor: SQS to Lambda with partial batch failures and a DLQ."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

from serverless_patterns import QueueProcessor

HANDLERS = Path(__file__).resolve().parent.parent / "order_system" / "handlers"


def build(stack: cdk.Stack) -> QueueProcessor:
    # --8<-- [start:usage]
    ingest = QueueProcessor(
        stack,
        "Ingest",
        entry=str(HANDLERS),
        handler="ingest.index.handler",
        batch_size=10,
        max_receive_count=3,  # then the record moves to the DLQ
    )
    # --8<-- [end:usage]
    return ingest
