"""The order in a step's input: plain Python, no AWS client, so a step that only reads the order starts lean."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def order_of(event: dict[str, Any]) -> dict[str, Any]:
    """The order in a step's input: an EventBridge event's ``detail``, or the input itself."""
    detail = event.get("detail", event)
    if not isinstance(detail, dict):
        raise TypeError("the input holds no order")
    return detail


def to_decimal(value: Any) -> Decimal:
    """DynamoDB numbers are Decimals; JSON numbers arrive as int or float."""
    return Decimal(str(value))
