"""CrudApi: routes, auth, validator and model, grants, shared functions, outputs, compliance and snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from serverless_patterns._internal.keys import deny_grants_except_for_aws_services
from serverless_patterns.crud_api import CrudApi, CrudRestApi, Operation
from serverless_patterns.function import ServerlessFunction
from serverless_patterns.testing import nag_findings

ECHO = str(Path(__file__).parent / "handlers" / "echo")
USER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["email", "name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
    },
}
ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["total"],
    "properties": {"total": {"type": "number", "minimum": 0}, "status": {"type": "string", "enum": ["open", "paid"]}},
}
WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=cdk.Environment(account="111111111111", region="eu-west-1"))


@pytest.fixture(scope="module")
def default_stack() -> tuple[cdk.Stack, CrudApi]:
    stack = _stack()
    users = CrudApi(stack, "Users", resource_name="users", id_attribute="userId", schema=USER_SCHEMA)
    return stack, users


@pytest.fixture(scope="module")
def default_template(default_stack: tuple[cdk.Stack, CrudApi]) -> Template:
    return Template.from_stack(default_stack[0])


@pytest.fixture(scope="module")
def shared_stack() -> tuple[cdk.Stack, CrudRestApi, CrudApi, CrudApi]:
    stack = _stack()
    api = CrudRestApi(stack, "Shop", stage_name="v1", throttling_rate_limit=50, throttling_burst_limit=100)
    users = CrudApi(
        stack,
        "Users",
        api=api,
        resource_name="users",
        id_attribute="userId",
        schema=USER_SCHEMA,
        cors_origins=["https://app.example.com"],
    )
    key = kms.Key(stack, "OrdersKey", enable_key_rotation=True)
    deny_grants_except_for_aws_services(key)  # AWS Control Tower's CT.KMS.PR.3
    orders = CrudApi(
        stack,
        "Orders",
        api=api,
        resource_name="orders",
        schema=ORDER_SCHEMA,
        operations=[Operation.GET, Operation.LIST],
        encryption_key=key,
        time_to_live_attribute="expiresAt",
    )
    return stack, api, users, orders


@pytest.fixture(scope="module")
def shared_template(shared_stack: tuple[cdk.Stack, CrudRestApi, CrudApi, CrudApi]) -> Template:
    return Template.from_stack(shared_stack[0])


@pytest.fixture(scope="module")
def auth_stack() -> tuple[cdk.Stack, CrudApi, CrudApi]:
    stack = _stack()
    api = CrudRestApi(stack, "Api")
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "eu-west-1_AbCdEfGhI")
    cognito_authorizer = apigateway.CognitoUserPoolsAuthorizer(stack, "CognitoAuthorizer", cognito_user_pools=[pool])
    members = CrudApi(
        stack,
        "Members",
        api=api,
        resource_name="members",
        schema=USER_SCHEMA,
        authorizer=cognito_authorizer,
        authorization_scopes=["members/write"],
    )
    check = ServerlessFunction(stack, "TokenCheck", entry=ECHO)
    token_authorizer = apigateway.TokenAuthorizer(stack, "TokenAuthorizer", handler=check)
    # Imported table: the caller owns it.
    existing = dynamodb.Table.from_table_arn(
        stack, "Existing", "arn:aws:dynamodb:eu-west-1:111111111111:table/legacy-notes"
    )
    notes = CrudApi(
        stack,
        "Notes",
        api=api,
        resource_name="notes",
        schema={"type": "object", "properties": {"text": {"type": "string"}}},
        table=existing,
        authorizer=token_authorizer,
        allow_unknown_fields=True,
    )
    return stack, members, notes


@pytest.fixture(scope="module")
def auth_template(auth_stack: tuple[cdk.Stack, CrudApi, CrudApi]) -> Template:
    return Template.from_stack(auth_stack[0])


@pytest.fixture(scope="module")
def grouped_stack() -> tuple[cdk.Stack, CrudApi]:
    stack = _stack()
    schema = {
        "type": "object",
        "required": ["orderId", "sku"],
        "properties": {"orderId": {"type": "string"}, "sku": {"type": "string"}, "quantity": {"type": "integer"}},
    }
    lines = CrudApi(
        stack, "Lines", resource_name="lines", id_attribute="lineId", partition_attribute="orderId", schema=schema
    )
    return stack, lines


@pytest.fixture(scope="module")
def grouped_template(grouped_stack: tuple[cdk.Stack, CrudApi]) -> Template:
    return Template.from_stack(grouped_stack[0])


def _policy_statements(template: Template, role_fragment: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    statements: list[dict[str, Any]] = []
    for logical_id, policy in policies.items():
        if role_fragment in logical_id:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    assert statements, f"no policy matching {role_fragment}"
    return statements


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        value = statement["Action"]
        actions.update([value] if isinstance(value, str) else value)
    return actions


def _methods(template: Template) -> dict[tuple[str, str], dict[str, Any]]:
    """``(path part ref, HTTP method) -> properties`` of every method."""
    found = {}
    for logical_id, method in template.find_resources("AWS::ApiGateway::Method").items():
        found[(logical_id, method["Properties"]["HttpMethod"])] = method["Properties"]
    return found


# Routes, validator and model


def test_defines_the_five_routes(default_template: Template) -> None:
    default_template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "users"})
    default_template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "{userId}"})
    methods = sorted(method for (_, method) in _methods(default_template))
    assert methods == ["DELETE", "GET", "GET", "POST", "PUT"]


def test_every_method_uses_iam_auth_and_the_validator(default_template: Template) -> None:
    validators = default_template.find_resources(
        "AWS::ApiGateway::RequestValidator",
        {"Properties": {"ValidateRequestBody": True, "ValidateRequestParameters": True}},
    )
    assert len(validators) == 1
    (validator_id,) = validators
    for properties in _methods(default_template).values():
        assert properties["AuthorizationType"] == "AWS_IAM"
        assert properties["RequestValidatorId"] == {"Ref": validator_id}


def test_post_and_put_use_the_generated_model(default_template: Template) -> None:
    models = default_template.find_resources("AWS::ApiGateway::Model")
    (model_id,) = models
    schema = models[model_id]["Properties"]["Schema"]
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["required"] == ["email", "name"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["name"] == {"type": "string", "minLength": 1, "maxLength": 100}
    # Read-only server fields are accepted (clients send back what they read) and ignored.
    assert {"userId", "createdAt", "updatedAt", "version"} <= set(schema["properties"])
    for (_, http_method), properties in _methods(default_template).items():
        if http_method in {"POST", "PUT"}:
            assert properties["RequestModels"] == {"application/json": {"Ref": model_id}}
        else:
            assert "RequestModels" not in properties


def test_item_methods_require_the_path_parameter(default_template: Template) -> None:
    for (_, http_method), properties in _methods(default_template).items():
        if http_method in {"PUT", "DELETE"}:
            assert properties["RequestParameters"] == {"method.request.path.userId": True}


def test_integrations_are_lambda_proxy_to_two_shared_functions(default_template: Template) -> None:
    functions = default_template.find_resources("AWS::Lambda::Function")
    assert len(functions) == 2
    targets = set()
    for properties in _methods(default_template).values():
        assert properties["Integration"]["Type"] == "AWS_PROXY"
        uri = json.dumps(properties["Integration"]["Uri"])
        targets.update(logical_id for logical_id in functions if logical_id in uri)
    assert len(targets) == 2
    # One invoke permission per function for the whole API, not two per method.
    default_template.resource_count_is("AWS::Lambda::Permission", 2)


def test_gateway_errors_use_the_error_envelope(default_template: Template) -> None:
    default_template.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseType": "BAD_REQUEST_BODY",
            "ResponseTemplates": {
                "application/json": Match.string_like_regexp(r'\{"error":\{"code":"BAD_REQUEST_BODY"')
            },
        },
    )
    default_template.resource_count_is("AWS::ApiGateway::GatewayResponse", 3)


# Grants


def test_read_function_has_no_write_action(default_template: Template) -> None:
    actions = _actions(_policy_statements(default_template, "ReadFunction"))
    assert not actions & WRITE_ACTIONS
    assert {action for action in actions if action.startswith("dynamodb:")} == {"dynamodb:GetItem", "dynamodb:Scan"}


def test_write_function_gets_only_the_write_actions_it_uses(default_template: Template) -> None:
    statements = _policy_statements(default_template, "WriteFunction")
    table_statements = [s for s in statements if "UsersTable" in json.dumps(s["Resource"])]
    assert _actions(table_statements) == {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert all("*" not in action for action in _actions(statements))


def test_no_wildcard_actions_anywhere(shared_template: Template) -> None:
    for policy in shared_template.find_resources("AWS::IAM::Policy").values():
        for action in _actions(policy["Properties"]["PolicyDocument"]["Statement"]):
            assert "*" not in action, action


def test_read_only_resource_grants_nothing_to_the_writer(shared_template: Template) -> None:
    writer = _policy_statements(shared_template, "WriteFunction")
    assert not any("OrdersTable" in json.dumps(statement["Resource"]) for statement in writer)
    reader = _policy_statements(shared_template, "ReadFunction")
    orders = [s for s in reader if "OrdersTable" in json.dumps(s["Resource"])]
    assert _actions(orders) == {"dynamodb:GetItem", "dynamodb:Scan"}


def test_customer_key_grants_decrypt_to_the_reader(shared_template: Template) -> None:
    reader = _policy_statements(shared_template, "ReadFunction")
    kms_statements = [s for s in reader if any(a.startswith("kms:") for a in _actions([s]))]
    assert _actions(kms_statements) == {"kms:Decrypt", "kms:DescribeKey"}


# Table


def test_table_defaults(default_template: Template) -> None:
    default_template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "DeletionProtectionEnabled": False,
                "SSESpecification": {"SSEEnabled": True},
            },
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_customer_key_and_ttl(shared_template: Template) -> None:
    shared_template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()},
            "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
        },
    )


def test_existing_table_defines_no_table(
    auth_template: Template, auth_stack: tuple[cdk.Stack, CrudApi, CrudApi]
) -> None:
    # The idempotency table and the members table only.
    auth_template.resource_count_is("AWS::DynamoDB::Table", 2)
    assert auth_stack[2].table.table_name == "legacy-notes"


# Stage


def test_stage_logs_json_at_error_without_data_trace_with_metrics_and_xray(shared_template: Template) -> None:
    shared_template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "v1",
            "TracingEnabled": True,
            "AccessLogSetting": {
                "DestinationArn": Match.any_value(),
                "Format": Match.string_like_regexp('"requestId":"\\$context.requestId"'),
            },
            "MethodSettings": [
                {
                    "DataTraceEnabled": False,
                    "LoggingLevel": "ERROR",
                    "MetricsEnabled": True,
                    "ThrottlingRateLimit": 50,
                    "ThrottlingBurstLimit": 100,
                    "HttpMethod": "*",
                    "ResourcePath": "/*",
                }
            ],
        },
    )


def test_access_log_group_has_retention_and_is_retained(default_template: Template) -> None:
    default_template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 30}, "DeletionPolicy": "RetainExceptOnCreate"},
    )


def test_no_api_writes_the_account_wide_cloud_watch_role(
    default_template: Template, auth_template: Template, shared_template: Template
) -> None:
    # One AWS::ApiGateway::Account per account and region (CloudFormation's own advice): an API that
    # wrote it would overwrite other stacks' setting and leave a retained role behind.
    for template in (default_template, auth_template, shared_template):
        template.resource_count_is("AWS::ApiGateway::Account", 0)
        apigateway_roles = template.find_resources(
            "AWS::IAM::Role",
            {
                "Properties": {
                    "AssumeRolePolicyDocument": Match.object_like(
                        {"Statement": [Match.object_like({"Principal": {"Service": "apigateway.amazonaws.com"}})]}
                    )
                }
            },
        )
        assert apigateway_roles == {}


def test_stage_is_protected_by_a_web_acl(default_template: Template) -> None:
    default_template.has_resource_properties(
        "AWS::WAFv2::WebACL",
        {
            "Scope": "REGIONAL",
            "Rules": Match.array_with([Match.object_like({"Name": "AWSManagedRulesCommonRuleSet"})]),
        },
    )
    default_template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)


# Sharing one API


def test_resources_share_one_api_and_two_functions(shared_template: Template) -> None:
    shared_template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    shared_template.resource_count_is("AWS::Lambda::Function", 2)
    shared_template.resource_count_is("AWS::Lambda::Permission", 2)
    paths = {r["Properties"]["PathPart"] for r in shared_template.find_resources("AWS::ApiGateway::Resource").values()}
    assert paths == {"users", "{userId}", "orders", "{id}"}


def test_read_only_resource_has_only_get_methods(
    shared_stack: tuple[cdk.Stack, CrudRestApi, CrudApi, CrudApi], shared_template: Template
) -> None:
    orders = shared_stack[3]
    assert sorted(orders.methods) == ["get", "list"]


def test_each_function_learns_the_tables_from_its_environment(shared_template: Template) -> None:
    functions = shared_template.find_resources("AWS::Lambda::Function")
    for logical_id, function in functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        tables = json.dumps(variables["CRUD_TABLES"])
        if "Read" in logical_id:
            assert "users=" in tables
            assert ";orders=" in tables
            assert "OrdersTable" in tables
        else:
            assert "users=" in tables
            assert "orders=" not in tables
            assert "CRUD_IDEMPOTENCY_TABLE" in variables


def test_code_asset_holds_every_resource_configuration(
    shared_stack: tuple[cdk.Stack, CrudRestApi, CrudApi, CrudApi], shared_template: Template
) -> None:
    api = shared_stack[1]
    asset = api.node.find_child("Code")
    staged = Path(cdk.Stage.of(api).outdir) / asset.asset_path  # type: ignore[attr-defined]
    config = json.loads((staged / "crud_api" / "config.json").read_text())
    assert sorted(config["resources"]) == ["orders", "users"]
    assert config["resources"]["orders"]["operations"] == ["get", "list"]
    assert config["resources"]["users"]["schema"]["additionalProperties"] is False
    assert config["resources"]["users"]["corsOrigins"] == ["https://app.example.com"]
    assert (staged / "crud_api" / "write.py").exists()
    handlers = {f["Properties"]["Handler"] for f in shared_template.find_resources("AWS::Lambda::Function").values()}
    assert handlers == {"crud_api.read.handler", "crud_api.write.handler"}


def test_gateway_errors_carry_the_single_cors_origin(shared_template: Template, default_template: Template) -> None:
    for response in shared_template.find_resources("AWS::ApiGateway::GatewayResponse").values():
        assert response["Properties"]["ResponseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'"
        }
    for response in default_template.find_resources("AWS::ApiGateway::GatewayResponse").values():
        assert "ResponseParameters" not in response["Properties"]


def test_cors_preflight_only_for_the_resource_that_asked(shared_template: Template) -> None:
    options = shared_template.find_resources("AWS::ApiGateway::Method", {"Properties": {"HttpMethod": "OPTIONS"}})
    assert len(options) == 2
    for method in options.values():
        headers = method["Properties"]["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == "'https://app.example.com'"


def test_an_added_resource_costs_nine_cloudformation_resources(default_template: Template) -> None:
    stack = _stack()
    users = CrudApi(stack, "Users", resource_name="users", id_attribute="userId", schema=USER_SCHEMA)
    CrudApi(stack, "Orders", api=users.api, resource_name="orders", schema=ORDER_SCHEMA)
    two = Template.from_stack(stack)
    added = len(two.to_json()["Resources"]) - len(default_template.to_json()["Resources"])
    # Its table, two API resources, five methods and a model: the functions are shared.
    assert added == 9
    two.resource_count_is("AWS::Lambda::Function", 2)


# Items grouped by a partition attribute


def test_partition_attribute_is_the_partition_key_and_the_id_the_sort_key(grouped_template: Template) -> None:
    grouped_template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "orderId", "KeyType": "HASH"},
                {"AttributeName": "lineId", "KeyType": "RANGE"},
            ]
        },
    )


def test_grouped_items_live_under_their_partition(grouped_template: Template) -> None:
    paths = {r["Properties"]["PathPart"] for r in grouped_template.find_resources("AWS::ApiGateway::Resource").values()}
    assert paths == {"lines", "{orderId}", "{lineId}"}
    for (_, http_method), properties in _methods(grouped_template).items():
        if http_method in {"PUT", "DELETE"}:
            assert properties["RequestParameters"] == {
                "method.request.path.lineId": True,
                "method.request.path.orderId": True,
            }
    grouped_template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {"HttpMethod": "GET", "RequestParameters": Match.object_like({"method.request.querystring.orderId": False})},
    )


def test_grouped_list_grants_query_to_the_reader_only(grouped_template: Template) -> None:
    reader = _actions(_policy_statements(grouped_template, "ReadFunction"))
    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"} <= reader
    assert not reader & WRITE_ACTIONS
    assert "dynamodb:Query" not in _actions(_policy_statements(grouped_template, "WriteFunction"))


def test_grouped_openapi_paths(grouped_stack: tuple[cdk.Stack, CrudApi]) -> None:
    paths = grouped_stack[1].openapi()["paths"]
    assert set(paths) == {"/lines", "/lines/{orderId}/{lineId}"}
    names = [parameter["name"] for parameter in paths["/lines/{orderId}/{lineId}"]["get"]["parameters"]]
    assert names == ["orderId", "lineId"]


def test_grouped_is_compliant(grouped_stack: tuple[cdk.Stack, CrudApi], compliant: Callable[[cdk.Stack], None]) -> None:
    compliant(grouped_stack[0])


def test_grouped_snapshot(
    grouped_stack: tuple[cdk.Stack, CrudApi], template_snapshot: Callable[[cdk.Stack], None]
) -> None:
    template_snapshot(grouped_stack[0])


# Auth


def test_cognito_authorizer_with_scopes(auth_template: Template) -> None:
    auth_template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "AuthorizationType": "COGNITO_USER_POOLS",
            "AuthorizerId": Match.any_value(),
            "AuthorizationScopes": ["members/write"],
        },
    )


def test_lambda_authorizer(auth_template: Template) -> None:
    auth_template.has_resource_properties("AWS::ApiGateway::Method", {"AuthorizationType": "CUSTOM"})


def test_public_only_when_asked_and_then_reported_by_cdk_nag() -> None:
    stack = _stack()
    CrudApi(stack, "Open", resource_name="open", schema={"type": "object"}, public=True)
    template = Template.from_stack(stack)
    for method in template.find_resources("AWS::ApiGateway::Method").values():
        assert method["Properties"]["AuthorizationType"] == "NONE"
    rules = {finding.rule for finding in nag_findings(stack)}
    assert "AwsSolutions-APIG4" in rules


def test_iam_default_acknowledges_cog4_with_reason(default_stack: tuple[cdk.Stack, CrudApi]) -> None:
    from serverless_patterns.testing import acknowledgments

    found = acknowledgments(default_stack[0])
    reasons = [reason for key, reason in found.items() if key.endswith("AwsSolutions-COG4")]
    assert reasons and "IAM" in reasons[0]


def test_grant_invoke_scopes_execute_api_to_the_resource(default_stack: tuple[cdk.Stack, CrudApi]) -> None:
    stack = _stack()
    users = CrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
    from aws_cdk import aws_iam as iam

    role = iam.Role(stack, "Client", assumed_by=iam.AccountRootPrincipal())
    users.grant_invoke(role)
    statements = _policy_statements(Template.from_stack(stack), "Client")
    assert _actions(statements) == {"execute-api:Invoke"}
    assert "/users/*" in json.dumps(statements[0]["Resource"])


# Outputs and OpenAPI


def test_outputs_api_url_and_table_name(default_template: Template) -> None:
    outputs = default_template.to_json()["Outputs"]
    assert any("Url" in key for key in outputs)
    table_outputs = [value for key, value in outputs.items() if "TableName" in key]
    assert table_outputs and "Ref" in table_outputs[0]["Value"]


def test_openapi_document_matches_the_model(
    shared_stack: tuple[cdk.Stack, CrudRestApi, CrudApi, CrudApi], shared_template: Template
) -> None:
    document = shared_stack[2].openapi()
    assert document["openapi"] == "3.0.3"
    assert set(document["paths"]) == {"/users", "/users/{userId}", "/orders", "/orders/{id}"}
    assert set(document["paths"]["/orders"]) == {"get"}
    assert set(document["paths"]["/users/{userId}"]) == {"get", "put", "delete"}
    put = document["paths"]["/users/{userId}"]["put"]
    assert {"412", "428", "422"} <= set(put["responses"])
    assert put["security"] == [{"sigv4": []}]
    model = next(
        m["Properties"]["Schema"]
        for m in shared_template.find_resources("AWS::ApiGateway::Model").values()
        if "email" in m["Properties"]["Schema"]["properties"]
    )
    openapi_input = document["components"]["schemas"]["UsersInput"]
    assert openapi_input["properties"] == model["properties"]
    assert openapi_input["required"] == model["required"]
    json.dumps(document)  # a plain JSON document, no tokens


# Compliance and snapshots


def test_default_is_compliant(default_stack: tuple[cdk.Stack, CrudApi], compliant: Callable[[cdk.Stack], None]) -> None:
    compliant(default_stack[0])


def test_shared_api_is_compliant(
    shared_stack: tuple[cdk.Stack, CrudRestApi, CrudApi, CrudApi], compliant: Callable[[cdk.Stack], None]
) -> None:
    compliant(shared_stack[0])


def test_authorizers_are_compliant(
    auth_stack: tuple[cdk.Stack, CrudApi, CrudApi], compliant: Callable[[cdk.Stack], None]
) -> None:
    compliant(auth_stack[0])


def test_default_snapshot(
    default_stack: tuple[cdk.Stack, CrudApi], template_snapshot: Callable[[cdk.Stack], None]
) -> None:
    template_snapshot(default_stack[0])


def test_shared_snapshot(
    shared_stack: tuple[cdk.Stack, CrudRestApi, CrudApi, CrudApi], template_snapshot: Callable[[cdk.Stack], None]
) -> None:
    template_snapshot(shared_stack[0])


def test_auth_snapshot(
    auth_stack: tuple[cdk.Stack, CrudApi, CrudApi], template_snapshot: Callable[[cdk.Stack], None]
) -> None:
    template_snapshot(auth_stack[0])


def test_add_resource_defines_a_crud_api_on_this_api() -> None:
    stack = _stack()
    api = CrudRestApi(stack, "Shop")
    users = api.add_resource("Users", resource_name="users", schema=USER_SCHEMA, cors_origins=["https://a.example"])
    orders = api.add_resource(
        "Orders", resource_name="orders", schema=ORDER_SCHEMA, operations=[Operation.GET, Operation.LIST]
    )
    assert isinstance(users, CrudApi)
    assert users.node.path == "Test/Shop/Users"
    assert users.api is api and orders.read_function is api.read_function
    assert api.resource_names == ["users", "orders"]
    assert sorted(orders.methods) == ["get", "list"]
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    template.resource_count_is("AWS::DynamoDB::Table", 3)  # users, orders and the idempotency table
    template.resource_count_is("AWS::Lambda::Function", 2)


def test_crud_api_passes_every_rest_api_option_to_the_api_it_defines() -> None:
    stack = _stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    users = CrudApi(
        stack,
        "Users",
        resource_name="users",
        schema=USER_SCHEMA,
        rest_api_name="shop",
        description="The shop",
        memory_mib=512,
        data_trace=True,
        web_acl=False,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        encryption_key=key,
    )
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::ApiGateway::RestApi", {"Name": "shop", "Description": "The shop"})
    template.has_resource_properties(
        "AWS::ApiGateway::Stage", {"MethodSettings": [Match.object_like({"DataTraceEnabled": True})]}
    )
    template.resource_count_is("AWS::WAFv2::WebACL", 0)
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 0)
    for function in (users.read_function, users.write_function):
        resource = stack.resolve(function.node.default_child.logical_id)  # type: ignore[union-attr]
        assert template.to_json()["Resources"][resource]["Properties"]["MemorySize"] == 512
    key_arn = stack.resolve(key.key_arn)
    for table in (users.table, users.api.idempotency_table):
        logical_id = stack.get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        definition = template.to_json()["Resources"][logical_id]
        assert definition["DeletionPolicy"] == "Delete"
        assert definition["Properties"]["SSESpecification"]["KMSMasterKeyId"] == key_arn
    access_logs = stack.get_logical_id(users.api.access_log_group.node.default_child)  # type: ignore[arg-type]
    assert template.to_json()["Resources"][access_logs]["DeletionPolicy"] == "Delete"


def test_crud_api_without_options_gets_the_rest_api_defaults(default_template: Template) -> None:
    stage = next(iter(default_template.find_resources("AWS::ApiGateway::Stage").values()))["Properties"]
    assert stage["StageName"] == "prod"
    assert stage["MethodSettings"][0]["ThrottlingRateLimit"] == 100
    assert stage["MethodSettings"][0]["ThrottlingBurstLimit"] == 200
    assert stage["MethodSettings"][0]["DataTraceEnabled"] is False
    default_template.resource_count_is("AWS::WAFv2::WebACL", 1)
    for function in default_template.find_resources("AWS::Lambda::Function").values():
        assert function["Properties"]["MemorySize"] == 256
    for table in default_template.find_resources("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "RetainExceptOnCreate"


def test_plain_lambda_function_authorizer_and_imported_resources_are_accepted() -> None:
    stack = _stack()
    check = lambda_.Function(
        stack,
        "Check",
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )
    authorizer = apigateway.TokenAuthorizer(stack, "Authorizer", handler=check)
    table = dynamodb.Table.from_table_name(stack, "Legacy", "legacy-notes")
    key = kms.Key.from_key_arn(
        stack, "LogKey", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    notes = CrudApi(
        stack,
        "Notes",
        resource_name="notes",
        schema={"type": "object"},
        table=table,
        authorizer=authorizer,
        log_encryption_key=key,
    )
    assert notes.table is table
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::DynamoDB::Table", 1)  # only the idempotency table
    template.has_resource_properties("AWS::ApiGateway::Method", {"AuthorizationType": "CUSTOM"})
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": key.key_arn})
