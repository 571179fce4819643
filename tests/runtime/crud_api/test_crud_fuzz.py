"""CrudApi handlers fuzzed with Hypothesis: a client's bad request is never a 5xx, every 4xx is a JSON error.

Every operation gets REST API proxy events mutated the ways a careless or hostile client can: JSON
bodies of any shape and type (huge numbers, ``NaN``, lone surrogates, deep nesting), non-JSON and
badly base64-encoded bodies, odd ``Content-Type``, ``If-Match`` and ``Idempotency-Key`` headers, ids
that are empty, long, unicode or hold slashes, and ``limit``/``next`` query parameters of any text.
No throttling is injected, so no 503 is expected either.
"""

from __future__ import annotations

import base64
import copy
import json
import sys
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from types import ModuleType
from typing import Any

import boto3
import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hypothesis_budget import examples

from .conftest import ENVIRONMENT, EVENTS, LambdaContext, create_tables

FUZZ = settings(
    max_examples=examples(100, deep=300),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
TEMPLATE: dict[str, Any] = json.loads((EVENTS / "rest_proxy_event.json").read_text())
SEEDED_USER = "seed-user"
SEEDED_ORDER, SEEDED_LINE = "seed-order", "seed-line"

# Events


def build_event(
    method: str,
    name: str,
    segments: list[str],
    *,
    headers: dict[str, str],
    query: dict[str, str] | None,
    body: str | None,
    base64_flag: bool,
) -> dict[str, Any]:
    """A REST API proxy event for ``/{name}/{p1}/{p2}``; segments go into path parameters untouched."""
    event = copy.deepcopy(TEMPLATE)
    resource = "/" + "/".join([name, *(f"{{p{index}}}" for index in range(1, len(segments) + 1))])
    path = "/" + "/".join([name, *segments])
    event["httpMethod"] = method
    event["resource"] = resource
    event["path"] = path
    event["pathParameters"] = {f"p{index}": segment for index, segment in enumerate(segments, 1)} or None
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {key: [value] for key, value in query.items()} if query else None
    event["requestContext"].update(httpMethod=method, path=f"/prod{path}", resourcePath=resource)
    all_headers = {**event["headers"], **headers}
    event["headers"] = all_headers
    event["multiValueHeaders"] = {key: [value] for key, value in all_headers.items()}
    event["body"] = body
    event["isBase64Encoded"] = base64_flag
    return event


def invoke(modules: tuple[ModuleType, ModuleType], event: dict[str, Any]) -> dict[str, Any]:
    """The handler's response, asserted to keep the library's error promise."""
    read, write = modules
    module = read if event["httpMethod"] == "GET" else write
    result: dict[str, Any] = module.handler(event, LambdaContext())
    status = result["statusCode"]
    text = result.get("body") or ""
    if hypothesis.currently_in_test_context():  # the spread of outcomes, for --hypothesis-show-statistics
        hypothesis.event(f"status {status}")
    assert status < 500, f"{event['httpMethod']} {event['path']} answered {status}: {text[:500]}"
    if status >= 400:
        headers = {key.lower(): value for key, value in (result.get("headers") or {}).items()}
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers.setdefault(key.lower(), values[0])
        assert headers.get("content-type") == "application/json", result
        error = json.loads(text)["error"]
        assert set(error) == {"code", "message", "details"}, error
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]
        assert isinstance(error["details"], list)
    return result


# Strategies

