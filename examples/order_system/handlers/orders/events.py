"""Order-placed event handlers (EventFanout targets): e-mail, inventory and warehouse.

Each records what it did under ``event#<orderId>#<handler>``, so a replayed event is handled once.
"""

from __future__ import annotations

from typing import Any

from .order import order_of
from .state import TABLE, attributes, dynamodb


def _record(event: dict[str, Any], handler: str) -> dict[str, Any]:
    order = order_of(event)
    key = f"event#{order['orderId']}#{handler}"
    try:
        dynamodb.put_item(
            TableName=TABLE,
            Item=attributes(
                {"pk": key, "eventId": str(event.get("id", "")), "detailType": str(event.get("detail-type", ""))}
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return {"handled": key, "duplicate": True}
    return {"handled": key, "duplicate": False}


def send_email(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _record(event, "email")


def update_inventory(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _record(event, "inventory")


def notify_warehouse(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _record(event, "warehouse")
