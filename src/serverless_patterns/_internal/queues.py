"""The library's dead-letter queue: one definition for every construct that keeps failed work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_sqs as sqs

from serverless_patterns._internal import defaults
from serverless_patterns._internal.compliance import acknowledge

if TYPE_CHECKING:
    from aws_cdk import aws_kms as kms
    from constructs import Construct


def dead_letter_queue(
    scope: Construct,
    id: str,
    *,
    holds: str,
    retention: Duration | None = None,
    encryption_key: kms.IKey | None = None,
    removal_policy: RemovalPolicy = defaults.REMOVAL_POLICY,
) -> sqs.Queue:
    """Define an encrypted, TLS-only dead-letter queue (14-day retention, retained by default).

    ``holds`` says what lands in it (``"the function's failed asynchronous invocations"``); it
    becomes the reason of the ``AwsSolutions-SQS3`` acknowledgment: a DLQ needs no DLQ of its own,
    which would only hide failures one level further down.
    """
    queue = sqs.Queue(
        scope,
        id,
        encryption=sqs.QueueEncryption.KMS if encryption_key else sqs.QueueEncryption.SQS_MANAGED,
        encryption_master_key=encryption_key,
        enforce_ssl=True,
        retention_period=retention or defaults.DLQ_RETENTION,
        removal_policy=removal_policy,
    )
    acknowledge(queue, "AwsSolutions-SQS3", f"This queue is itself a dead-letter queue: it holds {holds}.")
    return queue
