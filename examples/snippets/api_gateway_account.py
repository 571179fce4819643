"""ApiGatewayCloudWatchRole: API Gateway's CloudWatch role, once per account and region."""

from __future__ import annotations

import aws_cdk as cdk

from serverless_patterns import ApiGatewayCloudWatchRole, CrudApi


def build(app: cdk.App, environment: cdk.Environment) -> tuple[cdk.Stack, cdk.Stack]:
    # An account baseline, deployed once per account and region before any API
    # (skip it where a platform team already sets API Gateway's CloudWatch role).
    baseline = cdk.Stack(app, "ApiGatewayAccount", env=environment)
    ApiGatewayCloudWatchRole(baseline, "CloudWatchRole")  # also turns on the stack's termination protection

    # Any number of application stacks with APIs: none of them writes the account-wide setting.
    shop = cdk.Stack(app, "Shop", env=environment)
    CrudApi(shop, "Users", resource_name="users", schema={"type": "object"})
    return baseline, shop
