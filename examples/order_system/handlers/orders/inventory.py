"""Step 3 and its compensation: reserve stock for every item, release it.

A reservation takes all items or none (one DynamoDB transaction), so an out-of-stock item
leaves nothing half-reserved; ``OutOfStockError`` names the item.
"""

from __future__ import annotations

from typing import Any

from .errors import OutOfStockError
from .state import order_of, table


def reserve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = order_of(event)
    reservation = f"reservation#{order['orderId']}"
    if "Item" in table.get_item(Key={"pk": reservation}, ConsistentRead=True):
        return {"reservationId": reservation, "status": "RESERVED"}
    items = [{"sku": str(item["sku"]), "quantity": int(item["quantity"])} for item in order["items"]]
    client = table.meta.client
    try:
        client.transact_write_items(
            TransactItems=[
                *[
                    {
                        "Update": {
                            "TableName": table.name,
                            "Key": {"pk": f"stock#{item['sku']}"},
                            "UpdateExpression": "SET available = available - :quantity",
                            "ConditionExpression": "available >= :quantity",
                            "ExpressionAttributeValues": {":quantity": item["quantity"]},
                        }
                    }
                    for item in items
                ],
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": {"pk": reservation, "status": "RESERVED", "items": items},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException as error:
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
    stored = table.get_item(Key={"pk": reservation}, ConsistentRead=True).get("Item")
    if stored is None or stored.get("status") != "RESERVED":
        return {"reservationId": reservation, "status": "NOTHING_TO_RELEASE"}
    client = table.meta.client
    client.transact_write_items(
        TransactItems=[
            *[
                {
                    "Update": {
                        "TableName": table.name,
                        "Key": {"pk": f"stock#{item['sku']}"},
                        "UpdateExpression": "SET available = available + :quantity",
                        "ExpressionAttributeValues": {":quantity": int(item["quantity"])},
                    }
                }
                for item in stored["items"]
            ],
            {
                "Update": {
                    "TableName": table.name,
                    "Key": {"pk": reservation},
                    "UpdateExpression": "SET #s = :released",
                    "ConditionExpression": "#s = :reserved",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":released": "RELEASED", ":reserved": "RESERVED"},
                }
            },
        ]
    )
    return {"reservationId": reservation, "status": "RELEASED"}
