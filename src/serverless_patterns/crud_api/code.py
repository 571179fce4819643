"""How per-resource configuration reaches a CrudRestApi's two functions: their code asset and ``CRUD_TABLES``.

Resources attach to the API after its functions exist, so both values are bound at construction
as tokens that resolve at synthesis, once every resource is attached:

- :class:`CrudApiCode`, the functions' ``lambda_.Code``: one S3 asset holding the handler package
  (``runtime/crud_api``) and its ``config.json`` (every resource's configuration, the compiled
  validators included: often several KB, too much for Lambda's 4 KB of environment). An aspect
  stages it at synthesis; its bucket and key reach ``CfnFunction.Code`` through ``Lazy`` values
  bound like any other code, so a later change to ``Code`` (an escape hatch) wins.
- :func:`tables_environment`, the value of ``CRUD_TABLES``: table names by resource, known only at
  deploy, given to the functions at construction as a ``Lazy`` string.

Every name the runtime reads is defined in :mod:`serverless_patterns.runtime.crud_api.contract`.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Annotations, Aspects, CfnResource, IAspect, IStableStringProducer, Lazy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct, IConstruct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.assets import runtime_package, staged_package
from serverless_patterns.function.environment import ENVIRONMENT_LIMIT_BYTES
from serverless_patterns.runtime.crud_api import contract

if typing.TYPE_CHECKING:
    from aws_cdk import IStringProducer

_PACKAGE_SOURCE: Path = runtime_package("serverless_patterns.runtime.crud_api")


class CrudApiCode(lambda_.Code):
    """The code of a CrudRestApi's functions: the handler package and every resource's configuration.

    One S3 asset, staged by :meth:`stage` at synthesis (when every resource is attached), holds
    the package ``crud_api/`` (the handler modules and their contract module) and
    ``crud_api/config.json``. :meth:`bind` gives a function the asset's bucket and key as
    ``Lazy`` strings that resolve to it. Resolved before synthesis (``stack.resolve``, a cdk-nag
    scan of an unsynthesized stack), they call ``finish`` first, which must stage the asset: the
    resources are then fixed, and attaching another is an error.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import CrudRestApi
    >>> api = CrudRestApi(Stack(App(), "Shop"), "Api")
    >>> isinstance(api.code, CrudApiCode), api.code.asset is None  # staged at synthesis
    (True, True)
    """

    def __init__(self, owner: str, *, finish: Callable[[], None]) -> None:
        super().__init__()
        self._owner = owner
        self._finish = finish
        self._asset: s3_assets.Asset | None = None
        self._resources: list[tuple[CfnResource, str]] = []
        self._bucket_name = Lazy.string(_Produce(lambda: self._staged().s3_bucket_name))
        self._object_key = Lazy.string(_Produce(lambda: self._staged().s3_object_key))

    @property
    def asset(self) -> s3_assets.Asset | None:
        """The staged asset, ``None`` until synthesis."""
        return self._asset

    def bind(self, scope: Construct) -> lambda_.CodeConfig:
        """The asset's S3 location, as tokens that resolve once it is staged."""
        del scope  # one asset for every function, defined under the API
        return lambda_.CodeConfig(s3_location=s3.Location(bucket_name=self._bucket_name, object_key=self._object_key))

    def bind_to_resource(self, resource: CfnResource, *, resource_property: str | None = None) -> None:
        """Remember ``resource`` to give it the asset's metadata (for SAM and local tools) once staged."""
        self._resources.append((resource, resource_property or "Code"))

    def stage(self, scope: Construct, *, config: Mapping[str, Mapping[str, Any]]) -> s3_assets.Asset:
        """Write the asset, child ``"Code"`` of ``scope``, with ``config`` (entries by resource name) as config.json.

        ``CrudRestApi`` calls it once, at synthesis, when every resource is attached.
        """
        if self._asset is not None:
            raise RuntimeError(f"{self._owner}: the CrudApi code asset is already staged")
        folder = staged_package(
            _PACKAGE_SOURCE,
            into=contract.PACKAGE,
            files={contract.CONFIG_FILE: json.dumps({contract.RESOURCES: config}, sort_keys=True, indent=1)},
        )
        self._asset = s3_assets.Asset(scope, "Code", path=str(folder), exclude=defaults.ASSET_EXCLUDES)
        for resource, resource_property in self._resources:
            if self._still_bound(resource):
                self._asset.add_resource_metadata(resource, resource_property)
        return self._asset

    def _still_bound(self, resource: CfnResource) -> bool:
        # An escape hatch (``cfn.code = ...``) replaced the code: its asset metadata would mislead SAM.
        # (A raw ``add_property_override("Code", ...)`` cannot be seen from here: it keeps the metadata.)
        code = resource.code if isinstance(resource, lambda_.CfnFunction) else None
        return isinstance(code, lambda_.CfnFunction.CodeProperty) and code.s3_key == self._object_key

    def _staged(self) -> s3_assets.Asset:
        if self._asset is None:
            self._finish()
        if self._asset is None:
            raise RuntimeError(
                f"{self._owner}: the CrudApi code asset was not staged by finish, its S3 location is unknown"
            )
        return self._asset


def tables_environment(tables: Callable[[], Sequence[tuple[str, str]]]) -> str:
    """``CRUD_TABLES`` as a ``Lazy`` string of the (resource name, table name) pairs ``tables`` returns at synthesis."""
    producer = _Produce(lambda: contract.format_tables(tables()))
    return Lazy.uncached_string(typing.cast("IStringProducer", producer))


def at_synthesis(scope: Construct, callback: Callable[[], None]) -> None:
    """Run ``callback`` once at synthesis, after every resource has been attached."""
    # The aspect sits on an empty child: every node it visits is a call from jsii into Python.
    Aspects.of(Construct(scope, "CodeHook")).add(_AtSynthesis(callback))


def warn_about_environment_size(function: lambda_.Function, entries: Sequence[tuple[str, str]]) -> None:
    """Warn when ``CRUD_TABLES`` of ``entries`` may push ``function`` over Lambda's 4 KB of environment."""
    # Table names resolve at deploy (about 64 characters: stack name, logical id and a random
    # suffix); the other variables take about 200 bytes.
    estimate = 200 + sum(len(name) + 2 + 64 for name, _ in entries)
    if estimate > ENVIRONMENT_LIMIT_BYTES:
        Annotations.of(function).add_warning_v2(
            "@serverless-patterns/crud-api:environment-size",
            f"{contract.TABLES_VARIABLE} of {len(entries)} resources may take about {estimate} bytes of environment, "
            "over Lambda's 4 KB limit: split the resources over a second CrudRestApi",
        )


@jsii.implements(IStableStringProducer)
class _Produce:
    """A ``Lazy`` producer; jsii calls a Python producer only through the context-free stable interface."""

    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self) -> str:
        return self._produce()


@jsii.implements(IAspect)
class _AtSynthesis:
    """Calls back once at synthesis (aspects run then, after the app has defined everything)."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback

    def visit(self, node: IConstruct) -> None:
        del node  # only ever the empty hook construct
        self._callback()
