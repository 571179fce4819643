"""CrudApi: REST resources on API Gateway, Lambda and DynamoDB with validation and safe concurrent writes."""

from serverless_patterns.crud_api.account import ApiGatewayCloudWatchRole
from serverless_patterns.crud_api.code import CrudApiCode
from serverless_patterns.crud_api.construct import CrudApi
from serverless_patterns.crud_api.operations import ALL_OPERATIONS, Operation
from serverless_patterns.crud_api.rest_api import CrudRestApi

__all__ = ["ALL_OPERATIONS", "ApiGatewayCloudWatchRole", "CrudApi", "CrudApiCode", "CrudRestApi", "Operation"]
