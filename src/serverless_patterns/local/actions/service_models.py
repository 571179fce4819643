"""botocore's service models: which operation an HTTP request is, by protocol, for each signing name."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

# -- services, models and routes -------------------------------------------------------------------------------------
# Signing name -> (IAM prefix, botocore models). Any other name is both the prefix and the model's name.
_SIGNING_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "monitoring": ("cloudwatch", ("cloudwatch",)),
    "states": ("states", ("stepfunctions",)),
    "ses": ("ses", ("ses", "sesv2")),
    "apigateway": ("apigateway", ("apigateway", "apigatewayv2")),
    "dynamodb": ("dynamodb", ("dynamodb", "dynamodbstreams")),
    "s3-object-lambda": ("s3-object-lambda", ("s3",)),
}
_REST_PROTOCOLS = frozenset({"rest-json", "rest-xml"})


@dataclass(frozen=True)
class _Route:
    """A REST operation's ``requestUri`` as a regular expression, and the query and headers that set it apart."""

    operation: str
    pattern: re.Pattern[str]
    labels: tuple[str, ...]
    required_query: tuple[tuple[str, str | None], ...]
    required_headers: tuple[str, ...]
    query_members: tuple[tuple[str, str], ...]
    header_members: tuple[tuple[str, str], ...]
    body_holds_members: bool

    def parameters(self, match: re.Match[str], query: Mapping[str, str], headers: Mapping[str, str]) -> dict[str, Any]:
        params: dict[str, Any] = {
            member: unquote(value) for member, value in zip(self.labels, match.groups(), strict=True)
        }
        params.update((member, query[key]) for key, member in self.query_members if key in query)
        params.update((member, headers[name]) for name, member in self.header_members if name in headers)
        return params


@dataclass(frozen=True)
class _Service:
    prefix: str
    routes: Mapping[str, tuple[_Route, ...]]
    takes_action_field: bool

    def match(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[_Route, re.Match[str]] | None:
        for route in self.routes.get(method.upper(), ()):
            found = route.pattern.match(path)
            if (
                found is not None
                and all(key in query and value in (None, query[key]) for key, value in route.required_query)
                and all(name in headers for name in route.required_headers)
            ):
                return route, found
        return None


_services: dict[str, _Service] = {}
_services_lock = threading.Lock()
_botocore_session: Any = None


def _service(signing_name: str) -> _Service:
    """The service a signing name stands for, its models loaded and its routes compiled once per process."""
    service = _services.get(signing_name)
    if service is None:
        with _services_lock:
            service = _services.get(signing_name) or _load_service(signing_name)
            _services[signing_name] = service
    return service


def _load_service(signing_name: str) -> _Service:
    global _botocore_session  # noqa: PLW0603 - one session for the process: each costs milliseconds to create
    import botocore.exceptions
    import botocore.session

    if _botocore_session is None:
        _botocore_session = botocore.session.get_session()
    prefix, names = _SIGNING_NAMES.get(signing_name, (signing_name, (signing_name,)))
    models: list[Any] = []
    for name in names:
        try:
            models.append(_botocore_session.get_service_model(name))
        except botocore.exceptions.UnknownServiceError:
            continue
    routes: dict[str, list[tuple[tuple[int, int, int, bool], _Route]]] = {}
    for model in models:
        for name in model.operation_names if model.protocol in _REST_PROTOCOLS else ():
            operation = model.operation_model(name)
            routes.setdefault(operation.http["method"], []).append(_compile_route(operation))
    # Most specific first: more query and header requirements, then longer literal paths, then fewer greedy labels.
    ordered = {
        method: tuple(route for _, route in sorted(found, key=lambda item: item[0], reverse=True))
        for method, found in routes.items()
    }
    # An Action field names the operation unless every model is REST (SQS's older SDKs still send the query protocol).
    return _Service(prefix, ordered, not models or any(model.protocol not in _REST_PROTOCOLS for model in models))


def _compile_route(operation: Any) -> tuple[tuple[int, int, int, bool], _Route]:
    path, _, literal_query = operation.http["requestUri"].partition("?")
    shape = operation.input_shape
    required = set(shape.required_members) if shape is not None else set()
    located: dict[str, list[tuple[str, str]]] = {}
    for member, member_shape in (shape.members if shape is not None else {}).items():
        location = member_shape.serialization.get("location") or "body"
        located.setdefault(location, []).append((member_shape.serialization.get("name", member), member))
    uri_members = dict(located.get("uri", []))
    pattern, labels, literal_length, greedy = "^", [], 0, 0
    for part in re.split(r"(\{[^}]+\})", path.rstrip("/")):
        if part.startswith("{"):
            label = part[1:-1].rstrip("+")
            greedy += part.endswith("+}")
            labels.append(uri_members.get(label, label))
            pattern += "(.+)" if part.endswith("+}") else "([^/]+)"
        else:
            pattern += re.escape(part)
            literal_length += len(part)
    required_query = [
        (key, value if equals else None)
        for key, equals, value in (part.partition("=") for part in literal_query.split("&") if part)
    ]
    required_query += [(key, None) for key, member in located.get("querystring", []) if member in required]
    required_headers = [name.lower() for name, member in located.get("header", []) if member in required]
    # rest-json carries the other members in a JSON body, unless one member is the whole body (Lambda's Payload).
    payload = shape.serialization.get("payload") if shape is not None else None
    body_members = operation.metadata["protocol"] == "rest-json" and payload is None and bool(located.get("body"))
    route = _Route(
        operation.name,
        re.compile(pattern + "/?$"),
        tuple(labels),
        tuple(required_query),
        tuple(required_headers),
        tuple(located.get("querystring", [])),
        tuple((name.lower(), member) for name, member in located.get("header", [])),
        body_members,
    )
    return (len(required_query) + len(required_headers), literal_length, -greedy, not operation.deprecated), route


_VIRTUAL_HOST = re.compile(r"^(.+?)\.(?:s3[.-][^:]*|localhost)(?::\d+)?$")


def _path_style(path: str, host: str) -> str:
    """An S3 path with its bucket: a virtual-host request (``media.localhost:5000``) has it in the host instead."""
    match = _VIRTUAL_HOST.match(host)
    return f"/{match.group(1)}{path}" if match else path


def _operation(
    service: _Service, method: str, path: str, *, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
) -> tuple[str, Mapping[str, Any]]:
    """The operation's name and its parameters, read the way the request's protocol carries them."""
    target = headers.get("x-amz-target")
    if target:
        return target.rpartition(".")[2], _json_object(body)
    if headers.get("smithy-protocol") == "rpc-v2-cbor":
        # The path is /service/<Service>/operation/<Operation>; no rule here reads a CBOR body's parameters yet.
        return path.rstrip("/").rpartition("/")[2], {}
    if service.takes_action_field:
        fields = query
        if body and "x-www-form-urlencoded" in headers.get("content-type", ""):
            fields = {**query, **dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))}
        if "Action" in fields:
            return fields["Action"], fields
    matched = service.match(method, path, query, headers)
    if matched is None:
        return "", {}
    route, found = matched
    params = route.parameters(found, query, headers)
    return route.operation, {**_json_object(body), **params} if route.body_holds_members else params


def _json_object(body: bytes) -> Mapping[str, Any]:
    try:
        value = json.loads(body) if body else {}
    except ValueError:
        return {}  # moto rejects malformed JSON itself; nothing can be read from it here
    return value if isinstance(value, dict) else {}
