"""The article's UserApiStack, hand-written with aws-cdk-lib L2 constructs and scalable to N entities.

Translated from the reference article's TypeScript (``lib/api-stack.ts``) with its choices kept:
a table per entity (named after it, on-demand, point-in-time recovery, retained), a shared Lambda
layer, four Node.js functions per entity (get, create, update, delete; 512 MB, 10 s) each granted
on its table, an access log group (one week, destroyed with the stack), a REST API with the
``prod`` stage (INFO execution logs, data trace, metrics, JSON access logs), CORS for all origins
and methods, one request validator and, per entity, a request model and the
``/{entity}`` (POST) and ``/{entity}/{id}`` (GET, PUT, DELETE) routes, plus the two outputs.
Entity 1 is the article's ``users``; entities 2..N repeat its code with their own names.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs


@cache
def _asset_folders() -> tuple[str, str]:
    """Stand-ins for the article's ``layers/shared`` and ``lambda/api`` folders."""
    root = Path(tempfile.mkdtemp(prefix="user-api-baseline-"))
    (root / "layers" / "shared" / "nodejs").mkdir(parents=True)
    (root / "layers" / "shared" / "nodejs" / "utils.js").write_text("exports.ok = () => true;\n")
    (root / "lambda" / "api").mkdir(parents=True)
    for name in ("get-user", "create-user", "update-user", "delete-user"):
        (root / "lambda" / "api" / f"{name}.js").write_text("exports.handler = async () => ({ statusCode: 200 });\n")
    return str(root / "layers" / "shared"), str(root / "lambda" / "api")


def entity_name(number: int) -> str:
    """``users`` for the first entity (the article's), ``entity2`` ... after it."""
    return "users" if number == 1 else f"entity{number}"


def user_api_stack(stack: cdk.Stack, entities: int = 1) -> apigateway.RestApi:
    """The article's stack with ``entities`` resources (1 = exactly the article's)."""
    layer_path, code_path = _asset_folders()
    shared_layer = lambda_.LayerVersion(
        stack,
        "SharedLayer",
        code=lambda_.Code.from_asset(layer_path),
        compatible_runtimes=[lambda_.Runtime.NODEJS_20_X],
        description="Gedeelde utilities en AWS SDK",
    )
    log_group = logs.LogGroup(
        stack,
        "ApiLogs",
        log_group_name="/aws/apigateway/user-api",
        retention=logs.RetentionDays.ONE_WEEK,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    api = apigateway.RestApi(
        stack,
        "UserApi",
        rest_api_name="User API",
        description="API voor gebruikersbeheer",
        deploy_options=apigateway.StageOptions(
            stage_name="prod",
            logging_level=apigateway.MethodLoggingLevel.INFO,
            data_trace_enabled=True,
            metrics_enabled=True,
            access_log_destination=apigateway.LogGroupLogDestination(log_group),
            access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                caller=True,
                http_method=True,
                ip=True,
                protocol=True,
                request_time=True,
                resource_path=True,
                response_length=True,
                status=True,
                user=True,
            ),
        ),
        default_cors_preflight_options=apigateway.CorsOptions(
            allow_origins=apigateway.Cors.ALL_ORIGINS,
            allow_methods=apigateway.Cors.ALL_METHODS,
            allow_headers=["Content-Type", "Authorization"],
        ),
    )
    request_validator = apigateway.RequestValidator(
        stack, "RequestValidator", rest_api=api, validate_request_body=True, validate_request_parameters=True
    )
    for number in range(1, entities + 1):
        _entity(stack, api, request_validator, shared_layer, code_path, number)
    cdk.CfnOutput(stack, "ApiUrl", value=api.url, description="User API URL")
    return api


def _entity(
    stack: cdk.Stack,
    api: apigateway.RestApi,
    request_validator: apigateway.RequestValidator,
    shared_layer: lambda_.LayerVersion,
    code_path: str,
    number: int,
) -> None:
    name = entity_name(number)
    prefix = "User" if number == 1 else f"Entity{number}"
    table = dynamodb.Table(
        stack,
        f"{prefix}Table",
        table_name=name,
        partition_key=dynamodb.Attribute(name="userId", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )

    def function(operation: str, handler: str) -> lambda_.Function:
        return lambda_.Function(
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

    get_user = function("Get", "get-user.handler")
    create_user = function("Create", "create-user.handler")
    update_user = function("Update", "update-user.handler")
    delete_user = function("Delete", "delete-user.handler")
    table.grant_read_data(get_user)
    table.grant_write_data(create_user)
    table.grant_write_data(update_user)
    table.grant_write_data(delete_user)

    model = api.add_model(
        f"{prefix}Model",
        content_type="application/json",
        schema=apigateway.JsonSchema(
            type=apigateway.JsonSchemaType.OBJECT,
            required=["email", "name"],
            properties={
                "email": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, format="email"),
                "name": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, min_length=1, max_length=100),
                "age": apigateway.JsonSchema(type=apigateway.JsonSchemaType.INTEGER, minimum=0, maximum=150),
            },
        ),
    )
    collection = api.root.add_resource(name)
    collection.add_method(
        "POST",
        apigateway.LambdaIntegration(create_user),
        request_validator=request_validator,
        request_models={"application/json": model},
    )
    item = collection.add_resource("{userId}")
    path = {"method.request.path.userId": True}
    item.add_method("GET", apigateway.LambdaIntegration(get_user), request_parameters=path)
    item.add_method(
        "PUT",
        apigateway.LambdaIntegration(update_user),
        request_validator=request_validator,
        request_models={"application/json": model},
        request_parameters=path,
    )
    item.add_method("DELETE", apigateway.LambdaIntegration(delete_user), request_parameters=path)
    cdk.CfnOutput(stack, "TableName" if number == 1 else f"{prefix}TableName", value=table.table_name)