# Repeated entries weigh the draw towards what reaches DynamoDB; the rest covers routing.
NAMES = st.sampled_from(["users"] * 8 + ["lines"] * 5 + ["notes"] * 3 + ["orders", "Users", "nope", "", "users.json"])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats()  # NaN and infinities included: json.dumps writes them as NaN/Infinity
    | st.text(max_size=20)
    | st.sampled_from(["NaN", "Infinity", "-0", "1e400", "", "\x00", "\ud800", "👩‍💻", "a" * 500])
    | st.sampled_from([1e100, -1e125, 1e-129, 1e-131, 0.1, 2**53 + 1, 10**38, 10**38 - 1])  # DynamoDB's number limits
)
# Never an empty name: moto stores "" as an attribute name or map key (DynamoDB rejects it with a
# ValidationException, a 400 here) and then answers every read of that item with malformed JSON.
FIELD_NAMES = st.text(min_size=1, max_size=12)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(FIELD_NAMES, children, max_size=4),
    max_leaves=12,
)
_FIELD_VALUES = (
    st.sampled_from(["ada@example.com", "Ada", "member", "admin", SEEDED_ORDER, "sku-1", 3, 36, 12.5, 0]) | JSON_VALUES
)
OBJECTS = st.builds(
    lambda schema_fields, extra: {**extra, **schema_fields},
    st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(
            (
                "email",
                "name",
                "age",
                "role",
                "score",
                "orderId",
                "sku",
                "quantity",
                "text",
                "userId",
                "version",
                "createdAt",
            ),
            _FIELD_VALUES,
        ),
    ),
    st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=3),
)
VALID_BODIES: dict[str, list[dict[str, Any]]] = {
    "users": [
        {"email": "ada@example.com", "name": "Ada"},
        {"email": "ada@example.com", "name": "Ada", "age": 36, "role": "member", "score": 12.5},
    ],
    "lines": [{"orderId": SEEDED_ORDER, "sku": "sku-1", "quantity": 2}, {"orderId": SEEDED_ORDER, "sku": "sku-1"}],
    "notes": [{"text": "note"}, {}],
}
MUTATED_FIELDS = (
    st.sampled_from(["email", "name", "age", "role", "score", "orderId", "sku", "quantity", "text", "version"])
    | FIELD_NAMES
)
RAW_TEXTS = st.sampled_from(
    [
        "",
        " ",
        "null",
        "[]",
        '"text"',
        "{",
        '{"email": "a@b.co", ',
        "{'single': 'quotes'}",
        '{"n": NaN, "i": -Infinity}',
        '{"age": 1e400, "score": 1e-400}',
        '{"score": 123456789012345678901234567890123456789012}',
        '{"age": ' + "9" * 5000 + "}",
        '{"name": "\\ud800", "email": "a@b.co"}',
        '{"text": "\\udfff"}',
        '{"name": "a\\u0000b", "email": "a@b.co"}',
        "[" * 40 + "]" * 40,
        '{"a":' * 2000 + "1" + "}" * 2000,
        '{"name": "' + "x" * (300 * 1024) + '"}',
        '{"email": "a@b.co", "name": "Ada", "name": 3}',
        "\ufeff{}",
    ]
)


