"""CrudApi's read function for the ``users`` resource, written by hand the usual way.

``GET /users`` (a page: ``limit`` 1 to 100, the ``next`` cursor), ``GET /users/{id}`` (the item
with its ETag, 404 when absent) and JSON errors: Powertools' REST resolver and Logger, a DynamoDB
client made at import.
"""

from __future__ import annotations

import base64
import json
import os
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeDeserializer

logger = Logger()
app = APIGatewayRestResolver()
dynamodb = boto3.client("dynamodb")
deserializer = TypeDeserializer()
TABLE = os.environ["USERS_TABLE"]


def _json(value: Any) -> str:
    return json.dumps(value, default=lambda number: int(number) if number % 1 == 0 else float(number))


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {name: deserializer.deserialize(value) for name, value in item.items()}


@app.get("/users")
def list_users() -> Response[str]:
    raw_limit = app.current_event.get_query_string_value("limit", "25") or "25"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
        raise BadRequestError("limit must be an integer between 1 and 100")
    request: dict[str, Any] = {"TableName": TABLE, "Limit": int(raw_limit), "ConsistentRead": True}
    cursor = app.current_event.get_query_string_value("next")
    if cursor:
        request["ExclusiveStartKey"] = json.loads(base64.urlsafe_b64decode(cursor))
    page = dynamodb.scan(**request)
    last_key = page.get("LastEvaluatedKey")
    body = {
        "items": [_plain(item) for item in page.get("Items", [])],
        "next": base64.urlsafe_b64encode(json.dumps(last_key).encode()).decode() if last_key else None,
    }
    return Response(200, "application/json", _json(body))


@app.get("/users/<user_id>")
def get_user(user_id: str) -> Response[str]:
    found = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": user_id}}, ConsistentRead=True).get("Item")
    if found is None:
        raise NotFoundError(f"users {user_id} does not exist")
    user = _plain(found)
    etag = f'"{int(user.get("version", Decimal(0)))}"'
    return Response(200, "application/json", _json(user), headers={"ETag": etag})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
