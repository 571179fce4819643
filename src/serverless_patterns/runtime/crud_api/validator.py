"""Request bodies checked with the validator CrudApi compiled from the item schema at synthesis.

The construct compiles each resource's schema (the draft 4 subset API Gateway models support)
with fastjsonschema into a self-contained Python module and writes its source into the
configuration (``validator``); this module runs it. No JSON Schema library is needed here.
Numbers arrive as ``Decimal`` (the handler parses JSON floats so); they are validated as JSON
numbers (``float``), as API Gateway's own request validator does.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

Validator = Callable[[Any], list[tuple[str, str]]]


@cache
def compiled(source: str) -> Validator:
    """The ``errors`` function of a generated validator module (run once per execution environment)."""
    namespace: dict[str, Any] = {"__name__": "crud_api_item_schema"}
    # The source was generated at synthesis and ships in this asset's configuration: as trusted as this file.
    exec(compile(source, "<crud_api item schema>", "exec"), namespace)
    errors: Validator = namespace["errors"]
    return errors


def schema_errors(value: Any, validator: str) -> list[dict[str, str]]:
    """Every way ``value`` breaks the schema compiled into ``validator``, as ``{"field", "message"}`` dicts.

    Examples
    --------
    >>> from serverless_patterns._internal.json_schema import validator_source
    >>> source = validator_source({"type": "object", "properties": {"age": {"type": "integer"}}}, draft="draft-04")
    >>> schema_errors({"age": "x"}, source)
    [{'field': 'age', 'message': 'must be of type integer'}]
    >>> schema_errors([], source)
    [{'field': '(body)', 'message': 'must be of type object'}]
    """
    return [{"field": field or "(body)", "message": message} for field, message in compiled(validator)(_floats(value))]


def _floats(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats(item) for item in value]
    return value
