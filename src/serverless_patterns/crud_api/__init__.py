"""CrudApi and HttpCrudApi: resources on API Gateway (REST or HTTP APIs), Lambda and DynamoDB with validation."""

from serverless_patterns.crud_api.account import ApiGatewayCloudWatchRole
from serverless_patterns.crud_api.code import CrudApiCode
from serverless_patterns.crud_api.construct import CrudApi
from serverless_patterns.crud_api.http_construct import HttpCrudApi  # first: http_api.py imports it as a module

# isort: split
from serverless_patterns.crud_api.http_api import CrudHttpApi
from serverless_patterns.crud_api.operations import ALL_OPERATIONS, Operation
from serverless_patterns.crud_api.rest_api import CrudRestApi

__all__ = [
    "ALL_OPERATIONS",
    "ApiGatewayCloudWatchRole",
    "CrudApi",
    "CrudApiCode",
    "CrudHttpApi",
    "CrudRestApi",
    "HttpCrudApi",
    "Operation",
]
