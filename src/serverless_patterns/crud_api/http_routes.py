"""One HttpCrudApi resource on its HTTP API: the routes, their authorization and integrations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers

from serverless_patterns.crud_api.openapi import ResourceSpec
from serverless_patterns.crud_api.operations import HTTP_METHODS, READ_ACTIONS, Operation
from serverless_patterns.crud_api.resource import ItemOptions

if TYPE_CHECKING:
    from serverless_patterns.crud_api.http_api import CrudHttpApi


class HttpResourceOptions(ItemOptions, total=False):
    """The optional options of one resource, as :class:`HttpCrudApi` takes them (see there for each default).

    ``CrudHttpApi.add_resource`` takes them as keywords, after ``resource_name`` and ``schema``.
    """

    authorizer: apigwv2.IHttpRouteAuthorizer | None
    authorization_scopes: Sequence[str] | None
    public: bool


def security(authorizer: apigwv2.IHttpRouteAuthorizer | None, public: bool) -> str:
    """The kind of authorization: ``"none"`` (public), ``"iam"``, ``"jwt"`` (JWT, Cognito) or ``"custom"`` (Lambda).

    Examples
    --------
    >>> security(None, False), security(None, True), security(authorizers.HttpIamAuthorizer(), False)
    ('iam', 'none', 'iam')
    """
    if public:
        return "none"
    if authorizer is None or isinstance(authorizer, authorizers.HttpIamAuthorizer):
        return "iam"
    if isinstance(authorizer, (authorizers.HttpJwtAuthorizer, authorizers.HttpUserPoolAuthorizer)):
        return "jwt"
    return "custom"


def add_http_routes(
    api: CrudHttpApi,
    spec: ResourceSpec,
    *,
    authorizer: apigwv2.IHttpRouteAuthorizer | None,
    authorization_scopes: Sequence[str] | None,
) -> dict[str, apigwv2.HttpRoute]:
    """Define ``spec``'s routes on ``api``, one per operation, integrated with the read or write function."""
    route_authorizer: apigwv2.IHttpRouteAuthorizer = (
        apigwv2.HttpNoneAuthorizer()
        if spec.security == "none"
        else authorizer
        if authorizer is not None
        else authorizers.HttpIamAuthorizer()
    )
    collection = f"/{spec.name}"
    partition = f"/{{{spec.partition_attribute}}}" if spec.partition_attribute else ""
    item = f"{collection}{partition}/{{{spec.id_attribute}}}"
    routes: dict[str, apigwv2.HttpRoute] = {}
    for operation in spec.operations:
        kind = Operation(operation)
        (route,) = api.http_api.add_routes(
            path=collection if kind in (Operation.LIST, Operation.CREATE) else item,
            methods=[apigwv2.HttpMethod(HTTP_METHODS[kind])],
            integration=api.read_integration if kind in READ_ACTIONS else api.write_integration,
            authorizer=route_authorizer,
            authorization_scopes=list(authorization_scopes) if authorization_scopes else None,
        )
        routes[operation] = route
    # No acknowledgment: cdk-nag's COG4 (Cognito authorizer) checks REST methods only.
    return routes
