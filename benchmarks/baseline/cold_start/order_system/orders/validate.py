"""Step 1: validate the order (the article's "Order geldig?" choice reads ``valid``)."""

from __future__ import annotations

from typing import Any

from .state import order_of


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = order_of(event)
    problems = []
    items = order.get("items")
    if not isinstance(items, list) or not items:
        problems.append("an order needs at least one item")
    else:
        for item in items:
            if not isinstance(item, dict) or not item.get("sku"):
                problems.append("every item needs a sku")
            elif not isinstance(item.get("quantity"), int) or item["quantity"] < 1:
                problems.append(f"item {item['sku']} needs a positive whole quantity")
    amount = order.get("amount")
    if not isinstance(amount, (int, float)) or amount <= 0:
        problems.append("amount must be a positive number")
    if not order.get("orderId"):
        problems.append("orderId is missing")
    return {"valid": not problems, "problems": problems, "orderId": order.get("orderId")}
