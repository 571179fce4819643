"""The pytest fixtures: ``local_app`` deploys the module's assembly and drives it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from serverless_patterns.local.pytest_plugin import LocalApp
from tests.local.apps import build_small_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_small_app(str(tmp_path_factory.mktemp("plugin") / "cdk.out"))


def test_request_reaches_the_handler_through_the_local_api(local_app: LocalApp) -> None:
    status, body = local_app.request("GET", "items/abc?x=1")
    assert status == 200
    assert body["pathParameters"] == {"id": "abc"}
    assert body["query"] == {"x": "1"}


def test_outputs_hold_the_local_api_url(local_app: LocalApp) -> None:
    assert local_app.outputs["ApiUrl"] == local_app.api_url()


def test_invoke_by_construct_path(local_app: LocalApp) -> None:
    event = {"resource": "/", "path": "/", "httpMethod": "GET", "requestContext": {"stage": "x"}}
    payload, error = local_app.invoke("LocalSmall/Echo", event)
    assert error is None
    assert json.loads(payload["body"])["stage"] == "x"


def test_send_and_receive(local_app: LocalApp) -> None:
    local_app.send("Jobs", "hello")
    assert [message["Body"] for message in local_app.receive_all("Jobs")] == ["hello"]


def test_unknown_route_is_403(local_app: LocalApp) -> None:
    assert local_app.request("GET", "nothing") == (403, {"message": "Missing Authentication Token"})


INNER_TEST = """
def test_inner(local_app):
    status, body = local_app.request("GET", "items/9")
    assert status == 200
    assert body["pathParameters"] == {"id": "9"}
    assert local_app.function_name("Echo").startswith("LocalSmall-Echo")
"""


def test_plugin_enabled_the_documented_way_deploys_the_ini_assembly(local_cdk_out: str, tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["serverless_patterns.local.pytest_plugin"]\n')
    (tmp_path / "pytest.ini").write_text(f"[pytest]\nlocal_cdk_out = {local_cdk_out}\n")
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
