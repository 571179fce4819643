"""The REST APIs a template defines (resources, methods, authorizers, stages, models); a path's method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from serverless_patterns.local import gateway_responses as responses
from serverless_patterns.local.gateway_responses import GatewayResponse
from serverless_patterns.local.throttling import StageThrottling

if TYPE_CHECKING:
    from serverless_patterns.local.resolve import StackScope


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
