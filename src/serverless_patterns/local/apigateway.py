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
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from serverless_patterns.local import _moto
from serverless_patterns.local import gateway_responses as responses
from serverless_patterns.local.api_auth import GatewayError
from serverless_patterns.local.api_server import MAX_PAYLOAD_BYTES, http_server
from serverless_patterns.local.gateway_responses import GatewayResponse, RequestContext
from serverless_patterns.local.request_validation import EMPTY_MODEL, body_errors, missing_parameters
from serverless_patterns.local.throttling import StageThrottling

if TYPE_CHECKING:
    from serverless_patterns.local.authorization import Authorization
    from serverless_patterns.local.resolve import StackScope
    from serverless_patterns.local.runtime import LambdaRuntime


logger = logging.getLogger(__name__)

MAX_LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous invocation payload, 6 MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""


@dataclass
class Method:
    """One method of a resource: its integration, validator settings and models.

    Examples
    --------
    >>> Method(http_method="GET", integration_type="AWS_PROXY", function_name="App-Fn").validate_body
    False
    """

    http_method: str
    integration_type: str
    function_logical_id: str | None = None
    function_name: str | None = None
    validate_body: bool = False
    validate_parameters: bool = False
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    required_parameters: dict[str, bool] = field(default_factory=dict)
    authorization: str = "NONE"
    mock_responses: list[dict[str, Any]] = field(default_factory=list)
    authorizer: Authorizer | None = None
    scopes: list[str] = field(default_factory=list)
    timeout_seconds: float = 29.0
    """The integration's ``TimeoutInMillis``: 50 ms to 29 s, 29 s by default (API Gateway quotas)."""


@dataclass
class Authorizer:
    """A ``COGNITO_USER_POOLS``, ``TOKEN`` or ``REQUEST`` authorizer of a REST API.

    Examples
    --------
    >>> Authorizer(authorizer_id="a1", type="TOKEN").identity_source
    'method.request.header.Authorization'
    """

    authorizer_id: str
    type: str
    identity_source: str = "method.request.header.Authorization"
    validation: str | None = None
    function_name: str | None = None
    function_arn: str | None = None
    provider_arns: list[str] = field(default_factory=list)


@dataclass
class Resource:
    """A resource of the API tree: its full path template (``/items/{id}``) and methods.

    Examples
    --------
    >>> Resource(path="/items/{id}", resource_id="abc123").methods
    {}
    """

    path: str
    resource_id: str
    methods: dict[str, Method] = field(default_factory=dict)


@dataclass
class RestApi:
    """A deployed REST API: id, name, stages and resources.

    Examples
    --------
    >>> api = RestApi(api_id="abc", name="Api", logical_id="Api1", stages=["prod"])
    >>> api.match("GET", "/nothing")
    (None, {})
    """

    api_id: str
    name: str
    logical_id: str
    stages: list[str]
    resources: list[Resource] = field(default_factory=list)
    path: str = ""
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)
    """The API's ``AWS::ApiGateway::GatewayResponse`` resources, by response type."""
    stage_variables: dict[str, dict[str, str]] = field(default_factory=dict)
    """Each stage's ``Variables``, given to integrations as ``stageVariables``."""
    throttling: dict[str, StageThrottling] = field(default_factory=dict)
    """Each stage's token buckets, from its ``MethodSettings``."""

    def match(self, http_method: str, path: str) -> tuple[tuple[Resource, Method] | None, dict[str, str]]:
        """The resource and method for a request path, and the path parameters."""
        segments = [unquote(part) for part in path.strip("/").split("/") if part]
        best: tuple[int, Resource, dict[str, str]] | None = None
        for resource in self.resources:
            score_params = _match_path(resource.path, segments)
            if score_params is None:
                continue
            score, params = score_params
            if best is None or score > best[0]:
                best = (score, resource, params)
        if best is None:
            return None, {}
        _, resource, params = best
        method = resource.methods.get(http_method) or resource.methods.get("ANY")
        if method is None:
            return None, {}
        return (resource, method), params


def _match_path(template: str, segments: list[str]) -> tuple[int, dict[str, str]] | None:
    parts = [part for part in template.strip("/").split("/") if part]
    params: dict[str, str] = {}
    score = 0
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest:
                return None
            params[part[1:-2]] = "/".join(rest)
            return score * 3 + 0, params
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = segments[index]
            score = score * 3 + 1
        elif part == segments[index]:
            score = score * 3 + 2
        else:
            return None
    if len(parts) != len(segments):
        return None
    return score * 3 + 2, params


