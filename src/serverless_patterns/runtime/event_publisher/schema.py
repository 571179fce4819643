"""A small, dependency-free JSON Schema validator for event details (a subset of draft 2020-12).

Supported keywords: ``type``, ``enum``, ``const``, ``properties``, ``required``,
``additionalProperties``, ``minProperties``, ``maxProperties``, ``items``, ``minItems``,
``maxItems``, ``uniqueItems``, ``minLength``, ``maxLength``, ``pattern``, ``minimum``, ``maximum``,
``exclusiveMinimum``, ``exclusiveMaximum``, ``multipleOf``, ``allOf``, ``anyOf``, ``oneOf``, ``not``
and local ``$ref`` (``#/$defs/...``). Other keywords (``format``, ``title``, ...) are ignored, as
JSON Schema itself treats unknown keywords. It ships inside the publisher's folder so that a
Lambda handler needs no third-party package to validate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list, tuple),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}


def schema_errors(instance: Any, schema: Mapping[str, Any] | bool) -> list[str]:
    """Every way ``instance`` breaks ``schema``, as ``"<path>: <problem>"`` strings (empty when valid).

    Examples
    --------
    >>> schema_errors({"amount": -1}, {"type": "object", "properties": {"amount": {"minimum": 0}}})
    ['$.amount: -1 is less than the minimum 0']
    >>> schema_errors({"amount": 5}, {"required": ["amount", "orderId"]})
    ["$: 'orderId' is required"]
    """
    errors: list[str] = []
    _check(instance, schema, "$", schema if isinstance(schema, Mapping) else {}, errors)
    return errors


def _is_type(value: Any, name: str) -> bool:
    if name in ("number", "integer") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(name, ()))


def _resolve(root: Mapping[str, Any], ref: str) -> Mapping[str, Any] | bool:
    if not ref.startswith("#"):
        raise ValueError(f"only local $ref ('#/...') is supported, got {ref!r}")
    node: Any = root
    for part in [p for p in ref[1:].split("/") if p]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, (Mapping, bool)):
        raise ValueError(f"$ref {ref!r} does not point at a schema")
    return node


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _check(value: Any, schema: Mapping[str, Any] | bool, path: str, root: Mapping[str, Any], errors: list[str]) -> None:
    if schema is True:
        return
    if schema is False:
        errors.append(f"{path}: no value is allowed here")
        return
    assert isinstance(schema, Mapping)
    if "$ref" in schema:
        _check(value, _resolve(root, schema["$ref"]), path, root, errors)

    expected = schema.get("type")
    if expected is not None:
        names = [expected] if isinstance(expected, str) else list(expected)
        if not any(_is_type(value, name) for name in names):
            errors.append(f"{path}: {value!r} is not of type {' or '.join(names)}")
            return
    if "enum" in schema and _canonical(value) not in {_canonical(option) for option in schema["enum"]}:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']!r}")
    if "const" in schema and _canonical(value) != _canonical(schema["const"]):
        errors.append(f"{path}: {value!r} is not {schema['const']!r}")

    if isinstance(value, dict):
        _check_object(value, schema, path, root, errors)
    elif isinstance(value, (list, tuple)):
        _check_array(list(value), schema, path, root, errors)
    elif isinstance(value, str):
        _check_string(value, schema, path, errors)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(value, schema, path, errors)

    for sub in schema.get("allOf", []):
        _check(value, sub, path, root, errors)
    if "anyOf" in schema and not any(not schema_errors_at(value, sub, root) for sub in schema["anyOf"]):
        errors.append(f"{path}: {value!r} matches none of anyOf")
    if "oneOf" in schema:
        matches = sum(1 for sub in schema["oneOf"] if not schema_errors_at(value, sub, root))
        if matches != 1:
            errors.append(f"{path}: {value!r} matches {matches} of oneOf, exactly 1 is required")
    if "not" in schema and not schema_errors_at(value, schema["not"], root):
        errors.append(f"{path}: {value!r} must not match the 'not' schema")


def schema_errors_at(value: Any, schema: Mapping[str, Any] | bool, root: Mapping[str, Any]) -> list[str]:
    """Errors of ``value`` against a subschema of ``root`` (``$ref`` resolves against ``root``)."""
    errors: list[str] = []
    _check(value, schema, "$", root, errors)
    return errors


def _check_object(
    value: dict[str, Any], schema: Mapping[str, Any], path: str, root: Mapping[str, Any], errors: list[str]
) -> None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            errors.append(f"{path}: {name!r} is required")
    for name, item in value.items():
        if name in properties:
            _check(item, properties[name], f"{path}.{name}", root, errors)
        elif "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            if extra is False:
                errors.append(f"{path}: property {name!r} is not allowed")
            else:
                _check(item, extra, f"{path}.{name}", root, errors)
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        errors.append(f"{path}: has {len(value)} properties, at least {schema['minProperties']} are required")
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        errors.append(f"{path}: has {len(value)} properties, at most {schema['maxProperties']} are allowed")


def _check_array(
    value: list[Any], schema: Mapping[str, Any], path: str, root: Mapping[str, Any], errors: list[str]
) -> None:
    if "items" in schema:
        for index, item in enumerate(value):
            _check(item, schema["items"], f"{path}[{index}]", root, errors)
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(f"{path}: has {len(value)} items, at least {schema['minItems']} are required")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(f"{path}: has {len(value)} items, at most {schema['maxItems']} are allowed")
    if schema.get("uniqueItems") and len({_canonical(item) for item in value}) != len(value):
        errors.append(f"{path}: items must be unique")


def _check_string(value: str, schema: Mapping[str, Any], path: str, errors: list[str]) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{path}: {value!r} is shorter than {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{path}: {value!r} is longer than {schema['maxLength']} characters")
    if "pattern" in schema and re.search(schema["pattern"], value) is None:
        errors.append(f"{path}: {value!r} does not match {schema['pattern']!r}")


def _check_number(value: float, schema: Mapping[str, Any], path: str, errors: list[str]) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value!r} is less than the minimum {schema['minimum']!r}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{path}: {value!r} is greater than the maximum {schema['maximum']!r}")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        errors.append(f"{path}: {value!r} must be greater than {schema['exclusiveMinimum']!r}")
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        errors.append(f"{path}: {value!r} must be less than {schema['exclusiveMaximum']!r}")
    if "multipleOf" in schema:
        quotient = value / schema["multipleOf"]
        if not float(quotient).is_integer():
            errors.append(f"{path}: {value!r} is not a multiple of {schema['multipleOf']!r}")
