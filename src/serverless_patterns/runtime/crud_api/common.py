"""What the read and write handlers share: configuration, errors, JSON, ETags, cursors and CORS.

The configuration (``config.json`` next to this module, or the file named by ``CRUD_API_CONFIG``)
is written by the ``CrudApi`` construct at synthesis: one entry per resource of the REST API with
its id attribute, item schema, the validator compiled from it, operations and CORS origins. Table
names come from the environment variable ``CRUD_TABLES`` (``users=<table>;orders=<table>``),
because they are known only at deploy. Every name both sides share is defined in ``contract.py``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from . import contract

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler.api_gateway import Router
    from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_ID_BYTES = 1024
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


class ApiError(Exception):
    """A client error: becomes ``{"error": {"code", "message", "details"}}`` with a 4xx status."""

    def __init__(self, status: int, code: str, message: str, details: Any = None, headers: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details if details is not None else []
        self.headers: dict[str, str] = dict(headers or {})


@dataclass(frozen=True)
class ResourceConfig:
    """One REST resource served by the shared functions."""

    name: str
    id_attribute: str
    schema: Mapping[str, Any]
    operations: tuple[str, ...]
    validator: str
    """Source of the module compiled from ``schema`` at synthesis (see ``validator.py``)."""
    cors_origins: tuple[str, ...] = field(default=())
    partition_attribute: str | None = None
    model_validator: str | None = None
    """Behind an HTTP API: the request model's validator (see ``gateway.check_model``)."""

    @property
    def key_attributes(self) -> set[str]:
        """The table's key: the id attribute, and the partition attribute when items are grouped."""
        return {self.id_attribute} | ({self.partition_attribute} if self.partition_attribute else set())

    def item_key(self, segments: tuple[str, ...]) -> dict[str, str]:
        """The key of ``/{resource}/{id}`` (or ``/{resource}/{partition}/{id}``); 404 for another shape."""
        if len(segments) != (2 if self.partition_attribute else 1):
            raise ApiError(404, "NOT_FOUND", "no such route")
        for segment in segments:
            check_item_id(self.name, segment)
        key = {self.id_attribute: segments[-1]}
        if self.partition_attribute:
            key[self.partition_attribute] = segments[0]
        return key

    @property
    def table_name(self) -> str:
        """The DynamoDB table's name, from ``CRUD_TABLES``."""
        name = table_names().get(self.name)
        if not name:
            raise RuntimeError(f"{contract.TABLES_VARIABLE} names no table for {self.name}")
        return name


@cache
def table_names() -> dict[str, str]:
    """``CRUD_TABLES`` (``users=<table>;orders=<table>``) as a dict."""
    return contract.parse_tables(os.environ.get(contract.TABLES_VARIABLE, ""))


@cache
def resources() -> dict[str, ResourceConfig]:
    """Every resource in the configuration file, by name (read once per execution environment)."""
    path = Path(os.environ.get(contract.CONFIG_PATH_VARIABLE) or Path(__file__).with_name(contract.CONFIG_FILE))
    document = json.loads(path.read_text())
    return {
        name: ResourceConfig(
            name=name,
            id_attribute=entry[contract.ID_ATTRIBUTE_KEY],
            schema=entry[contract.SCHEMA_KEY],
            validator=entry[contract.VALIDATOR_KEY],
            operations=tuple(entry[contract.OPERATIONS_KEY]),
            cors_origins=tuple(entry.get(contract.CORS_ORIGINS_KEY, [])),
            partition_attribute=entry.get(contract.PARTITION_ATTRIBUTE_KEY),
            model_validator=entry.get(contract.MODEL_VALIDATOR_KEY),
        )
        for name, entry in document[contract.RESOURCES].items()
    }


def resource(name: str, operation: str) -> ResourceConfig:
    """The configuration of resource ``name``; 404 when unknown or ``operation`` is not exposed."""
    config = resources().get(name)
    if config is None or operation not in config.operations:
        raise ApiError(404, "NOT_FOUND", f"no route for /{name}")
    return config


def error_response(error: ApiError, event: BaseProxyEvent | None = None) -> Response[str]:
    """The JSON error response of ``error``."""
    body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
    return json_response(error.status, body, event, headers=error.headers)


def json_response(
    status: int,
    body: Any,
    event: BaseProxyEvent | None,
    headers: Mapping[str, str] | None = None,
    config: ResourceConfig | None = None,
) -> Response[str]:
    """A JSON response with CORS headers when the request's origin is allowed."""
    all_headers = dict(headers or {})
    if event is not None:
        all_headers.update(cors_headers(event, config))
    text = "" if body is None else to_json(body)
    return Response(status_code=status, content_type="application/json", body=text, headers=all_headers)


