"""API Gateway HTTP APIs (v2) as the local cloud reads them from a synthesized template.

moto's CloudFormation implements no ``AWS::ApiGatewayV2::*`` resource: the deploy removes them
(:mod:`serverless_patterns.local.template`) and gives every reference to one the id AWS would have
given, made up here from the stack and logical id (:func:`http_api_placeholder`), so that the
Lambda permissions CDK writes (``arn:...:execute-api:...:<api id>/*/*/items``) name the id the
router presents. This module reads the APIs, stages, routes, integrations and authorizers back
from the original template; :mod:`serverless_patterns.local.http_api_server` serves them.

Routing follows "Routing API requests"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html): the
stage first (a named stage when the first path part names one, else ``$default``), then the route
with the most specific match: a full match of route and method (a literal part before a
``{param}``, a method before ``ANY``), then a route with a greedy ``{proxy+}`` variable, then the
``$default`` route.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from serverless_patterns.local.throttling import TokenBucket

if TYPE_CHECKING:
    from serverless_patterns.local.resolve import StackScope

HTTP_API_TYPES = frozenset(
    {
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Authorizer",
    }
)
"""The HTTP API resource types the local router serves (the deploy keeps them out of moto)."""

DEFAULT_INTEGRATION_TIMEOUT_SECONDS = 30.0
"""An HTTP API integration's timeout, 30 s unless ``TimeoutInMillis`` (http-api-quotas.html)."""

_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def http_api_placeholder(resource: dict[str, Any], stack_name: str, logical_id: str) -> str:
    """What ``Ref`` of an HTTP API resource gives on the local cloud: a stage's name, else an id as AWS makes them.

    API ids are 10 lower-case letters and digits, route, integration and authorizer ids 7
    (``a1b2c3d4e5``, ``abc1234``), derived from the stack and logical id so a redeploy keeps them.

    Examples
    --------
    >>> len(http_api_placeholder({"Type": "AWS::ApiGatewayV2::Api"}, "App", "Api1"))
    10
    >>> http_api_placeholder({"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"StageName": "$default"}}, "App", "S")
    '$default'
    """
    kind = resource.get("Type")
    stage_name = (resource.get("Properties") or {}).get("StageName")
    if kind == "AWS::ApiGatewayV2::Stage" and isinstance(stage_name, str):
        return stage_name
    digest = int(hashlib.sha256(f"{stack_name}/{logical_id}".encode()).hexdigest(), 16)
    length = 10 if kind == "AWS::ApiGatewayV2::Api" else 7
    characters = []
    for _ in range(length):
        digest, index = divmod(digest, len(_ID_ALPHABET))
        characters.append(_ID_ALPHABET[index])
    return "".join(characters)


@dataclass
class HttpAuthorizer:
    """A ``JWT`` or ``REQUEST`` (Lambda) authorizer of an HTTP API.

    Examples
    --------
    >>> HttpAuthorizer(authorizer_id="abc1234", type="JWT").identity_source
    ['$request.header.Authorization']
    """

    authorizer_id: str
    type: str
    identity_source: list[str] = field(default_factory=lambda: ["$request.header.Authorization"])
    issuer: str | None = None
    audience: list[str] = field(default_factory=list)
    function_name: str | None = None
    function_arn: str | None = None
    payload_format_version: str = "2.0"
    simple_responses: bool = False
    ttl_seconds: int = 0


@dataclass
class HttpRoute:
    """A route: its key (``GET /items/{id}``, ``$default``), integration and authorization.

    Examples
    --------
    >>> HttpRoute(route_key="GET /items/{id}").path
    '/items/{id}'
    """

    route_key: str
    authorization: str = "NONE"
    authorizer: HttpAuthorizer | None = None
    scopes: list[str] = field(default_factory=list)
    integration_type: str | None = None
    function_name: str | None = None
    payload_format_version: str = "2.0"
    timeout_seconds: float = DEFAULT_INTEGRATION_TIMEOUT_SECONDS

    @property
    def method(self) -> str:
        """The route's HTTP method (``ANY`` included); empty for ``$default``."""
        return self.route_key.split(" ", 1)[0].upper() if " " in self.route_key else ""

    @property
    def path(self) -> str:
        """The route's path template; empty for ``$default``."""
        return self.route_key.split(" ", 1)[1] if " " in self.route_key else ""