def read_rest_apis(template: dict[str, Any], scope: StackScope) -> list[RestApi]:
    """The REST APIs a deployed stack defines, read from its original template.

    Examples
    --------
    >>> from serverless_patterns.local.resolve import StackScope
    >>> read_rest_apis({"Resources": {}}, StackScope("App", "123456789012", "us-east-1"))
    []
    """
    resources = template.get("Resources", {})
    apis: dict[str, RestApi] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::ApiGateway::RestApi":
            deployed = scope.resources.get(logical_id)
            if deployed is None:
                continue
            apis[logical_id] = RestApi(
                api_id=deployed.physical_id,
                name=str(resource.get("Properties", {}).get("Name", logical_id)),
                logical_id=logical_id,
                stages=[],
                path=deployed.path,
            )
    if not apis:
        return []

    def api_of(value: Any) -> str | None:
        ids = scope.referenced_ids(value)
        return ids[0] if ids and ids[0] in apis else None

    # Resource tree: logical id -> (parent logical id or None for root, path part)
    tree: dict[str, tuple[str | None, str, str]] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::ApiGateway::Resource":
            properties = resource.get("Properties", {})
            api_id = api_of(properties.get("RestApiId"))
            parent = properties.get("ParentId")
            parent_ids = scope.referenced_ids(parent)
            parent_id = parent_ids[0] if parent_ids and parent_ids[0] != api_id else None
            if api_id is not None:
                tree[logical_id] = (parent_id, str(properties.get("PathPart", "")), api_id)

    def full_path(logical_id: str | None) -> str:
        if logical_id is None or logical_id not in tree:
            return "/"
        parent, part, _ = tree[logical_id]
        base = full_path(parent)
        return base.rstrip("/") + "/" + part

    by_path: dict[tuple[str, str], Resource] = {}

    def resource_for(api_logical_id: str, logical_id: str | None) -> Resource:
        path = full_path(logical_id)
        key = (api_logical_id, path)
        if key not in by_path:
            deployed = scope.resources.get(logical_id) if logical_id else None
            rid = deployed.physical_id if deployed is not None else "root"
            by_path[key] = Resource(path=path, resource_id=rid)
            apis[api_logical_id].resources.append(by_path[key])
        return by_path[key]

    for logical_id in tree:
        resource_for(tree[logical_id][2], logical_id)
    for api_logical_id in apis:
        resource_for(api_logical_id, None)

    validators = {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::ApiGateway::RequestValidator"
    }
    models = {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::ApiGateway::Model"
    }
    authorizers = {
        logical_id: _authorizer(logical_id, resource.get("Properties", {}), scope)
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::ApiGateway::Authorizer"
    }
    for resource in resources.values():
        properties = resource.get("Properties", {})
        kind = resource.get("Type")
        if kind in {"AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment"}:
            owner = api_of(properties.get("RestApiId"))
            if owner is not None and isinstance(properties.get("StageName"), str):
                apis[owner].stages.append(properties["StageName"])
                # A Stage's Variables, or a Deployment's StageDescription.Variables (AWS::ApiGateway::Stage docs).
                variables = properties.get("Variables") or (properties.get("StageDescription") or {}).get("Variables")
                if isinstance(variables, dict) and variables:
                    apis[owner].stage_variables[properties["StageName"]] = {
                        str(key): str(scope.resolve(value)) for key, value in variables.items()
                    }
                description = properties.get("StageDescription") or {}
                settings = list(properties.get("MethodSettings") or description.get("MethodSettings") or [])
                if "ThrottlingRateLimit" in description:  # a Deployment's stage-wide throttling
                    settings.append({"ResourcePath": "/*", "HttpMethod": "*", **description})
                if settings:
                    apis[owner].throttling[properties["StageName"]] = StageThrottling.from_method_settings(settings)
        elif kind == "AWS::ApiGateway::Method":
            owner = api_of(properties.get("RestApiId"))
            if owner is None:
                continue
            parent_ids = [i for i in scope.referenced_ids(properties.get("ResourceId")) if i in tree]
            target = resource_for(owner, parent_ids[0] if parent_ids else None)
            integration = properties.get("Integration") or {}
            method = Method(
                http_method=str(properties.get("HttpMethod", "ANY")).upper(),
                integration_type=str(integration.get("Type", "MOCK")).upper(),
                authorization=str(properties.get("AuthorizationType", "NONE")),
                required_parameters={
                    key: bool(value) for key, value in (properties.get("RequestParameters") or {}).items()
                },
                mock_responses=list(integration.get("IntegrationResponses") or []),
            )
            if (
                isinstance(integration.get("TimeoutInMillis"), (int, str))
                and str(integration["TimeoutInMillis"]).isdigit()
            ):
                method.timeout_seconds = int(integration["TimeoutInMillis"]) / 1000
            authorizer_ids = [i for i in _ref_ids(properties.get("AuthorizerId")) if i in authorizers]
            if authorizer_ids:
                method.authorizer = authorizers[authorizer_ids[0]]
            method.scopes = [str(item) for item in properties.get("AuthorizationScopes") or []]
            functions = [
                i
                for i in scope.referenced_ids(integration.get("Uri"))
                if scope.resources[i].type == "AWS::Lambda::Function"
            ]
            if functions:
                method.function_logical_id = functions[0]
                method.function_name = scope.resources[functions[0]].name
            validator_ids = scope.referenced_ids(properties.get("RequestValidatorId"))
            validator = validators.get(validator_ids[0]) if validator_ids else None
            if validator is None:
                validator_ids = [i for i in _ref_ids(properties.get("RequestValidatorId")) if i in validators]
                validator = validators.get(validator_ids[0]) if validator_ids else None
            if validator is not None:
                method.validate_body = bool(validator.get("ValidateRequestBody"))
                method.validate_parameters = bool(validator.get("ValidateRequestParameters"))
            for content_type, model_ref in (properties.get("RequestModels") or {}).items():
                model_ids = [i for i in _ref_ids(model_ref) if i in models]
                if model_ids:
                    method.models[content_type.lower()] = models[model_ids[0]].get("Schema") or {}
            target.methods[method.http_method] = method
    for logical_id, by_type in responses.read_gateway_responses(template, api_of).items():
        apis[logical_id].gateway_responses = by_type
    for api in apis.values():
        if not api.stages:
            api.stages.append("prod")
        api.resources.sort(key=lambda item: item.path)
    return list(apis.values())


