"""The order workflow's state: one DynamoDB table (``WORKFLOW_TABLE``) with typed keys.

Keys: ``stock#<sku>`` (available units), ``payment#<orderId>``, ``reservation#<orderId>``,
``notification#<orderId>`` and ``event#<orderId>#<handler>`` (what the event handlers did).
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import boto3

# Typed as Any: the items are free-form JSON documents, not fixed TypedDicts.
table: Any = boto3.resource("dynamodb").Table(os.environ["WORKFLOW_TABLE"])


def order_of(event: dict[str, Any]) -> dict[str, Any]:
    """The order in a step's input: an EventBridge event's ``detail``, or the input itself."""
    detail = event.get("detail", event)
    if not isinstance(detail, dict):
        raise TypeError("the input holds no order")
    return detail


def to_decimal(value: Any) -> Decimal:
    """DynamoDB numbers are Decimals; JSON numbers arrive as int or float."""
    return Decimal(str(value))
