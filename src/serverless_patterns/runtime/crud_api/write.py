"""The write function of a CrudApi REST API: ``POST``, ``PUT`` and ``DELETE``.

Its role allows only ``dynamodb:PutItem``, ``dynamodb:UpdateItem`` and ``dynamodb:DeleteItem`` on
the tables it serves, plus the idempotency table's item actions. Every write is conditional:

- ``POST`` never overwrites (``attribute_not_exists``); an ``Idempotency-Key`` header makes
  retries safe through Powertools idempotency (24 hours, the same key with another body is 422).
- ``PUT`` needs ``If-Match`` (428 without it) and succeeds only while the stored version is the
  one the client saw, so of two concurrent updates with the same ETag exactly one wins (412).
- ``DELETE`` honours ``If-Match`` when given.

Business metrics (names in ``contract.py``): ``PreconditionFailed`` for a 412, ``IdempotentReplay``
for a ``POST`` answered from its idempotency record, ``ValidationRejected`` for a body that breaks
the schema; flushed once per invocation by Powertools' ``log_metrics``.
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from botocore.exceptions import ClientError

from . import contract, gateway
from .common import (
    ApiError,
    ResourceConfig,
    etag,
    from_dynamodb,
    install_error_handlers,
    json_response,
    now_iso,
    parse_body,
    parse_if_match,
    principal,
    resource,
    route_by_resource,
    storable,
    to_dynamodb,
    to_json,
)
from .validator import schema_errors

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
MAX_VERSION_DIGITS = 20
# Stable across code changes and function renames, so a retry after a deployment still finds its record.
IDEMPOTENCY_KEY_PREFIX = "crud-api-create"

logger = Logger()
# Namespace and the "service" dimension come from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME.
metrics = Metrics()
# Most invocations add no metric: log_metrics then warns on every flush, which says nothing here.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
dynamodb = boto3.client("dynamodb")
app = gateway.router()


def _count_replay(response: Any, idempotent_data: DataRecord) -> Any:
    """Powertools calls this only when it answers from a stored record (its "response hook")."""
    event = app.current_event
    # Payload 2.0 names the route ("POST /users"); a REST path was rebuilt from the API resource by
    # route_by_resource ("/users", whatever the domain or stage).
    route_key = event.get("routeKey")
    path = route_key.split(" ", 1)[1] if isinstance(route_key, str) and " " in route_key else event.path
    _count(contract.IDEMPOTENT_REPLAY_METRIC, path.strip("/").split("/")[0])
    return response


idempotency_config = IdempotencyConfig(
    event_key_jmespath="[resource, key, principal]",
    payload_validation_jmespath="body",
    expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
    raise_on_no_idempotency_key=True,
    response_hook=_count_replay,
)
_idempotent_create: Callable[..., dict[str, Any]] | None = None


@app.post("/<name>")
def create_item(name: str) -> Response[str]:
    """Store a new item: 201 with Location and ETag; replays the first response for a reused key."""
    config = resource(name, contract.CREATE)
    fields = _validated_fields(config)
    key = app.current_event.headers.get(contract.IDEMPOTENCY_KEY)
    if key is None:
        result = _create(config, fields, _location_base(name))
    else:
        if not 1 <= len(key) <= contract.MAX_IDEMPOTENCY_KEY_LENGTH:
            raise ApiError(
                400,
                "INVALID_HEADER",
                f"{contract.IDEMPOTENCY_KEY} must be 1 to {contract.MAX_IDEMPOTENCY_KEY_LENGTH} characters long",
            )
        request = {
            "resource": name,
            "key": key,
            "principal": principal(app.current_event),
            "body": to_json(fields, sort_keys=True),
            # The item's own numbers: "body" has them through float and int (1E+100 as 101 digits), not as sent.
            "fields": fields,
            "location": _location_base(name),
        }
        try:
            result = _idempotent()(request=request)
        except IdempotencyValidationError as error:
            raise ApiError(
                422, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was already used with a different body"
            ) from error
        except IdempotencyAlreadyInProgressError as error:
            raise ApiError(
                409, "REQUEST_IN_PROGRESS", "a request with this Idempotency-Key is still in progress"
            ) from error
    return json_response(
        result["status"],
        json.loads(result["body"], parse_float=Decimal),
        app.current_event,
        headers=result["headers"],
        config=config,
    )


@app.put("/<name>/<item_id>")
def replace_item(name: str, item_id: str) -> Response[str]:
    """Replace an item's fields when ``If-Match`` names its current version: 200, 404, 412 or 428."""
    return _replace(name, (item_id,))