def _authorizer(logical_id: str, properties: dict[str, Any], scope: StackScope) -> Authorizer:
    deployed = scope.resources.get(logical_id)
    functions = [
        i
        for i in scope.referenced_ids(properties.get("AuthorizerUri"))
        if scope.resources[i].type == "AWS::Lambda::Function"
    ]
    resolved_arns = (scope.resolve(arn) for arn in properties.get("ProviderARNs") or [])
    kind = str(properties.get("Type", "TOKEN")).upper()
    # moto's CloudFormation does not create authorizers. The id API Gateway presents as the
    # authorizer's aws:SourceArn (.../authorizers/<id>) must be the one the stack's Lambda
    # permission was built with: the physical id, else the placeholder prepare_template gives a
    # reference to a resource it skips ("local-skipped-<logical id>", docs/local.md).
    authorizer_id = deployed.physical_id if deployed is not None else f"local-skipped-{logical_id}"
    # A REQUEST authorizer may have no identity source (allowed without result caching,
    # API_Authorizer.html identitySource): it is then invoked for every request. TOKEN and
    # Cognito authorizers always read one header, Authorization unless named.
    default_source = "" if kind == "REQUEST" else "method.request.header.Authorization"
    authorizer = Authorizer(
        authorizer_id=authorizer_id,
        type=kind,
        identity_source=str(properties.get("IdentitySource") or default_source),
        validation=properties.get("IdentityValidationExpression"),
        # A pool the deploy did not create resolves to None: no key of it can verify a token (401),
        # where str(None) used to reach the ARN parsing of the Cognito check and fail the request.
        provider_arns=[arn for arn in resolved_arns if isinstance(arn, str) and arn.startswith("arn:")],
    )
    if functions:
        authorizer.function_name = scope.resources[functions[0]].name
        authorizer.function_arn = scope.arn(functions[0])
    return authorizer


def _ref_ids(value: Any) -> list[str]:
    # {"Ref": Id} or {"Fn::GetAtt": [Id, "AuthorizerId"]}: CloudFormation gives an authorizer's id both ways.
    if isinstance(value, dict) and isinstance(value.get("Ref"), str):
        return [value["Ref"]]
    if isinstance(value, dict) and isinstance(value.get("Fn::GetAtt"), list) and value["Fn::GetAtt"]:
        return [str(value["Fn::GetAtt"][0])]
    return []


