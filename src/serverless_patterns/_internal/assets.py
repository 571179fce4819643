"""Code assets written at synthesis: a runtime package plus generated files, in a folder named by content."""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.resources
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from serverless_patterns._internal import defaults


def runtime_package(name: str) -> Path:
    """The folder of the runtime package ``name`` (``"serverless_patterns.runtime.crud_api"``), found by import.

    ``importlib.resources`` finds it wherever the library is installed; an asset is a folder on
    disk, so a package inside a zip archive is refused.

    Examples
    --------
    >>> (runtime_package("serverless_patterns.runtime.crud_api") / "contract.py").is_file()
    True
    """
    folder = importlib.resources.files(name)
    if not isinstance(folder, Path):
        raise RuntimeError(f"runtime package {name} must be a folder on disk to become an asset, got {folder!r}")
    return folder


def staged_package(source: Path, *, into: str, files: Mapping[str, str]) -> Path:
    """A folder holding the package ``source`` at ``into`` with ``files`` written inside it, named by content.

    The same sources and files give the same folder, so the asset staged from it keeps its hash
    from one synthesis to the next and two processes writing it at once do not clash (the second
    finds it written). ``__pycache__`` and ``*.pyc`` are left out (``defaults.ASSET_EXCLUDES``): an
    asset hash must depend on the source only. Suits a function's code (``into="crud_api"``) and
    a layer alike (``into="python/event_publisher"``).

    Parameters
    ----------
    source
        The package folder to copy, usually from :func:`runtime_package`.
    into
        Where the package goes inside the folder, ``/``-separated.
    files
        File name (relative to the package) to text, such as a generated ``config.json``.

    Examples
    --------
    >>> source = runtime_package("serverless_patterns.runtime.crud_api")
    >>> folder = staged_package(source, into="crud_api", files={"config.json": "{}"})
    >>> (folder / "crud_api" / "config.json").read_text()
    '{}'
    >>> folder == staged_package(source, into="crud_api", files={"config.json": "{}"})
    True
    """
    sources = sorted(path for path in source.rglob("*") if path.is_file() and not _excluded(path, source))
    digest = hashlib.sha256(into.encode())
    for name, text in sorted(files.items()):
        digest.update(name.encode())
        digest.update(text.encode())
    for path in sources:
        digest.update(path.relative_to(source).as_posix().encode())
        digest.update(path.read_bytes())
    folder = Path(tempfile.gettempdir()) / "serverless-patterns-assets" / digest.hexdigest()[:24]
    if folder.exists():
        return folder
    staging = Path(tempfile.mkdtemp(prefix="serverless-patterns-asset-"))
    package = staging / into
    for path in sources:
        target = package / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        staging.rename(folder)
    except OSError:  # another process wrote the same content first
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _excluded(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in defaults.ASSET_EXCLUDES)
