"""Step 3 and its compensation: reserve stock for every item, release it.

A reservation takes all items or none (one DynamoDB transaction), so an out-of-stock item
leaves nothing half-reserved; ``OutOfStockError`` names the item.
"""

from __future__ import annotations

from typing import Any

from .errors import OutOfStockError
from .order import order_of
from .state import TABLE, attributes, dynamodb, plain


def _reservation(key: str) -> dict[str, Any] | None:
    found = dynamodb.get_item(TableName=TABLE, Key=attributes({"pk": key}), ConsistentRead=True).get("Item")
    return None if found is None else plain(found)


def reserve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = order_of(event)
    reservation = f"reservation#{order['orderId']}"
    if _reservation(reservation) is not None:
        return {"reservationId": reservation, "status": "RESERVED"}
    items = [{"sku": str(item["sku"]), "quantity": int(item["quantity"])} for item in order["items"]]
    writes: list[Any] = [
        {
            "Update": {
                "TableName": TABLE,
                "Key": attributes({"pk": f"stock#{item['sku']}"}),
                "UpdateExpression": "SET available = available - :quantity",
                "ConditionExpression": "available >= :quantity",
                "ExpressionAttributeValues": attributes({":quantity": item["quantity"]}),
            }
        }
        for item in items
    ]
    writes.append(
        {
            "Put": {
                "TableName": TABLE,
                "Item": attributes({"pk": reservation, "status": "RESERVED", "items": items}),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    )
    try:
        dynamodb.transact_write_items(TransactItems=writes)
    except dynamodb.exceptions.TransactionCanceledException as error:
        reasons = error.response.get("CancellationReasons", [])
        short = [
            str(item["sku"])
            for item, reason in zip(items, reasons, strict=False)
            if reason.get("Code") == "ConditionalCheckFailed"
        ]
        raise OutOfStockError(f"out of stock: {', '.join(short) or 'unknown item'}") from error
    return {"reservationId": reservation, "status": "RESERVED", "items": items}


def release(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = order_of(event)
    reservation = f"reservation#{order['orderId']}"
    stored = _reservation(reservation)
    if stored is None or stored.get("status") != "RESERVED":
        return {"reservationId": reservation, "status": "NOTHING_TO_RELEASE"}
    writes: list[Any] = [
        {
            "Update": {
                "TableName": TABLE,
                "Key": attributes({"pk": f"stock#{item['sku']}"}),
                "UpdateExpression": "SET available = available + :quantity",
                "ExpressionAttributeValues": attributes({":quantity": int(item["quantity"])}),
            }
        }
        for item in stored["items"]
    ]
    writes.append(
        {
            "Update": {
                "TableName": TABLE,
                "Key": attributes({"pk": reservation}),
                "UpdateExpression": "SET #s = :released",
                "ConditionExpression": "#s = :reserved",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": attributes({":released": "RELEASED", ":reserved": "RESERVED"}),
            }
        }
    )
    dynamodb.transact_write_items(TransactItems=writes)
    return {"reservationId": reservation, "status": "RELEASED"}
