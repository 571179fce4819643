"""A handler that makes one AWS call per invoke (DynamoDB GetItem), so that IAM enforcement checks it."""

from __future__ import annotations

import os
from typing import Any

import boto3

client = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    item = client.get_item(TableName=TABLE, Key={"id": {"S": str(event.get("id", "1"))}}).get("Item")
    return {"found": item is not None}