@st.composite
def bodies(draw: st.DrawFn, name: str = "") -> tuple[str | None, bool]:
    """The event's body and ``isBase64Encoded``: JSON of any shape, raw text, bytes, broken base64.

    Often a valid body of resource ``name`` with one field replaced or added: the mutations that
    get past parsing to the validator and DynamoDB.
    """
    kind = draw(
        st.sampled_from(["near-valid"] * 3 + ["object"] * 2 + ["value", "raw", "text", "bytes", "bad-base64", "none"])
    )
    if kind == "none":
        return None, draw(st.booleans())
    if kind == "bytes":
        return base64.b64encode(draw(st.binary(max_size=64))).decode(), True
    if kind == "bad-base64":
        return draw(st.sampled_from(["%%%", "abc", "é===", "eyJ9", "=" * 4, "e30"]) | st.text(max_size=20)), True
    if kind == "near-valid":
        valid = draw(
            st.sampled_from(VALID_BODIES.get(name) or [body for bodies in VALID_BODIES.values() for body in bodies])
        )
        if draw(st.booleans()):
            valid = {**valid, draw(MUTATED_FIELDS): draw(_FIELD_VALUES)}
        text = json.dumps(valid)
    elif kind == "object":
        text = json.dumps(draw(OBJECTS))
    elif kind == "value":
        text = json.dumps(draw(JSON_VALUES))
    elif kind == "raw":
        text = draw(RAW_TEXTS)
    else:
        text = draw(st.text(max_size=40))
    if draw(st.booleans()):
        return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode(), True
    return text, False


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        " application/json ;",
        "application/json-patch+json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
        ";",
    ]
) | st.text(max_size=30)
IF_MATCH = st.sampled_from(
    [
        "*",
        '"1"',
        'W/"1"',
        '"0"',
        '"1", "2"',
        '""',
        ",,,",
        '"-1"',
        '"1.5"',
        '"²"',
        '"\u0661"',
        '"' + "9" * 40 + '"',
        '"' + "9" * 5000 + '"',
        "W/",
        '*, "1"',
    ]
) | st.text(max_size=30)
IDEMPOTENCY_KEYS = st.sampled_from(["", "k", "k" * 255, "k" * 256, "🔑" * 200, "é" * 255, " ", "\x00"]) | st.text(
    max_size=300
)
IDS = st.sampled_from(
    [
        SEEDED_USER,
        SEEDED_ORDER,
        SEEDED_LINE,
        "",
        ".",
        "..",
        "../users",
        "a/b",
        "/",
        "%2F",
        "{id}",
        "{p1}",
        "x" * 1024,
        "x" * 1025,
        "é" * 512,
        "é" * 513,
        "\x00",
        " ",
    ]
) | st.text(max_size=30)
# Path segments after the resource: seeded keys (users and notes, lines), a seeded order with any line, or any.
SEGMENTS = (
    st.sampled_from(
        [[SEEDED_USER], [SEEDED_USER + "-1"], [SEEDED_ORDER, SEEDED_LINE], [SEEDED_ORDER, SEEDED_LINE + "-2"]]
    )
    | st.tuples(st.just(SEEDED_ORDER), IDS).map(list)
    | st.lists(IDS, min_size=1, max_size=3)
)
SEEDED_KEYS = {"users": [SEEDED_USER], "notes": [SEEDED_USER], "lines": [SEEDED_ORDER, SEEDED_LINE]}


