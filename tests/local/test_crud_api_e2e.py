"""CrudApi through HTTP on the local cloud: every status code a client can reach.

Requests are signed with SigV4 as an AWS SDK signs them: the API's methods use IAM authorization
(the library's default), which the local cloud enforces as API Gateway does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_cdk import App, Stack

from serverless_patterns.local.cloud import LocalCloud
from serverless_patterns.local.pytest_plugin import LocalApp

pytestmark = pytest.mark.e2e

SCHEMA = {
    "type": "object",
    "required": ["email", "name"],
    "properties": {
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "age": {"type": "integer", "minimum": 0},
    },
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApp]:
    from serverless_patterns.crud_api import CrudApi

    outdir = str(tmp_path_factory.mktemp("crud") / "cdk.out")
    cdk_app = App(outdir=outdir)
    CrudApi(Stack(cdk_app, "LocalCrud"), "Users", resource_name="users", schema=SCHEMA)
    cdk_app.synth()
    with LocalCloud() as cloud:
        deployment = cloud.deploy(outdir, replace=True)
        yield LocalApp(cloud, deployment)
        cloud.destroy(deployment)


def _raw(app: LocalApp, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    url = app.api_url() + path
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    all_headers.update(app.cloud.sign(method, url, all_headers, data or b""))
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


def _create(app: LocalApp, **fields: Any) -> tuple[str, str]:
    status, headers, body = _raw(app, "POST", "users", {"email": "ann@example.com", "name": "Ann", **fields})
    assert status == 201, body
    return body["id"], headers["ETag"] if "ETag" in headers else _raw(app, "GET", f"users/{body['id']}")[1]["ETag"]


def test_create_is_201_with_location_and_server_fields(app: LocalApp) -> None:
    status, headers, body = _raw(app, "POST", "users", {"email": "bob@example.com", "name": "Bob"})
    assert status == 201
    assert headers["Location"].endswith(f"/users/{body['id']}")
    assert body["version"] == 1
    assert {"createdAt", "updatedAt"} <= set(body)


def test_get_is_200_with_an_etag(app: LocalApp) -> None:
    item_id, _ = _create(app)
    status, headers, body = _raw(app, "GET", f"users/{item_id}")
    assert status == 200
    assert body["name"] == "Ann"
    assert headers["ETag"]


def test_get_of_an_unknown_id_is_404(app: LocalApp) -> None:
    status, _, body = _raw(app, "GET", "users/does-not-exist")
    assert status == 404
    assert body["error"]["code"]


def test_list_pages_with_a_next_cursor(app: LocalApp) -> None:
    for _ in range(3):
        _create(app)
    status, _, first = _raw(app, "GET", "users?limit=2")
    assert status == 200
    assert len(first["items"]) == 2
    assert first["next"]
    status, _, second = _raw(app, "GET", f"users?limit=2&next={first['next']}")
    assert status == 200
    assert {item["id"] for item in first["items"]}.isdisjoint(item["id"] for item in second["items"])


def test_tampered_cursor_is_400(app: LocalApp) -> None:
    status, _, body = _raw(app, "GET", "users?next=tampered")
    assert status == 400
    assert body["error"]["code"] == "INVALID_CURSOR"


def test_body_against_the_model_is_rejected_by_api_gateway_with_400(app: LocalApp) -> None:
    # API Gateway validates the body against the method's model and answers BAD_REQUEST_BODY; the
    # CrudRestApi's own gateway response for it gives the library's error envelope
    # (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html).
    status, headers, body = _raw(app, "POST", "users", {"email": "x@example.com"})
    assert (status, body) == (
        400,
        {"error": {"code": "BAD_REQUEST_BODY", "message": "Invalid request body", "details": []}},
    )
    assert headers["x-amzn-ErrorType"] == "BadRequestException"
    assert headers["x-amzn-RequestId"]


def test_update_without_if_match_is_428(app: LocalApp) -> None:
    item_id, _ = _create(app)
    status, _, _ = _raw(app, "PUT", f"users/{item_id}", {"email": "ann@example.com", "name": "Anna"})
    assert status == 428


def test_update_with_a_stale_etag_is_412_and_with_the_current_one_200(app: LocalApp) -> None:
    item_id, etag = _create(app)
    status, _, body = _raw(
        app, "PUT", f"users/{item_id}", {"email": "ann@example.com", "name": "Anna"}, {"If-Match": '"stale"'}
    )
    assert status == 412, body
    status, _, body = _raw(
        app, "PUT", f"users/{item_id}", {"email": "ann@example.com", "name": "Anna"}, {"If-Match": etag}
    )
    assert status == 200, body
    assert body["version"] == 2


def test_delete_is_204_then_get_is_404(app: LocalApp) -> None:
    item_id, _ = _create(app)
    assert _raw(app, "DELETE", f"users/{item_id}")[0] == 204
    assert _raw(app, "GET", f"users/{item_id}")[0] == 404


def test_unsupported_media_type_is_415(app: LocalApp) -> None:
    status, _, body = _raw(
        app, "POST", "users", {"email": "c@example.com", "name": "C"}, {"Content-Type": "text/plain"}
    )
    assert status == 415, body


def test_idempotency_key_replays_the_first_response(app: LocalApp) -> None:
    key = {"Idempotency-Key": "create-once-1"}
    first = _raw(app, "POST", "users", {"email": "d@example.com", "name": "D"}, key)
    second = _raw(app, "POST", "users", {"email": "d@example.com", "name": "D"}, key)
    assert first[0] == second[0] == 201
    assert first[2]["id"] == second[2]["id"]


def test_unknown_route_is_403(app: LocalApp) -> None:
    assert _raw(app, "GET", "orders")[0] == 403
    assert _raw(app, "PATCH", "users/1")[0] == 403
