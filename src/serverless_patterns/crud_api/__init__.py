"""CrudApi: REST resources on API Gateway, Lambda and DynamoDB with validation and safe concurrent writes."""

from serverless_patterns.crud_api.account import ApiGatewayCloudWatchRole
from serverless_patterns.crud_api.construct import ALL_OPERATIONS, CrudApi, CrudRestApi, Operation

__all__ = ["ALL_OPERATIONS", "ApiGatewayCloudWatchRole", "CrudApi", "CrudRestApi", "Operation"]
