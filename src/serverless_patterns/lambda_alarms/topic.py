"""The alarm topic: SNS, encrypted with a KMS key CloudWatch may use, TLS only, publishable by this account's alarms."""

from __future__ import annotations

from aws_cdk import Annotations, ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.keys import deny_grants_except_for_aws_services


def define_key(scope: Construct) -> kms.Key:
    """Define the topic's customer-managed key (``TopicKey``), rotated, that CloudWatch may use."""
    key = kms.Key(
        scope,
        "TopicKey",
        description=f"Encrypts the alarm topic of {scope.node.path}",
        enable_key_rotation=True,
        removal_policy=defaults.REMOVAL_POLICY,
    )
    deny_grants_except_for_aws_services(key)
    allow_cloudwatch_to_use(scope, key)
    return key


def allow_cloudwatch_to_use(scope: Construct, key: kms.IKey) -> None:
    """Let CloudWatch use ``key`` to publish to a topic it encrypts; warn when its policy is not ours to change.

    CloudWatch publishes alarm notifications to an encrypted topic only when the key policy lets it
    use the key (the AWS managed aws/sns key does not): the two actions SNS documents for AWS
    service publishers. No source condition: the request that SNS makes to KMS on CloudWatch's
    behalf is not documented to carry one, and a condition that does not match would silently drop
    every notification.
    """
    added = key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToPublish",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
        )
    )
    if not added.statement_added:
        Annotations.of(scope).add_warning_v2(
            "serverless-patterns:lambda-alarms-imported-key",
            "the policy of an imported topic_key cannot be changed here: it must let cloudwatch.amazonaws.com "
            "use kms:Decrypt and kms:GenerateDataKey, or no alarm notification is delivered",
        )


def define_topic(scope: Construct, key: kms.IKey, display_name: str, id: str = "Topic") -> sns.Topic:
    """Define the topic (``id``) encrypted with ``key``, TLS only, that this account's alarms may publish to."""
    topic = sns.Topic(scope, id, display_name=display_name[:100], master_key=key, enforce_ssl=True)
    # A topic policy replaces SNS's default policy, which let the account's principals (and so
    # CloudWatch) publish: without this Allow the alarms change state and no notification is
    # ever sent. Scoped to this account's alarms against the confused deputy
    # (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger,
    # https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html).
    stack = Stack.of(scope)
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToPublish",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": stack.format_arn(
                        service="cloudwatch",
                        resource="alarm",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                },
            },
        )
    )
    return topic
