"""Event details checked with the validators EventFanout compiled from its schemas at synthesis.

``EventFanout.publisher_layer`` compiles each detail-type's JSON Schema (draft 2020-12, the
keywords its docs list) with fastjsonschema into a self-contained Python module and ships the
sources in ``validators.json`` next to this package; this module runs them. No JSON Schema library
(and no package but the standard library) is needed here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

Validator = Callable[[Any], list[tuple[str, str]]]


@cache
def compiled(source: str) -> Validator:
    """The ``errors`` function of a generated validator module (run once per execution environment)."""
    namespace: dict[str, Any] = {"__name__": "event_publisher_detail_schema"}
    # The source was generated at synthesis and ships in this layer: as trusted as this file.
    exec(compile(source, "<event detail schema>", "exec"), namespace)
    errors: Validator = namespace["errors"]
    return errors


def schema_errors(instance: Any, validator: str) -> list[str]:
    """Every way ``instance`` breaks the schema compiled into ``validator``, as ``"<path>: <problem>"`` strings.

    Examples
    --------
    >>> from serverless_patterns._internal.json_schema import validator_source
    >>> source = validator_source({"properties": {"amount": {"minimum": 0}}, "required": ["id"]}, draft="2020-12")
    >>> schema_errors({"amount": -1}, source)
    ['$.id: is required', '$.amount: must be at least 0']
    """
    return [
        f"${'' if not field or field.startswith('[') else '.'}{field}: {message}"
        for field, message in compiled(validator)(instance)
    ]
