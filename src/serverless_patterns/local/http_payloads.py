"""What an HTTP API sends a Lambda function and makes of its answer: payload formats 2.0 and 1.0, and its refusals.

Sources (the tests cite the same pages):

* The event and response of both payload formats, and the "inferred" 2.0 response:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
* ``{"message":"Not Found"}`` for no stage or route:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
* ``429 {"message":"Too Many Requests"}``: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
* A failed or malformed integration answer is ``500 {"message":"Internal Server Error"}``:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html
* An integration timeout is ``503 {"message":"Service Unavailable"}`` (the service's answer quoted in
  https://github.com/cortexlabs/cortex/issues/1225); the 30 s timeout and the 10 MB payload:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from serverless_patterns.local.api_auth import GatewayError


def _refusal(status: int, kind: str, message: str) -> GatewayError:
    return GatewayError(status, kind, {"message": message}, kind)


def not_found() -> GatewayError:
    """404 ``{"message":"Not Found"}``: no stage or no route matches.

    Examples
    --------
    >>> not_found().body
    {'message': 'Not Found'}
    """
    return _refusal(404, "NotFound", "Not Found")


def unauthorized() -> GatewayError:
    """401 ``{"message":"Unauthorized"}``: a missing identity source or an invalid JWT."""
    return _refusal(401, "Unauthorized", "Unauthorized")


def forbidden() -> GatewayError:
    """403 ``{"message":"Forbidden"}``: IAM or a Lambda authorizer does not allow the request."""
    return _refusal(403, "Forbidden", "Forbidden")


def too_many_requests() -> GatewayError:
    """429 ``{"message":"Too Many Requests"}``: the stage's or route's token bucket is empty."""
    return _refusal(429, "TooManyRequests", "Too Many Requests")


def internal_error() -> GatewayError:
    """500 ``{"message":"Internal Server Error"}``: a failed integration or authorizer, or a missing permission."""
    return _refusal(500, "InternalServerError", "Internal Server Error")


def service_unavailable() -> GatewayError:
    """503 ``{"message":"Service Unavailable"}``: the integration did not answer within its timeout."""
    return _refusal(503, "ServiceUnavailable", "Service Unavailable")


def request_too_large() -> GatewayError:
    """413 ``{"message":"Request Entity Too Large"}``: a body over the 10 MB quota (wording not verified)."""
    return _refusal(413, "RequestTooLarge", "Request Entity Too Large")


@dataclass
class HttpRequest:
    """One request to an HTTP API stage, as the router matched it."""

    method: str
    path: str
    """The path within the stage (``/items/42``)."""
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    api_id: str
    stage: str
    route_key: str
    path_parameters: dict[str, str] = field(default_factory=dict)
    request_id: str = ""
    domain_name: str = ""
    time_epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    wire_path: str = ""
    """The path as the client sent it to the local server (still percent-encoded), which SigV4 signs."""

    @property
    def joined_headers(self) -> dict[str, str]:
        """Header names lower-cased, repeated headers comma-joined (cookies aside in 2.0)."""
        joined: dict[str, str] = {}
        for name, value in self.headers:
            key = name.lower()
            joined[key] = f"{joined[key]},{value}" if key in joined else value
        return joined

    @property
    def joined_query(self) -> dict[str, str]:
        """Query parameters, repeated ones comma-joined."""
        joined: dict[str, str] = {}
        for name, value in parse_qsl(self.raw_query, keep_blank_values=True):
            joined[name] = f"{joined[name]},{value}" if name in joined else value
        return joined

    @property
    def cookies(self) -> list[str]:
        """Every cookie of the ``Cookie`` headers, one entry each."""
        return [
            part.strip()
            for name, value in self.headers
            if name.lower() == "cookie"
            for part in value.split(";")
            if part.strip()
        ]

    def body_text(self) -> tuple[str | None, bool]:
        """The body as the event carries it: text, or base64 with ``isBase64Encoded`` for non-UTF-8 bytes."""
        if not self.body:
            return None, False
        try:
            return self.body.decode("utf-8"), False
        except UnicodeDecodeError:
            return base64.b64encode(self.body).decode(), True

    def request_context(self, account_id: str) -> dict[str, Any]:
        """The 2.0 ``requestContext`` (without ``authorizer``)."""
        headers = self.joined_headers
        return {
            "accountId": account_id,
            "apiId": self.api_id,
            "domainName": self.domain_name,
            "domainPrefix": self.api_id,
            "http": {
                "method": self.method,
                "path": self.path if self.stage == "$default" else f"/{self.stage}{self.path}",
                "protocol": "HTTP/1.1",
                "sourceIp": self.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": self.request_id,
            "routeKey": self.route_key,
            "stage": self.stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(self.time_epoch_ms / 1000)),
            "timeEpoch": self.time_epoch_ms,
        }


def event_v2(request: HttpRequest, account_id: str, authorizer: dict[str, Any] | None) -> dict[str, Any]:
    """The payload format 2.0 event: lower-case headers, comma-joined repeats, ``cookies`` apart, ``rawPath``.

    Empty maps are left out, as in the page's example of a request without them.
    """
    headers = {name: value for name, value in request.joined_headers.items() if name != "cookie"}
    body, encoded = request.body_text()
    context = request.request_context(account_id)
    if authorizer is not None:
        context["authorizer"] = authorizer
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": request.route_key,
        "rawPath": context["http"]["path"],
        "rawQueryString": request.raw_query,
        "headers": headers,
    }
    if request.cookies:
        event["cookies"] = request.cookies
    if request.raw_query:
        event["queryStringParameters"] = request.joined_query
    event["requestContext"] = context
    if body is not None:
        event["body"] = body
    if request.path_parameters:
        event["pathParameters"] = dict(request.path_parameters)
    event["isBase64Encoded"] = encoded
    return event


def event_v1(request: HttpRequest, account_id: str, authorizer: dict[str, Any] | None) -> dict[str, Any]:
    """The payload format 1.0 event: the REST proxy shape with ``version`` ``1.0``."""
    single_headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        single_headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    single_query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.raw_query, keep_blank_values=True):
        single_query[name] = value
        multi_query.setdefault(name, []).append(value)
    body, encoded = request.body_text()
    context = request.request_context(account_id)
    path = context["http"]["path"]
    return {
        "version": "1.0",
        "resource": request.route_key.split(" ", 1)[-1],
        "path": path,
        "httpMethod": request.method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": {
            "accountId": account_id,
            "apiId": request.api_id,
            "authorizer": authorizer,
            "domainName": request.domain_name,
            "domainPrefix": context["domainPrefix"],
            "extendedRequestId": request.request_id,
            "httpMethod": request.method,
            "identity": {"sourceIp": request.source_ip, "userAgent": context["http"]["userAgent"]},
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": request.request_id,
            "requestTime": context["time"],
            "requestTimeEpoch": request.time_epoch_ms,
            "resourcePath": request.route_key.split(" ", 1)[-1],
            "routeKey": request.route_key,
            "stage": request.stage,
        },
        "pathParameters": dict(request.path_parameters) or None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": encoded,
    }


Response = tuple[int, list[tuple[str, str]], bytes]


def response_v2(payload: Any) -> Response:
    """Read a 2.0 answer: a dict with ``statusCode``, else the inferred format (200, JSON, the value as body).

    "If your Lambda function returns valid JSON and doesn't return a statusCode", API Gateway
    assumes ``statusCode`` 200, ``content-type`` ``application/json`` and the response as ``body``;
    a string answer is the body itself.

    Examples
    --------
    >>> response_v2("Hello from Lambda!")
    (200, [('content-type', 'application/json')], b'Hello from Lambda!')
    >>> response_v2({"message": "hi"})[2]
    b'{"message": "hi"}'
    >>> response_v2({"statusCode": 201, "cookies": ["a=1"], "body": "x"})
    (201, [('set-cookie', 'a=1')], b'x')
    """
    if not isinstance(payload, dict) or "statusCode" not in payload:
        body = payload if isinstance(payload, str) else json.dumps(payload)
        return 200, [("content-type", "application/json")], body.encode("utf-8")
    status, headers, body_bytes = _proxy_response(payload)
    headers.extend(("set-cookie", str(cookie)) for cookie in payload.get("cookies") or [])
    return status, headers, body_bytes


def response_v1(payload: Any) -> Response:
    """Read a 1.0 answer: the REST proxy shape (``statusCode``, ``headers``, ``multiValueHeaders``, ``body``)."""
    if not isinstance(payload, dict):
        raise internal_error()
    status, headers, body = _proxy_response(payload)
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        if isinstance(values, Sequence) and not isinstance(values, str):
            headers.extend((str(name), str(value)) for value in values)
    return status, headers, body


def _proxy_response(payload: dict[str, Any]) -> Response:
    try:
        status = int(payload.get("statusCode", 200))
    except (TypeError, ValueError):
        raise internal_error() from None
    if not 100 <= status <= 599 or not isinstance(payload.get("headers") or {}, dict):
        raise internal_error()
    headers = [(str(name), str(value)) for name, value in (payload.get("headers") or {}).items()]
    raw = payload.get("body")
    if raw is None:
        body = b""
    elif payload.get("isBase64Encoded"):
        try:
            body = base64.b64decode(str(raw))
        except ValueError:
            raise internal_error() from None
    else:
        body = (raw if isinstance(raw, str) else json.dumps(raw)).encode("utf-8")
    return status, headers, body
