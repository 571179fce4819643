"""Places orders: one ``OrderPlaced`` event per order, published through the order events' publisher layer.

``EventFanout.attach_publisher`` gave this function the layer with the ``event_publisher`` module,
the bus name (``EVENT_BUS_NAME``) and ``events:PutEvents`` on the bus; the publisher validates,
batches and retries what EventBridge did not accept.
"""

from __future__ import annotations

from typing import Any

# Shipped in the publisher layer, not in this asset (mypy checks it as serverless_patterns.runtime.event_publisher).
from event_publisher import Event, publish  # type: ignore[import-not-found]

ORDER_SOURCE = "shop.orders"
ORDER_PLACED = "OrderPlaced"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Publish ``event["orders"]`` (each with its ``orderId``); return the event ids in order."""
    orders: list[dict[str, Any]] = event["orders"]
    event_ids: list[str] = publish(
        [Event(source=ORDER_SOURCE, detail_type=ORDER_PLACED, detail=order) for order in orders]
    )
    return {"eventIds": event_ids}
