"""Step 2 and its compensation: charge the card, refund it.

Cards ending in 0000 are declined (a ``PaymentDeclinedError``), as a payment provider's test
cards are. Both operations are idempotent per order: a retried step changes nothing twice.
"""

from __future__ import annotations

from typing import Any

from .errors import PaymentDeclinedError
from .order import order_of, to_decimal
from .state import TABLE, attributes, dynamodb


def charge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = order_of(event)
    card = str(order.get("card", ""))
    if card.endswith("0000"):
        raise PaymentDeclinedError(f"card ending {card[-4:]} declined for order {order['orderId']}")
    key = f"payment#{order['orderId']}"
    dynamodb.put_item(
        TableName=TABLE,
        Item=attributes({"pk": key, "status": "CHARGED", "amount": to_decimal(order["amount"])}),
        ConditionExpression="attribute_not_exists(pk) OR #s = :charged",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=attributes({":charged": "CHARGED"}),
    )
    return {"paymentId": key, "status": "CHARGED", "amount": order["amount"]}


def refund(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = order_of(event)
    key = f"payment#{order['orderId']}"
    dynamodb.update_item(
        TableName=TABLE,
        Key=attributes({"pk": key}),
        UpdateExpression="SET #s = :refunded",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=attributes({":refunded": "REFUNDED"}),
    )
    return {"paymentId": key, "status": "REFUNDED"}
