"""Records every event it receives in the table, keyed by the SNS message id."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    for record in event["Records"]:
        message = record["Sns"]
        table.put_item(Item={"id": "sns-" + message["MessageId"], "record": json.dumps(record)})
    return {"ok": True}
