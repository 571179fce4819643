"""The handlers' gateway seam: one resolver per payload format, and the REST model check behind HTTP APIs."""

from __future__ import annotations

import base64
import json
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from serverless_patterns._internal.json_schema import validator_source

SCHEMA = {
    "type": "object",
    "required": ["email"],
    "additionalProperties": False,
    "properties": {"email": {"type": "string", "format": "email"}, "version": {"type": "integer"}},
}


def _event(body: str | None, content_type: str | None = "application/json", *, encoded: bool = False) -> BaseProxyEvent:
    headers = {} if content_type is None else {"content-type": content_type}
    return BaseProxyEvent({"version": "2.0", "headers": headers, "body": body, "isBase64Encoded": encoded})


@pytest.fixture
def package(handler_modules: tuple[ModuleType, ModuleType]) -> str:
    return handler_modules[0].__name__.rpartition(".")[0]


def _config(package: str, with_model: bool = True) -> Any:
    common = __import__(f"{package}.common", fromlist=["ResourceConfig"])
    return common.ResourceConfig(
        name="users",
        id_attribute="id",
        schema=SCHEMA,
        operations=("create",),
        validator=validator_source(SCHEMA, draft="draft-04"),
        model_validator=validator_source(SCHEMA, draft="draft-04") if with_model else None,
    )


def _gateway(package: str) -> Any:
    return __import__(f"{package}.gateway", fromlist=["check_model"])


@pytest.mark.parametrize(
    ("body", "content_type", "encoded"),
    [
        ('{"email": 1}', "application/json", False),
        ('{"email": "a@example.com", "extra": 1}', "application/json; charset=utf-8", False),
        ("{not json", "application/json", False),
        ('{"email": NaN}', "application/json", False),
        ("", None, False),  # no Content-Type: the application/json model, an empty body checked as {}
        (base64.b64encode(b'{"email": 1}').decode(), "application/json", True),
    ],
)
def test_a_body_the_model_rejects_is_400_bad_request_body(
    package: str, body: str, content_type: str | None, encoded: bool
) -> None:
    common = __import__(f"{package}.common", fromlist=["ApiError"])
    with pytest.raises(common.ApiError) as raised:
        _gateway(package).check_model(_event(body, content_type, encoded=encoded), _config(package))
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        400,
        "BAD_REQUEST_BODY",
        "Invalid request body",
    )


def test_a_body_of_another_content_type_is_left_to_the_handler(package: str) -> None:
    _gateway(package).check_model(_event('{"email": 1}', "text/plain"), _config(package))


def test_a_body_the_model_accepts_passes(package: str) -> None:
    _gateway(package).check_model(_event(json.dumps({"email": "a@example.com", "version": 3})), _config(package))


def test_without_a_model_validator_nothing_is_checked(package: str) -> None:
    _gateway(package).check_model(_event("{not json"), _config(package, with_model=False))


def test_resolvers_are_picked_by_payload_version(package: str, handler_modules: tuple[ModuleType, ModuleType]) -> None:
    read = handler_modules[0]
    assert type(read.resolvers["1.0"]).__name__ == "APIGatewayRestResolver"
    assert type(read.resolvers["2.0"]).__name__ == "APIGatewayHttpResolver"
