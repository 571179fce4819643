"""HttpCrudApi: a CrudApi resource on an HTTP API (API Gateway v2, payload format 2.0)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules
from serverless_patterns.crud_api.http_api import CrudHttpApi
from serverless_patterns.crud_api.http_routes import add_http_routes, security
from serverless_patterns.crud_api.items import (
    CrudResource,
    TableOptions,
    check_api_options,
    check_resource,
    new_api_options,
)
from serverless_patterns.crud_api.openapi import ResourceSpec
from serverless_patterns.crud_api.operations import ALL_OPERATIONS, Operation, OperationName
from serverless_patterns.function import ServerlessFunction


class HttpCrudApi(Construct, CrudResource):
    """Defines a resource backed by DynamoDB on an HTTP API: create, get, list, update and delete with validation.

    The same resource as :class:`CrudApi` (operations, ``Idempotency-Key``, ``ETag``/``If-Match``
    with 412 and 428, cursor pages, error envelope, the same handlers), served by an HTTP API
    (:class:`CrudHttpApi`) with payload format 2.0. The same schema gives the same 4xx answers:
    a body that breaks it is ``400 BAD_REQUEST_BODY`` on both, from API Gateway's request
    validator on a REST API and from the write function here. What differs is what the gateway
    answers by itself: an unknown route is 404 (a REST API answers 403), an unauthorized request
    403 (IAM) or 401 (JWT), throttling 429, each with API Gateway's ``{"message": ...}`` body
    (HTTP APIs have no gateway responses to reshape them).

    Parameters
    ----------
    scope, id
        The parent construct and the construct id.
    resource_name, schema, id_attribute, partition_attribute, operations, allow_unknown_fields, table, \
time_to_live_attribute, encryption_key, removal_policy, deletion_protection
        As on :class:`CrudApi` (see there for each default).
    api
        The shared HTTP API to attach to (``first.api``). Default: - a new :class:`CrudHttpApi`, the
        child ``"Api"``, with the options below.
    authorizer
        An ``HttpJwtAuthorizer`` (any OpenID Connect issuer), ``HttpUserPoolAuthorizer`` (Cognito)
        or ``HttpLambdaAuthorizer``. Default: - IAM authorization (``HttpIamAuthorizer``: SigV4;
        grant callers with :meth:`grant_invoke`).
    authorization_scopes
        OAuth scopes the JWT needs. Default: - none.
    public
        No authorization at all. Only when asked for. Default: ``False``.
    http_api_name, description, stage_name, throttling_rate_limit, throttling_burst_limit, log_retention, \
