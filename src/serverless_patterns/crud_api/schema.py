"""The item JSON Schema of a CrudApi resource: checked once, turned into every form the API needs.

One schema (the subset of JSON Schema draft 4 that API Gateway models support) becomes the API
Gateway request model, the handler's validator (compiled at synthesis with fastjsonschema, see
``serverless_patterns._internal.json_schema``) and the OpenAPI component, so the three never
disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_apigateway as apigateway

from serverless_patterns._internal import json_schema
from serverless_patterns.runtime.crud_api import contract

SUPPORTED_KEYWORDS = frozenset(
    {
        "type",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minItems",
        "maxItems",
        "enum",
        "pattern",
        "title",
        "description",
    }
)
TYPES = ("string", "integer", "number", "boolean", "object", "array", "null")

_INTEGER_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems")
_NUMBER_KEYWORDS = ("minimum", "maximum")
_BOUNDS = (("minLength", "maxLength"), ("minItems", "maxItems"), ("minimum", "maximum"))


def schema_problems(schema: object, id_attribute: str) -> list[str]:
    """Every reason ``schema`` is not a supported item schema (empty when it is).

    Examples
    --------
    >>> problems = schema_problems({"type": "object", "properties": {"n": {"oneOf": []}}}, "id")
    >>> problems[0].startswith("schema keyword 'oneOf' at properties.n is not supported")
    True
    >>> schema_problems('{"type": "object"}', "id")
    ['schema must be a JSON Schema object (a mapping), got str']
    """
    problem = json_schema.object_problem(schema)
    if problem is not None:
        return [problem]
    assert isinstance(schema, Mapping)
    problems: list[str] = []
    if schema.get("type") != "object":
        problems.append(f"schema must have type 'object' at the top level, got {schema.get('type')!r}")
    properties = schema.get("properties", {})
    if isinstance(properties, Mapping):
        reserved = sorted({id_attribute, *contract.SERVER_FIELDS} & set(properties))
        if reserved:
            problems.append(
                f"schema properties {', '.join(reserved)} are managed by the server "
                f"(id attribute, {', '.join(contract.SERVER_FIELDS)}): remove them"
            )
    _walk(schema, "", problems)
    if not problems:
        problems += [f"schema {problem}" for problem in json_schema.compile_problems(schema, draft="draft-04")]
    return problems


def _walk(schema: Any, path: str, problems: list[str]) -> None:
    where = path or "the top level"
    if not isinstance(schema, Mapping):
        problems.append(f"schema at {where} must be an object, got {type(schema).__name__}")
        return
    unknown = sorted(set(schema) - SUPPORTED_KEYWORDS)
    for keyword in unknown:
        allowed = ", ".join(sorted(SUPPORTED_KEYWORDS))
        problems.append(f"schema keyword {keyword!r} at {where} is not supported (allowed: {allowed})")
    kind = schema.get("type")
    kinds = [kind] if isinstance(kind, str) else kind
    if kind is not None and (not isinstance(kinds, list) or any(item not in TYPES for item in kinds)):
        problems.append(f"schema type at {where} must be one of {', '.join(TYPES)}, got {kind!r}")
    for keyword in _INTEGER_KEYWORDS:
        value = schema.get(keyword)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            problems.append(f"schema {keyword} at {where} must be a non-negative integer, got {value!r}")
    for keyword in _NUMBER_KEYWORDS:
        value = schema.get(keyword)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            problems.append(f"schema {keyword} at {where} must be a number, got {value!r}")
    for low, high in _BOUNDS:
        low_value, high_value = schema.get(low), schema.get(high)
        if isinstance(low_value, (int, float)) and isinstance(high_value, (int, float)) and low_value > high_value:
            # No value could satisfy both: API Gateway accepts the model and then rejects every request.
            problems.append(f"schema {low} at {where} must not exceed {high} ({high_value}), got {low_value}")
    for keyword in ("exclusiveMinimum", "exclusiveMaximum", "additionalProperties"):
        if keyword in schema and not isinstance(schema[keyword], bool):
            problems.append(f"schema {keyword} at {where} must be true or false (draft 4), got {schema[keyword]!r}")
    if "pattern" in schema:
        try:
            re.compile(schema["pattern"])
        except (re.error, TypeError):
            problems.append(f"schema pattern at {where} must be a valid regular expression, got {schema['pattern']!r}")
    if "enum" in schema and (not isinstance(schema["enum"], list) or not schema["enum"]):
        problems.append(f"schema enum at {where} must be a non-empty list, got {schema['enum']!r}")
    properties = schema.get("properties")
    if properties is not None:
        if not isinstance(properties, Mapping):
            problems.append(f"schema properties at {where} must be an object")
        else:
            for name, child in properties.items():
                _walk(child, f"{path}.{name}" if path else f"properties.{name}", problems)
    required = schema.get("required")
    if required is not None:
        names = set(properties or {}) if isinstance(properties, Mapping) else set()
        if not isinstance(required, list) or any(name not in names for name in required):
            problems.append(f"schema required at {where} must list names of its properties, got {required!r}")
    if "items" in schema:
        _walk(schema["items"], f"{path}[]" if path else "items", problems)


def handler_schema(schema: Mapping[str, Any], *, allow_unknown_fields: bool) -> dict[str, Any]:
    """The schema the handler validates request bodies with (server fields removed first)."""
    result = dict(schema)
    if not allow_unknown_fields:
        result["additionalProperties"] = False
    return result


def handler_config(schema: Mapping[str, Any], *, allow_unknown_fields: bool) -> dict[str, Any]:
    """The configuration entries of the handlers' validation: the schema and its compiled validator.

    ``validator`` is the source of a self-contained Python module (see
    ``serverless_patterns._internal.json_schema.validator_source``) that the write handler runs.

    Examples
    --------
    >>> config = handler_config({"type": "object", "properties": {}}, allow_unknown_fields=False)
    >>> config["schema"]
    {'type': 'object', 'properties': {}, 'additionalProperties': False}
    >>> "def validate(" in config["validator"]
    True
    """
    handled = handler_schema(schema, allow_unknown_fields=allow_unknown_fields)
    validator = json_schema.validator_source(handled, draft="draft-04")
    return {contract.SCHEMA_KEY: handled, contract.VALIDATOR_KEY: validator}


def request_schema(schema: Mapping[str, Any], id_attribute: str, *, allow_unknown_fields: bool) -> dict[str, Any]:
    """The request body schema: the item schema plus the read-only server fields, accepted and ignored.

    Clients often send back what they read (``GET`` then ``PUT``), so the server fields are allowed.
    """
    result = handler_schema(schema, allow_unknown_fields=allow_unknown_fields)
    result["properties"] = {**schema.get("properties", {}), **read_only_properties(id_attribute)}
    return result


def item_schema(schema: Mapping[str, Any], id_attribute: str) -> dict[str, Any]:
    """A stored item: the schema plus the server fields, all of them present."""
    result = dict(schema)
    result["properties"] = {**schema.get("properties", {}), **read_only_properties(id_attribute)}
    result["required"] = [*schema.get("required", []), id_attribute, *contract.SERVER_FIELDS]
    return result


def read_only_properties(id_attribute: str) -> dict[str, Any]:
    """The fields the server sets on every item."""
    return {
        id_attribute: {"type": "string", "description": "Server-generated id (UUID)."},
        contract.CREATED_AT: {"type": "string", "format": "date-time"},
        contract.UPDATED_AT: {"type": "string", "format": "date-time"},
        contract.VERSION: {"type": "integer", "minimum": 1, "description": "Incremented by every update; the ETag."},
    }


def to_api_gateway(schema: Mapping[str, Any], *, top_level: bool = True) -> apigateway.JsonSchema:
    """``schema`` as an ``apigateway.JsonSchema`` (draft 4) for a request model."""
    kind = schema.get("type")
    kinds = (
        None
        if kind is None
        else [apigateway.JsonSchemaType[name.upper()] for name in ([kind] if isinstance(kind, str) else kind)]
    )
    properties = schema.get("properties")
    items = schema.get("items")
    return apigateway.JsonSchema(
        schema=apigateway.JsonSchemaVersion.DRAFT4 if top_level else None,
        title=schema.get("title"),
        description=schema.get("description"),
        type=None if kinds is None else (kinds[0] if len(kinds) == 1 else kinds),
        required=schema.get("required"),
        properties=None
        if properties is None
        else {name: to_api_gateway(child, top_level=False) for name, child in properties.items()},
        additional_properties=schema.get("additionalProperties"),
        items=None if items is None else to_api_gateway(items, top_level=False),
        format=schema.get("format"),
        min_length=schema.get("minLength"),
        max_length=schema.get("maxLength"),
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        exclusive_minimum=schema.get("exclusiveMinimum"),
        exclusive_maximum=schema.get("exclusiveMaximum"),
        min_items=schema.get("minItems"),
        max_items=schema.get("maxItems"),
        enum=schema.get("enum"),
        pattern=schema.get("pattern"),
    )


def to_openapi(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` as an OpenAPI 3.0 schema object (a type list becomes ``nullable`` or ``anyOf``)."""
    result: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword == "properties":
            result["properties"] = {name: to_openapi(child) for name, child in value.items()}
        elif keyword == "items":
            result["items"] = to_openapi(value)
        elif keyword == "type" and isinstance(value, list):
            kinds = [kind for kind in value if kind != "null"]
            if "null" in value:
                result["nullable"] = True
            if len(kinds) == 1:
                result["type"] = kinds[0]
            else:
                result["anyOf"] = [{"type": kind} for kind in kinds]
        else:
            result[keyword] = value
    return result