@st.composite
def targets(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A resource and the path segments after it: half the time the key of one of its seeded items."""
    name = draw(NAMES)
    return name, list(SEEDED_KEYS[name]) if name in SEEDED_KEYS and draw(st.booleans()) else draw(SEGMENTS)


@st.composite
def writes(draw: st.DrawFn, *, with_ids: bool) -> tuple[str, list[str], tuple[str | None, bool]]:
    """A resource, the path segments after it (none for a create) and a body meant for it."""
    name, ids = draw(targets()) if with_ids else (draw(NAMES), [])
    return name, ids, draw(bodies(name))


LIMITS = st.sampled_from(
    [
        "1",
        "25",
        "100",
        "101",
        "0",
        "-1",
        "1.5",
        "",
        " 5",
        "abc",
        "²",
        "\u0661\u0662",
        "0" * 5000 + "5",
        "9" * 5000,
        "9" * 30,
    ]
) | st.text(max_size=10)
ORIGINS = st.sampled_from(["https://app.example.com", "https://evil.example.com", "null", ""])


@st.composite
def headers(draw: st.DrawFn) -> dict[str, str]:
    """Request headers: any Content-Type, If-Match, Idempotency-Key and Origin, names in any case.

    Each header is mostly present with a usual value (for Content-Type and If-Match, a valid one),
    so that the other mutations get past the 415 and the 412.
    """
    chosen: dict[str, str] = {}
    for name, usual, unusual in (
        ("Content-Type", st.sampled_from(["application/json", "application/json; charset=utf-8"]), CONTENT_TYPES),
        ("If-Match", st.sampled_from(['"1"', '"0"', "*"]), IF_MATCH),
        ("Idempotency-Key", st.uuids().map(str) | st.text(min_size=1, max_size=40), IDEMPOTENCY_KEYS),
        ("Origin", ORIGINS, ORIGINS),
    ):
        presence = draw(st.sampled_from(["usual"] * 6 + ["unusual", "absent"]))
        if presence != "absent":
            spelling = draw(st.sampled_from([name, name.lower(), name.upper()]))
            chosen[spelling] = draw(usual if presence == "usual" else unusual)
    return chosen


@st.composite
def cursors(draw: st.DrawFn) -> str:
    """``next`` cursors: garbage, or documents of any shape signed as the handler signs them.

    The signature proves integrity, not authenticity (table names are not secret), so a client
    that knows a table's name can sign any document: the handler must still answer 400.
    """
    if draw(st.booleans()):
        return draw(st.sampled_from(["", ".", "a.b", "é.é", "x" * 5000, "e30.", "eyJyIjoidXNlcnMifQ.0"]) | st.text())
    document = draw(
        JSON_VALUES
        | st.fixed_dictionaries(
            {"r": st.sampled_from(["users", "lines", "notes"]) | JSON_VALUES},
            optional={"p": st.none() | st.text(max_size=5) | JSON_VALUES, "k": JSON_VALUES | OBJECTS},
        )
    )
    name = draw(st.sampled_from(["users", "lines"]))
    payload = base64.urlsafe_b64encode(json.dumps(document).encode("utf-8", "surrogatepass")).decode().rstrip("=")
    common = sys.modules["crud_api_under_test.common"]
    return f"{payload}.{common._signature(common.resources()[name], payload)}"


@st.composite
def queries(draw: st.DrawFn) -> dict[str, str] | None:
    """Query strings: ``limit``, ``next`` and the partition attribute, each optional."""
    if draw(st.integers(0, 4)) == 0:
        return None
    query: dict[str, str] = {}
    for key, values in (("limit", LIMITS), ("next", cursors()), ("orderId", IDS), ("extra", st.text(max_size=10))):
        if draw(st.booleans()):
            query[key] = draw(values)
    return query


# One set of tables for the module; items pile up between examples, which is harmless here.


@pytest.fixture(scope="module")
def modules(moto_server: str, handler_modules: tuple[ModuleType, ModuleType]) -> Iterator[tuple[ModuleType, ...]]:
    """The handlers, with CrudApi's tables in a freshly reset moto and a few seeded items."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    create_tables()
    dynamodb = boto3.client("dynamodb")
    # A few items per table, so reads, updates and deletes also meet existing items and list has pages.
    for suffix in ("", "-1", "-2"):
        for table, item in (
            ("users", {"userId": SEEDED_USER + suffix, "email": "a@b.co", "name": "Seed", "version": 1}),
            ("lines", {"orderId": SEEDED_ORDER, "lineId": SEEDED_LINE + suffix, "sku": "s", "version": 1}),
            ("notes", {"id": SEEDED_USER + suffix, "text": "t"}),
            ("orders", {"id": SEEDED_ORDER + suffix, "total": 3}),
        ):
            dynamodb.put_item(TableName=table, Item=_to_dynamodb(item))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        yield handler_modules


def restore_seeded(name: str, segments: list[str]) -> None:
    """Put back the seeded item a request targets, so that deletes leave updates and deletes items to meet."""
    keys = {"users": ["userId"], "notes": ["id"], "lines": ["orderId", "lineId"]}.get(name)
    if keys and len(keys) == len(segments) and all(segment.startswith("seed-") for segment in segments):
        item = {**dict(zip(keys, segments, strict=True)), "email": "a@b.co", "name": "Seed", "sku": "s", "version": 1}
        boto3.client("dynamodb").put_item(TableName=name, Item=_to_dynamodb(item))


def _to_dynamodb(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    return {key: TypeSerializer().serialize(value) for key, value in item.items()}


# The fuzzers, one per operation


@FUZZ
@given(name=NAMES, query=queries(), extra_headers=headers())
def test_fuzzed_list_never_fails_with_5xx(
    modules: tuple[ModuleType, ModuleType], name: str, query: dict[str, str] | None, extra_headers: dict[str, str]
) -> None:
    invoke(modules, build_event("GET", name, [], headers=extra_headers, query=query, body=None, base64_flag=False))


@FUZZ
@given(target=targets(), query=queries(), extra_headers=headers())
def test_fuzzed_get_never_fails_with_5xx(
    modules: tuple[ModuleType, ModuleType],
    target: tuple[str, list[str]],
    query: dict[str, str] | None,
    extra_headers: dict[str, str],
) -> None:
    name, ids = target
    invoke(modules, build_event("GET", name, ids, headers=extra_headers, query=query, body=None, base64_flag=False))


@FUZZ
@given(request=writes(with_ids=False), extra_headers=headers(), query=queries())
def test_fuzzed_create_never_fails_with_5xx(
    modules: tuple[ModuleType, ModuleType],
    request: tuple[str, list[str], tuple[str | None, bool]],
    extra_headers: dict[str, str],
    query: dict[str, str] | None,
) -> None:
    name, _, (text, flag) = request
    invoke(modules, build_event("POST", name, [], headers=extra_headers, query=query, body=text, base64_flag=flag))


@FUZZ
@given(request=writes(with_ids=True), extra_headers=headers())
def test_fuzzed_update_never_fails_with_5xx(
    modules: tuple[ModuleType, ModuleType],
    request: tuple[str, list[str], tuple[str | None, bool]],
    extra_headers: dict[str, str],
) -> None:
    name, ids, (text, flag) = request
    restore_seeded(name, ids)
    invoke(modules, build_event("PUT", name, ids, headers=extra_headers, query=None, body=text, base64_flag=flag))


@FUZZ
@given(request=writes(with_ids=True), extra_headers=headers())
def test_fuzzed_delete_never_fails_with_5xx(
    modules: tuple[ModuleType, ModuleType],
    request: tuple[str, list[str], tuple[str | None, bool]],
    extra_headers: dict[str, str],
) -> None:
    name, ids, (text, flag) = request
    restore_seeded(name, ids)
    invoke(modules, build_event("DELETE", name, ids, headers=extra_headers, query=None, body=text, base64_flag=flag))


# Regressions: what the fuzzers found, as plain examples


def _send(
    modules: tuple[ModuleType, ModuleType],
    method: str,
    name: str,
    segments: list[str],
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: str | None = None,
) -> tuple[int, Any]:
    event = build_event(method, name, segments, headers=headers or {}, query=query, body=body, base64_flag=False)
    result = invoke(modules, event)
    return result["statusCode"], json.loads(result["body"]) if result.get("body") else None


def _stored_user(user_id: str) -> None:
    item = {"userId": user_id, "email": "a@b.co", "name": "Ada", "version": 3}
    boto3.client("dynamodb").put_item(TableName="users", Item=_to_dynamodb(item))


@pytest.mark.parametrize("limit", ["²", "\u0661\u0662", "9" * 5000, "0" * 5000])
def test_list_with_limit_of_non_ascii_or_too_many_digits_is_400(
    modules: tuple[ModuleType, ModuleType], limit: str
) -> None:
    # str.isdigit() accepted these, then int() raised (or read "\u0661\u0662" as 12): the client got a 500.
    status, body = _send(modules, "GET", "users", [], query={"limit": limit})
    assert status == 400
    assert body["error"]["code"] == "INVALID_PARAMETER"


def test_list_with_limit_behind_leading_zeros_is_read_as_a_number(modules: tuple[ModuleType, ModuleType]) -> None:
    status, body = _send(modules, "GET", "users", [], query={"limit": "0" * 5000 + "2"})
    assert status == 200
    assert len(body["items"]) <= 2


@pytest.mark.parametrize("cursor", ["é.é", "eyJyIjoidXNlcnMifQ.é", "a.\u00ff"])
def test_list_with_non_ascii_cursor_is_400(modules: tuple[ModuleType, ModuleType], cursor: str) -> None:
    # hmac.compare_digest raises TypeError for non-ASCII str: the client got a 500.
    status, body = _send(modules, "GET", "users", [], query={"next": cursor})
    assert status == 400
    assert body["error"]["code"] == "INVALID_CURSOR"


@pytest.mark.parametrize("document", [None, [], "users", 7])
def test_list_with_a_signed_cursor_that_is_not_an_object_is_400(
    modules: tuple[ModuleType, ModuleType], document: Any
) -> None:
    # Anyone who knows the table's name can sign a cursor; a non-object one raised AttributeError (500).
    common = sys.modules["crud_api_under_test.common"]
    payload = base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    cursor = f"{payload}.{common._signature(common.resources()['users'], payload)}"
    status, body = _send(modules, "GET", "users", [], query={"next": cursor})
    assert status == 400
    assert body["error"]["code"] == "INVALID_CURSOR"


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_body_with_a_lone_surrogate_is_400(modules: tuple[ModuleType, ModuleType], method: str) -> None:
    # json.loads turns "\ud800" into a str that UTF-8 cannot encode; the write failed with a 500.
    _stored_user("surrogate-target")
    segments = [] if method == "POST" else ["surrogate-target"]
    status, body = _send(
        modules,
        method,
        "users",
        segments,
        headers={"Content-Type": "application/json", "If-Match": '"3"'},
        body='{"email": "a@b.co", "name": "Ada \\ud800"}',
    )
    assert status == 400
    assert body["error"]["code"] == "MALFORMED_JSON"


def test_body_with_a_surrogate_pair_is_stored(modules: tuple[ModuleType, ModuleType]) -> None:
    status, body = _send(
        modules,
        "POST",
        "users",
        [],
        headers={"Content-Type": "application/json"},
        body='{"email": "a@b.co", "name": "Ada \\ud83d\\ude00"}',
    )
    assert status == 201
    assert body["name"] == "Ada \U0001f600"


@pytest.mark.parametrize("tag", ['"²"', '"\u0661"', '"' + "9" * 40 + '"', '"' + "9" * 5000 + '"'])
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_if_match_that_no_issued_etag_can_be_is_412(
    modules: tuple[ModuleType, ModuleType], method: str, tag: str
) -> None:
    # "²".isdigit() is true and int() refuses it; 40 digits overflow a DynamoDB number: both were 500s.
    _stored_user("if-match-target")
    status, body = _send(
        modules,
        method,
        "users",
        ["if-match-target"],
        headers={"Content-Type": "application/json", "If-Match": tag},
        body='{"email": "a@b.co", "name": "Ada"}',
    )
    assert status == 412
    assert body["error"]["code"] == "PRECONDITION_FAILED"


@pytest.mark.parametrize(
    ("number", "stored"),
    [("1E+100", Decimal("1E+100")), ("0.12345678901234567890123456789", Decimal("0.12345678901234567890123456789"))],
)
def test_post_with_idempotency_key_stores_numbers_as_sent(
    modules: tuple[ModuleType, ModuleType], number: str, stored: Decimal
) -> None:
    # The idempotent path rebuilt the item from its JSON text, where Decimal had become float or int:
    # 1E+100 came back as a 101-digit integer DynamoDB cannot hold (500), other numbers lost digits.
    status, body = _send(
        modules,
        "POST",
        "users",
        [],
        headers={"Content-Type": "application/json", "Idempotency-Key": f"exact-number-{number}"},
        body=f'{{"email": "a@b.co", "name": "Ada", "score": {number}}}',
    )
    assert status == 201
    item = boto3.client("dynamodb").get_item(TableName="users", Key={"userId": {"S": body["userId"]}})["Item"]
    assert Decimal(item["score"]["N"]) == stored
