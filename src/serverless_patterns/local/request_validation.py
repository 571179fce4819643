"""The request validator of a REST API method: required parameters and the body's JSON schema model.

API Gateway validates a body against the method's model (JSON Schema draft 4) with the
java-json-tools ``json-schema-validator`` and reports the failures, in its wording, in
``$context.error.validationErrorString`` as a Java list: ``[object has missing required
properties (["email","name"])]``. The messages here are that validator's (its
``validation.properties`` bundle, as quoted in public execution logs and test suites, e.g.
https://github.com/RafPe/serverless-reqvalidator-plugin/issues/1); a keyword it is not known to
word falls back to the ``jsonschema`` package's message.

Sources: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html ,
https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html (draft 4).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from typing import Any

_JSON_TYPES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
    (type(None), "null"),
)


EMPTY_MODEL: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Empty Schema",
    "type": "object",
}
"""API Gateway's built-in ``Empty`` model, which validates the body of a method that names no model
(https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html;
https://github.com/localstack/localstack/pull/7846)."""


def missing_parameters(
    required: Mapping[str, bool], query: Mapping[str, str], headers: Mapping[str, str], path: Mapping[str, str]
) -> list[str]:
    """The names of required request parameters a request lacks or sends blank, in the method's order.

    "The required request parameters in the URI, query string, and headers of an incoming request
    are included and not blank" (api-gateway-method-request-validation.html). ``headers`` are keyed
    lower-case.

    Examples
    --------
    >>> missing_parameters({"method.request.querystring.q": True, "method.request.header.X-Test": True}, {}, {}, {})
    ['q', 'X-Test']
    """
    missing: list[str] = []
    for key, needed in required.items():
        if not needed:
            continue
        location, _, name = key.removeprefix("method.request.").partition(".")
        value = {
            "querystring": query.get(name),
            "multivaluequerystring": query.get(name),
            "header": headers.get(name.lower()),
            "multivalueheader": headers.get(name.lower()),
            "path": path.get(name),
        }.get(location, "present")
        if value is None or not str(value).strip():
            missing.append(name)
    return missing


def body_errors(schema: Mapping[str, Any], body: bytes) -> str | None:
    """``$context.error.validationErrorString`` for a body that fails its model, ``None`` for one that passes.

    A body that is not JSON (or is nested too deeply to parse) fails with the parser's message. An
    empty body is validated as ``{}``, as API Gateway does (LocalStack matched it against AWS:
    https://github.com/localstack/localstack/pull/7916).

    Examples
    --------
    >>> schema = {"type": "object", "required": ["name", "email"], "properties": {"age": {"type": "integer"}}}
    >>> body_errors(schema, b'{"name": "a"}')
    '[object has missing required properties (["email"])]'
    >>> body_errors(schema, b'{"name": "a", "email": "b", "age": "x"}')
    '[instance type (string) does not match any allowed primitive type (allowed: ["integer"])]'
    >>> body_errors(schema, b'{"name": "a", "email": "b"}') is None
    True
    """
    try:
        # NaN and Infinity are not JSON (RFC 8259); Python's parser would accept them.
        document = json.loads(body or b"{}", parse_constant=_not_json)
    except (ValueError, RecursionError) as problem:
        return f"[{_parse_problem(problem)}]"
    jsonschema = importlib.import_module("jsonschema")
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    try:
        errors = sorted(validator.iter_errors(document), key=lambda error: [str(part) for part in error.path])
    except RecursionError:
        return "[instance nested too deeply to validate]"
    if not errors:
        return None
    worded: list[str] = []
    # One message per object naming every missing property, sorted, as the Java validator words it.
    missing: dict[tuple[Any, ...], list[str]] = {}
    slots: dict[tuple[Any, ...], int] = {}
    for error in errors:
        if error.validator == "required" and isinstance(error.instance, dict):
            key = tuple(error.path)
            if key not in slots:
                slots[key] = len(worded)
                worded.append("")
                missing[key] = []
            missing[key].extend(name for name in error.validator_value if name not in error.instance)
            continue
        worded.append(_message(error))
    for key, index in slots.items():
        worded[index] = _missing(missing[key])
    return "[" + ", ".join(dict.fromkeys(worded)) + "]"


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def _missing(names: list[str]) -> str:
    return f"object has missing required properties ({_json(sorted(set(names)))})"


def _parse_problem(problem: BaseException) -> str:
    if isinstance(problem, RecursionError):
        return "document nested too deeply"
    if isinstance(problem, UnicodeDecodeError):
        return "invalid UTF-8 in the request body"
    return str(problem)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_type(value: Any) -> str:
    """The JSON Schema primitive type of a parsed JSON value, as the Java validator names it.

    Examples
    --------
    >>> json_type(1), json_type(1.5), json_type(True), json_type(None)
    ('integer', 'number', 'boolean', 'null')
    """
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return "object"


# The validator's wording per keyword; {value} is the instance as JSON, {expected} the keyword's
# value as JSON, {length} the instance's length, {count} the number of subschemas.
_WORDING = {
    "enum": "instance value ({value}) not found in enum (possible values: {expected})",
    "minLength": "string {value} is too short (length: {length}, required minimum: {expected})",
    "maxLength": "string {value} is too long (length: {length}, maximum allowed: {expected})",
    "pattern": "ECMA 262 regex {expected} does not match input string {value}",
    "minimum": "numeric instance is lower than the required minimum (minimum: {expected}, found: {value})",
    "maximum": "numeric instance is greater than the required maximum (maximum: {expected}, found: {value})",
    "exclusiveMinimum": "numeric instance is not strictly greater than the required minimum {expected}",
    "exclusiveMaximum": "numeric instance is not strictly lower than the required maximum {expected}",
    "minItems": "array is too short: must have at least {expected} elements but instance has {length} elements",
    "maxItems": "array is too long: must have at most {expected} elements but instance has {length} elements",
    "uniqueItems": "array must not contain duplicate elements",
    "minProperties": "object has too few properties (found {length} but schema requires at least {expected})",
    "maxProperties": "object has too many properties (found {length} but schema requires at most {expected})",
    "email": "string {value} is not a valid email address",
    "multipleOf": "remainder of division is not zero ({value} / {expected})",
    "anyOf": "instance failed to match at least one required schema among {count}",
    "not": "instance matched a schema which it should not have",
}


def _message(error: Any) -> str:
    keyword = str(error.validator)
    expected = error.validator_value
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "type":
        allowed = _json(sorted([expected] if isinstance(expected, str) else expected))
        return f"instance type ({json_type(instance)}) does not match any allowed primitive type (allowed: {allowed})"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = set(schema.get("properties") or {})
        unwanted = sorted(name for name in instance if name not in known)
        return f"object instance has properties which are not allowed by the schema: {_json(unwanted)}"
    if keyword in {"minimum", "maximum"} and schema.get(f"exclusive{keyword.capitalize()}") is True:
        keyword = f"exclusive{keyword.capitalize()}"  # draft 4: a boolean beside minimum/maximum
    if keyword == "format":
        keyword = str(expected)
    wording = _WORDING.get(keyword)
    if wording is None:
        return str(error.message)
    return wording.format(
        value=_json(instance),
        expected=_json(expected),
        length=len(instance) if isinstance(instance, (str, list, dict)) else "",
        count=len(expected) if isinstance(expected, list) else "",
    )
