"""The library's DynamoDB table: one definition for every construct that stores items."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from serverless_patterns._internal.compliance import acknowledge


def table(
    scope: Construct,
    id: str,
    *,
    partition_key: str,
    sort_key: str | None = None,
    time_to_live_attribute: str | None = None,
    encryption_key: kms.IKey | None = None,
    removal_policy: RemovalPolicy,
    deletion_protection: bool | None = None,
) -> dynamodb.Table:
    """Define an on-demand table with string keys, point-in-time recovery and encryption at rest.

    Encrypted with ``encryption_key`` when one is given, else with the AWS managed key; checkov's
    CKV_AWS_119 (a customer managed key) is then acknowledged with that reason.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> items = table(Stack(App(), "Docs"), "Items", partition_key="id", removal_policy=RemovalPolicy.DESTROY)
    >>> items.node.id
    'Items'
    """
    defined = dynamodb.Table(
        scope,
        id,
        partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
        sort_key=None if sort_key is None else dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        deletion_protection=deletion_protection,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED
        if encryption_key is not None
        else dynamodb.TableEncryption.AWS_MANAGED,
        encryption_key=encryption_key,
        time_to_live_attribute=time_to_live_attribute,
        removal_policy=removal_policy,
    )
    if encryption_key is None:
        acknowledge(
            defined,
            "CKV_AWS_119",
            "The table is encrypted at rest with the AWS managed key (no key to administer or pay for); "
            "give encryption_key for a customer managed key.",
        )
    return defined
