"""ApiGatewayCloudWatchRole: the one account-wide API Gateway setting, owned by one protected stack."""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from serverless_patterns import ApiGatewayCloudWatchRole, ValidationError


def _stack(app: cdk.App, name: str, region: str = "eu-west-1") -> cdk.Stack:
    return cdk.Stack(app, name, env=cdk.Environment(account="111111111111", region=region))


def test_defines_the_role_and_the_account_setting_and_leaves_nothing_behind() -> None:
    stack = _stack(cdk.App(), "Baseline")
    ApiGatewayCloudWatchRole(stack, "CloudWatchRole")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::ApiGateway::Account", 1)
    template.has_resource(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": Match.object_like(
                    {"Statement": [Match.object_like({"Principal": {"Service": "apigateway.amazonaws.com"}})]}
                ),
                "ManagedPolicyArns": [
                    {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                            ],
                        ]
                    }
                ],
            },
            "DeletionPolicy": "Delete",
        },
    )
    template.has_resource_properties(
        "AWS::ApiGateway::Account", {"CloudWatchRoleArn": {"Fn::GetAtt": [Match.string_like_regexp("Role"), "Arn"]}}
    )


def test_its_stack_is_termination_protected() -> None:
    # Deleting the stack that owns the setting would break every API's logging in the account.
    stack = _stack(cdk.App(), "Baseline")
    ApiGatewayCloudWatchRole(stack, "CloudWatchRole")
    assert stack.termination_protection is True
    other = _stack(cdk.App(), "Unprotected")
    ApiGatewayCloudWatchRole(other, "CloudWatchRole", termination_protection=False)
    assert other.termination_protection is False


def test_is_compliant(compliant: Callable[[cdk.Stack], None]) -> None:
    stack = _stack(cdk.App(), "Baseline")
    ApiGatewayCloudWatchRole(stack, "CloudWatchRole")
    compliant(stack)


def test_fails_when_an_app_defines_two_for_one_account_and_region() -> None:
    app = cdk.App()
    ApiGatewayCloudWatchRole(_stack(app, "First"), "CloudWatchRole")
    with pytest.raises(ValidationError) as caught:
        ApiGatewayCloudWatchRole(_stack(app, "Second"), "CloudWatchRole")
    assert caught.value.construct_path == "Second/CloudWatchRole"
    assert caught.value.problems == (
        "account and region 111111111111/eu-west-1 already have their API Gateway CloudWatch role at "
        "First/CloudWatchRole: define one per account and region",
    )


def test_one_per_region_is_accepted() -> None:
    app = cdk.App()
    ApiGatewayCloudWatchRole(_stack(app, "Ireland"), "CloudWatchRole")
    ApiGatewayCloudWatchRole(_stack(app, "Frankfurt", region="eu-central-1"), "CloudWatchRole")


def test_the_documented_snippet_deploys_the_role_beside_application_stacks() -> None:
    from examples.snippets.api_gateway_account import build

    baseline, shop = build(cdk.App(), cdk.Environment(account="111111111111", region="eu-west-1"))
    Template.from_stack(baseline).resource_count_is("AWS::ApiGateway::Account", 1)
    Template.from_stack(shop).resource_count_is("AWS::ApiGateway::Account", 0)
