"""A small JSON Schema validator for the subset that API Gateway models support.

Keywords: ``type``, ``required``, ``properties``, ``additionalProperties`` (boolean), ``items``,
``format`` (email, date-time, date, uuid, uri), ``minLength``/``maxLength``, ``minimum``/``maximum``,
``exclusiveMinimum``/``exclusiveMaximum`` (draft-4 booleans), ``minItems``/``maxItems``, ``enum`` and
``pattern``. It ships inside the handler asset because the Lambda runtime has no JSON Schema library.
Numbers arrive as ``int`` or ``Decimal`` (the handler parses JSON floats as ``Decimal``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_PATTERNS: dict[str, re.Pattern[str]] = {}


def schema_errors(value: Any, schema: Mapping[str, Any], path: str = "") -> list[dict[str, str]]:
    """Every way ``value`` breaks ``schema``, as ``{"field", "message"}`` dicts (empty when valid).

    Examples
    --------
    >>> schema_errors({"age": "x"}, {"type": "object", "properties": {"age": {"type": "integer"}}})
    [{'field': 'age', 'message': 'must be of type integer'}]
    """
    errors: list[dict[str, str]] = []
    _check(value, schema, path, errors)
    return errors


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float, Decimal),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name != "boolean":
        return False
    return isinstance(value, _TYPES.get(name, ()))


def _check(value: Any, schema: Mapping[str, Any], path: str, errors: list[dict[str, str]]) -> None:
    def fail(message: str, field: str = path) -> None:
        errors.append({"field": field or "(body)", "message": message})

    expected = schema.get("type")
    if expected is not None:
        names = [expected] if isinstance(expected, str) else list(expected)
        if not any(_is_type(value, name) for name in names):
            fail(f"must be of type {' or '.join(names)}")
            return
    if "enum" in schema and value not in schema["enum"]:
        fail(f"must be one of {', '.join(map(str, schema['enum']))}")
    if isinstance(value, str):
        _check_string(value, schema, fail)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        _check_number(value, schema, fail)
    elif isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            fail(f"must have at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            fail(f"must have at most {schema['maxItems']} items")
        if "items" in schema:
            for index, item in enumerate(value):
                _check(item, schema["items"], f"{path}[{index}]", errors)
    elif isinstance(value, dict):
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                fail("is required", _join(path, name))
        for name, item in value.items():
            if name in properties:
                _check(item, properties[name], _join(path, name), errors)
            elif schema.get("additionalProperties", True) is False:
                fail("is not an allowed field", _join(path, name))


def _check_string(value: str, schema: Mapping[str, Any], fail: Any) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        fail(f"must be at least {schema['minLength']} characters long")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        fail(f"must be at most {schema['maxLength']} characters long")
    if "pattern" in schema:
        pattern = _PATTERNS.get(schema["pattern"])
        if pattern is None:
            pattern = _PATTERNS.setdefault(schema["pattern"], re.compile(schema["pattern"]))
        if pattern.search(value) is None:
            fail(f"must match the pattern {schema['pattern']}")
    form = schema.get("format")
    if form is not None and not _format_ok(value, form):
        fail(f"must be a valid {form}")


def _check_number(value: float | Decimal, schema: Mapping[str, Any], fail: Any) -> None:
    if "minimum" in schema:
        low = schema["minimum"]
        if value < low or (schema.get("exclusiveMinimum") is True and value == low):
            fail(f"must be {'greater than' if schema.get('exclusiveMinimum') is True else 'at least'} {low}")
    if "maximum" in schema:
        high = schema["maximum"]
        if value > high or (schema.get("exclusiveMaximum") is True and value == high):
            fail(f"must be {'less than' if schema.get('exclusiveMaximum') is True else 'at most'} {high}")


def _format_ok(value: str, form: str) -> bool:  # noqa: PLR0911 - one return per format
    try:
        if form == "email":
            return _EMAIL.fullmatch(value) is not None
        if form == "uri":
            return _URI.fullmatch(value) is not None
        if form == "uuid":
            UUID(value)
            return len(value) == 36
        if form == "date":
            date.fromisoformat(value)
            return len(value) == 10
        if form == "date-time":
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return "T" in value.upper() and parsed.tzinfo is not None
    except ValueError:
        return False
    return True  # formats outside the supported list are annotations only, as in JSON Schema


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
