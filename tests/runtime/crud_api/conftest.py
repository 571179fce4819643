"""Fixtures for the CrudApi handlers: their configuration, moto tables and a REST API client."""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib
import importlib.util
import json
import os
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from serverless_patterns._internal.json_schema import validator_source

EVENTS = Path(__file__).parent / "events"
PACKAGE = Path(__file__).resolve().parents[3] / "src" / "serverless_patterns" / "runtime" / "crud_api"


def _compiled_config() -> Path:
    """``events/config.json`` with each resource's ``validator`` compiled from its schema, as CrudApi writes it."""
    text = (EVENTS / "config.json").read_text()
    document = json.loads(text)
    for entry in document["resources"].values():
        entry["validator"] = validator_source(entry["schema"], draft="draft-04")
    compiled = json.dumps(document, sort_keys=True)
    path = (
        Path(tempfile.gettempdir()) / f"crud-api-test-config-{hashlib.sha256(compiled.encode()).hexdigest()[:16]}.json"
    )
    if not path.exists():
        staging = path.with_suffix(f".{os.getpid()}.tmp")
        staging.write_text(compiled)
        staging.replace(path)  # atomic: pytest-xdist workers may write it at the same time
    return path


ENVIRONMENT = {
    "CRUD_API_CONFIG": str(_compiled_config()),
    "CRUD_TABLES": "users=users;orders=orders;lines=lines;notes=notes",
    "CRUD_IDEMPOTENCY_TABLE": "idempotency",
    "POWERTOOLS_SERVICE_NAME": "crud-api-test",
    "POWERTOOLS_METRICS_NAMESPACE": "ServerlessPatterns",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
}


@dataclass
class LambdaContext:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name: str = "crud-api"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:111111111111:function:crud-api"
    aws_request_id: str = "0f0e0d0c-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def load_handlers(package_name: str) -> tuple[ModuleType, ModuleType]:
    """A fresh copy of the handler package, as one Lambda execution environment would hold it."""
    if package_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            package_name, PACKAGE / "__init__.py", submodule_search_locations=[str(PACKAGE)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[package_name] = module
        spec.loader.exec_module(module)
    return importlib.import_module(f"{package_name}.read"), importlib.import_module(f"{package_name}.write")


class Client:
    """Sends API events to the read or write handler: REST proxy events (payload 1.0) or HTTP API events (2.0).

    Both are built from JSON fixtures (``rest_proxy_event.json``, ``http_api_event.json``) of a
    ``prod`` stage, so a ``Location`` is ``/prod/...`` with either.
    """

    def __init__(self, read: ModuleType, write: ModuleType, payload: str = "1.0") -> None:
        self.read = read
        self.write = write
        self.payload = payload
        self.template = json.loads((EVENTS / "rest_proxy_event.json").read_text())
        self.http_template = json.loads((EVENTS / "http_api_event.json").read_text())

    def event(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw_body: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        base64_body: bool = False,
    ) -> dict[str, Any]:
        if self.payload == "2.0":
            return self._http_event(method, path, body, raw_body, headers, query, base64_body)
        event = copy.deepcopy(self.template)
        parts = path.strip("/").split("/")
        event["httpMethod"] = method
        event["path"] = path
        event["resource"] = "/" + "/".join([parts[0], *(f"{{p{index}}}" for index in range(1, len(parts)))])
        event["pathParameters"] = {f"p{index}": part for index, part in enumerate(parts) if index} or None
        event["queryStringParameters"] = query
        event["requestContext"]["httpMethod"] = method
        event["requestContext"]["path"] = f"/prod{path}"
        event["requestContext"]["resourcePath"] = event["resource"]
        all_headers = dict(event["headers"])
        if body is not None or raw_body is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        event["headers"] = all_headers
        event["multiValueHeaders"] = {name: [value] for name, value in all_headers.items()}
        text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        if base64_body and text is not None:
            text = base64.b64encode(text.encode()).decode()
            event["isBase64Encoded"] = True
        event["body"] = text
        return event

    def _http_event(
        self,
        method: str,
        path: str,
        body: Any,
        raw_body: str | None,
        headers: dict[str, str] | None,
        query: dict[str, str] | None,
        base64_body: bool,
    ) -> dict[str, Any]:
        # Payload format 2.0: lower-case header names, rawPath with the stage, the route's template in routeKey
        # (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
        event = copy.deepcopy(self.http_template)
        parts = path.strip("/").split("/")
        route = "/" + "/".join([parts[0], *(f"{{p{index}}}" for index in range(1, len(parts)))])
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {route}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/prod{path}"
        event["requestContext"]["http"]["method"] = method
        event["rawQueryString"] = urllib.parse.urlencode(query or {})
        if query:
            event["queryStringParameters"] = query
        parameters = {f"p{index}": part for index, part in enumerate(parts) if index}
        if parameters:
            event["pathParameters"] = parameters
        all_headers = dict(event["headers"])
        if body is not None or raw_body is not None:
            all_headers["content-type"] = "application/json"
        all_headers.update({name.lower(): value for name, value in (headers or {}).items()})
        event["headers"] = all_headers
        text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        if base64_body and text is not None:
            text = base64.b64encode(text.encode()).decode()
            event["isBase64Encoded"] = True
        if text is not None:
            event["body"] = text
        return event

    def send(self, method: str, path: str, **options: Any) -> Reply:
        event = self.event(method, path, **options)
        module = self.read if method == "GET" else self.write
        result = module.handler(event, LambdaContext())
        headers = {name.lower(): value for name, value in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.setdefault(name.lower(), values[0])
        text = result.get("body") or ""
        return Reply(result["statusCode"], headers, json.loads(text) if text else None)


@pytest.fixture(autouse=True)
def crud_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables the construct sets on the functions, for these tests only."""
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def handler_modules(moto_server: str) -> tuple[ModuleType, ModuleType]:
    """The handler package imported once (module-level boto3 clients need moto's endpoint first)."""
    patch = pytest.MonkeyPatch()
    for name, value in ENVIRONMENT.items():
        patch.setenv(name, value)
    try:
        return load_handlers("crud_api_under_test")
    finally:
        patch.undo()


TABLE_KEYS = {
    "users": ["userId"],
    "orders": ["id"],
    "idempotency": ["id"],
    "notes": ["id"],
    "lines": ["orderId", "lineId"],
}


def create_tables() -> None:
    """Empty tables in moto, shaped as CrudApi defines them."""
    dynamodb = boto3.client("dynamodb")
    for table, keys in TABLE_KEYS.items():
        dynamodb.create_table(
            TableName=table,
            KeySchema=[
                {"AttributeName": key, "KeyType": kind}
                for key, kind in zip(keys, ["HASH", "RANGE"][: len(keys)], strict=True)
            ],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in keys],
            BillingMode="PAY_PER_REQUEST",
        )


@pytest.fixture
def tables(moto: str, handler_modules: tuple[ModuleType, ModuleType]) -> None:
    """Empty tables in moto, shaped as CrudApi defines them."""
    create_tables()


@pytest.fixture(params=["1.0", "2.0"], ids=["rest", "http"])
def client(request: pytest.FixtureRequest, tables: None, handler_modules: tuple[ModuleType, ModuleType]) -> Client:
    """A client of the handlers through a REST API (payload 1.0) and through an HTTP API (payload 2.0)."""
    return Client(*handler_modules, payload=request.param)


@pytest.fixture
def new_user() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / "create_user.json").read_text())
    return loaded
