"""CrudApi: a REST resource (API Gateway, Lambda, DynamoDB) with validation and safe concurrent writes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules
from serverless_patterns.crud_api.items import (
    CrudResource,
    TableOptions,
    check_api_options,
    check_origins,
    check_resource,
    new_api_options,
)
from serverless_patterns.crud_api.openapi import ResourceSpec
from serverless_patterns.crud_api.operations import ALL_OPERATIONS, Operation, OperationName
from serverless_patterns.crud_api.resource import add_routes, authorization_type, security
from serverless_patterns.crud_api.rest_api import CrudRestApi
from serverless_patterns.function import ServerlessFunction

_RESOURCE_NAME = r"[a-z][a-z0-9-]{0,62}"
_ATTRIBUTE_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,63}"
_ORIGIN = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?"


class CrudApi(Construct, CrudResource):
    """Defines a REST resource backed by DynamoDB: create, get, list, update and delete with validation.

    ``POST /{resource}`` (201, ``Location``, server-generated id, ``createdAt``, ``updatedAt``,
    ``version`` 1; ``Idempotency-Key`` makes retries safe for 24 hours), ``GET /{resource}/{id}``
    (200 with an ``ETag``), ``GET /{resource}`` (pages of 1 to 100 items, default 25, with an opaque
    ``next`` cursor), ``PUT /{resource}/{id}`` (needs ``If-Match``: 428 without, 412 when stale) and
    ``DELETE /{resource}/{id}`` (204; honours ``If-Match``). Request bodies are validated twice
    against the same schema: by API Gateway's request validator with the generated model and by
    the handler. Errors are ``{"error": {"code", "message", "details"}}``, never a 500 for a bad
    request.

    What it defines: the table (unless ``table`` is given: on-demand, point-in-time recovery,
    retained on update or deletion, encrypted with an AWS managed or your KMS key), the
    ``/{resource}`` and ``/{resource}/{id}`` API resources and their methods, the request model,
    CORS preflight when ``cors_origins`` is given, and a ``TableName`` output. The REST API, its
    stage and its two functions belong to :class:`CrudRestApi`, shared by every ``CrudApi``
    attached to it (``api=``); a ``CrudApi`` without ``api`` defines one as its child ``"Api"``.
    The read function gets only ``dynamodb:GetItem``/``dynamodb:Scan`` and the write function
    only ``dynamodb:PutItem``/``UpdateItem``/``DeleteItem``, each on the tables of the resources
    whose operations use it.

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id.
    resource_name
        The path segment, lower case: letters, digits and ``-`` (``"users"``).
    schema
        JSON Schema (draft 4 subset API Gateway models support: ``type``, ``required``,
        ``properties``, ``additionalProperties``, ``items``, ``format``, ``minLength``,
        ``maxLength``, ``minimum``, ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``,
        ``minItems``, ``maxItems``, ``enum``, ``pattern``, ``title``, ``description``) of the
        fields a client sends. It must not list the server fields (the id attribute,
        ``createdAt``, ``updatedAt``, ``version``); clients may send them back, they are ignored.
    id_attribute
        Name of the id attribute: the table's partition key and the path parameter. Default: ``"id"``.
    operations
        Default: all of create, get, list, update and delete.
    allow_unknown_fields
        Accept body fields the schema does not list (they are stored; an update keeps fields it
        does not mention that are outside the schema). Default: ``False``: such fields get 422
        from the handler and 400 from API Gateway's validator.
    partition_attribute
        Group items by this required string property of the schema: the table's partition key,
        with the id as its sort key. Items are then addressed as ``/{resource}/{partition}/{id}``
        and ``GET /{resource}?{partition_attribute}=value`` lists one group (a Query). It costs one
        more API resource. Default: - none: the id alone is the key.
    table
        An existing table whose partition key is the string ``id_attribute`` (or, with
        ``partition_attribute``, partition key ``partition_attribute`` and sort key ``id_attribute``).
        Default: - a new table.
    time_to_live_attribute
        TTL attribute of the new table. Default: - none.
    encryption_key
        Customer managed KMS key of the new table and, without ``api``, of the new API's
        idempotency table (it holds responses, so item data). Default: - AWS managed keys.
    removal_policy
        Of the new table and, without ``api``, of the new API's idempotency table and access log
        group. Default: ``RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE``: kept when the stack is
        updated or deleted, deleted when the deployment that created it rolls back.
    deletion_protection
        DynamoDB deletion protection of the new table: nobody can delete it until it is turned
        off, a rolled-back first deployment included. Default: on with ``RemovalPolicy.RETAIN``,
        off otherwise (it would block ``RETAIN_ON_UPDATE_OR_DELETE``'s clean-up of a failed
        first deployment; turn it on once the table holds data).
    api
        The shared REST API to attach to (``first.api``); ``api.add_resource(...)`` does the same.
        Default: - a new :class:`CrudRestApi`, the child ``"Api"``, with the options below.
    authorizer
        A ``CognitoUserPoolsAuthorizer``, ``TokenAuthorizer`` or ``RequestAuthorizer`` of the API.
        Default: - IAM authorization (SigV4; grant callers with :meth:`grant_invoke`).
    authorization_scopes
        OAuth scopes a Cognito access token needs. Default: - none.
    public
        No authorization at all. Only when asked for: cdk-nag then reports APIG4 and COG4, on
        purpose. Default: ``False``.
    cors_origins
        Allowed origins (``https://app.example.com``); ``["*"]`` only when asked for. Default: - no CORS.
    rest_api_name, description, stage_name, throttling_rate_limit, throttling_burst_limit, log_retention, \
data_trace, memory_mib, log_encryption_key, web_acl, web_acl_arn
        Every option of the new :class:`CrudRestApi`, with its defaults (see there): give them only
        without ``api``, the shared API has its own.

    Attributes
    ----------
    api
        The :class:`CrudRestApi` (pass it to further ``CrudApi`` s as ``api``).
    rest_api
        The ``apigateway.RestApi``.
    table
        The table (``ITable``).
    model
        The request model.
    collection, partition, item
        The ``/{resource}``, ``/{resource}/{partition}`` (or ``None``) and item API resources.
    methods
        The methods by operation name.
    read_function, write_function
        The API's shared ``ServerlessFunction`` s.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import CrudApi
    >>> stack = Stack(App(), "Shop")
    >>> users = CrudApi(
    ...     stack,
    ...     "Users",
    ...     resource_name="users",
    ...     schema={
    ...         "type": "object",
    ...         "required": ["email", "name"],
    ...         "properties": {
    ...             "email": {"type": "string", "format": "email"},
    ...             "name": {"type": "string", "minLength": 1, "maxLength": 100},
    ...         },
    ...     },
    ... )
    >>> orders = CrudApi(stack, "Orders", api=users.api, resource_name="orders", schema={"type": "object"})
    >>> orders.read_function is users.read_function
    True
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
        api: CrudRestApi | None = None,
        authorizer: apigateway.IAuthorizer | None = None,
        authorization_scopes: Sequence[str] | None = None,
        public: bool = False,
        cors_origins: Sequence[str] | None = None,
        rest_api_name: str | None = None,
        description: str | None = None,
        stage_name: str | None = None,
        throttling_rate_limit: float | None = None,
        throttling_burst_limit: int | None = None,
        log_retention: logs.RetentionDays | None = None,
        data_trace: bool | None = None,
        memory_mib: int | None = None,
        log_encryption_key: kms.IKey | None = None,
        web_acl: bool | None = None,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        operation_names = [Operation(operation).value for operation in operations]
        cors = list(cors_origins or [])
        authorization = authorization_type(authorizer, public)
        # None means "the CrudRestApi default": its defaults are declared once, on CrudRestApi.
        api_options: dict[str, Any] = {
            "rest_api_name": rest_api_name,
            "description": description,
            "stage_name": stage_name,
            "throttling_rate_limit": throttling_rate_limit,
            "throttling_burst_limit": throttling_burst_limit,
            "log_retention": log_retention,
            "data_trace": data_trace,
            "memory_mib": memory_mib,
            "log_encryption_key": log_encryption_key,
            "web_acl": web_acl,
            "web_acl_arn": web_acl_arn,
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
        check_origins(rules, cors)
        rules.exclusive(public=public, authorizer=authorizer)
        rules.check(
            not authorization_scopes or authorization == apigateway.AuthorizationType.COGNITO,
            "authorization_scopes need a Cognito user pool authorizer",
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
            api = CrudRestApi(self, "Api", **given)
        self.api: CrudRestApi = api
        self._gateway = api.rest_api
        self.rest_api: apigateway.RestApi = api.rest_api
        self.read_function: ServerlessFunction = api.read_function
        self.write_function: ServerlessFunction = api.write_function
        self.resource_name = resource_name
        self.id_attribute = id_attribute
        self.schema: dict[str, Any] = json.loads(json.dumps(schema))

        table = tables.define(self)
        self.table: dynamodb.ITable = table

        self._spec = ResourceSpec(
            name=resource_name,
            id_attribute=id_attribute,
            partition_attribute=partition_attribute,
            schema=self.schema,
            operations=tuple(operation_names),
            allow_unknown_fields=allow_unknown_fields,
            security=security(authorization),
        )
        api._attach(self._spec, table=table, cors_origins=cors)
        routes = add_routes(
            self,
            api,
            self._spec,
            authorizer=authorizer,
            authorization=authorization,
            authorization_scopes=authorization_scopes,
            cors_origins=cors,
        )
        self.model = routes.model
        self.collection = routes.collection
        self.partition: apigateway.Resource | None = routes.partition
        self.item = routes.item
        self.methods: dict[str, apigateway.Method] = routes.methods
        CfnOutput(self, "TableName", value=table.table_name, description=f"DynamoDB table of /{resource_name}")
