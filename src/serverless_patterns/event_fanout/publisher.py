"""The publisher layer of an EventFanout: the ``event_publisher`` package and the detail schemas it checks.

The layer's layout, file names and the environment the publisher reads are the runtime's
contract (``runtime/event_publisher/contract.py``), imported here rather than written twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from serverless_patterns._internal import json_schema
from serverless_patterns._internal.assets import runtime_package, staged_package
from serverless_patterns._internal.validation import Rules
from serverless_patterns.runtime.event_publisher import contract

_PUBLISHER_SOURCE = runtime_package("serverless_patterns.runtime.event_publisher")


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
    """A folder laid out as a Python layer: ``python/event_publisher/`` plus the schemas and their validators."""
    validators = {name: json_schema.validator_source(schema, draft="2020-12") for name, schema in schemas.items()}
    folder = staged_package(
        _PUBLISHER_SOURCE,
        into=contract.LAYER_PACKAGE_PATH,
        files={
            contract.SCHEMAS_FILE_NAME: json.dumps(schemas, sort_keys=True, indent=1),
            contract.VALIDATORS_FILE_NAME: json.dumps(validators, sort_keys=True, indent=1),
        },
    )
    return str(folder)
