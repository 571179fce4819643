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

from serverless_patterns._internal import defaults, json_schema
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
            for problem in json_schema.schema_problems(schema):
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


def _stage_publisher(schemas: Mapping[str, Any]) -> str:
    """A folder laid out as a Python layer: ``python/event_publisher/`` plus ``schemas.json`` and their validators."""
    folder = Path(tempfile.mkdtemp(prefix="event-publisher-"))
    atexit.register(shutil.rmtree, folder, True)
    package = folder / "python" / "event_publisher"
    shutil.copytree(_PUBLISHER_SOURCE, package, ignore=shutil.ignore_patterns(*defaults.ASSET_EXCLUDES))
    (package / "schemas.json").write_text(json.dumps(schemas, sort_keys=True, indent=1))
    validators = {name: json_schema.validator_source(schema, draft="2020-12") for name, schema in schemas.items()}
    (package / "validators.json").write_text(json.dumps(validators, sort_keys=True, indent=1))
    return str(folder)
