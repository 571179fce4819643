"""A test stand-in for Lambda's SQS event source mapping (moto runs no Lambda code).

It receives a batch, calls the handler with the SQS event shape, deletes only the records the
batch response does not name as failed, and makes the failed ones visible again at once
(as the visibility timeout elapsing would), so that moto's redrive moves them to the DLQ
after the queue's maxReceiveCount.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class FakeContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name = "local"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:local"
    memory_limit_in_mb = 256
    aws_request_id = "local-request"
    log_group_name = "/aws/lambda/local"
    log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def load_handler_module(folder: Path, module: str = "index") -> ModuleType:
    """Import ``module`` from an asset folder under a unique name (many assets have an index.py)."""
    spec = importlib.util.spec_from_file_location(f"asset_{uuid.uuid4().hex}", folder / f"{module}.py")
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def _record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    }


def drain(sqs: Any, queue_url: str, handler: Handler, batch_size: int = 10, max_batches: int = 50) -> int:
    """Deliver the queue's messages to ``handler`` until it is empty; returns the batches delivered."""
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    batches = 0
    while batches < max_batches:
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return batches
        batches += 1
        try:
            response = handler({"Records": [_record(message, queue_arn) for message in messages]}, FakeContext())
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        except Exception:
            # An invocation error fails the whole batch, as in Lambda (Powertools raises when
            # every record of a batch failed).
            failed = {message["MessageId"] for message in messages}
        done = [message for message in messages if message["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
    raise AssertionError(f"queue not drained after {max_batches} batches")
