"""An EventBridge target that records what it received, and fails on demand."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    detail = event.get("detail", {})
    if detail.get("fail"):
        raise RuntimeError("sink failed on purpose")
    table.put_item(Item={"id": "event-" + str(detail.get("id")), "detail": json.dumps(detail)})
    return {"ok": True}
