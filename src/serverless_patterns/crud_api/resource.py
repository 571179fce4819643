"""One CrudApi resource on its REST API: the request model, the API resources, CORS and the methods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms

from serverless_patterns._internal.compliance import acknowledge
from serverless_patterns.crud_api.openapi import ResourceSpec, pascal_case
from serverless_patterns.crud_api.operations import HTTP_METHODS, READ_ACTIONS, Operation, OperationName
from serverless_patterns.crud_api.schema import request_schema, to_api_gateway
from serverless_patterns.runtime.crud_api import contract

if TYPE_CHECKING:
    from constructs import Construct

    from serverless_patterns.crud_api.rest_api import CrudRestApi

# COG4 asks every method for a Cognito authorizer; these methods are authorized another way, by choice.
_COG4_REASONS = {
    apigateway.AuthorizationType.IAM: (
        "The method uses IAM (SigV4) authorization, the library's default; COG4 accepts only Cognito."
    ),
    apigateway.AuthorizationType.CUSTOM: (
        "The method uses the Lambda authorizer the user chose; COG4 accepts only Cognito."
    ),
}
_SECURITY = {
    apigateway.AuthorizationType.IAM: "iam",
    apigateway.AuthorizationType.COGNITO: "cognito",
    apigateway.AuthorizationType.CUSTOM: "custom",
}
CORS_HEADERS = [
    "Content-Type",
    "Authorization",
    contract.IF_MATCH,
    contract.IDEMPOTENCY_KEY,
    "X-Amz-Date",
    "X-Amz-Security-Token",
]


class ItemOptions(TypedDict, total=False):
    """The options of a resource's items and table, the same on CrudApi and HttpCrudApi (see CrudApi for defaults)."""

    id_attribute: str
    partition_attribute: str | None
    operations: Sequence[Operation | OperationName]
    allow_unknown_fields: bool
    table: dynamodb.ITable | None
    time_to_live_attribute: str | None
    encryption_key: kms.IKey | None
    removal_policy: RemovalPolicy | None
    deletion_protection: bool | None


class ResourceOptions(ItemOptions, total=False):
    """The optional options of one resource, as :class:`CrudApi` takes them (see there for each default).

    ``CrudRestApi.add_resource`` takes them as keywords, after ``resource_name`` and ``schema``.
    """

    authorizer: apigateway.IAuthorizer | None
    authorization_scopes: Sequence[str] | None
    public: bool
    cors_origins: Sequence[str] | None


@dataclass(frozen=True)
class Routes:
    """The API Gateway side of one resource."""

    model: apigateway.Model
    collection: apigateway.Resource
    partition: apigateway.Resource | None
    item: apigateway.Resource
    methods: dict[str, apigateway.Method]


def authorization_type(authorizer: apigateway.IAuthorizer | None, public: bool) -> apigateway.AuthorizationType:
    """How the resource's methods are authorized: none when public, IAM without an authorizer."""
    if public:
        return apigateway.AuthorizationType.NONE
    if authorizer is None:
        return apigateway.AuthorizationType.IAM
    return authorizer.authorization_type or apigateway.AuthorizationType.CUSTOM


def security(authorization: apigateway.AuthorizationType) -> str:
    """The OpenAPI security scheme of ``authorization``: ``"iam"``, ``"cognito"``, ``"custom"`` or ``"none"``."""
    return _SECURITY.get(authorization, "none")


def add_routes(
    scope: Construct,
    api: CrudRestApi,
    spec: ResourceSpec,
    *,
    authorizer: apigateway.IAuthorizer | None,
    authorization: apigateway.AuthorizationType,
    authorization_scopes: Sequence[str] | None,
    cors_origins: Sequence[str],
) -> Routes:
    """Define ``spec``'s model (child ``"Model"`` of ``scope``), API resources and methods on ``api``."""
    model = apigateway.Model(
        scope,
        "Model",
        rest_api=api.rest_api,
        content_type="application/json",
        model_name=pascal_case(spec.name) + "Input",
        description=f"Request body of POST and PUT /{spec.name}",
        schema=to_api_gateway(
            request_schema(spec.schema, spec.id_attribute, allow_unknown_fields=spec.allow_unknown_fields)
        ),
    )
    collection = api.rest_api.root.add_resource(spec.name)
    partition: apigateway.Resource | None = None
    parent = collection
    if spec.partition_attribute is not None:
        partition = parent = collection.add_resource(f"{{{spec.partition_attribute}}}")
    item = parent.add_resource(f"{{{spec.id_attribute}}}")
    if cors_origins:
        for resource, verbs in ((collection, ["GET", "POST"]), (item, ["GET", "PUT", "DELETE"])):
            resource.add_cors_preflight(
                allow_origins=list(cors_origins),
                allow_methods=[*verbs, "OPTIONS"],
                allow_headers=CORS_HEADERS,
                expose_headers=list(contract.EXPOSED_HEADERS),
                max_age=Duration.hours(1),
            )

    auth: dict[str, Any] = {
        "authorization_type": authorization,
        "authorizer": authorizer,
        "authorization_scopes": list(authorization_scopes) if authorization_scopes else None,
    }
    path_parameters = {f"method.request.path.{spec.id_attribute}": True}
    list_parameters = {
        f"method.request.querystring.{contract.LIMIT_PARAMETER}": False,
        f"method.request.querystring.{contract.CURSOR_PARAMETER}": False,
    }
    if spec.partition_attribute is not None:
        path_parameters[f"method.request.path.{spec.partition_attribute}"] = True
        list_parameters[f"method.request.querystring.{spec.partition_attribute}"] = False
    methods: dict[str, apigateway.Method] = {}
    for operation in spec.operations:
        kind = Operation(operation)
        integration = api.read_integration if kind in READ_ACTIONS else api.write_integration
        options: dict[str, Any] = {"request_validator": api.request_validator, **auth}
        if kind in (Operation.CREATE, Operation.UPDATE):
            options["request_models"] = {"application/json": model}
        parameters: Mapping[str, bool] | None = (
            list_parameters if kind is Operation.LIST else None if kind is Operation.CREATE else path_parameters
        )
        if parameters is not None:
            options["request_parameters"] = parameters
        target = collection if kind in (Operation.LIST, Operation.CREATE) else item
        methods[operation] = target.add_method(HTTP_METHODS[kind], integration, **options)

    reason = _COG4_REASONS.get(authorization)
    if reason is not None:
        for method in methods.values():
            acknowledge(method, "AwsSolutions-COG4", reason)
    return Routes(model=model, collection=collection, partition=partition, item=item, methods=methods)