memory_mib, log_encryption_key, cors_origins, web_acl, web_acl_arn, request_validation, cache_enabled, \
api_key_required, tracing_enabled, data_trace
        Every option of the new :class:`CrudHttpApi` (see there; the last seven are refused, HTTP
        APIs lack them): give them only without ``api``.

    Attributes
    ----------
    api
        The :class:`CrudHttpApi`.
    http_api
        The ``apigatewayv2.HttpApi``.
    table
        The table (``ITable``).
    routes
        The ``HttpRoute`` s by operation name.
    read_function, write_function
        The API's shared ``ServerlessFunction`` s.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import HttpCrudApi
    >>> stack = Stack(App(), "Shop")
    >>> users = HttpCrudApi(
    ...     stack,
    ...     "Users",
    ...     resource_name="users",
    ...     schema={"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
    ... )
    >>> orders = HttpCrudApi(stack, "Orders", api=users.api, resource_name="orders", schema={"type": "object"})
    >>> sorted(orders.routes)
    ['create', 'delete', 'get', 'list', 'update']
    """

    @typed_options
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        resource_name: str,
        schema: Mapping[str, Any],
        id_attribute: str = "id",
        partition_attribute: str | None = None,
        operations: Sequence[Operation | OperationName] = ALL_OPERATIONS,
        allow_unknown_fields: bool = False,
        table: dynamodb.ITable | None = None,
        time_to_live_attribute: str | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy | None = None,
        deletion_protection: bool | None = None,
        api: CrudHttpApi | None = None,
        authorizer: apigwv2.IHttpRouteAuthorizer | None = None,
        authorization_scopes: Sequence[str] | None = None,
        public: bool = False,
        http_api_name: str | None = None,
        description: str | None = None,
        stage_name: str | None = None,
        throttling_rate_limit: float | None = None,
        throttling_burst_limit: int | None = None,
        log_retention: logs.RetentionDays | None = None,
        memory_mib: int | None = None,
        log_encryption_key: kms.IKey | None = None,
        cors_origins: Sequence[str] | None = None,
        web_acl: bool | None = None,
        web_acl_arn: str | None = None,
        request_validation: bool | None = None,
        cache_enabled: bool | None = None,
        api_key_required: bool | None = None,
        tracing_enabled: bool | None = None,
        data_trace: bool | None = None,
    ) -> None:
        super().__init__(scope, id)
        operation_names = [Operation(operation).value for operation in operations]
        # None means "the CrudHttpApi default": its defaults are declared once, on CrudHttpApi.
        api_options: dict[str, Any] = {
            "http_api_name": http_api_name,
            "description": description,
            "stage_name": stage_name,
            "throttling_rate_limit": throttling_rate_limit,
            "throttling_burst_limit": throttling_burst_limit,
            "log_retention": log_retention,
            "memory_mib": memory_mib,
            "log_encryption_key": log_encryption_key,
            "cors_origins": cors_origins,
            "web_acl": web_acl,
            "web_acl_arn": web_acl_arn,
            "request_validation": request_validation,
            "cache_enabled": cache_enabled,
            "api_key_required": api_key_required,
            "tracing_enabled": tracing_enabled,
            "data_trace": data_trace,
        }

        rules = Rules()
        check_resource(
            rules,
            resource_name=resource_name,
            served=api.resource_names if api is not None else [],
            api_path=api.node.path if api is not None else "",
            schema=schema,
            id_attribute=id_attribute,
            partition_attribute=partition_attribute,
            operation_names=operation_names,
        )
        rules.exclusive(public=public, authorizer=authorizer)
        kind = security(authorizer, public)
        rules.check(
            not authorization_scopes or kind == "jwt",
            "authorization_scopes need a JWT authorizer (HttpJwtAuthorizer or HttpUserPoolAuthorizer)",
        )
        tables = TableOptions(
            table,
            id_attribute,
            partition_attribute,
            time_to_live_attribute,
            encryption_key,
            removal_policy,
            deletion_protection,
        )
        tables.check(rules)
        check_api_options(rules, api, api_options)
        rules.raise_if_broken(self)

        if api is None:
            given = new_api_options(api_options, removal_policy=removal_policy, encryption_key=encryption_key)
            api = CrudHttpApi(self, "Api", **given)
        self.api: CrudHttpApi = api
        self._gateway = api.http_api
        self.http_api: apigwv2.HttpApi = api.http_api
        self.read_function: ServerlessFunction = api.read_function
        self.write_function: ServerlessFunction = api.write_function
        self.resource_name = resource_name
        self.id_attribute = id_attribute
        self.schema: dict[str, Any] = json.loads(json.dumps(schema))
        self.table: dynamodb.ITable = tables.define(self)
        spec = ResourceSpec(
            name=resource_name,
            id_attribute=id_attribute,
            partition_attribute=partition_attribute,
            schema=self.schema,
            operations=tuple(operation_names),
            allow_unknown_fields=allow_unknown_fields,
            security=kind,
        )
        api._attach(spec, table=self.table)
        self.routes: dict[str, apigwv2.HttpRoute] = add_http_routes(
            api, spec, authorizer=authorizer, authorization_scopes=authorization_scopes
        )
        CfnOutput(self, "TableName", value=self.table.table_name, description=f"DynamoDB table of /{resource_name}")
