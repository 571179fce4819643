"""Step 4 and the order-placed e-mail: the mail service fails on the first attempt of each order.

That transient ``EmailTemporarilyUnavailableError`` is what the saga's retry policy is for: the
second attempt succeeds. Attempts are counted in the workflow table.
"""

from __future__ import annotations

from typing import Any

from .errors import EmailTemporarilyUnavailableError
from .order import order_of
from .state import TABLE, attributes, dynamodb, plain


def send_confirmation(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = order_of(event)
    updated = dynamodb.update_item(
        TableName=TABLE,
        Key=attributes({"pk": f"notification#{order['orderId']}"}),
        UpdateExpression="ADD attempts :one",
        ExpressionAttributeValues=attributes({":one": 1}),
        ReturnValues="UPDATED_NEW",
    )
    attempts = plain(updated["Attributes"])["attempts"]
    if attempts == 1:
        raise EmailTemporarilyUnavailableError(f"mail service busy for order {order['orderId']}")
    return {"notified": order.get("customerId"), "attempts": int(attempts)}
