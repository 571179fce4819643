"""The read function of a CrudApi REST API: ``GET /{resource}`` and ``GET /{resource}/{id}``.

Its role allows only ``dynamodb:GetItem`` and ``dynamodb:Scan`` on the tables it serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from . import contract, gateway
from .common import (
    ApiError,
    decode_cursor,
    encode_cursor,
    etag,
    from_dynamodb,
    install_error_handlers,
    json_response,
    resource,
    route_by_resource,
    to_dynamodb,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
dynamodb = boto3.client("dynamodb")
app = gateway.router()


@app.get("/<name>")
def list_items(name: str) -> Response[str]:
    """A page of items: ``limit`` 1 to 100 (default 25) and the opaque ``next`` cursor."""
    config = resource(name, contract.LIST)
    query = app.current_event.query_string_parameters or {}
    limit = _limit(query.get(contract.LIMIT_PARAMETER))
    partition = query.get(config.partition_attribute) if config.partition_attribute else None
    request: dict[str, Any] = {"TableName": config.table_name, "Limit": limit, "ConsistentRead": True}
    cursor = query.get(contract.CURSOR_PARAMETER)
    if cursor:
        request["ExclusiveStartKey"] = decode_cursor(config, cursor, partition)
    if partition is not None:
        # Items of one partition, in id order: a Query instead of a Scan.
        request["KeyConditionExpression"] = "#partition = :partition"
        request["ExpressionAttributeNames"] = {"#partition": config.partition_attribute}
        request["ExpressionAttributeValues"] = to_dynamodb({":partition": partition})
        page = dynamodb.query(**request)
    else:
        page = dynamodb.scan(**request)
    last_key = page.get("LastEvaluatedKey")
    body = {
        contract.ITEMS_FIELD: [from_dynamodb(item) for item in page.get("Items", [])],
        contract.CURSOR_PARAMETER: encode_cursor(config, last_key, partition) if last_key else None,
    }
    return json_response(200, body, app.current_event, config=config)


@app.get("/<name>/<item_id>")
def get_item(name: str, item_id: str) -> Response[str]:
    """One item with its ETag; 404 when absent."""
    return _get(name, (item_id,))


@app.get("/<name>/<partition>/<item_id>")
def get_grouped_item(name: str, partition: str, item_id: str) -> Response[str]:
    """One item of a resource whose items are grouped by a partition attribute."""
    return _get(name, (partition, item_id))


def _get(name: str, segments: tuple[str, ...]) -> Response[str]:
    config = resource(name, contract.GET)
    key = config.item_key(segments)
    found = dynamodb.get_item(TableName=config.table_name, Key=to_dynamodb(key), ConsistentRead=True).get("Item")
    if found is None:
        raise ApiError(404, "NOT_FOUND", f"{name} {'/'.join(segments)} does not exist")
    item = from_dynamodb(found)
    headers = {contract.ETAG: etag(item.get(contract.VERSION, 0))}
    return json_response(200, item, app.current_event, headers=headers, config=config)


def _limit(raw: str | None) -> int:
    if raw is None:
        return contract.DEFAULT_LIMIT
    digits = raw.lstrip("0")
    # str.isdigit also accepts superscript and Arabic-Indic digits (int() rejects or converts them),
    # and int() refuses over 4300 digits.
    if not (raw.isascii() and raw.isdigit()) or len(digits) > 3 or not 1 <= int(digits or "0") <= contract.MAX_LIMIT:
        raise ApiError(
            400,
            "INVALID_PARAMETER",
            f"{contract.LIMIT_PARAMETER} must be an integer between 1 and {contract.MAX_LIMIT}",
            [{"field": contract.LIMIT_PARAMETER, "message": f"got {raw!r}"}],
        )
    return int(digits)


install_error_handlers(app, logger)
resolvers = gateway.resolvers(app)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point (REST API events, payload 1.0, and HTTP API events, payload 2.0)."""
    return gateway.resolve(resolvers, route_by_resource(event), context)
