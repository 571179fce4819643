"""Only the moto adapter (``serverless_patterns.local._moto``) imports moto; the rest of ``local/`` goes through it."""

from __future__ import annotations

import ast
from pathlib import Path

import serverless_patterns.local as local

LOCAL = Path(local.__file__).parent
ADAPTER = LOCAL / "_moto"


def _moto_imports(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {alias.name}" for alias in node.names if _is_moto(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _is_moto(node.module or ""):
            found.append(f"line {node.lineno}: from {node.module} import ...")
    return found


def _is_moto(module: str) -> bool:
    return module == "moto" or module.startswith("moto.")


def test_no_module_of_the_local_cloud_but_the_adapter_imports_moto() -> None:
    offenders = {
        str(path.relative_to(LOCAL)): imports
        for path in sorted(LOCAL.rglob("*.py"))
        if ADAPTER not in path.parents and (imports := _moto_imports(path))
    }
    assert offenders == {}, f"moto imported outside local/_moto/: {offenders}"


def test_the_check_sees_an_import_of_moto() -> None:
    # A test that cannot fail is a defect: the check must find the adapter's own imports.
    assert _moto_imports(ADAPTER / "server.py")
    assert _moto_imports(ADAPTER / "lambda_.py")


def test_importing_the_local_cloud_does_not_import_moto() -> None:
    # The adapter imports moto inside its functions: reading a template needs no moto installed.
    import subprocess
    import sys

    code = "import sys, serverless_patterns.local; print(any(m.split('.')[0] == 'moto' for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