def cors_headers(event: BaseProxyEvent, config: ResourceConfig | None) -> dict[str, str]:
    """``Access-Control-Allow-Origin`` for an allowed ``Origin`` (``*`` only when configured)."""
    if config is None or not config.cors_origins:
        return {}
    origin = event.headers.get("origin")
    exposed = ",".join(contract.EXPOSED_HEADERS)
    if "*" in config.cors_origins:
        return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": exposed}
    if origin and origin in config.cors_origins:
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": exposed, "Vary": "Origin"}
    return {}


def to_json(value: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON; ``Decimal`` numbers become JSON numbers.

    Examples
    --------
    >>> to_json({"price": Decimal("12.50"), "count": Decimal("2")})
    '{"price":12.5,"count":2}'
    """
    return json.dumps(value, default=_json_default, separators=(",", ":"), sort_keys=sort_keys)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def parse_body(event: BaseProxyEvent) -> dict[str, Any]:
    """The request's JSON object: 415, 413, 400 or 422 when it is not one."""
    content_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "the request body must be application/json",
            [{"field": "Content-Type", "message": f"got {content_type or 'nothing'}"}],
        )
    raw = event.body or ""
    if event.is_base64_encoded:
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ApiError(400, "MALFORMED_BODY", "the request body is not valid base64") from error
    else:
        data = raw.encode()
    if len(data) > MAX_BODY_BYTES:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", f"the request body must be at most {MAX_BODY_BYTES} bytes")
    try:
        parsed = json.loads(data, parse_float=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        details = [{"field": "(body)", "message": str(error)[:200]}]
        raise ApiError(400, "MALFORMED_JSON", "the request body is not valid JSON", details) from error
    if _depth(parsed) > MAX_DEPTH:
        raise ApiError(400, "TOO_DEEP", f"the request body may nest at most {MAX_DEPTH} levels (DynamoDB's limit)")
    try:
        # A "\ud800" escape parses to a lone surrogate: not Unicode, so no UTF-8 store (DynamoDB) can hold it.
        json.dumps(parsed, ensure_ascii=False, default=_json_default).encode()
    except UnicodeEncodeError as error:
        details = [{"field": "(body)", "message": "strings must not hold lone UTF-16 surrogates (\\ud800-\\udfff)"}]
        raise ApiError(400, "MALFORMED_JSON", "the request body is not valid JSON", details) from error
    if not isinstance(parsed, dict):
        raise ApiError(422, "VALIDATION_FAILED", "the request body must be a JSON object")
    return parsed


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def storable(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` as DynamoDB attribute values; 422 for numbers DynamoDB cannot hold (38 digits, 1E-130 to 1E+126)."""
    try:
        return to_dynamodb(fields)
    except (ArithmeticError, TypeError) as error:
        raise ApiError(
            422,
            "VALIDATION_FAILED",
            "the request body holds a number DynamoDB cannot store",
            [
                {
                    "field": "(body)",
                    "message": "numbers must have at most 38 significant digits, magnitude 1E-130 to 1E+126",
                }
            ],
        ) from error


def check_item_id(name: str, item_id: str) -> None:
    """404 for an id no item can have (over DynamoDB's key size), before DynamoDB rejects it with a 400."""
    if len(item_id.encode()) > MAX_ID_BYTES:
        raise ApiError(404, "NOT_FOUND", f"{name} {item_id[:40]}... does not exist")


def install_error_handlers(app: Router, logger: Logger) -> None:
    """Client errors as 4xx JSON, DynamoDB throttling as 503, anything unexpected as a logged 500 JSON."""

    @app.exception_handler(ApiError)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    def client_error(error: ApiError) -> Response[str]:
        return error_response(error, app.current_event)

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
    def unexpected(error: Exception) -> Response[str]:
        code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
        if code in _THROTTLING:
            logger.warning("DynamoDB throttled the request", extra={"code": code})
            return error_response(
                ApiError(503, "SERVICE_UNAVAILABLE", "the table is busy: retry later", headers={"Retry-After": "1"}),
                app.current_event,
            )
        if code == "ValidationException":
            logger.warning("DynamoDB rejected the request", extra={"error": str(error)})
            return error_response(ApiError(400, "INVALID_REQUEST", "DynamoDB rejected the request"), app.current_event)
        logger.exception("unexpected error")
        return error_response(ApiError(500, "INTERNAL_ERROR", "an unexpected error occurred"), app.current_event)

    @app.exception_handler(NotFoundError)  # type: ignore[untyped-decorator]  # what a resolver's not_found registers
    def not_found(_: Exception) -> Response[str]:
        return error_response(ApiError(404, "NOT_FOUND", "no such route"), app.current_event)


_THROTTLING = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


def now_iso() -> str:
    """The current UTC time, ISO 8601 with milliseconds and ``Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def etag(version: int | Decimal) -> str:
    """The strong ETag of an item version.

    Examples
    --------
    >>> etag(3)
    '"3"'
    """
    return f'"{int(version)}"'


def parse_if_match(value: str) -> list[str]:
    """The version tags listed in an ``If-Match`` header (``["*"]`` for any).

    Examples
    --------
    >>> parse_if_match('W/"2", "3"')
    ['2', '3']
    """
    tags = []
    for part in value.split(","):
        tag = part.strip().removeprefix("W/").strip().strip('"')
        if tag:
            tags.append(tag)
    return tags


def to_dynamodb(item: Mapping[str, Any]) -> dict[str, Any]:
    """A plain item as DynamoDB attribute values."""
    return {key: _SERIALIZER.serialize(value) for key, value in item.items()}


def from_dynamodb(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values as a plain item."""
    return {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}


def encode_cursor(config: ResourceConfig, last_key: Mapping[str, Any], partition: str | None = None) -> str:
    """An opaque cursor for ``last_key``, bound to the resource (and partition) and protected against tampering."""
    document = {"r": config.name, "p": partition, "k": from_dynamodb(last_key)}
    payload = base64.urlsafe_b64encode(json.dumps(document, default=_json_default).encode()).decode()
    return f"{payload.rstrip('=')}.{_signature(config, payload.rstrip('='))}"


def decode_cursor(config: ResourceConfig, cursor: str, partition: str | None = None) -> dict[str, Any]:
    """The ``ExclusiveStartKey`` of a cursor; 400 when it was tampered with or made for another resource."""
    invalid = ApiError(400, "INVALID_CURSOR", "the next cursor is invalid or belongs to another resource")
    payload, _, signature = cursor.partition(".")
    # Compared as bytes: compare_digest raises TypeError for str holding non-ASCII characters.
    if not payload or not hmac.compare_digest(signature.encode(), _signature(config, payload).encode()):
        raise invalid
    try:
        document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError) as error:
        raise invalid from error
    if not isinstance(document, dict):
        raise invalid
    key = document.get("k")
    if document.get("r") != config.name or document.get("p") != partition:
        raise invalid
    if not isinstance(key, dict) or set(key) != config.key_attributes:
        raise invalid
    if not all(isinstance(value, str) for value in key.values()):
        raise invalid
    return to_dynamodb(key)


def _signature(config: ResourceConfig, payload: str) -> str:
    # The table name is not a secret, so this proves integrity (no edited or foreign cursor), not authenticity.
    secret = f"{config.name}:{config.table_name}".encode()
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()[:32]


def route_by_resource(event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with ``path`` rebuilt from the API resource and path parameters.

    Behind a custom domain the path carries the base path mapping (``/v1/users/1``); the API
    resource (``/users/{id}``) does not, so routing on it works with any domain.

    Examples
    --------
    >>> route_by_resource({"path": "/v1/users/7", "resource": "/users/{id}", "pathParameters": {"id": "7"}})["path"]
    '/users/7'
    """
    template = event.get("resource")
    if not isinstance(template, str) or not template.startswith("/"):
        return event
    parameters = event.get("pathParameters") or {}
    path = re.sub(r"\{([^}/+]+)\}", lambda match: str(parameters.get(match.group(1), match.group(0))), template)
    return {**event, "path": path}


def principal(event: BaseProxyEvent) -> str:
    """Who sent the request (IAM caller, Cognito or JWT subject, Lambda authorizer principal), or ``""``.

    Payload 1.0 (REST) keeps them in ``authorizer.claims``, ``authorizer.principalId`` and
    ``identity.userArn``; payload 2.0 (HTTP API) in ``authorizer.jwt.claims``, ``authorizer.lambda``
    (the context a Lambda authorizer returns) and ``authorizer.iam.userArn``.
    """
    context = event.raw_event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    claims = authorizer.get("claims") or (authorizer.get("jwt") or {}).get("claims") or {}
    identity = context.get("identity") or authorizer.get("iam") or {}
    lambda_context = authorizer.get("lambda") or {}
    return str(
        claims.get("sub")
        or authorizer.get("principalId")
        or lambda_context.get("principalId")
        or identity.get("userArn")
        or ""
    )
