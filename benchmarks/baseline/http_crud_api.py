"""The article's UserApiStack on an HTTP API instead of a REST API, hand-written with aws-cdk-lib L2 constructs.

The same entity as :mod:`benchmarks.baseline.crud_api` (a table, four Node.js functions sharing a
layer, each granted on its table) behind an ``aws_apigatewayv2.HttpApi``: its default stage, CORS
for all origins, and per entity the ``POST /{entity}`` and ``GET|PUT|DELETE /{entity}/{userId}``
routes with ``HttpLambdaIntegration`` s (payload format 2.0). HTTP APIs have no request models,
so the body checks live in the functions; there is no access log group (the default stage has no
access log settings), as a first hand-written HTTP API usually has none.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_

from benchmarks.baseline.crud_api import _asset_folders, entity_name


def user_http_api_stack(stack: cdk.Stack, entities: int = 1) -> apigwv2.HttpApi:
    """The article's entity ``entities`` times on one HTTP API."""
    layer_path, code_path = _asset_folders()
    shared_layer = lambda_.LayerVersion(
        stack,
        "SharedLayer",
        code=lambda_.Code.from_asset(layer_path),
        compatible_runtimes=[lambda_.Runtime.NODEJS_20_X],
    )
    api = apigwv2.HttpApi(
        stack,
        "UserHttpApi",
        cors_preflight=apigwv2.CorsPreflightOptions(allow_origins=["*"], allow_methods=[apigwv2.CorsHttpMethod.ANY]),
    )
    for number in range(1, entities + 1):
        name = entity_name(number)
        prefix = "User" if number == 1 else f"Entity{number}"
        table = dynamodb.Table(
            stack,
            f"{prefix}Table",
            table_name=name,
            partition_key=dynamodb.Attribute(name="userId", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        routes = (
            ("Get", "get-user.handler", "/{userId}", apigwv2.HttpMethod.GET),
            ("Create", "create-user.handler", "", apigwv2.HttpMethod.POST),
            ("Update", "update-user.handler", "/{userId}", apigwv2.HttpMethod.PUT),
            ("Delete", "delete-user.handler", "/{userId}", apigwv2.HttpMethod.DELETE),
        )
        for operation, handler, suffix, method in routes:
            function = lambda_.Function(
                stack,
                f"{operation}{prefix}",
                runtime=lambda_.Runtime.NODEJS_20_X,
                handler=handler,
                code=lambda_.Code.from_asset(code_path),
                layers=[shared_layer],
                environment={"TABLE_NAME": table.table_name},
                timeout=cdk.Duration.seconds(10),
                memory_size=512,
            )
            if operation == "Get":
                table.grant_read_data(function)
            else:
                table.grant_write_data(function)
            api.add_routes(
                path=f"/{name}{suffix}",
                methods=[method],
                integration=integrations.HttpLambdaIntegration(f"{operation}{prefix}Integration", function),
            )
    cdk.CfnOutput(stack, "HttpApiUrl", value=api.url or "")
    return api
