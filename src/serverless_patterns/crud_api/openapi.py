"""The OpenAPI 3 document of a CrudApi REST API, generated from the same item schemas as its models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from serverless_patterns.crud_api.schema import item_schema, request_schema, to_openapi
from serverless_patterns.runtime.crud_api import contract

ERROR_STATUSES = {
    "400": "Malformed JSON, a bad query parameter or cursor, or a body the API Gateway model rejects",
    "403": "Not authorized",
    "404": "No such item or route",
    "409": f"A request with the same {contract.IDEMPOTENCY_KEY} is still in progress",
    "412": f"{contract.IF_MATCH} does not name the current version",
    "413": "Body over 256 KB",
    "415": "Content-Type is not application/json",
    "422": f"The body breaks the schema, or the {contract.IDEMPOTENCY_KEY} was used with another body",
    "428": f"{contract.IF_MATCH} is required",
    "429": "Throttled",
}


@dataclass(frozen=True)
class ResourceSpec:
    """What the OpenAPI document needs to know about one CrudApi resource."""

    name: str
    id_attribute: str
    schema: Mapping[str, Any]
    operations: tuple[str, ...]
    allow_unknown_fields: bool
    security: str  # "iam", "cognito", "custom" or "none"
    partition_attribute: str | None = None


def openapi_document(title: str, stage_name: str, resources: Sequence[ResourceSpec]) -> dict[str, Any]:
    """An OpenAPI 3.0.3 document for ``resources``.

    Examples
    --------
    >>> spec = ResourceSpec("users", "id", {"type": "object"}, ("get",), False, "iam")
    >>> sorted(openapi_document("Users", "prod", [spec])["paths"])
    ['/users/{id}']
    """
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": _error_schema()}
    for spec in resources:
        model = pascal_case(spec.name)
        schemas[f"{model}Item"] = to_openapi(item_schema(spec.schema, spec.id_attribute))
        schemas[f"{model}Input"] = to_openapi(
            request_schema(spec.schema, spec.id_attribute, allow_unknown_fields=spec.allow_unknown_fields)
        )
        schemas[f"{model}Page"] = {
            "type": "object",
            "required": [contract.ITEMS_FIELD, contract.CURSOR_PARAMETER],
            "properties": {
                contract.ITEMS_FIELD: {"type": "array", "items": {"$ref": f"#/components/schemas/{model}Item"}},
                contract.CURSOR_PARAMETER: {
                    "type": "string",
                    "nullable": True,
                    "description": "Opaque cursor of the next page.",
                },
            },
        }
        security = _security(spec.security)
        collection: dict[str, Any] = {}
        item: dict[str, Any] = {}
        item_ref = {"$ref": f"#/components/schemas/{model}Item"}
        input_body = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}Input"}}},
        }
        if contract.LIST in spec.operations:
            collection["get"] = _operation(
                f"list{model}",
                f"A page of {spec.name}",
                security,
                {"200": _json("A page of items", {"$ref": f"#/components/schemas/{model}Page"})},
                ["400"],
                parameters=[
                    {
                        "name": contract.LIMIT_PARAMETER,
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": contract.MAX_LIMIT,
                            "default": contract.DEFAULT_LIMIT,
                        },
                    },
                    {"name": contract.CURSOR_PARAMETER, "in": "query", "schema": {"type": "string"}},
                    *(
                        [{"name": spec.partition_attribute, "in": "query", "schema": {"type": "string"}}]
                        if spec.partition_attribute
                        else []
                    ),
                ],
            )
        if contract.CREATE in spec.operations:
            collection["post"] = _operation(
                f"create{model}",
                f"Create one of {spec.name}",
                security,
                {"201": _json("Created", item_ref, {contract.LOCATION: _header(), contract.ETAG: _header()})},
                ["400", "409", "413", "415", "422"],
                parameters=[
                    {
                        "name": contract.IDEMPOTENCY_KEY,
                        "in": "header",
                        "schema": {"type": "string", "maxLength": contract.MAX_IDEMPOTENCY_KEY_LENGTH},
                    }
                ],
                body=input_body,
            )
        path_parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in (spec.partition_attribute, spec.id_attribute)
            if name
        ]
        if contract.GET in spec.operations:
            item["get"] = _operation(
                f"get{model}",
                f"One of {spec.name}",
                security,
                {"200": _json("The item", item_ref, {contract.ETAG: _header()})},
                ["404"],
                parameters=path_parameters,
            )
        if contract.UPDATE in spec.operations:
            item["put"] = _operation(
                f"replace{model}",
                f"Replace one of {spec.name}",
                security,
                {"200": _json("The updated item", item_ref, {contract.ETAG: _header()})},
                ["400", "404", "412", "413", "415", "422", "428"],
                parameters=[
                    *path_parameters,
                    {"name": contract.IF_MATCH, "in": "header", "required": True, "schema": {"type": "string"}},
                ],
                body=input_body,
            )
        if contract.DELETE in spec.operations:
            item["delete"] = _operation(
                f"delete{model}",
                f"Delete one of {spec.name}",
                security,
                {"204": {"description": "Deleted"}},
                ["404", "412"],
                parameters=[
                    *path_parameters,
                    {"name": contract.IF_MATCH, "in": "header", "schema": {"type": "string"}},
                ],
            )
        if collection:
            paths[f"/{spec.name}"] = collection
        if item:
            partition = f"/{{{spec.partition_attribute}}}" if spec.partition_attribute else ""
            paths[f"/{spec.name}{partition}/{{{spec.id_attribute}}}"] = item
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0.0"},
        "servers": [
            {
                "url": "https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}",
                "variables": {
                    "restApiId": {"default": "restApiId"},
                    "region": {"default": "us-east-1"},
                    "stage": {"default": stage_name},
                },
            }
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                },
                "authorizer": {"type": "apiKey", "name": "Authorization", "in": "header"},
            },
        },
    }


def _operation(
    operation_id: str,
    summary: str,
    security: list[dict[str, list[str]]],
    responses: dict[str, Any],
    errors: list[str],
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    all_responses = dict(responses)
    for status in sorted({*errors, "403", "429"}):
        all_responses[status] = _json(ERROR_STATUSES[status], {"$ref": "#/components/schemas/Error"})
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary, "security": security}
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = body
    operation["responses"] = all_responses
    return operation


def _security(kind: str) -> list[dict[str, list[str]]]:
    if kind == "iam":
        return [{"sigv4": []}]
    if kind == "none":
        return []
    return [{"authorizer": []}]


def _json(description: str, schema: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _header() -> dict[str, Any]:
    return {"schema": {"type": "string"}}


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "array", "items": {"type": "object"}},
                },
            }
        },
    }


def pascal_case(name: str) -> str:
    """A resource name as the PascalCase stem of its model names.

    Examples
    --------
    >>> pascal_case("order-lines")
    'OrderLines'
    """
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
