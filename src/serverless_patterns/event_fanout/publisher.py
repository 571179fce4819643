"""The publisher layer of an EventFanout: the ``event_publisher`` package and the detail schemas it checks.

Moved out of ``construct.py`` as it was (the schema checks and the staging of the layer), so the
bus-and-routes code and the publisher's code change independently.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.validation import Rules

_PUBLISHER_SOURCE = Path(__file__).resolve().parent.parent / "runtime" / "event_publisher"


def validate_schemas(rules: Rules, schemas: Mapping[str, Mapping[str, Any]] | None) -> None:
    """Record a broken rule for every schema the publisher's validator could not apply."""
    for detail_type, schema in (schemas or {}).items():
        rules.check(
            isinstance(schema, Mapping),
            f"schema of detail-type {detail_type!r} must be a JSON Schema object, got {type(schema).__name__}",
        )
        if isinstance(schema, Mapping):
            for problem in _schema_problems(schema):
                rules.check(False, f"schema of detail-type {detail_type!r} {problem}")


def define_publisher_layer(scope: Construct, schemas: Mapping[str, Any]) -> lambda_.LayerVersion:
    """Define the layer ``PublisherLayer`` under ``scope``: ``event_publisher`` and ``schemas``."""
    return lambda_.LayerVersion(
        scope,
        "PublisherLayer",
        code=lambda_.Code.from_asset(_stage_publisher(schemas)),
        compatible_architectures=[lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64],
        description=f"event_publisher module and detail schemas of {scope.node.path}",
    )


_JSON_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")
_NAMED_SUBSCHEMAS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")


def _schema_problems(schema: object, path: str = "#") -> list[str]:
    """What the publisher's validator could not apply: unknown type names and non-local ``$ref``."""
    problems: list[str] = []
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key == "type":
                names = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else [value]
                unknown = [name for name in names if name not in _JSON_TYPES]
                if unknown:
                    problems.append(
                        f"has an unknown type {unknown[0]!r} at {path}/type, allowed: {', '.join(_JSON_TYPES)}"
                    )
            elif key == "$ref" and not (isinstance(value, str) and value.startswith("#")):
                problems.append(f"has a non-local $ref {value!r} at {path}: only '#/...' is supported")
            elif key in _NAMED_SUBSCHEMAS and isinstance(value, Mapping):
                # Keys here are property or definition names (a property may be called "type").
                for name, subschema in value.items():
                    problems += _schema_problems(subschema, f"{path}/{key}/{name}")
            elif key not in ("enum", "const", "default", "examples"):
                problems += _schema_problems(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            problems += _schema_problems(item, f"{path}/{index}")
    return problems


def _stage_publisher(schemas: Mapping[str, Any]) -> str:
    """A folder laid out as a Python layer: ``python/event_publisher/`` plus ``schemas.json``."""
    folder = Path(tempfile.mkdtemp(prefix="event-publisher-"))
    atexit.register(shutil.rmtree, folder, True)
    package = folder / "python" / "event_publisher"
    shutil.copytree(_PUBLISHER_SOURCE, package, ignore=shutil.ignore_patterns(*defaults.ASSET_EXCLUDES))
    (package / "schemas.json").write_text(json.dumps(schemas, sort_keys=True, indent=1))
    return str(folder)
