"""CrudApi's write function for the ``users`` resource, written by hand the usual way.

``POST /users`` (schema-validated, safe to retry with an ``Idempotency-Key``), ``PUT`` with
``If-Match`` (412 for another version) and ``DELETE /users/{id}``, JSON errors and the three
business metrics: Powertools' REST resolver, Logger, Metrics, validation and idempotency (its
DynamoDB store, as its documentation shows), a DynamoDB client made at import.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError, ServiceError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from aws_lambda_powertools.utilities.validation import SchemaValidationError, validate
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

# The example app's users schema, closed to other fields as CrudApi closes it.
USER_SCHEMA = {
    "type": "object",
    "required": ["email", "name"],
    "additionalProperties": False,
    "properties": {
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
    },
}

logger = Logger()
metrics = Metrics()
app = APIGatewayRestResolver()
dynamodb = boto3.client("dynamodb")
serializer = TypeSerializer()
deserializer = TypeDeserializer()
TABLE = os.environ["USERS_TABLE"]
persistence_layer = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
idempotency_config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="body")


def _json(value: Any) -> str:
    return json.dumps(value, default=lambda number: int(number) if number % 1 == 0 else float(number))


def _item(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: serializer.serialize(value) for name, value in fields.items()}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _body() -> dict[str, Any]:
    try:
        body = json.loads(app.current_event.body or "", parse_float=Decimal)
        validate(event=json.loads(app.current_event.body or ""), schema=USER_SCHEMA)
    except ValueError as error:
        raise BadRequestError("the request body is not valid JSON") from error
    except SchemaValidationError as error:
        metrics.add_metric(name="ValidationRejected", unit=MetricUnit.Count, value=1)
        raise ServiceError(422, str(error)) from error
    for name in ("id", "createdAt", "updatedAt", "version"):
        body.pop(name, None)
    return dict(body)


def _create(fields: dict[str, Any]) -> dict[str, Any]:
    now = _now()
    user = {**fields, "id": str(uuid.uuid4()), "createdAt": now, "updatedAt": now, "version": 1}
    dynamodb.put_item(TableName=TABLE, Item=_item(user), ConditionExpression="attribute_not_exists(id)")
    return {"user": _json(user), "id": user["id"]}


@idempotent_function(data_keyword_argument="request", persistence_store=persistence_layer, config=idempotency_config)
def _create_once(request: dict[str, Any]) -> dict[str, Any]:
    return _create(request["fields"])


@app.post("/users")
def create_user() -> Response[str]:
    fields = _body()
    key = app.current_event.headers.get("Idempotency-Key")
    result = (
        _create(fields) if key is None else _create_once(request={"key": key, "body": _json(fields), "fields": fields})
    )
    headers = {"Location": f"/users/{result['id']}", "ETag": '"1"'}
    return Response(201, "application/json", result["user"], headers=headers)


@app.put("/users/<user_id>")
def replace_user(user_id: str) -> Response[str]:
    fields = _body()
    if_match = app.current_event.headers.get("If-Match")
    if if_match is None:
        raise ServiceError(428, "PUT needs an If-Match header")
    names = {"#updatedAt": "updatedAt", "#version": "version"}
    values: dict[str, Any] = {":now": _now(), ":one": 1, ":expected": int(if_match.strip('W/"') or 0)}
    assignments = ["#updatedAt = :now", "#version = #version + :one"]
    for index, (name, value) in enumerate(sorted(fields.items())):
        names[f"#f{index}"], values[f":f{index}"] = name, value
        assignments.append(f"#f{index} = :f{index}")
    try:
        updated = dynamodb.update_item(
            TableName=TABLE,
            Key={"id": {"S": user_id}},
            UpdateExpression="SET " + ", ".join(assignments),
            ConditionExpression="attribute_exists(id) AND #version = :expected",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=_item(values),
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        metrics.add_metric(name="PreconditionFailed", unit=MetricUnit.Count, value=1)
        raise ServiceError(412, "If-Match does not name the current version") from error
    user = {name: deserializer.deserialize(value) for name, value in updated["Attributes"].items()}
    return Response(200, "application/json", _json(user), headers={"ETag": f'"{int(user["version"])}"'})


@app.delete("/users/<user_id>")
def delete_user(user_id: str) -> Response[str]:
    try:
        dynamodb.delete_item(TableName=TABLE, Key={"id": {"S": user_id}}, ConditionExpression="attribute_exists(id)")
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise NotFoundError(f"users {user_id} does not exist") from error
        raise
    return Response(204, "application/json", "")


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency_config.register_lambda_context(context)
    return app.resolve(event, context)
