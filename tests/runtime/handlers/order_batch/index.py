"""A QueueProcessor handler as a user writes it: one record at a time, with Powertools' BatchProcessor.

It stores each order in the table named by ORDERS_TABLE with a conditional write, so a record
processed twice would be detected (the second write fails and is counted in PROCESSED_TWICE).
A record whose body has ``"poison": true`` always fails.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

processor = BatchProcessor(event_type=EventType.SQS)
table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


class PoisonRecordError(ValueError):
    """The record can never be processed."""


def record_handler(record: SQSRecord) -> None:
    order = record.json_body
    if order.get("poison"):
        raise PoisonRecordError(f"order {order['id']} is malformed")
    table.put_item(Item={"id": order["id"]}, ConditionExpression="attribute_not_exists(id)")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
