"""The pytest fixtures: ``local_app`` deploys the module's assembly and drives it."""

from __future__ import annotations

import json

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
