"""The hand-written head of every generated JSON Schema validator (runtime code: standard library only).

At synthesis ``serverless_patterns._internal.json_schema.validator_source`` compiles a schema with
fastjsonschema and puts this module's text in front of the generated code, so a validator is one
self-contained Python module: no library is needed where it runs. This head defines the two
exception classes the generated code raises and :func:`errors`, which runs the generated
``validate`` and turns its exceptions into ``(field, message)`` pairs, one per broken rule.

Fields are paths into the instance: ``""`` for the instance itself, ``"address.city"`` for a
property, ``"items[0]"`` for an array item. Messages are lower-case, without a final period.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID


class JsonSchemaValueException(ValueError):  # noqa: N818 - the name the generated code raises
    """One broken rule, as the generated code reports it (fastjsonschema's constructor signature)."""

    def __init__(
        self, message: str, value: Any = None, name: str | None = None, definition: Any = None, rule: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.name = name
        self.definition = definition
        self.rule = rule


class JsonSchemaValuesException(ValueError):  # noqa: N818 - the name the generated code raises
    """Every broken rule of one validation (the generated code collects them all)."""

    def __init__(self, errors: list[JsonSchemaValueException]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_date_time(value: str) -> bool:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return "T" in value.upper() and parsed.tzinfo is not None


FORMATS: dict[str, Callable[[str], bool]] = {
    "date": _is_date,
    "date-time": _is_date_time,
    "email": lambda value: _EMAIL.fullmatch(value) is not None,
    "uri": lambda value: _URI.fullmatch(value) is not None,
    "uuid": _is_uuid,
}
"""The formats a validator asserts (only validators compiled with formats call them)."""


def errors(instance: Any) -> list[tuple[str, str]]:
    """Every way ``instance`` breaks the schema, as ``(field, message)`` pairs (empty when valid).

    Examples
    --------
    In the module ``validator_source`` generates (this head plus the generated ``validate``):

    >>> from serverless_patterns._internal.json_schema import validator_source
    >>> namespace: dict[str, Any] = {}
    >>> exec(validator_source({"properties": {"age": {"type": "integer"}}}, draft="2020-12"), namespace)
    >>> namespace["errors"]({"age": "x"})
    [('age', 'must be of type integer')]
    """
    validate: Callable[..., Any] = globals()["validate"]  # defined by the generated code below this head
    try:
        validate(instance, FORMATS, "data")
    except JsonSchemaValuesException as failure:
        broken = failure.errors
    except JsonSchemaValueException as failure:
        broken = [failure]
    else:
        return []
    # dict keeps the first of equal pairs: fastjsonschema reports each missing dependency with all of them.
    return list(dict.fromkeys(pair for error in broken for pair in describe(error)))


def describe(error: JsonSchemaValueException) -> list[tuple[str, str]]:
    """``error`` as ``(field, message)`` pairs: one per missing or unexpected field, else one.

    Examples
    --------
    >>> describe(JsonSchemaValueException("data.age must be integer", 1.5, "data.age", {"type": "integer"}, "type"))
    [('age', 'must be of type integer')]
    >>> describe(JsonSchemaValueException("", {"a": 1}, "data", {"required": ["a", "b", "c"]}, "required"))
    [('b', 'is required'), ('c', 'is required')]
    """
    field = _field(error.name or "data")
    definition: Mapping[str, Any] = error.definition if isinstance(error.definition, Mapping) else {}
    rule = error.rule
    value = error.value
    if rule == "required" and isinstance(value, Mapping):
        return [(_join(field, name), "is required") for name in definition.get("required", []) if name not in value]
    if rule == "additionalProperties" and isinstance(value, Mapping):
        return [(_join(field, name), "is not an allowed field") for name in _unexpected(value, definition)]
    if rule == "dependencies" and isinstance(value, Mapping):
        return [
            (_join(field, needed), f"is required when {present} is present")
            for present, needs in definition.get("dependencies", {}).items()
            if present in value and isinstance(needs, list)
            for needed in needs
            if needed not in value
        ]
    return [(field, _message(rule, definition, error.message, error.name or "data"))]


def _message(rule: str | None, definition: Mapping[str, Any], fallback: str, name: str) -> str:  # noqa: PLR0911
    bound = definition.get(rule) if rule else None
    if rule == "type":
        kinds = [bound] if isinstance(bound, str) else list(bound or [])
        return f"must be of type {' or '.join(kinds)}"
    if rule == "enum":
        return f"must be one of {', '.join(map(str, bound or []))}"
    if rule == "const":
        return f"must be {json.dumps(bound)}"
    if rule == "minimum":
        return f"must be {'greater than' if definition.get('exclusiveMinimum') is True else 'at least'} {bound}"
    if rule == "maximum":
        return f"must be {'less than' if definition.get('exclusiveMaximum') is True else 'at most'} {bound}"
    if rule in _TEMPLATES:
        return _TEMPLATES[rule].format(bound)
    if rule is None and fallback.endswith("must not be there"):
        return "is not allowed"  # the schema false
    return fallback.removeprefix(name).strip()


_TEMPLATES = {
    "exclusiveMinimum": "must be greater than {}",
    "exclusiveMaximum": "must be less than {}",
    "multipleOf": "must be a multiple of {}",
    "minLength": "must be at least {} characters long",
    "maxLength": "must be at most {} characters long",
    "pattern": "must match the pattern {}",
    "format": "must be a valid {}",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
    "uniqueItems": "must not hold the same item twice",
    "minProperties": "must have at least {} fields",
    "maxProperties": "must have at most {} fields",
    "contains": "must hold an item that matches the contains schema",
    "propertyNames": "must have field names that match the propertyNames schema",
    "anyOf": "must match at least one of the anyOf schemas",
    "oneOf": "must match exactly one of the oneOf schemas",
    "not": "must not match the not schema",
    "items": "must have no items after the prefixItems",
}


def _unexpected(value: Mapping[str, Any], definition: Mapping[str, Any]) -> list[str]:
    named = definition.get("properties", {})
    patterns = [re.compile(pattern) for pattern in definition.get("patternProperties", {})]
    return [
        str(name) for name in value if name not in named and not any(pattern.search(str(name)) for pattern in patterns)
    ]


def _field(name: str) -> str:
    return name.removeprefix("data").removeprefix(".")


def _join(field: str, name: str) -> str:
    return f"{field}.{name}" if field else name
