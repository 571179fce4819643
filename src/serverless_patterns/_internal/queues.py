"""The library's dead-letter queue: one definition for every construct that keeps failed work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_sqs as sqs

from serverless_patterns._internal import defaults
from serverless_patterns._internal.compliance import acknowledge, acknowledge_all

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
    reason = f"This queue is itself a dead-letter queue: it holds {holds}."
    acknowledge_all(queue, [(rule, reason) for rule in ("AwsSolutions-SQS3", "CT.SQS.PR.1")])
    if encryption_key is None:
        acknowledge_sqs_managed_encryption(queue)
    return queue


def acknowledge_sqs_managed_encryption(queue: sqs.Queue) -> None:
    """Acknowledge checkov's CKV_AWS_27 on a queue encrypted with SQS-managed keys (SSE-SQS)."""
    cfn = queue.node.default_child
    assert cfn is not None
    acknowledge(
        cfn,  # the queue itself, not its TLS-only queue policy
        "CKV_AWS_27",
        "The queue is encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which this check does "
        "not recognise; give encryption_key for a customer managed KMS key.",
    )
