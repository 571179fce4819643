"""ApiGatewayCloudWatchRole: API Gateway's one CloudWatch role per account and region, owned by one stack."""

from __future__ import annotations

from aws_cdk import App, RemovalPolicy, Stack, Token
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from constructs import Construct

from serverless_patterns._internal.compliance import acknowledge
from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules

_MANAGED_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class ApiGatewayCloudWatchRole(Construct):
    """Defines API Gateway's account-level CloudWatch role: once per account and region, in one stack.

    API Gateway writes the execution and access logs of every REST API stage in an account and
    region with one IAM role, set in the account's API Gateway settings
    (``AWS::ApiGateway::Account``). Stage logging fails to deploy until that role is set, and
    CloudFormation warns that only one ``AWS::ApiGateway::Account`` should exist per account and
    region, because each overwrites the last
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-account.html,
    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html).

    So no :class:`CrudRestApi` writes this setting; this construct does, in a stack of its own that
    is deployed once per account and region before any API (skip it where a platform team
    already sets the role). It defines the role, trusted by ``apigateway.amazonaws.com`` with
    the managed policy API Gateway documents for it (it must cover every API of the account),
    and the account setting. The role is deleted with its stack, so nothing is left behind; the
    stack is given termination protection, because deleting it breaks the logging of every API
    in the account and region: CloudFormation refuses the deletion until someone turns the
    protection off on purpose.

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id.
    termination_protection
        Turn on the stack's termination protection. Default: ``True``.

    Attributes
    ----------
    role
        The ``iam.Role`` API Gateway assumes.
    account
        The ``apigateway.CfnAccount`` setting.

    Examples
    --------
    >>> from aws_cdk import App, Environment, Stack
    >>> app = App()
    >>> baseline = Stack(app, "ApiGatewayAccount", env=Environment(account="111111111111", region="eu-west-1"))
    >>> role = ApiGatewayCloudWatchRole(baseline, "CloudWatchRole")
    >>> baseline.termination_protection
    True
    """

    @typed_options
    def __init__(self, scope: Construct, id: str, *, termination_protection: bool = True) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        rules = Rules()
        for other in _others_in_app(self):
            rules.check(
                not _same_environment(stack, Stack.of(other)),
                f"account and region {_environment(stack)} already have their API Gateway CloudWatch role "
                f"at {other.node.path}: define one per account and region",
            )
        rules.raise_if_broken(self)

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway's account-level role for writing REST API logs to CloudWatch Logs",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(_MANAGED_POLICY)],
        )
        self.role.apply_removal_policy(RemovalPolicy.DESTROY)
        acknowledge(
            self.role,
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{_MANAGED_POLICY}]",
            "API Gateway's account-level CloudWatch role serves every API of the account and region, "
            "so it uses the managed policy API Gateway documents for it.",
        )
        self.account = apigateway.CfnAccount(self, "Resource", cloud_watch_role_arn=self.role.role_arn)
        if termination_protection:
            stack.termination_protection = True


def _others_in_app(construct: ApiGatewayCloudWatchRole) -> list[Construct]:
    root = construct.node.root
    if not isinstance(root, App):
        return []
    return [
        node for node in root.node.find_all() if isinstance(node, ApiGatewayCloudWatchRole) and node is not construct
    ]


def _environment(stack: Stack) -> str:
    account = "(any account)" if Token.is_unresolved(stack.account) else stack.account
    region = "(any region)" if Token.is_unresolved(stack.region) else stack.region
    return f"{account}/{region}"


def _same_environment(first: Stack, second: Stack) -> bool:
    # Environment-agnostic stacks may be deployed anywhere: treat them as the same place.
    def same(a: str, b: str) -> bool:
        return Token.is_unresolved(a) or Token.is_unresolved(b) or a == b

    return same(first.account, second.account) and same(first.region, second.region)
