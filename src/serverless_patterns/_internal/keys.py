"""KMS key policy statements the library adds to the keys it defines."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms


def deny_grants_except_for_aws_services(key: kms.Key) -> None:
    """Deny ``kms:CreateGrant`` unless an AWS service creates the grant for an AWS resource.

    AWS Control Tower's proactive control CT.KMS.PR.3 asks every key policy for this statement
    (https://docs.aws.amazon.com/controltower/latest/userguide/kms-rules.html): services that
    use grants (DynamoDB, SNS, Lambda) keep working, and no principal can hand the key on by a grant.
    """
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyGrantsExceptForAwsServices",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
        )
    )