@dataclass
class HttpStage:
    """A stage: its name and throttling (``DefaultRouteSettings`` and per-route ``RouteSettings``)."""

    name: str
    default_bucket: TokenBucket | None = None
    route_buckets: dict[str, TokenBucket] = field(default_factory=dict)

    def allows(self, route_key: str) -> bool:
        """Whether a request to a route gets a token (http-api-throttling.html: route settings win)."""
        bucket = self.route_buckets.get(route_key) or self.default_bucket
        return bucket is None or bucket.take()


@dataclass
class Cors:
    """An API's ``CorsConfiguration`` (http-api-cors.html)."""

    allow_origins: list[str] = field(default_factory=list)
    allow_methods: list[str] = field(default_factory=list)
    allow_headers: list[str] = field(default_factory=list)
    expose_headers: list[str] = field(default_factory=list)
    allow_credentials: bool = False
    max_age: int | None = None

    def allows_origin(self, origin: str) -> bool:
        """Whether an ``Origin`` is allowed: listed, ``*``, or a ``https://*``/``http://*`` scheme wildcard.

        Examples
        --------
        >>> Cors(allow_origins=["https://*"]).allows_origin("https://a.example")
        True
        >>> Cors(allow_origins=["https://a.example"]).allows_origin("https://b.example")
        False
        """
        for allowed in self.allow_origins:
            if allowed in {"*", origin}:
                return True
            if allowed in ("https://*", "http://*") and origin.startswith(allowed[:-1]):
                return True
        return False


@dataclass
class HttpApi:
    """A deployed HTTP API: id, stages, routes and CORS configuration.

    Examples
    --------
    >>> api = HttpApi(api_id="a1b2c3d4e5", name="Api", logical_id="Api1", routes=[HttpRoute("GET /items/{id}")])
    >>> route, params = api.match("GET", "/items/42")
    >>> route.route_key, params
    ('GET /items/{id}', {'id': '42'})
    """

    api_id: str
    name: str
    logical_id: str
    stages: dict[str, HttpStage] = field(default_factory=dict)
    routes: list[HttpRoute] = field(default_factory=list)
    cors: Cors | None = None
    path: str = ""

    @property
    def default_stage(self) -> str:
        """The stage a local URL names when none is asked for: ``$default`` if there is one."""
        if "$default" in self.stages or not self.stages:
            return "$default"
        return next(iter(self.stages))

    def stage_for(self, path: str) -> tuple[str, str] | None:
        """The stage a request path (after the API id) goes to, and the path within it; ``None``: no stage.

        "If the request explicitly matches a stage, API Gateway sends the request to that stage.
        If no stage fully matches the request, API Gateway sends the request to the $default stage."
        """
        first, _, rest = path.lstrip("/").partition("/")
        if first and first != "$default" and first in self.stages:
            return first, "/" + rest
        if "$default" in self.stages:
            return "$default", "/" + path.lstrip("/")
        return None

    def match(self, http_method: str, path: str) -> tuple[HttpRoute | None, dict[str, str]]:
        """The route for a request, and its path parameters (``None``: no route, 404)."""
        segments = [unquote(part) for part in path.strip("/").split("/") if part]
        best: tuple[tuple[int, ...], HttpRoute, dict[str, str]] | None = None
        for route in self.routes:
            if route.route_key == "$default":
                continue
            if route.method not in (http_method.upper(), "ANY"):
                continue
            matched = _match_route_path(route.path, segments)
            if matched is None:
                continue
            score, params = matched
            # A method beats ANY only between equally specific paths.
            rank = (*score, 1 if route.method != "ANY" else 0)
            if best is None or rank > best[0]:
                best = (rank, route, params)
        if best is not None:
            return best[1], best[2]
        default = next((route for route in self.routes if route.route_key == "$default"), None)
        return default, {}


