"""API Gateway REST APIs served on a localhost HTTP port, with the Lambda proxy event shape.

moto stores REST APIs but has no execute-api endpoint. The router here reads each API's
resources, methods, request validators, models, stages (and their variables) and gateway
responses from the synthesized template and serves
``http://127.0.0.1:<port>/<rest api id>/<stage>/<path>``:

* the most specific resource wins: a literal path part, then ``{param}``, then ``{proxy+}``;
  the method, else ``ANY``; no match (any verb): ``MISSING_AUTHENTICATION_TOKEN``;
* a request validator checks required query strings, headers and path parameters
  (``BAD_REQUEST_PARAMETERS``) and the body against the method's JSON schema model
  (``BAD_REQUEST_BODY``, :mod:`serverless_patterns.local.request_validation`);
* ``AWS_PROXY`` integrations with a Lambda function get the REST proxy event
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html);
  a handler error or a malformed response is 502, the integration's timeout (29 s unless
  ``TimeoutInMillis``) ``INTEGRATION_TIMEOUT``, a payload over 10 MB ``REQUEST_TOO_LARGE``;
  ``MOCK`` integrations answer from their integration responses.

With an ``authorization`` (the local cloud's IAM enforcement), each method's authorization runs
first, as in AWS: SigV4 and the caller's ``execute-api:Invoke`` for ``AWS_IAM``, the token of a
Cognito user pool authorizer, a Lambda ``TOKEN``/``REQUEST`` authorizer (its function invoked under
its Lambda permission); the integration's function is invoked only if its Lambda permission allows
API Gateway. Every refusal is rendered through the API's gateway responses
(:mod:`serverless_patterns.local.gateway_responses`); a stage's and method's throttling applies
(:mod:`serverless_patterns.local.throttling`). Not enforced: API keys, usage plans, the account's
throttling, WAF, authorizer result caching. Non-proxy ``AWS``/``HTTP`` integrations answer ``501``.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from serverless_patterns.local import _moto
from serverless_patterns.local import gateway_responses as responses
from serverless_patterns.local.api_auth import GatewayError
from serverless_patterns.local.api_method_auth import MethodAuthorization, _Caller
from serverless_patterns.local.api_server import MAX_PAYLOAD_BYTES, http_server
from serverless_patterns.local.gateway_responses import RequestContext
from serverless_patterns.local.http_api_server import HttpApiRouter
from serverless_patterns.local.request_validation import EMPTY_MODEL, body_errors, missing_parameters
from serverless_patterns.local.rest_apis import (
    Authorizer,
    Method,
    Resource,
    RestApi,
    _match_path,  # noqa: F401 - re-exported: tests import it from here
    read_rest_apis,
)

if TYPE_CHECKING:
    from serverless_patterns.local.authorization import Authorization
    from serverless_patterns.local.runtime import LambdaRuntime


# The template's model lives in rest_apis; its names stay importable from here.
__all__ = [
    "MAX_LAMBDA_PAYLOAD_BYTES",
    "ApiGatewayServer",
    "Authorizer",
    "Method",
    "Resource",
    "RestApi",
    "read_rest_apis",
]

logger = logging.getLogger(__name__)

MAX_LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous invocation payload, 6 MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""


class ApiGatewayServer(MethodAuthorization):
    """Serves every deployed REST API (and, through :attr:`http_apis`, every HTTP API) on one localhost port.

    Parameters
    ----------
    runtime
        Runs the Lambda proxy integrations.
    host, port
        Where to listen. Default: ``127.0.0.1`` and a free port.
    account_id, region
        For the event's ``requestContext``.

    Examples
    --------
    >>> from serverless_patterns.local import LambdaRuntime
    >>> server = ApiGatewayServer(LambdaRuntime("http://127.0.0.1:5000"))
    >>> server.start().startswith("http://127.0.0.1:")
    True
    >>> server.stop()
    """

    def __init__(
        self,
        runtime: LambdaRuntime,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        account_id: str = "123456789012",
        region: str = "us-east-1",
    ) -> None:
        self.runtime = runtime
        self.host = host
        self.port = port
        self.account_id = account_id
        self.region = region
        self.apis: dict[str, RestApi] = {}
        self.authorization: Authorization | None = None
        """Applies each method's authorization and the functions' Lambda permissions (``None``: no enforcement)."""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.http_apis = HttpApiRouter(self)
        """The HTTP APIs (v2), served on the same port under their own ids."""

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def url(self, api: RestApi, stage: str | None = None) -> str:
        """The local invoke URL of an API stage, ending with ``/``."""
        return f"{self.base_url}/{api.api_id}/{stage or api.stages[0]}/"

    def add(self, api: RestApi) -> None:
        """Serve one more API."""
        self.apis[api.api_id] = api

    def start(self) -> str:
        """Start serving in a background thread; return the base URL."""
        if self._server is None:
            server = http_server(self.host, self.port, self.handle)
            self._server = server
            self.port = server.server_address[1]
            # A short poll interval: shutdown() waits for the serving loop to notice it, up to the interval
            # (0.5 s by default, a wait at the end of every LocalCloud).
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="local-apigateway", daemon=True
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- request handling -------------------------------------------------------------------
    def handle(
        self,
        http_method: str,
        raw_path: str,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        source_ip: str = "127.0.0.1",
        content_length: int | None = None,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Route one request; return status, headers and body.

        ``content_length`` is the length the client declared when the body was not read (over 10 MB).

        Every refusal goes through its gateway response type and the API's own gateway responses
        (:mod:`serverless_patterns.local.gateway_responses`); a request never ends in an exception.
        """
        http_api = self.http_apis.apis.get(urlsplit(raw_path).path.lstrip("/").split("/", 1)[0])
        if http_api is not None:
            return self.http_apis.handle(http_api, http_method, raw_path, headers, body, source_ip, content_length)
        request_id = str(uuid.uuid4())
        context = RequestContext(
            request_id=request_id,
            extended_request_id=_extended_request_id(),
            headers={name.lower(): value for name, value in headers},
            query=dict(parse_qsl(urlsplit(raw_path).query, keep_blank_values=True)),
        )
        context.context.update({"identity.sourceIp": source_ip, "httpMethod": http_method})
        api: RestApi | None = None
        try:
            parts = urlsplit(raw_path)
            segments = parts.path.lstrip("/").split("/", 2)
            api = self.apis.get(segments[0]) if segments else None
            if api is None or len(segments) < 2 or segments[1] not in api.stages:
                raise responses.missing_route()
            if max(len(body), content_length or 0) > MAX_PAYLOAD_BYTES:
                raise responses.request_too_large()
            status, response_headers, payload = self._route(api, http_method, parts, headers, body, context)
        except GatewayError as refusal:
            return responses.render(refusal, api.gateway_responses if api is not None else {}, context)
        except Exception:  # a defect of the router must not drop the client's connection
            logger.exception("local API Gateway failed on %s %s", http_method, raw_path)
            failure = responses.integration_error()
            return responses.render(failure, api.gateway_responses if api is not None else {}, context)
        return status, [*response_headers, *responses.request_id_headers(context)], payload

    def _route(  # noqa: PLR0917 - the parts of one request
        self,
        api: RestApi,
        http_method: str,
        parts: Any,
        headers: list[tuple[str, str]],
        body: bytes,
        context: RequestContext,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Match, authorize, validate and integrate one request to a known API stage; raise its refusal."""
        stage = parts.path.lstrip("/").split("/", 2)[1]
        path = "/" + (parts.path.lstrip("/").split("/", 2)[2] if parts.path.count("/") >= 3 else "")
        stage_variables = api.stage_variables.get(stage, {})
        context.stage_variables = stage_variables
        context.context.update(
            {"apiId": api.api_id, "stage": stage, "accountId": self.account_id, "path": f"/{api.api_id}/{stage}{path}"}
        )
        found, path_params = api.match(http_method, path)
        if found is None:
            raise responses.missing_route()
        resource, method = found
        context.path_parameters = path_params
        context.context["resourcePath"] = resource.path
        throttling = api.throttling.get(stage)
        if throttling is not None and not throttling.allows(resource.path, http_method):
            raise responses.throttled()
        query = parse_qsl(parts.query, keep_blank_values=True)
        caller = _Caller()
        if self.authorization is not None:
            caller = self._authorize(api, stage, resource, method, http_method, parts, headers, body, path_params)
        if caller.authorizer is not None:
            context.context.update({f"authorizer.{key}": value for key, value in caller.authorizer.items()})
        if method.validate_parameters:
            missing = missing_parameters(method.required_parameters, dict(query), context.headers, path_params)
            if missing:
                raise responses.bad_request_parameters(missing)
        if method.validate_body:
            schema = _model_for(method, context.headers) if method.models else EMPTY_MODEL
            problem = body_errors(schema, body) if schema is not None else None
            if problem is not None:
                raise responses.bad_request_body(problem)
        if method.integration_type == "MOCK":
            return _mock(method)
        if method.integration_type != "AWS_PROXY" or method.function_name is None:
            return _json(501, {"message": f"{method.integration_type} integrations are not emulated locally"})
        event = self._event(api, stage, resource, http_method, path, path_params, query, headers, body)
        event["stageVariables"] = dict(stage_variables) or None
        event["requestContext"]["requestId"] = context.request_id
        event["requestContext"]["extendedRequestId"] = context.extended_request_id
        event["requestContext"]["identity"]["sourceIp"] = context.context["identity.sourceIp"]
        event["requestContext"]["identity"].update(caller.identity)
        if caller.authorizer is not None:
            event["requestContext"]["authorizer"] = caller.authorizer
        if self.authorization is not None and not self._may_invoke(api, stage, http_method, path, method):
            # API Gateway's "Execution failed due to configuration error: Invalid permissions on Lambda function".
            raise responses.configuration_error()
        if len(json.dumps(event)) > MAX_LAMBDA_PAYLOAD_BYTES:
            raise responses.request_too_large()
        return self._invoke(method.function_name, event, timeout_seconds=method.timeout_seconds)

    def _event(  # noqa: PLR0917 - the parts of one request
        self,
        api: RestApi,
        stage: str,
        resource: Resource,
        http_method: str,
        path: str,
        path_params: dict[str, str],
        query: list[tuple[str, str]],
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> dict[str, Any]:
        single_headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in headers:
            single_headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        single_query: dict[str, str] = {}
        multi_query: dict[str, list[str]] = {}
        for name, value in query:
            single_query[name] = value
            multi_query.setdefault(name, []).append(value)
        text: str | None
        encoded = False
        if not body:
            text = None
        else:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text, encoded = base64.b64encode(body).decode(), True
        now = time.time()
        request_id = str(uuid.uuid4())
        return {
            "resource": resource.path,
            "path": path,
            "httpMethod": http_method,
            "headers": single_headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": single_query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": self.account_id,
                "apiId": api.api_id,
                # As AWS fills them for the URL the client used: the host it sent and the path as sent
                # (locally the API id is part of the path, where AWS has it in the host name), so a link
                # built from domainName and path routes back to this API
                # (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
                "domainName": _host(single_headers) or f"{self.host}:{self.port}",
                "domainPrefix": api.api_id,
                "extendedRequestId": request_id,
                "httpMethod": http_method,
                "identity": {
                    "sourceIp": "127.0.0.1",
                    "userAgent": single_headers.get("User-Agent"),
                    "accountId": None,
                    "caller": None,
                    "user": None,
                    "userArn": None,
                    "accessKey": None,
                    "cognitoIdentityId": None,
                    "cognitoIdentityPoolId": None,
                    "cognitoAuthenticationProvider": None,
                    "cognitoAuthenticationType": None,
                },
                "path": f"/{api.api_id}/{stage}{path}",
                "protocol": "HTTP/1.1",
                "requestId": request_id,
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "resourceId": resource.resource_id,
                "resourcePath": resource.path,
                "stage": stage,
            },
            "body": text,
            "isBase64Encoded": encoded,
        }

    def _invoke(
        self, function_name: str, event: dict[str, Any], *, timeout_seconds: float
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        function = _moto.get_function(self.account_id, self.region, function_name)
        if function is None:  # a missing function is API Gateway's 500 configuration error
            raise responses.configuration_error()
        spec = self.runtime.spec_for(function)
        outcome: list[Any] = []

        def call() -> None:
            outcome.append(self.runtime.run(function, event, spec))

        # API Gateway stops waiting at the integration timeout; the function runs on, as in Lambda.
        worker = threading.Thread(target=call, name=f"local-apigateway-invoke-{function_name}", daemon=True)
        worker.start()
        worker.join(timeout_seconds)
        if not outcome:
            if worker.is_alive():
                raise responses.integration_timeout()
            raise responses.integration_error()
        invocation = outcome[0]
        result = invocation.payload
        if invocation.errored or not isinstance(result, dict):
            raise responses.integration_error()
        try:
            status = int(result.get("statusCode", 200))
        except (TypeError, ValueError) as malformed:
            raise responses.integration_error() from malformed
        if not 100 <= status <= 599:
            raise responses.integration_error()
        response_headers: list[tuple[str, str]] = []
        for name, value in (result.get("headers") or {}).items():
            response_headers.append((str(name), str(value)))
        for name, values in (result.get("multiValueHeaders") or {}).items():
            response_headers.extend((str(name), str(value)) for value in values)
        raw = result.get("body")
        if raw is None:
            payload = b""
        elif result.get("isBase64Encoded"):
            payload = base64.b64decode(raw)
        else:
            payload = str(raw).encode("utf-8")
        if not any(name.lower() == "content-type" for name, _ in response_headers):
            response_headers.append(("Content-Type", "application/json"))
        return status, response_headers, payload


def _host(headers: dict[str, str]) -> str | None:
    return next((value for name, value in headers.items() if name.lower() == "host"), None)


def _json(status: int, body: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    # Only for what the local cloud does not emulate (501): not an API Gateway answer, no gateway response.
    return (
        status,
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", "NotImplemented")],
        json.dumps(body).encode(),
    )


def _extended_request_id() -> str:
    # API Gateway's extended request id (also the x-amz-apigw-id header): 16 characters of base64,
    # e.g. "FiV9AHvHoAMFtsg=" (https://github.com/koki-develop/lgtm-generator/issues/10).
    return base64.b64encode(uuid.uuid4().bytes[:11]).decode()[:15] + "="


def _mock(method: Method) -> tuple[int, list[tuple[str, str]], bytes]:
    response = method.mock_responses[0] if method.mock_responses else {}
    status = int(response.get("StatusCode", 200))
    headers: list[tuple[str, str]] = []
    for key, value in (response.get("ResponseParameters") or {}).items():
        if key.startswith("method.response.header.") and isinstance(value, str):
            headers.append((key.removeprefix("method.response.header."), value.strip("'")))
    templates = response.get("ResponseTemplates") or {}
    body = next(iter(templates.values()), "") if templates else ""
    return status, headers, str(body).encode()


def _model_for(method: Method, headers: dict[str, str]) -> dict[str, Any] | None:
    """The model a body is validated against: the request's content type's, else ``$default``."""
    content_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    schema = method.models.get(content_type)
    return schema if schema is not None else method.models.get("$default")