class ApiGatewayServer:
    """Serves every deployed REST API on one localhost port.

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
            self._thread = threading.Thread(target=server.serve_forever, name="local-apigateway", daemon=True)
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

    # -- authorization -----------------------------------------------------------------------
    def _method_arn(self, api: RestApi, stage: str, http_method: str, path: str) -> str:
        from serverless_patterns.local.api_auth import method_arn

        return method_arn(self.region, self.account_id, api.api_id, stage, http_method, path)

    def _authorize(  # noqa: PLR0917 - the parts of one request
        self,
        api: RestApi,
        stage: str,
        resource: Resource,
        method: Method,
        http_method: str,
        parts: Any,
        headers: list[tuple[str, str]],
        body: bytes,
        path_params: dict[str, str],
    ) -> _Caller:
        """Apply the method's authorization as API Gateway does before anything else runs; raise its refusal."""
        path = "/" + parts.path.lstrip("/").split("/", 2)[2] if parts.path.count("/") >= 3 else "/"
        arn = self._method_arn(api, stage, http_method, path)
        kind = method.authorization.upper()
        if kind == "AWS_IAM":
            return self._authorize_iam(arn, http_method, parts, headers, body)
        if kind in {"COGNITO_USER_POOLS", "CUSTOM"} and method.authorizer is None:
            # AWS cannot deploy such a method; locally its authorizer was not found in the template.
            # Refuse rather than serve the method unauthorized.
            from serverless_patterns.local.api_auth import authorizer_configuration_error

            raise authorizer_configuration_error()
        if kind == "COGNITO_USER_POOLS":
            return self._authorize_cognito(method, headers)
        if kind == "CUSTOM":
            return self._authorize_lambda(api, stage, resource, method, http_method, path, parts, headers, path_params)
        return _Caller()

    def _authorize_iam(
        self, arn: str, http_method: str, parts: Any, headers: list[tuple[str, str]], body: bytes
    ) -> _Caller:
        from serverless_patterns.local.api_auth import access_denied, invalid_security_token, verify_sigv4

        assert self.authorization is not None
        signed = verify_sigv4(
            http_method,
            parts.path,
            parts.query,
            headers,
            body,
            secret_for=self.authorization.secret_for,
            region=self.region,
        )
        principal = self.authorization.principal_for_key(signed.access_key_id)
        if principal is None:  # the local administrator: the account's own credentials
            user_arn = f"arn:aws:iam::{self.account_id}:root"
            return _Caller(identity=_identity(signed.access_key_id, self.account_id, self.account_id, user_arn))
        session_name = principal.arn.rsplit("/", 1)[-1]
        minted = self.authorization.credentials_for(str(principal.role_arn), session_name)
        if signed.session_token != minted.session_token:
            # Temporary credentials are valid only with their session token (X-Amz-Security-Token);
            # AWS refuses them without it, or with another, as it refuses an unknown key.
            raise invalid_security_token()
        decision = self.authorization.check(principal, "execute-api:Invoke", arn, origin="api")
        if not decision.allowed:
            raise access_denied(principal.label, arn, explicit=decision.kind.startswith("explicit"))
        session = principal.arn.split(":", 5)[-1].removeprefix("assumed-role/")
        caller = f"{signed.access_key_id}:{session.rsplit('/', 1)[-1]}"
        return _Caller(identity=_identity(signed.access_key_id, self.account_id, caller, principal.arn))

    def _authorize_cognito(self, method: Method, headers: list[tuple[str, str]]) -> _Caller:
        from serverless_patterns.local.api_auth import (
            cognito_claims_context,
            cognito_jwks,
            unauthorized,
            verify_cognito_token,
        )

        authorizer = method.authorizer
        assert authorizer is not None
        header = authorizer.identity_source.removeprefix("method.request.header.").lower()
        token = next((value for name, value in headers if name.lower() == header), "")
        if not token or not authorizer.provider_arns:
            raise unauthorized()
        pool_arn = authorizer.provider_arns[0]
        jwks = cognito_jwks(pool_arn.rsplit("/", 1)[-1], pool_arn.split(":")[3], self.account_id)
        claims = verify_cognito_token(
            token, user_pool_arns=authorizer.provider_arns, jwks=jwks, scopes=method.scopes or None
        )
        return _Caller(authorizer={"claims": cognito_claims_context(claims)})

    def _authorize_lambda(  # noqa: PLR0917 - the parts of one request
        self,
        api: RestApi,
        stage: str,
        resource: Resource,
        method: Method,
        http_method: str,
        path: str,
        parts: Any,
        headers: list[tuple[str, str]],
        path_params: dict[str, str],
    ) -> _Caller:
        from serverless_patterns.local import api_auth
        from serverless_patterns.local.policy import Policy, PolicyError, Principal, Request, evaluate

        authorizer = method.authorizer
        assert authorizer is not None and self.authorization is not None
        arn = self._method_arn(api, stage, http_method, path)
        single_headers = dict(headers)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        values = (
            api_auth.identity_source_values(authorizer.identity_source, single_headers, query, {}, {})
            if authorizer.identity_source.strip()
            else []
        )
        if values is None:
            raise api_auth.unauthorized()
        if authorizer.type == "TOKEN":
            if not api_auth.token_matches_validation(values[0], authorizer.validation):
                raise api_auth.unauthorized()
            event = api_auth.token_authorizer_event(arn, values[0])
        else:
            multi_headers: dict[str, list[str]] = {}
            for name, value in headers:
                multi_headers.setdefault(name, []).append(value)
            multi_query: dict[str, list[str]] = {}
            for name, value in parse_qsl(parts.query, keep_blank_values=True):
                multi_query.setdefault(name, []).append(value)
            event = api_auth.request_authorizer_event(
                arn,
                resource=resource.path,
                path=path,
                http_method=http_method,
                headers=single_headers,
                multi_value_headers=multi_headers,
                query=query,
                multi_value_query=multi_query,
                path_parameters=path_params,
                stage_variables=api.stage_variables.get(stage, {}),
                request_context={"accountId": self.account_id, "apiId": api.api_id, "stage": stage},
            )
        if authorizer.function_name is None or authorizer.function_arn is None:
            raise api_auth.authorizer_configuration_error()
        source = (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{api.api_id}/authorizers/{authorizer.authorizer_id}"
        )
        permitted = self.authorization.check_service(
            "apigateway.amazonaws.com",
            "lambda:InvokeFunction",
            authorizer.function_arn,
            source_arn=source,
            origin="api",
        )
        if not permitted.allowed:
            raise api_auth.authorizer_configuration_error()
        invocation = self._run(authorizer.function_name, event)
        if invocation is None:
            raise api_auth.authorizer_configuration_error()
        error = invocation.payload.get("errorMessage") if isinstance(invocation.payload, dict) else None
        output = api_auth.parse_authorizer_response(invocation.payload, errored=invocation.errored, error_message=error)
        try:
            policy = Policy.parse(f"policy returned by authorizer {authorizer.authorizer_id}", output.policy_document)
        except PolicyError as problem:
            raise api_auth.authorizer_configuration_error() from problem
        caller = Principal.account_root(self.account_id)
        decision = evaluate(Request(caller, "execute-api:Invoke", arn, {}), identity=[policy])
        if not decision.allowed:
            raise api_auth.authorizer_denied(explicit=decision.kind.startswith("explicit"))
        context: dict[str, Any] = {"principalId": output.principal_id, **output.context}
        return _Caller(authorizer=context)

    def _may_invoke(self, api: RestApi, stage: str, http_method: str, path: str, method: Method) -> bool:
        """Whether the function's resource policy lets API Gateway invoke it for this method (a Lambda permission)."""
        assert self.authorization is not None
        function = _moto.get_function(self.account_id, self.region, str(method.function_name))
        if function is None:  # a missing function is answered by _invoke
            return True
        source = self._method_arn(api, stage, http_method, path)
        decision = self.authorization.may_invoke("apigateway.amazonaws.com", function.arn, source, origin="api")
        return decision.allowed

    def _run(self, function_name: str, event: dict[str, Any]) -> Any:
        function = _moto.get_function(self.account_id, self.region, function_name)
        if function is None:  # a missing authorizer function is a configuration error
            return None
        return self.runtime.run(function, event)

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


@dataclass
class _Caller:
    """What authorization learnt about the caller, for the proxy event's ``requestContext``."""

    identity: dict[str, Any] = field(default_factory=dict)
    authorizer: dict[str, Any] | None = None


def _identity(access_key: str, account: str, caller: str, user_arn: str) -> dict[str, Any]:
    """The ``requestContext.identity`` fields API Gateway fills for an IAM-authorized request."""
    return {"accessKey": access_key, "accountId": account, "caller": caller, "user": caller, "userArn": user_arn}


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