def _match_route_path(template: str, segments: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """``(rank, params)``: a full match outranks a greedy one, a literal part outranks a ``{param}``."""
    parts = [part for part in template.strip("/").split("/") if part]
    params: dict[str, str] = {}
    weights: list[int] = []
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest:
                return None
            params[part[1:-2]] = "/".join(rest)
            return (0, len(parts), *weights), params
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = segments[index]
            weights.append(1)
        elif part == segments[index]:
            weights.append(2)
        else:
            return None
    if len(parts) != len(segments):
        return None
    return (1, len(parts), *weights), params


def read_http_apis(template: dict[str, Any], scope: StackScope) -> list[HttpApi]:
    """The HTTP APIs a deployed stack defines, read from its original template.

    ``scope`` must hold the HTTP API resources with their placeholder ids
    (:func:`register_http_api_resources`).

    Examples
    --------
    >>> from serverless_patterns.local.resolve import StackScope
    >>> read_http_apis({"Resources": {}}, StackScope("App", "123456789012", "us-east-1"))
    []
    """
    resources: dict[str, Any] = template.get("Resources", {})
    apis: dict[str, HttpApi] = {}
    for logical_id, resource in resources.items():
        properties = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::ApiGatewayV2::Api" or properties.get("ProtocolType", "HTTP") != "HTTP":
            continue
        deployed = scope.resources.get(logical_id)
        if deployed is None:
            continue
        api = HttpApi(
            api_id=deployed.physical_id,
            name=str(properties.get("Name", logical_id)),
            logical_id=logical_id,
            path=deployed.path,
        )
        if isinstance(properties.get("CorsConfiguration"), dict):
            api.cors = _cors(properties["CorsConfiguration"])
        apis[logical_id] = api

    def api_of(properties: dict[str, Any]) -> HttpApi | None:
        ids = [i for i in scope.referenced_ids(properties.get("ApiId")) if i in apis]
        return apis[ids[0]] if ids else None

    integrations: dict[str, dict[str, Any]] = {}
    authorizers: dict[str, HttpAuthorizer] = {}
    for logical_id, resource in resources.items():
        properties = resource.get("Properties") or {}
        kind = resource.get("Type")
        if kind == "AWS::ApiGatewayV2::Integration":
            integrations[logical_id] = properties
        elif kind == "AWS::ApiGatewayV2::Authorizer":
            authorizers[logical_id] = _authorizer(logical_id, properties, scope)
        elif kind == "AWS::ApiGatewayV2::Stage":
            owner = api_of(properties)
            if owner is not None and isinstance(properties.get("StageName"), str):
                owner.stages[properties["StageName"]] = _stage(properties)
    for resource in resources.values():
        properties = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::ApiGatewayV2::Route":
            continue
        owner = api_of(properties)
        if owner is None or not isinstance(properties.get("RouteKey"), str):
            continue
        route = HttpRoute(
            route_key=properties["RouteKey"],
            authorization=str(properties.get("AuthorizationType") or "NONE").upper(),
            scopes=[str(item) for item in properties.get("AuthorizationScopes") or []],
        )
        authorizer_ids = [i for i in _referenced(properties.get("AuthorizerId")) if i in authorizers]
        if authorizer_ids:
            route.authorizer = authorizers[authorizer_ids[0]]
        integration_ids = [i for i in _referenced(properties.get("Target")) if i in integrations]
        if integration_ids:
            _integrate(route, integrations[integration_ids[0]], scope)
        owner.routes.append(route)
    return list(apis.values())


def register_http_api_resources(template: dict[str, Any], scope: StackScope, paths: dict[str, str]) -> None:
    """Add the HTTP API resources moto did not deploy to ``scope``, with the ids the deploy gave references to them."""
    from serverless_patterns.local.resolve import DeployedResource

    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") in HTTP_API_TYPES and logical_id not in scope.resources:
            scope.resources[logical_id] = DeployedResource(
                stack=scope.stack,
                logical_id=logical_id,
                type=str(resource["Type"]),
                physical_id=http_api_placeholder(resource, scope.stack, logical_id),
                path=paths.get(logical_id, ""),
            )


def _referenced(value: Any) -> list[str]:
    # {"Ref": Id}, {"Fn::GetAtt": [Id, ...]} or "integrations/" joined with a Ref (a route's Target).
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            return [value["Ref"]]
        if isinstance(value.get("Fn::GetAtt"), list) and value["Fn::GetAtt"]:
            return [str(value["Fn::GetAtt"][0])]
        return [found for item in value.values() for found in _referenced(item)]
    if isinstance(value, list):
        return [found for item in value for found in _referenced(item)]
    return []


def _cors(configuration: dict[str, Any]) -> Cors:
    def names(key: str) -> list[str]:
        return [str(item) for item in configuration.get(key) or []]

    max_age = configuration.get("MaxAge")
    return Cors(
        allow_origins=names("AllowOrigins"),
        allow_methods=[item.upper() for item in names("AllowMethods")],
        allow_headers=[item.lower() for item in names("AllowHeaders")],
        expose_headers=[item.lower() for item in names("ExposeHeaders")],
        allow_credentials=bool(configuration.get("AllowCredentials")),
        max_age=int(max_age) if isinstance(max_age, (int, float)) else None,
    )


def _bucket(settings: Any) -> TokenBucket | None:
    if not isinstance(settings, dict):
        return None
    rate, burst = settings.get("ThrottlingRateLimit"), settings.get("ThrottlingBurstLimit")
    if not isinstance(rate, (int, float)) or not isinstance(burst, (int, float)):
        return None
    return TokenBucket(rate=float(rate), burst=float(burst))


def _stage(properties: dict[str, Any]) -> HttpStage:
    stage = HttpStage(name=str(properties["StageName"]), default_bucket=_bucket(properties.get("DefaultRouteSettings")))
    for route_key, settings in (properties.get("RouteSettings") or {}).items():
        bucket = _bucket(settings)
        if bucket is not None:
            stage.route_buckets[str(route_key)] = bucket
    return stage


def _functions(value: Any, scope: StackScope) -> list[str]:
    return [i for i in scope.referenced_ids(value) if scope.resources[i].type == "AWS::Lambda::Function"]


def _integrate(route: HttpRoute, properties: dict[str, Any], scope: StackScope) -> None:
    route.integration_type = str(properties.get("IntegrationType", "")).upper()
    route.payload_format_version = str(properties.get("PayloadFormatVersion") or "1.0")
    timeout = properties.get("TimeoutInMillis")
    if isinstance(timeout, (int, str)) and str(timeout).isdigit():
        route.timeout_seconds = int(timeout) / 1000
    functions = _functions(properties.get("IntegrationUri"), scope)
    if functions:
        route.function_name = scope.resources[functions[0]].name


def _authorizer(logical_id: str, properties: dict[str, Any], scope: StackScope) -> HttpAuthorizer:
    deployed = scope.resources.get(logical_id)
    jwt = properties.get("JwtConfiguration") or {}
    issuer = scope.resolve(jwt.get("Issuer")) if jwt.get("Issuer") is not None else None
    sources = properties.get("IdentitySource")
    ttl = properties.get("AuthorizerResultTtlInSeconds")
    authorizer = HttpAuthorizer(
        authorizer_id=deployed.physical_id if deployed is not None else f"local-skipped-{logical_id}",
        type=str(properties.get("AuthorizerType", "REQUEST")).upper(),
        # A REQUEST authorizer may have none (then it runs for every request, without caching).
        identity_source=[str(item) for item in sources] if isinstance(sources, list) else [],
        issuer=issuer if isinstance(issuer, str) else None,
        audience=[str(scope.resolve(item)) for item in jwt.get("Audience") or []],
        payload_format_version=str(properties.get("AuthorizerPayloadFormatVersion") or "2.0"),
        simple_responses=bool(properties.get("EnableSimpleResponses")),
        ttl_seconds=int(ttl) if isinstance(ttl, (int, float)) else 0,
    )
    functions = _functions(properties.get("AuthorizerUri"), scope)
    if functions:
        authorizer.function_name = scope.resources[functions[0]].name
        authorizer.function_arn = scope.arn(functions[0])
    return authorizer
