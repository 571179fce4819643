"""HttpCrudApi: the same two resources as the CrudApi snippet, on one HTTP API with a JWT authorizer."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2_authorizers as authorizers

from examples.snippets.crud_api import ORDER, USER
from serverless_patterns import CrudHttpApi, HttpCrudApi, Operation


def build(stack: cdk.Stack) -> HttpCrudApi:
    # --8<-- [start:usage]
    api = CrudHttpApi(stack, "Api", throttling_rate_limit=50, cors_origins=["https://app.example.com"])
    users = api.add_resource("Users", resource_name="users", id_attribute="userId", schema=USER)
    jwt = authorizers.HttpJwtAuthorizer("Jwt", "https://issuer.example.com", jwt_audience=["shop"])
    HttpCrudApi(
        stack,
        "Orders",
        api=api,
        resource_name="orders",
        schema=ORDER,
        operations=[Operation.GET, Operation.LIST],
        authorizer=jwt,
        authorization_scopes=["shop/read"],
    )
    openapi = users.openapi("Shop API")  # the OpenAPI 3 document of both resources
    # --8<-- [end:usage]
    assert sorted(openapi["paths"]) == ["/orders", "/orders/{id}", "/users", "/users/{userId}"]
    return users


if __name__ == "__main__":
    build(cdk.Stack(cdk.App(), "Shop"))
