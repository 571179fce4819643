"""HttpCrudApi and CrudHttpApi: routes, payload 2.0, auth, stage, CORS, refusals, grants, compliance and snapshot."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from serverless_patterns import CrudHttpApi, HttpCrudApi, ServerlessFunction, ValidationError
from serverless_patterns.crud_api.http_api import UNSUPPORTED
from serverless_patterns.runtime.crud_api import contract
from tests.constructs.stacks import ECHO, new_stack

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["email", "name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string", "minLength": 1},
    },
}


@pytest.fixture(scope="module")
def default_stack() -> tuple[cdk.Stack, HttpCrudApi]:
    stack = new_stack("Http")
    users = HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA)
    HttpCrudApi(stack, "Orders", api=users.api, resource_name="orders", schema={"type": "object"})
    return stack, users


@pytest.fixture(scope="module")
def template(default_stack: tuple[cdk.Stack, HttpCrudApi]) -> Template:
    return Template.from_stack(default_stack[0])


def test_every_operation_is_a_route_of_its_own(template: Template) -> None:
    keys = sorted(
        route["Properties"]["RouteKey"] for route in template.find_resources("AWS::ApiGatewayV2::Route").values()
    )
    assert keys == sorted(
        f"{method} /{name}{path}"
        for name in ("users", "orders")
        for method, path in (("GET", ""), ("POST", ""), ("GET", "/{id}"), ("PUT", "/{id}"), ("DELETE", "/{id}"))
    )


def test_routes_use_iam_authorization_by_default(template: Template) -> None:
    for route in template.find_resources("AWS::ApiGatewayV2::Route").values():
        assert route["Properties"]["AuthorizationType"] == "AWS_IAM"


def test_two_lambda_integrations_of_payload_format_2_and_one_permission_per_function(template: Template) -> None:
    template.resource_count_is("AWS::ApiGatewayV2::Integration", 2)
    template.all_resources_properties(
        "AWS::ApiGatewayV2::Integration", {"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0"}
    )
    template.resource_count_is("AWS::Lambda::Permission", 2)
    template.resource_count_is("AWS::Lambda::Function", 2)


def test_default_stage_deploys_itself_with_json_access_logs_throttling_and_detailed_metrics(template: Template) -> None:
    template.resource_count_is("AWS::ApiGatewayV2::Stage", 1)
    stage = next(iter(template.find_resources("AWS::ApiGatewayV2::Stage").values()))["Properties"]
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {
        "DetailedMetricsEnabled": True,
        "ThrottlingBurstLimit": 200,
        "ThrottlingRateLimit": 100,
    }
    log_format = json.loads(stage["AccessLogSettings"]["Format"])
    assert log_format["requestId"] == "$context.requestId"
    assert log_format["status"] == "$context.status"


def test_no_cors_by_default(template: Template) -> None:
    api = next(iter(template.find_resources("AWS::ApiGatewayV2::Api").values()))["Properties"]
    assert "CorsConfiguration" not in api
    assert api["ProtocolType"] == "HTTP"


def test_cors_is_configured_on_the_api() -> None:
    stack = new_stack()
    HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA, cors_origins=["https://app.example.com"])
    Template.from_stack(stack).has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {
            "CorsConfiguration": Match.object_like(
                {
                    "AllowOrigins": ["https://app.example.com"],
                    "ExposeHeaders": list(contract.EXPOSED_HEADERS),
                    "AllowHeaders": Match.array_with([contract.IF_MATCH, contract.IDEMPOTENCY_KEY]),
                }
            )
        },
    )


def test_the_handlers_get_the_request_model_and_no_cors_origins() -> None:
    stack = new_stack()
    users = HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA, cors_origins=["https://a.example"])
    HttpCrudApi(stack, "Orders", api=users.api, resource_name="orders", schema={"type": "object"})
    assembly = stack.node.root.synth()  # type: ignore[attr-defined]
    assert users.api.code.asset is not None
    folder = Path(assembly.directory) / users.api.code.asset.asset_path
    config = json.loads((folder / contract.PACKAGE / contract.CONFIG_FILE).read_text())[contract.RESOURCES]
    assert set(config) == {"users", "orders"}
    assert "def validate(" in config["users"][contract.MODEL_VALIDATOR_KEY]
    assert config["users"][contract.CORS_ORIGINS_KEY] == []


def test_a_jwt_authorizer_with_scopes() -> None:
    stack = new_stack()
    jwt = authorizers.HttpJwtAuthorizer("Jwt", "https://issuer.example.com", jwt_audience=["shop"])
    HttpCrudApi(
        stack, "Users", resource_name="users", schema=SCHEMA, authorizer=jwt, authorization_scopes=["shop/write"]
    )
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::ApiGatewayV2::Authorizer", {"AuthorizerType": "JWT"})
    template.all_resources_properties(
        "AWS::ApiGatewayV2::Route", {"AuthorizationType": "JWT", "AuthorizationScopes": ["shop/write"]}
    )


def test_a_cognito_user_pool_authorizer() -> None:
    stack = new_stack()
    pool = cognito.UserPool(stack, "Pool")
    authorizer = authorizers.HttpUserPoolAuthorizer("Pool", pool, user_pool_clients=[pool.add_client("Web")])
    users = HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA, authorizer=authorizer)
    assert users.openapi()["paths"]["/users"]["get"]["security"] == [{"authorizer": []}]


def test_a_lambda_authorizer() -> None:
    stack = new_stack()
    function = ServerlessFunction(stack, "Auth", entry=ECHO)
    authorizer = authorizers.HttpLambdaAuthorizer(
        "Auth", function, response_types=[authorizers.HttpLambdaResponseType.SIMPLE]
    )
    HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA, authorizer=authorizer)
    Template.from_stack(stack).all_resources_properties("AWS::ApiGatewayV2::Route", {"AuthorizationType": "CUSTOM"})


def test_public_only_when_asked_for() -> None:
    stack = new_stack()
    users = HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA, public=True)
    Template.from_stack(stack).all_resources_properties("AWS::ApiGatewayV2::Route", {"AuthorizationType": "NONE"})
    assert users.openapi()["paths"]["/users"]["get"]["security"] == []


def test_grant_invoke_names_the_resources_routes() -> None:
    stack = new_stack()
    users = HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA)
    users.grant_invoke(iam.Role(stack, "Client", assumed_by=iam.AccountRootPrincipal()))
    rendered = json.dumps(Template.from_stack(stack).find_resources("AWS::IAM::Policy"))
    assert "execute-api:Invoke" in rendered
    assert "/$default/*/users/*" in rendered


def test_openapi_names_the_http_api_url(default_stack: tuple[cdk.Stack, HttpCrudApi]) -> None:
    document = default_stack[1].openapi("Shop")
    assert document["servers"][0]["url"] == "https://{apiId}.execute-api.{region}.amazonaws.com"
    assert sorted(document["paths"]) == ["/orders", "/orders/{id}", "/users", "/users/{id}"]


def test_add_resource_attaches_to_the_api() -> None:
    api = CrudHttpApi(new_stack(), "Api", stage_name="v1")
    notes = api.add_resource("Notes", resource_name="notes", schema={"type": "object"}, operations=["get", "list"])
    assert api.resource_names == ["notes"]
    assert sorted(notes.routes) == ["get", "list"]
    assert api.openapi()["servers"][0]["url"].endswith("/v1")


@pytest.mark.parametrize("option", sorted(UNSUPPORTED))
def test_fails_when_asked_for_what_http_apis_cannot_do(option: str) -> None:
    value: object = "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/acl/1" if option == "web_acl_arn" else True
    with pytest.raises(ValidationError, match=f"{option} is not available on HTTP APIs: .*http-api-vs-rest.html"):
        HttpCrudApi(new_stack(), "Users", resource_name="users", schema=SCHEMA, **{option: value})


def test_refused_options_may_be_turned_off_explicitly() -> None:
    HttpCrudApi(new_stack(), "Users", resource_name="users", schema=SCHEMA, web_acl=False, tracing_enabled=False)


def test_fails_when_api_options_are_given_with_a_shared_api() -> None:
    stack = new_stack()
    users = HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA)
    with pytest.raises(ValidationError, match="cors_origins belongs to the shared api"):
        HttpCrudApi(stack, "Notes", api=users.api, resource_name="notes", schema=SCHEMA, cors_origins=["*"])


def test_fails_when_the_resource_is_already_served() -> None:
    stack = new_stack()
    users = HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA)
    with pytest.raises(ValidationError, match="resource_name 'users' is already served by"):
        HttpCrudApi(stack, "Again", api=users.api, resource_name="users", schema=SCHEMA)


def test_fails_when_scopes_are_given_without_a_jwt_authorizer() -> None:
    with pytest.raises(ValidationError, match="authorization_scopes need a JWT authorizer"):
        HttpCrudApi(new_stack(), "Users", resource_name="users", schema=SCHEMA, authorization_scopes=["a"])


def test_fails_when_public_and_an_authorizer_are_both_given() -> None:
    with pytest.raises(ValidationError, match="public"):
        HttpCrudApi(
            new_stack(),
            "Users",
            resource_name="users",
            schema=SCHEMA,
            public=True,
            authorizer=authorizers.HttpIamAuthorizer(),
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"stage_name": "a b"}, "stage_name must be"),
        ({"throttling_rate_limit": 20000}, "throttling_rate_limit must be between 0 and 10000"),
        ({"throttling_burst_limit": 6000}, "throttling_burst_limit must be between 0 and 5000"),
        ({"cors_origins": ["*", "https://a.example"]}, "cors_origins '\\*' cannot be combined"),
    ],
)
def test_fails_when_an_api_option_is_out_of_range(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CrudHttpApi(new_stack(), "Api", **options)


def test_defaults_are_compliant(
    default_stack: tuple[cdk.Stack, HttpCrudApi], compliant: Callable[[cdk.Stack], None]
) -> None:
    compliant(default_stack[0])


def test_snapshot(template_snapshot: Callable[[cdk.Stack], None]) -> None:
    stack = new_stack("HttpSnapshot")
    HttpCrudApi(stack, "Users", resource_name="users", schema=SCHEMA)
    template_snapshot(stack)
