"""moto's SQS queues and Lambda event source mappings, for the local SQS poller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EventSourceMapping:
    """An event source mapping as moto keeps it.

    Examples
    --------
    >>> EventSourceMapping("u-1", "arn:aws:lambda:us-east-1:1:function:f", "arn:aws:sqs:us-east-1:1:q").batch_size
    10
    """

    uuid: str
    function_arn: str
    source_arn: str
    batch_size: int = 10
    response_types: tuple[str, ...] = ()
    enabled: bool = True


def event_source_mappings(account: str, region: str) -> dict[str, EventSourceMapping]:
    """Every event source mapping moto holds in an account and region, by UUID.

    Examples
    --------
    >>> event_source_mappings("123456789012", "eu-west-3")
    {}
    """
    from moto.awslambda.models import lambda_backends

    found: dict[str, EventSourceMapping] = {}
    for uuid, esm in dict(lambda_backends[account][region]._event_source_mappings).items():
        found[str(uuid)] = EventSourceMapping(
            uuid=str(uuid),
            function_arn=str(esm.function_arn),
            source_arn=str(esm.event_source_arn),
            batch_size=int(esm.batch_size or 10),
            response_types=tuple(esm.function_response_types or ()),
            enabled=bool(esm.enabled),
        )
    return found


def detach_from_queue(account: str, region: str, queue_name: str, function_arn: str) -> None:
    """Stop moto invoking ``function_arn`` inline when a message is sent to the queue (the poller does it).

    Examples
    --------
    >>> detach_from_queue("123456789012", "us-east-1", "no-such-queue", "arn:aws:lambda:us-east-1:1:function:f")
    """
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account][region].queues.get(queue_name)
    if queue is not None:
        queue.lambda_event_source_mappings.pop(function_arn, None)


def has_visible_messages(account: str, region: str, queue_name: str) -> bool:
    """Whether the queue exists and holds a message that can be received now.

    Examples
    --------
    >>> has_visible_messages("123456789012", "us-east-1", "no-such-queue")
    False
    """
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account][region].queues.get(queue_name)
    return bool(queue is not None and queue.messages)


@dataclass(frozen=True)
class SqsMessage:
    """A received SQS message: what an SQS event record of Lambda carries."""

    id: str
    receipt_handle: str
    body: str
    md5_of_body: str
    receive_count: int
    sent_timestamp: int
    first_receive_timestamp: int
    group_id: str | None = None
    deduplication_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def receive_messages(account: str, region: str, queue_name: str, count: int) -> list[SqsMessage]:
    """Receive up to ``count`` messages (fewer when the queue runs dry), hidden for the queue's visibility timeout.

    Examples
    --------
    >>> receive_messages("123456789012", "us-east-1", "no-such-queue", 10)
    []
    """
    from moto.sqs.models import sqs_backends

    sqs = sqs_backends[account][region]
    queue = sqs.queues.get(queue_name)
    if queue is None:
        return []
    visibility = int(getattr(queue, "visibility_timeout", None) or 30)  # set by moto from the queue attributes
    messages: list[Any] = []
    while len(messages) < count:
        batch = sqs.receive_message(queue_name, min(10, count - len(messages)), 0, visibility, ["All"])
        if not batch:
            break
        messages.extend(batch)
    return [
        SqsMessage(
            id=str(message.id),
            receipt_handle=str(message.receipt_handle),
            body=str(message.body),
            md5_of_body=str(message.body_md5),
            receive_count=int(message.approximate_receive_count),
            sent_timestamp=int(message.sent_timestamp),
            first_receive_timestamp=int(message.approximate_first_receive_timestamp),
            group_id=getattr(message, "group_id", None) or None,
            deduplication_id=getattr(message, "deduplication_id", None) or None,
            attributes=dict(message.message_attributes or {}),
        )
        for message in messages
    ]


def delete_message(account: str, region: str, queue_name: str, receipt_handle: str) -> None:
    """Delete a received message."""
    from moto.sqs.models import sqs_backends

    sqs_backends[account][region].delete_message(queue_name, receipt_handle)


def change_message_visibility(account: str, region: str, queue_name: str, receipt_handle: str, seconds: int) -> None:
    """Make a received message visible again after ``seconds``."""
    from moto.sqs.models import sqs_backends

    sqs_backends[account][region].change_message_visibility(queue_name, receipt_handle, seconds)
