"""The code of a CrudRestApi's two functions, bound at synthesis once every resource is attached.

Both functions start with placeholder code; an aspect, run at synthesis, gives them the shared
asset (the handler package plus ``config.json``, every resource's configuration) and their
tables (``CRUD_TABLES``). Everything about that late binding lives in this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import Annotations, Aspects, IAspect
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct, IConstruct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.assets import RUNTIME, staged_package
from serverless_patterns.function.environment import ENVIRONMENT_LIMIT_BYTES

PACKAGE = "crud_api"
"""The handler package inside the asset: ``crud_api.read.handler`` and ``crud_api.write.handler``."""


def placeholder() -> lambda_.Code:
    """The code a shared function has until :func:`bind` replaces it at synthesis."""
    return lambda_.Code.from_inline("# replaced at synthesis by the CrudApi code asset\n")


def at_synthesis(scope: Construct, callback: Callable[[], None]) -> None:
    """Run ``callback`` once at synthesis, after every resource has been attached."""
    # The aspect sits on an empty child: every node it visits is a call from jsii into Python.
    Aspects.of(Construct(scope, "CodeHook")).add(_AtSynthesis(callback))


def bind(
    scope: Construct,
    functions: Sequence[lambda_.Function],
    *,
    tables: Mapping[str, Sequence[tuple[str, str]]],
    config: Mapping[str, Any],
) -> None:
    """Give ``functions`` their tables (``CRUD_TABLES``) and the one code asset holding handlers and ``config``.

    ``tables`` maps a function's construct id to its (resource name, table name) pairs.
    """
    for function in functions:
        entries = tables[function.node.id]
        function.add_environment("CRUD_TABLES", ";".join(f"{name}={table}" for name, table in entries) or "-")
        _warn_about_environment_size(function, entries)
    folder = staged_package(
        RUNTIME / PACKAGE,
        into=PACKAGE,
        files={"config.json": json.dumps({"resources": config}, sort_keys=True, indent=1)},
    )
    asset = s3_assets.Asset(scope, "Code", path=str(folder), exclude=defaults.ASSET_EXCLUDES)
    for function in functions:
        cfn = function.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        cfn.code = lambda_.CfnFunction.CodeProperty(s3_bucket=asset.s3_bucket_name, s3_key=asset.s3_object_key)
        asset.add_resource_metadata(cfn, "Code")


def _warn_about_environment_size(function: lambda_.Function, entries: Sequence[tuple[str, str]]) -> None:
    # Table names resolve at deploy (about 64 characters: stack name, logical id and a random
    # suffix); the other variables take about 200 bytes.
    estimate = 200 + sum(len(name) + 2 + 64 for name, _ in entries)
    if estimate > ENVIRONMENT_LIMIT_BYTES:
        Annotations.of(function).add_warning_v2(
            "@serverless-patterns/crud-api:environment-size",
            f"CRUD_TABLES of {len(entries)} resources may take about {estimate} bytes of environment, "
            "over Lambda's 4 KB limit: split the resources over a second CrudRestApi",
        )


@jsii.implements(IAspect)
class _AtSynthesis:
    """Calls back once at synthesis (aspects run then, after the app has defined everything)."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback

    def visit(self, node: IConstruct) -> None:
        del node  # only ever the empty hook construct
        self._callback()
