"""``serverless-patterns local``: bad input exits 2 with one line; ``up`` serves an app the other commands reach."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from serverless_patterns.cli import main

REPO = Path(__file__).resolve().parents[2]

APP = """
import os
import sys

sys.path.insert(0, {repo!r})
from tests.local.apps import build_small_app

build_small_app(os.environ["CDK_OUTDIR"])
"""


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    return err[0]


def test_fails_when_the_app_folder_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["local", "up", "/no/such/app"]) == 2
    assert _error_line(capsys) == "serverless-patterns: error: /no/such/app does not exist"


def test_fails_when_the_folder_holds_no_assembly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["local", "up", str(tmp_path)]) == 2
    assert "no cloud assembly at" in _error_line(capsys)


def test_fails_when_no_instance_is_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["local", "invoke", "Echo", "--state", str(tmp_path / "state.json")]) == 2
    assert "no local cloud is running" in _error_line(capsys)


def test_fails_when_the_synthesis_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python -c 'raise SystemExit(\"broken app\")'"}))
    assert main(["local", "up", str(tmp_path)]) == 2
    assert (
        _error_line(capsys)
        == "serverless-patterns: error: synthesis failed (python -c 'raise SystemExit(\"broken app\")'): broken app"
    )


def test_fails_when_moto_cannot_deploy_the_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = {"artifacts": {"Broken": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "t.json"}}}}
    template = {
        "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["Nope", "Arn"]}}}}
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "t.json").write_text(json.dumps(template))
    assert main(["local", "up", str(tmp_path), "--state", str(tmp_path / "state.json")]) == 2
    line = _error_line(capsys)
    assert line.startswith("serverless-patterns: error: stack Broken could not be deployed: ")
    assert "Nope" in line
    assert not (tmp_path / "state.json").exists()


@pytest.fixture(scope="module")
def running_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    app_dir = tmp_path_factory.mktemp("small-app")
    (app_dir / "app.py").write_text(APP.format(repo=str(REPO)))
    (app_dir / "cdk.json").write_text(json.dumps({"app": "python app.py"}))
    state = app_dir / "state.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "serverless_patterns.cli", "local", "up", str(app_dir), "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    deadline = time.monotonic() + 120
    while not state.is_file() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if not state.is_file():
        process.kill()
        output = process.communicate()[0]
        pytest.fail(f"local up did not come up:\n{output}")
    yield process, state
    if process.poll() is None:
        process.kill()
        process.wait()


def _state_args(state: Path) -> list[str]:
    return ["--state", str(state)]


def test_invoke_prints_the_result(
    running_up: tuple[subprocess.Popen[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, state = running_up
    event = {"resource": "/", "path": "/x", "httpMethod": "GET", "requestContext": {"stage": "cli"}}
    assert main(["local", "invoke", "Echo", "--payload", json.dumps(event), *_state_args(state)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["stage"] == "cli"


def test_invoke_of_an_unknown_function_exits_2(
    running_up: tuple[subprocess.Popen[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, state = running_up
    assert main(["local", "invoke", "Nope", *_state_args(state)]) == 2
    assert "no AWS::Lambda::Function matches 'Nope'" in _error_line(capsys)


def test_invoke_with_bad_json_exits_2(
    running_up: tuple[subprocess.Popen[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, state = running_up
    assert main(["local", "invoke", "Echo", "--payload", "{nope", *_state_args(state)]) == 2
    assert "--payload is not valid JSON" in _error_line(capsys)


def test_the_api_is_served_and_logs_show_its_invocations(
    running_up: tuple[subprocess.Popen[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, state = running_up
    api_url = json.loads(state.read_text())["outputs"]["ApiUrl"]
    with urllib.request.urlopen(api_url + "items/7", timeout=30) as response:
        assert json.loads(response.read())["pathParameters"] == {"id": "7"}
    capsys.readouterr()
    assert main(["local", "logs", "Echo", *_state_args(state)]) == 0
    assert "REPORT RequestId" in capsys.readouterr().out


def test_send_puts_a_message_on_the_queue(
    running_up: tuple[subprocess.Popen[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, state = running_up
    assert main(["local", "send", "Jobs", "hello", *_state_args(state)]) == 0
    assert len(capsys.readouterr().out.strip()) == 36


def test_request_signs_and_prints_status_and_body(
    running_up: tuple[subprocess.Popen[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, state = running_up
    assert main(["local", "request", "GET", "items/9", *_state_args(state)]) == 0
    status, body = capsys.readouterr().out.split("\n", 1)
    assert status == "200"
    assert json.loads(body)["pathParameters"] == {"id": "9"}
    assert main(["local", "request", "GET", "nowhere/at/all", "--unsigned", *_state_args(state)]) == 1
    assert "Missing Authentication Token" in capsys.readouterr().out


def test_set_alarm_state_of_an_unknown_alarm_exits_2(
    running_up: tuple[subprocess.Popen[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, state = running_up
    assert main(["local", "set-alarm-state", "Nope", "ALARM", *_state_args(state)]) == 2
    assert "'Nope' names 0 alarms" in _error_line(capsys)


def test_denials_prints_what_was_refused(
    running_up: tuple[subprocess.Popen[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, state = running_up
    assert main(["local", "denials", *_state_args(state)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "(no denials)" in captured.err  # the small app's grants are complete


def test_ctrl_c_stops_up_cleanly(running_up: tuple[subprocess.Popen[str], Path]) -> None:
    process, state = running_up
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "function" in output and "Echo" in output
    assert "stopping" in output
    assert not state.exists()


def test_a_relative_app_folder_synthesizes_into_its_cdk_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from serverless_patterns.local.command import synthesize

    app = tmp_path / "apps" / "shop"
    app.mkdir(parents=True)
    (app / "cdk.json").write_text(json.dumps({"app": "python app.py"}))
    # A stand-in app: it writes where CDK_OUTDIR points, as cdk.App does.
    (app / "app.py").write_text(
        "import os, pathlib\n"
        "out = pathlib.Path(os.environ['CDK_OUTDIR'])\n"
        "out.mkdir(parents=True)\n"
        "(out / 'manifest.json').write_text('{}')\n"
    )
    monkeypatch.chdir(tmp_path)
    out = synthesize(Path("apps/shop"), progress=lambda line: None)
    assert out == app / "cdk.out"
    assert (app / "cdk.out" / "manifest.json").is_file()


def test_synthesis_gets_the_context_cdk_synth_gives_and_reports_missing_lookups(tmp_path: Path) -> None:
    # cdk.json's context, then cdk.context.json, then -c (https://docs.aws.amazon.com/cdk/v2/guide/context.html).
    from serverless_patterns.local.command import _context_options, synthesize

    (tmp_path / "cdk.json").write_text(
        json.dumps({"app": "python app.py", "context": {"flag": "from-cdk-json", "kept": "yes", "cached": "old"}})
    )
    (tmp_path / "cdk.context.json").write_text(json.dumps({"cached": "vpc-0abc", "flag": "from-context-file"}))
    # A stand-in app: it records the context it got and a lookup it could not make, as cdk.App does.
    (tmp_path / "app.py").write_text(
        "import json, os, pathlib\n"
        "out = pathlib.Path(os.environ['CDK_OUTDIR'])\n"
        "out.mkdir(parents=True)\n"
        "(out / 'context.json').write_text(os.environ['CDK_CONTEXT_JSON'])\n"
        "missing = [{'key': 'vpc-provider:account=1:filter.isDefault=true', 'provider': 'vpc-provider'}]\n"
        "(out / 'manifest.json').write_text(json.dumps({'missing': missing}))\n"
    )
    lines: list[str] = []
    out = synthesize(tmp_path, progress=lines.append, context=_context_options(["flag=from-command-line"]))
    assert json.loads((out / "context.json").read_text()) == {
        "flag": "from-command-line",
        "kept": "yes",
        "cached": "vpc-0abc",
    }
    assert any(line.startswith("context lookup not made: vpc-provider:account=1") for line in lines)