@app.put("/<name>/<partition>/<item_id>")
def replace_grouped_item(name: str, partition: str, item_id: str) -> Response[str]:
    """``PUT`` on a resource whose items are grouped by a partition attribute."""
    return _replace(name, (partition, item_id))


def _replace(name: str, segments: tuple[str, ...]) -> Response[str]:
    config = resource(name, contract.UPDATE)
    fields = _validated_fields(config)
    key = config.item_key(segments)
    # The partition is part of the key: it is never SET, and an update cannot move an item to another one.
    partition = config.partition_attribute
    if partition and fields.pop(partition, key[partition]) != key[partition]:
        raise ApiError(
            422,
            "VALIDATION_FAILED",
            "an item cannot move to another partition",
            [{"field": partition, "message": "must equal the partition in the path"}],
        )
    header = app.current_event.headers.get(contract.IF_MATCH)
    if header is None:
        raise ApiError(
            428, "PRECONDITION_REQUIRED", f"PUT needs an {contract.IF_MATCH} header with the item's current ETag"
        )
    names = {"#id": config.id_attribute, "#version": contract.VERSION, "#updatedAt": contract.UPDATED_AT}
    values: dict[str, Any] = {":zero": 0, ":one": 1, ":now": now_iso()}
    assignments = ["#updatedAt = :now", "#version = if_not_exists(#version, :zero) + :one"]
    for index, (field_name, value) in enumerate(sorted(fields.items())):
        names[f"#f{index}"] = field_name
        values[f":f{index}"] = value
        assignments.append(f"#f{index} = :f{index}")
    # Replacement semantics: schema properties the new body leaves out are removed.
    removed = sorted(set(config.schema.get("properties", {})) - set(fields) - config.key_attributes)
    for index, field_name in enumerate(removed):
        names[f"#r{index}"] = field_name
    expression = "SET " + ", ".join(assignments)
    if removed:
        expression += " REMOVE " + ", ".join(f"#r{index}" for index in range(len(removed)))
    condition = _version_condition(parse_if_match(header), values)
    try:
        updated = dynamodb.update_item(
            TableName=config.table_name,
            Key=to_dynamodb(key),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_dynamodb(values),
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        raise _condition_error(error, name, "/".join(segments)) from error
    item = from_dynamodb(updated["Attributes"])
    headers = {contract.ETAG: etag(item.get(contract.VERSION, 0))}
    return json_response(200, item, app.current_event, headers=headers, config=config)


@app.delete("/<name>/<item_id>")
def delete_item(name: str, item_id: str) -> Response[str]:
    """Delete an item: 204; 404 when absent; 412 when ``If-Match`` names another version."""
    return _delete(name, (item_id,))


@app.delete("/<name>/<partition>/<item_id>")
def delete_grouped_item(name: str, partition: str, item_id: str) -> Response[str]:
    """``DELETE`` on a resource whose items are grouped by a partition attribute."""
    return _delete(name, (partition, item_id))


def _delete(name: str, segments: tuple[str, ...]) -> Response[str]:
    config = resource(name, contract.DELETE)
    key = config.item_key(segments)
    header = app.current_event.headers.get(contract.IF_MATCH)
    values: dict[str, Any] = {}
    condition = "attribute_exists(#id)" if header is None else _version_condition(parse_if_match(header), values)
    names = {"#id": config.id_attribute}
    if "#version" in condition:  # DynamoDB rejects names the expression does not use
        names["#version"] = contract.VERSION
    request: dict[str, Any] = {
        "TableName": config.table_name,
        "Key": to_dynamodb(key),
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if values:
        request["ExpressionAttributeValues"] = to_dynamodb(values)
    try:
        dynamodb.delete_item(**request)
    except ClientError as error:
        raise _condition_error(error, name, "/".join(segments)) from error
    return json_response(204, None, app.current_event, config=config)


def _validated_fields(config: ResourceConfig) -> dict[str, Any]:
    gateway.check_model(app.current_event, config)
    body = parse_body(app.current_event)
    # Server-managed fields are read-only: a client may send back what it read, they are ignored.
    for name in (config.id_attribute, *contract.SERVER_FIELDS):
        body.pop(name, None)
    problems = schema_errors(body, config.validator)
    if problems:
        _count(contract.VALIDATION_REJECTED_METRIC, config.name)
        raise ApiError(422, "VALIDATION_FAILED", "the request body does not match the schema", problems)
    storable(body)
    return body


def _version_condition(tags: list[str], values: dict[str, Any]) -> str:
    if "*" in tags:
        return "attribute_exists(#id)"
    # Only tags this API can have issued: ASCII digits ("²".isdigit() is true too, and int() refuses it),
    # few enough for a DynamoDB number (38 digits) and for int() (4300 digits).
    versions = [int(tag) for tag in tags if tag.isascii() and tag.isdigit() and len(tag) <= MAX_VERSION_DIGITS]
    if not versions:
        # No tag this API ever issued can match: the item is treated as changed (or absent: 404 wins).
        versions = [-1]
    placeholders = []
    for index, version in enumerate(versions):
        values[f":v{index}"] = version
        placeholders.append(f":v{index}")
    matches = f"#version IN ({', '.join(placeholders)})"
    if 0 in versions:
        # Items written around the API (a batch import) have no version: their ETag is "0".
        matches = f"(attribute_not_exists(#version) OR {matches})"
    return f"attribute_exists(#id) AND {matches}"


def _condition_error(error: ClientError, name: str, item_id: str) -> Exception:
    if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        return error
    current: Any = error.response.get("Item")
    if not current:
        return ApiError(404, "NOT_FOUND", f"{name} {item_id} does not exist")
    version = from_dynamodb(current).get(contract.VERSION, 0)
    _count(contract.PRECONDITION_FAILED_METRIC, name)
    return ApiError(
        412,
        "PRECONDITION_FAILED",
        f"{contract.IF_MATCH} does not name the item's current version",
        [{"field": contract.IF_MATCH, "message": f"the current ETag is {etag(version)}"}],
    )


def _create(config: ResourceConfig, fields: dict[str, Any], location_base: str) -> dict[str, Any]:
    item_id = str(uuid.uuid4())
    timestamp = now_iso()
    item = {
        **fields,
        config.id_attribute: item_id,
        contract.CREATED_AT: timestamp,
        contract.UPDATED_AT: timestamp,
        contract.VERSION: 1,
    }
    dynamodb.put_item(
        TableName=config.table_name,
        Item=to_dynamodb(item),
        ConditionExpression="attribute_not_exists(#id)",
        ExpressionAttributeNames={"#id": config.id_attribute},
    )
    path = (
        item_id
        if not config.partition_attribute
        else f"{quote(str(fields[config.partition_attribute]), safe='')}/{item_id}"
    )
    return {
        "status": 201,
        "headers": {contract.LOCATION: f"{location_base}/{path}", contract.ETAG: etag(1)},
        "body": to_json(item),
    }


def _idempotent() -> Callable[..., dict[str, Any]]:
    global _idempotent_create  # noqa: PLW0603 - built once per execution environment, on first use
    if _idempotent_create is None:
        store = DynamoDBPersistenceLayer(
            table_name=os.environ[contract.IDEMPOTENCY_TABLE_VARIABLE],
            key_attr=contract.IDEMPOTENCY_KEY_ATTRIBUTE,
            expiry_attr=contract.IDEMPOTENCY_EXPIRY_ATTRIBUTE,
            # The items' client: without it the store makes a boto3 session of its own, whose first client
            # loads DynamoDB's model and the endpoint data a second time (about 50 ms of CPU on the cold
            # start of the first request with a key; benchmarks/bench_cold_start.py).
            boto3_client=dynamodb,
        )

        @idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
            data_keyword_argument="request",
            persistence_store=store,
            config=idempotency_config,
            key_prefix=IDEMPOTENCY_KEY_PREFIX,
        )
        def create_once(request: dict[str, Any]) -> dict[str, Any]:
            config = resource(request["resource"], contract.CREATE)
            return _create(config, request["fields"], request["location"])

        _idempotent_create = create_once
    return _idempotent_create


def _location_base(name: str) -> str:
    context = app.current_event.raw_event.get("requestContext") or {}
    # Payload 1.0 has the stage in requestContext.path; 2.0 in requestContext.http.path.
    path = str(context.get("path") or (context.get("http") or {}).get("path") or f"/{name}")
    return path.rstrip("/")


def _count(metric: str, resource_name: str) -> None:
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    metrics.add_metadata(key=contract.RESOURCE_PROPERTY, value=resource_name)


install_error_handlers(app, logger)
resolvers = gateway.resolvers(app)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point (REST API events, payload 1.0, and HTTP API events, payload 2.0)."""
    idempotency_config.register_lambda_context(context)
    return gateway.resolve(resolvers, route_by_resource(event), context)
