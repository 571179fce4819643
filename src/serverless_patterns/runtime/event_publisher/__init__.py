"""Publish events to EventBridge without losing any (runtime code: boto3 only, never aws_cdk).

Inside a Lambda function that ``EventFanout.attach_publisher`` connected (the publisher layer puts
this package on the path as ``event_publisher``)::

    from event_publisher import Event, publish

    publish([Event(source="order.service", detail_type="Order Placed", detail={"amount": 1500})])
"""

from .publisher import (
    Event,
    EventPublisher,
    EventTooLargeError,
    FailedEntry,
    InvalidEventError,
    PublishError,
    SchemaValidationError,
    entry_size,
    load_schemas,
    load_validators,
    publish,
)
from .schema import schema_errors

__all__ = [
    "Event",
    "EventPublisher",
    "EventTooLargeError",
    "FailedEntry",
    "InvalidEventError",
    "PublishError",
    "SchemaValidationError",
    "entry_size",
    "load_schemas",
    "load_validators",
    "publish",
    "schema_errors",
]
