"""CrudApi: two REST resources on one API, sharing its read and write functions."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from serverless_patterns import CrudApi, CrudRestApi, Operation

USER: dict[str, Any] = {
    "type": "object",
    "required": ["email", "name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
    },
}
ORDER: dict[str, Any] = {
    "type": "object",
    "required": ["total"],
    "properties": {"total": {"type": "number", "minimum": 0}, "status": {"type": "string", "enum": ["open", "paid"]}},
}


def build(stack: cdk.Stack) -> CrudApi:
    # --8<-- [start:usage]
    api = CrudRestApi(stack, "Api", stage_name="v1", throttling_rate_limit=50)
    users = CrudApi(
        stack,
        "Users",
        api=api,
        resource_name="users",
        id_attribute="userId",
        schema=USER,
        cors_origins=["https://app.example.com"],
    )
    CrudApi(stack, "Orders", api=api, resource_name="orders", schema=ORDER, operations=[Operation.GET, Operation.LIST])
    openapi = users.openapi("Shop API")  # the OpenAPI 3 document of both resources
    # --8<-- [end:usage]
    assert sorted(openapi["paths"]) == ["/orders", "/orders/{id}", "/users", "/users/{userId}"]
    return users


def ship_own_code(api: CrudRestApi) -> None:
    """Replace the code of the API's functions with a build of your own (an escape hatch)."""
    # --8<-- [start:own-code]
    read = api.read_function.node.default_child
    assert isinstance(read, lambda_.CfnFunction)
    read.code = lambda_.CfnFunction.CodeProperty(s3_bucket="my-artifacts", s3_key="crud-read.zip")
    write = api.write_function.node.default_child
    assert isinstance(write, lambda_.CfnFunction)
    write.add_property_override("Code", {"S3Bucket": "my-artifacts", "S3Key": "crud-write.zip"})
    # --8<-- [end:own-code]
