"""CrudApi and HttpCrudApi through HTTP on the local cloud: one behaviour suite, every status code a client can reach.

Each test runs against a ``CrudApi`` (REST API, payload 1.0) and an ``HttpCrudApi`` (HTTP API,
payload 2.0) built from the same schema, and expects the same answer from both, except where the
gateway answers by itself (an unknown route: 403 from a REST API, 404 from an HTTP API). Requests
are signed with SigV4 as an AWS SDK signs them: both APIs use IAM authorization (the library's
default), which the local cloud enforces as API Gateway does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
from aws_cdk import App, Stack
from hypothesis import strategies as st

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


# What the gateway answers by itself for a route the API does not have, before any integration runs.
UNKNOWN_ROUTE_STATUS = {"rest": 403, "http": 404}


@pytest.fixture(
    scope="module",
    params=["rest", "http"],
)
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApp]:
    from serverless_patterns.crud_api import CrudApi, HttpCrudApi

    kind = request.param
    outdir = str(tmp_path_factory.mktemp(f"crud-{kind}") / "cdk.out")
    cdk_app = App(outdir=outdir)
    construct = CrudApi if kind == "rest" else HttpCrudApi
    construct(Stack(cdk_app, "LocalCrud"), "Users", resource_name="users", schema=SCHEMA)
    cdk_app.synth()
    with LocalCloud() as cloud:
        deployment = cloud.deploy(outdir, replace=True)
        local_app = LocalApp(cloud, deployment)
        local_app.kind = kind  # type: ignore[attr-defined]  # which API the tests talk to
        yield local_app
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


@pytest.mark.parametrize(
    "body",
    [{"email": "x@example.com"}, {"email": "x@example.com", "name": "X", "unknown": 1}, {"email": 1, "name": "X"}],
)
def test_body_against_the_model_is_400_bad_request_body(app: LocalApp, body: dict[str, Any]) -> None:
    # A REST API validates the body against the method's model and answers BAD_REQUEST_BODY; the
    # CrudRestApi's own gateway response gives it the library's error envelope
    # (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html).
    # An HTTP API has no request validation: the write function answers the same.
    status, headers, reply = _raw(app, "POST", "users", body)
    assert status == 400
    assert (reply["error"]["code"], reply["error"]["message"]) == ("BAD_REQUEST_BODY", "Invalid request body")
    if app.kind == "rest":  # type: ignore[attr-defined]
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


def test_unknown_route_is_answered_by_the_gateway(app: LocalApp) -> None:
    # REST: 403 MissingAuthenticationToken; HTTP API: 404 Not Found
    # (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
    expected = UNKNOWN_ROUTE_STATUS[app.kind]  # type: ignore[attr-defined]
    assert _raw(app, "GET", "orders")[0] == expected
    assert _raw(app, "PATCH", "users/1")[0] == expected


def test_delete_with_a_stale_etag_is_412(app: LocalApp) -> None:
    item_id, _ = _create(app)
    status, _, body = _raw(app, "DELETE", f"users/{item_id}", headers={"If-Match": '"7"'})
    assert status == 412, body
    assert body["error"]["code"] == "PRECONDITION_FAILED"


def test_idempotency_key_with_another_body_is_422(app: LocalApp) -> None:
    key = {"Idempotency-Key": "create-once-2"}
    assert _raw(app, "POST", "users", {"email": "e@example.com", "name": "E"}, key)[0] == 201
    status, _, body = _raw(app, "POST", "users", {"email": "e@example.com", "name": "F"}, key)
    assert status == 422
    assert body["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)


@hypothesis.settings(max_examples=30, deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
@hypothesis.given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    path=st.sampled_from(["users", "users/x", "users/x/y", "users?limit=0", "users?next=%FF", "users?limit=abc"]),
    body=st.one_of(_JSON, st.fixed_dictionaries({"email": st.text(max_size=30), "name": st.text(max_size=30)})),
    # Header values a client can send: visible ASCII and spaces (RFC 9110 field values).
    if_match=st.one_of(st.none(), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=10)),
)
def test_bad_input_is_never_a_5xx(app: LocalApp, method: str, path: str, body: Any, if_match: str | None) -> None:
    headers = {} if if_match is None else {"If-Match": if_match.strip() or "*"}
    status, _, reply = _raw(app, method, path, None if method in ("GET", "DELETE") else body, headers)
    assert status < 500, reply
