"""API Gateway HTTP APIs (v2) on the local API Gateway's port: routing, authorization, CORS, throttling, Lambda.

:class:`~serverless_patterns.local.apigateway.ApiGatewayServer` hands a request whose first path
part is an HTTP API's id to :class:`HttpApiRouter`; the API is then served at
``http://127.0.0.1:<port>/<api id>/<path>`` for its ``$default`` stage and
``http://127.0.0.1:<port>/<api id>/<stage>/<path>`` for a named stage, as AWS serves
``https://<api id>.execute-api.<region>.amazonaws.com/[<stage>/]<path>``.

In order, as the pages cited in :mod:`serverless_patterns.local.http_apis`,
:mod:`serverless_patterns.local.http_payloads` and :mod:`serverless_patterns.local.http_api_auth`
describe: the stage and the route (404 ``Not Found``), a CORS preflight answered from the API's
``CorsConfiguration`` (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html),
the stage's throttling (429), the route's authorization, the function's Lambda permission (500
without one), the integration with payload format 2.0 or 1.0 under its timeout (503), and the
configured CORS headers on the answer in place of the integration's own.
Not emulated: ``HTTP_PROXY`` and AWS service integrations (``501``), private integrations, custom
domains and API mappings, mTLS, parameter mapping, stage variables, access logs, authorizer IAM roles.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from serverless_patterns.local import _moto
from serverless_patterns.local.api_auth import GatewayError
from serverless_patterns.local.api_server import MAX_PAYLOAD_BYTES
from serverless_patterns.local.http_api_auth import HttpRouteAuthorization
from serverless_patterns.local.http_apis import Cors, HttpApi, HttpRoute
from serverless_patterns.local.http_payloads import (
    HttpRequest,
    Response,
    event_v1,
    event_v2,
    internal_error,
    not_found,
    request_too_large,
    response_v1,
    response_v2,
    service_unavailable,
    too_many_requests,
)

if TYPE_CHECKING:
    from serverless_patterns.local.apigateway import ApiGatewayServer

logger = logging.getLogger(__name__)

_MAX_LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024


class HttpApiRouter:
    """Serves the deployed HTTP APIs for an :class:`ApiGatewayServer` (its runtime, account and authorization).

    Examples
    --------
    >>> from serverless_patterns.local import LambdaRuntime
    >>> from serverless_patterns.local.apigateway import ApiGatewayServer
    >>> server = ApiGatewayServer(LambdaRuntime("http://127.0.0.1:5000"))
    >>> server.http_apis.handle(HttpApi("a1b2c3d4e5", "Api", "Api1"), "GET", "/a1b2c3d4e5/x", [], b"")[:1]
    (404,)
    """

    def __init__(self, server: ApiGatewayServer) -> None:
        self.server = server
        self.apis: dict[str, HttpApi] = {}
        self._authorizations: dict[int, HttpRouteAuthorization] = {}

    def add(self, api: HttpApi) -> None:
        """Serve one more HTTP API."""
        self.apis[api.api_id] = api

    def url(self, api: HttpApi, stage: str | None = None) -> str:
        """The local invoke URL of a stage, ending with ``/`` (``$default`` at the API's root)."""
        name = stage or api.default_stage
        suffix = "" if name == "$default" else f"{name}/"
        return f"{self.server.base_url}/{api.api_id}/{suffix}"

    def handle(  # noqa: PLR0917 - the parts of one request
        self,
        api: HttpApi,
        http_method: str,
        raw_path: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str = "127.0.0.1",
        content_length: int | None = None,
    ) -> Response:
        """Answer one request to ``api``; every refusal is the HTTP API's JSON body, never an exception."""
        request_id = base_request_id()
        try:
            if max(len(body), content_length or 0) > MAX_PAYLOAD_BYTES:
                raise request_too_large()
            status, response_headers, payload = self._serve(
                api, http_method.upper(), raw_path, headers, body, source_ip, request_id
            )
        except GatewayError as refusal:
            status, response_headers = refusal.status, [("Content-Type", "application/json")]
            payload = json.dumps(refusal.body, separators=(",", ":")).encode()
        except Exception:  # a defect of the router must not drop the client's connection
            logger.exception("local HTTP API failed on %s %s", http_method, raw_path)
            status, response_headers = 500, [("Content-Type", "application/json")]
            payload = b'{"message":"Internal Server Error"}'
        return status, [*response_headers, ("apigw-requestid", request_id)], payload

    def _serve(  # noqa: PLR0917 - the parts of one request
        self,
        api: HttpApi,
        http_method: str,
        raw_path: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        request_id: str,
    ) -> Response:
        parts = urlsplit(raw_path)
        within_api = parts.path.split("/", 2)[2] if parts.path.count("/") >= 2 else ""
        staged = api.stage_for("/" + within_api)
        if staged is None:
            raise not_found()
        stage_name, path = staged
        lower = {name.lower(): value for name, value in headers}
        preflight = (
            api.cors is not None
            and http_method == "OPTIONS"
            and "origin" in lower
            and "access-control-request-method" in lower
        )
        route, params = api.match(http_method, path)
        if preflight and (route is None or route.method not in ("OPTIONS", "")):
            # Answered by API Gateway itself unless an OPTIONS route or the $default route catches it.
            assert api.cors is not None
            return 204, _preflight_headers(api.cors, lower), b""
        if route is None:
            raise not_found()
        request = HttpRequest(
            method=http_method,
            path=path,
            raw_query=parts.query,
            headers=headers,
            body=body,
            source_ip=source_ip,
            api_id=api.api_id,
            stage=stage_name,
            route_key=route.route_key,
            path_parameters=params,
            request_id=request_id,
            domain_name=lower.get("host", f"{self.server.host}:{self.server.port}"),
            wire_path=parts.path,
        )
        stage = api.stages.get(stage_name)
        if stage is not None and not stage.allows(route.route_key):
            raise too_many_requests()
        authorizer: dict[str, Any] | None = None
        if self.server.authorization is not None:
            authorizer = self._authorization().authorize(api, route, request)
        status, response_headers, payload = self._integrate(api, route, request, authorizer)
        if api.cors is not None and "origin" in lower:
            response_headers = [(n, v) for n, v in response_headers if not n.lower().startswith("access-control-")]
            response_headers.extend(_response_cors_headers(api.cors, lower["origin"]))
        return status, response_headers, payload

    def _authorization(self) -> HttpRouteAuthorization:
        authorization = self.server.authorization
        assert authorization is not None
        known = self._authorizations.get(id(authorization))
        if known is None:
            known = HttpRouteAuthorization(
                self.server.account_id, self.server.region, authorization, self.server.runtime
            )
            self._authorizations = {id(authorization): known}
        return known

    def _integrate(
        self, api: HttpApi, route: HttpRoute, request: HttpRequest, authorizer: dict[str, Any] | None
    ) -> Response:
        if route.integration_type != "AWS_PROXY" or route.function_name is None:
            body = {"message": f"{route.integration_type or 'no'} integration is not emulated locally"}
            return 501, [("Content-Type", "application/json")], json.dumps(body).encode()
        server = self.server
        function = _moto.get_function(server.account_id, server.region, route.function_name)
        if function is None:
            raise internal_error()
        if server.authorization is not None:
            # API Gateway invokes as apigateway.amazonaws.com with the route as aws:SourceArn; CDK
            # grants "<api id>/*/*<route path>" (the path template, {id} and all).
            route_part = f"{request.method}{route.path}" if route.path else "$default"
            source = (
                f"arn:aws:execute-api:{server.region}:{server.account_id}:{api.api_id}/{request.stage}/{route_part}"
            )
            if not server.authorization.may_invoke(
                "apigateway.amazonaws.com", function.arn, source, origin="api"
            ).allowed:
                raise internal_error()
        v2 = route.payload_format_version == "2.0"
        if v2:
            event = event_v2(request, server.account_id, authorizer)
        else:
            flat = _v1_authorizer(authorizer)
            event = event_v1(request, server.account_id, flat)
        if len(json.dumps(event)) > _MAX_LAMBDA_PAYLOAD_BYTES:
            raise request_too_large()
        outcome: list[Any] = []

        def call() -> None:
            outcome.append(server.runtime.run(function, event))

        # API Gateway stops waiting at the integration timeout; the function runs on, as in Lambda.
        worker = threading.Thread(target=call, name=f"local-http-api-{route.function_name}", daemon=True)
        worker.start()
        worker.join(route.timeout_seconds)
        if not outcome:
            raise service_unavailable() if worker.is_alive() else internal_error()
        invocation = outcome[0]
        if invocation.errored:
            raise internal_error()
        payload = invocation.payload
        return response_v2(payload) if v2 else response_v1(payload)


def base_request_id() -> str:
    """An ``apigw-requestid`` as HTTP APIs send it: 16 characters of base64 ending in ``=`` (``RL2XYiwjPHcEMEQ=``)."""
    import base64

    return base64.b64encode(uuid.uuid4().bytes[:11]).decode()[:15] + "="


def _v1_authorizer(authorizer: dict[str, Any] | None) -> dict[str, Any] | None:
    # Format 1.0 carries a Lambda authorizer's context and a JWT's claims one level up (no "lambda" key).
    if authorizer is None:
        return None
    if "lambda" in authorizer:
        return dict(authorizer["lambda"])
    return dict(authorizer)


def _allowed_origin(cors: Cors, origin: str) -> str | None:
    if not cors.allows_origin(origin):
        return None
    return "*" if "*" in cors.allow_origins and not cors.allow_credentials else origin


def _preflight_headers(cors: Cors, headers: dict[str, str]) -> list[tuple[str, str]]:
    """The CORS headers of a preflight answer: none when the origin or the method is not allowed."""
    origin = _allowed_origin(cors, headers["origin"])
    method = headers["access-control-request-method"].upper()
    if origin is None or not ("*" in cors.allow_methods or method in cors.allow_methods):
        return []
    answer = [("Access-Control-Allow-Origin", origin)]
    answer.append(("Access-Control-Allow-Methods", ",".join(cors.allow_methods)))
    if cors.allow_headers:
        requested = headers.get("access-control-request-headers", "")
        allowed = requested if "*" in cors.allow_headers and requested else ",".join(cors.allow_headers)
        answer.append(("Access-Control-Allow-Headers", allowed))
    if cors.max_age is not None:
        answer.append(("Access-Control-Max-Age", str(cors.max_age)))
    if cors.allow_credentials:
        answer.append(("Access-Control-Allow-Credentials", "true"))
    return answer


def _response_cors_headers(cors: Cors, origin: str) -> list[tuple[str, str]]:
    """The CORS headers API Gateway adds to an integration's answer to a request with an allowed ``Origin``."""
    allowed = _allowed_origin(cors, origin)
    if allowed is None:
        return []
    answer = [("Access-Control-Allow-Origin", allowed)]
    if cors.allow_credentials:
        answer.append(("Access-Control-Allow-Credentials", "true"))
    if cors.expose_headers:
        answer.append(("Access-Control-Expose-Headers", ",".join(cors.expose_headers)))
    return answer
