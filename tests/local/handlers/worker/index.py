"""An SQS batch handler that reports the records whose body contains "poison" as failures."""

import json
import os

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

processor = BatchProcessor(event_type=EventType.SQS)
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def record_handler(record):
    body = record.body
    if "poison" in body:
        raise ValueError(f"cannot process {body}")
    item = json.loads(body)
    table.update_item(
        Key={"id": item["id"]},
        UpdateExpression="ADD seen :one",
        ExpressionAttributeValues={":one": 1},
    )


def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
