"""The article's Lambda and SQS processing patterns, hand-written with aws-cdk-lib L2 constructs.

Translated from the reference article's TypeScript (Lambda best practices; SQS with partial batch
failures and a DLQ), with the article's choices kept: default roles with AWS managed policies,
no log group of its own, unencrypted queues without TLS-only policies.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs


def function(stack: cdk.Stack, id: str, code_path: str) -> lambda_.Function:
    """The article's "ApiFunction": a plain Function with 512 MB and a 10 s timeout."""
    return lambda_.Function(
        stack,
        id,
        runtime=lambda_.Runtime.PYTHON_3_11,
        handler="index.handler",
        code=lambda_.Code.from_asset(code_path),
        memory_size=512,
        timeout=cdk.Duration.seconds(10),
        environment={"LOG_LEVEL": "INFO"},
    )


def queue_processing(stack: cdk.Stack, id: str, code_path: str) -> lambda_.Function:
    """The article's order queue: DLQ (14 days), queue (300 s visibility, 3 receives) and processor."""
    dlq = sqs.Queue(stack, f"{id}DLQ", retention_period=cdk.Duration.days(14))
    queue = sqs.Queue(
        stack,
        f"{id}Queue",
        visibility_timeout=cdk.Duration.seconds(300),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3),
    )
    processor = lambda_.Function(
        stack,
        f"{id}Processor",
        runtime=lambda_.Runtime.PYTHON_3_11,
        handler="index.handler",
        code=lambda_.Code.from_asset(code_path),
        timeout=cdk.Duration.seconds(30),
    )
    processor.add_event_source(event_sources.SqsEventSource(queue, batch_size=10, report_batch_item_failures=True))
    return processor
