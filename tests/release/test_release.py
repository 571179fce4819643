"""The release path, run as the release workflow runs it, with publishing in dry-run mode."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*command: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ".")
    return out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("*.whl")
    return wheel


def test_sdist_and_wheel_pass_twine_strict(dist: Path) -> None:
    files = sorted(dist.iterdir())
    assert {path.suffix for path in files} == {".whl", ".gz"}
    output = _run(sys.executable, "-m", "twine", "check", "--strict", *files)
    assert output.count("PASSED") == 2


def test_wheel_ships_runtime_code_and_py_typed(dist: Path) -> None:
    names = zipfile.ZipFile(_wheel(dist)).namelist()
    assert "serverless_patterns/py.typed" in names
    assert any(name.startswith("serverless_patterns/runtime/") and name.endswith(".py") for name in names)
    # CrudApi's asset is staged from the installed package: every module its handlers import ships.
    for module in ("__init__", "common", "contract", "read", "validator", "write"):
        assert f"serverless_patterns/runtime/crud_api/{module}.py" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_installed_wheel_synthesizes_the_example(dist: Path, tmp_path: Path) -> None:
    # A fresh venv holding only the wheel; its dependencies are borrowed read-only from this
    # environment through a .pth line (which, unlike a site dir, loads no editable install).
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site_packages = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    _run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site_packages, _wheel(dist))
    Path(site_packages, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {**os.environ, "PYTHONPATH": ""}
    where = _run(python, "-c", "import serverless_patterns; print(serverless_patterns.__file__)", env=env)
    assert where.startswith(site_packages), where
    output = _run(python, ROOT / "examples" / "main.py", "--synth-only", env=env, cwd=tmp_path)
    assert "OrderSystem:" in output


def test_publib_dry_run_publishes_the_wheel(dist: Path) -> None:
    npx = Path(sys.executable).parent / "npx"
    # publib installs twine with `python3 -m pip install --user`, which a venv's python3 refuses:
    # the machine's python3 must come first on PATH, as on the release runner.
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != npx.parent)
    env = {
        **os.environ,
        "PATH": f"{path}{os.pathsep}{npx.parent}",
        "PUBLIB_DRYRUN": "true",
        "TWINE_USERNAME": "__token__",
        "TWINE_PASSWORD": "dry-run",
    }
    env.pop("VIRTUAL_ENV", None)
    output = _run(npx, "--no-install", "-p", "publib", "publib-pypi", dist, env=env)
    assert f"(would upload {_wheel(dist).name})" in output
    assert "SUCCESS (dry run)" in output
