"""CrudApi and CrudRestApi option rules: each broken rule raises ValidationError naming value and allowed range."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from serverless_patterns import ValidationError
from serverless_patterns.crud_api import CrudApi, CrudRestApi, Operation

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"name": {"type": "string"}}}


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=cdk.Environment(account="111111111111", region="eu-west-1"))


def _crud(stack: cdk.Stack | None = None, **options: Any) -> CrudApi:
    settings: dict[str, Any] = {"resource_name": "users", "schema": SCHEMA, **options}
    return CrudApi(stack or _stack(), "Users", **settings)


def _fails(match: str, **options: Any) -> None:
    with pytest.raises(ValidationError, match=match):
        _crud(**options)


def test_fails_when_resource_name_is_not_a_lower_case_path_segment() -> None:
    _fails(
        r"resource_name must be lower-case letters, digits and - \(users\), got 'Users/all'", resource_name="Users/all"
    )


def test_fails_when_resource_name_is_already_on_the_api() -> None:
    stack = _stack()
    first = _crud(stack)
    with pytest.raises(ValidationError, match="resource_name 'users' is already served by Test/Users/Api"):
        CrudApi(stack, "Again", api=first.api, resource_name="users", schema=SCHEMA)


def test_fails_when_id_attribute_is_not_a_plain_name() -> None:
    _fails(r"id_attribute must be letters, digits and _ .*got 'user-id'", id_attribute="user-id")


def test_fails_when_schema_is_not_an_object() -> None:
    _fails(r"schema must have type 'object' at the top level, got 'array'", schema={"type": "array"})


def test_fails_when_schema_is_a_json_string() -> None:
    _fails(r"schema must be a JSON Schema object \(a mapping\), got str", schema='{"type": "object"}')


def test_fails_when_schema_requires_a_field_twice() -> None:
    _fails(
        "schema cannot be compiled: required must contain unique elements",
        schema={"type": "object", "required": ["a", "a"], "properties": {"a": {"type": "string"}}},
    )


def test_fails_when_schema_uses_an_unsupported_keyword() -> None:
    _fails(
        r"schema keyword 'oneOf' at properties.name is not supported \(allowed: additionalProperties",
        schema={"type": "object", "properties": {"name": {"oneOf": [{"type": "string"}]}}},
    )


def test_fails_when_schema_lists_a_server_field() -> None:
    _fails(
        "schema properties id, version are managed by the server",
        schema={"type": "object", "properties": {"id": {"type": "string"}, "version": {"type": "integer"}}},
    )


def test_fails_when_schema_type_is_unknown() -> None:
    _fails(
        "schema type at properties.name must be one of string, integer",
        schema={"type": "object", "properties": {"name": {"type": "text"}}},
    )


def test_fails_when_schema_length_is_negative() -> None:
    _fails(
        "schema minLength at properties.name must be a non-negative integer, got -1",
        schema={"type": "object", "properties": {"name": {"type": "string", "minLength": -1}}},
    )


def test_fails_when_schema_bound_is_not_a_number() -> None:
    _fails(
        "schema maximum at properties.age must be a number, got '9'",
        schema={"type": "object", "properties": {"age": {"type": "integer", "maximum": "9"}}},
    )


def test_fails_when_schema_exclusive_bound_is_not_boolean() -> None:
    _fails(
        r"schema exclusiveMinimum at properties.age must be true or false \(draft 4\), got 3",
        schema={"type": "object", "properties": {"age": {"type": "integer", "exclusiveMinimum": 3}}},
    )


def test_fails_when_schema_pattern_is_not_a_regular_expression() -> None:
    _fails(
        r"schema pattern at properties.name must be a valid regular expression, got '\(unclosed'",
        schema={"type": "object", "properties": {"name": {"type": "string", "pattern": "(unclosed"}}},
    )


def test_fails_when_schema_enum_is_empty() -> None:
    _fails(
        r"schema enum at properties.name must be a non-empty list, got \[\]",
        schema={"type": "object", "properties": {"name": {"type": "string", "enum": []}}},
    )


def test_fails_when_schema_requires_an_undeclared_field() -> None:
    _fails(
        r"schema required at the top level must list names of its properties, got \['email'\]",
        schema={"type": "object", "required": ["email"], "properties": {"name": {"type": "string"}}},
    )


def test_fails_when_schema_properties_is_not_an_object() -> None:
    _fails("schema properties at the top level must be an object", schema={"type": "object", "properties": []})


def test_fails_when_partition_attribute_is_not_a_required_string_property() -> None:
    _fails(
        "partition_attribute must name a required string property of the schema, got 'tenant'",
        partition_attribute="tenant",
    )


def test_fails_when_operations_is_empty() -> None:
    _fails("operations must list at least one operation, got none", operations=[])


def test_fails_when_an_operation_is_unknown() -> None:
    _fails("operations must be one of create, get, list, update, delete, got 'patch'", operations=["get", "patch"])


def test_fails_when_operations_repeat() -> None:
    _fails("operations must be unique, got duplicates 'get'", operations=[Operation.GET, Operation.GET])


def test_fails_when_a_cors_origin_is_not_an_origin() -> None:
    _fails(
        r"cors_origins must be origins like https://app.example.com \(no path\), got 'https://app.example.com/'",
        cors_origins=["https://app.example.com/"],
    )


def test_fails_when_cors_wildcard_is_combined_with_origins() -> None:
    _fails("cors_origins '\\*' cannot be combined with origins", cors_origins=["*", "https://app.example.com"])


def test_fails_when_public_and_authorizer_are_combined() -> None:
    stack = _stack()
    from aws_cdk import aws_cognito as cognito

    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "eu-west-1_AbCdEfGhI")
    authorizer = apigateway.CognitoUserPoolsAuthorizer(stack, "Authorizer", cognito_user_pools=[pool])
    with pytest.raises(ValidationError, match="public and authorizer cannot be combined"):
        _crud(stack, public=True, authorizer=authorizer)


def test_fails_when_scopes_are_given_without_cognito() -> None:
    _fails("authorization_scopes need a Cognito user pool authorizer", authorization_scopes=["users/read"])


def test_fails_when_an_existing_table_is_combined_with_table_options() -> None:
    stack = _stack()
    table = dynamodb.Table.from_table_name(stack, "Existing", "legacy")
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with pytest.raises(ValidationError) as raised:
        _crud(
            stack,
            table=table,
            time_to_live_attribute="expiresAt",
            encryption_key=key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
    assert raised.value.problems == (
        "table and time_to_live_attribute cannot be combined: give only one of them",
        "table and encryption_key cannot be combined: give only one of them",
        "table and removal_policy cannot be combined: give only one of them",
    )


def test_fails_when_time_to_live_attribute_is_not_a_plain_name() -> None:
    _fails(
        "time_to_live_attribute must be letters, digits and _, got 'expires at'", time_to_live_attribute="expires at"
    )


def test_fails_when_api_options_are_given_with_a_shared_api() -> None:
    stack = _stack()
    api = CrudRestApi(stack, "Api")
    with pytest.raises(ValidationError) as raised:
        CrudApi(
            stack,
            "Users",
            api=api,
            resource_name="users",
            schema=SCHEMA,
            stage_name="v2",
            log_retention=logs.RetentionDays.ONE_DAY,
        )
    assert [problem.split(" belongs")[0] for problem in raised.value.problems] == ["stage_name", "log_retention"]


def test_fails_when_stage_name_has_invalid_characters() -> None:
    with pytest.raises(ValidationError, match=r"stage_name must be 1 to 128 letters, digits, - or _, got 'v 1'"):
        CrudRestApi(_stack(), "Api", stage_name="v 1")


def test_fails_when_throttling_is_out_of_range() -> None:
    with pytest.raises(ValidationError) as raised:
        CrudRestApi(_stack(), "Api", throttling_rate_limit=20000, throttling_burst_limit=-1)
    assert raised.value.problems == (
        "throttling_rate_limit must be between 0 and 10000, got 20000",
        "throttling_burst_limit must be between 0 and 5000, got -1",
    )


def test_fails_when_web_acl_arn_is_not_a_regional_web_acl() -> None:
    with pytest.raises(ValidationError, match="web_acl_arn must be a regional WAFv2 web ACL ARN, got 'arn:aws:s3:::b'"):
        CrudRestApi(_stack(), "Api", web_acl_arn="arn:aws:s3:::b")


def test_fails_when_web_acl_arn_is_given_with_web_acl_off() -> None:
    arn = "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/shared/abc"
    with pytest.raises(ValidationError, match="web_acl_arn needs web_acl=True"):
        CrudRestApi(_stack(), "Api", web_acl=False, web_acl_arn=arn)


def test_existing_web_acl_is_associated_without_defining_one() -> None:
    from aws_cdk.assertions import Template

    stack = _stack()
    arn = "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/shared/abc"
    api = CrudRestApi(stack, "Api", web_acl_arn=arn)
    CrudApi(stack, "Users", api=api, resource_name="users", schema=SCHEMA)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::WAFv2::WebACL", 0)
    template.has_resource_properties("AWS::WAFv2::WebACLAssociation", {"WebACLArn": arn})


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(ValidationError) as raised:
        _crud(resource_name="Bad Name", id_attribute="bad-id", operations=[])
    assert len(raised.value.problems) == 3
    assert raised.value.construct_path == "Test/Users"


@pytest.mark.parametrize(
    ("keyword_range", "message"),
    [
        (
            {"type": "string", "minLength": 5, "maxLength": 2},
            "schema minLength at properties.name must not exceed maxLength (2), got 5",
        ),
        (
            {"type": "array", "minItems": 3, "maxItems": 1},
            "schema minItems at properties.name must not exceed maxItems (1), got 3",
        ),
        (
            {"type": "number", "minimum": 10, "maximum": 1.5},
            "schema minimum at properties.name must not exceed maximum (1.5), got 10",
        ),
    ],
)
def test_fails_when_a_schema_lower_bound_exceeds_its_upper_bound(keyword_range: dict[str, Any], message: str) -> None:
    # No body could satisfy both bounds: API Gateway would accept the model and reject every request.
    with pytest.raises(ValidationError) as raised:
        _crud(schema={"type": "object", "properties": {"name": keyword_range}})
    assert raised.value.construct_path == "Test/Users"
    assert raised.value.problems == (message,)


def test_equal_schema_bounds_are_accepted() -> None:
    _crud(schema={"type": "object", "properties": {"code": {"type": "string", "minLength": 3, "maxLength": 3}}})


@pytest.mark.parametrize(
    ("keys", "options", "got"),
    [
        ({"partition_key": ("pk", "STRING")}, {}, "got partition key 'pk' of type S"),
        ({"partition_key": ("id", "NUMBER")}, {}, "got partition key 'id' of type N"),
        (
            {"partition_key": ("id", "STRING"), "sort_key": ("createdAt", "STRING")},
            {},
            "got partition key 'id' of type S and sort key 'createdAt' of type S",
        ),
        ({"partition_key": ("id", "STRING")}, {"partition_attribute": "tenant"}, "got partition key 'id' of type S"),
    ],
)
@pytest.mark.parametrize("table_class", [dynamodb.Table, dynamodb.TableV2])
def test_fails_when_an_existing_table_key_is_not_the_id_attribute(
    keys: dict[str, tuple[str, str]], options: dict[str, Any], got: str, table_class: type
) -> None:
    stack = _stack()
    attributes = {
        name: dynamodb.Attribute(name=attribute, type=dynamodb.AttributeType[kind])
        for name, (attribute, kind) in keys.items()
    }
    table = table_class(stack, "Existing", **attributes)
    schema = {"type": "object", "required": ["tenant"], "properties": {"tenant": {"type": "string"}}}
    with pytest.raises(ValidationError) as raised:
        _crud(stack, table=table, schema=schema, **options)
    assert raised.value.construct_path == "Test/Users"
    (problem,) = raised.value.problems
    assert problem.startswith("table must have partition key ")
    assert problem.endswith(got)


def test_an_existing_table_with_the_right_keys_is_accepted() -> None:
    stack = _stack()
    table = dynamodb.TableV2(
        stack,
        "Existing",
        partition_key=dynamodb.Attribute(name="tenant", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
    )
    schema = {"type": "object", "required": ["tenant"], "properties": {"tenant": {"type": "string"}}}
    crud = _crud(stack, table=table, schema=schema, partition_attribute="tenant")
    assert crud.table is table
