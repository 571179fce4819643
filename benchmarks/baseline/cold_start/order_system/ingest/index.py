"""Bulk order ingestion: one SQS record is one order, stored once in the orders table.

A record that is not a valid order fails on its own (Powertools' BatchProcessor reports it in
``batchItemFailures``); after the queue's max receive count it lands in the dead-letter queue.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)
table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


class InvalidOrderError(ValueError):
    """The record is not an order this system can store."""


def _parse(record: SQSRecord) -> dict[str, Any]:
    try:
        order = record.json_body
    except ValueError as error:
        raise InvalidOrderError(f"record {record.message_id} is not JSON") from error
    if not isinstance(order, dict):
        raise InvalidOrderError(f"record {record.message_id} is not a JSON object")
    missing = [field for field in ("orderId", "customerId", "amount") if field not in order]
    if missing:
        raise InvalidOrderError(f"record {record.message_id} misses {', '.join(missing)}")
    if not isinstance(order["amount"], (int, float)) or order["amount"] <= 0:
        raise InvalidOrderError(f"record {record.message_id} has an invalid amount {order['amount']!r}")
    return order


def record_handler(record: SQSRecord) -> None:
    order = _parse(record)
    now = datetime.now(timezone.utc).isoformat()
    try:
        table.put_item(
            Item={
                "id": str(order["orderId"]),
                "customerId": str(order["customerId"]),
                "amount": Decimal(str(order["amount"])),
                "status": "INGESTED",
                "createdAt": now,
                "updatedAt": now,
                "version": 1,
            },
            # A redelivered record must not overwrite an order that moved on since.
            ConditionExpression="attribute_not_exists(id)",
        )
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        logger.info("order already ingested", extra={"order_id": order["orderId"]})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )
