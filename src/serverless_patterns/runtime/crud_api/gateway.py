"""What differs between the two gateways in front of the handlers: the event format and the body model check.

A REST API sends payload format 1.0, an HTTP API payload format 2.0 (``"version": "2.0"``,
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html);
:func:`resolvers` gives one Powertools resolver per format over the same routes and :func:`resolve`
picks one by the event's version. A REST API validates a ``POST``/``PUT`` body against its request
model before the handler runs and answers ``400 BAD_REQUEST_BODY`` itself; HTTP APIs have no request
validation (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html), so
behind one :func:`check_model` gives the same answer from the handler, with the same schema.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router

from . import contract
from .common import ApiError
from .validator import schema_errors

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
    from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from .common import ResourceConfig

BAD_REQUEST_BODY = "BAD_REQUEST_BODY"
"""The error code of a body the model rejects: the REST API's gateway response names its type so."""


def router() -> Router:
    """The routes of a handler, served by both resolvers of :func:`resolvers`."""
    return Router()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


def resolvers(router: Router) -> dict[str, ApiGatewayResolver]:
    """A REST (payload 1.0) and an HTTP API (payload 2.0) resolver serving ``router``'s routes, by version."""
    rest = APIGatewayRestResolver()
    http = APIGatewayHttpResolver()
    rest.include_router(router)
    http.include_router(router)
    return {"1.0": rest, contract.HTTP_API_PAYLOAD_VERSION: http}


def resolve(by_version: dict[str, ApiGatewayResolver], event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The response of the resolver for ``event``'s payload format (1.0 when it names none, as REST events)."""
    resolver = by_version.get(str(event.get(contract.PAYLOAD_VERSION_FIELD)), by_version["1.0"])
    return resolver.resolve(event, context)


def check_model(event: BaseProxyEvent, config: ResourceConfig) -> None:
    """400 ``BAD_REQUEST_BODY`` when the body breaks the request model, as a REST API's request validator answers.

    Only when the configuration carries a model validator (resources of an HTTP API). As API
    Gateway does, the model is chosen by content type (``application/json`` when none is sent,
    other types are not checked) and an empty body is checked as ``{}``
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html).
    Unlike the REST gateway response, ``details`` lists what is wrong.
    """
    model_validator = config.model_validator
    if not model_validator:
        return
    content_type = (event.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        return
    raw = event.body or ""
    try:
        data = base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw.encode()
        document = json.loads(data or b"{}", parse_constant=_not_json)
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError) as error:
        details = [{"field": "(body)", "message": "not JSON"}]
        raise ApiError(400, BAD_REQUEST_BODY, "Invalid request body", details) from error
    try:
        problems = schema_errors(document, model_validator)
    except RecursionError as error:
        raise ApiError(400, BAD_REQUEST_BODY, "Invalid request body") from error
    if problems:
        raise ApiError(400, BAD_REQUEST_BODY, "Invalid request body", problems)


def _not_json(constant: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259); Python's parser would accept them.
    raise ValueError(f"{constant} is not a JSON value")
