"""The library's log group: one definition for every construct that writes logs, with its scanner tradeoffs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from serverless_patterns._internal.compliance import acknowledge_all

if TYPE_CHECKING:
    from aws_cdk import RemovalPolicy
    from constructs import Construct

_ONE_YEAR_DAYS = 365


def log_group(
    scope: Construct,
    id: str,
    *,
    retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    encryption_key: kms.IKey | None = None,
    log_group_name: str | None = None,
) -> logs.LogGroup:
    """Define a log group with ``retention``, encrypted with ``encryption_key`` when one is given.

    Without a key, CloudWatch Logs encrypts the group with keys it manages; Control Tower's
    CT.CLOUDWATCH.PR.3 and checkov's CKV_AWS_158 ask for a customer managed key and are
    acknowledged with that reason. A retention under a year is the construct's (cheaper) default or
    the user's choice; CT.CLOUDWATCH.PR.2 asks for a year and is acknowledged likewise. A key
    defined in the app (``kms.Key``) gets the key policy statement CloudWatch Logs needs to use it
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
    """
    group = logs.LogGroup(
        scope,
        id,
        log_group_name=log_group_name,
        retention=retention,
        removal_policy=removal_policy,
        encryption_key=encryption_key,
    )
    if isinstance(encryption_key, kms.Key):
        _let_cloudwatch_logs_use(encryption_key)
    # One acknowledgment call for every rule: each call costs jsii round trips.
    rules: list[tuple[str, str]] = []
    if encryption_key is None:
        reason = (
            "CloudWatch Logs encrypts the group with keys it manages; give the construct a "
            "log_encryption_key for a customer managed key."
        )
        rules += [(rule, reason) for rule in ("CT.CLOUDWATCH.PR.3", "CKV_AWS_158")]
    cfn = group.node.default_child
    days = cfn.retention_in_days if isinstance(cfn, logs.CfnLogGroup) else None  # None: kept forever
    if isinstance(days, (int, float)) and days < _ONE_YEAR_DAYS:
        reason = (
            f"Logs are kept {days:g} days (log_retention), a cost choice for operational logs; "
            "set a year or more where a standard requires it."
        )
        rules.append(("CT.CLOUDWATCH.PR.2", reason))
    acknowledge_all(group, rules)
    return group


def _let_cloudwatch_logs_use(key: kms.Key) -> None:
    stack = Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogs",
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs", resource="log-group", resource_name="*"
                    )
                }
            },
        )
    )
