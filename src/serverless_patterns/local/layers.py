"""Lambda layers on the local cloud: each function's layers merged as Lambda merges them into ``/opt``.

What Lambda does, and what this module copies:

- "When you add a layer to a function, Lambda loads the layer content into the ``/opt``
  directory of that execution environment"; for Python the folders on the path are ``python``
  and ``python/lib/python3.x/site-packages``
  (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html, "Layer paths for each
  Lambda runtime").
- "The order in which you add the layers is the order in which Lambda merges the layer content
  into the execution environment" (https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html):
  the layers are extracted one after the other into the same ``/opt``, so a file of a later
  layer replaces the file of an earlier layer at the same path.
- The runtime searches the task root (the function's own package, ``/var/task``) first, then the
  layers' folders (https://docs.aws.amazon.com/lambda/latest/dg/python-package.html, "Dependency
  search path and runtime-included libraries").

Locally, each distinct ordered list of layers is extracted once (by content hash) into a folder
that stands in for ``/opt``; the worker puts its ``python/lib/python3.x/site-packages`` and
``python`` folders on ``sys.path`` right after the task root. The public Powertools for AWS
Lambda (Python) layer is not downloaded: the Powertools installed next to the local cloud plays
its part. Any other layer the local cloud did not deploy is left out, as a layer that does not
exist would be: imports from it fail.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from serverless_patterns.local.resolve import StackScope

POWERTOOLS_ACCOUNTS = frozenset({"017000801446"})
"""The account that publishes the public Powertools for AWS Lambda (Python) layers in commercial Regions."""

_POWERTOOLS_LAYER_NAME = re.compile(r"^AWSLambdaPowertoolsPython")
_LAYER_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:(?P<account>\d*):layer:(?P<name>[^:]+)(?::(?P<version>\d+))?$")


def is_powertools_layer(arn: str) -> bool:
    """Whether ``arn`` names a public Powertools for AWS Lambda (Python) layer, in any account or partition.

    The commercial Regions' account is 017000801446; GovCloud and China publish the same layer
    names from other accounts, so the name decides too.

    Examples
    --------
    >>> is_powertools_layer("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:7")
    True
    >>> is_powertools_layer("arn:aws:lambda:us-east-1:123456789012:layer:shared-utils:1")
    False
    """
    match = _LAYER_ARN.match(arn)
    if match is None:
        return False
    return match["account"] in POWERTOOLS_ACCOUNTS or bool(_POWERTOOLS_LAYER_NAME.match(match["name"]))


def python_paths(opt_dir: str, runtime: str | None) -> list[str]:
    """The folders of a merged ``/opt`` that Lambda's Python runtime puts on the path, in search order.

    ``runtime`` is the function's (``python3.13``): a layer built for it keeps its packages in
    ``python/lib/python3.13/site-packages``. Only folders that exist are returned.

    Examples
    --------
    >>> python_paths("/nonexistent", "python3.13")
    []
    """
    version = runtime if runtime and re.fullmatch(r"python3\.\d+", runtime) else None
    candidates = [os.path.join(opt_dir, "python", "lib", version, "site-packages")] if version else []
    candidates.append(os.path.join(opt_dir, "python"))
    return [path for path in candidates if os.path.isdir(path)]


def merge_layers(work_dir: str, archives: Sequence[bytes]) -> str:
    """Extract layer archives in order into one folder (once per distinct list); return the folder.

    A later archive's file replaces an earlier one's at the same path, as in Lambda's ``/opt``.

    Examples
    --------
    >>> import tempfile
    >>> def archive(text):
    ...     buffer = io.BytesIO()
    ...     with zipfile.ZipFile(buffer, "w") as zip_file:
    ...         zip_file.writestr("python/which.py", text)
    ...     return buffer.getvalue()
    >>> opt = merge_layers(tempfile.mkdtemp(), [archive("first"), archive("second")])
    >>> open(os.path.join(opt, "python", "which.py")).read()
    'second'
    """
    digests = [hashlib.sha256(archive).hexdigest() for archive in archives]
    target = os.path.join(work_dir, "opt", hashlib.sha256(" ".join(digests).encode()).hexdigest())
    if not os.path.isdir(target):
        partial = f"{target}.{uuid.uuid4().hex}"
        for archive in archives:
            with zipfile.ZipFile(io.BytesIO(archive)) as zip_file:
                zip_file.extractall(partial)
        os.makedirs(partial, exist_ok=True)
        try:
            os.rename(partial, target)
        except OSError:  # another thread merged the same list first
            shutil.rmtree(partial, ignore_errors=True)
    return target


@dataclass
class LayerReport:
    """What the deploy did with the layers of a stack's functions, for its notes.

    Examples
    --------
    >>> report = LayerReport()
    >>> report.unavailable.setdefault("arn:aws:lambda:us-east-1:999999999999:layer:x:1", []).append("Fn")
    >>> report.notes()[0].split(";")[0]
    'layer arn:aws:lambda:us-east-1:999999999999:layer:x:1 (used by Fn) not available locally'
    """

    powertools: dict[str, list[str]] = field(default_factory=dict)
    """Powertools layer ARN to the functions that use it."""
    unavailable: dict[str, list[str]] = field(default_factory=dict)
    """Layer ARN (or expression) the local cloud has no content for, to the functions that use it."""

    def notes(self) -> list[str]:
        """One deploy note per distinct layer mapped or left out."""
        notes = []
        for arn, functions in self.powertools.items():
            notes.append(f"layer {arn} (used by {_names(functions)}) {_powertools_mapping()}")
        for arn, functions in self.unavailable.items():
            notes.append(
                f"layer {arn} (used by {_names(functions)}) not available locally; "
                "imports from it fail as they would without the layer"
            )
        return notes


def _names(functions: list[str]) -> str:
    return ", ".join(functions) if len(functions) <= 3 else f"{', '.join(functions[:3])} and {len(functions) - 3} more"


def _powertools_mapping() -> str:
    try:
        return f"mapped to the installed aws-lambda-powertools {metadata.version('aws-lambda-powertools')}"
    except metadata.PackageNotFoundError:
        return "is Powertools, which is not installed locally: imports from it fail"


@dataclass(frozen=True)
class FunctionLayers:
    """The layers of one deployed function that the local cloud can put on its path."""

    function_name: str
    runtime: str | None
    archives: tuple[bytes, ...]


def read_function_layers(
    template: dict[str, Any],
    scope: StackScope,
    archives: Mapping[str, bytes],
    exports: Mapping[str, str] | None = None,
) -> tuple[list[FunctionLayers], LayerReport]:
    """Each function's ``Layers``, in order, resolved to the archives of layers the local cloud deployed.

    ``archives`` maps a layer version ARN to its ``.zip`` content, ``exports`` an export name to
    the layer ARN it holds (a layer of another stack comes through ``Fn::ImportValue``). A
    Powertools layer maps to the installed Powertools; any other layer without content is
    reported and left out.
    """
    report = LayerReport()
    functions: list[FunctionLayers] = []
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        deployed = scope.resources.get(logical_id)
        if resource.get("Type") != "AWS::Lambda::Function" or deployed is None:
            continue
        label = deployed.path.removesuffix("/Resource") or logical_id
        found: list[bytes] = []
        for entry in properties.get("Layers") or []:
            arn = scope.resolve(entry)
            if isinstance(entry, dict) and set(entry) == {"Fn::ImportValue"}:
                arn = (exports or {}).get(str(scope.resolve(entry["Fn::ImportValue"])), arn)
            if isinstance(arn, str) and arn in archives:
                found.append(archives[arn])
            elif isinstance(arn, str) and is_powertools_layer(arn):
                report.powertools.setdefault(arn, []).append(label)
            else:
                report.unavailable.setdefault(arn if isinstance(arn, str) else json.dumps(entry), []).append(label)
        runtime = properties.get("Runtime")
        functions.append(FunctionLayers(deployed.name, runtime if isinstance(runtime, str) else None, tuple(found)))
    return functions, report
